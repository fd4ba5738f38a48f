"""Every Celery task in the log: start, end, how long and what it returned.

One place for all tasks (signals), so a new task is logged without anyone
remembering to. Task arguments are ids; results are counts or states; a
task's own log lines add detail, never names.
"""

from __future__ import annotations

import logging
import time

from celery import signals

log = logging.getLogger("rollcall.tasks")
_started: dict[str, float] = {}


@signals.task_prerun.connect
def _task_started(task_id=None, task=None, args=None, **kwargs) -> None:
    _started[task_id] = time.monotonic()
    # "args" is a LogRecord attribute of its own: an extra by that name
    # makes logging refuse the line.
    log.info(
        "task started",
        extra={"task": task.name, "task_id": task_id, "task_args": list(args or ())},
    )


@signals.task_postrun.connect
def _task_finished(task_id=None, task=None, retval=None, state=None, **kwargs) -> None:
    began = _started.pop(task_id, None)
    took = round(time.monotonic() - began, 3) if began is not None else None
    result = retval if isinstance(retval, int | str | bool | None) else type(retval).__name__
    log.info(
        "task finished",
        extra={
            "task": task.name,
            "task_id": task_id,
            "state": state,
            "result": result,
            "seconds": took,
        },
    )


@signals.task_failure.connect
def _task_failed(task_id=None, exception=None, sender=None, **kwargs) -> None:
    log.error(
        "task failed",
        extra={
            "task": getattr(sender, "name", "?"),
            "task_id": task_id,
            "error": type(exception).__name__,
        },
        exc_info=exception,
    )
