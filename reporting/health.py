"""Whether Rollcall is working: the database, Redis, the background jobs.

One home for the checks `/healthz` reports (to a load balancer and
docker-compose) and for the Today page's warnings to staff. On a school day
a register that has not closed by its time leaves pupils unmarked, and
first-day calling that has not run leaves families untold that their child
is missing (DfE, "Working together to improve school attendance", 2024: the
first day of an unexplained absence); either is worth a warning.

The answers carry no personal data and no counts of pupils: `/healthz`
needs no sign-in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import connection
from django.db.models import Max

from absences import calling
from attendance import heartbeats
from attendance.models import RegistrationGroup, School
from attendance.school_calendar import SchoolCalendar
from attendance.selectors import current_academic_year
from registers import rules
from registers.models import Register

# Beat sends the close every two minutes and calling every five (settings
# CELERY_BEAT_SCHEDULE): a job is late once it has missed a couple of turns.
CLOSE_GRACE = dt.timedelta(minutes=5)
CALLING_GRACE = dt.timedelta(minutes=12)


def heartbeat_limit() -> dt.timedelta:
    """Three missed heartbeats: one slow turn of a busy worker is no outage."""
    return dt.timedelta(seconds=3 * settings.HEARTBEAT_SECONDS)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    school: int | None = None
    # For staff, when a school's job has not run: what happened, in a sentence.
    warning: str = ""

    def as_json(self) -> dict:
        answer = {"name": self.name, "ok": self.ok, "detail": self.detail}
        if self.school is not None:
            answer["school"] = self.school
        return answer


def _hm(moment: dt.datetime, school: School | None = None) -> str:
    tz = school.tz if school else dt.UTC
    return f"{moment.astimezone(tz):%H:%M}"


def database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return Check("database", True, "answers")


def redis_server() -> Check:
    heartbeats.connection().ping()
    return Check("redis", True, "answers")


def worker_and_beat(now: dt.datetime) -> Check:
    """Beat sends the heartbeat task and a worker runs it: a recent one means both run."""
    last = heartbeats.last_run(heartbeats.HEARTBEAT)
    if last is None:
        return Check("heartbeat", False, "no heartbeat recorded: are the worker and beat running?")
    age = int((now - last).total_seconds())
    if now - last > heartbeat_limit():
        return Check(
            "heartbeat", False, f"last heartbeat {age} s ago: is beat or the worker stopped?"
        )
    return Check("heartbeat", True, f"last heartbeat {age} s ago")


def register_closes(
    school: School, now: dt.datetime, calendar: SchoolCalendar | None = None
) -> list[Check]:
    """Today's register closes whose time passed more than CLOSE_GRACE ago:
    whether every class's register has closed (registers.tasks.close_registers)."""
    today = now.astimezone(school.tz).date()
    calendar = calendar or SchoolCalendar(school)
    year = current_academic_year(school, today)
    if year is None:
        return []
    checks = []
    for session in calendar.sessions_on(today):
        due = rules.closes_at(school, today, session)
        if now < due + CLOSE_GRACE:
            continue
        registers = Register.objects.filter(group__academic_year=year, date=today, session=session)
        closed = registers.filter(closed_at__isnull=False)
        still_open = (
            RegistrationGroup.objects.filter(academic_year=year)
            .exclude(id__in=closed.values("group_id"))
            .exists()
        )
        name = f"{session} register close"
        if still_open:
            checks.append(
                Check(
                    name,
                    False,
                    f"due {_hm(due, school)}, has not run",
                    school.id,
                    warning=f"The {session} registers have not closed: they were due to "
                    f"close at {_hm(due, school)}.",
                )
            )
            continue
        ran = closed.aggregate(last=Max("closed_at"))["last"]
        if ran is None:  # no classes this year: nothing to close
            continue
        late = ran - due > CLOSE_GRACE
        checks.append(
            Check(
                name,
                True,
                f"due {_hm(due, school)}, ran {_hm(ran, school)}{' (late)' if late else ''}",
                school.id,
            )
        )
    return checks


def first_day_calling(
    school: School, now: dt.datetime, calendar: SchoolCalendar | None = None
) -> Check | None:
    """Whether first-day calling (absences.tasks.first_day_calling) is running
    today: while its hours last, within the last CALLING_GRACE; after them,
    at least once in them. None before it is due or on a day with no school."""
    today = now.astimezone(school.tz).date()
    calendar = calendar or SchoolCalendar(school)
    if not calendar.is_school_day(today):
        return None
    starts, ends = calling.calling_starts(school, today), calling.calling_ends(school, today)
    if now < starts + CALLING_GRACE:
        return None
    name = "first-day calling"
    if now < ends:
        since = max(starts, now - CALLING_GRACE)
        if heartbeats.ran_between(heartbeats.FIRST_DAY_CALLING, since, now):
            return Check(name, True, f"due from {_hm(starts, school)}, running", school.id)
        return Check(
            name,
            False,
            f"due from {_hm(starts, school)}, not run since {_hm(since, school)}",
            school.id,
            warning="First-day calling has not run since "
            f"{_hm(since, school)}: no messages are going to families about today's absences.",
        )
    if heartbeats.ran_between(heartbeats.FIRST_DAY_CALLING, starts, ends):
        return Check(
            name, True, f"ran between {_hm(starts, school)} and {_hm(ends, school)}", school.id
        )
    return Check(
        name,
        False,
        f"did not run between {_hm(starts, school)} and {_hm(ends, school)}",
        school.id,
        warning="First-day calling did not run today: no messages went to families "
        "about today's absences.",
    )


def school_checks(school: School, now: dt.datetime) -> list[Check]:
    calendar = SchoolCalendar(school)
    checks = register_closes(school, now, calendar)
    try:
        call = first_day_calling(school, now, calendar)
    except redis.RedisError:
        call = Check(
            "first-day calling",
            False,
            "cannot read when it last ran (Redis)",
            school.id,
            warning="Rollcall cannot tell whether first-day calling is running.",
        )
    return checks + ([call] if call else [])


def overdue(school: School, now: dt.datetime) -> list[Check]:
    """The school's jobs that should have run today and have not (the Today page)."""
    return [check for check in school_checks(school, now) if not check.ok]


def _safely(name: str, check, *args) -> list[Check]:
    try:
        found = check(*args)
    except Exception as exc:  # noqa: BLE001  (any failure is the answer, not a crash)
        return [Check(name, False, f"failed: {type(exc).__name__}")]
    return found if isinstance(found, list) else [found]


def report(now: dt.datetime) -> list[Check]:
    """Every check, for /healthz: all must be ok for Rollcall to be healthy."""
    checks = _safely("database", database) + _safely("redis", redis_server)
    if checks[1].ok:
        checks += _safely("heartbeat", worker_and_beat, now)
    if checks[0].ok:
        for school in School.objects.all():
            checks += _safely(f"school {school.id}", school_checks, school, now)
    return checks
