import sys

from django.core.management.base import BaseCommand
from django.utils import timezone

from attendance import imports, selectors
from attendance.models import School


class Command(BaseCommand):
    help = "Write the pupils on roll today as CSV (the import format) to standard output."

    def handle(self, *args, **options):
        for school in School.objects.all():
            pupils = selectors.pupils_on_roll(school, timezone.localdate()).select_related(
                "registration_group"
            )
            imports.export_pupils(pupils, sys.stdout)
