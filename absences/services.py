"""Absence reports, part-time timetables and deletions from the register.

The head's decisions are absences.authorisation, leave of absence
absences.leave and parent links absences.parent_links; their services are
named here too for the callers that import them from here.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from attendance import codes
from attendance.errors import RuleError
from attendance.models import Contact, Pupil, User
from attendance.school_calendar import SchoolCalendar
from registers.models import Mark
from registers.services import write_mark

from .authorisation import (  # noqa: F401  (named here for callers of absences.services)
    AUTHORISE,
    AUTHORISED_DECISION_CODES,
    CHASE,
    DECISION_CODES,
    REFUSE,
    REPORT_CODES,
    QueueRow,
    decide_queue,
    decide_report,
    decide_unexplained,
    default_choice,
    unauthorised_code,
)
from .evidence import save_evidence
from .leave import (  # noqa: F401  (named here for callers of absences.services)
    decide_leave_request,
    leave_covers,
    may_decide_leave,
    school_days_between,
    submit_leave_request,
)
from .models import (
    AbsenceReport,
    Deletion,
    FollowUpTask,
    PartTimeTimetable,
)
from .parent_links import (  # noqa: F401  (named here for callers of absences.services)
    LINK_DAYS,
    LINK_SALT,
    create_parent_link,
    resolve_parent_link,
    revoke_parent_links,
)

PRESENT_CODES = codes.codes_in(codes.Category.PRESENT)


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


class ReportError(RuleError):
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
    evidence=None,
) -> AbsenceReport:
    """Record a parent's report and pre-fill the register with its code.

    A report is bounded, because while it lasts the child is off first-day
    calling: it starts at most `report_earliest_school_days` school days back
    and `report_horizon_school_days` ahead, and expects the child back at
    most `report_return_school_days` school days after its first day; a
    longer absence is reported again (renewed) when it runs on. Reasons in
    the school's `authorised_on_report` are authorised by that policy; any
    other waits, pending, for the head. `evidence`, an upload checked by its
    form, is kept with the report in the same transaction.
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
    save_evidence(evidence, by=by, now=now, report=report)
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
        raise RuleError("Choose the sessions the pupil will not attend.")
    if fields["planned_end"] < fields["start"]:
        raise RuleError("The planned end is before the start.")
    if fields["planned_end"] > fields["start"] + dt.timedelta(weeks=12):
        raise RuleError(
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
        raise RuleError(
            "A pupil is deleted for home education only on the parent's written notice."
        )
    if fields["date"] < pupil.admission_date:
        raise RuleError("The deletion date is before the pupil's admission.")
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
