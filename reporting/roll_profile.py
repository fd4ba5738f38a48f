"""The numbers on roll the governors see: no names, small groups hidden.

Governors see aggregate figures only. A small group can identify a child, so
a count of 1-4 shows as "fewer than 5" (as DfE publications do), and so does
any count that would let one be worked out from the others, by the same
rules as the dashboard's pupil groups (reporting.suppression): the roll less
a group, or one group less another that it holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count

from attendance.models import School, YearGroup
from attendance.pupil_groups import ROLL_GROUPS, fields_of
from attendance.selectors import pupils_on_roll

from .suppression import protect_pupil_groups, too_small


@dataclass
class Figure:
    label: str
    count: int
    total: int
    suppressible: bool = True
    by: str = ""  # the pupil's field and value behind a pupil-group count
    value: str = ""
    hidden: bool = False  # too small, or hidden so a small group cannot be worked out

    def __post_init__(self):
        self.hidden = self.hidden or self.too_small

    @property
    def pupils(self) -> int:
        return self.count

    @property
    def too_small(self) -> bool:
        return self.suppressible and too_small(self.count)

    @property
    def suppressed(self) -> bool:
        return self.hidden

    @property
    def percent(self) -> float | None:
        if self.suppressed or not self.total:
            return None
        return round(100 * self.count / self.total, 1)


def _as_key(value: bool | str) -> str:
    """A field's value as pupil_groups (and the cohort SQL) write it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def roll_profile(school: School, day: dt.date) -> dict:
    """Numbers on roll by year group and pupil group: no names, small counts hidden."""
    pupils = pupils_on_roll(school, day)
    fields = fields_of(ROLL_GROUPS)
    # Pupils on roll by every combination of the groups' fields: each group's
    # count is a sum of these, as suppression needs them.
    cells = {
        tuple((f, _as_key(row[f])) for f in fields): row["n"]
        for row in pupils.values(*fields).annotate(n=Count("id")).order_by()
    }
    total = sum(cells.values())
    groups = [
        Figure(
            g.label,
            sum(n for key, n in cells.items() if dict(key)[g.field] == g.value),
            total,
            by=g.field,
            value=g.value,
        )
        for g in ROLL_GROUPS
    ]
    protect_pupil_groups(groups, total, cells)
    by_year = dict(pupils.values_list("year_group").annotate(n=Count("id")))
    return {
        "total": total,
        # Year-group sizes are public (and suppressing one would be undone by
        # subtracting the others from the total); only pupil groups are hidden.
        "by_year": [
            Figure(label, by_year.get(value, 0), total, suppressible=False)
            for value, label in YearGroup.choices
            if value in by_year
        ],
        "groups": groups,
    }
