"""The office's task list: LA notifications, letters and referrals to do by a date."""

from __future__ import annotations

import datetime as dt

from attendance.errors import RuleError
from attendance.models import User

from .models import FollowUpTask


def close_task(task: FollowUpTask, outcome: str, *, by: User, now: dt.datetime) -> FollowUpTask:
    """Mark a task done, saying what was done: the task list is the school's
    record that the LA was told, so a task never closes without an outcome."""
    outcome = outcome.strip()
    if not outcome:
        raise RuleError("Say what was done before closing the task.")
    task.done_at, task.done_by, task.outcome = now, by, outcome
    task.save(update_fields=["done_at", "done_by", "outcome"])
    return task
