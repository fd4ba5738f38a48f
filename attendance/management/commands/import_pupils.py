from pathlib import Path
from typing import Any

from django.utils import timezone

from attendance import imports, selectors
from attendance.command_input import ImportCommand
from attendance.models import School


class Command(ImportCommand):
    help = "Import pupils from a CSV file (see README). Any bad row rejects the whole file."

    def import_file(
        self, school: School, data: bytes, file: Path, **options: Any
    ) -> imports.ImportResult:
        year = selectors.current_academic_year(school, timezone.localdate())
        return imports.import_pupils(school, data, year)
