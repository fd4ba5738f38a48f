"""Attendance figures by the DfE method (Pupil absence in schools in England).

Possible sessions are the marked sessions whose code is not a "not a possible
session" code. Attendance is sessions present or at an approved educational
activity over possible sessions; absence rates likewise. Persistent absence
is missing 10% or more of one's own possible sessions; severe, 50% or more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q

from attendance import codes
from attendance.codes import Category

from .models import Mark

POSSIBLE = codes.codes_in(
    Category.PRESENT, Category.APPROVED_ACTIVITY, Category.AUTHORISED, Category.UNAUTHORISED
)
ATTENDING = codes.codes_in(Category.PRESENT, Category.APPROVED_ACTIVITY)
AUTHORISED = codes.codes_in(Category.AUTHORISED)
UNAUTHORISED = codes.codes_in(Category.UNAUTHORISED)
PERSISTENT_ABSENCE = 10  # per cent
SMALLEST_WEEK = 5  # pupils with a possible session, for a week to show in a trend
SEVERE_ABSENCE = 50


@dataclass(frozen=True)
class Figures:
    possible: int = 0
    attending: int = 0
    authorised: int = 0
    unauthorised: int = 0
    late: int = 0  # L: late before the register closed
    late_after_close: int = 0  # U
    # N (or a pending report) among the unauthorised: no reason known yet, so
    # never an offence in a letter or a penalty case.
    unexplained: int = 0

    @property
    def decided_unauthorised(self) -> int:
        return self.unauthorised - self.unexplained

    def _rate(self, n: int) -> float | None:
        return round(100 * n / self.possible, 1) if self.possible else None

    @property
    def attendance_rate(self) -> float | None:
        return self._rate(self.attending)

    @property
    def absence_rate(self) -> float | None:
        return self._rate(self.authorised + self.unauthorised)

    @property
    def authorised_rate(self) -> float | None:
        return self._rate(self.authorised)

    @property
    def unauthorised_rate(self) -> float | None:
        return self._rate(self.unauthorised)

    # Whole numbers, not the rounded rate: 20 of 201 (9.95%) shows as 10.0% but
    # is not persistent absence, and the cohort SQL below agrees.
    @property
    def persistently_absent(self) -> bool:
        absent = self.authorised + self.unauthorised
        return bool(self.possible) and absent * 100 >= self.possible * PERSISTENT_ABSENCE

    @property
    def severely_absent(self) -> bool:
        absent = self.authorised + self.unauthorised
        return bool(self.possible) and absent * 100 >= self.possible * SEVERE_ABSENCE


# Figures count Mark.counted_code: a held-back mark in no column, a pending
# one as N.
AGGREGATES = {
    "possible": Count("id", filter=Q(counted_code__in=POSSIBLE)),
    "attending": Count("id", filter=Q(counted_code__in=ATTENDING)),
    "authorised": Count("id", filter=Q(counted_code__in=AUTHORISED)),
    "unauthorised": Count("id", filter=Q(counted_code__in=UNAUTHORISED)),
    "late": Count("id", filter=Q(counted_code=codes.LATE)),
    "late_after_close": Count("id", filter=Q(counted_code=codes.LATE_AFTER_CLOSE)),
    "unexplained": Count("id", filter=Q(counted_code=codes.NO_REASON_YET)),
}


def figures_by_pupil(pupil_ids: Iterable[int], start: dt.date, end: dt.date) -> dict[int, Figures]:
    """Each pupil's figures from `start` to `end` inclusive, in one query."""
    rows = (
        Mark.objects.filter(pupil_id__in=list(pupil_ids), date__gte=start, date__lte=end)
        .values("pupil_id")
        .annotate(**AGGREGATES)
    )
    return {row.pop("pupil_id"): Figures(**row) for row in rows}


def figures_for_pupil(pupil_id: int, start: dt.date, end: dt.date) -> Figures:
    return figures_by_pupil([pupil_id], start, end).get(pupil_id, Figures())


