from pathlib import Path

from django.core.management.base import BaseCommand

from attendance import imports
from attendance.command_input import read_file, school_from

from .import_pupils import report


class Command(BaseCommand):
    help = "Import contacts from a CSV file (see README). Any bad row rejects the whole file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--school", help="the school's URN (needed only with several schools)")

    def handle(self, *args, file: Path, school: str | None, **options):
        the_school = school_from(school)
        data = read_file(file)
        result = imports.import_contacts(the_school, data)
        report(self, result, file)
