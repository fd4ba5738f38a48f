"""First-day calling: contact the family of every pupil absent with no reason.

DfE "Working together to improve school attendance" (2024): contact parents
on the first day of an unexplained absence and every day after; pupils with
a social worker or who are looked after come first and their social worker
is told. After `letter_after_days` a letter and a home visit; after
`cme_referral_after_days` a children-missing-education referral to the LA.

Idempotent and retry-safe: each automatic message is a ContactAttempt row,
unique per pupil, day, kind and recipient, created before anything is sent.
Delivery moves a row queued -> sending -> sent; a row left in "sending" by a
crash is never resent (the office list shows it as unknown), so a parent can
never get the same message twice on one day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from attendance import codes
from attendance.models import Pupil, PupilContact, School
from attendance.school_calendar import SchoolCalendar
from registers import rules
from registers.models import Mark
from registers.selectors import HELD_BACK

from . import letters, messaging
from .models import AbsenceReport, ContactAttempt, FollowUpTask

UNEXPLAINED = (codes.NO_REASON_YET,)


def calling_starts(school: School, day: dt.date) -> dt.datetime:
    return rules.at(school, day, school.am_register_closes) + dt.timedelta(
        minutes=school.first_day_calling_delay
    )


def calling_ends(school: School, day: dt.date) -> dt.datetime:
    return rules.at(school, day, school.first_day_calling_ends)


def is_vulnerable(pupil: Pupil) -> bool:
    return pupil.has_social_worker or pupil.looked_after


def unexplained_marks(school: School, day: dt.date):
    """Today's AM marks still N with no report from home, vulnerable pupils first."""
    reported = AbsenceReport.objects.filter(first_day__lte=day).filter(
        Q(expected_return__gt=day) | Q(expected_return__isnull=True, first_day=day)
    )
    marks = (
        Mark.objects.filter(pupil__school=school, date=day, session="AM", code__in=UNEXPLAINED)
        .exclude(pupil__in=reported.values("pupil"))
        .exclude(HELD_BACK)
        .select_related("pupil__registration_group")
    )
    return sorted(
        marks, key=lambda m: (not is_vulnerable(m.pupil), m.pupil.surname, m.pupil.first_name)
    )


def days_unexplained(
    school: School, pupil_ids: list[int], day: dt.date
) -> dict[int, tuple[int, dt.date]]:
    """For each pupil: consecutive school days of unexplained absence up to `day`
    (N or O in the morning), and the first of those days. One query."""
    calendar = SchoolCalendar(school)
    days = calendar.school_days(day - dt.timedelta(days=70), day)[::-1]
    absent = set(
        Mark.objects.filter(
            pupil_id__in=pupil_ids, date__in=days, session="AM", code__in=("N", "O")
        ).values_list("pupil_id", "date")
    )
    result = {}
    for pupil_id in pupil_ids:
        count, first = 0, day
        for d in days:
            if (pupil_id, d) not in absent:
                break
            count, first = count + 1, d
        result[pupil_id] = (count, first)
    return result


def _channel_for(link: PupilContact) -> tuple[str, str] | None:
    contact = link.contact
    wants_text = contact.preferred_contact_method in ("sms", "phone")
    if contact.mobile_phone and messaging.can_text() and (wants_text or not contact.email):
        return ContactAttempt.Channel.SMS, contact.mobile_phone
    if contact.email:
        return ContactAttempt.Channel.EMAIL, contact.email
    if contact.mobile_phone and messaging.can_text():
        return ContactAttempt.Channel.SMS, contact.mobile_phone
    return None  # a phone call by the office


def message_for(pupil: Pupil, day: dt.date, count: int) -> tuple[str, str]:
    school = pupil.school
    when = "today" if count <= 1 else f"today ({count} school days running)"
    subject = f"{pupil.first_name} is not in school {day:%A %-d %B}"
    body = (
        f"{school.name}: {pupil.first_name} is not in school {when} and we have not heard why. "
        f"Please contact the school office{f' on {school.phone}' if school.phone else ''} "
        "today to tell us the reason."
    )
    return subject, body


@dataclass
class CallingRun:
    messages: list[int] = field(default_factory=list)
    tasks: list[int] = field(default_factory=list)
    to_phone: list[int] = field(default_factory=list)


def _queue(
    pupil, day, kind, channel, recipient, contact, subject, body, now
) -> ContactAttempt | None:
    try:
        with transaction.atomic():
            return ContactAttempt.objects.create(
                pupil=pupil,
                date=day,
                kind=kind,
                channel=channel,
                recipient=recipient,
                contact=contact,
                message=f"{subject}\n\n{body}",
                created_at=now,
                updated_at=now,
            )
    except IntegrityError:
        return None  # already queued today: never twice


