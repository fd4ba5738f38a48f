"""PDF letters: a dataclass context rendered through a template by WeasyPrint."""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
import time
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.template.loader import render_to_string

# Letters are rendered against this made-up origin, so a relative URL can
# only ever mean one of Rollcall's own static files (see `url_fetcher`).
PDF_BASE_URL = "https://rollcall.invalid/"
log = logging.getLogger("rollcall.letters")


class RefusedFetch(ValueError):
    pass


def url_fetcher(url: str, timeout: int = 10, ssl_context=None) -> dict:
    """What WeasyPrint may read while making a PDF: Rollcall's static files, nothing else.

    Letters carry pupils' and parents' names and the school's own wording; if
    any of it ever reached the HTML unescaped, `<link rel=attachment
    href=.env>` or `<img src=file:///...>` would put a server file into a
    letter sent home. So no file:, no network, no path outside the static
    directories, whatever the HTML says.
    """
    from django.contrib.staticfiles import finders

    prefix = PDF_BASE_URL + settings.STATIC_URL.lstrip("/")
    if not url.startswith(prefix) or "\\" in url or "%" in url:
        raise RefusedFetch(f"Letters fetch nothing but Rollcall's static files: {url[:80]}")
    relative = PurePosixPath(url.removeprefix(prefix).split("?")[0].split("#")[0])
    if relative.is_absolute() or ".." in relative.parts:
        raise RefusedFetch(f"Not a static file: {url[:80]}")
    found = finders.find(str(relative))
    if not found:
        raise RefusedFetch(f"No such static file: {url[:80]}")
    path = Path(found).resolve()
    roots = [Path(d).resolve() for d in settings.STATICFILES_DIRS]
    if not any(path.is_relative_to(root) for root in roots):
        raise RefusedFetch(f"Not one of Rollcall's own static files: {url[:80]}")
    return {
        "string": path.read_bytes(),
        "mime_type": mimetypes.guess_type(path.name)[0] or "application/octet-stream",
        "redirected_url": url,
    }


def render_pdf(template: str, context) -> bytes:
    """A PDF of `template` (autoescaped, like every page) that can read no server file."""
    from weasyprint import HTML

    began = time.monotonic()
    html = render_to_string(
        template, asdict(context) if hasattr(context, "__dataclass_fields__") else context
    )
    pdf = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=url_fetcher).write_pdf()
    log.info(
        "letter rendered",
        extra={
            "template": template,
            "bytes": len(pdf),
            "seconds": round(time.monotonic() - began, 3),
        },
    )
    return pdf


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
    # LLLEEEE, "" until the school's LA code and establishment number are set.
    school_dfe_number: str
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
        school_dfe_number=school.dfe_number,
        date=f"{day:%-d %B %Y}",
        to_name=to_name,
        to_address=to_address,
        signed_by=signed_by,
        signed_position=position,
    )


def head_to_parents(pupil, day: dt.date, nobody: str) -> dict:
    """LetterHead's fields for a letter from the headteacher to the pupil's
    parents in law (Pupil.parents); `nobody` names the
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
