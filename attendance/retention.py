"""How long records are kept, and the purge that removes what is past it.

The Regulations 2024 require every register entry to be preserved for six
years from the date it was made: the register period may be longer, never
shorter. Everything else follows the school's policy (settings.RETENTION).
`manage.py purge_records` is a dry run unless given --apply, and removes only
what is past its period.

Removing register history means lifting, inside the purge's own transaction,
the triggers that refuse it; only the database's owner may do that, so the
purge runs as `DATABASE_AS_OWNER=true python manage.py purge_records --apply`.
Marks an attendance case rests on stay with the case; cases, pupils and
contacts are not purged here (their periods follow the LA's schedule and
the pupil's file, which goes to the next school).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from .errors import RuleError

REGISTER_MINIMUM_YEARS = 6

# Triggers that refuse these deletes to everyone; the purge lifts them for
# its own transaction only.
GUARDS = [
    ("registers_markchange", "markchange_is_append_only"),
    ("registers_mark", "mark_is_never_deleted"),
    ("attendance_viewlog", "viewlog_is_append_only"),
]


@dataclass
class Rule:
    name: str
    kept: str
    cutoff: dt.date
    counted: object  # the queryset whose rows the summary counts
    parts: list = field(default_factory=list)  # querysets, deleted in this order
    files: Callable[[], list] = lambda: []  # noqa: E731


@dataclass
class Line:
    name: str
    kept: str
    cutoff: dt.date
    count: int


def periods() -> dict[str, int]:
    chosen = dict(settings.RETENTION)
    if chosen["register_years"] < REGISTER_MINIMUM_YEARS:
        raise RuleError(
            f"RETAIN_REGISTER_YEARS is {chosen['register_years']}: the Regulations require "
            f"register entries to be kept for at least {REGISTER_MINIMUM_YEARS} years."
        )
    return chosen


def rules(today: dt.date) -> list[Rule]:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from absences.models import AbsenceReport, ContactAttempt, Evidence, FollowUpTask, LeaveRequest
    from attendance.models import ViewLog
    from penalties.models import CaseSession
    from registers.models import EarlyDeparture, LateArrival, Mark, MarkChange, PupilWeek, Register

    p = periods()
    register = today - relativedelta(years=p["register_years"])
    absences = today - relativedelta(years=p["absence_years"])
    views = today - relativedelta(years=p["view_log_years"])
    sign_ins = today - dt.timedelta(days=p["sign_in_log_days"])

    marks = Mark.objects.filter(date__lt=register).exclude(
        id__in=CaseSession.objects.values("mark_id")
    )
    reports = AbsenceReport.objects.filter(first_day__lt=absences)
    tasks = FollowUpTask.objects.filter(due__lt=absences)
    leave = LeaveRequest.objects.filter(last_day__lt=absences)
    leave_ids = list(leave.values_list("id", flat=True))
    leave_evidence = Evidence.objects.filter(leave_request__in=leave)
    report_evidence = Evidence.objects.filter(report__in=reports)
    return [
        Rule(
            "Register entries (marks with their history, late arrivals, early departures)",
            f"{p['register_years']} years from the date of entry",
            register,
            marks,
            [
                LateArrival.objects.filter(mark__in=marks),
                MarkChange.objects.filter(mark__in=marks),
                marks,
                EarlyDeparture.objects.filter(left_at__date__lt=register),
                Register.objects.filter(date__lt=register, marks__isnull=True),
                PupilWeek.objects.filter(monday__lt=register - dt.timedelta(days=6)),
            ],
        ),
        Rule(
            "Absence reports, calls, follow-up tasks, their letters and evidence",
            f"{p['absence_years']} years",
            absences,
            reports,
            [
                report_evidence,
                ContactAttempt.objects.filter(date__lt=absences),
                tasks,
                reports,
            ],
            lambda: [e.file for e in report_evidence] + [t.letter for t in tasks if t.letter],
        ),
        Rule(
            "Leave requests, their decision letters and evidence",
            f"{p['absence_years']} years after the leave",
            absences,
            leave,
            [
                leave_evidence,
                leave,
                # The history's snapshots go with them (after, so the delete's own goes too).
                LeaveRequest.pgh_event_models["insert"].objects.filter(pgh_obj_id__in=leave_ids),
            ],
            lambda: [e.file for e in leave_evidence] + [r.letter for r in leave if r.letter],
        ),
        Rule(
            "View log (who looked at pupils' records)",
            f"{p['view_log_years']} years",
            views,
            ViewLog.objects.filter(at__date__lt=views),
            [ViewLog.objects.filter(at__date__lt=views)],
        ),
        Rule(
            "Sign-in log",
            f"{p['sign_in_log_days']} days",
            sign_ins,
            AccessLog.objects.filter(attempt_time__date__lt=sign_ins),
            [
                AccessLog.objects.filter(attempt_time__date__lt=sign_ins),
                AccessFailureLog.objects.filter(attempt_time__date__lt=sign_ins),
                AccessAttempt.objects.filter(attempt_time__date__lt=sign_ins),
            ],
        ),
    ]


def plan(today: dt.date) -> list[Line]:
    """What a purge on `today` would remove."""
    return [Line(r.name, r.kept, r.cutoff, r.counted.count()) for r in rules(today)]


def purge(today: dt.date) -> list[Line]:
    """Remove what is past its period: all of it, or (on any error) none."""
    done = plan(today)
    files = []
    with transaction.atomic(), connection.cursor() as cursor:
        try:
            for table, trigger in GUARDS:
                cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{trigger}"')
        except DatabaseError as exc:
            raise RuleError(
                "Only the database's owner can remove register history: run "
                "`DATABASE_AS_OWNER=true python manage.py purge_records --apply`."
            ) from exc
        for rule in rules(today):
            files += [f for f in rule.files() if f]
            for queryset in rule.parts:
                # Plain SQL deletes in the order given; the database's foreign
                # keys (checked at commit) refuse the lot if anything still
                # refers to a row.
                queryset._raw_delete(queryset.db)
        # The foreign keys' deferred checks run now (a row still referred to
        # fails the purge here), so the guards can go back on at once.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, trigger in GUARDS:
            cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER "{trigger}"')
        transaction.on_commit(lambda: [f.storage.delete(f.name) for f in files])
    return done
