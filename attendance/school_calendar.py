"""The school calendar: school days, sessions and school weeks.

Everything that counts sessions or weeks (registers, statistics, the
10-sessions-in-10-school-weeks penalty threshold) asks this module. A school
day is a weekday inside a half-term that is neither an England bank holiday
nor one of the school's non-school days. A *school week* is a Monday-Sunday
week with at least one school session in it (DfE, "Working together to
improve school attendance", 2024): weeks wholly in a holiday are skipped and
do not break a rolling window, which may span terms and academic years.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import holidays
from dateutil.easter import easter
from django.db import connection

from .models import AcademicYear, NonSchoolDay, Pupil, School, Term


class Session(StrEnum):
    AM = "AM"
    PM = "PM"


ONE_DAY = dt.timedelta(days=1)


@lru_cache(maxsize=64)
def england_bank_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week `day` falls in."""
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class SchoolSession:
    date: dt.date
    session: Session

    def __str__(self) -> str:
        return f"{self.date:%a %d %b %Y} {self.session}"


WHY = {
    NonSchoolDay.Kind.INSET: "an INSET (staff training) day",
    NonSchoolDay.Kind.CLOSURE: "a planned school closure",
    NonSchoolDay.Kind.BANK_HOLIDAY: "an extra bank holiday",
}


