from celery import shared_task
from django.utils import timezone

from attendance import heartbeats
from attendance.models import School

from . import calling, outbox


@shared_task(acks_late=True)
def first_day_calling() -> int:
    """Beat runs this every few minutes; it acts once the AM register has closed."""
    now = timezone.now()
    queued = sum(len(calling.run_first_day_calling(s, now).messages) for s in School.objects.all())
    # Only a pass that finished counts: the Today page and /healthz read it.
    heartbeats.record(heartbeats.FIRST_DAY_CALLING, now)
    return queued


# ignore_result: nobody reads it, and a result backend that is down (the
# broker's Redis) would stall every hand-over for 20 seconds of reconnecting.
@shared_task(bind=True, acks_late=True, max_retries=None, ignore_result=True)
def deliver_message(self, attempt_id: int) -> str:
    result = calling.deliver(attempt_id, timezone.now())
    if result == "retry":
        raise self.retry(countdown=outbox.retry_delay(self.request.retries + 1).total_seconds())
    return result


@shared_task(acks_late=True)
def sweep_outbox() -> int:
    """Beat runs this every two minutes: a message row nobody delivered is
    handed over again, or given up for a phone call (absences/outbox.py)."""
    sweep = outbox.sweep_outbox(timezone.now())
    return len(sweep.handed_over) + len(sweep.phone_instead)
