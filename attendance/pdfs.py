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


def letter_download(field, filename: str):
    """A stored PDF (a FileField) as a download; 404 when none was made."""
    from django.http import FileResponse, Http404

    if not field:
        raise Http404("No letter")
    return FileResponse(field.open("rb"), content_type="application/pdf", filename=filename)