def possible_sessions_by_code(
    pupil_ids: Iterable[int], start: dt.date, end: dt.date
) -> dict[int, dict[str, int]]:
    """Each pupil's possible sessions from `start` to `end` inclusive, counted
    by the code the figures count (Mark.counted_code), in one query.

    What the school census asks for: sessions possible is the sum of the
    counts, and each absence code's count is its sessions, so the two can
    never disagree with figures_by_pupil for the same pupils and dates.
    """
    rows = (
        Mark.objects.filter(
            pupil_id__in=list(pupil_ids),
            date__gte=start,
            date__lte=end,
            counted_code__in=POSSIBLE,
        )
        .values_list("pupil_id", "counted_code")
        .annotate(n=Count("id"))
        .order_by()
    )
    result: dict[int, dict[str, int]] = {}
    for pupil_id, code, n in rows:
        result.setdefault(pupil_id, {})[code] = n
    return result


# Cohorts --------------------------------------------------------------------
# The figures for many pupils at once: the whole school, a year group, a class,
# a pupil group. One SQL statement works out each pupil's sessions, then sums
# them, and counts the persistently and severely absent, so no page ever loops
# over pupils in Python.


@dataclass(frozen=True)
class CohortFigures(Figures):
    pupils: int = 0
    persistent: int = 0  # pupils missing 10%+ of their own possible sessions
    severe: int = 0  # pupils missing 50%+

    def _share(self, n: int) -> float | None:
        return round(100 * n / self.pupils, 1) if self.pupils else None

    @property
    def persistent_rate(self) -> float | None:
        return self._share(self.persistent)

    @property
    def severe_rate(self) -> float | None:
        return self._share(self.severe)


PER_PUPIL_SQL = """
SELECT m.pupil_id,
       count(*) FILTER (WHERE m.counted_code = ANY(%(possible)s)) AS possible,
       count(*) FILTER (WHERE m.counted_code = ANY(%(attending)s)) AS attending,
       count(*) FILTER (WHERE m.counted_code = ANY(%(authorised)s)) AS authorised,
       count(*) FILTER (WHERE m.counted_code = ANY(%(unauthorised)s)) AS unauthorised,
       count(*) FILTER (WHERE m.counted_code = 'L') AS late,
       count(*) FILTER (WHERE m.counted_code = 'U') AS late_after_close
FROM registers_mark m
JOIN attendance_pupil p ON p.id = m.pupil_id
WHERE p.school_id = %(school)s AND m.date BETWEEN %(start)s AND %(end)s
GROUP BY m.pupil_id
"""

# Dimensions a cohort may be split by: name -> SQL expression over attendance_pupil p.
DIMENSIONS = {
    "school": "'all'",
    "year_group": "p.year_group",
    "registration_group": "coalesce(p.registration_group_id::text, 'none')",
    # The finest split that the year groups, the classes and the pupils aged
    # 5-15 (below) all add up from, for small-group suppression.
    "cell": "p.year_group || ':' || coalesce(p.registration_group_id::text, 'none') || ':' || "
    "(p.date_of_birth <= %(age_on)s::date - interval '5 years' "
    "AND p.date_of_birth > %(age_on)s::date - interval '16 years')::text",
    "free_school_meals": "p.free_school_meals::text",
    "pupil_premium": "p.pupil_premium::text",
    "send": "p.send",
    "eal": "p.eal::text",
    "looked_after": "p.looked_after::text",
    "has_social_worker": "p.has_social_worker::text",
    "young_carer": "p.young_carer::text",
    # Every pupil-group flag at once: the cells the pupil-group rows add up
    # from, for small-group suppression (looked-after pupils all have a
    # social worker, so one row less the other is a group of its own).
    "flags": "p.free_school_meals::int::text || p.pupil_premium::int::text || p.eal::int::text"
    " || p.looked_after::int::text || p.has_social_worker::int::text"
    " || p.young_carer::int::text || p.send",
    # The DfE's national figures count pupils aged 5 to 15 at the start of the
    # school year (31 August), so a like-for-like line leaves out nursery and
    # most of reception.
    "aged_5_to_15": "(p.date_of_birth <= %(age_on)s::date - interval '5 years' "
    "AND p.date_of_birth > %(age_on)s::date - interval '16 years')::text",
}


def age_on(start: dt.date) -> dt.date:
    """The 31 August that starts the school year of `start`, when ages are taken."""
    return dt.date(start.year if start.month >= 9 else start.year - 1, 8, 31)


