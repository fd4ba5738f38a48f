"""What a page knows of its user (roles, permissions, classes) is read once
per request, and a change takes effect on the next page."""

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from attendance.authorizers import group_authorized
from attendance.backends import taught_groups
from attendance.models import User
from attendance.roles import Role, roles_of
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_905():
    with time_machine.travel(london(9, 5), tick=False):
        yield


def register_url(group):
    return reverse("registers:register", args=[group.id, DAY.isoformat(), "AM"])


def test_roles_permissions_and_classes_come_in_one_query(cast, django_assert_num_queries):
    alice = User.objects.get(pk=cast.alice.pk)
    with django_assert_num_queries(1):
        assert roles_of(alice) == {Role.TEACHER}
        assert alice.has_perm("attendance.take_register")
        assert not alice.has_perm("attendance.authorise_absence")
        assert taught_groups(alice) == {cast.hawthorn.id}
        assert group_authorized(alice, cast.hawthorn)
        assert not group_authorized(alice, cast.rowan)


def test_a_teacher_taken_off_a_class_loses_its_register_on_the_next_page(client, cast, at_905):
    client.force_login(cast.alice)
    assert client.get(register_url(cast.hawthorn)).status_code == 200
    cast.hawthorn.teachers.remove(cast.alice)
    assert client.get(register_url(cast.hawthorn)).status_code == 404


def test_a_role_taken_away_takes_effect_on_the_next_page(client, cast, at_905):
    client.force_login(cast.olive)
    late_book = reverse("registers:late_book")
    assert client.get(late_book).status_code == 200
    cast.olive.groups.remove(Group.objects.get(name=Role.OFFICE.value))
    assert client.get(late_book).status_code == 403


def test_a_superuser_still_holds_every_permission(school):
    root = User.objects.create_superuser("root", password="x", school=school)
    assert root.has_perm("attendance.authorise_absence")
    assert Role.ADMIN in roles_of(root)
