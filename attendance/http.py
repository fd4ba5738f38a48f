"""Request values that name a row: a malformed one is "not found", never a 500."""

import re

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404 as _get_object_or_404

ID = re.compile(r"[0-9]{1,18}")


def get_object_or_404(klass, *args, **kwargs):
    """django.shortcuts.get_object_or_404, also for ids that are not ids.

    `?pupil=abc` or a NUL byte in a posted id makes the ORM raise ValueError
    (or PostgreSQL refuse the string); the person sees the same "not found"
    page as for an id that does not exist, and nothing is changed.
    """
    for key, value in kwargs.items():
        if not isinstance(value, str):
            continue
        # Checked before the query: PostgreSQL refusing a NUL or a number past
        # bigint would abort the request's transaction, not just this lookup.
        is_id = key == "pk" or key == "id" or key.endswith(("__pk", "__id", "_id"))
        if "\x00" in value or (is_id and not ID.fullmatch(value)):
            raise Http404("Not found.")
    try:
        return _get_object_or_404(klass, *args, **kwargs)
    except (ValueError, TypeError, ValidationError, OverflowError) as exc:
        raise Http404("Not found.") from exc


def search_text(request, name: str = "q", limit: int = 100) -> str:
    """A search box's text, without NULs (PostgreSQL refuses them) and not
    longer than any name it could match."""
    return request.GET.get(name, "").replace("\x00", "").strip()[:limit]
