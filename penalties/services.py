"""Escalation: the threshold job and the case workflow the attendance officer drives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pghistory
from django.db import connection, transaction
from django.db.models import Count, Q

from attendance.errors import RuleError
from attendance.models import Contact, School, User
from attendance.school_calendar import SchoolCalendar
from registers.models import MarkChange

from . import framework, selectors, thresholds
from .models import Case, Intervention, NoticeToImprove, PenaltyNotice

# Any fixed number: two runs of the job never overlap.
THRESHOLD_LOCK = 10_10_2024


@dataclass
class ThresholdRun:
    opened: list[Case] = field(default_factory=list)
    voided: Sequence[Case] = field(default_factory=list)
    approaching: dict[int, int] = field(default_factory=dict)


def _withdrawn_outcome(still: int) -> str:
    return f"Breach withdrawn: marks amended ({still} threshold sessions remain)"


def _void_amended_cases(schools: list[School], today: dt.date) -> Sequence[Case]:
    """A case still at "threshold met" whose marks were amended below the
    threshold (say U corrected to I) no longer stands. Further on, something
    has gone to the parents or the LA: each step re-checks the threshold
    (`require_threshold_still_met`) and the officer withdraws the case."""
    stale = list(
        Case.objects.filter(school__in=schools, stage=Case.Stage.THRESHOLD_MET)
        .annotate(
            still=Count("sessions", filter=Q(sessions__mark__code__in=framework.threshold_codes()))
        )
        .filter(still__lt=framework.threshold_sessions())
    )
    for case in stale:
        case.stage, case.void, case.closed_on = Case.Stage.CLOSED, True, today
        case.outcome = _withdrawn_outcome(case.still)
    Case.objects.bulk_update(stale, ["stage", "void", "closed_on", "outcome"])
    return stale


def _opened_case(breach: thresholds.Breach, as_of: dt.date, opened: thresholds.Opened) -> Case:
    """The case as thresholds.open_cases wrote it, without reading it back.
    A field this does not know (one added to Case) is a KeyError here, so
    the statement that writes cases cannot silently miss it."""
    fields = {
        "id": opened.case_id,
        "pupil_id": breach.pupil_id,
        "school_id": breach.school_id,
        "opened_on": as_of,
        "breach_date": opened.breach_date,
        "window_start": breach.window_start,
        "window_end": breach.window_end,
        "sessions_counted": opened.sessions,
        "holiday": opened.holiday,
        "stage": Case.Stage.THRESHOLD_MET,
        "support_notes": "",
        "outcome": "",
        "closed_on": None,
        "void": False,
        "la_told_on": None,
    }
    names = [f.attname for f in Case._meta.concrete_fields]
    return Case.from_db(connection.alias, names, [fields[name] for name in names])


@transaction.atomic
def check_thresholds_for(schools: list[School], as_of: dt.date) -> ThresholdRun:
    """Open a case for every new breach up to `as_of` in `schools` (a trust); idempotent.

    Rerunning finds nothing new (a pupil with an open case is skipped, and a
    closed case's sessions are never counted again); a breach whose marks were
    amended away is voided. Runs of the job are serialised by an advisory lock.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [THRESHOLD_LOCK])
        # The statements' estimated costs at trust scale pass jit_above_cost,
        # but compiling them took longer (60 ms each) than running them.
        cursor.execute("SET LOCAL jit = off")
    run = ThresholdRun(voided=_void_amended_cases(schools, as_of))
    weeks = thresholds.weeks_by_school(schools, as_of)
    cases = thresholds.cases([school.id for school in schools])
    # Which pupils have weeks of their own (marks from a previous school) is
    # the dearest thing to find: once, for the breaches and the early support.
    own = thresholds.pupil_weeks_across_schools(weeks, as_of, open_case=cases[0])
    breaches = thresholds.find_breaches(schools, as_of, weeks, own, cases)
    if breaches:
        # Each case's history event names the job, as a request's names its
        # user; without a context pghistory's trigger raises and catches an
        # error for every case (about 0.2 ms a case, a fifth of a trust's
        # first run).
        with pghistory.context(job="check_thresholds", as_of=as_of.isoformat()):
            opened = thresholds.open_cases(breaches, as_of, Case.Stage.THRESHOLD_MET)
        run.opened = [_opened_case(b, as_of, opened[b.pupil_id]) for b in breaches]
    run.approaching = thresholds.sessions_in_current_window(schools, as_of, weeks, own)[1]
    return run


