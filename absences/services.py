"""Absence reports, authorisation, leave requests, timetables and deletions."""

from __future__ import annotations

import datetime as dt
import secrets

from django.core import signing
from django.db import transaction

from attendance import codes
from attendance.models import Contact, Pupil, User
from attendance.school_calendar import SchoolCalendar
from registers.models import Mark
from registers.services import MarkError, change_mark, write_mark

from .models import (
    AbsenceReport,
    Deletion,
    FollowUpTask,
    LeaveRequest,
    ParentLink,
    PartTimeTimetable,
)

# The code a report pre-fills, pending the head's decision. "Other" stays N:
# a reason was given but only the head can say what it amounts to.
REPORT_CODES = {
    AbsenceReport.Reason.ILLNESS: "I",
    AbsenceReport.Reason.MEDICAL: "M",
    AbsenceReport.Reason.RELIGIOUS: "R",
    AbsenceReport.Reason.EXCEPTIONAL: "C",
    AbsenceReport.Reason.OTHER: codes.NO_REASON_YET,
}
PRESENT_CODES = codes.codes_in(codes.Category.PRESENT)
# What the head may decide an absence was (Regulations 2024 codes).
DECISION_CODES = ["I", "M", "R", "C", "C1", "J1", "S", "T", "E", "C2", "G", "O", "U"]
LEAVE_CODE = "C"
REFUSED_LEAVE_CODE = "G"


def report_code(report: AbsenceReport) -> str:
    return report.decided_code or REPORT_CODES[report.reason]


def report_note(report: AbsenceReport) -> str:
    note = f"{report.get_reason_display()} reported by {report.reporter_name}"
    if report.status == AbsenceReport.Status.PENDING:
        note += " (pending authorisation)"
    return note[:200]


def _apply_report(report: AbsenceReport, by: User | None, now: dt.datetime) -> int:
    """Put the report's code on every session it covers up to now.

    A pupil marked present is left alone (they came in); an N becomes the
    reported code, as an amendment; future days are pre-filled each morning.
    """
    school = report.pupil.school
    today = now.astimezone(school.tz).date()
    end = min(report.last_day, today)
    calendar = SchoolCalendar(school)
    code = report_code(report)
    marks = {
        (m.date, m.session): m
        for m in Mark.objects.select_for_update().filter(
            pupil=report.pupil, date__gte=report.first_day, date__lte=end
        )
    }
    written = 0
    for session in calendar.possible_sessions(report.pupil, report.first_day, end):
        mark = marks.get((session.date, session.session))
        if mark and mark.code != codes.NO_REASON_YET:
            # Present, or already decided (by the office, the head or an
            # earlier report): a new report never overrides it.
            continue
        write_mark(
            report.pupil,
            session.date,
            session.session,
            code,
            by=by,
            now=now,
            source=Mark.Source.ABSENCE,
            reason=report_note(report),
            note=report_note(report),
            mark=mark,
        )
        written += 1
    return written


@transaction.atomic
def log_absence_report(
    pupil: Pupil,
    *,
    reason: str,
    reporter_name: str,
    channel: str,
    first_day: dt.date,
    now: dt.datetime,
    by: User | None = None,
    contact: Contact | None = None,
    details: str = "",
    expected_return: dt.date | None = None,
) -> AbsenceReport:
    """Record a parent's report and pre-fill the register with its code."""
    if expected_return and expected_return <= first_day:
        raise MarkError("The expected return must be after the first day of absence.")
    today = now.astimezone(pupil.school.tz).date()
    if first_day < today - dt.timedelta(days=31):
        raise MarkError(
            "Reports more than a month old are amendments: use the pupil's attendance page."
        )
    report = AbsenceReport.objects.create(
        pupil=pupil,
        contact=contact,
        reporter_name=reporter_name,
        channel=channel,
        reason=reason,
        details=details,
        first_day=first_day,
        expected_return=expected_return,
        logged_by=by,
        logged_at=now,
    )
    _apply_report(report, by, now)
    return report


def _may_authorise(user: User) -> None:
    if not user.has_perm("attendance.authorise_absence"):
        raise MarkError("Only the head or a delegated member of staff can authorise absence.")


