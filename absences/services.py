"""Absence reports, authorisation, leave requests, timetables and deletions."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Collection
from dataclasses import dataclass, field

from django.core import signing
from django.db import transaction

from attendance import codes
from attendance.models import Contact, Pupil, User
from attendance.school_calendar import SchoolCalendar
from registers.models import Mark
from registers.services import MarkError, change_mark, write_mark

from . import leave_days
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


def report_code(report: AbsenceReport) -> str:
    return report.decided_code or REPORT_CODES[report.reason]


def authorised_by_policy(report: AbsenceReport) -> bool:
    """Decided when it was logged, by the school's policy rather than by a person."""
    return (
        report.status == AbsenceReport.Status.AUTHORISED
        and report.decided_by_id is None
        and report.decided_at is not None
    )


def policy_reason(reason: str) -> str:
    label = AbsenceReport.Reason(reason).label.lower()
    return f"Authorised on report under the school's attendance policy ({label})"


def report_note(report: AbsenceReport) -> str:
    note = f"{report.get_reason_display()} reported by {report.reporter_name}"
    if report.status == AbsenceReport.Status.PENDING:
        note += " (pending authorisation)"
    elif authorised_by_policy(report):
        note += " (authorised under the school's attendance policy)"
    return note[:200]


class ReportError(MarkError):
    """A report the school cannot take as given; `field` is the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def school_days_away(calendar: SchoolCalendar, day: dt.date, count: int) -> dt.date:
    """The `count`-th school day after `day` (before it, when `count` is negative).

    Beyond the calendar the school has set up, every weekday counts, so a
    date in 2099 is still far away rather than never reached.
    """
    step = dt.timedelta(days=1 if count > 0 else -1)
    first, last = calendar.first_day, calendar.last_day
    seen = 0
    for _ in range(800):
        if seen == abs(count):
            break
        day += step
        outside = first is None or last is None or not first <= day <= last
        if calendar.is_school_day(day) or (outside and day.weekday() < 5):
            seen += 1
    return day


def _apply_report(report: AbsenceReport, by: User | None, now: dt.datetime) -> int:
    """Put the report's code on every session it covers up to now.

    A pupil marked present is left alone (they came in); an N becomes the
    reported code, as an amendment; future days are pre-filled each morning.
    Until the head decides, the code is pending and counts as N (see Mark);
    a reason the school authorises by policy is written as decided.
    """
    school = report.pupil.school
    today = now.astimezone(school.tz).date()
    end = min(report.last_day, today)
    calendar = SchoolCalendar(school)
    code = report_code(report)
    pending = report.status == AbsenceReport.Status.PENDING
    reason = report.decision_note if authorised_by_policy(report) else report_note(report)
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
            reason=reason,
            note=report_note(report),
            mark=mark,
            pending=pending,
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
    """Record a parent's report and pre-fill the register with its code.

    A report is bounded, because while it lasts the child is off first-day
    calling: it starts at most `report_earliest_school_days` school days back
    and `report_horizon_school_days` ahead, and expects the child back at
    most `report_return_school_days` school days after its first day; a
    longer absence is reported again (renewed) when it runs on. Reasons in
    the school's `authorised_on_report` are authorised by that policy; any
    other waits, pending, for the head.
    """
    _check_report_dates(pupil, first_day, expected_return, now)
    school = pupil.school
    code = REPORT_CODES[reason]
    by_policy = (
        reason in school.authorised_on_report
        and codes.get(code).category is codes.Category.AUTHORISED
    )
    report = AbsenceReport.objects.create(
        status=AbsenceReport.Status.AUTHORISED if by_policy else AbsenceReport.Status.PENDING,
        decided_code=code if by_policy else "",
        decided_at=now if by_policy else None,
        decision_note=policy_reason(reason) if by_policy else "",
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


def _check_report_dates(
    pupil: Pupil, first_day: dt.date, expected_return: dt.date | None, now: dt.datetime
) -> None:
    school = pupil.school
    today = now.astimezone(school.tz).date()
    calendar = SchoolCalendar(school)
    earliest = school_days_away(calendar, today, -school.report_earliest_school_days)
    if first_day < earliest:
        raise ReportError(
            f"A report can start at most {school.report_earliest_school_days} school days "
            f"back, on {earliest:%A %-d %B %Y} at the earliest: an older absence is "
            "corrected on the register by the school office.",
            field="first_day",
        )
    latest = school_days_away(calendar, today, school.report_horizon_school_days)
    if first_day > latest:
        raise ReportError(
            f"A report can start at most {school.report_horizon_school_days} school days "
            f"ahead, on {latest:%A %-d %B %Y} at the latest: report a later absence nearer "
            "the time, or ask for leave of absence.",
            field="first_day",
        )
    if expected_return is None:
        return
    if expected_return <= first_day:
        raise ReportError(
            "The expected return must be after the first day of absence.",
            field="expected_return",
        )
    back_by = school_days_away(calendar, first_day, school.report_return_school_days)
    if expected_return > back_by:
        raise ReportError(
            f"A report covers at most {school.report_return_school_days} school days: give "
            f"an expected return on or before {back_by:%A %-d %B %Y}. If the absence goes on "
            "longer, the school office renews the report then.",
            field="expected_return",
        )


def _may_authorise(user: User) -> None:
    if not user.has_perm("attendance.authorise_absence"):
        raise MarkError("Only the head or a delegated member of staff can authorise absence.")


def unauthorised_code(pupil: Pupil, first: dt.date, last: dt.date) -> str:
    """The code for an absence the head does not authorise: G when it falls in
    leave the parents asked for as a holiday (a holiday not granted), else O."""
    holiday = LeaveRequest.objects.filter(
        pupil=pupil,
        first_day__lte=last,
        last_day__gte=first,
        purpose=LeaveRequest.Purpose.HOLIDAY,
    ).exists()
    return leave_days.refused_code(
        LeaveRequest.Purpose.HOLIDAY if holiday else LeaveRequest.Purpose.OTHER
    )


def _check_decision_code(code: str, authorise: bool) -> None:
    if code not in DECISION_CODES:
        raise MarkError(f"{code} is not a code the head decides.")
    if authorise and codes.get(code).category is not codes.Category.AUTHORISED:
        raise MarkError(f"{code} is not an authorised absence code.")
    if not authorise and codes.get(code).category is not codes.Category.UNAUTHORISED:
        raise MarkError(f"{code} is not an unauthorised absence code.")


@transaction.atomic
def decide_report(
    report: AbsenceReport,
    *,
    authorise: bool,
    note: str,
    by: User,
    now: dt.datetime,
    code: str = "",
    seen_versions: dict[int, int] | None = None,
) -> AbsenceReport:
    """The head's decision on a report; the marks change as audited amendments.

    Without a code, authorising keeps the reported one and not authorising
    picks the unauthorised one (unauthorised_code), so the head never has to
    recode by hand. Each mark the report pre-filled is written, even with its
    code unchanged, so its pending flag clears with a history entry of its own.
    `seen_versions` (mark id to version) is what the head looked at: a mark
    changed since refuses the decision rather than be overwritten.
    """
    _may_authorise(by)
    report = AbsenceReport.objects.select_for_update().select_related("pupil").get(pk=report.pk)
    pupil = report.pupil
    if report.status != AbsenceReport.Status.PENDING:
        raise MarkError(f"{pupil.name}'s report has already been decided.")
    if not code and authorise:
        code = REPORT_CODES[report.reason]
        if code == codes.NO_REASON_YET:
            raise MarkError(
                f"Choose the code to authorise {pupil.name}'s absence as: "
                f"“{report.get_reason_display()}” is not a reason the register records."
            )
    elif not code:
        code = unauthorised_code(pupil, report.first_day, report.last_day)
    _check_decision_code(code, authorise)
    today = now.astimezone(pupil.school.tz).date()
    marks = list(
        Mark.objects.select_for_update()
        .filter(pupil=pupil, date__gte=report.first_day, date__lte=min(report.last_day, today))
        .order_by("date", "session")
    )
    for mark in marks:
        if seen_versions is not None and seen_versions.get(mark.id, mark.version) != mark.version:
            raise MarkError(
                f"{pupil.name}'s mark for {mark.date:%a %-d %b} {mark.session} changed while "
                "you were deciding: check it again."
            )
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
    for mark in marks:
        if mark.held_back or not (mark.pending or mark.code == codes.NO_REASON_YET):
            continue  # present, or decided elsewhere: this decision covers only this report
        change_mark(
            mark, code, by=by, now=now, source=Mark.Source.ABSENCE, reason=reason, note=reason[:200]
        )
    return report


@transaction.atomic
def decide_unexplained(
    mark: Mark, *, code: str, reason: str, by: User, now: dt.datetime, seen_version: int
) -> Mark:
    """Replace an N (or a pending reported code, which counts as N) with the
    definitive code the head decides."""
    _may_authorise(by)
    if code not in DECISION_CODES:
        raise MarkError(f"{code} is not a code the head decides.")
    if not reason.strip():
        raise MarkError("Give a reason for the decision.")
    mark = Mark.objects.select_for_update().select_related("pupil").get(pk=mark.pk)
    if mark.code != codes.NO_REASON_YET and not mark.pending:
        raise MarkError(
            f"{mark.pupil.name}'s mark is {mark.code}, not N: amend it from the attendance page."
        )
    if mark.version != seen_version:
        raise MarkError(
            f"{mark.pupil.name}'s mark changed while you were deciding: check it again."
        )
    return change_mark(mark, code, by=by, now=now, source=Mark.Source.OFFICE, reason=reason)


# The head's queue: what each row may be decided as. A row's own choice is
# CHASE, REFUSE or the authorised code to record.
AUTHORISE, REFUSE, CHASE = "authorise", "refuse", "chase"
AUTHORISED_DECISION_CODES = [
    c for c in DECISION_CODES if codes.get(c).category is codes.Category.AUTHORISED
]


@dataclass(frozen=True)
class QueueRow:
    """One row of the head's queue as the head saw it: a report or an unexplained mark."""

    report: AbsenceReport | None = None
    mark: Mark | None = None
    seen: dict[int, int] = field(default_factory=dict)  # mark id -> version shown
    choice: str = CHASE

    @property
    def pupil(self) -> Pupil:
        return self.report.pupil if self.report else self.mark.pupil


