"""What the import commands share: which school, the file's bytes, and the
all-or-nothing report (ImportCommand)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from django.core.management.base import BaseCommand, CommandError, CommandParser

from .models import School


class ImportOutcome(Protocol):
    """What an import service returns (attendance.imports.ImportResult,
    registers.imports.MarksImport)."""

    @property
    def ok(self) -> bool: ...

    def error_lines(self) -> list[str]: ...


class ImportCommand(BaseCommand):
    """Import one CSV file into one school. The service refuses the whole file
    for any bad row, so the command either lists the errors and fails or says
    what was imported; a subclass names the service and the success line."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--school", help="the school's URN (needed only with several schools)")

    def handle(self, *args: Any, file: Path, school: str | None, **options: Any) -> None:
        the_school = school_from(school)
        outcome = self.import_file(the_school, read_file(file), file, **options)
        if not outcome.ok:
            for line in outcome.error_lines():
                self.stderr.write(line)
            raise CommandError(f"{file} was not imported; nothing has changed.")
        self.report(outcome, file)

    def import_file(self, school: School, data: bytes, file: Path, **options: Any) -> ImportOutcome:
        raise NotImplementedError

    def report(self, outcome: Any, file: Path) -> None:
        """The pupils' and contacts' report: columns ignored, rows created and updated."""
        if outcome.ignored:
            self.stdout.write(outcome.ignored_notice())
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {file}: {outcome.created} created, {outcome.updated} updated."
            )
        )


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