def check_thresholds(school: School, as_of: dt.date) -> ThresholdRun:
    return check_thresholds_for([school], as_of)


# The workflow -----------------------------------------------------------------


def _require_open(case: Case) -> None:
    if not case.is_open:
        raise RuleError("This case is closed.")


def was_referred(case: Case) -> bool:
    """Whether the case went to the LA (for a penalty notice or legal action)."""
    return case.interventions.filter(
        kind=Intervention.Kind.REFERRAL, summary__in=Intervention.CASE_REFERRALS
    ).exists()


def describe_amendment(change: MarkChange, tz) -> str:
    mark = change.mark
    who = change.changed_by_name + (
        f" ({change.changed_by_position})" if change.changed_by_position else ""
    )
    return (
        f"{mark.date:%a %-d %b %Y} {mark.session} {change.old_code}→{change.new_code} by {who} "
        f"on {change.changed_at.astimezone(tz):%-d %b %Y %H:%M}: “{change.reason}”"
    )


class ThresholdNoLongerMet(RuleError):
    """Marks amended since the case opened have taken it below the threshold."""


def require_threshold_still_met(case: Case, step: str) -> None:
    """Before each step (a Notice to Improve, the LA referral, each penalty
    notice) the threshold must still be met on the marks as they stand (DfE
    national framework: amendments, a hospital letter turning U into I, can
    take a case below it). Refused naming the amendments that did it."""
    still, needed = selectors.offence_sessions(case), framework.threshold_sessions()
    if still >= needed:
        return
    amendments = selectors.threshold_amendments(case)
    named = "; ".join(describe_amendment(c, case.school.tz) for c in amendments)
    told = ", recording when the LA was told" if was_referred(case) else ""
    raise ThresholdNoLongerMet(
        f"The threshold is no longer met, so {step}: {still} of the case's "
        f"{case.sessions.count()} sessions still count (G, O or U), fewer than {needed}. "
        + (f"Amended since the case opened: {named}. " if named else "")
        + f"Withdraw the case, or close it with its outcome{told}."
    )


def _la_told(case: Case, la_told_on: dt.date | None, today: dt.date) -> dt.date | None:
    """A referred case that no longer stands must be reported back to the LA."""
    if la_told_on is not None and la_told_on > today:
        raise RuleError("The day the LA was told cannot be in the future.")
    if la_told_on is None and was_referred(case):
        raise RuleError(
            "This case was referred to the LA: record the day the LA was told it no longer "
            "meets the threshold."
        )
    return la_told_on


@transaction.atomic
def withdraw_case(case: Case, *, today: dt.date, la_told_on: dt.date | None = None) -> Case:
    """Withdraw a case whose marks were amended below the threshold: the breach
    no longer stands and its sessions may count again. If it had been referred,
    the LA must have been told (and when is recorded)."""
    _require_open(case)
    still = selectors.offence_sessions(case)
    if still >= framework.threshold_sessions():
        raise RuleError(
            f"The threshold is still met ({still} sessions): close the case with its outcome."
        )
    if case.notices.filter(status=PenaltyNotice.Status.ISSUED).exists():
        raise RuleError(
            "A notice is still awaiting payment: once the LA has withdrawn it, record it as "
            "withdrawn."
        )
    case.la_told_on = _la_told(case, la_told_on, today)
    case.stage, case.void, case.closed_on = Case.Stage.CLOSED, True, today
    case.outcome = _withdrawn_outcome(still)
    case.save(update_fields=["stage", "void", "closed_on", "outcome", "la_told_on"])
    return case


