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

The rows are the outbox: handing a row to the broker may fail (Redis down,
a worker killed before or after it commits), so absences/outbox.py sweeps
every couple of minutes for rows nobody delivered and hands them over again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from attendance import codes
from attendance.models import Pupil, PupilContact, School, User
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


def too_late(school: School, day: dt.date) -> str:
    """Why a message still unsent at the end of calling hours never goes."""
    ends = calling_ends(school, day).astimezone(school.tz)
    return f"{ContactAttempt.PHONE_INSTEAD} (calling hours ended at {ends:%H:%M} before it went)"


def is_vulnerable(pupil: Pupil) -> bool:
    return pupil.has_social_worker or pupil.looked_after


def reports_covering(day: dt.date):
    """Reports from home that explain `day` (the family has told us)."""
    return AbsenceReport.objects.filter(first_day__lte=day).filter(
        Q(expected_return__gt=day) | Q(expected_return__isnull=True, first_day=day)
    )


def unexplained_marks(school: School, day: dt.date):
    """Today's AM marks still N with no report from home, vulnerable pupils first."""
    marks = (
        Mark.objects.filter(pupil__school=school, date=day, session="AM", code__in=UNEXPLAINED)
        .exclude(pupil__in=reports_covering(day).values("pupil"))
        .exclude(HELD_BACK)
        # A pending mark carries a reason the family gave: it awaits the
        # head's decision, but there is nothing left to ask the family.
        .exclude(pending=True)
        .select_related("pupil__registration_group")
    )
    return sorted(
        marks, key=lambda m: (not is_vulnerable(m.pupil), m.pupil.surname, m.pupil.first_name)
    )


def why_not_to_chase(pupil_id: int, day: dt.date) -> str:
    """Why the family must not be told their child is missing on `day`, or ""
    if they still must be.

    Locks the pupil's morning mark, so call it in the transaction that queues
    or sends the message: a late sign-in or a parent's call that lands while
    the message is on its way waits for it, and is seen by the next check.
    """
    mark = (
        Mark.objects.select_for_update()
        .filter(pupil_id=pupil_id, date=day, session="AM")
        .values_list("code", "held_back", "pending")
        .first()
    )
    if mark is None:
        return "there is no morning mark"
    code, held_back, pending = mark
    if held_back:
        # A register nobody took is no evidence that its pupils were absent.
        return "the register was not taken"
    if pending:
        return "the family gave a reason (pending a decision)"
    if code not in UNEXPLAINED:
        return f"the mark is now {code} ({codes.get(code).meaning})"
    if reports_covering(day).filter(pupil_id=pupil_id).exists():
        return "the family reported the absence"
    return ""


def days_unexplained(
    school: School, pupil_ids: list[int], day: dt.date
) -> dict[int, tuple[int, dt.date]]:
    """For each pupil: consecutive school days of unexplained absence up to `day`
    (N or O in the morning), and the first of those days. One query.

    A held-back N (register not taken) or a pending one (a reason reported)
    is not an unexplained absence, so it ends the run."""
    calendar = SchoolCalendar(school)
    days = calendar.school_days(day - dt.timedelta(days=70), day)[::-1]
    absent = set(
        Mark.objects.filter(
            pupil_id__in=pupil_ids,
            date__in=days,
            session="AM",
            code__in=(codes.NO_REASON_YET, codes.OTHER_UNAUTHORISED),
        )
        .exclude(HELD_BACK)
        .exclude(pending=True)
        .values_list("pupil_id", "date")
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
        PupilContact.objects.filter(pupil_id__in=[m.pupil_id for m in marks])
        .parents()
        .select_related("contact")
        .order_by("priority")
    ):
        links.setdefault(link.pupil_id, []).append(link)
    from .tasks import deliver_message

    for mark in marks:
        pupil = mark.pupil
        count, first = streaks.get(pupil.id, (1, day))
        # The list above was read without locks: in the transaction that
        # queues the messages, re-read the locked mark, so a pupil signed in
        # late or explained by a call a moment ago is never chased.
        with transaction.atomic():
            if why_not_to_chase(pupil.id, day):
                continue
            queued = _chase(pupil, day, count, links.get(pupil.id, []), now, run)
            for attempt_id in queued:
                # robust: a broker outage must not stop the pass; the row is
                # queued and the outbox sweep hands it over once Redis is back.
                transaction.on_commit(lambda a=attempt_id: deliver_message.delay(a), robust=True)
            run.messages += queued
            run.tasks += _escalate(pupil, count, first, day, now)
    return run


