"""Writing one mark. Every write goes through `write_mark`, which keeps the history."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from attendance import codes
from attendance.errors import RuleError
from attendance.models import Pupil, RegistrationGroup, User
from attendance.roles import roles_of

from ..models import Mark, MarkChange, Register, Session
from ..selectors import columns_of

SYSTEM_NAME = "Rollcall"


class MarkError(RuleError):
    """A rule about marks (kept as its own name for the callers that catch it)."""


def position_of(user: User | None) -> str:
    if user is None:
        return "automatic (register close)"
    if user.job_title:
        return user.job_title
    return ", ".join(sorted(r.value for r in roles_of(user))) or "staff"


# Writes that carry a decision already made elsewhere: a parent's reported
# reason pending the head's queue, leave decided by the head (decide_leave),
# a file of earlier marks (audited as an import).
DECIDED_ELSEWHERE = {"absence", "leave", "import"}


def may_decide(old: str | None, new: str, by: User | None, source: str) -> bool:
    """Whether `by` may make this change, given who may authorise absence."""
    if by is None or source in DECIDED_ELSEWHERE:
        return True
    return not codes.decides_authorisation(old, new) or by.has_perm(codes.AUTHORISE_PERMISSION)


def require_decider(old: str | None, new: str, by: User | None, source: str) -> None:
    if not may_decide(old, new, by, source):
        raise MarkError(
            "Only the head (or a member of staff they have delegated) decides whether an "
            f"absence is authorised: {old or 'no mark'} to {new} is that decision."
        )


def history_entry(
    mark: Mark,
    code: str,
    minutes_late: int | None,
    *,
    first: bool,
    by: User | None,
    now: dt.datetime,
    source: str,
    reason: str,
) -> MarkChange:
    """One entry of a mark's history, built before the mark itself changes.

    Regulations 2024: an amendment keeps the original entry (the old code and
    minutes, read from `mark` unless this is its `first` entry), the reason,
    and the name and position of who made it and when. Name and position are
    copied, so the record still says who after they leave or change job.
    """
    return MarkChange(
        mark=mark,
        old_code="" if first else mark.code,
        new_code=code,
        old_minutes_late=None if first else mark.minutes_late,
        new_minutes_late=minutes_late,
        reason=reason,
        source=source,
        changed_by=by,
        changed_by_name=by.display_name() if by else SYSTEM_NAME,
        changed_by_position=position_of(by),
        changed_at=now,
    )


def write_mark(
    pupil: Pupil,
    day: dt.date,
    session: str,
    code: str,
    *,
    by: User | None,
    now: dt.datetime,
    source: str,
    reason: str = "",
    minutes_late: int | None = None,
    register: Register | None = None,
    note: str = "",
    mark: Mark | None = None,
    pending: bool = False,
    held_back: bool = False,
) -> Mark:
    """Create or change one mark, recording the change in its history.

    A withdrawn code is refused, and so is a day still to come: the register
    records what happened. Whether an absence is authorised is the head's
    decision (or a delegate's, with the authorise permission): `by` may not
    make that change unless the write is automatic (`by` is None) or carries
    a decision made elsewhere (DECIDED_ELSEWHERE). The session and the
    pupil's roll are not checked here: callers that take a code from a
    person call `check_session` first.

    `pending` marks a reported reason awaiting a decision, `held_back` the N
    of a register nobody took (see Mark); any later write without them is the
    decision, so it clears them, with its own history entry even when the code
    stays the same.

    Every write is an entry in the mark's history (`history_entry`): old and
    new code and minutes late, the reason, who (Rollcall itself when `by` is
    None) in what position, when, and from where. The first entry is
    recorded too ("First entry" unless a reason is given), so the original
    entry is always known. Changing an existing mark needs a reason
    (Regulations 2024: an amendment keeps the original entry, the reason, the
    name and position of who amended it and when). A write that leaves the
    code, minutes late, `pending` and `held_back` as they are changes nothing.
    A `note` replaces the mark's note only when given, and a mark on no
    register is attached to `register`.

    Without `mark`, the saved mark is locked (select_for_update) before it is
    changed; callers that pass `mark` hold its lock (or the register's).
    """
    if not codes.get(code).in_use:
        raise MarkError(f"{code} is a withdrawn code and cannot be entered.")
    if day > timezone.localdate(now):
        # The register records what happened; a planned absence waits for its day.
        raise MarkError(
            f"{day:%A %-d %B %Y} has not happened yet: a mark is entered on the day, not before."
        )
    if mark is None:
        mark = (
            Mark.objects.select_for_update().filter(pupil=pupil, date=day, session=session).first()
        )
    require_decider(mark.code if mark else None, code, by, source)
    if mark is None:
        mark = Mark.objects.create(
            pupil=pupil,
            date=day,
            session=session,
            register=register,
            code=code,
            minutes_late=minutes_late,
            note=note,
            source=source,
            entered_by=by,
            entered_at=now,
            pending=pending,
            held_back=held_back,
        )
        history_entry(
            mark,
            code,
            minutes_late,
            first=True,
            by=by,
            now=now,
            source=source,
            reason=reason or "First entry",
        ).save(force_insert=True)
        return mark
    if (mark.code, mark.minutes_late, mark.pending, mark.held_back) == (
        code,
        minutes_late,
        pending,
        held_back,
    ):
        return mark
    if not reason.strip():
        raise MarkError(
            f"{pupil.name}'s mark is already {mark.code}: give a reason for changing it."
        )
    history_entry(
        mark,
        code,
        minutes_late,
        first=False,
        by=by,
        now=now,
        source=source,
        reason=reason.strip(),
    ).save(force_insert=True)
    mark.code = code
    mark.minutes_late = minutes_late
    mark.source = source
    mark.entered_by = by
    mark.entered_at = now
    mark.version += 1
    mark.pending = pending
    mark.held_back = held_back
    if note:
        mark.note = note
    if register and mark.register_id is None:
        mark.register = register
    mark.save()
    return mark


ADMIN_CODES = codes.codes_in(codes.Category.ADMINISTRATIVE)


def check_session(pupil: Pupil, day: dt.date, session: str, code: str, calendar=None) -> None:
    """A mark belongs to a school session the pupil was on roll for, and a
    present code to its own session (/ is AM, \\ is PM). Administrative codes
    (pupils not yet on roll, school closed) need only the right session."""
    from attendance.school_calendar import SchoolCalendar

    if (
        code == codes.PRESENT_AM
        and session != Session.AM
        or (code == codes.PRESENT_PM and session != Session.PM)
    ):
        raise MarkError(f"{code} is the present mark for the other session.")
    if code in ADMIN_CODES:
        return
    calendar = calendar or SchoolCalendar(pupil.school)
    if session not in calendar.sessions_on(day):
        raise MarkError(f"{day:%A %-d %B %Y} {session} is not a school session.")
    if not pupil.on_roll(day):
        raise MarkError(f"{pupil.name} was not on roll on {day:%-d %B %Y}.")


def change_mark(
    mark: Mark,
    code: str,
    *,
    by: User | None,
    now: dt.datetime,
    source: str,
    reason: str,
    note: str = "",
    pending: bool = False,
) -> Mark:
    """Change a mark the caller has locked (select_for_update), keeping its
    history. The new code carries no minutes late."""
    return write_mark(
        mark.pupil,
        mark.date,
        mark.session,
        code,
        by=by,
        now=now,
        source=source,
        reason=reason,
        note=note,
        mark=mark,
        pending=pending,
    )


def lock_register(group: RegistrationGroup, day: dt.date, session: str) -> Register:
    """The register, created if need be and locked: every writer of a class's
    marks takes this lock first, so it waits for a register being taken."""
    found = _locked_register(group, day, session)
    if found is not None:
        return found
    # ON CONFLICT DO NOTHING: a register another writer creates at the same
    # moment is theirs to use, and the lock below waits for them (no
    # savepoint needed, as get_or_create's would be).
    Register.objects.bulk_create(
        [Register(group=group, date=day, session=session)], ignore_conflicts=True
    )
    made = _locked_register(group, day, session)
    if made is None:  # cannot happen: it was made above or by another writer
        raise Register.DoesNotExist(f"{group} {day} {session}")
    return made


def _locked_register(group: RegistrationGroup, day: dt.date, session: str) -> Register | None:
    # A plain statement: every register save and mark written takes this
    # lock, and the ORM's select_for_update cost more than the query.
    fields, columns = columns_of("r", Register)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {Register._meta.db_table} r"
            " WHERE group_id = %s AND date = %s AND session = %s FOR UPDATE",
            [group.pk, day, session],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    register = Register.from_db(connection.alias, fields, row)
    register.group = group
    return register


def register_for(pupil: Pupil, day: dt.date, session: str) -> Register | None:
    """The pupil's class register for the session, locked (none without a class)."""
    group = pupil.registration_group
    if group is None:
        return None
    return lock_register(group, day, session)


def amend_mark(
    pupil: Pupil,
    day: dt.date,
    session: str,
    code: str,
    *,
    by: User,
    now: dt.datetime,
    reason: str,
    minutes_late: int | None = None,
    seen_version: int | None = None,
) -> Mark:
    """An office or attendance amendment to one session's mark (reason required).

    Every L says how late the pupil was: the office gives the minutes. With
    `seen_version`, a mark someone else changed since the form was loaded is
    not overwritten."""
    if not reason.strip():
        raise MarkError("Give a reason for the amendment.")
    if code == codes.LATE and minutes_late is None:
        raise MarkError(
            "Give the minutes late for L (the late book records the time a pupil arrived)."
        )
    check_session(pupil, day, session, code)
    with transaction.atomic():
        register = register_for(pupil, day, session)
        mark = (
            Mark.objects.select_for_update().filter(pupil=pupil, date=day, session=session).first()
        )
        if seen_version is not None and (mark.version if mark else 0) != seen_version:
            raise MarkError(
                "Someone else changed this mark while you were editing it: "
                "check the current mark below and try again."
            )
        return write_mark(
            pupil,
            day,
            session,
            code,
            by=by,
            now=now,
            source=Mark.Source.OFFICE,
            reason=reason,
            minutes_late=minutes_late,
            register=register,
            mark=mark,
        )
