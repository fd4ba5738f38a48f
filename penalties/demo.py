"""Escalation in the demo school: the threshold check has run; some casework is under way."""

from __future__ import annotations

import random

from attendance.demo_plan import DemoPlan
from attendance.models import School, User
from attendance.roles import Role

from . import letters
from .models import Intervention, LetterTemplate
from .services import check_thresholds, consider_support, issue_notice_to_improve


def seed_escalation(school: School, rng: random.Random, plan: DemoPlan) -> str:
    now = plan.now
    officer = User.objects.get(school=school, groups__name=Role.ATTENDANCE_OFFICER.value)
    for kind in LetterTemplate.Kind.values:
        letters.template_for(school, kind)
    # Last night's run: the threshold as it stood at the last school day.
    run = check_thresholds(school, plan.history_end)
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
            issued_on=plan.notice_to_improve[0],
            support_offered="Breakfast club place; weekly check-in with the family support worker.",
            improvement_expected="No further unauthorised absence during the improvement period.",
            by=officer,
            now=now,
        )
    for case, review_on in zip(cases[2:4], plan.reviews, strict=False):
        Intervention.objects.create(
            pupil=case.pupil,
            case=case,
            kind=Intervention.Kind.MEETING,
            date=plan.meeting_on,
            summary="Early intervention meeting",
            attendees="Parent, class teacher, attendance officer",
            notes="Agreed a target of no unauthorised absence this half-term.",
            review_on=review_on,
            recorded_by=officer,
            recorded_at=now,
        )
    return (
        f"Escalation: threshold checked to {plan.history_end:%a %d %b %Y}: {len(cases)} cases "
        f"opened, {len(run.approaching)} pupils approaching"
    )


def seed_escalation_hook(school: School, rng: random.Random, plan: DemoPlan) -> str:
    return seed_escalation(school, rng, plan)
