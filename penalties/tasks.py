from celery import shared_task
from django.utils import timezone

from attendance.models import School

from .services import check_thresholds


@shared_task(acks_late=True)
def check_all_thresholds() -> int:
    """Nightly: open a case for every new 10-in-10 breach (idempotent)."""
    opened = 0
    for school in School.objects.all():
        opened += len(
            check_thresholds(school, timezone.localdate(timezone.now(), school.tz)).opened
        )
    return opened
