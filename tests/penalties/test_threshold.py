"""Scenario tests for the 10-sessions-in-10-school-weeks threshold."""

import datetime as dt

import pytest

from penalties.models import Case
from penalties.services import check_thresholds
from registers.models import Mark
from registers.services import amend_mark
from tests import factories
from tests.penalties.conftest import mondays
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db
D = dt.date
XMAS = {D(2026, 12, 21), D(2026, 12, 28)}
HALF_TERM = {D(2026, 10, 26)}


def test_ten_sessions_in_ten_school_weeks_across_christmas_is_met(cast, absent):
    weeks = mondays(D(2026, 11, 2), 10, skip=XMAS)  # Nov 2 ... Jan 18, Christmas skipped
    absent(cast.poppy, [(d, "AM") for d in weeks])
    run = check_thresholds(cast.school, D(2027, 1, 22))
    case = run.opened[0]
    assert (case.pupil, case.sessions_counted) == (cast.poppy, 10)
    assert (case.window_start, case.breach_date) == (D(2026, 11, 2), D(2027, 1, 18))
    assert case.sessions.count() == 10


def test_ten_sessions_spread_over_eleven_school_weeks_is_not_met(cast, absent):
    weeks = mondays(D(2026, 11, 2), 11, skip=XMAS)
    absent(cast.poppy, [(d, "AM") for d in weeks[:9] + weeks[10:]])  # nothing in week 10
    assert check_thresholds(cast.school, D(2027, 1, 29)).opened == []


def test_a_half_term_week_is_skipped_and_the_window_extends(cast, absent):
    weeks = mondays(D(2026, 9, 28), 10, skip=HALF_TERM)  # Sep 28 ... Dec 7: 11 calendar weeks
    absent(cast.poppy, [(d, "PM") for d in weeks])
    case = check_thresholds(cast.school, D(2026, 12, 11)).opened[0]
    assert case.window_start == D(2026, 9, 28)


def test_the_window_spans_the_summer_and_two_academic_years(cast, absent):
    summer = [D(2026, 6, 29), D(2026, 7, 6), D(2026, 7, 13), D(2026, 7, 20)]
    autumn = mondays(D(2026, 8, 31), 6)
    absent(
        cast.poppy, [(d, "AM") for d in summer] + [(d + dt.timedelta(days=3), "AM") for d in autumn]
    )
    case = check_thresholds(cast.school, D(2026, 10, 9)).opened[0]
    assert (case.window_start, case.sessions_counted) == (D(2026, 6, 29), 10)


def test_l_and_n_do_not_count(cast, absent):
    days = [D(2026, 11, 2) + dt.timedelta(days=i) for i in range(5)]
    absent(cast.poppy, [(d, "AM") for d in days], code="U")
    absent(cast.poppy, [(d, "PM") for d in days[:4]], code="G")
    absent(cast.poppy, [(days[4], "PM")], code="N")
    assert check_thresholds(cast.school, D(2026, 11, 6)).opened == []
    factories.recode_marks(Mark.objects.filter(code="N"), "L")
    assert check_thresholds(cast.school, D(2026, 11, 6)).opened == []


def test_g_o_and_u_mix_and_an_all_holiday_case_is_marked_as_such(cast, absent):
    week = [D(2026, 11, 2) + dt.timedelta(days=i) for i in range(5)]
    absent(cast.poppy, [(d, s) for d in week for s in ("AM", "PM")], code="G")
    absent(cast.sam, [(d, "AM") for d in week], code="U")
    absent(cast.sam, [(d, "PM") for d in week[:3]], code="O")
    absent(cast.sam, [(d, "PM") for d in week[3:]], code="G")
    opened = {c.pupil: c for c in check_thresholds(cast.school, D(2026, 11, 6)).opened}
    assert opened[cast.poppy].holiday and not opened[cast.sam].holiday


def test_the_job_is_idempotent_and_a_closed_case_is_not_reopened(cast, absent):
    week = [D(2026, 11, 2) + dt.timedelta(days=i) for i in range(5)]
    absent(cast.poppy, [(d, s) for d in week for s in ("AM", "PM")])
    assert len(check_thresholds(cast.school, D(2026, 11, 6)).opened) == 1
    assert check_thresholds(cast.school, D(2026, 11, 6)).opened == []
    assert check_thresholds(cast.school, D(2026, 11, 13)).opened == []
    case = Case.objects.get()
    case.stage, case.closed_on = Case.Stage.CLOSED, D(2026, 11, 20)
    case.save()
    assert check_thresholds(cast.school, D(2026, 11, 20)).opened == []
    # A new breach after the case closed opens a new case.
    later = [D(2026, 11, 23) + dt.timedelta(days=i) for i in range(5)]
    absent(cast.poppy, [(d, s) for d in later for s in ("AM", "PM")])
    assert len(check_thresholds(cast.school, D(2026, 11, 27)).opened) == 1
    assert Case.objects.count() == 2


def test_an_amendment_u_to_i_removes_the_breach(cast, absent):
    week = [D(2026, 11, 2) + dt.timedelta(days=i) for i in range(5)]
    absent(cast.poppy, [(d, s) for d in week for s in ("AM", "PM")], code="U")
    case = check_thresholds(cast.school, D(2026, 11, 6)).opened[0]
    amend_mark(
        cast.poppy,
        week[0],
        "AM",
        "I",
        by=cast.helen,
        now=london(12, 0, week[0]),
        reason="Doctor's note: she was ill, not late",
    )
    run = check_thresholds(cast.school, D(2026, 11, 9))
    assert run.voided == [case]
    case.refresh_from_db()
    assert (case.stage, case.void) == (Case.Stage.CLOSED, True)
    assert run.opened == []  # nine sessions do not make a breach


def test_pupils_near_the_threshold_are_flagged_for_early_support(cast, absent):
    absent(cast.poppy, [(D(2026, 11, 2) + dt.timedelta(days=i), "AM") for i in range(6)], code="O")
    run = check_thresholds(cast.school, D(2026, 11, 13))
    assert run.approaching == {cast.poppy.id: 6}


def test_the_command_and_the_nightly_task(cast, absent, capsys):
    from django.core.management import call_command

    from penalties.tasks import check_all_thresholds

    week = [D(2026, 11, 2) + dt.timedelta(days=i) for i in range(5)]
    absent(cast.poppy, [(d, s) for d in week for s in ("AM", "PM")])
    call_command("check_thresholds", "--date", "2026-11-06")
    assert "1 new case(s)" in capsys.readouterr().out
    assert check_all_thresholds.delay().get() == 0  # already open: nothing new


def test_a_new_case_counts_only_sessions_after_the_last_one(cast, absent):
    first = [D(2026, 11, 2) + dt.timedelta(days=i) for i in range(5)]
    absent(cast.poppy, [(d, s) for d in first for s in ("AM", "PM")])
    old = check_thresholds(cast.school, D(2026, 11, 6)).opened[0]
    old.stage, old.closed_on = Case.Stage.CLOSED, D(2026, 11, 13)
    old.save()
    later = [D(2026, 11, 16) + dt.timedelta(days=i) for i in range(5)]
    absent(cast.poppy, [(d, s) for d in later for s in ("AM", "PM")])
    new = check_thresholds(cast.school, D(2026, 11, 20)).opened[0]
    assert new.window_start > old.window_end
    assert (new.sessions_counted, new.sessions.count()) == (10, 10)
