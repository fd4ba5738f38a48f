"""The database itself refuses to rewrite the register, whoever asks it to.

These tests connect as the application's own PostgreSQL role, the login the
web process and the workers hold, and try each way round the history that
a bug or a stolen database password would try. Each is refused by
PostgreSQL, and the register is as it was.
"""

import psycopg
import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from registers.models import Mark, MarkChange
from registers.services import write_mark
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mark(cast):
    with transaction.atomic():
        write_mark(cast.poppy, DAY, "AM", "N", by=cast.alice, now=london(9, 5), source="register")
    with transaction.atomic():
        return write_mark(
            cast.poppy,
            DAY,
            "AM",
            "O",
            by=cast.helen,
            now=london(10),
            source="office",
            reason="No reason given",
        )


@pytest.fixture
def as_app():
    db = connection.settings_dict
    conn = psycopg.connect(
        host=db["HOST"], port=db["PORT"], dbname=db["NAME"], user=settings.DATABASE_APP_ROLE
    )
    yield conn
    conn.close()


BYPASSES = {
    "empty the history": ["TRUNCATE registers_markchange"],
    "empty the register": ["TRUNCATE registers_mark CASCADE"],
    "switch the guards off": ["ALTER TABLE registers_markchange DISABLE TRIGGER ALL"],
    "drop a guard": ["DROP TRIGGER markchange_is_append_only ON registers_markchange"],
    "replica mode skips triggers": ["SET session_replication_role = replica"],
    "rewrite a history entry": ["UPDATE registers_markchange SET reason = 'tidied'"],
    "delete a history entry": ["DELETE FROM registers_markchange"],
    "delete a mark": ["DELETE FROM registers_mark"],
    "change a mark with no history": ["UPDATE registers_mark SET code = 'I'"],
    "change a mark, then history that does not match": [
        "UPDATE registers_mark SET code = 'I'",
        "INSERT INTO registers_markchange (mark_id, old_code, new_code, reason, source,"
        " changed_by_name, changed_by_position, changed_at)"
        " SELECT id, 'O', 'M', 'x', 'office', 'x', 'x', now() FROM registers_mark",
    ],
    "add a mark with no history": [
        "INSERT INTO registers_mark (pupil_id, date, session, code, note, source, entered_at,"
        " version) SELECT pupil_id, date + 1, session, '/', '', 'register', now(), 1"
        " FROM registers_mark",
    ],
    # A year's partition (registers migration 0013) takes no grant: written
    # directly, a mark would miss the weekly summary kept on the parent.
    "write into a year's partition": [
        "INSERT INTO registers_mark_2026_27 (pupil_id, date, session, code, note, source,"
        " entered_at, version) SELECT pupil_id, date + 1, session, '/', '', 'register', now(), 1"
        " FROM registers_mark"
    ],
    "delete from a year's partition": ["DELETE FROM registers_mark_2026_27"],
    "make a partition of its own": [
        "CREATE TABLE registers_mark_2099_00 PARTITION OF registers_mark"
        " FOR VALUES FROM ('2099-09-01') TO ('2100-09-01')"
    ],
    "make partitions for years to come": [
        "SELECT registers_add_mark_partitions('2030-09-01', '2999-09-01')"
    ],
    "make a table of its own": ["CREATE TABLE copy_of_marks AS SELECT * FROM registers_mark"],
    "replace a guard's function": [
        "CREATE OR REPLACE FUNCTION registers_refuse_change() RETURNS trigger"
        " AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql"
    ],
    "mark a migration as done": [
        "INSERT INTO django_migrations (app, name, applied) VALUES ('registers', 'x', now())"
    ],
    "give itself more": ["ALTER ROLE CURRENT_USER SUPERUSER"],
}


@pytest.mark.parametrize("statements", BYPASSES.values(), ids=BYPASSES.keys())
def test_the_application_role_cannot_rewrite_the_register(mark, as_app, statements):
    before = list(MarkChange.objects.values_list("id", "new_code", "reason"))
    with pytest.raises(psycopg.Error) as refused, as_app.transaction():
        for statement in statements:
            as_app.execute(statement)
    assert refused.value.sqlstate in ("42501", "42P01") or "legal record" in str(refused.value)
    mark.refresh_from_db()
    assert mark.code == "O"
    assert list(MarkChange.objects.values_list("id", "new_code", "reason")) == before
    assert Mark.objects.count() == 1


def test_the_application_role_can_do_its_work(mark, as_app):
    """A change written as Rollcall writes it (the mark and its history) is accepted."""
    with as_app.transaction():
        as_app.execute(
            "INSERT INTO registers_markchange (mark_id, old_code, new_code, reason, source,"
            " changed_by_name, changed_by_position, changed_at)"
            " VALUES (%s, 'O', 'I', 'Mum phoned', 'office', 'Olive', 'Office', now())",
            [mark.id],
        )
        as_app.execute("UPDATE registers_mark SET code = 'I' WHERE id = %s", [mark.id])
    mark.refresh_from_db()
    assert mark.code == "I"


def test_even_the_owner_cannot_rewrite_history_row_by_row(mark):
    """The owner (migrations) is refused by the row triggers beneath the grants."""
    assert connection.settings_dict["USER"] != settings.DATABASE_APP_ROLE
    for statement in (
        "UPDATE registers_markchange SET reason = 'tidied'",
        "DELETE FROM registers_markchange",
        "DELETE FROM registers_mark",
        "UPDATE registers_mark SET code = 'I'",
    ):
        with (
            pytest.raises(DatabaseError, match="legal record"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    mark.refresh_from_db()
    assert mark.code == "O"


def test_the_web_process_connects_as_the_application_role(settings):
    """Whatever the suite uses to set up, the app's own settings name the app role."""
    from config import settings as app_settings

    assert app_settings.DATABASE_APP_ROLE == settings.DATABASE_APP_ROLE
    with psycopg.connect(
        host=connection.settings_dict["HOST"],
        dbname=connection.settings_dict["NAME"],
        user=settings.DATABASE_APP_ROLE,
    ) as conn:
        superuser, owns = conn.execute(
            "SELECT rolsuper, EXISTS (SELECT 1 FROM pg_tables WHERE tableowner = current_user)"
            " FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
    assert not superuser and not owns
