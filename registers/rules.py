"""When a session's register opens and closes, and what a late arrival is coded.

The school sets its register times (default AM 09:00-09:20). Arriving after
the register opens and before it closes is L (late, present); arriving at or
after the close is U (late after the register closed: an unauthorised absence
for the session). Times are the school's clock, BST or GMT.
"""

from __future__ import annotations

import datetime as dt

from attendance import codes
from attendance.models import School

from .models import Session


def register_times(school: School, session: str) -> tuple[dt.time, dt.time]:
    if session == Session.AM:
        return school.am_register_opens, school.am_register_closes
    return school.pm_register_opens, school.pm_register_closes


def present_code(session: str) -> str:
    return codes.PRESENT_AM if session == Session.AM else codes.PRESENT_PM


def at(school: School, day: dt.date, time: dt.time) -> dt.datetime:
    """An aware datetime for a time on the school's clock."""
    return dt.datetime.combine(day, time, tzinfo=school.tz)


def closes_at(school: School, day: dt.date, session: str) -> dt.datetime:
    return at(school, day, register_times(school, session)[1])


def session_of_arrival(school: School, arrived_at: dt.datetime) -> str:
    """The session a pupil arriving at `arrived_at` is signed in for."""
    local = arrived_at.astimezone(school.tz)
    return Session.AM if local.time() < school.pm_register_opens else Session.PM


def minutes_after(opened: dt.datetime, moment: dt.datetime) -> int:
    """Whole minutes late, as a clock shows them (09:19:40 is 19), but at least
    one: a pupil 20 seconds after the register time is late, never "0 minutes"."""
    return max(1, int((moment - opened).total_seconds() // 60))


def arrival_code(school: School, session: str, arrived_at: dt.datetime) -> tuple[str, int | None]:
    """The code and minutes late for a pupil arriving at `arrived_at`.

    On time at or before the register time (seed policies: late "if they do
    not arrive at their classroom door by 9am"); L strictly after it and
    before the close; U at or after the close (Heartwood: "arriving on or
    after this time").
    """
    local = arrived_at.astimezone(school.tz)
    opens, closes = register_times(school, session)
    opened = at(school, local.date(), opens)
    if local <= opened:
        return present_code(session), None
    minutes = minutes_after(opened, local)
    if local < at(school, local.date(), closes):
        return codes.LATE, minutes
    return codes.LATE_AFTER_CLOSE, minutes


def is_closed_for_teachers(school: School, day: dt.date, session: str, now: dt.datetime) -> bool:
    """Teachers may take or correct a register only until it closes."""
    return now >= closes_at(school, day, session)


def minutes_late_at(school: School, day: dt.date, session: str, now: dt.datetime) -> int | None:
    """Minutes late of a pupil the teacher marks L at `now`, or None at or
    before the register time: a pupil in class by then is on time, not late."""
    opened = at(school, day, register_times(school, session)[0])
    if now <= opened:
        return None
    return minutes_after(opened, now)
