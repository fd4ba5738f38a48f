import datetime as dt

import pytest

from absences.models import FollowUpTask
from absences.services import create_part_time_timetable, delete_from_register
from attendance.errors import RuleError
from registers.models import Mark
from registers.services import prefill_planned_marks
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db
MON = dt.date(2026, 11, 30)


def ptt(cast, family, **kw):
    fields = dict(
        agreed_on=dt.date(2026, 11, 25),
        agreed_with=family[0],
        reason="Phased return",
        start=MON,
        planned_end=MON + dt.timedelta(weeks=4),
        sessions_off=["Mon-PM", "Wed-PM"],
        review_dates=[MON + dt.timedelta(weeks=2)],
    )
    fields.update(kw)
    return create_part_time_timetable(cast.poppy, by=cast.arthur, now=london(12), **fields)


def test_a_part_time_timetable_codes_its_sessions_c2_and_sets_la_deadlines(cast, family):
    timetable = ptt(cast, family)
    prefill_planned_marks(cast.school, MON, london(6, 30, MON))
    assert list(Mark.objects.filter(pupil=cast.poppy, date=MON).values_list("session", "code")) == [
        ("PM", "C2")
    ]
    tuesday = MON + dt.timedelta(days=1)
    assert prefill_planned_marks(cast.school, tuesday, london(6, 30, tuesday)) == 0
    start, end = FollowUpTask.objects.filter(key=f"ptt-{timetable.id}").order_by("due")
    assert start.kind == "ptt_start" and start.due == dt.date(2026, 12, 7)  # 5 school days on
    assert end.kind == "ptt_end"


def test_a_timetable_without_sessions_or_without_an_end_in_sight_is_refused(cast, family):
    with pytest.raises(RuleError, match="Choose the sessions"):
        ptt(cast, family, sessions_off=[])
    with pytest.raises(RuleError, match="time-limited"):
        ptt(cast, family, planned_end=MON + dt.timedelta(weeks=20))


def test_home_education_needs_the_parents_written_notice(cast):
    with pytest.raises(RuleError, match="written notice"):
        delete_from_register(
            cast.poppy,
            by=cast.arthur,
            now=london(12),
            ground="home_ed",
            date=dt.date(2026, 12, 4),
            written_notice_received=False,
        )


def test_a_deletion_takes_the_pupil_off_roll_and_tells_the_la_by_that_date(cast):
    deletion = delete_from_register(
        cast.poppy,
        by=cast.arthur,
        now=london(12),
        ground="other_school",
        date=dt.date(2026, 12, 4),
        destination_school="Northfield Primary",
    )
    cast.poppy.refresh_from_db()
    assert cast.poppy.leaving_date == dt.date(2026, 12, 4)
    task = FollowUpTask.objects.get(key=f"deletion-{deletion.id}")
    assert task.due == dt.date(2026, 12, 4)
    assert "Northfield Primary" in task.details and cast.poppy.upn in task.details
