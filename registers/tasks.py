from celery import shared_task
from django.utils import timezone

from attendance.models import School

from .partitions import add_mark_partitions
from .services import close_due_registers, prefill_planned_marks
from .untaken import deliver_reminder, send_register_reminders


@shared_task(acks_late=True)
def close_registers() -> int:
    """Beat runs this every few minutes; closing is idempotent."""
    now = timezone.now()
    return sum(close_due_registers(school, now) for school in School.objects.all())


@shared_task(acks_late=True)
def prefill_registers() -> int:
    """Early each school day: put known absences on the registers before 9:00."""
    now = timezone.now()
    return sum(
        prefill_planned_marks(s, timezone.localdate(now, s.tz), now) for s in School.objects.all()
    )


@shared_task(acks_late=True)
def add_next_years_partitions() -> int:
    """Every night: next years' partitions of the marks, made long before a mark needs them."""
    return add_mark_partitions(timezone.localdate())


@shared_task(acks_late=True)
def remind_registers() -> int:
    """Beat runs this every minute; each register is reminded once."""
    now = timezone.now()
    return sum(send_register_reminders(school, now) for school in School.objects.all())


# ignore_result: as absences.tasks.deliver_message, a hand-over must not wait
# for a result backend that is down.
@shared_task(acks_late=True, ignore_result=True)
def send_register_reminder(register_id: int) -> int:
    return deliver_reminder(register_id, timezone.now())


@shared_task(bind=True, acks_late=False)
def import_marks(self, school_id: int, user_id: int, stored: str, file_name: str) -> dict:
    """The Setup page's import of earlier marks, with its progress in the
    result backend for the page to poll. Not acks_late: a file half-checked
    when a worker died is uploaded again, not imported twice."""
    from .import_jobs import run_import

    return run_import(self, school_id, user_id, stored, file_name)
