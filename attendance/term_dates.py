"""Term dates for an English school year, made by rule.

Local authorities publish their own dates; these follow the pattern most of
them share, so the demo school, the new-year page's first draft and tests get
realistic dates for any year without a table that runs out:

- the academic year runs from 1 September to 31 August;
- the autumn term starts on the first weekday of September, its first two
  days INSET, so pupils arrive in the first week;
- October half-term is the week of the last Monday in October;
- the autumn term ends on the Friday before Christmas week; the spring term
  starts two weeks after that Monday (the Tuesday when it is a bank holiday);
- February half-term is the week whose Monday falls on 12-18 February;
- the Easter holiday is the fortnight around Easter: Holy Week and Easter week;
- May half-term is the week of the spring bank holiday (last Monday in May);
- the summer term ends on the last weekday on or before 21 July (the third week);
- five INSET days: the first two of the year, and the first day of the second
  autumn half-term, the spring term and its second half.

England's bank holidays are not listed: the calendar takes them from `holidays`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.easter import easter

ONE_DAY = dt.timedelta(days=1)
ONE_WEEK = dt.timedelta(weeks=1)


@dataclass(frozen=True)
class HalfTerm:
    season: str  # autumn, spring, summer
    half: int  # 1 or 2
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class YearDates:
    name: str  # e.g. 2026/27
    start: dt.date  # 1 September
    end: dt.date  # 31 August
    half_terms: tuple[HalfTerm, ...]
    inset_days: tuple[dt.date, ...]

    @property
    def first_day(self) -> dt.date:
        return self.half_terms[0].start

    @property
    def last_day(self) -> dt.date:
        return self.half_terms[-1].end


def academic_year_name(start_year: int) -> str:
    return f"{start_year}/{str(start_year + 1)[-2:]}"


def academic_year_starting(day: dt.date) -> int:
    """The calendar year in which the academic year containing `day` began."""
    return day.year if day.month >= 9 else day.year - 1


def _weekday_on_or_after(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += ONE_DAY
    return day


def _weekday_on_or_before(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= ONE_DAY
    return day


def _monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _last_monday(year: int, month: int) -> dt.date:
    day = dt.date(year + (month == 12), month % 12 + 1, 1) - ONE_DAY
    return day - dt.timedelta(days=day.weekday())


def english_term_dates(start_year: int) -> YearDates:
    """The rule's dates for the academic year starting in September `start_year`."""
    from .school_calendar import england_bank_holidays

    y, n = start_year, start_year + 1
    autumn_start = _weekday_on_or_after(dt.date(y, 9, 1))
    october = _last_monday(y, 10)
    christmas_week = _monday_of(dt.date(y, 12, 25))
    spring_start = christmas_week + 2 * ONE_WEEK
    if spring_start in england_bank_holidays(n):
        spring_start += ONE_DAY
    february = next(dt.date(n, 2, d) for d in range(12, 19) if dt.date(n, 2, d).weekday() == 0)
    holy_monday = easter(n) - dt.timedelta(days=6)
    may = _last_monday(n, 5)
    summer_end = _weekday_on_or_before(dt.date(n, 7, 21))
    halves = (
        HalfTerm("autumn", 1, autumn_start, october - dt.timedelta(days=3)),
        HalfTerm("autumn", 2, october + ONE_WEEK, christmas_week - dt.timedelta(days=3)),
        HalfTerm("spring", 1, spring_start, february - dt.timedelta(days=3)),
        HalfTerm("spring", 2, february + ONE_WEEK, holy_monday - dt.timedelta(days=3)),
        HalfTerm("summer", 1, holy_monday + 2 * ONE_WEEK, may - dt.timedelta(days=3)),
        HalfTerm("summer", 2, may + ONE_WEEK, summer_end),
    )
    second_day = _weekday_on_or_after(autumn_start + ONE_DAY)
    insets = (autumn_start, second_day, halves[1].start, halves[2].start, halves[3].start)
    return YearDates(
        name=academic_year_name(y),
        start=dt.date(y, 9, 1),
        end=dt.date(n, 8, 31),
        half_terms=halves,
        inset_days=insets,
    )
