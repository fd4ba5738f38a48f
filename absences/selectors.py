"""Reads for the absence pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, Exists, OuterRef, Q, When

from attendance import codes
from attendance import selectors as core
from attendance.models import Pupil, PupilContact, School
from registers.models import Mark
from registers.selectors import HELD_BACK

from . import calling, leave_days, services
from .models import AbsenceReport, ContactAttempt, FollowUpTask, LeaveRequest

# The head's queue filters: the day (today's absences, or earlier ones still
# open) and the reason given; NO_REASON is an N nothing is known about.
TODAY, OLDER = "today", "older"
NO_REASON = "none"


def _reports_covering(day: dt.date) -> Q:
    """Reports that cover `day` (AbsenceReport.covers, in SQL)."""
    return Q(first_day__lte=day) & (
        Q(expected_return__gt=day) | Q(expected_return__isnull=True, first_day=day)
    )


def pending_reports(school: School, today: dt.date | None = None, *, when="", reason=""):
    reports = AbsenceReport.objects.filter(
        pupil__school=school, status=AbsenceReport.Status.PENDING
    )
    if reason == NO_REASON:
        return reports.none()
    if reason:
        reports = reports.filter(reason=reason)
    if today and when == TODAY:
        reports = reports.filter(_reports_covering(today))
    elif today and when == OLDER:
        reports = reports.filter(first_day__lt=today).filter(
            Q(expected_return__lte=today) | Q(expected_return__isnull=True)
        )
    return (
        reports.select_related("pupil__registration_group", "logged_by")
        .prefetch_related("evidence")
        .order_by("logged_at")
    )


def unexplained_marks_queue(school: School, until: dt.date, *, when="", reason=""):
    """Every session counted as N up to `until`, oldest first: an N, or a
    reported code still pending, except where a pending report (its own row
    in the queue) covers it, and held-back marks of untaken registers."""
    if reason and reason != NO_REASON:
        return Mark.objects.none()
    covered = AbsenceReport.objects.filter(
        pupil=OuterRef("pupil"),
        status=AbsenceReport.Status.PENDING,
        first_day__lte=OuterRef("date"),
    ).filter(
        Q(expected_return__gt=OuterRef("date"))
        | Q(expected_return__isnull=True, first_day=OuterRef("date"))
    )
    marks = Mark.objects.filter(
        pupil__school=school, counted_code=codes.NO_REASON_YET, date__lte=until
    )
    if when == TODAY:
        marks = marks.filter(date=until)
    elif when == OLDER:
        marks = marks.filter(date__lt=until)
    return (
        marks.exclude(HELD_BACK)
        .exclude(Exists(covered))
        .select_related("pupil__registration_group")
        .order_by("date", "session", "pupil__legal_surname")
    )


@dataclass
class AuthorisationQueue:
    reports: list[AbsenceReport]
    unexplained: list[Mark]
    unexplained_total: int
    religious_limit: int


def _seen(marks) -> str:
    return " ".join(f"{m_id}.{version}" for m_id, version in marks)


def authorisation_queue(
    school: School, today: dt.date, *, when: str = "", reason: str = "", limit: int = 300
) -> AuthorisationQueue:
    """The head's queue, each row with its default decision, the code a refusal
    would record and the versions shown; a fixed number of queries however
    many rows (a real morning has 80-100)."""
    reports = list(pending_reports(school, today, when=when, reason=reason))
    marks_query = unexplained_marks_queue(school, today, when=when, reason=reason)
    marks = list(marks_query[:limit])
    total = marks_query.count() if len(marks) == limit else len(marks)

    year = core.current_academic_year(school, today)
    used = religious_observance_days(school, year.start_date, today) if year else {}
    # The marks each report would decide, as the head sees them (decide_report
    # refuses if one has changed by the time the decision arrives).
    shown: dict[int, list[tuple[dt.date, int, int]]] = {}
    started = [r.first_day for r in reports if r.first_day <= today]
    if started:
        for pupil_id, day, mark_id, version in (
            Mark.objects.filter(
                pupil_id__in={r.pupil_id for r in reports}, date__gte=min(started), date__lte=today
            )
            .order_by("date", "session")
            .values_list("pupil_id", "date", "id", "version")
        ):
            shown.setdefault(pupil_id, []).append((day, mark_id, version))
    starts = [r.first_day for r in reports] + [m.date for m in marks]
    ends = [r.last_day for r in reports] + [m.date for m in marks]
    holidays: dict[int, list[tuple[dt.date, dt.date]]] = {}
    if starts:
        for pupil_id, first, last in LeaveRequest.objects.filter(
            pupil_id__in={r.pupil_id for r in reports} | {m.pupil_id for m in marks},
            purpose=LeaveRequest.Purpose.HOLIDAY,
            first_day__lte=max(ends),
            last_day__gte=min(starts),
        ).values_list("pupil_id", "first_day", "last_day"):
            holidays.setdefault(pupil_id, []).append((first, last))

    def refused(pupil_id: int, first: dt.date, last: dt.date) -> str:
        holiday = any(f <= last and first <= t for f, t in holidays.get(pupil_id, []))
        return leave_days.refused_code(
            LeaveRequest.Purpose.HOLIDAY if holiday else LeaveRequest.Purpose.OTHER
        )

    for report in reports:
        report.religious_days_used = used.get(report.pupil_id, 0)
        report.choice = services.default_choice(report)
        report.refused_code = refused(report.pupil_id, report.first_day, report.last_day)
        report.seen = _seen(
            (mark_id, version)
            for day, mark_id, version in shown.get(report.pupil_id, [])
            if report.covers(day)
        )
    for mark in marks:
        mark.choice = services.default_choice(None)
        mark.refused_code = refused(mark.pupil_id, mark.date, mark.date)
        mark.seen = _seen([(mark.id, mark.version)])
    return AuthorisationQueue(reports, marks, total, school.religious_observance_days_per_year)


@dataclass
class CallingRow:
    mark: Mark
    vulnerable: bool
    attempts: list[ContactAttempt]
    links: list[PupilContact]
    days: int


def calling_list(school: School, day: dt.date) -> list[CallingRow]:
    marks = calling.unexplained_marks(school, day)
    ids = [m.pupil_id for m in marks]
    attempts: dict[int, list] = {}
    for a in ContactAttempt.objects.filter(pupil_id__in=ids, date=day).select_related(
        "contact", "made_by"
    ):
        attempts.setdefault(a.pupil_id, []).append(a)
    links: dict[int, list] = {}
    for link in (
        PupilContact.objects.filter(pupil_id__in=ids).select_related("contact").order_by("priority")
    ):
        links.setdefault(link.pupil_id, []).append(link)
    streaks = calling.days_unexplained(school, ids, day)
    return [
        CallingRow(
            m,
            calling.is_vulnerable(m.pupil),
            attempts.get(m.pupil_id, []),
            links.get(m.pupil_id, []),
            streaks.get(m.pupil_id, (1, day))[0],
        )
        for m in marks
    ]


def religious_observance_days(school: School, start: dt.date, end: dt.date) -> dict[int, float]:
    """Days of religious observance (R) each pupil has had this year (2 sessions a day)."""
    rows = (
        Mark.objects.filter(pupil__school=school, code="R", date__gte=start, date__lte=end)
        .values("pupil_id")
        .annotate(n=Count("id"))
    )
    return {r["pupil_id"]: r["n"] / 2 for r in rows}


def over_religious_limit(school: School, start: dt.date, end: dt.date):
    used = religious_observance_days(school, start, end)
    limit = school.religious_observance_days_per_year
    pupils = Pupil.objects.filter(id__in=used).select_related("registration_group")
    rows = [(p, used[p.id]) for p in pupils]
    return sorted(rows, key=lambda r: -r[1]), limit


def open_tasks(school: School):
    return (
        FollowUpTask.objects.filter(pupil__school=school, done_at__isnull=True)
        .select_related("pupil__registration_group")
        .order_by("due", "id")
    )


def leave_requests(school: School):
    return (
        LeaveRequest.objects.filter(pupil__school=school)
        .select_related("pupil__registration_group", "decided_by")
        # Waiting for the head first, then the newest.
        .order_by(
            Case(When(status=LeaveRequest.Status.PENDING, then=0), default=1), "-submitted_at"
        )
    )


def outbox(school: School, day: dt.date):
    return (
        ContactAttempt.objects.filter(pupil__school=school, date=day)
        .exclude(kind=ContactAttempt.Kind.PHONE_CALL)
        .select_related("pupil", "contact")
        .order_by("-created_at")
    )


def children_of(contact, today: dt.date) -> list[Pupil]:
    """The children a contact may report for: their parent in law (parental
    responsibility or care of the child, s.576 Education Act 1996), on roll."""
    return list(
        Pupil.objects.filter(
            contact_links__in=PupilContact.objects.filter(contact=contact).parents()
        )
        .filter(Q(leaving_date__isnull=True) | Q(leaving_date__gte=today))
        .select_related("registration_group", "school")
        .order_by("legal_first_name")
    )
