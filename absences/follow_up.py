"""N is followed up: an N must be replaced by a definitive code once the
reason is known (DfE, "Working together to improve school attendance").

An N still there some school days later (School.unexplained_follow_up_days)
goes on the office's and the attendance officer's follow-up list; when
enquiries have found no reason, they record O (no reason given) for many at
once, with one reason on every mark's history.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from attendance import codes
from attendance.errors import RuleError
from attendance.models import School, User
from attendance.school_calendar import SchoolCalendar
from registers.models import Mark
from registers.services import MarkError, change_mark

NO_REASON_GIVEN = "O"


def follow_up_cutoff(school: School, today: dt.date) -> dt.date | None:
    """The newest date an N may have and be due for follow-up: the Nth school
    day before today. None when the calendar has not that many days yet."""
    days = SchoolCalendar(school).school_days(today - dt.timedelta(days=400), today)
    before = [d for d in days if d < today]
    n = school.unexplained_follow_up_days
    if n == 0:
        return today
    return before[-n] if len(before) >= n else None


def unexplained_to_follow_up(school: School, today: dt.date):
    """Every N (a real absence, no reason yet) old enough to follow up, oldest first.
    Held-back marks (a register not taken) and pending reports are not here."""
    cutoff = follow_up_cutoff(school, today)
    if cutoff is None:
        return Mark.objects.none()
    return (
        Mark.objects.filter(
            pupil__school=school,
            code=codes.NO_REASON_YET,
            held_back=False,
            pending=False,
            date__lte=cutoff,
        )
        .select_related("pupil__registration_group")
        .order_by("date", "session", "pupil__legal_surname", "pupil__legal_first_name")
    )


@transaction.atomic
def record_no_reason_given(
    school: School,
    seen: dict[int, int],
    *,
    reason: str,
    by: User,
    now: dt.datetime,
) -> int:
    """Record O for each mark in `seen` ({mark id: version the page showed}).

    All or nothing: a mark changed since the page was loaded (a parent rang,
    a late arrival) stops the whole batch, naming the pupil.
    """
    if not by.has_perm("attendance.amend_marks"):
        raise RuleError("Only office and attendance staff record O for unexplained absence.")
    reason = reason.strip()
    if not reason:
        raise RuleError("Give one reason for recording these as O (no reason given).")
    if len(reason) > 250:
        raise RuleError("Keep the reason under 250 characters.")
    if not seen:
        raise RuleError("Tick the absences to record as O.")
    marks = list(
        Mark.objects.select_for_update()
        .filter(pk__in=list(seen), pupil__school=school)
        .select_related("pupil")
        .order_by("pk")
    )
    if len(marks) != len(seen):
        raise MarkError("One of the ticked absences is no longer on the list: reload the page.")
    stale = [
        m
        for m in marks
        if m.version != seen[m.pk] or m.code != codes.NO_REASON_YET or m.held_back or m.pending
    ]
    if stale:
        names = ", ".join(
            f"{m.pupil.name} ({m.date:%-d %b} {m.session}, now {m.code})" for m in stale
        )
        raise MarkError(f"Changed since you loaded the list, so nothing was saved: {names}.")
    for mark in marks:
        change_mark(
            mark,
            NO_REASON_GIVEN,
            by=by,
            now=now,
            source=Mark.Source.OFFICE,
            reason=f"No reason given after follow-up: {reason}",
        )
    return len(marks)
