"""Absences for the demo school: calls this morning, leave requests, a timetable.

Every date comes from the demo's plan (`attendance.demo_plan`), so they are
school days whatever day the demo is made.
"""

from __future__ import annotations

import datetime as dt
import random

from attendance.demo_plan import DemoPlan, LeavePlan
from attendance.models import Pupil, School, User
from attendance.roles import Role
from registers.models import Mark

from . import letters, services
from .models import LeaveRequest


def _parent_link(pupil: Pupil):
    return (
        pupil.contact_links.select_related("contact")
        .filter(parental_responsibility=True, lives_with_pupil=True)
        .first()
        or pupil.contact_links.select_related("contact")
        .filter(parental_responsibility=True)
        .first()
    )


def _ask_for_leave(pupil: Pupil, leave: LeavePlan, purpose: str, reason: str):
    link = _parent_link(pupil)
    contact = link.contact
    return services.submit_leave_request(
        pupil,
        now=leave.submitted,
        via="online",
        contact=contact,
        parent_names=contact.name,
        relationship=link.get_relationship_display(),
        phone=contact.mobile_phone,
        email=contact.email,
        address=contact.postal_address,
        siblings="",
        first_day=leave.first,
        last_day=leave.last,
        expected_return=leave.expected_return,
        purpose=purpose,
        reason=reason,
        evidence_note="",
        declaration=True,
    )


def seed_absences(school: School, rng: random.Random, plan: DemoPlan) -> str:
    now, today = plan.now, plan.today
    office = User.objects.get(school=school, groups__name=Role.OFFICE.value)
    head = User.objects.get(school=school, groups__name=Role.HEAD.value)
    on_roll = [
        p
        for p in Pupil.objects.filter(school=school).order_by("upn")
        if p.on_roll(today) and _parent_link(p)
    ]
    # Two parents ring this morning about children already marked N: the
    # illness is authorised on report (the school's default policy), the
    # appointment waits, pending, in the head's queue.
    absent_today = list(
        Mark.objects.filter(pupil__school=school, date=today, session="AM", code="N")
        .select_related("pupil")
        .order_by("pupil__upn")[:2]
    )
    # They rang soon after the register was taken (or just now, if that is sooner).
    rang = min(now, dt.datetime.combine(today, dt.time(9, 12), school.tz))
    for mark, reason in zip(absent_today, ["illness", "medical"], strict=False):
        parent = mark.pupil.contact_links.select_related("contact").first()
        services.log_absence_report(
            mark.pupil,
            reason=reason,
            reporter_name=parent.contact.name if parent else "Parent",
            contact=parent.contact if parent else None,
            channel="phone",
            details="Temperature overnight" if reason == "illness" else "Orthodontist at 11:00",
            first_day=today,
            now=rang,
            by=office,
        )

    wedding, urgent = rng.sample(on_roll, 2)
    _ask_for_leave(
        wedding,
        plan.wedding_leave,
        LeaveRequest.Purpose.FAMILY_EVENT,
        "Family wedding in Krakow; flights are only available that week.",
    )
    _ask_for_leave(
        urgent,
        plan.short_notice_leave,
        LeaveRequest.Purpose.FAMILY_ILLNESS,
        "Grandfather seriously ill in Dhaka; we need to travel.",
    )
    # The holiday that was refused and taken anyway: one of the families whose
    # child has G marks that week asked first.
    took_it = list(
        Pupil.objects.filter(
            school=school, marks__code="G", marks__date=plan.holiday_week[0]
        ).order_by("upn")
    )
    refused = next((p for p in took_it if _parent_link(p)), None) or rng.choice(on_roll)
    asked, decided = plan.holiday_request
    first, last = plan.holiday_week[0], plan.holiday_week[-1]
    declined = _ask_for_leave(
        refused,
        LeavePlan(first, last, last + dt.timedelta(days=3), asked),
        LeaveRequest.Purpose.HOLIDAY,
        "Cheaper holiday before the end of term.",
    )
    services.decide_leave_request(
        declined,
        granted_dates=[],
        by=head,
        now=decided,
        reason="A cheaper holiday is not an exceptional circumstance.",
    )
    declined.refresh_from_db()
    letters.send_leave_decision(declined, email=False)  # a demo emails nobody
    if refused in took_it:
        declined.holiday_taken_by.add(_parent_link(refused).contact)

    send_pupil = next((p for p in on_roll if p.send == "E" and p.year_group == "5"), on_roll[0])
    agreed, start, planned_end, review = plan.part_time
    services.create_part_time_timetable(
        send_pupil,
        by=User.objects.get(school=school, groups__name=Role.ATTENDANCE_OFFICER.value),
        now=now,
        agreed_on=agreed,
        agreed_with=_parent_link(send_pupil).contact,
        reason="Phased return after an operation, agreed with the family and the SENCo.",
        start=start,
        planned_end=planned_end,
        sessions_off=["Mon-PM", "Wed-PM", "Fri-PM"],
        review_dates=[review],
    )
    return (
        f"Absences: {len(absent_today)} calls this morning, 3 leave requests "
        f"(2 waiting for the head), 1 part-time timetable from {start:%a %d %b}"
    )


def seed_absences_hook(school: School, rng: random.Random, plan: DemoPlan) -> str:
    return seed_absences(school, rng, plan)
