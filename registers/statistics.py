"""Attendance figures by the DfE method (Pupil absence in schools in England).

Possible sessions are the marked sessions whose code is not a "not a possible
session" code. Attendance is sessions present or at an approved educational
activity over possible sessions; absence rates likewise. Persistent absence
is missing 10% or more of one's own possible sessions; severe, 50% or more.

Here are each pupil's figures; a whole school's, a class's or a pupil
group's, by the same method in one SQL statement, are reporting.cohorts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
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
    # is not persistent absence, and the cohort SQL (reporting.cohorts) agrees.
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


def week_edges(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date, list]:
    """The whole weeks in the range (first Monday, the Monday after the last),
    and the part-weeks at either end as date ranges."""
    # A week counts as whole when its Monday to Friday lie in the range: marks
    # on a Saturday or Sunday can only be # or Z, which count in no column.
    first_full = start + dt.timedelta(days=(7 - start.weekday()) % 7)
    end_monday = end - dt.timedelta(days=end.weekday())
    after_full = end_monday + dt.timedelta(weeks=1) if end.weekday() >= 4 else end_monday
    if after_full < first_full:  # the range lies inside one week
        first_full = after_full = end + dt.timedelta(days=1)
    edge_ranges = [
        (a, b) for a, b in ((start, first_full - dt.timedelta(days=1)), (after_full, end)) if a <= b
    ]
    return first_full, after_full, edge_ranges


# Counting a pupil's marks by statistical category in SQL (alias m), with
# category_params(): the method's code lists, shared with reporting.cohorts.
COUNTS = """
       count(*) FILTER (WHERE m.counted_code = ANY(%(possible)s)) AS possible,
       count(*) FILTER (WHERE m.counted_code = ANY(%(attending)s)) AS attending,
       count(*) FILTER (WHERE m.counted_code = ANY(%(authorised)s)) AS authorised,
       count(*) FILTER (WHERE m.counted_code = ANY(%(unauthorised)s)) AS unauthorised,
       count(*) FILTER (WHERE m.counted_code = %(late)s) AS late,
       count(*) FILTER (WHERE m.counted_code = %(late_after_close)s) AS late_after_close"""


def category_params() -> dict:
    return {
        "possible": list(POSSIBLE),
        "attending": list(ATTENDING),
        "authorised": list(AUTHORISED),
        "unauthorised": list(UNAUTHORISED),
        "late": codes.LATE,
        "late_after_close": codes.LATE_AFTER_CLOSE,
    }


WEEKLY_SQL = f"""
SELECT pupil_id, sum(possible)::int, sum(attending)::int, sum(authorised)::int,
       sum(unauthorised)::int, sum(late)::int, sum(late_after_close)::int
FROM (
    SELECT pupil_id, possible, attending, authorised, unauthorised, late, late_after_close
    FROM registers_pupilweek
    WHERE pupil_id = ANY(%(pupils)s) AND monday >= %(first_full)s AND monday < %(after_full)s
    UNION ALL
    SELECT m.pupil_id,{COUNTS}
    FROM registers_mark m
    WHERE m.pupil_id = ANY(%(pupils)s)
      AND ((m.date >= %(edge0_from)s AND m.date <= %(edge0_to)s)
        OR (m.date >= %(edge1_from)s AND m.date <= %(edge1_to)s))
    GROUP BY m.pupil_id
) AS weeks
GROUP BY pupil_id
"""


def figures_by_pupil_weekly(
    pupil_ids: Iterable[int], start: dt.date, end: dt.date
) -> dict[int, Figures]:
    """figures_by_pupil for pages that show many pupils' figures over a long
    range (the register's year to date): whole weeks from the summary the
    triggers keep (PupilWeek), the part-weeks at either end from the marks.
    The weekly summary does not count N separately, so `unexplained` is 0:
    never use these figures for a letter or a case."""
    first_full, after_full, edges = week_edges(start, end)
    never = (dt.date.max, dt.date.min)  # an empty range for a missing edge
    (edge0, edge1) = (edges + [never, never])[:2]
    params = {
        "pupils": list(pupil_ids),
        "first_full": first_full,
        "after_full": after_full,
        "edge0_from": edge0[0],
        "edge0_to": edge0[1],
        "edge1_from": edge1[0],
        "edge1_to": edge1[1],
        **category_params(),
    }
    with connection.cursor() as cursor:
        cursor.execute(WEEKLY_SQL, params)
        return {
            pupil_id: Figures(*counts) for pupil_id, *counts in cursor.fetchall() if any(counts)
        }


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
