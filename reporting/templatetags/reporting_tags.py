from django import template

register = template.Library()


@register.filter
def pct(value) -> str:
    """A percentage to one decimal place, or a dash when there is none."""
    if value is None or value == "":
        return "–"
    return f"{float(value):.1f}%"
