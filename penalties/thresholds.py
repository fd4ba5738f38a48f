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
WITH marks AS (
    SELECT pupil_id, date
    FROM (
        SELECT m.pupil_id, m.date, count(*) OVER (PARTITION BY m.pupil_id) AS n
        FROM registers_mark m
        WHERE m.code IN (CODES) AND m.date >= %(since)s AND m.date < %(until)s
          AND m.date <= %(as_of)s AND m.pupil_id <> ALL(%(skip)s::bigint[])
    ) counted
    WHERE n >= %(threshold)s
),
numbered AS (
    SELECT mk.pupil_id, p.school_id,
           (%(numbers)s::int[])[(array_position(%(schools)s::bigint[], p.school_id::bigint) - 1)
                                * %(stride)s + (mk.date - %(base)s) / 7 + 1] AS idx
    FROM marks mk
    JOIN attendance_pupil p ON p.id = mk.pupil_id AND p.school_id = ANY(%(schools)s)
    UNION ALL
    SELECT a.pupil_id, p.school_id,
           CASE WHEN a.pupil_id = ANY(%(pw_own)s::bigint[]) THEN pw.i
                ELSE (%(numbers)s::int[])[
                         (array_position(%(schools)s::bigint[], p.school_id::bigint) - 1)
                         * %(stride)s + (m.date - %(base)s) / 7 + 1]
           END
    FROM unnest(%(alone)s::bigint[], %(alone_after)s::date[]) AS a(pupil_id, after)
    JOIN attendance_pupil p ON p.id = a.pupil_id AND p.school_id = ANY(%(schools)s)
    CROSS JOIN LATERAL (
        SELECT m.date FROM registers_mark m
        WHERE m.pupil_id = a.pupil_id AND m.code IN (CODES)
        OFFSET 0
    ) m
    LEFT JOIN unnest(%(pw_pupils)s::bigint[], %(pw_weeks)s::date[], %(pw_idx)s::int[])
              AS pw(pupil_id, week_start, i)
           ON pw.pupil_id = a.pupil_id
          AND pw.week_start = m.date - (extract(isodow FROM m.date)::int - 1)
    WHERE m.date > a.after AND m.date >= %(since)s AND m.date < %(until)s
      AND m.date <= %(as_of)s
),
windows AS (
    SELECT pupil_id, school_id, idx,
           count(*) OVER (PARTITION BY pupil_id ORDER BY idx
                          RANGE BETWEEN %(span)s PRECEDING AND CURRENT ROW) AS total
    FROM numbered
    WHERE idx > 0
)
SELECT DISTINCT ON (pupil_id) pupil_id, school_id, idx, total
FROM windows
WHERE total >= %(threshold)s
ORDER BY pupil_id, idx
"""
# Written so that its plan does not hang on the planner's statistics (stale
# ones took the nightly rerun from 0.6 s to 10 s): cases are not joined but read
# first (CASES_SQL) and passed in as constant arrays, which PostgreSQL hashes
# and whose lengths it knows; a school week's number is looked up, not
# joined: `numbers` holds each school's numbering, `stride` weeks a school,
# by weeks since `base` (a Monday). Most pupils' marks come from the partial
# index registers.mark_threshold_codes alone, in its order (pupil, date),
# which also counts each pupil's marks without a sort, so that pupils with
# fewer than the threshold in all drop out before the join. The few pupils
# with weeks of their own (threshold marks from a previous school) or a
# closed case (only sessions after it count) are looked up one by one (the
# LATERAL branch: by the pupil alone, the dates outside, see ELSEWHERE_SQL).
# Week numbers are per school (each has its own calendar), so one statement
# serves a whole trust. The window counts sessions: RANGE takes in every
# session of the weeks it spans.

CASES_SQL = """
SELECT c.pupil_id, bool_or(c.stage <> 'closed'),
       max(c.window_end) FILTER (WHERE NOT c.void AND c.school_id = ANY(%(schools)s))
