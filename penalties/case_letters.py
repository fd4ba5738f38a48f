"""The steps of a case that put a letter in the parents' or the LA's hands.

Each records its step (penalties.services) and files its letter in one
transaction: a Notice to Improve, a referral or a penalty notice is never on
record without the letter the law says goes with it, and a letter that
cannot be made (penalties.letters refuses a pack with an N in its window)
leaves the case as it was.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.db import transaction

from attendance.models import Contact, User

from . import letters, selectors, services
from .models import Case, Intervention, LetterTemplate, NoticeToImprove, PenaltyNotice


@transaction.atomic
def issue_notice_to_improve(
    case: Case,
    *,
    issued_on: dt.date,
    support_offered: str,
    improvement_expected: str,
    by: User,
    now: dt.datetime,
    today: dt.date,
    year_start: dt.date,
) -> NoticeToImprove:
    """Issue a Notice to Improve (services.issue_notice_to_improve) and its letter.

    The letter states the unauthorised sessions the case counts, not the
    year's: an N since the case opened is no offence and never appears in it.
    """
    notice = services.issue_notice_to_improve(
        case,
        issued_on=issued_on,
        support_offered=support_offered,
        improvement_expected=improvement_expected,
        by=by,
        now=now,
    )
    pdf = letters.school_letter(
        case.pupil,
        LetterTemplate.Kind.NOTICE_TO_IMPROVE,
        today,
        year_start,
        improvement_ends=notice.improvement_ends,
        support_offered=notice.support_offered,
        improvement_expected=notice.improvement_expected,
        unauthorised=selectors.offence_sessions(case),
    )
    notice.letter.save(f"nti-{case.id}.pdf", ContentFile(pdf))
    return notice


@transaction.atomic
def refer_to_la(
    case: Case,
    *,
    reason_no_nti: str,
    by: User,
    now: dt.datetime,
    today: dt.date,
    year_start: dt.date,
) -> Intervention | None:
    """Refer the case to the LA today (services.refer_to_la) and file the
    referral pack, the LA's evidence, with the referral in the case file."""
    services.refer_to_la(case, on=today, reason_no_nti=reason_no_nti, by=by, now=now)
    pack = letters.referral_pack(case, today, year_start)
    record = Intervention.objects.filter(case=case, kind=Intervention.Kind.REFERRAL).first()
    letters.file_letter(record, pack)
    return record


@transaction.atomic
def issue_penalty_notice(
    case: Case,
    parent: Contact,
    *,
    issued_on: dt.date,
    service: str,
    served_on: dt.date,
    reference: str,
    today: dt.date,
) -> PenaltyNotice:
    """Record a penalty notice to one parent (services.issue_penalty_notice)
    and make the notice itself, the letter the parent is served with."""
    notice = services.issue_penalty_notice(
        case,
        parent,
        issued_on=issued_on,
        service=service,
        served_on=served_on,
        reference=reference,
    )
    notice.letter.save(
        f"penalty-notice-{notice.id}.pdf",
        ContentFile(letters.penalty_notice_letter(notice, today)),
    )
    return notice


def record_intervention(
    intervention: Intervention, *, pupil, by: User, now: dt.datetime
) -> Intervention:
    """Add support, a meeting or a call to the pupil's case file, on their
    open case if they have one (the DfE's "support first": what was offered
    is the evidence a later Notice to Improve or referral rests on)."""
    intervention.pupil, intervention.recorded_by, intervention.recorded_at = pupil, by, now
    intervention.case = pupil.penalty_cases.exclude(stage=Case.Stage.CLOSED).first()
    intervention.save()
    return intervention


@transaction.atomic
def send_school_letter(
    pupil,
    kind: str,
    *,
    meeting_date: dt.date | None,
    targets: str,
    review_on: dt.date | None,
    by: User,
    now: dt.datetime,
    today: dt.date,
    year_start: dt.date,
) -> Intervention:
    """Make one of the school's own attendance letters (concern, meeting,
    praise...) and keep it on the case file, with the targets and review date
    it set, in one transaction: no letter on file without its record."""
    pdf = letters.school_letter(
        pupil,
        kind,
        today,
        year_start,
        meeting_date=meeting_date,
        targets=targets,
        review_on=review_on,
    )
    intervention = Intervention.objects.create(
        pupil=pupil,
        kind=Intervention.Kind.PRAISE if kind == "praise" else Intervention.Kind.LETTER,
        date=today,
        summary=f"{LetterTemplate.Kind(kind).label} letter",
        targets=targets or "",
        review_on=review_on,
        recorded_by=by,
        recorded_at=now,
        case=pupil.penalty_cases.exclude(stage=Case.Stage.CLOSED).first(),
    )
    letters.file_letter(intervention, pdf)
    return intervention