@transaction.atomic
def consider_support(case: Case, notes: str, *, by: User, now: dt.datetime) -> Case:
    _require_open(case)
    if not notes.strip():
        raise RuleError("Record the support considered or offered.")
    case.stage = Case.Stage.SUPPORT
    case.support_notes = notes.strip()
    case.save(update_fields=["stage", "support_notes"])
    Intervention.objects.create(
        pupil=case.pupil,
        case=case,
        kind=Intervention.Kind.NOTE,
        date=now.astimezone(case.school.tz).date(),
        summary="Support considered",
        notes=notes,
        recorded_by=by,
        recorded_at=now,
    )
    return case


@transaction.atomic
def issue_notice_to_improve(
    case: Case,
    *,
    issued_on: dt.date,
    support_offered: str,
    improvement_expected: str,
    by: User,
    now: dt.datetime,
) -> NoticeToImprove:
    """A final chance to engage with support; the period is the school's 3-6 school weeks.
    Only while the threshold is still met on the marks as they stand."""
    _require_open(case)
    if case.stage not in (Case.Stage.THRESHOLD_MET, Case.Stage.SUPPORT):
        raise RuleError("A Notice to Improve comes before the referral to the LA.")
    require_threshold_still_met(case, "a Notice to Improve cannot be issued")
    if not support_offered.strip() or not improvement_expected.strip():
        raise RuleError(
            "A Notice to Improve states the support offered and the improvement expected."
        )
    ends = SchoolCalendar(case.school).school_weeks_after(
        issued_on, case.school.notice_to_improve_school_weeks
    )
    notice = NoticeToImprove.objects.create(
        case=case,
        issued_on=issued_on,
        improvement_ends=ends,
        support_offered=support_offered,
        improvement_expected=improvement_expected,
    )
    case.stage = Case.Stage.NOTICE_TO_IMPROVE
    case.save(update_fields=["stage"])
    Intervention.objects.create(
        pupil=case.pupil,
        case=case,
        kind=Intervention.Kind.LETTER,
        date=issued_on,
        summary=f"Notice to Improve (until {ends:%d %b %Y})",
        recorded_by=by,
        recorded_at=now,
    )
    return notice


def la_referral_possible_from(case: Case) -> dt.date | None:
    """The first day the case may be referred to the LA, if a Notice to
    Improve's improvement period holds it back (the parents' final chance
    runs to its end); None if nothing does."""
    nti = getattr(case, "notice_to_improve", None)
    return nti.improvement_ends + dt.timedelta(days=1) if nti is not None else None


@transaction.atomic
def refer_to_la(
    case: Case, *, on: dt.date, reason_no_nti: str = "", by: User, now: dt.datetime
) -> Case:
    """Refer for a penalty notice: after a Notice to Improve's period, or
    directly for a holiday (G) case or with a reason why support is not appropriate;
    only while the threshold is still met on the marks as they stand."""
    _require_open(case)
    require_threshold_still_met(case, "the case cannot be referred to the LA")
    nti = getattr(case, "notice_to_improve", None)
    if nti is None and not (case.holiday or reason_no_nti.strip()):
        raise RuleError(
            "Issue a Notice to Improve first, unless this is a holiday case or support is not "
            "appropriate (say why)."
        )
    possible_from = la_referral_possible_from(case)
    if nti is not None and possible_from is not None and on < possible_from:
        raise RuleError(
            f"The improvement period runs until {nti.improvement_ends:%d %B %Y}: "
            f"the case can be referred to the LA from {possible_from:%A %-d %B %Y}."
        )
    case.stage = Case.Stage.LA_REFERRAL
    case.save(update_fields=["stage"])
    Intervention.objects.create(
        pupil=case.pupil,
        case=case,
        kind=Intervention.Kind.REFERRAL,
        date=on,
        summary=Case.Stage.LA_REFERRAL.label,  # names it in the case file: Intervention.label
        notes=reason_no_nti,
        recorded_by=by,
        recorded_at=now,
    )
    return case


