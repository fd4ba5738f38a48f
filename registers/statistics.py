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
PERSISTENT_ABSENCE = 10.0
SEVERE_ABSENCE = 50.0


@dataclass(frozen=True)
class Figures:
    possible: int = 0
    attending: int = 0
    authorised: int = 0
    unauthorised: int = 0
    late: int = 0  # L: late before the register closed
    late_after_close: int = 0  # U

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

    @property
    def persistently_absent(self) -> bool:
        rate = self.absence_rate
        return rate is not None and rate >= PERSISTENT_ABSENCE

    @property
    def severely_absent(self) -> bool:
        rate = self.absence_rate
        return rate is not None and rate >= SEVERE_ABSENCE


AGGREGATES = {
    "possible": Count("id", filter=Q(code__in=POSSIBLE)),
    "attending": Count("id", filter=Q(code__in=ATTENDING)),
    "authorised": Count("id", filter=Q(code__in=AUTHORISED)),
    "unauthorised": Count("id", filter=Q(code__in=UNAUTHORISED)),
    "late": Count("id", filter=Q(code=codes.LATE)),
    "late_after_close": Count("id", filter=Q(code=codes.LATE_AFTER_CLOSE)),
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
