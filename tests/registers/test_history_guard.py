"""The register history is refused to the application role: by its grants
(permission denied) and, beneath them, by row triggers (a legal record)."""

import pytest
from django.db import DatabaseError, connection, transaction

from registers.models import Mark, MarkChange
from registers.services import write_mark
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db


@pytest.fixture
def change(cast):
    write_mark(cast.poppy, DAY, "AM", "N", by=cast.alice, now=london(9, 5), source="register")
    write_mark(
        cast.poppy,
        DAY,
        "AM",
        "I",
        by=cast.helen,
        now=london(10, 0),
        source="office",
        reason="Mum phoned",
    )
    return MarkChange.objects.get(old_code="N")


def test_history_rows_cannot_be_updated_in_the_database(change):
    with (
        pytest.raises(DatabaseError, match="legal record|permission denied"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE registers_markchange SET reason = 'tidied' WHERE id = %s", [change.id]
        )
    change.refresh_from_db()
    assert change.reason == "Mum phoned"


def test_history_rows_cannot_be_deleted_even_through_the_orm(change):
    with pytest.raises(DatabaseError, match="legal record|permission denied"), transaction.atomic():
        MarkChange.objects.filter(id=change.id).delete()
    with pytest.raises(DatabaseError, match="legal record|permission denied"), transaction.atomic():
        MarkChange.objects.filter(id=change.id).update(new_code="O")
    assert MarkChange.objects.filter(id=change.id, new_code="I").exists()


def test_a_mark_cannot_be_deleted(change):
    with (
        pytest.raises(DatabaseError, match="legal record|permission denied"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM registers_mark")
    assert Mark.objects.count() == 1


def test_the_history_keeps_the_original_who_and_when(change):
    history = list(MarkChange.objects.order_by("changed_at"))
    assert [(h.old_code, h.new_code) for h in history] == [("", "N"), ("N", "I")]
    assert history[1].changed_by_position == "Head"
    assert history[1].changed_at == london(10, 0)


def test_the_admin_offers_no_way_to_edit_or_delete_history(client, cast, change):
    client.force_login(cast.adam)
    response = client.get(f"/admin/registers/markchange/{change.id}/change/")
    assert response.status_code in (403, 404) or b'name="_save"' not in response.content