FROM penalties_case c
WHERE c.pupil_id IN (SELECT id FROM attendance_pupil WHERE school_id = ANY(%(schools)s))
GROUP BY c.pupil_id
"""

ELSEWHERE_SQL = """
WITH candidates AS (
    SELECT t.pupil_id
    FROM registers_mark t
    WHERE t.code IN (CODES) AND t.date >= %(since)s AND t.date <= %(as_of)s
    GROUP BY t.pupil_id
    HAVING (count(*) >= %(threshold)s AND t.pupil_id <> ALL(%(open_case)s::bigint[]))
        OR count(*) FILTER (WHERE t.date >= %(recent)s) >= %(approaching)s
),
elsewhere AS (
    SELECT DISTINCT c.pupil_id
    FROM candidates c
    JOIN attendance_pupil p ON p.id = c.pupil_id AND p.school_id = ANY(%(schools)s)
    CROSS JOIN LATERAL (
        SELECT t.date
        FROM registers_mark t
        WHERE t.pupil_id = c.pupil_id AND t.code IN (CODES) AND t.recorded_at_school <> ''
        OFFSET 0
    ) t
    WHERE t.date >= %(since)s AND t.date <= %(as_of)s
)
SELECT DISTINCT e.pupil_id, m.date - (extract(isodow FROM m.date)::int - 1) AS week_start
FROM elsewhere e
CROSS JOIN LATERAL (
    SELECT m.date
    FROM registers_mark m
    WHERE m.pupil_id = e.pupil_id AND m.recorded_at_school <> ''
    OFFSET 0
) m
WHERE m.date >= %(since)s AND m.date <= %(as_of)s
ORDER BY 1, 2
"""
# Whether a mark was recorded elsewhere is in the table, not in the partial
# index: only pupils who could reach the threshold (without an open case),
# or the early-support count, on their marks from anywhere have theirs read.
# Theirs are looked up pupil by pupil (LATERAL), by the pupil alone, the
# dates kept outside (OFFSET 0 keeps them there), so that no statistics can
# make the index on dates look the better way in: with none, they did.

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


def codes_sql(sql: str) -> str:
    """`sql` with the threshold codes written in as literals: the planner then
    sees the predicate of the partial index registers.mark_threshold_codes
    (built from the same list) and counts the condition once, so the
    framework module stays the one authority on the codes."""
    codes = framework.threshold_codes()
    if not all(code.isascii() and code.isalnum() for code in codes):
        raise ValueError(f"unexpected threshold codes {codes!r}")
    return sql.replace("CODES", ", ".join(f"'{code}'" for code in codes))


def school_weeks_until(school: School, as_of: dt.date) -> list[dt.date]:
    return weeks_by_school([school], as_of)[school.id]


def weeks_by_school(schools: list[School], as_of: dt.date) -> dict[int, list[dt.date]]:
    """Each school's school weeks from its first term to `as_of` (3 queries in all)."""
    calendars = SchoolCalendar.for_schools(schools)
    return {school_id: cal.all_school_weeks(as_of) for school_id, cal in calendars.items()}


