"""The 10-sessions-in-10-school-weeks threshold, found in one SQL statement.

School weeks come from the calendar (weeks with at least one school session),
numbered consecutively, so holiday weeks neither count nor break a window.
A window function sums each pupil's threshold sessions over every run of 10
consecutive school weeks; PostgreSQL does the work for a whole trust at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection

from attendance.models import School
from attendance.school_calendar import SchoolCalendar

from . import framework

BREACHES_SQL = """
WITH weeks AS (
    SELECT w::date AS week_start, i::int AS idx
    FROM unnest(%(weeks)s::date[]) WITH ORDINALITY AS t(w, i)
),
last_case AS (
    SELECT pupil_id, max(window_end) AS after
    FROM penalties_case
    WHERE school_id = %(school)s AND NOT void
    GROUP BY pupil_id
),
per_week AS (
    SELECT m.pupil_id, w.idx, count(*) AS n
    FROM registers_mark m
    JOIN attendance_pupil p ON p.id = m.pupil_id AND p.school_id = %(school)s
    JOIN weeks w ON w.week_start = m.date - (extract(isodow FROM m.date)::int - 1)
    LEFT JOIN last_case lc ON lc.pupil_id = m.pupil_id
    WHERE m.code IN ('G', 'O', 'U') AND m.code = ANY(%(codes)s)
      AND m.date >= %(since)s AND m.date <= %(as_of)s
      AND m.date > coalesce(lc.after, '-infinity'::date)
      AND NOT EXISTS (
          SELECT 1 FROM penalties_case c WHERE c.pupil_id = m.pupil_id AND c.stage <> 'closed'
      )
    GROUP BY m.pupil_id, w.idx
),
windows AS (
    SELECT pupil_id, idx,
           sum(n) OVER (PARTITION BY pupil_id ORDER BY idx
                        RANGE BETWEEN %(span)s PRECEDING AND CURRENT ROW) AS total
    FROM per_week
)
SELECT DISTINCT ON (pupil_id) pupil_id, idx, total
FROM windows
WHERE total >= %(threshold)s
ORDER BY pupil_id, idx
"""
# `m.code IN ('G', 'O', 'U')` repeats the codes literally so the planner can use
# the partial index registers.mark_threshold_codes; `= ANY(%(codes)s)` keeps the
# framework module the authority if the law changes.


@dataclass(frozen=True)
class Breach:
    pupil_id: int
    window_start: dt.date
    window_end: dt.date
    total: int


def school_weeks_until(school: School, as_of: dt.date) -> list[dt.date]:
    calendar = SchoolCalendar(school)
    if calendar.first_day is None:
        return []
    return calendar.school_weeks(calendar.first_day, as_of)


def find_breaches(school: School, as_of: dt.date) -> list[Breach]:
    """Pupils of `school` who reached the threshold in some window up to `as_of`,
    not already in an open case, counting only sessions after their last case."""
    weeks = school_weeks_until(school, as_of)
    if not weeks:
        return []
    span = framework.window_school_weeks() - 1
    with connection.cursor() as cursor:
        cursor.execute(
            BREACHES_SQL,
            {
                "weeks": weeks,
                "school": school.id,
                "codes": framework.threshold_codes(),
                "since": weeks[0],
                "as_of": as_of,
                "span": span,
                "threshold": framework.threshold_sessions(),
            },
        )
        rows = cursor.fetchall()
    breaches = []
    for pupil_id, idx, total in rows:
        start = weeks[max(idx - 1 - span, 0)]
        end = min(weeks[idx - 1] + dt.timedelta(days=6), as_of)
        breaches.append(Breach(pupil_id, start, end, int(total)))
    return breaches


APPROACHING_SQL = """
SELECT m.pupil_id, count(*) AS n
FROM registers_mark m
JOIN attendance_pupil p ON p.id = m.pupil_id AND p.school_id = %(school)s
WHERE m.code IN ('G', 'O', 'U') AND m.code = ANY(%(codes)s)
  AND m.date >= %(start)s AND m.date <= %(as_of)s
GROUP BY m.pupil_id
HAVING count(*) >= %(approaching)s
"""


def sessions_in_current_window(school: School, as_of: dt.date) -> tuple[dt.date, dict[int, int]]:
    """Threshold sessions per pupil in the 10 school weeks up to `as_of`, for
    pupils at or above the early-support count."""
    weeks = school_weeks_until(school, as_of)[-framework.window_school_weeks() :]
    if not weeks:
        return as_of, {}
    with connection.cursor() as cursor:
        cursor.execute(
            APPROACHING_SQL,
            {
                "school": school.id,
                "codes": framework.threshold_codes(),
                "start": weeks[0],
                "as_of": as_of,
                "approaching": framework.approaching_sessions(),
            },
        )
        return weeks[0], dict(cursor.fetchall())
