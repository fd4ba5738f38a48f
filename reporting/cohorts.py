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


def _split(wanted: dict[str, str | dict[str, str]]) -> tuple[list[str], list[str], dict]:
    """The split of cohort_figures_all as GROUPING SETS: the key columns (one
    per column of each dimension, as text), the sets, and for each value of
    GROUPING() over all the key columns, the dimension and its columns."""
    columns, sets, dims = [], [], []
    for name, expression in wanted.items():
        parts = {"": expression} if isinstance(expression, str) else expression
        aliases = [f"k{len(columns) + i}" for i in range(len(parts))]
        columns += [f"({e})::text AS {a}" for e, a in zip(parts.values(), aliases, strict=True)]
        sets.append(f"({', '.join(aliases)})")
        dims.append((name, list(parts), range(len(columns) - len(parts), len(columns))))
    # GROUPING(k0, ..., kn) has a 1 bit for each column not grouped in the
    # row's set, k0 the most significant.
    every = (1 << len(columns)) - 1
    masks = {
        every & ~sum(1 << (len(columns) - 1 - i) for i in positions): (name, names, positions)
        for name, names, positions in dims
    }
    return columns, sets, masks


# Each pupil's weeks, and part-weeks, for cohort_figures_all. Whole weeks
# come from the summary the triggers keep (registers_pupilweek), the
# part-weeks at either end of the range from the marks. Both are read pupil
# by pupil through the (pupil, date) indexes: OFFSET 0 keeps each subquery a
# lookup per pupil (the planner may not merge it into a join), so the plan
# does not turn on the planner's statistics, and the work grows with the
# school, not with the trust's tables (tests/reporting/test_dashboard_plans.py).
_PUPIL_WEEKS = """
            SELECT s.id AS pupil_id, w.monday, w.possible, w.attending, w.authorised,
                   w.unauthorised, w.late, w.late_after_close
            FROM school s
            CROSS JOIN LATERAL (
                SELECT monday, possible, attending, authorised, unauthorised, late,
                       late_after_close
                FROM registers_pupilweek w
                WHERE w.pupil_id = s.id
                  AND w.monday >= %(first_full)s AND w.monday < %(after_full)s
                OFFSET 0
            ) AS w"""
_EDGE_WEEK = (
    """
            UNION ALL
            SELECT s.id, %(edge{n}_monday)s::date, e.*
            FROM school s
            CROSS JOIN LATERAL (
                SELECT"""
    + COUNTS
    + """
                FROM registers_mark m
                WHERE m.pupil_id = s.id
                  AND m.date >= %(edge{n}_from)s AND m.date <= %(edge{n}_to)s
            ) AS e"""  # a pupil unmarked in the part-week: a row of noughts
)


# Each pupil's details, as the dimensions read them (p), by primary key and
# by the grouping's unique index, one lookup a pupil: a join here would be
# planned from the estimated size of pp, and a low estimate made it a loop
# over every pair of pupils. The whole school alone needs none.
_DETAILS = f"""
            CROSS JOIN LATERAL (
                SELECT * FROM attendance_pupil live WHERE live.id = pp.pupil_id OFFSET 0
            ) AS live
            LEFT JOIN LATERAL (
                SELECT * FROM {GroupedPupil._meta.db_table} g
                WHERE g.grouping_id = %(grouping)s AND g.pupil_id = pp.pupil_id OFFSET 0
            ) AS g ON true
            CROSS JOIN LATERAL (SELECT {GROUPED_DETAILS}) AS p"""


def cohort_figures_all(
    school_id: int,
    start: dt.date,
    end: dt.date,
    dimensions: tuple[str, ...] | None = None,
    grouping_id: int | None = None,
) -> dict:
    """Every dimension of DIMENSIONS, and the week-by-week attendance, in one
    statement: what a dashboard needs without a query per table.
    With `grouping_id`, pupils fall into groups as that grouping froze them.

    Returns {dimension: {key: CohortFigures}} plus "weekly": [(monday, %)]. A
    dimension of several columns is keyed by ((column, value), ...).
    """
    wanted = {name: DIMENSIONS[name] for name in (dimensions or DIMENSIONS)}
    columns, sets, masks = _split(wanted)
    keys = ", ".join(f"k{i}" for i in range(len(columns)))
    first_full, after_full, edge_ranges = week_edges(start, end)
    edges = "".join(_EDGE_WEEK.replace("{n}", str(n)) for n in range(len(edge_ranges)))
    sql = f"""
        WITH school AS MATERIALIZED (
            SELECT id FROM attendance_pupil WHERE school_id = %(school)s
        ),
        pw AS MATERIALIZED ({_PUPIL_WEEKS}{edges}
        ),
        pp AS (
            -- int, not the bigint sum() gives, so the sums over pupils below
            -- stay integer arithmetic rather than numeric.
            SELECT pupil_id, sum(possible)::int AS possible, sum(attending)::int AS attending,
                   sum(authorised)::int AS authorised, sum(unauthorised)::int AS unauthorised,
                   sum(late)::int AS late, sum(late_after_close)::int AS late_after_close
            FROM pw GROUP BY pupil_id
        )
        SELECT GROUPING({keys}), {keys},
               count(*), sum(possible), sum(attending), sum(authorised), sum(unauthorised),
               sum(late), sum(late_after_close),{ABSENT_PUPILS}
        FROM (
            SELECT pp.*, {", ".join(columns)}
            FROM pp {_DETAILS if set(wanted) != {"school"} else ""}
            WHERE pp.possible > 0
        ) AS pupils
        -- One pass over the pupils for every dimension at once.
        GROUP BY GROUPING SETS ({", ".join(sets)})
        UNION ALL
        SELECT -1, monday::text{", NULL" * (len(columns) - 1)},
               count(*) FILTER (WHERE possible > 0), sum(possible), sum(attending), 0, 0, 0, 0, 0, 0
        FROM pw GROUP BY monday
    """
    params = _params(school_id, start, end) | {
        "first_full": first_full,
        "after_full": after_full,
        "grouping": grouping_id,
        **{f"edge{n}_from": a for n, (a, _) in enumerate(edge_ranges)},
        **{f"edge{n}_to": b for n, (_, b) in enumerate(edge_ranges)},
        # A part-week lies in one week: its Monday.
        **{
            f"edge{n}_monday": a - dt.timedelta(days=a.weekday())
            for n, (a, _) in enumerate(edge_ranges)
        },
    }
    result: dict = {name: {} for name in DIMENSIONS}
    weekly = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for mask, *row in cursor.fetchall():
            by_column, (pupils, possible, attending, *counts) = (
                row[: len(columns)],
                row[len(columns) :],
            )
            if mask == -1:
                if possible and pupils >= SMALLEST_WEEK:
                    rate = round(100 * float(attending) / float(possible), 1)
                    weekly.append((dt.date.fromisoformat(by_column[0]), rate))
                continue
            dim, names, positions = masks[mask]
            if isinstance(wanted[dim], dict):
                key = tuple((c, str(by_column[i])) for c, i in zip(names, positions, strict=True))
            else:
                key = str(by_column[positions[0]])
            result[dim][key] = _figures(pupils, possible, attending, *counts)
    result["weekly"] = sorted(weekly)
    return result
