"""Whole-school figures for ranges that have ended (the terms the governors'
dashboard compares with), kept in reporting.models.PastTermFigures.

A past term changes only when a mark in it is amended, and the trigger of
migration 0006 deletes its row in that writer's transaction. What must not
happen is a row worked out from a snapshot taken just before such a writer
commits and stored just after its delete ran: it would keep the old figures
for good. So a row is stored only by a request that holds the school's
advisory lock exclusively, taken before its figures are worked out: the
trigger takes the same lock shared, so a writer either finished before the
figures' snapshot (and they include its marks) or waits for this
transaction to end before deleting (and then deletes the new row). When a
writer is busy the figures are worked out and shown but not stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import connection, transaction
from django.db.models import Q

from registers.statistics import PERSISTENT_ABSENCE, SEVERE_ABSENCE, category_params

from .cohorts import CohortFigures, cohort_figures_all
from .models import PastTermFigures

LOCK = 30506  # the first key of the advisory lock on a school (migration 0006)

# The counting rules, so that figures from other rules are worked out again.
METHOD = hashlib.sha1(
    repr((sorted(category_params().items()), PERSISTENT_ABSENCE, SEVERE_ABSENCE)).encode()
).hexdigest()[:16]

FIELDS = [
    "pupils",
    "possible",
    "attending",
    "authorised",
    "unauthorised",
    "late",
    "late_after_close",
    "persistent",
    "severe",
]


def whole_school(
    school_id: int, ranges: list[tuple[dt.date, dt.date]], today: dt.date
) -> dict[tuple[dt.date, dt.date], CohortFigures]:
    """The whole school's figures for each (start, end) range: kept for a
    range that ended before `today`, else worked out (and kept if it can be).
    One query when every range is kept, whatever the school's size."""
    ended = [r for r in ranges if r[1] < today]  # today's registers are still being taken
    figures = {}
    if ended:
        kept = PastTermFigures.objects.filter(school_id=school_id, method=METHOD).filter(
            Q(*[Q(start=a, end=b) for a, b in ended], _connector=Q.OR)
        )
        figures = {
            (k.start, k.end): CohortFigures(**{f: getattr(k, f) for f in FIELDS}) for k in kept
        }
    missing = [r for r in ranges if r not in figures]
    if not missing:
        return figures
    # No savepoint inside a request's transaction; a transaction of its own
    # outside one, so the lock lasts until the row is committed.
    with transaction.atomic(savepoint=False):
        locked = False
        if any(r in ended for r in missing):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK, school_id])
                (locked,) = cursor.fetchone()
        for start, end in missing:
            whole = cohort_figures_all(school_id, start, end, dimensions=("school",))
            figures[start, end] = whole["school"].get("all", CohortFigures())
        if locked:
            _store(school_id, {r: figures[r] for r in missing if r in ended})
    return figures


def _store(school_id: int, figures: dict[tuple[dt.date, dt.date], CohortFigures]) -> None:
    columns = ["school_id", "start", '"end"', "method", *FIELDS]
    rows = [
        [school_id, start, end, METHOD, *(getattr(f, c) for c in FIELDS)]
        for (start, end), f in figures.items()
    ]
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {PastTermFigures._meta.db_table} ({", ".join(columns)})
            VALUES {", ".join([one] * len(rows))}
            ON CONFLICT (school_id, start, "end") DO UPDATE SET
                {", ".join(f"{c} = EXCLUDED.{c}" for c in ["method", *FIELDS])}
            """,
            [v for row in rows for v in row],
        )
