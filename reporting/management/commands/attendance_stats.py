import csv
import datetime as dt
import json
from dataclasses import fields

from django.core.management.base import BaseCommand, CommandError

from attendance.models import Pupil, School, YearGroup
from attendance.pupil_groups import DASHBOARD_GROUPS, fields_of
from registers.statistics import Figures
from reporting.cohorts import cohort_figures

PUPIL_GROUPS = set(fields_of(DASHBOARD_GROUPS))

# The service's own counts, pupils first: a new count appears here by itself.
FIELDS = ["pupils", *(f.name for f in fields(Figures)), "persistent", "severe"]
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
        parser.add_argument(
            "--group",
            help="a class name (Cedar), a year group (4, Y4, R or N) or a pupil group "
            f"({', '.join(f'{g.field}={g.value}' for g in DASHBOARD_GROUPS)})",
        )
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
            pupil_ids = list(_pupils_in(the_school, group).values_list("id", flat=True))
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
            writer = csv.DictWriter(self.stdout, fieldnames=list(row))
            writer.writeheader()
            writer.writerow(row)


def _pupils_in(school: School, group: str):
    pupils = Pupil.objects.filter(school=school)
    if "=" in group:
        field, _, value = group.partition("=")
        field, value = field.strip(), value.strip()
        if field not in PUPIL_GROUPS:
            raise CommandError(
                f"No pupil group {field!r}: use one of {', '.join(sorted(PUPIL_GROUPS))}."
            )
        if field == "send":
            if value.upper() not in Pupil.SEND.values:
                raise CommandError(f"send is one of {', '.join(Pupil.SEND.values)}.")
            return pupils.filter(send=value.upper())
        if value.lower() not in ("true", "false"):
            raise CommandError(f"{field} is true or false.")
        return pupils.filter(**{field: value.lower() == "true"})
    by_class = pupils.filter(registration_group__name__iexact=group)
    if by_class.exists():
        return by_class
    year = group.upper().removeprefix("YEAR").removeprefix("Y").strip()
    if year in YearGroup.values:
        return pupils.filter(year_group=year)
    raise CommandError(f"No class or year group called {group!r}.")
