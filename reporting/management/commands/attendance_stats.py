import csv
import datetime as dt
import json
import sys

from django.core.management.base import BaseCommand, CommandError

from attendance.models import Pupil, School
from registers.statistics import cohort_figures

FIELDS = [
    "pupils",
    "possible",
    "attending",
    "authorised",
    "unauthorised",
    "late",
    "late_after_close",
    "persistent",
    "severe",
]
RATES = [
    "attendance_rate",
    "absence_rate",
    "authorised_rate",
    "unauthorised_rate",
    "persistent_rate",
    "severe_rate",
]


class Command(BaseCommand):
    help = "Print attendance figures (DfE method) for a date range, the school or one class/year."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="YYYY-MM-DD")
        parser.add_argument("--group", help="a class name, or a year group such as 4, R or N")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--school", help="the school's URN (needed only with several schools)")

    def handle(self, *args, start, end, group, format, school, **options):
        try:
            start_date, end_date = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        except ValueError:
            raise CommandError("--from and --to are dates: YYYY-MM-DD.") from None
        if end_date < start_date:
            raise CommandError("--to is before --from.")
        schools = School.objects.filter(urn=school) if school else School.objects.all()
        if schools.count() != 1:
            raise CommandError("Say which school with --school URN.")
        the_school = schools.get()
        pupil_ids = None
        if group:
            pupils = Pupil.objects.filter(school=the_school)
            chosen = pupils.filter(registration_group__name__iexact=group) or pupils.filter(
                year_group=group.upper().removeprefix("Y")
            )
            if not chosen:
                raise CommandError(f"No class or year group called {group!r}.")
            pupil_ids = list(chosen.values_list("id", flat=True))
        figures = cohort_figures(the_school.id, start_date, end_date, pupil_ids=pupil_ids).get(
            "all"
        )
        row = {
            "school": the_school.name,
            "group": group or "whole school",
            "from": start,
            "to": end,
        }
        row |= {f: getattr(figures, f) if figures else 0 for f in FIELDS}
        row |= {r: getattr(figures, r) if figures else None for r in RATES}
        if format == "json":
            self.stdout.write(json.dumps(row, indent=2))
        else:
            writer = csv.DictWriter(sys.stdout, fieldnames=list(row))
            writer.writeheader()
            writer.writerow(row)
