"""Migration 0013 partitions a school's existing marks, and its reverse puts
them back: every mark, its history and the weekly summary as they were, and
the ids carry on from where they stood."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from registers.models import LateArrival, Mark
from tests import factories
from tests.registers.conftest import london

BEFORE = [("registers", "0012_data_flows"), ("penalties", "0003_notice_service_and_la_told")]


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def migrate(targets):
    MigrationExecutor(connection).migrate(targets)


def record() -> dict:
    """The register as the database holds it."""
    queries = {
        "marks": "SELECT id, pupil_id, date, session, code, counted_code, minutes_late, version"
        " FROM registers_mark ORDER BY id",
        "history": "SELECT id, mark_id, old_code, new_code, reason FROM registers_markchange"
        " ORDER BY id",
        "late": "SELECT id, mark_id FROM registers_latearrival ORDER BY id",
        "weeks": "SELECT pupil_id, monday, possible, attending, authorised, unauthorised, late"
        " FROM registers_pupilweek ORDER BY 1, 2",
    }
    with connection.cursor() as cursor:
        found = {}
        for name, query in queries.items():
            cursor.execute(query)
            found[name] = cursor.fetchall()
        return found


def kind() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = 'registers_mark'::regclass")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_existing_marks_are_partitioned_and_back_again(cast):
    for day, code in [
        (dt.date(2010, 3, 1), "I"),
        (dt.date(2026, 7, 20), "/"),
        (dt.date(2026, 11, 26), "L"),
    ]:
        mark = factories.create_mark(
            pupil=cast.poppy, date=day, session="AM", code=code, entered_at=timezone.now()
        )
    LateArrival.objects.create(
        pupil=cast.poppy,
        mark=mark,
        arrived_at=london(9, 20),
        recorded_by=cast.olive,
        recorded_at=london(9, 20),
    )
    try:
        partitioned = record()
        migrate(BEFORE)
        assert kind() == "r"
        assert record() == partitioned
        # A mark written before the upgrade, by the old schema.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO registers_mark (pupil_id, date, session, code, note, source,"
                " entered_at, version) VALUES (%s, '2026-11-26', 'PM', 'O', '', 'register',"
                " now(), 1) RETURNING id",
                [cast.sam.id],
            )
            (old_id,) = cursor.fetchone()
            cursor.execute(
                "INSERT INTO registers_markchange (mark_id, old_code, new_code, reason, source,"
                " changed_by_name, changed_by_position, changed_at)"
                " VALUES (%s, '', 'O', 'Register taken', 'register', 'Bob', 'Teacher', now())",
                [old_id],
            )
        unpartitioned = record()
        migrate(latest())
        assert kind() == "p"
        assert record() == unpartitioned
        assert len(unpartitioned["history"]) == len(unpartitioned["marks"]) == 4
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT date, tableoid::regclass::text FROM registers_mark ORDER BY date, id"
            )
            assert [p for _, p in cursor.fetchall()] == [
                "registers_mark_earlier",
                "registers_mark_2025_26",
                "registers_mark_2026_27",
                "registers_mark_2026_27",
            ]
        new = factories.create_mark(
            pupil=cast.sam, date=dt.date(2026, 11, 27), session="AM", code="/", entered_at=london(9)
        )
        assert new.id > old_id
    finally:
        migrate(latest())
    assert Mark.objects.count() == 5