@transaction.atomic
def decide_report(
    report: AbsenceReport, *, authorise: bool, code: str, note: str, by: User, now: dt.datetime
) -> AbsenceReport:
    """The head's decision on a report; the marks change as audited amendments."""
    _may_authorise(by)
    if code not in DECISION_CODES:
        raise MarkError(f"{code} is not a code the head decides.")
    if authorise and codes.get(code).category is not codes.Category.AUTHORISED:
        raise MarkError(f"{code} is not an authorised absence code.")
    if not authorise and codes.get(code).category is not codes.Category.UNAUTHORISED:
        raise MarkError(f"{code} is not an unauthorised absence code.")
    report = AbsenceReport.objects.select_for_update().get(pk=report.pk)
    if report.status != AbsenceReport.Status.PENDING:
        raise MarkError("This report has already been decided.")
    report.status = (
        AbsenceReport.Status.AUTHORISED if authorise else AbsenceReport.Status.UNAUTHORISED
    )
    report.decided_code = code
    report.decided_by = by
    report.decided_at = now
    report.decision_note = note
    report.save()
    reason = f"{'Authorised' if authorise else 'Not authorised'} by {by.display_name()}"
    if note:
        reason += f": {note}"
    today = now.astimezone(report.pupil.school.tz).date()
    for mark in Mark.objects.select_for_update().filter(
        pupil=report.pupil, date__gte=report.first_day, date__lte=min(report.last_day, today)
    ):
        pending = mark.source == Mark.Source.ABSENCE and mark.code == REPORT_CODES[report.reason]
        if mark.code == code or not (mark.code == codes.NO_REASON_YET or pending):
            continue  # present, or decided elsewhere: this decision covers only this report
        change_mark(
            mark, code, by=by, now=now, source=Mark.Source.ABSENCE, reason=reason, note=reason[:200]
        )
    return report


@transaction.atomic
def decide_unexplained(
    mark: Mark, *, code: str, reason: str, by: User, now: dt.datetime, seen_version: int
) -> Mark:
    """Replace an N with the definitive code the head decides."""
    _may_authorise(by)
    if code not in DECISION_CODES:
        raise MarkError(f"{code} is not a code the head decides.")
    if not reason.strip():
        raise MarkError("Give a reason for the decision.")
    mark = Mark.objects.select_for_update().get(pk=mark.pk)
    if mark.code != codes.NO_REASON_YET:
        raise MarkError(
            f"{mark.pupil.name}'s mark is {mark.code}, not N: amend it from the attendance page."
        )
    if mark.version != seen_version:
        raise MarkError(
            f"{mark.pupil.name}'s mark changed while you were deciding: check it again."
        )
    return change_mark(mark, code, by=by, now=now, source=Mark.Source.OFFICE, reason=reason)


