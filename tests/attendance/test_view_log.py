"""A record of who looked: every view of a pupil's records, append-only,
searchable by the head by pupil or by member of staff."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from attendance.models import ViewLog
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db


def test_opening_a_pupil_is_recorded_with_who_when_and_where(client, cast, time_machine):
    time_machine.move_to(london(10, 15), tick=False)
    client.force_login(cast.alice)
    client.get(reverse("attendance:pupil_detail", args=[cast.poppy.id]), REMOTE_ADDR="192.0.2.9")
    client.get(reverse("registers:pupil_attendance", args=[cast.poppy.id]), REMOTE_ADDR="192.0.2.9")
    rows = list(ViewLog.objects.order_by("id"))
    assert [(r.user, r.pupil, r.what) for r in rows] == [
        (cast.alice, cast.poppy, "pupil"),
        (cast.alice, cast.poppy, "attendance"),
    ]
    assert rows[0].address == "192.0.2.9" and rows[0].at == london(10, 15)
    assert rows[0].user_name == cast.alice.display_name()


def test_a_refused_look_is_not_a_look(client, cast):
    client.force_login(cast.bob)  # Poppy is not in bob's class
    assert client.get(reverse("attendance:pupil_detail", args=[cast.poppy.id])).status_code in (
        403,
        404,
    )
    assert not ViewLog.objects.exists()


def test_marks_exports_and_the_mark_history_are_recorded(client, cast):
    client.force_login(cast.helen)
    client.get(reverse("registers:mark_detail", args=[cast.poppy.id, DAY.isoformat(), "AM"]))
    client.get(reverse("reporting:marks_export"), {"start": "2026-09-01", "end": "2026-11-26"})
    client.get(reverse("absences:pupil_absences", args=[cast.poppy.id]))
    assert list(ViewLog.objects.order_by("id").values_list("what", "pupil")) == [
        ("mark", cast.poppy.id),
        ("export", None),
        ("absences", cast.poppy.id),
    ]


def test_the_head_searches_by_pupil_and_by_member_of_staff(client, cast):
    client.force_login(cast.alice)
    client.get(reverse("attendance:pupil_detail", args=[cast.poppy.id]))
    client.force_login(cast.olive)
    client.get(reverse("attendance:pupil_detail", args=[cast.sam.id]))
    client.force_login(cast.helen)
    by_pupil = client.get(
        reverse("attendance:view_log"), {"q": "Poppy Fairweather"}
    ).content.decode()
    assert "Views of Poppy Fairweather" in by_pupil and cast.alice.display_name() in by_pupil
    assert cast.olive.display_name() not in by_pupil
    by_staff = client.get(reverse("attendance:view_log"), {"staff": "olive"}).content.decode()
    assert "Sam Okafor" in by_staff and "Poppy" not in by_staff.split("<table")[1]
    unknown = client.get(reverse("attendance:view_log"), {"staff": "nobody-here"}).content.decode()
    assert "No member of staff signs in as" in unknown


def test_only_the_head_and_the_admin_read_the_log(client, cast):
    for user in (cast.alice, cast.olive, cast.arthur, cast.gwen):
        client.force_login(user)
        assert client.get(reverse("attendance:view_log")).status_code == 403


def test_the_log_cannot_be_rewritten(cast, client):
    client.force_login(cast.alice)
    client.get(reverse("attendance:pupil_detail", args=[cast.poppy.id]))
    entry = ViewLog.objects.get()
    for statement in (
        "UPDATE attendance_viewlog SET user_name = 'x'",
        "DELETE FROM attendance_viewlog",
    ):
        with (
            pytest.raises(DatabaseError, match="permission denied|not allowed"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    entry.refresh_from_db()
    assert entry.user_name == cast.alice.display_name()
