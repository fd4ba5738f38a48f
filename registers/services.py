"""Writing marks. Every write goes through `write_mark`, which keeps the history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from django.db import transaction
from django.utils import timezone

from attendance import codes
from attendance.errors import RuleError
from attendance.models import Pupil, RegistrationGroup, School, User
from attendance.roles import roles_of
from attendance.selectors import pupils_on_roll

from . import rules
from .models import EarlyDeparture, LateArrival, Mark, MarkChange, Register, Session

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

    `pending` marks a reported reason awaiting a decision, `held_back` the N
    of a register nobody took (see Mark); any later write without them is the
    decision, so it clears them, with its own history entry even when the code
    stays the same.

    The first entry is recorded as history too, so the original entry is
    always known. Changing an existing mark needs a reason (Regulations 2024:
    an amendment keeps the original entry, the reason, the name and position
    of who amended it and when). Writing the same code again changes nothing.
    Callers hold the lock on the register (or the mark) when it matters.
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
    history = {
        "changed_by": by,
        "changed_by_name": by.display_name() if by else SYSTEM_NAME,
        "changed_by_position": position_of(by),
        "changed_at": now,
        "source": source,
    }
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
        MarkChange.objects.create(
            mark=mark,
            new_code=code,
            new_minutes_late=minutes_late,
            reason=reason or "First entry",
            **history,
        )
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
    MarkChange.objects.create(
        mark=mark,
        old_code=mark.code,
        new_code=code,
        old_minutes_late=mark.minutes_late,
        new_minutes_late=minutes_late,
        reason=reason.strip(),
        **history,
    )
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
OVERWRITABLE_BY_ARRIVAL = {
    codes.PRESENT_AM,
    codes.PRESENT_PM,
    codes.LATE,
    codes.LATE_AFTER_CLOSE,
    codes.NO_REASON_YET,
}


def check_session(pupil: Pupil, day: dt.date, session: str, code: str, calendar=None) -> None:
    """A mark belongs to a school session the pupil was on roll for, and a
    present code to its own session (/ is AM, \\ is PM)."""
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
    """Change a mark the caller has locked (select_for_update), keeping its history."""
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
    register, _ = Register.objects.get_or_create(group=group, date=day, session=session)
    return Register.objects.select_for_update().get(pk=register.pk)


@dataclass
class Entry:
    pupil_id: int
    code: str
    seen_version: int  # 0 when the form showed no mark
    # The office's L says how late: the late book knows, the register form
    # asks. A teacher's L is late by the minutes since the register opened.
    minutes_late: int | None = None


@dataclass
class Conflict:
    """A pupil whose mark someone else saved after the form was loaded."""

    pupil: Pupil
    chosen: str  # what this form asked for
    chosen_minutes_late: int | None
    current: Mark | None  # what is saved now (entered_by loaded)

    @property
    def version(self) -> int:
        """The version to resubmit with: choosing again then decides it."""
        return self.current.version if self.current else 0

    @property
    def saved_by(self) -> str:
        if self.current is None or self.current.entered_by is None:
            return SYSTEM_NAME
        return self.current.entered_by.display_name()

    def __str__(self) -> str:
        now_code = self.current.code if self.current else "no mark"
        return f"{self.pupil.name} (now {now_code}, by {self.saved_by})"


@dataclass
class RegisterOutcome:
    saved: int = 0
    changed: int = 0
    unmarked: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.conflicts or self.errors)


def take_register(
    group: RegistrationGroup,
    day: dt.date,
    session: str,
    entries: list[Entry],
    *,
    by: User,
    now: dt.datetime,
    as_teacher: bool,
    reason: str = "",
    calendar=None,
) -> RegisterOutcome:
    """Save a class's register in one transaction.

    A teacher may enter only the teacher codes, and only until the register
    closes; L only once the register has opened (before then a pupil in
    class is on time), late by the minutes since it opened. Office and
    attendance staff may change any mark at any time, as an amendment, and
    give the minutes late of every L they enter. A mistake in the form (a
    code not allowed, a missing reason for changing saved marks) saves
    nothing. If someone else changed a pupil's mark since the form was
    loaded, and this submit would overwrite it with something different,
    that pupil is returned as a conflict for the person to decide, and every
    other mark is saved: one pupil signed in late by the office does not
    cost the teacher the rest of the class. Submitting the same marks again
    (a double click, a retry) is harmless.
    """
    school = group.academic_year.school
    outcome = RegisterOutcome()
    from attendance.school_calendar import SchoolCalendar

    calendar = calendar or SchoolCalendar(school)
    if session not in calendar.sessions_on(day):
        outcome.errors.append(f"{day:%A %-d %B %Y} {session} is not a school session.")
        return outcome
    with transaction.atomic():
        register = lock_register(group, day, session)
        if len(reason) > 300:
            outcome.errors.append("Keep the reason under 300 characters.")
            return outcome
        if as_teacher and (
            register.closed_at or rules.is_closed_for_teachers(school, day, session, now)
        ):
            outcome.errors.append(
                "This register has closed. Ask the office to make any change as an amendment."
            )
            return outcome
        on_roll = {p.id: p for p in pupils_on_roll(school, day).filter(registration_group=group)}
        current = {
            m.pupil_id: m
            for m in Mark.objects.select_for_update(of=("self",))
            .select_related("entered_by")
            .filter(pupil_id__in=on_roll, date=day, session=session)
        }
        teacher_codes = {c.code for c in codes.enterable_by_teacher()}
        valid_codes = {c.code for c in codes.in_use()}
        teachers_late = rules.minutes_late_at(school, day, session, now)
        to_write = []
        for entry in entries:
            pupil = on_roll.get(entry.pupil_id)
            mark = current.get(entry.pupil_id)
            if pupil is None:
                outcome.errors.append("A pupil in this form is not on this class's roll today.")
                continue
            if entry.code not in valid_codes:
                outcome.errors.append(f"{pupil.name}: {entry.code!r} is not a code in use.")
                continue
            if entry.code == rules.present_code(
                Session.PM if session == Session.AM else Session.AM
            ):
                outcome.errors.append(f"{pupil.name}: {entry.code} is the other session's mark.")
                continue
            if as_teacher and entry.code not in teacher_codes:
                outcome.errors.append(f"{pupil.name}: teachers cannot enter {entry.code}.")
                continue
            current_version = mark.version if mark else 0
            if current_version != entry.seen_version and (mark is None or mark.code != entry.code):
                outcome.conflicts.append(Conflict(pupil, entry.code, entry.minutes_late, mark))
                continue
            if as_teacher and mark and mark.code not in teacher_codes and mark.code != entry.code:
                outcome.errors.append(
                    f"{pupil.name}: the office has recorded {mark.code}; ask them to change it."
                )
                continue
            if not may_decide(mark.code if mark else None, entry.code, by, Mark.Source.REGISTER):
                outcome.errors.append(
                    f"{pupil.name}: only the head (or a delegate) decides whether an absence "
                    f"is authorised ({mark.code if mark else 'no mark'} to {entry.code})."
                )
                continue
            minutes = None
            if entry.code == codes.LATE and as_teacher:
                minutes = teachers_late
            elif entry.code == codes.LATE:
                kept = mark.minutes_late if mark and mark.code == codes.LATE else None
                minutes = kept if entry.minutes_late is None else entry.minutes_late
            if not _register_changes(mark, entry.code, minutes, as_teacher):
                continue
            if entry.code == codes.LATE and minutes is None:
                outcome.errors.append(_late_without_minutes(school, session, pupil, as_teacher))
                continue
            to_write.append(replace(entry, minutes_late=minutes))
        if outcome.errors:
            return outcome
        if any(e.pupil_id in current for e in to_write) and not reason.strip():
            names = ", ".join(on_roll[e.pupil_id].name for e in to_write if e.pupil_id in current)
            outcome.errors.append(f"Give a reason for changing the saved marks of {names}.")
            return outcome
        _write_register_marks(register, on_roll, current, to_write, by, now, reason)
        outcome.saved = len(to_write)
        outcome.changed = sum(1 for e in to_write if e.pupil_id in current)
        outcome.unmarked = len(set(on_roll) - set(current) - {e.pupil_id for e in entries})
        # A form whose every mark someone else had already changed took nothing.
        if register.taken_at is None and (to_write or not outcome.conflicts):
            register.taken_at = now
            register.taken_by = by
            register.save(update_fields=["taken_at", "taken_by"])
    return outcome


def _register_changes(mark: Mark | None, code: str, minutes: int | None, as_teacher: bool) -> bool:
    """Whether a register entry writes anything.

    A held-back or pending mark the office confirms is still written:
    completing the register turns "not taken" into a real N, with its own
    history entry. The office's L is rewritten when its minutes are corrected.
    """
    if mark is None or mark.held_back or mark.pending or mark.code != code:
        return True
    return code == codes.LATE and not as_teacher and minutes != mark.minutes_late


def _late_without_minutes(school: School, session: str, pupil: Pupil, as_teacher: bool) -> str:
    if as_teacher:
        opens = rules.register_times(school, session)[0]
        return (
            f"{pupil.name}: the register opens at {opens:%H:%M}; a pupil in class by "
            "then is present, not late."
        )
    return (
        f"{pupil.name}: give the minutes late for L (the late book records the time a "
        "pupil arrived)."
    )


def _write_register_marks(register, on_roll, current, entries, by, now, reason):
    """Write a whole register in a fixed number of queries, history included.

    Each entry carries its own minutes late (take_register settles them)."""
    history = {
        "changed_by": by,
        "changed_by_name": by.display_name(),
        "changed_by_position": position_of(by),
        "changed_at": now,
        "source": Mark.Source.REGISTER,
    }
    created, changed, changes = [], [], []
    for entry in entries:
        minutes = entry.minutes_late
        mark = current.get(entry.pupil_id)
        if mark is None:
            created.append(
                Mark(
                    pupil=on_roll[entry.pupil_id],
                    date=register.date,
                    session=register.session,
                    register=register,
                    code=entry.code,
                    minutes_late=minutes,
                    source=Mark.Source.REGISTER,
                    entered_by=by,
                    entered_at=now,
                )
            )
            continue
        changes.append(
            MarkChange(
                mark=mark,
                old_code=mark.code,
                new_code=entry.code,
                old_minutes_late=mark.minutes_late,
                new_minutes_late=minutes,
                reason=reason.strip(),
                **history,
            )
        )
        mark.code, mark.minutes_late, mark.source = entry.code, minutes, Mark.Source.REGISTER
        mark.entered_by, mark.entered_at, mark.version = by, now, mark.version + 1
        mark.held_back = mark.pending = False
        if mark.register_id is None:
            mark.register = register
        changed.append(mark)
    Mark.objects.bulk_create(created)
    changes += [
        MarkChange(
            mark=m,
            new_code=m.code,
            new_minutes_late=m.minutes_late,
            reason="First entry",
            **history,
        )
        for m in created
    ]
    MarkChange.objects.bulk_create(changes)
    if changed:
        Mark.objects.bulk_update(
            changed,
            [
                "code",
                "minutes_late",
                "source",
                "entered_by",
                "entered_at",
                "version",
                "register",
                "held_back",
                "pending",
            ],
        )


def _register_for(pupil: Pupil, day: dt.date, session: str) -> Register | None:
    if pupil.registration_group_id is None:
        return None
    return lock_register(pupil.registration_group, day, session)


@transaction.atomic
def sign_in_late(
    pupil: Pupil,
    arrived_at: dt.datetime,
    *,
    by: User,
    now: dt.datetime,
    reason: str = "",
    brought_by: str = "",
) -> LateArrival:
    """The office signs in a pupil: L before the register closes, U at or after."""
    school = pupil.school
    local = arrived_at.astimezone(school.tz)
    if arrived_at > now + dt.timedelta(minutes=1):
        raise MarkError("The arrival time is in the future.")
    if not pupil.on_roll(local.date()):
        raise MarkError(f"{pupil.name} is not on roll on {local:%d %B %Y}.")
    session = rules.session_of_arrival(school, arrived_at)
    code, minutes = rules.arrival_code(school, session, arrived_at)
    check_session(pupil, local.date(), session, code)
    register = _register_for(pupil, local.date(), session)
    why = (f"Signed in late at {local:%H:%M}" + (f": {reason}" if reason else ""))[:200]
    existing = (
        Mark.objects.select_for_update()
        .filter(pupil=pupil, date=local.date(), session=session)
        .first()
    )
    if existing and existing.code not in OVERWRITABLE_BY_ARRIVAL:
        # An appointment (M) or other decided code stands: the arrival is
        # recorded in the late book, the mark is not turned into L or U.
        return LateArrival.objects.create(
            pupil=pupil,
            mark=existing,
            arrived_at=arrived_at,
            reason=reason,
            brought_by=brought_by,
            recorded_by=by,
            recorded_at=now,
        )
    mark = write_mark(
        pupil,
        local.date(),
        session,
        code,
        by=by,
        now=now,
        source=Mark.Source.LATE_BOOK,
        reason=why,
        minutes_late=minutes,
        register=register,
        note=why,
        mark=existing,
    )
    return LateArrival.objects.create(
        pupil=pupil,
        mark=mark,
        arrived_at=arrived_at,
        reason=reason,
        brought_by=brought_by,
        recorded_by=by,
        recorded_at=now,
    )


@transaction.atomic
def sign_out_early(
    pupil: Pupil,
    left_at: dt.datetime,
    reason: str,
    *,
    by: User,
    now: dt.datetime,
    details: str = "",
    collected_by: str = "",
) -> EarlyDeparture:
    """Record a pupil leaving early; one who leaves before the afternoon
    register is marked for the afternoon with the reason's code (M for an
    appointment, I if unwell, N until the reason is known)."""
    school = pupil.school
    local = left_at.astimezone(school.tz)
    departure = EarlyDeparture.objects.create(
        pupil=pupil,
        left_at=left_at,
        reason=reason,
        details=details,
        collected_by=collected_by,
        recorded_by=by,
        recorded_at=now,
    )
    pm = Mark.objects.filter(pupil=pupil, date=local.date(), session=Session.PM).first()
    if local.time() < school.pm_register_opens and (pm is None or pm.code == codes.NO_REASON_YET):
        why = f"Signed out at {local:%H:%M}: {departure.get_reason_display()}"
        if details:
            why += f" ({details})"
        code = reason
        if not may_decide(pm.code if pm else None, code, by, Mark.Source.EARLY_DEPARTURE):
            # The reason is recorded; whether it is authorised is the head's decision.
            code = codes.NO_REASON_YET
            why += ": for the head to decide"
        why = why[:200]
        check_session(pupil, local.date(), Session.PM, code)
        write_mark(
            pupil,
            local.date(),
            Session.PM,
            code,
            by=by,
            now=now,
            source=Mark.Source.EARLY_DEPARTURE,
            reason=why,
            register=_register_for(pupil, local.date(), Session.PM),
            note=why,
        )
    return departure


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

    Every L says how late the pupil was: the office gives the minutes."""
    if not reason.strip():
        raise MarkError("Give a reason for the amendment.")
    if code == codes.LATE and minutes_late is None:
        raise MarkError(
            "Give the minutes late for L (the late book records the time a pupil arrived)."
        )
    check_session(pupil, day, session, code)
    with transaction.atomic():
        register = _register_for(pupil, day, session)
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


