from celery import shared_task
from django.utils import timezone

from .grouping import take_current_groupings


@shared_task(acks_late=True)
def take_term_groupings() -> int:
    """Daily: freeze who is in which group on a term's first day (idempotent)."""
    return take_current_groupings(timezone.now())
