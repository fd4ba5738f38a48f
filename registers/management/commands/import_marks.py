import time
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from attendance.command_input import ImportCommand
from attendance.models import School, User
from registers import imports


class Command(ImportCommand):
    help = (
        "Import earlier marks from a CSV file (upn,date,session,code[,status][,school]). "
        "Any bad row, or any mark Rollcall already holds, rejects the whole file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--by", help="the username of the member of staff importing")

    def import_file(
        self, school: School, data: bytes, file: Path, *, by: str | None = None, **options: Any
    ) -> imports.MarksImport:
        user = None
        if by:
            user = User.objects.filter(username=by, school=school).first()
            if user is None:
                raise CommandError(f"No member of staff at {school} has username {by}.")
        self.started = time.monotonic()

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"\r{done:,} of {total:,} marks", ending="")
            self.stdout.flush()

        return imports.import_marks(
            school, data, file.name, by=user, now=timezone.now(), progress=progress
        )

    def report(self, outcome: imports.MarksImport, file: Path) -> None:
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {outcome.imported:,} marks from {file} "
                f"in {time.monotonic() - self.started:.1f} s."
            )
        )
