from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from attendance import imports, selectors
from attendance.command_input import read_file, school_from


class Command(BaseCommand):
    help = "Import pupils from a CSV file (see README). Any bad row rejects the whole file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--school", help="the school's URN (needed only with several schools)")

    def handle(self, *args, file: Path, school: str | None, **options):
        the_school = school_from(school)
        data = read_file(file)
        year = selectors.current_academic_year(the_school, timezone.localdate())
        result = imports.import_pupils(the_school, data, year)
        report(self, result, file)


def report(command, result, file):
    if not result.ok:
        for line in result.error_lines():
            command.stderr.write(line)
        raise CommandError(f"{file} was not imported; nothing has changed.")
    if result.ignored:
        command.stdout.write(result.ignored_notice())
    command.stdout.write(
        command.style.SUCCESS(
            f"Imported {file}: {result.created} created, {result.updated} updated."
        )
    )
