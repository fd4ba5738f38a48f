import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from attendance.command_input import read_file, school_from
from attendance.models import User
from registers import imports


class Command(BaseCommand):
    help = (
        "Import earlier marks from a CSV file (upn,date,session,code[,status][,school]). "
        "Any bad row, or any mark Rollcall already holds, rejects the whole file."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--school", help="the school's URN (needed only with several schools)")
        parser.add_argument("--by", help="the username of the member of staff importing")

    def handle(self, *args, file: Path, school: str | None, by: str | None, **options):
        the_school = school_from(school)
        user = None
        if by:
            user = User.objects.filter(username=by, school=the_school).first()
            if user is None:
                raise CommandError(f"No member of staff at {the_school} has username {by}.")
        data = read_file(file)
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"\r{done:,} of {total:,} marks", ending="")
            self.stdout.flush()

        result = imports.import_marks(
            the_school, data, file.name, by=user, now=timezone.now(), progress=progress
        )
        if not result.ok:
            for line in result.error_lines():
                self.stderr.write(line)
            raise CommandError(f"{file} was not imported; nothing has changed.")
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.imported:,} marks from {file} "
                f"in {time.monotonic() - started:.1f} s."
            )
        )
