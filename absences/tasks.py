from celery import shared_task
from django.conf import settings
from django.utils import timezone

from attendance.models import School
from registers.services import prefill_planned_marks

from . import calling


@shared_task(acks_late=True)
def first_day_calling() -> int:
    """Beat runs this every few minutes; it acts once the AM register has closed."""
    now = timezone.now()
    return sum(len(calling.run_first_day_calling(s, now).messages) for s in School.objects.all())


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_message(self, attempt_id: int) -> str:
    result = calling.deliver(attempt_id, timezone.now())
    if result == "retry":
        raise self.retry(
            countdown=settings.NOTIFY_RETRY_SECONDS * (2 ** min(self.request.retries, 5))
        )
    return result


@shared_task(acks_late=True)
def prefill_registers() -> int:
    """Early each school day: put known absences on the registers before 9:00."""
    now = timezone.now()
    return sum(
        prefill_planned_marks(s, timezone.localdate(now, s.tz), now) for s in School.objects.all()
    )
