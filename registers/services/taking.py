"""Taking a class's register: a form of marks saved in one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from django.db import transaction
from django.db.models import prefetch_related_objects

from attendance import codes
from attendance.models import Pupil, RegistrationGroup, School, User
from attendance.selectors import pupils_on_roll

from .. import rules
from ..bulk import update_marks
from ..models import Mark, MarkChange, Session
from ..selectors import REGISTER_PUPIL_FIELDS
from .marks import SYSTEM_NAME, history_entry, lock_register, may_decide


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
    class is on time), late by the minutes since it opened. A teacher cannot
    overwrite a code the office recorded. Office and attendance staff may
    change any mark at any time, as an amendment, and give the minutes late
    of every L they enter. Whether an absence is authorised is the head's
    decision (`may_decide`), whoever takes the register. A mistake in the
    form (a code not allowed, a missing reason for changing saved marks)
    saves nothing. If someone else changed a pupil's mark since the form was
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
    # No savepoint of its own: nothing is written before every check has
    # passed, and an error raised inside rolls back the caller's transaction
    # (a page's request) with it.
    with transaction.atomic(savepoint=False):
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
        on_roll = {
            p.id: p
            for p in pupils_on_roll(school, day)
            .filter(registration_group=group)
            .only(*REGISTER_PUPIL_FIELDS)
        }
        current = {
            m.pupil_id: m
            for m in Mark.objects.select_for_update().filter(
                pupil_id__in=on_roll, date=day, session=session
            )
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
        # Who saved each mark in conflict, in one query, only when there are any.
        prefetch_related_objects([c.current for c in outcome.conflicts if c.current], "entered_by")
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

    Each entry carries its own minutes late (take_register settles them).
    Each mark gets one history entry, built by `history_entry` as in
    `write_mark`; a new mark's reason is always "First entry"."""
    source = Mark.Source.REGISTER
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
                    source=source,
                    entered_by=by,
                    entered_at=now,
                )
            )
            continue
        changes.append(
            history_entry(
                mark,
                entry.code,
                minutes,
                first=False,
                by=by,
                now=now,
                source=source,
                reason=reason.strip(),
            )
        )
        mark.code, mark.minutes_late, mark.source = entry.code, minutes, source
        mark.entered_by, mark.entered_at, mark.version = by, now, mark.version + 1
        mark.held_back = mark.pending = False
        if mark.register_id is None:
            mark.register = register
        changed.append(mark)
    Mark.objects.bulk_create(created)
    changes += [
        history_entry(
            m,
            m.code,
            m.minutes_late,
            first=True,
            by=by,
            now=now,
            source=source,
            reason="First entry",
        )
        for m in created
    ]
    MarkChange.objects.bulk_create(changes)
    if changed:
        update_marks(
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
