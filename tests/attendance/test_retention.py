"""Records are kept for their period and then removed, register entries for
at least six years from the date of entry, by a purge that is a dry run
unless told otherwise."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from attendance import retention
from registers.models import Mark, MarkChange, PupilWeek
from tests import factories

OLD = dt.date(2019, 11, 4)  # a Monday seven years before the cast's autumn
RECENT = dt.date(2026, 11, 23)


def marks(cast):
    factories.bulk_create_marks(
        [
            Mark(pupil=cast.poppy, date=day, session="AM", code="/", entered_at=timezone.now())
            for day in (OLD, OLD + dt.timedelta(days=1), RECENT)
        ]
    )


@pytest.mark.django_db
def test_a_dry_run_lists_what_is_past_its_period_and_removes_nothing(cast, capsys):
    marks(cast)
    call_command("purge_records")
    out = capsys.readouterr().out
    assert "      2  Register entries" in out
    assert "Nothing was removed: this was a dry run" in out
    assert Mark.objects.count() == 3 and MarkChange.objects.count() == 3


@pytest.mark.django_db
def test_the_application_role_cannot_purge_the_register(cast):
    marks(cast)
    with pytest.raises(CommandError, match="Only the database's owner"):
        call_command("purge_records", "--apply")
    assert Mark.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_owner_purges_only_what_is_past_six_years(cast, time_machine):
    """Transactional tests run as the owner (tests/conftest.py)."""
    time_machine.move_to(dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC))
    marks(cast)
    lines = retention.purge(dt.date(2026, 11, 26))
    assert lines[0].count == 2
    assert list(Mark.objects.values_list("date", flat=True)) == [RECENT]
    assert MarkChange.objects.count() == 1
    assert not PupilWeek.objects.filter(monday=OLD).exists()
    # The guards are back on at once.
    with (
        pytest.raises(DatabaseError, match="legal record"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM registers_markchange")


@pytest.mark.django_db
def test_a_register_period_under_six_years_is_refused(settings):
    settings.RETENTION = {**settings.RETENTION, "register_years": 5}
    with pytest.raises(CommandError, match="at least 6 years"):
        call_command("purge_records")
