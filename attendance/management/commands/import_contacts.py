from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from attendance import imports
from attendance.models import School

from .import_pupils import report


class Command(BaseCommand):
    help = "Import contacts from a CSV file (see README). Any bad row rejects the whole file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--school", help="the school's URN (needed only with several schools)")

    def handle(self, *args, file: Path, school: str | None, **options):
        schools = School.objects.filter(urn=school) if school else School.objects.all()
        if schools.count() != 1:
            raise CommandError(
                "Say which school with --school URN."
                if not school
                else f"No school has URN {school}."
            )
        the_school = schools.get()
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        result = imports.import_contacts(the_school, data)
        report(self, result, file)