def cohort_figures(
    school_id: int, start: dt.date, end: dt.date, by: str = "school", pupil_ids=None
) -> dict[str, CohortFigures]:
    """Figures for `school_id`'s pupils from `start` to `end`, split by a dimension.

    A pupil with no possible session in the range is not counted as a pupil.
    """
    from django.db import connection

    expression = DIMENSIONS[by]
    only = "AND pp.pupil_id = ANY(%(pupils)s)" if pupil_ids is not None else ""
    sql = f"""
        WITH pp AS ({PER_PUPIL_SQL})
        SELECT {expression} AS key,
               count(*) AS pupils, sum(possible), sum(attending), sum(authorised),
               sum(unauthorised), sum(late), sum(late_after_close),
               count(*) FILTER (WHERE (authorised + unauthorised) * 10 >= possible),
               count(*) FILTER (WHERE (authorised + unauthorised) * 2 >= possible)
        FROM pp JOIN attendance_pupil p ON p.id = pp.pupil_id
        WHERE pp.possible > 0 {only}
        GROUP BY 1
    """
    params = {
        "school": school_id,
        "start": start,
        "end": end,
        "age_on": age_on(start),
        "possible": list(POSSIBLE),
        "attending": list(ATTENDING),
        "authorised": list(AUTHORISED),
        "unauthorised": list(UNAUTHORISED),
        "pupils": list(pupil_ids) if pupil_ids is not None else None,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        str(key): CohortFigures(
            possible=int(possible),
            attending=int(attending),
            authorised=int(authorised),
            unauthorised=int(unauthorised),
            late=int(late),
            late_after_close=int(u),
            pupils=pupils,
            persistent=pa,
            severe=sa,
        )
        for key, pupils, possible, attending, authorised, unauthorised, late, u, pa, sa in rows
    }


# Pupils' details for the dimensions: as a term's grouping froze them
# (attendance.models.Grouping), or as recorded today for a pupil it does not
# hold (or with no grouping).
GROUPED_FIELDS = [
    "year_group",
    "registration_group_id",
    "date_of_birth",
    "free_school_meals",
    "pupil_premium",
    "send",
    "eal",
    "looked_after",
    "has_social_worker",
    "young_carer",
]
GROUPED_DETAILS = ", ".join(
    f"CASE WHEN g.id IS NULL THEN live.{f} ELSE g.{f} END AS {f}" for f in GROUPED_FIELDS
)


