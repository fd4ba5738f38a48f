import datetime as dt

import pytest

from registers.services import write_mark
from registers.statistics import Figures, figures_by_pupil
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db


def test_the_dfe_method_excludes_not_possible_sessions(cast):
    day = dt.date(2026, 11, 23)
    for session, code in [
        ("AM", "/"),
        ("PM", "V"),
        ("AM2", "I"),
        ("PM2", "U"),
        ("AM3", "Y4"),
        ("PM3", "#"),
    ]:
        d = day + dt.timedelta(days=int(session[-1]) - 1 if session[-1].isdigit() else 0)
        write_mark(
            cast.poppy, d, session[:2], code, by=cast.helen, now=london(9, 0, d), source="office"
        )
    figures = figures_by_pupil([cast.poppy.id], day, day + dt.timedelta(days=4))[cast.poppy.id]
    assert figures == Figures(
        possible=4, attending=2, authorised=1, unauthorised=1, late=0, late_after_close=1
    )
    assert figures.attendance_rate == 50.0
    assert figures.absence_rate == 50.0
    assert figures.persistently_absent and figures.severely_absent


def test_persistent_absence_starts_at_ten_percent():
    assert Figures(possible=100, attending=90, authorised=10).persistently_absent
    assert not Figures(possible=100, attending=91, authorised=9).persistently_absent
    assert Figures().attendance_rate is None
