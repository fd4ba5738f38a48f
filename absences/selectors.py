"""Reads for the absence pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, Q, When

from attendance.models import Pupil, PupilContact, School
from registers.models import Mark
from registers.selectors import HELD_BACK

from . import calling
from .models import AbsenceReport, ContactAttempt, FollowUpTask, LeaveRequest


def pending_reports(school: School):
    return (
        AbsenceReport.objects.filter(pupil__school=school, status=AbsenceReport.Status.PENDING)
        .select_related("pupil__registration_group", "logged_by")
        .prefetch_related("evidence")
        .order_by("logged_at")
    )


def unexplained_marks_queue(school: School, until: dt.date):
    """Every N (no reason yet) up to `until`, oldest first."""
    return (
        Mark.objects.filter(pupil__school=school, code="N", date__lte=until)
        .exclude(HELD_BACK)
        .select_related("pupil__registration_group")
        .order_by("date", "session", "pupil__legal_surname")
    )


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
    """The children a contact may report for: parental responsibility, on roll."""
    return list(
        Pupil.objects.filter(
            contact_links__contact=contact, contact_links__parental_responsibility=True
        )
        .filter(Q(leaving_date__isnull=True) | Q(leaving_date__gte=today))
        .select_related("registration_group", "school")
        .order_by("legal_first_name")
    )
