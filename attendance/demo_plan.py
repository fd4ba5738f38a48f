"""When things happen in the demo school, worked out from today's date.

The demo must work on every day of every year: a Saturday, Christmas Day,
1 August, 29 February. So nothing here is a fixed date or a fixed number of
days: the years come from the term-date rule (`term_dates`), and every
planned event is placed on school days found through `SchoolCalendar`.
`plan_demo` is pure (no database), so a test can plan every day of two
academic years; the seed then follows the plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .school_calendar import SchoolCalendar, Session, week_start
from .term_dates import YearDates, academic_year_starting, english_term_dates

# Register times of the demo school (the model's defaults, as both seed policies).
AM_OPENS = dt.time(9, 0)
PM_OPENS = dt.time(13, 15)
# Next year's dates are entered once the LA has published them: from May.
NEXT_YEAR_FROM_MONTH = 5


@dataclass(frozen=True)
class LeavePlan:
    first: dt.date
    last: dt.date
    expected_return: dt.date
    submitted: dt.datetime


@dataclass(frozen=True)
class DemoPlan:
    now: dt.datetime
    today: dt.date
    previous: YearDates
    current: YearDates
    next: YearDates | None
    # Marks are seeded for these spans (both ends school days), oldest first.
    # The last term of the previous year is included until the spring term,
    # so the demo always has a finished term and the 10-in-10 window can
    # reach back across the summer.
    previous_history: tuple[dt.date, dt.date] | None
    history: tuple[dt.date, dt.date] | None
    history_end: dt.date  # the last school day before today
    today_sessions: tuple[Session, ...]  # today's registers already open
    # Events in the history.
    holiday_week: tuple[dt.date, ...]  # an unauthorised holiday: 5 school days
    holiday_request: tuple[dt.datetime, dt.datetime]  # the refused request: asked, decided
    illness_week: tuple[dt.date, ...]  # an illness going round the infants
    visit_day: dt.date | None  # Cedar's educational visit
    # Events still to come.
    wedding_leave: LeavePlan  # asked well in advance
    short_notice_leave: LeavePlan  # a family emergency, short notice
    part_time: tuple[dt.date, dt.date, dt.date, dt.date]  # agreed, start, planned end, review
    notice_to_improve: tuple[dt.date, dt.date]  # issued, improvement period ends
    meeting_on: dt.date
    reviews: tuple[dt.date, ...]  # follow-up dates for the meetings

    @property
    def years(self) -> list[YearDates]:
        return [y for y in (self.previous, self.current, self.next) if y]


def calendar_for(years: list[YearDates]) -> SchoolCalendar:
    """A calendar of the rule's dates, without a school in the database."""
    terms = sorted((h.start, h.end) for y in years for h in y.half_terms)
    closed = {day: {Session.AM, Session.PM} for y in years for day in y.inset_days}
    return SchoolCalendar(None, terms, closed)


def _next_school_day(calendar: SchoolCalendar, day: dt.date) -> dt.date:
    """The first school day strictly after `day`."""
    day += dt.timedelta(days=1)
    for _ in range(400):
        if calendar.is_school_day(day):
            return day
        day += dt.timedelta(days=1)
    raise ValueError(f"No school day within a year after {day}")


def _school_day_on_or_after(calendar: SchoolCalendar, day: dt.date) -> dt.date:
    return day if calendar.is_school_day(day) else _next_school_day(calendar, day)


def _last_school_day_before(calendar: SchoolCalendar, day: dt.date) -> dt.date:
    for _ in range(400):
        day -= dt.timedelta(days=1)
        if calendar.is_school_day(day):
            return day
    raise ValueError(f"No school day within a year before {day}")


def _school_days_from(calendar: SchoolCalendar, first: dt.date, count: int) -> list[dt.date]:
    days = [_school_day_on_or_after(calendar, first)]
    while len(days) < count:
        days.append(_next_school_day(calendar, days[-1]))
    return days


def _full_weeks(calendar: SchoolCalendar, start: dt.date, end: dt.date) -> list[list[dt.date]]:
    """School weeks inside start..end with five school days, oldest first."""
    weeks = []
    for monday in calendar.school_weeks(start, end):
        days = calendar.school_days(max(monday, start), min(monday + dt.timedelta(days=4), end))
        if len(days) == 5:
            weeks.append(days)
    return weeks


