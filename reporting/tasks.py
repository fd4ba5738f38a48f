from celery import shared_task
from django.utils import timezone

from attendance import heartbeats

from .grouping import take_current_groupings


@shared_task(acks_late=True)
def take_term_groupings() -> int:
    """Daily: freeze who is in which group on a term's first day (idempotent)."""
    return take_current_groupings(timezone.now())


@shared_task(acks_late=True)
def heartbeat() -> None:
    """Beat sends this every HEARTBEAT_SECONDS; its record says beat and a
    worker are both running (reporting/health.py)."""
    heartbeats.record(heartbeats.HEARTBEAT, timezone.now())
