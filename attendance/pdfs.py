"""PDF letters: a dataclass context rendered through a template by WeasyPrint."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

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


@dataclass
class LetterHead:
    """What every letter to parents carries (templates/letters/base.html)."""

    school_name: str
    school_address: str
    school_phone: str
    school_email: str
    date: str
    to_name: str
    to_address: str
    signed_by: str
    signed_position: str


def letter_head(
    school, to_name: str, to_address: str, day: dt.date, signed_by: str, position: str
) -> dict:
    """LetterHead's fields, for a letter dataclass built on it."""
    return dict(
        school_name=school.name,
        school_address=school.address,
        school_phone=school.phone,
        school_email=school.email,
        date=f"{day:%-d %B %Y}",
        to_name=to_name,
        to_address=to_address,
        signed_by=signed_by,
        signed_position=position,
    )


def head_to_parents(pupil, day: dt.date, nobody: str) -> dict:
    """LetterHead's fields for a letter from the headteacher to the pupil's
    parents (those with parental responsibility); `nobody` names the
    addressee when none is recorded."""
    school = pupil.school
    parents = pupil.parents()
    return letter_head(
        school,
        " and ".join(p.name for p in parents) or nobody,
        parents[0].postal_address if parents else "",
        day,
        school.headteacher or "The headteacher",
        "Headteacher",
    )