def _chase(
    pupil: Pupil,
    day: dt.date,
    count: int,
    links: list[PupilContact],
    now: dt.datetime,
    run: CallingRun,
) -> list[int]:
    """Queue today's message to the family (and the social worker's alert)."""
    school = pupil.school
    queued = []
    subject, body = message_for(pupil, day, count)
    reachable = [(link, _channel_for(link)) for link in links]
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
            queued.append(attempt.id)
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
            queued.append(attempt.id)
    return queued


def _escalate(
    pupil: Pupil, count: int, first: dt.date, day: dt.date, now: dt.datetime
) -> list[int]:
    school = pupil.school
    made = []
    key = referral_key(first)
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


def referral_key(first: dt.date) -> str:
    """What raised a task: one home visit and one referral per run of absence."""
    return f"unexplained-from-{first.isoformat()}"


class ReferralRefused(ValueError):
    """A children-missing-education referral that cannot be raised as asked."""


@dataclass
class MissingEducationFacts:
    """What the LA is told, and what staff confirm before a referral is raised."""

    pupil: Pupil
    day: dt.date
    days: int  # consecutive school days of unexplained absence up to `day`
    first: dt.date  # the first of them
    limit: int  # the school's cme_referral_after_days
    attempts: list[ContactAttempt]  # every contact tried since `first`, oldest first
    already: FollowUpTask | None  # the referral for this absence, if raised

    @property
    def early(self) -> bool:
        return self.days < self.limit

    @property
    def key(self) -> str:
        return referral_key(self.first)


def missing_education_facts(pupil: Pupil, day: dt.date) -> MissingEducationFacts:
    school = pupil.school
    count, first = days_unexplained(school, [pupil.id], day)[pupil.id]
    return MissingEducationFacts(
        pupil=pupil,
        day=day,
        days=count,
        first=first,
        limit=school.cme_referral_after_days,
        attempts=list(
            pupil.contact_attempts.filter(date__gte=first, date__lte=day)
            .select_related("contact", "made_by")
            .order_by("created_at", "id")
        )
        if count
        else [],
        already=FollowUpTask.objects.filter(
            pupil=pupil, kind=FollowUpTask.Kind.CME_REFERRAL, key=referral_key(first)
        ).first()
        if count
        else None,
    )


def describe_attempt(attempt: ContactAttempt) -> str:
    """When, how and with what outcome: one line of the referral."""
    who = attempt.contact.name if attempt.contact else attempt.recipient
    line = (
        f"{attempt.created_at.astimezone(attempt.pupil.school.tz):%d/%m %H:%M} "
        f"{attempt.get_kind_display().lower()} by {attempt.get_channel_display().lower()} "
        f"to {who}: {attempt.error if attempt.withheld else attempt.get_status_display()}"
    )
    return f"{line} ({attempt.notes})" if attempt.notes else line


