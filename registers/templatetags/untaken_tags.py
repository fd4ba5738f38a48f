from django import template
from django.utils import timezone

from registers.untaken import untaken_registers

register = template.Library()


@register.inclusion_tag("registers/_untaken.html", takes_context=True)
def untaken_list(context):
    """The live list of registers not taken, for the office's and head's pages."""
    school = context["request"].user.school
    now = timezone.now()
    return {
        "untaken": untaken_registers(school, now),
        "now": now,
        "today": now.astimezone(school.tz).date(),
    }