def default_choice(report: AbsenceReport | None) -> str:
    """What a row suggests before the head says otherwise: the reported reason,
    authorised, for a report that gives one; chase (leave it, follow it up)
    for an N nothing is known about, never O by default."""
    if report is not None and REPORT_CODES[report.reason] in AUTHORISED_DECISION_CODES:
        return REPORT_CODES[report.reason]
    return CHASE


def _row_decision(row: QueueRow, decision: str, code: str) -> tuple[str, str]:
    if not decision:
        if row.choice in (CHASE, REFUSE):
            return row.choice, ""
        return AUTHORISE, row.choice
    return decision, code


@transaction.atomic
def decide_queue(
    rows: list[QueueRow], *, decision: str, code: str, reason: str, by: User, now: dt.datetime
) -> tuple[list[QueueRow], list[QueueRow]]:
    """The head decides many rows of the queue at once, with one reason.

    `decision` is AUTHORISE, REFUSE or CHASE for every row, or "" for each
    row's own choice; with one decision for all, `code` overrides the
    reported (or, refusing, the automatic) code. All or nothing: a row that
    cannot be decided as asked (decided meanwhile, changed since the head saw
    it, a code that does not fit) refuses the whole batch, naming the pupil.
    Returns the rows decided and the rows left to chase.
    """
    _may_authorise(by)
    if not rows:
        raise MarkError("Tick the rows to decide.")
    if decision not in ("", AUTHORISE, REFUSE, CHASE):
        raise MarkError("Choose a decision.")
    decided: list[QueueRow] = []
    chased: list[QueueRow] = []
    # One order for every batch, so two heads deciding at once never deadlock.
    for row in sorted(rows, key=lambda r: (r.mark is not None, (r.report or r.mark).pk)):
        what, row_code = _row_decision(row, decision, code)
        if what == CHASE:
            chased.append(row)
            continue
        try:
            if row.report is not None:
                decide_report(
                    row.report,
                    authorise=what == AUTHORISE,
                    code=row_code,
                    note=reason.strip(),
                    by=by,
                    now=now,
                    seen_versions=row.seen,
                )
            else:
                mark = row.mark
                if not row_code and what == AUTHORISE:
                    raise MarkError("Choose the code to authorise an unexplained absence as.")
                row_code = row_code or unauthorised_code(mark.pupil, mark.date, mark.date)
                _check_decision_code(row_code, what == AUTHORISE)
                decide_unexplained(
                    mark,
                    code=row_code,
                    reason=reason,
                    by=by,
                    now=now,
                    seen_version=row.seen.get(mark.pk, 0),
                )
        except MarkError as exc:
            name = row.pupil.name
            message = str(exc)
            raise MarkError(message if name in message else f"{name}: {message}") from None
        decided.append(row)
    return decided, chased


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
        raise MarkError("Only the head can decide leave requests.")
    request = LeaveRequest.objects.select_for_update().get(pk=request.pk)
    if request.is_decided:
        raise MarkError("This request has already been decided.")
    if not reason.strip():
        raise MarkError("Give the reason for the decision: it goes in the letter to the parents.")
    if purpose is not None:
        if purpose not in LeaveRequest.Purpose.values:
            raise MarkError("Say what the leave is for.")
        request.purpose = purpose
    calendar = SchoolCalendar(request.pupil.school)
    granted = sorted(set(granted_dates))
    for day in granted:
        if why := leave_days.why_not_granted(request, day, calendar):
            raise MarkError(why)
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
