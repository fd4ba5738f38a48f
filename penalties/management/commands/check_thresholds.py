import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from attendance.models import School
from penalties.services import check_thresholds


class Command(BaseCommand):
    help = "Open a case for every pupil reaching 10 unauthorised sessions in 10 school weeks."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="as of this date (YYYY-MM-DD); default today")

    def handle(self, *args, date=None, **options):
        try:
            as_of = dt.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError(f"--date {date!r} is not a date: use YYYY-MM-DD.") from None
        for school in School.objects.all():
            day = as_of or timezone.localdate(timezone.now(), school.tz)
            run = check_thresholds(school, day)
            self.stdout.write(
                f"{school}: {len(run.opened)} new case(s), {len(run.voided)} withdrawn, "
                f"{len(run.approaching)} pupil(s) at or above the "
                f"early-support count, as of {day:%d %B %Y}."
            )
            for case in run.opened:
                self.stdout.write(
                    f"  {case.pupil.upn} {case.pupil.name}: {case.sessions_counted} sessions "
                    f"{case.window_start:%d %b}–{case.window_end:%d %b %Y}"
                )