def run_first_day_calling(school: School, now: dt.datetime) -> CallingRun:
    """One pass of first-day calling for `school`; safe to run any number of times."""
    day = now.astimezone(school.tz).date()
    run = CallingRun()
    if not SchoolCalendar(school).is_school_day(day):
        return run
    # A worker that starts late (or beat after an outage) must not tell families
    # at teatime that their child "is not in school today".
    if not calling_starts(school, day) <= now < calling_ends(school, day):
        return run
    marks = unexplained_marks(school, day)
    streaks = days_unexplained(school, [m.pupil_id for m in marks], day)
    links = {}
    for link in (
        PupilContact.objects.filter(
            pupil_id__in=[m.pupil_id for m in marks], parental_responsibility=True
        )
        .select_related("contact")
        .order_by("priority")
    ):
        links.setdefault(link.pupil_id, []).append(link)
    for mark in marks:
        pupil = mark.pupil
        count, first = streaks.get(pupil.id, (1, day))
        subject, body = message_for(pupil, day, count)
        reachable = [(link, _channel_for(link)) for link in links.get(pupil.id, [])]
        reachable = [(link, ch) for link, ch in reachable if ch]
        if reachable:
            link, (channel, recipient) = reachable[0]  # the first contact by priority
            attempt = _queue(
                pupil,
                day,
                ContactAttempt.Kind.FIRST_DAY,
                channel,
                recipient,
                link.contact,
                subject,
                body,
                now,
            )
            if attempt:
                run.messages.append(attempt.id)
        else:
            run.to_phone.append(pupil.id)
        if is_vulnerable(pupil) and pupil.social_worker_email:
            sw_subject = f"Unexplained absence: {pupil.legal_name}"
            sw_body = (
                f"{pupil.legal_name} (born {pupil.date_of_birth:%d/%m/%Y}, "
                f"{pupil.registration_group or pupil.get_year_group_display()}) is absent from "
                f"{school.name} on {day:%A %d %B %Y} with no explanation"
                f"{f' ({count} school days running)' if count > 1 else ''}. "
                f"We are contacting the family. School office: {school.phone or school.email}."
            )
            attempt = _queue(
                pupil,
                day,
                ContactAttempt.Kind.SOCIAL_WORKER,
                ContactAttempt.Channel.EMAIL,
                pupil.social_worker_email,
                None,
                sw_subject,
                sw_body,
                now,
            )
            if attempt:
                run.messages.append(attempt.id)
        run.tasks += _escalate(pupil, count, first, day, now)
    from .tasks import deliver_message

    for attempt_id in run.messages:
        transaction.on_commit(lambda a=attempt_id: deliver_message.delay(a))
    return run


def _escalate(
    pupil: Pupil, count: int, first: dt.date, day: dt.date, now: dt.datetime
) -> list[int]:
    school = pupil.school
    made = []
    key = f"unexplained-from-{first.isoformat()}"
    if count >= school.letter_after_days:
        task, created = FollowUpTask.objects.get_or_create(
            pupil=pupil,
            kind=FollowUpTask.Kind.HOME_VISIT,
            key=key,
            defaults={
                "due": day + dt.timedelta(days=1),
                "created_at": now,
                "details": (
                    f"{pupil.name} has been absent without explanation since {first:%A %d %B} "
                    f"({count} school days). Visit the home; the letter is attached."
                ),
            },
        )
        if created:
            letters.attach_unexplained_absence_letter(task, first, count)
            made.append(task.id)
    if count >= school.cme_referral_after_days:
        task = refer_missing_education(pupil, first, count, day, now, key=key)
        if task:
            made.append(task.id)
    return made


def refer_missing_education(
    pupil: Pupil, first: dt.date, count: int, day: dt.date, now: dt.datetime, key: str
) -> FollowUpTask | None:
    """Raise the children-missing-education referral with the facts the LA needs.

    Automatic on the school's day limit (10 school days by default); staff
    may raise it sooner. Returns None if it was already raised for this absence.
    """
    school = pupil.school
    contacts = "; ".join(
        f"{link.contact.name} ({link.get_relationship_display()}) "
        f"{link.contact.mobile_phone or link.contact.home_phone} {link.contact.address}"
        for link in pupil.contact_links.select_related("contact")
    )
    attempts = pupil.contact_attempts.filter(date__gte=first).count()
    task, created = FollowUpTask.objects.get_or_create(
        pupil=pupil,
        kind=FollowUpTask.Kind.CME_REFERRAL,
        key=key,
        defaults={
            "due": day,
            "created_at": now,
            "details": (
                f"Children missing education referral to {school.local_authority}. "
                f"Pupil: {pupil.legal_name}, UPN {pupil.upn}, "
                f"born {pupil.date_of_birth:%d/%m/%Y}, {pupil.get_year_group_display()}. "
                f"Absent without explanation since {first:%d %B %Y} "
                f"({count} school day{'s' if count != 1 else ''}). "
                f"Contacts: {contacts or 'none on record'}. "
                f"Attempts to contact the family: {attempts}. "
                f"Social worker: {pupil.social_worker_name or 'none'}. "
                f"Send to: {school.la_attendance_email or 'the LA CME team'}."
            ),
        },
    )
    return task if created else None


def deliver(attempt_id: int, now: dt.datetime) -> str:
    """Send one queued message. Returns "sent", "retry" or "done" (nothing to do)."""
    with transaction.atomic():
        attempt = ContactAttempt.objects.select_for_update().get(pk=attempt_id)
        if attempt.status not in (ContactAttempt.Status.QUEUED, ContactAttempt.Status.FAILED):
            return "done"
        attempt.status = ContactAttempt.Status.SENDING
        attempt.tries += 1
        attempt.updated_at = now
        attempt.save(update_fields=["status", "tries", "updated_at"])
    subject, _, body = attempt.message.partition("\n\n")
    try:
        provider_id = messaging.send(
            attempt.channel, attempt.recipient, subject, body, reference=f"rollcall-{attempt.id}"
        )
    except messaging.DeliveryError as exc:
        retry = exc.transient and attempt.tries < settings.NOTIFY_MAX_TRIES
        attempt.status = ContactAttempt.Status.FAILED if retry else ContactAttempt.Status.GAVE_UP
        attempt.error = str(exc)[:300]
        attempt.save(update_fields=["status", "error"])
        return "retry" if retry else "done"
    attempt.status = ContactAttempt.Status.SENT
    attempt.provider_id = provider_id
    attempt.error = ""
    attempt.save(update_fields=["status", "provider_id", "error"])
    return "sent"