def _long(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def _other(session: str) -> str:
    return "morning" if session == Session.PM else "afternoon"


# Half-terms (with an end) and non-school days (without), in one query: every
# register page and most others load a calendar.
CALENDAR_SQL = f"""
SELECT t.start_date, t.end_date, NULL, NULL, NULL
FROM {Term._meta.db_table} t
JOIN {AcademicYear._meta.db_table} y ON y.id = t.academic_year_id
WHERE y.school_id = %(school)s
UNION ALL
SELECT d.date, NULL, d.sessions, d.kind, d.description
FROM {NonSchoolDay._meta.db_table} d
WHERE d.school_id = %(school)s
ORDER BY 1
"""


class SchoolCalendar:
    """One school's calendar, loaded once (one query) and asked many times."""

    def __init__(self, school: School | None, _terms=None, _closed=None, _why=None):
        self.school = school
        if _terms is None:
            _terms, rows = [], []
            with connection.cursor() as cursor:
                cursor.execute(CALENDAR_SQL, {"school": school.pk if school else None})
                for first, last, sessions, kind, description in cursor.fetchall():
                    if last is not None:
                        _terms.append((first, last))
                    else:
                        rows.append((first, sessions, kind, description))
            _closed = self._closures((day, sessions) for day, sessions, _, _ in rows)
            _why = {
                day: WHY.get(kind, description or "a non-school day")
                for day, _, kind, description in rows
            }
        self._terms = _terms
        self._closed: dict[dt.date, set[Session]] = _closed or {}
        self._why: dict[dt.date, str] = _why or {}

    @staticmethod
    def _closures(rows) -> dict[dt.date, set[Session]]:
        closed: dict[dt.date, set[Session]] = {}
        for day, sessions in rows:
            closed[day] = (
                {Session.AM, Session.PM}
                if sessions == NonSchoolDay.Sessions.BOTH
                else {Session(sessions)}
            )
        return closed

    @classmethod
    def for_schools(cls, schools: list[School]) -> dict[int, SchoolCalendar]:
        """Every school's calendar in two queries (a trust's nightly jobs)."""
        terms: dict[int, list] = {s.id: [] for s in schools}
        for school_id, start, end in (
            Term.objects.filter(academic_year__school__in=schools)
            .order_by("start_date")
            .values_list("academic_year__school_id", "start_date", "end_date")
        ):
            terms[school_id].append((start, end))
        closed: dict[int, dict] = {s.id: {} for s in schools}
        for school_id, day, sessions in NonSchoolDay.objects.filter(school__in=schools).values_list(
            "school_id", "date", "sessions"
        ):
            closed[school_id][day] = (
                {Session.AM, Session.PM}
                if sessions == NonSchoolDay.Sessions.BOTH
                else {Session(sessions)}
            )
        return {s.id: cls(s, terms[s.id], closed[s.id]) for s in schools}

    @property
    def first_day(self) -> dt.date | None:
        return self._terms[0][0] if self._terms else None

    @property
    def last_day(self) -> dt.date | None:
        return self._terms[-1][1] if self._terms else None

    def in_term(self, day: dt.date) -> bool:
        return any(start <= day <= end for start, end in self._terms)

    def sessions_on(self, day: dt.date) -> list[Session]:
        """The sessions pupils are expected in school on `day` (maybe none)."""
        if day.weekday() >= 5 or not self.in_term(day):
            return []
        if day in england_bank_holidays(day.year):
            return []
        closed = self._closed.get(day, set())
        return [s for s in (Session.AM, Session.PM) if s not in closed]

    def is_school_day(self, day: dt.date) -> bool:
        return bool(self.sessions_on(day))

    def _days(self, start: dt.date, end: dt.date) -> Iterator[dt.date]:
        day = start
        while day <= end:
            yield day
            day += ONE_DAY

    def school_days(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """School days from `start` to `end`, both included."""
        return [d for d in self._days(start, end) if self.is_school_day(d)]

    def sessions(self, start: dt.date, end: dt.date) -> list[SchoolSession]:
        return [SchoolSession(d, s) for d in self._days(start, end) for s in self.sessions_on(d)]

    def possible_sessions(self, pupil: Pupil, start: dt.date, end: dt.date) -> list[SchoolSession]:
        """The sessions `pupil` could attend: school sessions while on roll."""
        start = max(start, pupil.admission_date)
        if pupil.leaving_date:
            end = min(end, pupil.leaving_date)
        return self.sessions(start, end) if start <= end else []

    def next_school_day(self, day: dt.date) -> dt.date | None:
        """The first school day strictly after `day`, if the calendar has one."""
        horizon = self.last_day
        while horizon and day < horizon:
            day += ONE_DAY
            if self.is_school_day(day):
                return day
        return None

    def holiday_name(self, day: dt.date) -> str | None:
        """What schools call the holiday `day` falls in, or None in term or past the calendar."""
        if self.in_term(day) or not self._terms:
            return None
        before = [end for _, end in self._terms if end < day]
        after = [start for start, _ in self._terms if start > day]
        if not before or not after:
            return None
        gap_start, gap_end = before[-1], after[0]
        within = lambda d: gap_start < d < gap_end  # noqa: E731
        if within(dt.date(gap_end.year, 8, 1)):
            return "summer holiday"
        if within(dt.date(gap_start.year, 12, 25)) or within(dt.date(gap_end.year, 1, 1)):
            return "Christmas holiday"
        if within(easter(gap_end.year)):
            return "Easter holiday"
        return "half-term holiday"

    def day_note(self, day: dt.date, *, today: bool = True) -> str | None:
        """Why there are no registers on `day`, in a sentence for staff (None on a school day)."""
        sessions = self.sessions_on(day)
        if len(sessions) == 2:
            return None
        none = "No registers today" if today else "No registers"
        name = _long(day) if today else f"{_long(day)} {day.year}"
        back = self.next_school_day(day)
        return_on = f" Pupils are back on {_long(back)}." if back else ""
        closed = self._closed.get(day, set())
        if sessions:  # one session closed
            when = "today" if today else f"on {name}"
            return f"Only the {sessions[0]} register {when}: the {_other(sessions[0])} is closed."
        to_add = "the admin adds it under Setup → New school year."
        if self.last_day and self.last_day < day and day.month in (7, 8):
            return (
                "School is closed for the summer holiday. Next year's calendar is not set up "
                f"yet: {to_add}"
            )
        if self.first_day is None or day > self.last_day or day < self.first_day:
            return f"There is no school calendar for {name} {day.year} yet: {to_add}"
        holiday = self.holiday_name(day)
        if holiday:
            if not today:
                return f"{none}: {name} is in the {holiday}."
            return f"School is closed for the {holiday}.{return_on}"
        if day.weekday() >= 5:
            return f"{none}: {name} is a weekend.{return_on if today else ''}"
        if day in england_bank_holidays(day.year):
            title = holidays.country_holidays("GB", subdiv="ENG", years=day.year).get(day)
            return f"{none}: {name} is a bank holiday ({title}).{return_on if today else ''}"
        if closed:
            why = self._why.get(day, "a non-school day")
            return f"{none}: {name} is {why}.{return_on if today else ''}"
        return f"{none}: {name} is not a school day.{return_on if today else ''}"

    def is_school_week(self, monday: dt.date) -> bool:
        return any(self.is_school_day(monday + dt.timedelta(days=i)) for i in range(5))

    def all_school_weeks(self, until: dt.date) -> list[dt.date]:
        """Every school week from the first term to `until`, memoised: the
        threshold job asks for the same list for every school of a trust."""
        closed = tuple(sorted((day, tuple(sorted(s))) for day, s in self._closed.items()))
        key = (tuple(self._terms), closed, until)
        return list(_weeks_memo(key, self))

    def school_weeks(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """Mondays of the school weeks that overlap `start`..`end`."""
        weeks = []
        monday = week_start(start)
        while monday <= end:
            if self.is_school_week(monday):
                weeks.append(monday)
            monday += dt.timedelta(weeks=1)
        return weeks

    def school_weeks_back(self, as_of: dt.date, count: int) -> list[dt.date]:
        """The last `count` school weeks up to and including the week of `as_of`.

        Oldest first. Holiday weeks are skipped, so the window reaches back
        across half-terms, Christmas and the summer into the previous
        academic year. Returns fewer weeks if the calendar runs out.
        """
        if count < 1:
            raise ValueError("count must be at least 1")
        weeks: list[dt.date] = []
        monday = week_start(as_of)
        earliest = week_start(self.first_day) if self.first_day else monday
        while len(weeks) < count and monday >= earliest:
            if self.is_school_week(monday):
                weeks.append(monday)
            monday -= dt.timedelta(weeks=1)
        return list(reversed(weeks))

    def rolling_window(self, as_of: dt.date, school_weeks: int) -> tuple[dt.date, dt.date]:
        """First and last date of the `school_weeks` school weeks ending with `as_of`."""
        weeks = self.school_weeks_back(as_of, school_weeks)
        if not weeks:
            return as_of, as_of
        return weeks[0], as_of

    def school_weeks_after(self, start: dt.date, count: int) -> dt.date:
        """The last school day of the `count`-th school week starting with `start`'s week.

        Used for improvement periods ("6 school weeks from the notice").
        """
        horizon = self.last_day or start
        # Count from the first school day on or after `start`: a notice given
        # on a Friday evening or a Saturday must not lose a week.
        while start <= horizon and not self.is_school_day(start):
            start += ONE_DAY
        monday = week_start(start)
        seen = 0
        while monday <= horizon:
            if self.is_school_week(monday):
                seen += 1
                if seen == count:
                    days = self.school_days(monday, monday + dt.timedelta(days=6))
                    return days[-1]
            monday += dt.timedelta(weeks=1)
        raise ValueError("The calendar does not reach that far: add the next academic year.")


_WEEKS_CACHE: dict = {}


def _weeks_memo(key, calendar: SchoolCalendar) -> list[dt.date]:
    if key not in _WEEKS_CACHE:
        if len(_WEEKS_CACHE) > 256:
            _WEEKS_CACHE.clear()
        first = calendar.first_day
        _WEEKS_CACHE[key] = calendar.school_weeks(first, key[-1]) if first else []
    return _WEEKS_CACHE[key]


def school_days(school: School, start: dt.date, end: dt.date) -> list[dt.date]:
    return SchoolCalendar(school).school_days(start, end)


def possible_sessions(pupil: Pupil, start: dt.date, end: dt.date) -> list[SchoolSession]:
    return SchoolCalendar(pupil.school).possible_sessions(pupil, start, end)


def school_weeks_back(school: School, as_of: dt.date, count: int) -> list[dt.date]:
    return SchoolCalendar(school).school_weeks_back(as_of, count)