@transaction.atomic
def issue_penalty_notice(
    case: Case,
    parent: Contact,
    *,
    issued_on: dt.date,
    service: str = PenaltyNotice.Service.HAND,
    served_on: dt.date | None = None,
    reference: str = "",
) -> PenaltyNotice:
    """One notice to one parent for this child, while the threshold still
    stands; the amount by the limit of two in 3 years
    (framework.notices_counted_toward_limit), both payment periods from the
    parent's receipt (framework.received_on). Served by hand on the day of
    issue unless said otherwise (the case page always asks)."""
    _require_open(case)
    if case.stage not in (Case.Stage.LA_REFERRAL, Case.Stage.NOTICES_ISSUED):
        raise RuleError("Penalty notices follow the referral to the LA.")
    require_threshold_still_met(case, "a penalty notice cannot be recorded")
    # Any parent in law may receive one: s.576 Education Act 1996 (quoted in
    # the Heartwood policy) makes a parent anyone with parental responsibility
    # or who has care of the child (PupilContact.ParentGround).
    links = parent.pupil_links.filter(pupil=case.pupil)
    if not links.exists():
        raise RuleError(f"{parent.name} is not a contact of {case.pupil.name}.")
    if not links.parents().exists():
        raise RuleError(
            f"{parent.name} is not a parent of {case.pupil.name} in law: under s.576 "
            "Education Act 1996 a parent is a natural parent, a person with parental "
            f"responsibility or a person who has care of the child, and {parent.name} is "
            "recorded as none of these."
        )
    if case.notices.filter(parent=parent).exclude(status=PenaltyNotice.Status.WITHDRAWN).exists():
        raise RuleError(f"{parent.name} already has a notice for this case.")
    served_on = served_on or issued_on
    if service not in PenaltyNotice.Service.values:
        raise RuleError("Say how the notice was served: by hand or by first-class post.")
    if served_on < issued_on:
        raise RuleError("A notice is served (handed over or posted) on or after its issue.")
    amounts = framework.amounts_for(selectors.earlier_notices(case.pupil_id, parent, issued_on))
    received_on = framework.received_on(served_on, by_post=service == PenaltyNotice.Service.POST)
    reduced_by, full_by = amounts.due_on(received_on)
    notice = PenaltyNotice.objects.create(
        case=case,
        pupil=case.pupil,
        parent=parent,
        issued_on=issued_on,
        service=service,
        served_on=served_on,
        received_on=received_on,
        sequence=amounts.sequence,
        reduced_amount=amounts.reduced,
        reduced_by=reduced_by,
        full_amount=amounts.full,
        full_by=full_by,
        reference=reference,
    )
    case.stage = Case.Stage.NOTICES_ISSUED
    case.save(update_fields=["stage"])
    return notice


def amount_payable(notice: PenaltyNotice, paid_on: dt.date) -> Decimal | None:
    """The one amount a payment on `paid_on` may be: the reduced amount only
    within 21 days of receipt (`reduced_by`), the full one within 28; None after."""
    if notice.reduced_by and paid_on <= notice.reduced_by:
        return notice.reduced_amount
    if paid_on <= notice.full_by:
        return notice.full_amount
    return None


