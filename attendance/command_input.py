"""What the import commands share: which school, and the file's bytes."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from .models import School


def school_from(urn: str | None) -> School:
    """The school named by --school URN, or the only one there is."""
    schools = School.objects.filter(urn=urn) if urn else School.objects.all()
    if schools.count() != 1:
        raise CommandError(
            "Say which school with --school URN." if not urn else f"No school has URN {urn}."
        )
    return schools.get()


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
