import datetime as dt

from celery import shared_task
from django.utils import timezone

from attendance.models import School

from .services import check_thresholds_for


@shared_task(acks_late=True)
def check_all_thresholds(as_of: str | None = None) -> int:
    """Nightly: open a case for every new 10-in-10 breach (idempotent).
    `as_of` (YYYY-MM-DD) reruns a missed night; by default each school's today.

    Schools on the same day are checked together: the job's statements read
    the marks of a whole trust at once, in about the time they take for one
    school."""
    day = dt.date.fromisoformat(as_of) if as_of else None
    by_day: dict[dt.date, list[School]] = {}
    for school in School.objects.all():
        on = day or timezone.localdate(timezone.now(), school.tz)
        by_day.setdefault(on, []).append(school)
    return sum(len(check_thresholds_for(schools, on).opened) for on, schools in by_day.items())
