"""Absences for the demo school: calls this morning, leave requests, a timetable."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from attendance.models import Pupil, School, User
from attendance.roles import Role
from registers.models import Mark

from . import letters, services


def seed_absences(school: School, rng: random.Random, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    today = now.astimezone(school.tz).date()
    office = User.objects.get(school=school, groups__name=Role.OFFICE.value)
    head = User.objects.get(school=school, groups__name=Role.HEAD.value)
    pupils = list(Pupil.objects.filter(school=school).order_by("upn"))
    # Two parents ring this morning about children already marked N.
    absent_today = list(
        Mark.objects.filter(pupil__school=school, date=today, session="AM", code="N")
        .select_related("pupil")
        .order_by("pupil__upn")[:2]
    )
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
            now=now,
            by=office,
        )

    def leave_for(pupil, first, last, submitted, reason):
        parent = (
            pupil.contact_links.select_related("contact")
            .filter(parental_responsibility=True)
            .first()
        )
        contact = parent.contact
        return services.submit_leave_request(
            pupil,
            now=submitted,
            via="online",
            contact=contact,
            parent_names=contact.name,
            relationship=parent.get_relationship_display(),
            phone=contact.mobile_phone,
            email=contact.email,
            address=contact.postal_address,
            siblings="",
            first_day=first,
            last_day=last,
            expected_return=last + dt.timedelta(days=3),
            reason=reason,
            evidence_note="",
            declaration=True,
        )

    picks = rng.sample(pupils, 3)
    leave_for(
        picks[0],
        dt.date(2027, 2, 8),
        dt.date(2027, 2, 12),
        now - dt.timedelta(days=6),
        "Family wedding in Krakow; flights are only available that week.",
    )
    leave_for(
        picks[1],
        today + dt.timedelta(days=18),
        today + dt.timedelta(days=20),
        now,
        "Grandfather seriously ill in Dhaka; we need to travel.",
    )
    declined = leave_for(
        picks[2],
        dt.date(2026, 10, 19),
        dt.date(2026, 10, 23),
        dt.datetime(2026, 9, 21, 15, 30, tzinfo=school.tz),
        "Cheaper holiday before half-term.",
    )
    services.decide_leave_request(
        declined,
        days_granted=0,
        by=head,
        now=dt.datetime(2026, 9, 24, 16, 0, tzinfo=school.tz),
        reason="A cheaper holiday is not an exceptional circumstance.",
    )
    declined.refresh_from_db()
    letters.send_leave_decision(declined, email=False)  # a demo emails nobody
    taker = declined.pupil.contact_links.filter(parental_responsibility=True).first()
    if taker:
        declined.holiday_taken_by.add(taker.contact)

    send_pupil = next((p for p in pupils if p.send == "E" and p.year_group == "5"), pupils[0])
    parent = (
        send_pupil.contact_links.select_related("contact")
        .filter(parental_responsibility=True)
        .first()
    )
    if parent and today.weekday() < 5:
        services.create_part_time_timetable(
            send_pupil,
            by=User.objects.get(school=school, groups__name=Role.ATTENDANCE_OFFICER.value),
            now=now,
            agreed_on=today - dt.timedelta(days=3),
            agreed_with=parent.contact,
            reason="Phased return after an operation, agreed with the family and the SENCo.",
            start=today + dt.timedelta(days=1),
            planned_end=today + dt.timedelta(weeks=4),
            sessions_off=["Mon-PM", "Wed-PM", "Fri-PM"],
            review_dates=[today + dt.timedelta(weeks=2)],
        )


def seed_absences_hook(school: School, rng: random.Random) -> None:
    seed_absences(school, rng)
