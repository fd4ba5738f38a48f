"""The head's decisions on absence: a report, an unexplained N, or many rows of the queue.

Regulations 2024: only the head (or staff the head delegates to, holding
attendance.authorise_absence) decides whether an absence is authorised; a
report pre-fills its code, pending that decision (REPORT_CODES).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from attendance import codes
from attendance.errors import RuleError
from attendance.models import Pupil, User
from registers.models import Mark
from registers.services import MarkError, change_mark

from . import leave_days
from .models import AbsenceReport, LeaveRequest

# The code a report pre-fills, pending the head's decision. "Other" stays N:
# a reason was given but only the head can say what it amounts to.
REPORT_CODES: dict[str, str] = {
    AbsenceReport.Reason.ILLNESS: "I",
    AbsenceReport.Reason.MEDICAL: "M",
    AbsenceReport.Reason.RELIGIOUS: "R",
    AbsenceReport.Reason.EXCEPTIONAL: "C",
    AbsenceReport.Reason.OTHER: codes.NO_REASON_YET,
}
# What the head may decide an absence was (Regulations 2024 codes).
DECISION_CODES = codes.decision_codes()


def _may_authorise(user: User) -> None:
    if not user.has_perm("attendance.authorise_absence"):
        raise RuleError("Only the head or a delegated member of staff can authorise absence.")


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
        raise RuleError(f"{code} is not a code the head decides.")
    if authorise and codes.get(code).category is not codes.Category.AUTHORISED:
        raise RuleError(f"{code} is not an authorised absence code.")
    if not authorise and codes.get(code).category is not codes.Category.UNAUTHORISED:
        raise RuleError(f"{code} is not an unauthorised absence code.")


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
        raise RuleError(f"{pupil.name}'s report has already been decided.")
    if not code and authorise:
        code = REPORT_CODES[report.reason]
        if code == codes.NO_REASON_YET:
            raise RuleError(
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
        raise RuleError(f"{code} is not a code the head decides.")
    if not reason.strip():
        raise RuleError("Give a reason for the decision.")
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
AUTHORISED_DECISION_CODES = codes.decision_codes(codes.Category.AUTHORISED)


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
        raise RuleError("Tick the rows to decide.")
    if decision not in ("", AUTHORISE, REFUSE, CHASE):
        raise RuleError("Choose a decision.")
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
                    raise RuleError("Choose the code to authorise an unexplained absence as.")
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
        except RuleError as exc:
            name = row.pupil.name
            message = str(exc)
            # The same kind of error (a mark's, or a decision's), named for its pupil.
            raise type(exc)(message if name in message else f"{name}: {message}") from None
        decided.append(row)
    return decided, chased
