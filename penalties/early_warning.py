"""Early warning: who is on course for persistent absence, and how much room is left.

Persistent absence is missing 10% of one's own possible sessions. For each
pupil: the sessions they can still miss this year before reaching 10%, and
"at risk" when the recent rate (last 4 school weeks) carried to the end of
the year would take them there, or they have 3 sessions or fewer to spare.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from attendance.models import AcademicYear, Pupil, School
from attendance.school_calendar import SchoolCalendar
from registers.statistics import Figures, figures_by_pupil

from .bands import Band, band_for

PA_SHARE = 0.10


@dataclass
class Outlook:
    pupil: Pupil
    figures: Figures
    recent: Figures
    band: Band | None
    can_miss: int  # more sessions before reaching 10% this year (negative: already PA)
    projected_absence_rate: float | None
    at_risk: bool


def outlooks(school: School, year: AcademicYear, today: dt.date, pupils) -> list[Outlook]:
    pupils = list(pupils)
    ids = [p.id for p in pupils]
    calendar = SchoolCalendar(school)
    so_far = figures_by_pupil(ids, year.start_date, today)
    recent_start = (calendar.school_weeks_back(today, 4) or [today])[0]
    recent = figures_by_pupil(ids, recent_start, today)
    remaining = len(calendar.sessions(today + dt.timedelta(days=1), year.end_date))
    result = []
    for pupil in pupils:
        f = so_far.get(pupil.id, Figures())
        r = recent.get(pupil.id, Figures())
        absent = f.authorised + f.unauthorised
        left = (
            remaining
            if pupil.leaving_date is None
            else len(
                calendar.sessions(
                    today + dt.timedelta(days=1), min(pupil.leaving_date, year.end_date)
                )
            )
        )
        year_total = f.possible + left
        # Persistent absence starts at exactly 10%: the most one can miss and
        # stay under it is (total - 1) // 10.
        can_miss = (year_total - 1) // 10 - absent
        recent_rate = (r.authorised + r.unauthorised) / r.possible if r.possible else 0.0
        projected = (
            round(100 * (absent + recent_rate * left) / year_total, 1) if year_total else None
        )
        already = f.persistently_absent
        at_risk = (
            not already
            and f.possible > 0
            and ((projected is not None and projected >= 100 * PA_SHARE) or can_miss <= 3)
        )
        result.append(
            Outlook(pupil, f, r, band_for(f.attendance_rate), can_miss, projected, at_risk)
        )
    return result