def _what_is_due(notice: PenaltyNotice, paid_on: dt.date) -> str:
    """What a payment on `paid_on` must be, with the dates the amounts hold to."""
    reduced, full = (
        framework.in_pounds(notice.reduced_amount),
        framework.in_pounds(notice.full_amount),
    )
    if notice.reduced_by and paid_on <= notice.reduced_by:
        return (
            f"{reduced} is due (or {full} after "
            f"{notice.reduced_by:%-d %B %Y}, until {notice.full_by:%-d %B %Y})."
        )
    if notice.reduced_by:
        return (
            f"{full} is due, by {notice.full_by:%-d %B %Y} "
            f"({reduced} only within "
            f"{(notice.reduced_by - notice.received_on).days} days of receipt on "
            f"{notice.received_on:%-d %B %Y}, by {notice.reduced_by:%-d %B %Y})."
        )
    return f"{full} is due, by {notice.full_by:%-d %B %Y}."


@transaction.atomic
def record_payment(notice: PenaltyNotice, *, paid_on: dt.date, amount: Decimal) -> PenaltyNotice:
    """Part payments are not accepted: the amount must be exactly what is due
    that day (DfE national framework; the reduced amount only within 21 days
    of receipt)."""
    if notice.status != PenaltyNotice.Status.ISSUED:
        raise RuleError("This notice is not awaiting payment.")
    if paid_on < notice.issued_on:
        raise RuleError(f"The notice was issued on {notice.issued_on:%-d %B %Y}: check the date.")
    due = amount_payable(notice, paid_on)
    if due is None:
        raise RuleError("The payment period has ended: the notice is unpaid.")
    if amount != due:
        raise RuleError(f"A penalty notice must be paid in full: {_what_is_due(notice, paid_on)}")
    notice.status, notice.paid_on, notice.paid_amount = PenaltyNotice.Status.PAID, paid_on, amount
    notice.save(update_fields=["status", "paid_on", "paid_amount"])
    return notice


@transaction.atomic
def mark_unpaid(notice: PenaltyNotice, *, today: dt.date) -> PenaltyNotice:
    if notice.status != PenaltyNotice.Status.ISSUED or today <= notice.full_by:
        raise RuleError(f"The notice can be paid until {notice.full_by:%d %B %Y}.")
    notice.status = PenaltyNotice.Status.UNPAID
    notice.save(update_fields=["status"])
    return notice


@transaction.atomic
def withdraw_notice(notice: PenaltyNotice) -> PenaltyNotice:
    if notice.status != PenaltyNotice.Status.ISSUED:
        raise RuleError("Only a notice awaiting payment can be withdrawn.")
    notice.status = PenaltyNotice.Status.WITHDRAWN
    notice.save(update_fields=["status"])
    return notice


@transaction.atomic
def refer_for_prosecution(case: Case, notes: str, *, by: User, now: dt.datetime) -> Case:
    _require_open(case)
    if not notes.strip():
        raise RuleError("Record the grounds for the referral.")
    case.stage = Case.Stage.PROSECUTION
    case.save(update_fields=["stage"])
    Intervention.objects.create(
        pupil=case.pupil,
        case=case,
        kind=Intervention.Kind.REFERRAL,
        date=now.astimezone(case.school.tz).date(),
        summary=Case.Stage.PROSECUTION.label,  # names it in the case file: Intervention.label
        notes=notes,
        recorded_by=by,
        recorded_at=now,
    )
    return case


@transaction.atomic
def close_case(
    case: Case, outcome: str, *, today: dt.date, la_told_on: dt.date | None = None
) -> Case:
    """Close with an outcome. A referred case that no longer meets the
    threshold is closed only once the LA has been told (and when is recorded)."""
    _require_open(case)
    if not outcome.strip():
        raise RuleError("Record the outcome.")
    if case.notices.filter(status=PenaltyNotice.Status.ISSUED).exists():
        raise RuleError(
            "A notice is still awaiting payment: record it as paid, unpaid or withdrawn."
        )
    if selectors.offence_sessions(case) < framework.threshold_sessions():
        case.la_told_on = _la_told(case, la_told_on, today)
    else:
        case.la_told_on = la_told_on
    case.stage, case.outcome, case.closed_on = Case.Stage.CLOSED, outcome.strip(), today
    case.save(update_fields=["stage", "outcome", "closed_on", "la_told_on"])
    return case