def plan_demo(now: dt.datetime, tz) -> DemoPlan:
    """The demo school's dates for the moment `now` (aware), on the school clock `tz`."""
    local = now.astimezone(tz)
    today = local.date()
    start_year = academic_year_starting(today)
    previous = english_term_dates(start_year - 1)
    current = english_term_dates(start_year)
    following = english_term_dates(start_year + 1)
    next_year = following if NEXT_YEAR_FROM_MONTH <= today.month <= 8 else None
    years = [y for y in (previous, current, next_year) if y]
    # Only the years the demo stores: an event that does not fit them fails
    # here, where the planning test sees it, rather than in a seed.
    calendar = calendar_for(years)

    history_end = _last_school_day_before(calendar, today)
    previous_history = None
    spring = current.half_terms[2].start
    if today < spring:
        summer = previous.half_terms[4].start
        previous_history = (
            _school_day_on_or_after(calendar, summer),
            _last_school_day_before(calendar, previous.last_day + dt.timedelta(days=1)),
        )
    history = None
    if history_end >= current.start:
        history = (_school_day_on_or_after(calendar, current.start), history_end)
    span_start = (previous_history or history)[0]

    today_sessions: tuple[Session, ...] = ()
    if calendar.is_school_day(today):
        opens = {Session.AM: AM_OPENS, Session.PM: PM_OPENS}
        today_sessions = tuple(s for s in calendar.sessions_on(today) if local.time() >= opens[s])

    # The unauthorised holiday: the last full week before the most recent
    # break, as families do to catch cheaper flights.
    weeks = _full_weeks(calendar, span_start, history_end)
    before_break = [
        w for w in weeks if not calendar.is_school_week(week_start(w[0]) + dt.timedelta(weeks=1))
    ]
    holiday_week = tuple((before_break or weeks)[-1])
    asked = dt.datetime.combine(holiday_week[0] - dt.timedelta(days=28), dt.time(15, 30), tz)
    decided = dt.datetime.combine(holiday_week[0] - dt.timedelta(days=25), dt.time(16, 0), tz)
    earlier = [w for w in weeks if w[0] < holiday_week[0] - dt.timedelta(days=7)]
    illness_week = tuple(earlier[-2] if len(earlier) > 1 else earlier[-1]) if earlier else ()
    visit_day = earlier[-1][2] if earlier else None

    # A wedding abroad: the first full week of the first half-term starting
    # at least three weeks ahead, asked for six days ago.
    halves = sorted((h for y in years for h in y.half_terms), key=lambda h: h.start)
    later = next(h for h in halves if h.start >= today + dt.timedelta(days=21))
    wedding = _full_weeks(calendar, later.start, later.end)[0]
    wedding_leave = LeavePlan(
        wedding[0], wedding[-1], _next_school_day(calendar, wedding[-1]), now - dt.timedelta(days=6)
    )
    # A grandparent seriously ill abroad: three school days from a fortnight on.
    urgent = _school_days_from(calendar, today + dt.timedelta(days=14), 3)
    short_notice_leave = LeavePlan(
        urgent[0], urgent[-1], _next_school_day(calendar, urgent[-1]), now
    )
    # A phased return on a part-time timetable, agreed last school day.
    ptt_start = _next_school_day(calendar, today)
    part_time = (
        history_end,
        ptt_start,
        calendar.school_weeks_after(ptt_start, 4),
        _school_days_from(calendar, ptt_start, 10)[-1],
    )
    notice_to_improve = (history_end, calendar.school_weeks_after(history_end, 6))
    reviews = (
        _school_days_from(calendar, ptt_start, 5)[-1],
        _school_days_from(calendar, ptt_start, 12)[-1],
    )
    return DemoPlan(
        now=now,
        today=today,
        previous=previous,
        current=current,
        next=next_year,
        previous_history=previous_history,
        history=history,
        history_end=history_end,
        today_sessions=today_sessions,
        holiday_week=holiday_week,
        holiday_request=(asked, decided),
        illness_week=illness_week,
        visit_day=visit_day,
        wedding_leave=wedding_leave,
        short_notice_leave=short_notice_leave,
        part_time=part_time,
        notice_to_improve=notice_to_improve,
        meeting_on=history_end,
        reviews=reviews,
    )
