"""Marks are kept in one partition per academic year (registers migration 0013),
and every rule of the register holds in each year's partition, a new one too."""

import datetime as dt

import pytest
import time_machine
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registers.models import LateArrival, Mark, MarkChange, PupilWeek, Register
from registers.partitions import YEARS_AHEAD, add_mark_partitions, mark_partitions
from registers.selectors import register_sheet
from registers.services import write_mark
from registers.statistics import figures_by_pupil
from registers.tasks import add_next_years_partitions
from tests import factories
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db


def partition_of(mark: Mark) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM registers_mark WHERE id = %s", [mark.id]
        )
        return cursor.fetchone()[0]


def check_now():
    """Run the deferred checks a commit would run, inside the test's transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_year_runs_from_1_september_to_31_august(cast):
    august, september = (
        factories.create_mark(
            pupil=cast.poppy, date=day, session="AM", code="/", entered_at=timezone.now()
        )
        for day in (dt.date(2026, 8, 31), dt.date(2026, 9, 1))
    )
    assert partition_of(august) == "registers_mark_2025_26"
    assert partition_of(september) == "registers_mark_2026_27"


def test_history_from_before_the_first_year_has_a_partition_of_its_own(cast):
    old = factories.create_mark(
        pupil=cast.poppy,
        date=dt.date(2009, 3, 2),
        session="AM",
        code="I",
        entered_at=timezone.now(),
        recorded_at_school="Elm Primary",
    )
    assert partition_of(old) == "registers_mark_earlier"
    assert mark_partitions()[0][1].startswith("FOR VALUES FROM (MINVALUE)")


def test_the_partitions_reach_two_years_ahead():
    today = timezone.localdate()
    start = today.year if today.month >= 9 else today.year - 1
    names = [name for name, _ in mark_partitions()]
    assert f"registers_mark_{start + YEARS_AHEAD}_{(start + YEARS_AHEAD + 1) % 100:02d}" in names
    assert add_mark_partitions(today) == 0  # idempotent: nothing is missing


def test_a_mark_dated_past_the_partitions_is_refused_not_stored_elsewhere(cast):
    with pytest.raises(IntegrityError, match="no partition"), transaction.atomic():
        factories.create_mark(
            pupil=cast.poppy,
            date=dt.date(2090, 1, 6),
            session="AM",
            code="/",
            entered_at=timezone.now(),
        )
    assert not Mark.objects.exists()


def test_the_nightly_task_makes_every_missing_year_without_a_gap():
    with time_machine.travel(dt.datetime(2031, 10, 1, 2, tzinfo=dt.UTC), tick=False):
        made = add_next_years_partitions()
    names = [name for name, _ in mark_partitions()]
    assert made >= 3
    for start in range(2026, 2034):
        assert f"registers_mark_{start}_{(start + 1) % 100:02d}" in names
    assert "registers_mark_2034_35" not in names


@pytest.fixture
def new_year(cast):
    """A year whose partition the nightly task has just made, and a school day in it."""
    add_mark_partitions(dt.date(2032, 9, 1))
    return dt.date(2032, 10, 4)  # a Monday


def test_a_mark_in_a_new_years_partition_is_written_with_its_history(cast, new_year):
    now = london(9, 5, new_year)
    with time_machine.travel(now, tick=False):
        mark = write_mark(
            cast.poppy, new_year, "AM", "/", by=cast.alice, now=now, source="register"
        )
        write_mark(
            cast.poppy, new_year, "AM", "I", by=cast.helen, now=now, source="office", reason="Ill"
        )
    check_now()
    assert partition_of(mark) == "registers_mark_2032_33"
    assert list(MarkChange.objects.filter(mark=mark).values_list("new_code", flat=True)) == [
        "/",
        "I",
    ]
    week = PupilWeek.objects.get(pupil=cast.poppy, monday=new_year)
    assert (week.possible, week.attending, week.authorised) == (1, 0, 1)


def test_a_mark_in_a_new_years_partition_without_history_is_refused(cast, new_year):
    with pytest.raises(DatabaseError, match="legal record"), transaction.atomic():
        Mark.objects.create(
            pupil=cast.poppy, date=new_year, session="AM", code="/", entered_at=timezone.now()
        )
        check_now()
    assert not Mark.objects.exists()


def test_a_mark_in_a_new_years_partition_cannot_be_deleted(cast, new_year):
    mark = factories.create_mark(
        pupil=cast.poppy, date=new_year, session="PM", code="O", entered_at=timezone.now()
    )
    with (
        pytest.raises(DatabaseError, match="legal record|permission denied"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM registers_mark WHERE id = %s", [mark.id])
    assert Mark.objects.filter(id=mark.id).exists()


def test_a_mark_cannot_move_to_another_day(cast):
    mark = factories.create_mark(
        pupil=cast.poppy, date=DAY, session="AM", code="/", entered_at=timezone.now()
    )
    for moved in (DAY + dt.timedelta(days=1), dt.date(2027, 9, 6)):
        with pytest.raises(DatabaseError, match="legal record"), transaction.atomic():
            Mark.objects.filter(id=mark.id).update(date=moved)
    mark.refresh_from_db()
    assert mark.date == DAY


def test_history_of_a_mark_that_does_not_exist_is_refused(cast):
    with pytest.raises(IntegrityError, match="does not exist"), transaction.atomic():
        MarkChange.objects.create(
            mark_id=999_999_999,
            new_code="/",
            reason="First entry",
            source="register",
            changed_by_name="Olive",
            changed_by_position="Office",
            changed_at=timezone.now(),
        )
        check_now()


def test_a_late_arrival_must_refer_to_a_mark(cast):
    with pytest.raises(IntegrityError, match="does not exist"), transaction.atomic():
        LateArrival.objects.create(
            pupil=cast.poppy,
            mark_id=999_999_999,
            arrived_at=london(9, 20),
            recorded_by=cast.olive,
            recorded_at=london(9, 20),
        )
        check_now()


@pytest.mark.django_db(transaction=True)
def test_a_mark_still_referred_to_is_not_deleted_even_with_the_guard_lifted(cast):
    """The purge (as the owner) lifts the never-deleted guard; the history still holds the mark."""
    mark = factories.create_mark(
        pupil=cast.poppy, date=DAY, session="AM", code="/", entered_at=timezone.now()
    )
    with (
        pytest.raises(IntegrityError, match="referred to"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("ALTER TABLE registers_mark DISABLE TRIGGER mark_is_never_deleted")
        cursor.execute("DELETE FROM registers_mark WHERE id = %s", [mark.id])
        check_now()
    assert Mark.objects.filter(id=mark.id).exists()


def partitions_read(run) -> set[str]:
    """The partitions of registers_mark that the queries `run` makes would read."""
    with CaptureQueriesContext(connection) as queries:
        run()
    found = set()
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            if "registers_mark" not in query["sql"] or not query["sql"].startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN (FORMAT JSON) {query['sql']}")
            found |= relations(cursor.fetchone()[0][0]["Plan"])
    return {name for name in found if name.startswith("registers_mark_")}


def relations(node) -> set[str]:
    found = {node["Relation Name"]} if "Relation Name" in node else set()
    for child in node.get("Plans", []):
        found |= relations(child)
    return found


def test_the_register_page_reads_only_that_years_partition(cast, at_905):
    write_mark(cast.poppy, DAY, "AM", "/", by=cast.alice, now=london(9, 5), source="register")
    register = Register.objects.create(
        group=cast.poppy.registration_group, date=DAY, session="AM", taken_at=london(9, 5)
    )
    Mark.objects.filter(pupil=cast.poppy).update(register=register)
    read = partitions_read(
        lambda: register_sheet(cast.poppy.registration_group, DAY, "AM", london(9, 5))
    )
    assert read == {"registers_mark_2026_27"}


def test_a_terms_figures_read_only_that_years_partition(cast):
    ids = [cast.poppy.id, cast.sam.id]
    autumn = partitions_read(lambda: figures_by_pupil(ids, dt.date(2026, 9, 3), DAY))
    assert autumn == {"registers_mark_2026_27"}
    across = partitions_read(lambda: figures_by_pupil(ids, dt.date(2026, 6, 1), DAY))
    assert across == {"registers_mark_2025_26", "registers_mark_2026_27"}
