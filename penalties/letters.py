"""Escalation letters from templates the school words itself, and the LA referral pack."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.core.files.base import ContentFile

from attendance.errors import RuleError
from attendance.models import Pupil, School
from attendance.pdfs import LetterHead, head_to_parents, letter_head, render_pdf
from registers.models import Mark
from registers.statistics import figures_for_pupil

from . import framework
from .models import Case, Intervention, LetterTemplate, PenaltyNotice
from .selectors import notice_rests_on, offence_sessions, unresolved_in_window

DEFAULTS = {
    LetterTemplate.Kind.CONCERN: (
        "{{ pupil_first_name }}'s attendance",
        "We are writing because {{ pupil_first_name }}'s attendance this year is "
        "{{ attendance_rate }}%: {{ absences }} of {{ possible }} sessions missed, "
        "{{ unauthorised }} of them unauthorised. Our school expects at least 96%.\n\n"
        "Every day matters. Please talk to us about anything that makes it hard for "
        "{{ pupil_first_name }} to come to school: we want to help.",
    ),
    LetterTemplate.Kind.MEETING: (
        "Invitation to a meeting about {{ pupil_first_name }}'s attendance",
        "{{ pupil_first_name }}'s attendance is {{ attendance_rate }}% this year. Please come "
        "to a meeting on {{ meeting_date }} so that we can agree together how to support "
        "{{ pupil_first_name }} to attend every day. If the time does not suit you, please "
        "call the office to arrange another.",
    ),
    LetterTemplate.Kind.CONTRACT: (
        "Attendance contract for {{ pupil_first_name }}",
        "Following our meeting we have agreed the following targets:\n\n{{ targets }}\n\n"
        "The school will support you as agreed and we will review progress together on "
        "{{ review_on }}.",
    ),
    LetterTemplate.Kind.NOTICE_TO_IMPROVE: (
        "Notice to Improve: {{ pupil_first_name }}'s attendance",
        "{{ pupil_first_name }} has had {{ unauthorised }} sessions of unauthorised absence, "
        "which meets the national threshold for considering a penalty notice (10 sessions "
        "within 10 school weeks).\n\nSupport already offered and still available:\n"
        "{{ support_offered }}\n\nWhat sufficient improvement means:\n{{ improvement_expected }}"
        "\n\nThe improvement period ends on {{ improvement_ends }}. Further unauthorised "
        "absence during it may lead to a penalty notice being issued to each parent.",
    ),
    LetterTemplate.Kind.PRAISE: (
        "Well done, {{ pupil_first_name }}!",
        "We are delighted to tell you that {{ pupil_first_name }}'s attendance this year is "
        "{{ attendance_rate }}%. Thank you for making sure {{ pupil_first_name }} is in school "
        "every day.",
    ),
}


def template_for(school: School, kind: str) -> LetterTemplate:
    subject, body = DEFAULTS[kind]
    template, _ = LetterTemplate.objects.get_or_create(
        school=school, kind=kind, defaults={"subject": subject, "body": body}
    )
    return template


@dataclass
class SchoolLetter(LetterHead):
    subject: str
    paragraphs: list[str] = field(default_factory=list)


def letter_values(pupil: Pupil, today: dt.date, year_start: dt.date, **extra) -> dict:
    f = figures_for_pupil(pupil.id, year_start, today)
    values = {
        "pupil_name": pupil.name,
        "pupil_first_name": pupil.first_name,
        "class_name": str(pupil.registration_group or ""),
        "attendance_rate": f.attendance_rate if f.attendance_rate is not None else "–",
        "possible": f.possible,
        "absences": f.authorised + f.unauthorised,
        # Decided unauthorised absence only: an N (no reason yet) is not one.
        "unauthorised": f.decided_unauthorised,
        "unexplained": f.unexplained,
        "date": f"{today:%-d %B %Y}",
    }
    values.update(
        {k: (f"{v:%-d %B %Y}" if isinstance(v, dt.date) else v) for k, v in extra.items()}
    )
    return values


PLACEHOLDERS = [
    "pupil_name",
    "pupil_first_name",
    "class_name",
    "attendance_rate",
    "possible",
    "absences",
    "unauthorised",
    "unexplained",
    "date",
    "meeting_date",
    "improvement_ends",
    "support_offered",
    "improvement_expected",
    "targets",
    "review_on",
]
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def fill(wording: str, values: dict) -> str:
    """The school's wording with each {{ placeholder }} replaced by its value, as plain text.

    Not a Django template: the wording is the school's and the values are
    pupils' and parents' names, so nothing in either is ever run or trusted
    as markup. The letter's own template escapes the result like any text.
    """
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "")), wording)


def unknown_placeholders(wording: str) -> list[str]:
    """Placeholders the wording uses that Rollcall does not fill (for the wording form)."""
    return sorted({m for m in PLACEHOLDER.findall(wording) if m not in PLACEHOLDERS})


def school_letter(pupil: Pupil, kind: str, today: dt.date, year_start: dt.date, **extra) -> bytes:
    school = pupil.school
    template = template_for(school, kind)
    values = letter_values(pupil, today, year_start, **extra)
    body = fill(template.body, values)
    letter = SchoolLetter(
        **head_to_parents(pupil, today, f"The parents of {pupil.first_name}"),
        subject=fill(template.subject, values),
        paragraphs=[p.strip() for p in body.split("\n\n") if p.strip()],
    )
    return render_pdf("letters/school_letter.html", letter)


def file_letter(intervention: Intervention, pdf: bytes) -> None:
    """Keep a generated letter with the pupil's case file."""
    intervention.letter.save(
        f"{intervention.kind}-{intervention.pupil_id}-{intervention.date}.pdf", ContentFile(pdf)
    )


