from celery import shared_task
from django.utils import timezone

from attendance.models import School

from .services import close_due_registers


@shared_task(acks_late=True)
def close_registers() -> int:
    """Beat runs this every few minutes; closing is idempotent."""
    now = timezone.now()
    return sum(close_due_registers(school, now) for school in School.objects.all())
