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

from attendance.models import Pupil, School
from attendance.school_calendar import SchoolCalendar

from . import framework

BREACHES_SQL = """
WITH weeks AS (
    SELECT s AS school_id, w AS week_start, i AS idx
    FROM unnest(%(week_schools)s::bigint[], %(weeks)s::date[], %(week_idx)s::int[]) AS t(s, w, i)
),
last_case AS (
    SELECT pupil_id, max(window_end) AS after
    FROM penalties_case
    WHERE school_id = ANY(%(schools)s) AND NOT void
    GROUP BY pupil_id
),
pupil_weeks AS (
    SELECT pw AS pupil_id, w AS week_start, i AS idx
    FROM unnest(%(pw_pupils)s::bigint[], %(pw_weeks)s::date[], %(pw_idx)s::int[]) AS t(pw, w, i)
),
per_week AS (
    SELECT m.pupil_id, coalesce(pw.idx, w.idx) AS idx, count(*) AS n
    FROM registers_mark m
    JOIN attendance_pupil p ON p.id = m.pupil_id AND p.school_id = ANY(%(schools)s)
    LEFT JOIN weeks w ON w.school_id = p.school_id
                AND w.week_start = m.date - (extract(isodow FROM m.date)::int - 1)
                AND m.pupil_id <> ALL(%(pw_own)s::bigint[])
    LEFT JOIN pupil_weeks pw ON pw.pupil_id = m.pupil_id
                AND pw.week_start = m.date - (extract(isodow FROM m.date)::int - 1)
    LEFT JOIN last_case lc ON lc.pupil_id = m.pupil_id
    WHERE m.code IN ('G', 'O', 'U') AND m.code = ANY(%(codes)s)
      AND m.date >= %(since)s AND m.date <= %(as_of)s
      AND m.date > coalesce(lc.after, '-infinity'::date)
      AND coalesce(pw.idx, w.idx) IS NOT NULL
      AND NOT EXISTS (
          SELECT 1 FROM penalties_case c WHERE c.pupil_id = m.pupil_id AND c.stage <> 'closed'
      )
    GROUP BY m.pupil_id, coalesce(pw.idx, w.idx)
),
windows AS (
    SELECT pupil_id, idx,
           sum(n) OVER (PARTITION BY pupil_id ORDER BY idx
                        RANGE BETWEEN %(span)s PRECEDING AND CURRENT ROW) AS total
    FROM per_week
)
SELECT DISTINCT ON (w.pupil_id) w.pupil_id, p.school_id, w.idx, w.total, lc.after
FROM windows w JOIN attendance_pupil p ON p.id = w.pupil_id
LEFT JOIN last_case lc ON lc.pupil_id = w.pupil_id
WHERE w.total >= %(threshold)s
ORDER BY w.pupil_id, w.idx
"""
# `m.code IN ('G', 'O', 'U')` repeats the codes literally so the planner can use
# the partial index registers.mark_threshold_codes; `= ANY(%(codes)s)` keeps the
# framework module the authority if the law changes. Week numbers are per
# school (each has its own calendar), so one statement serves a whole trust;
# a pupil with threshold marks from a previous school has a numbering of their
# own (pupil_weeks, see pupil_weeks_across_schools) instead of the school's.

ELSEWHERE_SQL = """
SELECT DISTINCT m.pupil_id, m.date - (extract(isodow FROM m.date)::int - 1) AS week_start
FROM registers_mark m
WHERE m.pupil_id IN (
    SELECT t.pupil_id FROM registers_mark t
    JOIN attendance_pupil p ON p.id = t.pupil_id AND p.school_id = ANY(%(schools)s)
    WHERE t.code IN ('G', 'O', 'U') AND t.recorded_at_school <> ''
      AND t.date >= %(since)s AND t.date <= %(as_of)s
)
  AND m.recorded_at_school <> '' AND m.date >= %(since)s AND m.date <= %(as_of)s
ORDER BY 1, 2
"""
# Marks from a previous school can come before this school's first term in
# Rollcall (a pupil who joined in the autumn of a school's first spring here):
# they are looked for this far back. Ten school weeks, holidays included,
# never span more than a year.
ELSEWHERE_LOOKBACK = dt.timedelta(days=366)


@dataclass(frozen=True)
class Breach:
    pupil_id: int
    school_id: int
    window_start: dt.date
    window_end: dt.date
    total: int


