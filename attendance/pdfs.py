"""PDF letters: a dataclass context rendered through a template by WeasyPrint."""

from __future__ import annotations

from dataclasses import asdict

from django.conf import settings
from django.template.loader import render_to_string


def render_pdf(template: str, context) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        template, asdict(context) if hasattr(context, "__dataclass_fields__") else context
    )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
