from pathlib import Path
from typing import Any

from attendance import imports
from attendance.command_input import ImportCommand
from attendance.models import School


class Command(ImportCommand):
    help = "Import contacts from a CSV file (see README). Any bad row rejects the whole file."

    def import_file(
        self, school: School, data: bytes, file: Path, **options: Any
    ) -> imports.ImportResult:
        return imports.import_contacts(school, data)