def school_weeks_until(school: School, as_of: dt.date) -> list[dt.date]:
    return weeks_by_school([school], as_of)[school.id]


def weeks_by_school(schools: list[School], as_of: dt.date) -> dict[int, list[dt.date]]:
    """Each school's school weeks from its first term to `as_of` (3 queries in all)."""
    calendars = SchoolCalendar.for_schools(schools)
    return {school_id: cal.all_school_weeks(as_of) for school_id, cal in calendars.items()}


def pupil_weeks_across_schools(
    weeks: dict[int, list[dt.date]], as_of: dt.date
) -> dict[int, list[dt.date]]:
    """The school weeks of each pupil who has threshold marks from a previous
    school: their school's weeks, and every week in which they have marks
    recorded at the other school (the window "can span ... schools", DfE;
    there a school week is a week in which those marks have sessions).

    Only pupils with G, O or U from elsewhere need it: for the others the
    weeks added all come before their first mark here (or hold none of their
    threshold sessions), and no window of theirs changes."""
    weeks = {school_id: w for school_id, w in weeks.items() if w}
    if not weeks:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            ELSEWHERE_SQL,
            {
                "schools": list(weeks),
                "since": _since(weeks, elsewhere=True),
                "as_of": as_of,
            },
        )
        rows = cursor.fetchall()
    if not rows:
        return {}
    elsewhere: dict[int, set[dt.date]] = {}
    for pupil_id, week_start in rows:
        elsewhere.setdefault(pupil_id, set()).add(week_start)
    school_of = dict(Pupil.objects.filter(pk__in=elsewhere).values_list("pk", "school_id"))
    return {
        pupil_id: sorted(extra | set(weeks.get(school_of[pupil_id], ())))
        for pupil_id, extra in elsewhere.items()
    }


def _since(weeks: dict[int, list[dt.date]], elsewhere: bool) -> dt.date:
    first = min(w[0] for w in weeks.values())
    return first - ELSEWHERE_LOOKBACK if elsewhere else first


def find_breaches(schools: list[School], as_of: dt.date, weeks=None) -> list[Breach]:
    """Pupils who reached the threshold in some window up to `as_of`, not
    already in an open case, counting only sessions after their last case."""
    weeks = weeks if weeks is not None else weeks_by_school(schools, as_of)
    weeks = {school_id: w for school_id, w in weeks.items() if w}
    if not weeks:
        return []
    span = framework.window_school_weeks() - 1
    flat = [(school_id, week, i) for school_id, w in weeks.items() for i, week in enumerate(w, 1)]
    own = pupil_weeks_across_schools(weeks, as_of)
    own_flat = [(pupil_id, week, i) for pupil_id, w in own.items() for i, week in enumerate(w, 1)]
    with connection.cursor() as cursor:
        cursor.execute(
            BREACHES_SQL,
            {
                "week_schools": [f[0] for f in flat],
                "weeks": [f[1] for f in flat],
                "week_idx": [f[2] for f in flat],
                "pw_pupils": [f[0] for f in own_flat],
                "pw_weeks": [f[1] for f in own_flat],
                "pw_idx": [f[2] for f in own_flat],
                "pw_own": list(own),
                "schools": list(weeks),
                "codes": framework.threshold_codes(),
                # Own marks before the first school week have no week number
                # and drop out; only a pupil's marks from elsewhere need the
                # earlier start.
                "since": _since(weeks, elsewhere=bool(own)),
                "as_of": as_of,
                "span": span,
                "threshold": framework.threshold_sessions(),
            },
        )
        rows = cursor.fetchall()
    breaches = []
    for pupil_id, school_id, idx, total, after in rows:
        school_weeks = own.get(pupil_id) or weeks[school_id]
        start = school_weeks[max(idx - 1 - span, 0)]
        if after is not None:  # a closed case's sessions never count again
            start = max(start, after + dt.timedelta(days=1))
        end = min(school_weeks[idx - 1] + dt.timedelta(days=6), as_of)
        breaches.append(Breach(pupil_id, school_id, start, end, int(total)))
    return breaches


