"""Letters to parents: decision on leave, unexplained absence."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage

from attendance.models import Pupil
from attendance.pdfs import LetterHead, head_to_parents, letter_head, render_pdf

from . import leave_days
from .models import FollowUpTask, LeaveRequest


@dataclass
class LeaveDecisionLetter(LetterHead):
    pupil_name: str
    pupil_first_name: str
    class_name: str
    received: str
    first_day: str
    last_day: str
    total_days: int
    expected_return: str
    request_reason: str
    leave_for: str
    status: str
    granted_days: list[str]
    refused_days: list[str]
    granted_code: str
    granted_code_meaning: str
    refused_code: str
    refused_code_meaning: str
    decision_reason: str
    short_notice: bool
    retrospective: bool
    notice_days: int


# How the letter speaks of the leave asked for: only a holiday is called one.
LEAVE_FOR = {
    LeaveRequest.Purpose.HOLIDAY: "for a family holiday",
    LeaveRequest.Purpose.FAMILY_ILLNESS: "because of serious illness in the family",
    LeaveRequest.Purpose.BEREAVEMENT: "because of a death in the family",
    LeaveRequest.Purpose.FAMILY_EVENT: "for a family event",
    LeaveRequest.Purpose.OTHER: "",
}


def leave_decision_context(request: LeaveRequest) -> LeaveDecisionLetter:
    pupil, school = request.pupil, request.pupil.school
    fmt = "%A %-d %B %Y"
    granted = set(request.granted_dates)
    days = [d.date for d in leave_days.requested_days(request)]
    refused_code = leave_days.refused_code(request.purpose)
    decided_by = request.decided_by
    return LeaveDecisionLetter(
        **letter_head(
            school,
            request.parent_names,
            request.address,
            request.decided_at.astimezone(school.tz).date(),
            decided_by.display_name(),
            decided_by.job_title or "Headteacher",
        ),
        pupil_name=pupil.name,
        pupil_first_name=pupil.first_name,
        class_name=str(pupil.registration_group or pupil.get_year_group_display()),
        received=f"{request.submitted_at.astimezone(school.tz):{fmt}}",
        first_day=f"{request.first_day:{fmt}}",
        last_day=f"{request.last_day:{fmt}}",
        total_days=request.total_days,
        expected_return=f"{request.expected_return:{fmt}}",
        request_reason=request.reason,
        leave_for=LEAVE_FOR.get(request.purpose, ""),
        status=request.status,
        granted_days=[f"{d:{fmt}}" for d in sorted(granted)],
        refused_days=[f"{d:{fmt}}" for d in days if d not in granted],
        granted_code=leave_days.GRANTED_CODE,
        granted_code_meaning=leave_days.code_meaning(leave_days.GRANTED_CODE),
        refused_code=refused_code,
        refused_code_meaning=leave_days.code_meaning(refused_code),
        decision_reason=request.decision_reason,
        short_notice=request.short_notice,
        retrospective=request.retrospective,
        notice_days=school.leave_request_notice_days,
    )


def send_leave_decision(request: LeaveRequest, email: bool = True) -> list[str]:
    """Render the decision letter, keep it with the request and email it to the parents."""
    pdf = render_pdf("letters/leave_decision.html", leave_decision_context(request))
    request.letter.save(f"leave-{request.id}.pdf", ContentFile(pdf), save=False)
    recipients = sorted(
        {
            link.contact.email
            for link in request.pupil.contact_links.select_related("contact")
            if link.is_parent and link.contact.email
        }
        | ({request.email} if request.email else set())
    )
    if recipients and email:
        message = EmailMessage(
            subject=f"Leave of absence request for {request.pupil.first_name}: decision",
            body=(
                f"Please find attached the headteacher's decision on your request for "
                f"{request.pupil.first_name} to be absent from {request.first_day:%-d %B} to "
                f"{request.last_day:%-d %B %Y}.\n\n{request.pupil.school.name}"
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=recipients,
        )
        message.attach(f"leave-decision-{request.pupil.first_name}.pdf", pdf, "application/pdf")
        message.send()
    if not email:
        recipients = []
    request.letter_sent_to = ", ".join(recipients) or "not emailed: print and post the letter"
    request.save(update_fields=["letter", "letter_sent_to"])
    return recipients


@dataclass
class UnexplainedAbsenceLetter(LetterHead):
    pupil_name: str
    pupil_first_name: str
    class_name: str
    first_day: str
    days: int
    attempts_summary: str
    local_authority: str


def unexplained_absence_context(pupil: Pupil, first: dt.date, days: int, today: dt.date):
    school = pupil.school
    attempts = pupil.contact_attempts.filter(date__gte=first)
    channels = sorted({a.get_channel_display().lower() for a in attempts}) or ["telephone"]
    return UnexplainedAbsenceLetter(
        **head_to_parents(pupil, today, f"The parent or carer of {pupil.first_name}"),
        pupil_name=pupil.name,
        pupil_first_name=pupil.first_name,
        class_name=str(pupil.registration_group or pupil.get_year_group_display()),
        first_day=f"{first:%A %-d %B %Y}",
        days=days,
        attempts_summary=" and ".join(channels),
        local_authority=school.local_authority,
    )


def attach_unexplained_absence_letter(task: FollowUpTask, first: dt.date, days: int) -> None:
    context = unexplained_absence_context(task.pupil, first, days, task.created_at.date())
    pdf = render_pdf("letters/unexplained_absence.html", context)
    task.letter.save(f"unexplained-{task.pupil_id}-{first.isoformat()}.pdf", ContentFile(pdf))
