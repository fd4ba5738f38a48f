"""Registers not taken: chased from the moment they open, and after the close
until the office completes them.

A register nobody took is the one thing that can turn a class sitting in
its room into thirty "absent" messages home. So the office and the head see
every open register still untaken (with its teacher), teachers are reminded
a few minutes before the close, and a register that closed untaken stays on
the list, its pupils held back (Mark.held_back), until the office completes it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Count, Prefetch, Q
from django.urls import reverse

from attendance.models import RegistrationGroup, School, User
from attendance.school_calendar import SchoolCalendar
from attendance.selectors import current_academic_year

from . import rules
from .models import Register

log = logging.getLogger(__name__)


@dataclass
class Untaken:
    group: RegistrationGroup
    day: dt.date
    session: str
    opens: dt.datetime
    closes: dt.datetime
    register: Register | None
    teachers: list[User] = field(default_factory=list)
    held_back: int = 0  # pupils whose N says "not taken"

    @property
    def closed(self) -> bool:
        return bool(self.register and self.register.closed_at)

    @property
    def teacher_names(self) -> str:
        return ", ".join(t.display_name() for t in self.teachers) or "no teacher set"


def _with_teachers(path: str = "teachers"):
    return Prefetch(path, queryset=User.objects.order_by("last_name", "first_name"))


def untaken_registers(
    school: School, now: dt.datetime, teacher: User | None = None
) -> list[Untaken]:
    """Today's registers that have opened and not been taken, then any earlier
    register that closed untaken and is not completed yet: oldest first."""
    today = now.astimezone(school.tz).date()
    rows: list[Untaken] = []
    sessions = [
        s
        for s in SchoolCalendar(school).sessions_on(today)
        if now >= rules.at(school, today, rules.register_times(school, s)[0])
    ]
    year = current_academic_year(school, today)
    if sessions and year is not None:
        groups = RegistrationGroup.objects.filter(academic_year=year).prefetch_related(
            _with_teachers()
        )
        if teacher is not None:
            groups = groups.filter(teachers=teacher)
        groups = list(groups.order_by("name"))
        registers = {
            (r.group_id, r.session): r
            for r in Register.objects.filter(group__in=groups, date=today).annotate(
                held=Count("marks", filter=Q(marks__held_back=True))
            )
        }
        for session in sessions:
            opens, closes = rules.register_times(school, session)
            for group in groups:
                register = registers.get((group.id, session))
                if register and register.taken_at:
                    continue
                rows.append(
                    Untaken(
                        group,
                        today,
                        session,
                        rules.at(school, today, opens),
                        rules.at(school, today, closes),
                        register,
                        list(group.teachers.all()),
                        register.held if register else 0,
                    )
                )
    earlier = (
        Register.objects.filter(
            group__academic_year__school=school,
            date__lt=today,
            not_taken_at_close=True,
            taken_at__isnull=True,
            marks__held_back=True,
        )
        .annotate(held=Count("marks", filter=Q(marks__held_back=True)))
        .select_related("group")
        .prefetch_related(_with_teachers("group__teachers"))
        .order_by("date", "session", "group__name")
    )
    if teacher is not None:
        earlier = earlier.filter(group__teachers=teacher)
    earlier_rows = []
    for register in earlier:
        opens, closes = rules.register_times(school, register.session)
        earlier_rows.append(
            Untaken(
                register.group,
                register.date,
                register.session,
                rules.at(school, register.date, opens),
                rules.at(school, register.date, closes),
                register,
                list(register.group.teachers.all()),
                register.held,
            )
        )
    return earlier_rows + rows


def held_back_registers(school: School) -> int:
    """How many closed registers still wait for the office (one cheap query)."""
    return (
        Register.objects.filter(
            group__academic_year__school=school,
            not_taken_at_close=True,
            taken_at__isnull=True,
            marks__held_back=True,
        )
        .distinct()
        .count()
    )


def in_reminder_window(school: School, day: dt.date, session: str, now: dt.datetime) -> bool:
    closes = rules.closes_at(school, day, session)
    return closes - dt.timedelta(minutes=school.register_reminder_minutes) <= now < closes


def reminders_due(school: School, now: dt.datetime, teacher: User | None = None) -> list[Untaken]:
    """The untaken registers whose reminder time has come (the close is near)."""
    return [
        row
        for row in untaken_registers(school, now, teacher)
        if row.day == now.astimezone(school.tz).date()
        and in_reminder_window(school, row.day, row.session, now)
    ]


def send_register_reminders(school: School, now: dt.datetime) -> int:
    """Hand each register due a reminder, whose teachers have an email address,
    to a worker to send. Returns the number of registers handed over.

    Handed over again each minute until a worker has sent it (reminder_sent_at
    is written by the send, not here): a hand-over lost to a broker outage or
    a worker killed mid-send is made again while the reminder window lasts.
    """
    from .tasks import send_register_reminder

    reminded = 0
    for row in reminders_due(school, now):
        if not any(t.email for t in row.teachers):
            continue
        with transaction.atomic():
            register, _ = Register.objects.get_or_create(
                group=row.group, date=row.day, session=row.session
            )
            if register.reminder_sent_at or register.taken_at:
                continue
            # robust: a broker outage must not stop the other registers' reminders.
            transaction.on_commit(
                lambda pk=register.pk: send_register_reminder.delay(pk), robust=True
            )
            reminded += 1
    return reminded


# pg_try_advisory_xact_lock(REMINDER_LOCK, register id): one sender per register.
REMINDER_LOCK = 20_09_2026


def deliver_reminder(register_id: int, now: dt.datetime) -> int:
    """Send one register's reminder, if it is still untaken, still open and not
    sent yet.

    At least once, unlike parents' messages: the mail is sent and
    reminder_sent_at written in one transaction, so a worker killed or a mail
    server failing before the commit leaves it unsent and the next minute's
    pass hands it over again. A teacher may, rarely, get it twice; a lost
    reminder costs a register closed untaken and its class held back. The
    advisory lock, not a row lock, keeps two workers apart without making a
    teacher saving the register wait for the mail server.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [REMINDER_LOCK, register_id])
            if not cursor.fetchone()[0]:
                return 0  # another worker is sending it
        return _send_reminder(register_id, now)