@dataclass
class ReferralPack:
    school_name: str
    local_authority: str
    date: str
    pupil: dict
    parents: list[dict]
    window: str
    sessions_counted: int
    register: list[dict]
    interventions: list[dict]
    figures: dict


def referral_pack(case: Case, today: dt.date, year_start: dt.date) -> bytes:
    """The LA's evidence pack. Refused while any session in the case's window
    has no reason yet: an N is not an unauthorised absence, and a pack must
    not put one before a magistrate as if it were."""
    pupil = case.pupil
    unresolved = unresolved_in_window(case)
    if unresolved:
        sessions = ", ".join(f"{m.date:%a %-d %b} {m.session}" for m in unresolved)
        raise RuleError(
            f"The referral pack cannot be made while {len(unresolved)} session"
            f"{'s' if len(unresolved) != 1 else ''} in its window "
            f"{'have' if len(unresolved) != 1 else 'has'} no reason yet (N): {sessions}. "
            "Record the reason, or O if none is given, first."
        )
    f = figures_for_pupil(pupil.id, year_start, today)
    counted = set(case.sessions.values_list("date", "session"))
    marks = Mark.objects.filter(pupil=pupil, date__gte=case.window_start, date__lte=case.window_end)
    days: dict[dt.date, dict] = {}
    for m in marks.order_by("date", "session"):
        row = days.setdefault(
            m.date, {"date": f"{m.date:%a %d %b %Y}", "AM": "", "PM": "", "counted": False}
        )
        row[m.session] = m.code
        if m.recorded_at_school:  # a mark from the previous school (the window spans schools)
            row["recorded_at"] = m.recorded_at_school
        row["counted"] = row["counted"] or (m.date, m.session) in counted
    pack = ReferralPack(
        school_name=case.school.name,
        local_authority=case.school.local_authority,
        date=f"{today:%-d %B %Y}",
        pupil={
            "name": pupil.legal_name,
            "upn": pupil.upn,
            "dob": f"{pupil.date_of_birth:%d/%m/%Y}",
            "year": pupil.get_year_group_display(),
            "class": str(pupil.registration_group or ""),
            "send": pupil.get_send_display(),
            "social_worker": pupil.social_worker_name or "none",
        },
        parents=[
            {
                "name": link.contact.name,
                "relationship": link.get_relationship_display(),
                "address": f"{link.contact.address} {link.contact.postcode}".strip(),
                "phone": link.contact.mobile_phone or link.contact.home_phone,
                "ground": link.get_parent_ground_display(),
            }
            for link in pupil.contact_links.select_related("contact").parents()
        ],
        window=f"{case.window_start:%d %B %Y} to {case.window_end:%d %B %Y}",
        sessions_counted=offence_sessions(case),
        register=list(days.values()),
        interventions=[
            {
                "date": f"{i.date:%d/%m/%Y}",
                "kind": i.label,
                "summary": i.summary,
                "notes": i.notes,
            }
            for i in pupil.interventions.order_by("date")
        ],
        figures={
            "rate": f.attendance_rate,
            "possible": f.possible,
            "authorised": f.authorised,
            "unauthorised": f.decided_unauthorised,
        },
    )
    return render_pdf("letters/la_referral.html", pack)


@dataclass
class PenaltyNoticeDates(LetterHead):
    """The school's letter to the parent a notice went to: the dates it runs to,
    the same as the case page shows."""

    pupil_name: str
    local_authority: str
    reference: str
    issued_on: str
    service: str
    posted: bool
    served_on: str
    received_on: str
    sequence: int
    earlier: list[str]
    reduced_amount: str
    reduced_by: str
    full_amount: str
    full_by: str
    reduced_days: int = framework.REDUCED_PAYMENT_DAYS
    full_days: int = framework.FULL_PAYMENT_DAYS


def penalty_notice_letter(notice: PenaltyNotice, today: dt.date) -> bytes:
    school, parent = notice.case.school, notice.parent
    letter = PenaltyNoticeDates(
        **letter_head(
            school,
            parent.name,
            parent.postal_address,
            today,
            school.headteacher or "The headteacher",
            "Headteacher",
        ),
        pupil_name=notice.pupil.name,
        local_authority=school.local_authority or "the local authority",
        reference=notice.reference,
        issued_on=f"{notice.issued_on:%-d %B %Y}",
        service=notice.get_service_display(),
        posted=notice.service == PenaltyNotice.Service.POST,
        served_on=f"{notice.served_on:%-d %B %Y}",
        received_on=f"{notice.received_on:%A %-d %B %Y}",
        sequence=notice.sequence,
        earlier=[f"{n.issued_on:%-d %B %Y}" for n in notice_rests_on(notice)],
        reduced_amount=framework.in_pounds(notice.reduced_amount),
        reduced_by=f"{notice.reduced_by:%A %-d %B %Y}" if notice.reduced_by else "",
        full_amount=framework.in_pounds(notice.full_amount),
        full_by=f"{notice.full_by:%A %-d %B %Y}",
    )
    return render_pdf("letters/penalty_notice.html", letter)