def refer_missing_education(
    pupil: Pupil,
    first: dt.date,
    count: int,
    day: dt.date,
    now: dt.datetime,
    key: str,
    *,
    early_reason: str = "",
    by: User | None = None,
) -> FollowUpTask | None:
    """Raise the children-missing-education referral with the facts the LA needs.

    Automatic on the school's day limit (10 school days by default, Heartwood:
    "no contact by the 10th day"); staff may raise it sooner with a reason,
    kept on the task. Returns None if it was already raised for this absence.
    """
    school = pupil.school
    contacts = "; ".join(
        f"{link.contact.name} ({link.get_relationship_display()}) "
        f"{link.contact.mobile_phone or link.contact.home_phone} {link.contact.address}"
        for link in pupil.contact_links.select_related("contact")
    )
    attempts = [
        describe_attempt(a)
        for a in pupil.contact_attempts.filter(date__gte=first, date__lte=day)
        .select_related("contact", "pupil__school")
        .order_by("created_at", "id")
    ]
    raised = f"Raised by {by.display_name()}. " if by is not None else ""
    early = (
        f"Referred before the school's {school.cme_referral_after_days}-day limit because: "
        f"{early_reason.strip()}. "
        if early_reason.strip()
        else ""
    )
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
                f"born {pupil.date_of_birth:%d/%m/%Y}, {pupil.get_year_group_display()}, "
                f"class {pupil.registration_group or 'none'}. "
                f"Absent without explanation since {first:%d %B %Y} "
                f"({count} school day{'s' if count != 1 else ''}). "
                f"{early}"
                f"Contacts: {contacts or 'none on record'}. "
                f"Attempts to contact the family: {len(attempts)}"
                f"{': ' + '; '.join(attempts) if attempts else ''}. "
                f"Social worker: {pupil.social_worker_name or 'none'}. "
                f"Send to: {school.la_attendance_email or 'the LA CME team'}. "
                f"{raised}"
            ).strip(),
        },
    )
    return task if created else None


@transaction.atomic
def confirm_missing_education_referral(
    pupil: Pupil, day: dt.date, now: dt.datetime, *, early_reason: str, by: User
) -> FollowUpTask | None:
    """Staff raise the referral after confirming the facts.

    The facts are read again here, not taken from the page: an absence
    explained since the page was shown is not referred. Before the school's
    limit a reason for referring early is required (Heartwood: "sooner if
    needed"). Returns None if it was already raised for this absence.
    """
    facts = missing_education_facts(pupil, day)
    if facts.days == 0:
        raise ReferralRefused(f"{pupil.name} has no unexplained absence today to refer.")
    if facts.early and not early_reason.strip():
        raise ReferralRefused(
            f"{pupil.name} has {facts.days} of the school's {facts.limit} school days of "
            "unexplained absence: give the reason for referring early."
        )
    return refer_missing_education(
        pupil,
        facts.first,
        facts.days,
        day,
        now,
        key=facts.key,
        early_reason=early_reason if facts.early else "",
        by=by,
    )


def deliver(attempt_id: int, now: dt.datetime) -> str:
    """Send one queued message. Returns "sent", "retry" or "done" (nothing to do).

    Checked again at the moment of sending, not only when queued: a retry an
    hour later must not tell a family their child is missing once the child
    has signed in late, the family has called, or the school day is over.
    """
    with transaction.atomic():
        attempt = ContactAttempt.objects.select_for_update().get(pk=attempt_id)
        if attempt.status not in (ContactAttempt.Status.QUEUED, ContactAttempt.Status.FAILED):
            return "done"
        school = attempt.pupil.school
        why_not = why_not_to_chase(attempt.pupil_id, attempt.date)
        if not why_not and now >= calling_ends(school, attempt.date):
            why_not = too_late(school, attempt.date)
        if why_not:
            attempt.status = ContactAttempt.Status.GAVE_UP
            attempt.error = f"{ContactAttempt.NOT_SENT}{why_not}"[:300]
            attempt.updated_at = now
            attempt.save(update_fields=["status", "error", "updated_at"])
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
        error = str(exc)
        if exc.unknown:
            error = f"{ContactAttempt.NOT_KNOWN}{ContactAttempt.PHONE_INSTEAD} ({error})"
        elif not retry and ContactAttempt.PHONE_INSTEAD not in error:
            error = f"{ContactAttempt.NOT_SENT}{ContactAttempt.PHONE_INSTEAD} ({error})"
        attempt.error = error[:300]
        # updated_at stays the time of this try: the outbox sweep times a lost retry from it.
        attempt.save(update_fields=["status", "error"])
        return "retry" if retry else "done"
    attempt.status = ContactAttempt.Status.SENT
    attempt.provider_id = provider_id
    attempt.error = ""
    attempt.save(update_fields=["status", "provider_id", "error"])
    return "sent"