def _send_reminder(register_id: int, now: dt.datetime) -> int:
    register = Register.objects.select_related("group__academic_year__school").get(pk=register_id)
    school = register.group.academic_year.school
    if register.reminder_sent_at:
        return 0
    if register.taken_at or register.closed_at or now >= register_closes(register):
        log.info("register reminder not sent: register %s taken or closed", register_id)
        return 0
    closes = register_closes(register).astimezone(school.tz)
    link = settings.SITE_URL.rstrip("/") + reverse(
        "registers:register", args=[register.group_id, register.date.isoformat(), register.session]
    )
    sent = 0
    for teacher in register.group.teachers.exclude(email=""):
        send_mail(
            f"{register.group.name} {register.session} register: closes at {closes:%H:%M}",
            (
                f"The {register.get_session_display().lower()} register for {register.group.name} "
                f"has not been taken yet and closes at {closes:%H:%M}.\n\n"
                "Pupils on an untaken register are not contacted as absent, but the office "
                f"must then complete it by hand. Take it now: {link}\n"
            ),
            settings.DEFAULT_FROM_EMAIL,
            [teacher.email],
        )
        sent += 1
    Register.objects.filter(pk=register_id, reminder_sent_at__isnull=True).update(
        reminder_sent_at=now
    )
    log.info("register reminder sent: register %s, %s teachers", register_id, sent)
    return sent


def register_closes(register: Register) -> dt.datetime:
    school = register.group.academic_year.school
    return rules.closes_at(school, register.date, register.session)