# Leave of absence ---------------------------------------------------------


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
    **fields,
) -> LeaveRequest:
    """Record a request; flag short notice and retrospective requests (policy)."""
    first, last = fields["first_day"], fields["last_day"]
    if last < first:
        raise MarkError("The last day of absence is before the first.")
    if not fields.get("declaration"):
        raise MarkError("The parent must agree to the declaration.")
    days = school_days_between(pupil, first, last)
    if not days:
        raise MarkError("There are no school days between those dates.")
    today = now.astimezone(pupil.school.tz).date()
    return LeaveRequest.objects.create(
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


def leave_covers(request: LeaveRequest, day: dt.date) -> bool:
    return request.first_day <= day <= request.last_day


@transaction.atomic
def decide_leave_request(
    request: LeaveRequest, *, days_granted: int, reason: str, by: User, now: dt.datetime
) -> LeaveRequest:
    """The head grants some, all or none of the requested school days.

    Granted days are coded C (leave, exceptional circumstances); requested
    days not granted are G if the pupil is absent (holiday not granted).
    """
    if not by.has_perm("attendance.decide_leave"):
        raise MarkError("Only the head can decide leave requests.")
    request = LeaveRequest.objects.select_for_update().get(pk=request.pk)
    if request.is_decided:
        raise MarkError("This request has already been decided.")
    if not reason.strip():
        raise MarkError("Give the reason for the decision: it goes in the letter to the parents.")
    if not 0 <= days_granted <= request.total_days:
        raise MarkError(f"Grant between 0 and {request.total_days} school days.")
    days = school_days_between(request.pupil, request.first_day, request.last_day)
    request.granted_dates = days[:days_granted]
    request.days_granted = days_granted
    request.status = (
        LeaveRequest.Status.DECLINED
        if days_granted == 0
        else LeaveRequest.Status.GRANTED
        if days_granted == request.total_days
        else LeaveRequest.Status.PART_GRANTED
    )
    request.decided_by = by
    request.decided_at = now
    request.decision_reason = reason.strip()
    request.save()
    # Days already past (a retrospective request): put the decision on the
    # register now, as amendments of the absent (N) sessions.
    today = now.astimezone(request.pupil.school.tz).date()
    granted = set(request.granted_dates)
    for mark in Mark.objects.select_for_update().filter(
        pupil=request.pupil,
        date__gte=request.first_day,
        date__lte=min(request.last_day, today),
        code=codes.NO_REASON_YET,
    ):
        code = LEAVE_CODE if mark.date in granted else REFUSED_LEAVE_CODE
        change_mark(
            mark,
            code,
            by=by,
            now=now,
            source=Mark.Source.LEAVE,
            reason=f"Leave request decided by {by.display_name()}: {request.get_status_display()}",
        )
    return request


# Parent links ---------------------------------------------------------------

LINK_SALT = "rollcall.parent-link"
LINK_DAYS = 90


def create_parent_link(
    contact: Contact, *, by: User | None, now: dt.datetime
) -> tuple[ParentLink, str]:
    """A new personal link for a contact; returns the link and its signed token."""
    link = ParentLink.objects.create(
        contact=contact,
        nonce=secrets.token_urlsafe(24),
        created_by=by,
        created_at=now,
        expires_at=now + dt.timedelta(days=LINK_DAYS),
    )
    return link, signing.dumps({"n": link.nonce}, salt=LINK_SALT, compress=True)


def resolve_parent_link(token: str, now: dt.datetime) -> ParentLink | None:
    """The live link a token names, or None (bad signature, expired or revoked)."""
    try:
        payload = signing.loads(token, salt=LINK_SALT, max_age=dt.timedelta(days=LINK_DAYS))
    except signing.BadSignature:
        return None
    link = (
        ParentLink.objects.select_related("contact__school")
        .filter(nonce=payload.get("n"), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if link:
        ParentLink.objects.filter(pk=link.pk).update(last_used_at=now)
    return link


def revoke_parent_links(contact: Contact, now: dt.datetime) -> int:
    return ParentLink.objects.filter(contact=contact, revoked_at__isnull=True).update(
        revoked_at=now
    )


# Part-time timetables and deletions ------------------------------------------


def school_days_after(pupil: Pupil, start: dt.date, count: int) -> dt.date:
    """The `count`-th school day after `start` (the LA's 5-school-day deadline)."""
    calendar = SchoolCalendar(pupil.school)
    day, seen = start, 0
    for _ in range(400):
        day += dt.timedelta(days=1)
        if calendar.is_school_day(day):
            seen += 1
            if seen == count:
                return day
    return start + dt.timedelta(days=count)


@transaction.atomic
def create_part_time_timetable(
    pupil: Pupil, *, by: User, now: dt.datetime, **fields
) -> PartTimeTimetable:
    """Record the written agreement and the LA notifications it needs."""
    if not fields.get("sessions_off"):
        raise MarkError("Choose the sessions the pupil will not attend.")
    if fields["planned_end"] < fields["start"]:
        raise MarkError("The planned end is before the start.")
    if fields["planned_end"] > fields["start"] + dt.timedelta(weeks=12):
        raise MarkError(
            "A part-time timetable is time-limited: plan at most 12 weeks, then review."
        )
    ptt = PartTimeTimetable.objects.create(pupil=pupil, created_by=by, created_at=now, **fields)
    for kind, day in (
        (FollowUpTask.Kind.PTT_START, ptt.start),
        (FollowUpTask.Kind.PTT_END, ptt.planned_end),
    ):
        FollowUpTask.objects.create(
            pupil=pupil,
            kind=kind,
            due=school_days_after(pupil, day, 5),
            key=f"ptt-{ptt.id}",
            created_at=now,
            details=(
                f"Part-time timetable agreed with {ptt.agreed_with} on {ptt.agreed_on:%d %B %Y}: "
                f"{', '.join(ptt.sessions_off)} off from {ptt.start:%d %B %Y} to "
                f"{ptt.planned_end:%d %B %Y}. Reason: {ptt.reason}"
            ),
        )
    return ptt


@transaction.atomic
def delete_from_register(pupil: Pupil, *, by: User, now: dt.datetime, **fields) -> Deletion:
    """Take a pupil off roll on a statutory ground and tell the LA by that date."""
    if fields["ground"] == Deletion.Ground.HOME_EDUCATION and not fields.get(
        "written_notice_received"
    ):
        raise MarkError(
            "A pupil is deleted for home education only on the parent's written notice."
        )
    if fields["date"] < pupil.admission_date:
        raise MarkError("The deletion date is before the pupil's admission.")
    deletion = Deletion.objects.create(pupil=pupil, recorded_by=by, recorded_at=now, **fields)
    pupil.leaving_date = deletion.date
    pupil.save(update_fields=["leaving_date"])
    destination = deletion.destination_school or deletion.destination_address or "not known"
    FollowUpTask.objects.create(
        pupil=pupil,
        kind=FollowUpTask.Kind.DELETION,
        due=deletion.date,
        key=f"deletion-{deletion.id}",
        created_at=now,
        details=(
            f"{pupil.legal_name} (UPN {pupil.upn}, born {pupil.date_of_birth:%d/%m/%Y}) "
            f"deleted from the admission register on {deletion.date:%d %B %Y}. Ground: "
            f"{deletion.get_ground_display()}. Destination: {destination}."
        ),
    )
    return deletion