FACTS_SQL = """
SELECT m.pupil_id, count(*), bool_and(m.code = 'G'),
       (array_agg(m.date ORDER BY m.date, m.session))[%(threshold)s]
FROM registers_mark m
JOIN unnest(%(pupils)s::bigint[], %(starts)s::date[], %(ends)s::date[])
     AS b(pupil_id, start, finish)
  ON b.pupil_id = m.pupil_id AND m.date BETWEEN b.start AND b.finish
WHERE m.code IN ('G', 'O', 'U') AND m.code = ANY(%(codes)s)
GROUP BY m.pupil_id
"""

CASE_SESSIONS_SQL = """
INSERT INTO penalties_casesession (case_id, mark_id, date, session, code)
SELECT c.id, m.id, m.date, m.session, m.code
FROM penalties_case c
JOIN registers_mark m ON m.pupil_id = c.pupil_id AND m.date BETWEEN c.window_start AND c.window_end
WHERE c.id = ANY(%(cases)s) AND m.code IN ('G', 'O', 'U') AND m.code = ANY(%(codes)s)
"""


@dataclass(frozen=True)
class BreachFacts:
    sessions: int
    holiday: bool  # every counted session is G
    breach_date: dt.date  # the day of the session that reached the threshold


def breach_facts(breaches: list[Breach]) -> dict[int, BreachFacts]:
    with connection.cursor() as cursor:
        cursor.execute(
            FACTS_SQL,
            {
                "pupils": [b.pupil_id for b in breaches],
                "starts": [b.window_start for b in breaches],
                "ends": [b.window_end for b in breaches],
                "codes": framework.threshold_codes(),
                "threshold": framework.threshold_sessions(),
            },
        )
        return {row[0]: BreachFacts(row[1], row[2], row[3]) for row in cursor.fetchall()}


def record_case_sessions(case_ids: list[int]) -> None:
    """List each new case's exact sessions, in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(CASE_SESSIONS_SQL, {"cases": case_ids, "codes": framework.threshold_codes()})


APPROACHING_SQL = """
WITH starts AS (
    SELECT s AS school_id, d AS start
    FROM unnest(%(schools)s::bigint[], %(starts)s::date[]) AS t(s, d)
),
pupil_starts AS (
    SELECT pp AS pupil_id, d AS start
    FROM unnest(%(pupils)s::bigint[], %(pupil_starts)s::date[]) AS t(pp, d)
)
SELECT m.pupil_id, count(*) AS n
FROM registers_mark m
JOIN attendance_pupil p ON p.id = m.pupil_id
JOIN starts st ON st.school_id = p.school_id
LEFT JOIN pupil_starts ps ON ps.pupil_id = m.pupil_id
WHERE m.code IN ('G', 'O', 'U') AND m.code = ANY(%(codes)s)
  AND m.date >= least(st.start, %(earliest)s) AND m.date <= %(as_of)s
  AND m.date >= coalesce(ps.start, st.start)
GROUP BY m.pupil_id
HAVING count(*) >= %(approaching)s
"""
# `least(...)` keeps one range condition the index can use; the per-pupil
# start then narrows it for pupils with weeks of their own.


def sessions_in_current_window(
    schools: list[School], as_of: dt.date, weeks=None
) -> tuple[dict[int, dt.date], dict[int, int]]:
    """Threshold sessions per pupil in their last 10 school weeks up to
    `as_of`, for pupils at or above the early-support count. A pupil with
    marks from a previous school counts their own weeks, as the detector
    does; the starts returned are each school's."""
    weeks = weeks if weeks is not None else weeks_by_school(schools, as_of)
    window = framework.window_school_weeks()
    starts = {}
    for school_id, school_weeks in weeks.items():
        recent = school_weeks[-window:]
        if recent:
            starts[school_id] = recent[0]
    if not starts:
        return {}, {}
    own = pupil_weeks_across_schools(weeks, as_of)
    pupil_starts = {pupil_id: w[-window:][0] for pupil_id, w in own.items() if w}
    with connection.cursor() as cursor:
        cursor.execute(
            APPROACHING_SQL,
            {
                "schools": list(starts),
                "starts": list(starts.values()),
                "pupils": list(pupil_starts),
                "pupil_starts": list(pupil_starts.values()),
                "earliest": min([*starts.values(), *pupil_starts.values()]),
                "codes": framework.threshold_codes(),
                "as_of": as_of,
                "approaching": framework.approaching_sessions(),
            },
        )
        return starts, dict(cursor.fetchall())
