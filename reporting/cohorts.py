"""Figures for many pupils at once: the whole school, a year group, a class, a
pupil group, by the DfE method of registers.statistics.

One SQL statement works out each pupil's sessions, then sums them, and counts
the persistently and severely absent, so no page ever loops over pupils in
Python. The code lists come from registers.statistics and attendance.codes,
the groups from attendance.pupil_groups.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection

from attendance.pupil_groups import DASHBOARD_GROUPS, fields_of
from registers.statistics import (
    COUNTS,
    PERSISTENT_ABSENCE,
    SEVERE_ABSENCE,
    Figures,
    category_params,
    week_edges,
)

from .models import GroupedPupil
from .suppression import SUPPRESS_BELOW

# A week so far with only a handful of pupils marked (a small class's register
# on a Monday morning) would be their figures, so the trend leaves it out.
SMALLEST_WEEK = SUPPRESS_BELOW


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


# Each pupil's sessions, counted as Figures counts them (Mark.counted_code).
PER_PUPIL_SQL = f"""
SELECT m.pupil_id,{COUNTS}
FROM registers_mark m
JOIN attendance_pupil p ON p.id = m.pupil_id
WHERE p.school_id = %(school)s AND m.date BETWEEN %(start)s AND %(end)s
GROUP BY m.pupil_id
"""

# The pupils of a cohort who are persistently and severely absent: whole
# numbers, as Figures.persistently_absent works them out.
ABSENT_PUPILS = f"""
       count(*) FILTER (WHERE (authorised + unauthorised) * 100 >= possible * {PERSISTENT_ABSENCE}),
       count(*) FILTER (WHERE (authorised + unauthorised) * 100 >= possible * {SEVERE_ABSENCE})"""

AGED_5_TO_15 = (
    "(p.date_of_birth <= %(age_on)s::date - interval '5 years' "
    "AND p.date_of_birth > %(age_on)s::date - interval '16 years')::text"
)
GROUP_FIELDS = fields_of(DASHBOARD_GROUPS)

# Dimensions a cohort may be split by: name -> SQL expression over the pupil
# p, or for a split by several columns at once, column name -> expression.
DIMENSIONS: dict[str, str | dict[str, str]] = {
    "school": "'all'",
    "year_group": "p.year_group",
    "registration_group": "coalesce(p.registration_group_id::text, 'none')",
    # The finest split that the year groups, the classes and the pupils aged
    # 5-15 (below) all add up from, for small-group suppression.
    "cell": "p.year_group || ':' || coalesce(p.registration_group_id::text, 'none') || ':' || "
    + AGED_5_TO_15,
    **{field: f"p.{field}::text" for field in GROUP_FIELDS},
    # Every pupil-group field at once: the cells the pupil-group rows add up
    # from, for small-group suppression (looked-after pupils all have a
    # social worker, so one row less the other is a group of its own).
    "flags": {field: f"p.{field}::text" for field in GROUP_FIELDS},
    # The DfE's national figures count pupils aged 5 to 15 at the start of the
    # school year (31 August), so a like-for-like line leaves out nursery and
    # most of reception.
    "aged_5_to_15": AGED_5_TO_15,
}


def age_on(start: dt.date) -> dt.date:
    """The 31 August that starts the school year of `start`, when ages are taken."""
    return dt.date(start.year if start.month >= 9 else start.year - 1, 8, 31)


def _params(school_id: int, start: dt.date, end: dt.date) -> dict:
    return {
        "school": school_id,
        "start": start,
        "end": end,
        "age_on": age_on(start),
        **category_params(),
    }


def _figures(pupils, possible, attending, auth, unauth, late, u, pa, sa) -> CohortFigures:
    return CohortFigures(
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


def cohort_figures(
    school_id: int, start: dt.date, end: dt.date, by: str = "school", pupil_ids=None
) -> dict[str, CohortFigures]:
    """Figures for `school_id`'s pupils from `start` to `end`, split by a
    one-column dimension.

    A pupil with no possible session in the range is not counted as a pupil.
    """
    expression = DIMENSIONS[by]
    if not isinstance(expression, str):
        raise ValueError(f"{by} splits by several columns: use cohort_figures_all")
    only = "AND pp.pupil_id = ANY(%(pupils)s)" if pupil_ids is not None else ""
    sql = f"""
        WITH pp AS ({PER_PUPIL_SQL})
        SELECT {expression} AS key,
               count(*) AS pupils, sum(possible), sum(attending), sum(authorised),
               sum(unauthorised), sum(late), sum(late_after_close),{ABSENT_PUPILS}
        FROM pp JOIN attendance_pupil p ON p.id = pp.pupil_id
        WHERE pp.possible > 0 {only}
        GROUP BY 1
    """
    params = _params(school_id, start, end)
    params["pupils"] = list(pupil_ids) if pupil_ids is not None else None
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {str(key): _figures(*counts) for key, *counts in rows}


# Pupils' details for the dimensions: as a term's grouping froze them
# (reporting.models.Grouping), or as recorded today for a pupil it does not
# hold (or with no grouping).
GROUPED_FIELDS = ["year_group", "registration_group_id", "date_of_birth", *GROUP_FIELDS]
GROUPED_DETAILS = ", ".join(
    f"CASE WHEN g.id IS NULL THEN live.{f} ELSE g.{f} END AS {f}" for f in GROUPED_FIELDS
)


def _split_values(wanted: dict[str, str | dict[str, str]]) -> tuple[str, list[str]]:
    """The VALUES rows that put each pupil in one group per dimension: (dim,
    key, then a column per named column), and the named columns."""
    named = list(dict.fromkeys(c for e in wanted.values() if isinstance(e, dict) for c in e))
    rows = []
    for name, expression in wanted.items():
        if isinstance(expression, str):
            key, columns = f"({expression})", ["NULL"] * len(named)
        else:
            key, columns = "NULL", [f"({expression.get(c, 'NULL')})" for c in named]
        rows.append(", ".join([f"'{name}'", key, *columns]))
    return ", ".join(f"({row})" for row in rows), named


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

    Returns {dimension: {key: CohortFigures}} plus "weekly": [(monday, %)]. A
    dimension of several columns is keyed by ((column, value), ...).
    """
    wanted = {name: DIMENSIONS[name] for name in (dimensions or DIMENSIONS)}
    values, named = _split_values(wanted)
    named_columns = "".join(f", {c}" for c in named)
    named_of_d = "".join(f", d.{c}" for c in named)
    # Whole weeks come from the summary the triggers keep (registers_pupilweek);
    # the part-weeks at either end of the range are counted from the marks,
    # per pupil so the (pupil, date) index serves even a whole trust's table.
    first_full, after_full, edge_ranges = week_edges(start, end)
    edges = "".join(
        f"""
            UNION ALL
            SELECT p.id, m.date - (extract(isodow FROM m.date)::int - 1),{COUNTS}
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
        SELECT d.dim, d.key{named_of_d},
               count(*), sum(possible), sum(attending), sum(authorised), sum(unauthorised),
               sum(late), sum(late_after_close),{ABSENT_PUPILS}
        FROM pp
        JOIN attendance_pupil live ON live.id = pp.pupil_id
        LEFT JOIN {GroupedPupil._meta.db_table} g
            ON g.pupil_id = pp.pupil_id AND g.grouping_id = %(grouping)s
        CROSS JOIN LATERAL (SELECT {GROUPED_DETAILS}) AS p
        CROSS JOIN LATERAL (VALUES {values}) AS d(dim, key{named_columns})
        WHERE pp.possible > 0
        GROUP BY d.dim, d.key{named_of_d}
        UNION ALL
        SELECT 'weekly', monday::text{", NULL" * len(named)}, count(*) FILTER (WHERE possible > 0),
               sum(possible), sum(attending), 0, 0, 0, 0, 0, 0
        FROM pw GROUP BY monday
    """
    params = _params(school_id, start, end) | {
        "first_full": first_full,
        "after_full": after_full,
        "grouping": grouping_id,
        **{f"edge{n}_from": a for n, (a, _) in enumerate(edge_ranges)},
        **{f"edge{n}_to": b for n, (_, b) in enumerate(edge_ranges)},
    }
    result: dict = {name: {} for name in DIMENSIONS}
    weekly = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for dim, key, *row in cursor.fetchall():
            by_column, (pupils, possible, attending, *counts) = row[: len(named)], row[len(named) :]
            if dim == "weekly":
                if possible and pupils >= SMALLEST_WEEK:
                    rate = round(100 * float(attending) / float(possible), 1)
                    weekly.append((dt.date.fromisoformat(key), rate))
                continue
            columns = wanted[dim]
            if isinstance(columns, dict):
                values_of = dict(zip(named, by_column, strict=True))
                key = tuple((c, str(values_of[c])) for c in columns)
            else:
                key = str(key)
            result[dim][key] = _figures(pupils, possible, attending, *counts)
    result["weekly"] = sorted(weekly)
    return result
