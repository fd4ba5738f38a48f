"""Marks are kept in one table partition per academic year (migration 0013).

A year's partition runs from 1 September to 31 August, as Rollcall's
calendar does, so a register, a term or a year reads one partition however
many years the school has kept. The partitions for the next YEARS_AHEAD
years are made before they are needed, every night; a mark dated past them
(a mistyped year) is refused rather than stored where the year's own
partition could not later be made.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import connection

YEARS_AHEAD = 2


def add_mark_partitions(today: dt.date) -> int:
    """Make any missing partition from this academic year to YEARS_AHEAD years
    ahead; the number made (0 on every night but one a year)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT registers_add_mark_partitions(%s, %s)",
            [today, today + relativedelta(years=YEARS_AHEAD)],
        )
        return cursor.fetchone()[0]


def mark_partitions() -> list[tuple[str, str]]:
    """Each partition of registers_mark with its range, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i"
            " JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'registers_mark'::regclass"
            " ORDER BY c.relname = 'registers_mark_earlier' DESC, c.relname"
        )
        return list(cursor.fetchall())
