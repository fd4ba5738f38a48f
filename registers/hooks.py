"""Marks other apps know in advance, without registers importing them.

An absence report, granted leave or a part-time timetable tells us a pupil's
code before the register is taken. Apps register a provider here (in their
AppConfig.ready); the register's prefill and close steps ask every provider.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from attendance.models import School


@dataclass(frozen=True)
class Planned:
    code: str
    note: str  # shown beside the pupil on the register
    source: str  # a Mark.Source value
    # True for codes that only apply if the pupil turns out absent (G for
    # leave that was refused): never pre-filled, applied at the close.
    only_if_absent: bool = False
    # A reported reason not yet decided: written as a pending mark (see Mark).
    pending: bool = False


# provider(school, day, pupil_ids) -> {(pupil_id, session): Planned}
Provider = Callable[[School, dt.date, Sequence[int]], dict[tuple[int, str], Planned]]
PLANNED_MARK_PROVIDERS: list[Provider] = []


def planned_marks(
    school: School, day: dt.date, pupil_ids: Sequence[int]
) -> dict[tuple[int, str], Planned]:
    planned: dict[tuple[int, str], Planned] = {}
    for provider in PLANNED_MARK_PROVIDERS:
        for key, value in provider(school, day, pupil_ids).items():
            planned.setdefault(key, value)
    return planned
