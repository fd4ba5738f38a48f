"""What absences tell the register in advance (see registers.hooks)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Q

from attendance.models import School
from registers.hooks import Planned
from registers.models import Mark

from .leave_days import GRANTED_CODE, code_for_day
from .models import AbsenceReport, LeaveRequest, PartTimeTimetable
from .services import report_code, report_note

SESSIONS = ("AM", "PM")


def absence_plans(school: School, day: dt.date, pupil_ids: Sequence[int]) -> dict:
    plans: dict[tuple[int, str], Planned] = {}
    # Part-time timetables first: a C2 session is not an absence to report.
    for ptt in PartTimeTimetable.objects.filter(
        pupil_id__in=pupil_ids, start__lte=day, planned_end__gte=day
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day)):
        for session in SESSIONS:
            if ptt.is_off(day, session):
                plans.setdefault(
                    (ptt.pupil_id, session),
                    Planned(
                        "C2", "Part-time timetable: not expected this session", Mark.Source.OFFICE
                    ),
                )
    for leave in LeaveRequest.objects.filter(
        pupil_id__in=pupil_ids, first_day__lte=day, last_day__gte=day
    ).exclude(status=LeaveRequest.Status.PENDING):
        code = code_for_day(leave, day)
        plan = (
            Planned(code, "Leave of absence granted by the head", Mark.Source.LEAVE)
            if code == GRANTED_CODE
            else Planned(
                code,
                "Leave requested but not granted",
                Mark.Source.LEAVE,
                only_if_absent=True,
            )
        )
        for session in SESSIONS:
            plans.setdefault((leave.pupil_id, session), plan)
    reports = AbsenceReport.objects.filter(pupil_id__in=pupil_ids, first_day__lte=day).exclude(
        status=AbsenceReport.Status.UNAUTHORISED
    )
    for report in reports.order_by("-logged_at"):
        if report.covers(day):
            plan = Planned(
                report_code(report),
                report_note(report),
                Mark.Source.ABSENCE,
                # Undecided, the reported code counts as N in every figure.
                pending=report.status == AbsenceReport.Status.PENDING,
            )
            for session in SESSIONS:
                plans.setdefault((report.pupil_id, session), plan)
    return plans
