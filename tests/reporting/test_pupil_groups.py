"""The one table of pupil groups, and the copies of it that cannot be avoided."""

import datetime as dt

import pytest
from django.utils import timezone

from attendance.models import Pupil
from attendance.pupil_groups import DASHBOARD_GROUPS, PUPIL_GROUPS, fields_of
from reporting.cohorts import GROUPED_FIELDS, cohort_figures_all
from reporting.models import GroupedPupil, NationalFigure

pytestmark = pytest.mark.django_db


def test_every_group_is_a_field_of_the_pupil():
    names = {f.name for f in Pupil._meta.get_fields()}
    assert {g.field for g in PUPIL_GROUPS} <= names


def test_a_terms_grouping_freezes_every_field_the_dashboard_groups_by():
    names = {f.attname for f in GroupedPupil._meta.get_fields() if hasattr(f, "attname")}
    assert set(fields_of(DASHBOARD_GROUPS)) <= set(GROUPED_FIELDS) <= names


def test_every_national_comparison_named_is_seeded():
    keys = set(NationalFigure.objects.values_list("key", flat=True))
    assert {f"autumn-{g.national}" for g in PUPIL_GROUPS if g.national} <= keys


def test_the_pupil_group_cells_are_keyed_by_named_columns(cast):
    from registers.models import Mark
    from tests import factories

    monday = dt.date(2026, 11, 2)
    factories.bulk_create_marks(
        [Mark(pupil=cast.poppy, date=monday, session="AM", code="/", entered_at=timezone.now())]
    )
    Pupil.objects.filter(pk=cast.poppy.pk).update(free_school_meals=True, send="K")
    flags = cohort_figures_all(cast.school.id, monday, monday, dimensions=("flags",))["flags"]
    (key,) = flags
    assert dict(key)["free_school_meals"] == "true" and dict(key)["send"] == "K"
    assert [field for field, _ in key] == fields_of(DASHBOARD_GROUPS)
