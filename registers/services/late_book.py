"""The office's late book: pupils signed in late and signed out early."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from attendance import codes
from attendance.models import Pupil, User

from .. import rules
from ..models import EarlyDeparture, LateArrival, Mark, Session
from .marks import MarkError, check_session, may_decide, register_for, write_mark

OVERWRITABLE_BY_ARRIVAL = {
    codes.PRESENT_AM,
    codes.PRESENT_PM,
    codes.LATE,
    codes.LATE_AFTER_CLOSE,
    codes.NO_REASON_YET,
}


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
    """The office signs in a pupil: present by the register time, L after it
    and before the register closes, U at or after (rules.arrival_code).

    Only a present, late or N mark is replaced: an appointment (M) or other
    decided code stands, and the arrival is recorded in the late book only.
    """
    school = pupil.school
    local = arrived_at.astimezone(school.tz)
    if arrived_at > now + dt.timedelta(minutes=1):
        raise MarkError("The arrival time is in the future.")
    if not pupil.on_roll(local.date()):
        raise MarkError(f"{pupil.name} is not on roll on {local:%d %B %Y}.")
    session = rules.session_of_arrival(school, arrived_at)
    code, minutes = rules.arrival_code(school, session, arrived_at)
    check_session(pupil, local.date(), session, code)
    register = register_for(pupil, local.date(), session)
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
    register opens, with no afternoon mark yet (or only N), is marked for the
    afternoon with the reason's code (M for an appointment, I if unwell, N
    until the reason is known). Whether that absence is authorised is the
    head's decision: for staff who may not make it, the mark is N."""
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
            register=register_for(pupil, local.date(), Session.PM),
            note=why,
        )
    return departure