def cohort_figures_all(
    school_id: int,
    start: dt.date,
    end: dt.date,
    dimensions: tuple[str, ...] | None = None,
    grouping_id: int | None = None,
) -> dict:
    """Every dimension of DIMENSIONS, and the week-by-week attendance, from one
    scan of the marks: what a dashboard needs without a query per table.
    With `grouping_id`, pupils fall into groups as that grouping froze them.

    Returns {dimension: {key: CohortFigures}} plus "weekly": [(monday, %)].
    """
    from django.db import connection

    wanted = {name: DIMENSIONS[name] for name in (dimensions or DIMENSIONS)}
    dims = ", ".join(f"('{name}', ({expr}))" for name, expr in wanted.items())
    # Whole weeks come from the summary the triggers keep (registers_pupilweek);
    # the part-weeks at either end of the range are counted from the marks.
    # A week counts as whole when its Monday to Friday lie in the range: marks
    # on a Saturday or Sunday can only be # or Z, which count in no column.
    first_full = start + dt.timedelta(days=(7 - start.weekday()) % 7)
    end_monday = end - dt.timedelta(days=end.weekday())
    after_full = end_monday + dt.timedelta(weeks=1) if end.weekday() >= 4 else end_monday
    if after_full < first_full:  # the range lies inside one week
        first_full = after_full = end + dt.timedelta(days=1)
    # Part-weeks, counted from the marks, per pupil so the (pupil, date) index
    # serves even a whole trust's table; none when the range is whole weeks.
    edge_ranges = [
        (a, b) for a, b in ((start, first_full - dt.timedelta(days=1)), (after_full, end)) if a <= b
    ]
    edges = "".join(
        f"""
            UNION ALL
            SELECT p.id, m.date - (extract(isodow FROM m.date)::int - 1),
                   count(*) FILTER (WHERE m.counted_code = ANY(%(possible)s)),
                   count(*) FILTER (WHERE m.counted_code = ANY(%(attending)s)),
                   count(*) FILTER (WHERE m.counted_code = ANY(%(authorised)s)),
                   count(*) FILTER (WHERE m.counted_code = ANY(%(unauthorised)s)),
                   count(*) FILTER (WHERE m.counted_code = 'L'),
                   count(*) FILTER (WHERE m.counted_code = 'U')
            FROM attendance_pupil p
            JOIN registers_mark m ON m.pupil_id = p.id
                AND m.date >= %(edge{n}_from)s AND m.date <= %(edge{n}_to)s
            WHERE p.school_id = %(school)s
            GROUP BY 1, 2"""
        for n in range(len(edge_ranges))
    )
    sql = f"""
        WITH pw AS (
            SELECT w.pupil_id, w.monday, w.possible, w.attending, w.authorised,
                   w.unauthorised, w.late, w.late_after_close
            FROM registers_pupilweek w
            JOIN attendance_pupil p ON p.id = w.pupil_id
            WHERE p.school_id = %(school)s
              AND w.monday >= %(first_full)s AND w.monday < %(after_full)s
            {edges}
        ),
        pp AS (
            -- int, not the bigint sum() gives, so the sums over pupils below
            -- stay integer arithmetic rather than numeric.
            SELECT pupil_id, sum(possible)::int AS possible, sum(attending)::int AS attending,
                   sum(authorised)::int AS authorised, sum(unauthorised)::int AS unauthorised,
                   sum(late)::int AS late, sum(late_after_close)::int AS late_after_close
            FROM pw GROUP BY pupil_id
        )
        SELECT d.dim, d.key,
               count(*), sum(possible), sum(attending), sum(authorised), sum(unauthorised),
               sum(late), sum(late_after_close),
               count(*) FILTER (WHERE (authorised + unauthorised) * 10 >= possible),
               count(*) FILTER (WHERE (authorised + unauthorised) * 2 >= possible)
        FROM pp
        JOIN attendance_pupil live ON live.id = pp.pupil_id
        LEFT JOIN attendance_groupedpupil g
            ON g.pupil_id = pp.pupil_id AND g.grouping_id = %(grouping)s
        CROSS JOIN LATERAL (SELECT {GROUPED_DETAILS}) AS p
        CROSS JOIN LATERAL (VALUES {dims}) AS d(dim, key)
        WHERE pp.possible > 0
        GROUP BY d.dim, d.key
        UNION ALL
        SELECT 'weekly', monday::text, count(*) FILTER (WHERE possible > 0),
               sum(possible), sum(attending), 0, 0, 0, 0, 0, 0
        FROM pw GROUP BY monday
    """
    params = {
        "school": school_id,
        "start": start,
        "end": end,
        "age_on": age_on(start),
        "first_full": first_full,
        "grouping": grouping_id,
        "after_full": after_full,
        **{f"edge{n}_from": a for n, (a, _) in enumerate(edge_ranges)},
        **{f"edge{n}_to": b for n, (_, b) in enumerate(edge_ranges)},
        "possible": list(POSSIBLE),
        "attending": list(ATTENDING),
        "authorised": list(AUTHORISED),
        "unauthorised": list(UNAUTHORISED),
    }
    result: dict = {name: {} for name in DIMENSIONS}
    weekly = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for (
            dim,
            key,
            pupils,
            possible,
            attending,
            auth,
            unauth,
            late,
            u,
            pa,
            sa,
        ) in cursor.fetchall():
            if dim == "weekly":
                # A week so far with only a handful of pupils marked (a small
                # class's register on a Monday morning) would be their figures.
                if possible and pupils >= SMALLEST_WEEK:
                    weekly.append(
                        (
                            dt.date.fromisoformat(key),
                            round(100 * float(attending) / float(possible), 1),
                        )
                    )
                continue
            result[dim][str(key)] = CohortFigures(
                possible=int(possible),
                attending=int(attending),
                authorised=int(auth),
                unauthorised=int(unauth),
                late=int(late),
                late_after_close=int(u),
                pupils=pupils,
                persistent=pa,
                severe=sa,
            )
    result["weekly"] = sorted(weekly)
    return result