@transaction.atomic
def close_register(register: Register, now: dt.datetime) -> int:
    """Close one register: pupils still unmarked get N (no reason yet).

    Where the school already knows why a pupil is away (a parent's report,
    granted leave, a part-time timetable, leave refused) the pupil gets that
    code instead, and a teacher's N is replaced by it. N is what first-day
    calling acts on. Closing twice changes nothing. Returns the number of
    marks written.
    """
    from .hooks import planned_marks

    register = (
        Register.objects.select_for_update()
        .select_related("group__academic_year__school")
        .get(pk=register.pk)
    )
    if register.closed_at:
        return 0
    school = register.group.academic_year.school
    pupils = list(pupils_on_roll(school, register.date).filter(registration_group=register.group))
    marks = {
        m.pupil_id: m
        for m in Mark.objects.select_for_update().filter(
            pupil__in=pupils, date=register.date, session=register.session
        )
    }
    planned = planned_marks(school, register.date, [p.id for p in pupils])
    untaken = register.taken_at is None
    written = 0
    for pupil in pupils:
        mark = marks.get(pupil.id)
        plan = planned.get((pupil.id, register.session))
        if untaken and plan and plan.only_if_absent:
            plan = None  # nobody knows yet whether the pupil is absent
        if mark is not None and not (plan and mark.code == codes.NO_REASON_YET):
            continue
        if plan:
            code, source, reason = plan.code, plan.source, plan.note
        elif untaken:
            code, source, reason = (
                codes.NO_REASON_YET,
                Mark.Source.CLOSE,
                "Register not taken by the close: held back until the office completes it",
            )
        else:
            code, source, reason = (
                codes.NO_REASON_YET,
                Mark.Source.CLOSE,
                "Unmarked when the register closed",
            )
        write_mark(
            pupil,
            register.date,
            register.session,
            code,
            by=None,
            now=now,
            source=source,
            reason=reason,
            register=register,
            note=plan.note if plan else "",
            mark=mark,
            pending=bool(plan and plan.pending),
            held_back=untaken and not plan,
        )
        written += 1
    register.closed_at = now
    register.not_taken_at_close = register.taken_at is None
    register.save(update_fields=["closed_at", "not_taken_at_close"])
    return written


