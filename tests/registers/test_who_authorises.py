"""Only the head (or a delegate with authorise_absence) authorises absence, on every path."""

import pytest
from django.urls import reverse

from attendance import codes
from registers.models import Mark
from registers.services import MarkError, amend_mark, sign_in_late, write_mark
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("old", "new", "decision"),
    [
        ("N", "I", True),  # explaining an unexplained absence as authorised
        ("O", "M", True),
        ("G", "C", True),
        ("U", "I", True),
        (None, "I", True),  # recording an authorised absence outright
        ("/", "I", True),
        ("I", "O", True),  # taking an authorisation back
        ("M", "N", True),
        ("I", "M", False),  # another authorised reason
        ("I", "/", False),  # she was in school after all
        ("N", "O", False),  # unexplained to unauthorised: the office may record it
        ("N", "U", False),
        ("N", "L", False),
        (None, "N", False),
    ],
)
def test_which_changes_decide_authorisation(old, new, decision):
    assert codes.decides_authorisation(old, new) is decision


@pytest.fixture
def unexplained(cast):
    return write_mark(
        cast.poppy, DAY, "AM", "N", by=None, now=london(9, 20), source="close", reason=""
    )


def test_the_office_and_attendance_officer_cannot_authorise_by_amendment(cast, unexplained):
    for user in (cast.olive, cast.arthur, cast.adam):
        with pytest.raises(MarkError, match="Only the head"):
            amend_mark(cast.poppy, DAY, "AM", "I", by=user, now=london(11), reason="Mum rang")
    assert Mark.objects.get(pk=unexplained.pk).code == "N"
    amend_mark(cast.poppy, DAY, "AM", "I", by=cast.helen, now=london(11), reason="Mum rang")
    assert Mark.objects.get(pk=unexplained.pk).code == "I"


def test_the_office_still_records_what_is_not_a_decision(cast, unexplained):
    sign_in_late(cast.poppy, london(9, 40), by=cast.olive, now=london(9, 40))
    assert Mark.objects.get(pk=unexplained.pk).code == "U"
    amend_mark(cast.poppy, DAY, "AM", "O", by=cast.olive, now=london(15), reason="No contact")
    assert Mark.objects.get(pk=unexplained.pk).code == "O"


def test_the_office_cannot_take_an_authorisation_back(cast, unexplained):
    amend_mark(cast.poppy, DAY, "AM", "I", by=cast.helen, now=london(11), reason="Mum rang")
    with pytest.raises(MarkError, match="Only the head"):
        amend_mark(cast.poppy, DAY, "AM", "O", by=cast.olive, now=london(12), reason="Seen in town")
    assert Mark.objects.get(pk=unexplained.pk).code == "I"


def test_the_admin_is_not_a_superuser_and_cannot_open_the_queue(client, cast):
    assert not cast.adam.is_superuser
    assert not cast.adam.has_perm("attendance.authorise_absence")
    client.force_login(cast.adam)
    assert client.get(reverse("absences:authorisation_queue")).status_code == 403


def test_the_demo_admin_is_an_ordinary_role(settings, tmp_path):
    from django.utils import timezone

    from attendance.demo import seed_demo
    from attendance.models import User

    settings.MEDIA_ROOT = tmp_path
    seed_demo(history=False, now=timezone.now())
    admin = User.objects.get(username="admin")
    assert admin.is_staff and not admin.is_superuser
    assert not admin.has_perm("attendance.authorise_absence")
    assert admin.has_perm("attendance.change_school") and admin.has_perm(
        "attendance.add_nonschoolday"
    )
    assert not admin.has_perm("registers.change_mark")


def test_an_admin_cannot_make_themselves_a_superuser_in_the_django_admin(client, cast):
    client.force_login(cast.adam)
    from django.contrib.auth.models import Group

    cast.adam.groups.set([Group.objects.get(name="Admin")])
    response = client.get(reverse("admin:attendance_user_change", args=[cast.adam.id]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "is_superuser" not in form.fields and "user_permissions" not in form.fields
