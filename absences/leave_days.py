"""Leave of absence: which requested days the head may grant, and each day's code.

The School Attendance (Pupil Registration) (England) Regulations 2024 let the
head grant leave only in exceptional circumstances and only on an
application made in advance by a parent the pupil normally lives with; the
head decides which days and how many. So the decision is the set of school
days granted; and a request recorded once the absence has begun (flagged
retrospective) is not an application in advance for any of its days, so it
can be recorded and declined, never granted.

A granted day is C (leave of absence, exceptional circumstances). A refused
day is coded only if the pupil turns out absent: G ("holiday not granted by
the school") when the leave asked for was a holiday, O ("absent in other or
unknown circumstances") for anything else, so a refused funeral is not
recorded, or counted in a penalty case, as a holiday. The decision letter
and the register both ask this module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from attendance import codes
from attendance.school_calendar import SchoolCalendar

from .models import LeaveRequest

GRANTED_CODE = codes.LEAVE_GRANTED
DECIDE_PERMISSIONS = ("attendance.decide_leave", "attendance.authorise_absence")


def refused_code(purpose: str) -> str:
    """The code for a requested day that was not granted, if the pupil is absent."""
    if purpose == LeaveRequest.Purpose.HOLIDAY:
        return codes.HOLIDAY_NOT_GRANTED
    return codes.OTHER_UNAUTHORISED


def code_for_day(request: LeaveRequest, day: dt.date) -> str:
    """What a decided request puts on the register on `day` (if absent, when refused)."""
    return GRANTED_CODE if day in request.granted_dates else refused_code(request.purpose)


def code_meaning(code: str) -> str:
    return codes.get(code).meaning


def applied_on(request: LeaveRequest) -> dt.date:
    return request.submitted_at.astimezone(request.pupil.school.tz).date()


@dataclass(frozen=True)
class RequestedDay:
    date: dt.date
    # Why the head cannot grant it, or "" when they can.
    not_grantable: str = ""


def requested_days(
    request: LeaveRequest, calendar: SchoolCalendar | None = None
) -> list[RequestedDay]:
    """The school days of the request (no weekends, holidays or INSET days)."""
    calendar = calendar or SchoolCalendar(request.pupil.school)
    return [
        RequestedDay(day, why_not_granted(request, day, calendar))
        for day in calendar.school_days(request.first_day, request.last_day)
    ]


def why_not_granted(request: LeaveRequest, day: dt.date, calendar: SchoolCalendar) -> str:
    """Why `day` cannot be granted on this request, or "" when it can."""
    long = f"{day:%A %-d %B %Y}"
    if not request.first_day <= day <= request.last_day:
        return (
            f"{long} is not one of the days asked for "
            f"({request.first_day:%-d %B} to {request.last_day:%-d %B %Y})."
        )
    if not calendar.is_school_day(day):
        return f"{long} is not a school day."
    if request.retrospective:
        # The whole request, not only its past days: an application made once
        # the absence has begun is not one "made in advance".
        return (
            f"{long} cannot be granted: the request was recorded on "
            f"{applied_on(request):%-d %B %Y}, after the absence began on "
            f"{request.first_day:%-d %B %Y}, and leave is granted only on an application "
            "made in advance. Record the decision as not granted."
        )
    return ""
