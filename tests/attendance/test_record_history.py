"""Changes to pupils, contacts, leave and cases keep history, made by the
database (django-pghistory triggers) with who made them, and the
application cannot rewrite it."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from attendance.models import Pupil
from penalties.models import Case
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_a_pupils_change_keeps_the_record_before_it(cast):
    Pupil.objects.filter(pk=cast.poppy.pk).update(has_social_worker=True)  # even a bulk update
    events = list(cast.poppy.events.order_by("pgh_id").values("pgh_label", "has_social_worker"))
    assert events == [
        {"pgh_label": "insert", "has_social_worker": False},
        {"pgh_label": "update", "has_social_worker": True},
    ]


def test_a_change_through_a_page_records_who_made_it(client, cast):
    case = CaseFactory(pupil=cast.poppy)
    client.force_login(cast.arthur)
    response = client.post(
        reverse("penalties:case_detail", args=[case.id]),
        {"action": "support", "notes": "Breakfast club"},
    )
    assert response.status_code == 302
    change = case.events.filter(pgh_label="update").get()
    assert change.stage == Case.Stage.SUPPORT
    assert change.pgh_context.metadata["user"] == cast.arthur.id
    assert change.pgh_context.metadata["url"] == reverse("penalties:case_detail", args=[case.id])


def test_a_deleted_contact_link_is_remembered(cast):
    from tests.factories import ContactFactory, PupilContactFactory

    link = PupilContactFactory(pupil=cast.poppy, contact=ContactFactory(school=cast.school))
    link_id = link.id
    link.delete()
    from attendance.models import PupilContact

    assert PupilContact.pgh_event_models["delete"].objects.filter(pgh_obj_id=link_id).exists()


def test_the_history_cannot_be_rewritten_by_the_application(cast):
    for statement in (
        "UPDATE attendance_pupilevent SET has_social_worker = true",
        "DELETE FROM attendance_pupilevent",
        "TRUNCATE penalties_caseevent",
    ):
        with (
            pytest.raises(DatabaseError, match="permission denied"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert cast.poppy.events.count() == 1