def pupil_weeks_across_schools(
    weeks: dict[int, list[dt.date]], as_of: dt.date, open_case: list[int] | None = None
) -> dict[int, list[dt.date]]:
    """The school weeks of each pupil who has threshold marks from a previous
    school: their school's weeks, and every week in which they have marks
    recorded at the other school (the window "can span ... schools", DfE;
    there a school week is a week in which those marks have sessions).

    Only pupils with G, O or U from elsewhere need it: for the others the
    weeks added all come before their first mark here (or hold none of their
    threshold sessions), and no window of theirs changes. Nor do pupils with
    fewer threshold sessions in all than the threshold (or an open case: see
    cases()), and fewer since the earliest their last 10 school weeks can
    start than the early-support count: no numbering of theirs flags them."""
    weeks = {school_id: w for school_id, w in weeks.items() if w}
    if not weeks:
        return {}
    since = _since(weeks, elsewhere=True)
    window = framework.window_school_weeks()
    # A pupil's own weeks include all the school's, so their last 10 start no
    # earlier than the school's, unless the school has fewer than 10.
    recent = min(w[-window] if len(w) >= window else since for w in weeks.values())
    with connection.cursor() as cursor:
        cursor.execute(
            codes_sql(ELSEWHERE_SQL),
            {
                "schools": list(weeks),
                "since": since,
                "recent": recent,
                "as_of": as_of,
                "threshold": framework.threshold_sessions(),
                "approaching": framework.approaching_sessions(),
                "open_case": open_case or [],
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


def cases(schools: list[int]) -> tuple[list[int], dict[int, dt.date]]:
    """Pupils of `schools` with an open case, and for the others the end of
    their last case's window (a void case's sessions may count again)."""
    with connection.cursor() as cursor:
        cursor.execute(CASES_SQL, {"schools": schools})
        rows = cursor.fetchall()
    open_case = [pupil_id for pupil_id, is_open, _ in rows if is_open]
    after = {pupil_id: end for pupil_id, is_open, end in rows if not is_open and end}
    return open_case, after


def find_breaches(
    schools: list[School], as_of: dt.date, weeks=None, own=None, case_state=None
) -> list[Breach]:
    """Pupils who reached the threshold in some window up to `as_of`, not
    already in an open case, counting only sessions after their last case.
    `own` (pupil_weeks_across_schools) and `case_state` (cases), if the
    caller has them."""
    weeks = weeks if weeks is not None else weeks_by_school(schools, as_of)
    weeks = {school_id: w for school_id, w in weeks.items() if w}
    if not weeks:
        return []
    span = framework.window_school_weeks() - 1
    own = own if own is not None else pupil_weeks_across_schools(weeks, as_of)
    since = _since(weeks, elsewhere=bool(own))
    base = since - dt.timedelta(days=since.weekday())
    last = max(w[-1] for w in weeks.values())
    stride = (last - base).days // 7 + 1
    numbers = [0] * (stride * len(weeks))  # 0: not a school week (no NULLs: O(1) to look up)
    for slot, school_weeks in enumerate(weeks.values()):
        for i, week in enumerate(school_weeks, 1):
            numbers[slot * stride + (week - base).days // 7] = i
    own_flat = [(pupil_id, week, i) for pupil_id, w in own.items() for i, week in enumerate(w, 1)]
    open_case, after = case_state if case_state is not None else cases(list(weeks))
    # Looked up one by one: pupils with weeks of their own, and those whose
    # last case closed (their sessions count from the day after its window).
    alone = {pupil_id: dt.date.min for pupil_id in own} | after
    for pupil_id in open_case:
        alone.pop(pupil_id, None)
    with connection.cursor() as cursor:
        cursor.execute(
            codes_sql(BREACHES_SQL),
            {
                "schools": list(weeks),
                "numbers": numbers,
                "stride": stride,
                "base": base,
                "pw_pupils": [f[0] for f in own_flat],
                "pw_weeks": [f[1] for f in own_flat],
                "pw_idx": [f[2] for f in own_flat],
                "pw_own": list(own),
                "skip": open_case + list(alone),
                "alone": list(alone),
                "alone_after": list(alone.values()),
                # Own marks before the first school week have no week number
                # and drop out; only a pupil's marks from elsewhere need the
                # earlier start. None after the last school week count.
                "since": since,
                "until": last + dt.timedelta(days=7),
                "as_of": as_of,
                "span": span,
                "threshold": framework.threshold_sessions(),
            },
        )
        rows = cursor.fetchall()
    breaches = []
    for pupil_id, school_id, idx, total in rows:
        school_weeks = own.get(pupil_id) or weeks[school_id]
        start = school_weeks[max(idx - 1 - span, 0)]
        if pupil_id in after:  # a closed case's sessions never count again
            start = max(start, after[pupil_id] + dt.timedelta(days=1))
        end = min(school_weeks[idx - 1] + dt.timedelta(days=6), as_of)
        breaches.append(Breach(pupil_id, school_id, start, end, int(total)))
    return breaches


OPEN_CASES_SQL = """
WITH breach AS (
    SELECT *
    FROM unnest(%(pupils)s::bigint[], %(schools)s::bigint[], %(starts)s::date[], %(ends)s::date[])
         AS b(pupil_id, school_id, start, finish)
),
counted AS MATERIALIZED (
    SELECT b.pupil_id, m.id AS mark_id, m.date, m.session, m.code
    FROM breach b
    CROSS JOIN LATERAL (
        SELECT m.id, m.date, m.session, m.code
        FROM registers_mark m
        WHERE m.pupil_id = b.pupil_id AND m.code IN (CODES)
        OFFSET 0
    ) m
    WHERE m.date >= b.start AND m.date <= b.finish
),
facts AS (
    SELECT pupil_id, count(*) AS sessions, bool_and(code = 'G') AS holiday,
           (array_agg(date ORDER BY date, session))[%(threshold)s] AS breach_date
    FROM counted
    GROUP BY pupil_id
),
opened AS (
    INSERT INTO penalties_case
        (pupil_id, school_id, opened_on, breach_date, window_start, window_end,
         sessions_counted, holiday, stage, support_notes, outcome, void)
    SELECT b.pupil_id, b.school_id, %(as_of)s, f.breach_date, b.start, b.finish,
           f.sessions, f.holiday, %(stage)s, '', '', false
    FROM breach b
    JOIN facts f ON f.pupil_id = b.pupil_id
    RETURNING id, pupil_id, breach_date, sessions_counted, holiday
),
listed AS (
    INSERT INTO penalties_casesession (case_id, mark_id, date, session, code)
    SELECT o.id, c.mark_id, c.date, c.session, c.code
    FROM opened o
    JOIN counted c ON c.pupil_id = o.pupil_id
)
SELECT id, pupil_id, breach_date, sessions_counted, holiday FROM opened
"""
# One statement opens the cases and lists each one's exact sessions, reading
# the breaches' marks once (pupil by pupil, the dates outside: see ELSEWHERE_SQL).


@dataclass(frozen=True)
class Opened:
    case_id: int
    breach_date: dt.date  # the day of the session that reached the threshold
    sessions: int
    holiday: bool  # every counted session is G


def open_cases(breaches: list[Breach], as_of: dt.date, stage: str) -> dict[int, Opened]:
    """A case for each breach, at `stage`, with its sessions; by pupil."""
    with connection.cursor() as cursor:
        cursor.execute(
            codes_sql(OPEN_CASES_SQL),
            {
                "pupils": [b.pupil_id for b in breaches],
                "schools": [b.school_id for b in breaches],
                "starts": [b.window_start for b in breaches],
                "ends": [b.window_end for b in breaches],
                "threshold": framework.threshold_sessions(),
                "as_of": as_of,
                "stage": stage,
            },
        )
        return {
            pupil_id: Opened(case_id, breach_date, sessions, holiday)
            for case_id, pupil_id, breach_date, sessions, holiday in cursor.fetchall()
        }


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
WHERE m.code IN (CODES)
  AND m.date >= %(earliest)s AND m.date <= %(as_of)s
  AND m.date >= coalesce(ps.start, st.start)
GROUP BY m.pupil_id
HAVING count(*) >= %(approaching)s
"""
# `m.date >= %(earliest)s`, a constant, is the range the index scan reads
# (the last 10 school weeks); the school's or the pupil's start then narrows it.


def sessions_in_current_window(
    schools: list[School], as_of: dt.date, weeks=None, own=None
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
    own = own if own is not None else pupil_weeks_across_schools(weeks, as_of)
    pupil_starts = {pupil_id: w[-window:][0] for pupil_id, w in own.items() if w}
    with connection.cursor() as cursor:
        cursor.execute(
            codes_sql(APPROACHING_SQL),
            {
                "schools": list(starts),
                "starts": list(starts.values()),
                "pupils": list(pupil_starts),
                "pupil_starts": list(pupil_starts.values()),
                "earliest": min([*starts.values(), *pupil_starts.values()]),
                "as_of": as_of,
                "approaching": framework.approaching_sessions(),
            },
        )
        return starts, dict(cursor.fetchall())
