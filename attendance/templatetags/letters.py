"""Filters for letter templates."""

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def css_string(value) -> SafeString:
    """`value` as the inside of a CSS string ("..."), for a letter's page footer.

    Inside <style> HTML escaping would print "&amp;" for a school called
    "St Mary & St John"; CSS escapes print the character itself, and no
    quote, backslash or "<" (so no "</style>") survives to end the string.
    """
    out = []
    for char in str(value):
        if char.isalnum() or char in " .,-·'’&@()/:+":
            out.append(char)
        else:
            out.append(f"\\{ord(char):x} ")
    return mark_safe("".join(out))
