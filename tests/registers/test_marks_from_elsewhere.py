"""A mark recorded at the pupil's previous school counts in none of this
school's figures (the DfE counts each enrolment once), while the penalty
threshold, which spans schools, still reads its code."""

import datetime as dt

import pytest
from django.utils import timezone

from registers.models import Mark
from registers.statistics import figures_for_pupil
from tests import factories
from tests.reporting.test_week_summary import summary_matches_marks

pytestmark = pytest.mark.django_db
D = dt.date


def test_a_mark_from_the_previous_school_counts_in_no_figure_here(cast):
    factories.bulk_create_marks(
        [
            Mark(pupil=cast.poppy, date=D(2026, 11, 2), session="AM", code="O",
                 entered_at=timezone.now(), source="import",
                 recorded_at_school="9192345 Elm Tree Primary"),
            Mark(pupil=cast.poppy, date=D(2026, 11, 2), session="PM", code="O",
                 entered_at=timezone.now(), source="import"),
        ]
    )  # fmt: skip
    f = figures_for_pupil(cast.poppy.id, D(2026, 11, 2), D(2026, 11, 2))
    assert (f.possible, f.unauthorised) == (1, 1)
    elsewhere = Mark.objects.get(pupil=cast.poppy, session="AM")
    assert (elsewhere.code, elsewhere.counted_code) == ("O", "")
    assert summary_matches_marks()
