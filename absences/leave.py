"""Leave of absence: a parent's request and the head's decision on it.

Regulations 2024: leave only in exceptional circumstances, on an application
made in advance, for the school days the head decides. What each day is coded
lives in absences.leave_days; the decision letter in absences.letters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.db import transaction

from attendance import codes
from attendance.errors import RuleError
from attendance.models import Contact, Pupil, User
from attendance.school_calendar import SchoolCalendar
from registers.models import Mark
from registers.services import change_mark

from . import leave_days, letters
from .evidence import save_evidence
from .models import LeaveRequest


def school_days_between(pupil: Pupil, first: dt.date, last: dt.date) -> list[dt.date]:
    return SchoolCalendar(pupil.school).school_days(first, last)


@transaction.atomic
def submit_leave_request(
    pupil: Pupil,
    *,
    now: dt.datetime,
    via: str,
    by: User | None = None,
    contact: Contact | None = None,
    evidence=None,
    **fields,
) -> LeaveRequest:
    """Record a request; flag short notice and retrospective requests (policy).

    `evidence`, an upload checked by the form, is kept with the request, in
    the same transaction: a request refused is never left with a file.
    """
    first, last = fields["first_day"], fields["last_day"]
    if last < first:
        raise RuleError("The last day of absence is before the first.")
    if not fields.get("declaration"):
        raise RuleError("The parent must agree to the declaration.")
    days = school_days_between(pupil, first, last)
    if not days:
        raise RuleError("There are no school days between those dates.")
    today = now.astimezone(pupil.school.tz).date()
    request = LeaveRequest.objects.create(
        pupil=pupil,
        contact=contact,
        entered_by=by,
        submitted_via=via,
        submitted_at=now,
        total_days=len(days),
        retrospective=first <= today,
        short_notice=first > today
        and (first - today).days < pupil.school.leave_request_notice_days,
        **fields,
    )
    save_evidence(evidence, by=by, now=now, leave_request=request)
    return request


def leave_covers(request: LeaveRequest, day: dt.date) -> bool:
    return request.first_day <= day <= request.last_day


def may_decide_leave(user: User) -> bool:
    """The head decides leave; a decision authorises absence, so it needs both."""
    return user.has_perms(leave_days.DECIDE_PERMISSIONS)


@transaction.atomic
def decide_leave_request(
    request: LeaveRequest,
    *,
    granted_dates: Collection[dt.date],
    reason: str,
    by: User,
    now: dt.datetime,
    purpose: str | None = None,
) -> LeaveRequest:
    """The head grants the school days they choose of a request: all, some or none.

    Regulations 2024: leave only in exceptional circumstances, on an
    application made in advance, for the days the head decides. Granted days
    are coded C; the others, if the pupil is absent, G for a holiday and O
    otherwise (absences.leave_days). `purpose` is the head's view of what the
    leave is for, when it differs from the parents'.
    """
    if not may_decide_leave(by):
        raise RuleError("Only the head can decide leave requests.")
    request = LeaveRequest.objects.select_for_update().get(pk=request.pk)
    if request.is_decided:
        raise RuleError("This request has already been decided.")
    if not reason.strip():
        raise RuleError("Give the reason for the decision: it goes in the letter to the parents.")
    if purpose is not None:
        if purpose not in LeaveRequest.Purpose.values:
            raise RuleError("Say what the leave is for.")
        request.purpose = purpose
    calendar = SchoolCalendar(request.pupil.school)
    granted = sorted(set(granted_dates))
    for day in granted:
        if why := leave_days.why_not_granted(request, day, calendar):
            raise RuleError(why)
    requested = calendar.school_days(request.first_day, request.last_day)
    request.granted_dates = granted
    request.days_granted = len(granted)
    request.status = (
        LeaveRequest.Status.DECLINED
        if not granted
        else LeaveRequest.Status.GRANTED
        if len(granted) == len(requested)
        else LeaveRequest.Status.PART_GRANTED
    )
    request.decided_by = by
    request.decided_at = now
    request.decision_reason = reason.strip()
    request.save()
    # Days already past (a retrospective request): put the decision on the
    # register now, as amendments of the absent (N) sessions.
    today = now.astimezone(request.pupil.school.tz).date()
    for mark in Mark.objects.select_for_update().filter(
        pupil=request.pupil,
        date__gte=request.first_day,
        date__lte=min(request.last_day, today),
        code=codes.NO_REASON_YET,
    ):
        change_mark(
            mark,
            leave_days.code_for_day(request, mark.date),
            by=by,
            now=now,
            source=Mark.Source.LEAVE,
            reason=f"Leave request decided by {by.display_name()}: {request.get_status_display()}",
        )
    return request


@transaction.atomic
def decide_and_write_to_parents(
    request: LeaveRequest,
    *,
    granted_dates: Collection[dt.date],
    reason: str,
    by: User,
    now: dt.datetime,
    purpose: str | None = None,
) -> list[str]:
    """The head's decision (decide_leave_request) and its letter to the parents.

    The decision is recorded only with its letter: a letter that cannot be
    made undoes the decision. Returns the addresses the letter was emailed to.
    """
    decide_leave_request(
        request, granted_dates=granted_dates, reason=reason, by=by, now=now, purpose=purpose
    )
    request.refresh_from_db()
    return letters.send_leave_decision(request)


def record_holiday_taken_by(request: LeaveRequest, contact_ids: Collection[str]) -> None:
    """Which parents took the child out (s.576: whoever did may receive the
    penalty notice). Only the child's own contacts: another family's id is dropped."""
    request.holiday_taken_by.set(
        Contact.objects.filter(pk__in=contact_ids, pupil_links__pupil=request.pupil)
    )
