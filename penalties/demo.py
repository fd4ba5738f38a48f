"""Escalation in the demo school: the threshold check has run; some casework is under way."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from attendance.models import School, User
from attendance.roles import Role

from . import letters
from .models import Intervention, LetterTemplate
from .services import check_thresholds, consider_support, issue_notice_to_improve


def seed_escalation(school: School, rng: random.Random, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    today = now.astimezone(school.tz).date()
    officer = User.objects.get(school=school, groups__name=Role.ATTENDANCE_OFFICER.value)
    for kind in LetterTemplate.Kind.values:
        letters.template_for(school, kind)
    run = check_thresholds(school, today - dt.timedelta(days=1))
    cases = sorted(run.opened, key=lambda c: c.pupil.upn)
    if cases:
        consider_support(
            cases[0],
            "Spoke to mum: family holiday booked before the policy letter; "
            "reminded of the 10-in-10 rule.",
            by=officer,
            now=now,
        )
    if len(cases) > 1:
        issue_notice_to_improve(
            cases[1],
            issued_on=today - dt.timedelta(days=2),
            support_offered="Breakfast club place; weekly check-in with the family support worker.",
            improvement_expected="No further unauthorised absence during the improvement period.",
            by=officer,
            now=now,
        )
    for case in cases[2:4]:
        Intervention.objects.create(
            pupil=case.pupil,
            case=case,
            kind=Intervention.Kind.MEETING,
            date=today - dt.timedelta(days=rng.randrange(2, 9)),
            summary="Early intervention meeting",
            attendees="Parent, class teacher, attendance officer",
            notes="Agreed a target of no unauthorised absence this half-term.",
            review_on=today + dt.timedelta(days=rng.randrange(3, 20)),
            recorded_by=officer,
            recorded_at=now,
        )


def seed_escalation_hook(school: School, rng: random.Random) -> None:
    seed_escalation(school, rng)