def prefill_planned_marks(school: School, day: dt.date, now: dt.datetime) -> int:
    """Write the day's known marks (reports, leave, part-time timetables) before
    the register is taken, so teachers see them. Never overwrites a mark."""
    from attendance.school_calendar import SchoolCalendar

    from .hooks import planned_marks

    sessions = SchoolCalendar(school).sessions_on(day)
    if not sessions:
        return 0
    pupils = {p.id: p for p in pupils_on_roll(school, day).select_related("registration_group")}
    planned = {
        key: plan
        for key, plan in planned_marks(school, day, list(pupils)).items()
        if not plan.only_if_absent and key[1] in sessions
    }
    if not planned:
        return 0
    existing = set(
        Mark.objects.filter(pupil_id__in={k[0] for k in planned}, date=day).values_list(
            "pupil_id", "session"
        )
    )
    written = 0
    for (pupil_id, session), plan in planned.items():
        if (pupil_id, session) in existing:
            continue
        pupil = pupils[pupil_id]
        with transaction.atomic():
            register = _register_for(pupil, day, session)
            mark = (
                Mark.objects.select_for_update()
                .filter(pupil=pupil, date=day, session=session)
                .first()
            )
            if mark:
                continue
            write_mark(
                pupil,
                day,
                session,
                plan.code,
                by=None,
                now=now,
                source=plan.source,
                reason=plan.note,
                register=register,
                note=plan.note,
                pending=plan.pending,
            )
            written += 1
    return written


def close_due_registers(school: School, now: dt.datetime) -> int:
    """Close every register of `school` whose close time has passed today.

    Run every few minutes by Celery beat; idempotent. Returns N marks written.
    """
    from attendance.school_calendar import SchoolCalendar
    from attendance.selectors import current_academic_year

    local = now.astimezone(school.tz)
    today = local.date()
    sessions = [
        s
        for s in SchoolCalendar(school).sessions_on(today)
        if now >= rules.closes_at(school, today, s)
    ]
    if not sessions:
        return 0
    year = current_academic_year(school, today)
    written = 0
    for group in RegistrationGroup.objects.filter(academic_year=year):
        for session in sessions:
            register, _ = Register.objects.get_or_create(group=group, date=today, session=session)
            if register.closed_at is None:
                written += close_register(register, now)
    return written
