"""The outbox: no parent's message is silently lost.

Every automatic message is a ContactAttempt row before anything is sent
(absences/calling.py), and the row, not the broker's copy of the task, is what
must be delivered. Handing a row to Celery can fail in ways the row outlives:
Redis is down when the row commits, the process dies between the commit and
the hand-over, or a worker dies holding the task (with acks_late, Redis gives
it back only after its visibility timeout, an hour, when calling hours may be
over). Beat runs `sweep_outbox` every two minutes:

- a row `queued` for longer than QUEUED_GRACE, or `failed` for longer than its
  retry delay plus the grace, is handed to the broker again. Delivery claims
  the row under a row lock (queued or failed -> sending), so the original
  task turning up later, or two workers, find it claimed and send nothing;
- a row `sending` for longer than SENDING_TIMEOUT lost its worker mid-send.
  Nobody can tell whether the provider took it, and a family must never get
  the same message twice, so it is never sent again (at most once): it is
  given up as "not known if sent: phone instead", on the calling page;
- a row still unsent when the school's calling hours end is given up as
  "Not sent: phone instead", on the calling page, and never sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from .calling import calling_ends, too_late
from .models import ContactAttempt

# Long enough for the task queued with the row to be picked up by an idle worker.
QUEUED_GRACE = dt.timedelta(minutes=2)
# Longer than one send can take: Notify's and the mail server's timeouts are
# 15 seconds (NOTIFY_TIMEOUT_SECONDS, EMAIL_TIMEOUT).
SENDING_TIMEOUT = dt.timedelta(minutes=5)

UNSETTLED = (
    ContactAttempt.Status.QUEUED,
    ContactAttempt.Status.FAILED,
    ContactAttempt.Status.SENDING,
)

LOST_MID_SEND = (
    f"{ContactAttempt.NOT_KNOWN}{ContactAttempt.PHONE_INSTEAD} "
    "(the worker stopped while sending it; it is never sent twice)"
)


@dataclass
class OutboxSweep:
    handed_over: list[int] = field(default_factory=list)
    phone_instead: list[int] = field(default_factory=list)


def retry_delay(tries: int) -> dt.timedelta:
    """How long after its `tries`-th failed send a message is tried again."""
    return dt.timedelta(seconds=settings.NOTIFY_RETRY_SECONDS * 2 ** min(max(tries - 1, 0), 5))


def sweep_outbox(now: dt.datetime) -> OutboxSweep:
    """Hand every message row nobody delivered to the broker again, and give up,
    for a phone call, each one that can no longer go. Safe to run at any time,
    any number of times, beside any number of workers."""
    from .tasks import deliver_message

    sweep = OutboxSweep()
    with transaction.atomic():
        # skip_locked: a row locked now is being claimed by a worker.
        rows = (
            ContactAttempt.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status__in=UNSETTLED, updated_at__lte=now - QUEUED_GRACE)
            .select_related("pupil__school")
            .order_by("id")
        )
        for attempt in rows:
            school = attempt.pupil.school
            if attempt.status == ContactAttempt.Status.SENDING:
                if attempt.updated_at > now - SENDING_TIMEOUT:
                    continue  # a worker may still be waiting for the provider
                error = LOST_MID_SEND
            elif now >= calling_ends(school, attempt.date):
                error = f"{ContactAttempt.NOT_SENT}{too_late(school, attempt.date)}"
            elif attempt.status == ContactAttempt.Status.FAILED and (
                attempt.updated_at > now - retry_delay(attempt.tries) - QUEUED_GRACE
            ):
                continue  # its own retry is not late yet
            else:
                sweep.handed_over.append(attempt.id)
                continue
            attempt.status = ContactAttempt.Status.GAVE_UP
            attempt.error = error[:300]
            attempt.updated_at = now
            attempt.save(update_fields=["status", "error", "updated_at"])
            sweep.phone_instead.append(attempt.id)
        # Not handed over again until another grace has passed, so a busy
        # worker's backlog is not doubled every sweep.
        ContactAttempt.objects.filter(id__in=sweep.handed_over).update(updated_at=now)
    for attempt_id in sweep.handed_over:
        deliver_message.delay(attempt_id)
    return sweep
