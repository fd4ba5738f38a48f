"""A parent in law may report absence and is contacted about it.

s.576 Education Act 1996 (quoted in the Heartwood policy): a parent is anyone
with parental responsibility or who has care of the child. A step-parent the
child lives with is one; a grandparent who is neither is not.
"""

import pytest
from django.urls import reverse

from absences import calling, selectors
from absences.models import ContactAttempt
from absences.services import create_parent_link
from attendance.models import PupilContact
from registers.services import close_due_registers
from tests import factories
from tests.factories import ContactFactory, PupilContactFactory
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db
Ground = PupilContact.ParentGround


@pytest.fixture
def step_family(cast):
    """Sam lives with Sol (his mother's partner, with care of him); Gwen, his
    grandmother, is called first but is not a parent in law."""
    sol = ContactFactory(
        school=cast.school, first_name="Sol", last_name="Reyes", mobile_phone="07700 900222",
        preferred_contact_method="sms",
    )  # fmt: skip
    gwen = ContactFactory(
        school=cast.school, first_name="Gwen", last_name="Okafor", mobile_phone="07700 900333",
        preferred_contact_method="sms",
    )  # fmt: skip
    PupilContactFactory(
        pupil=cast.sam, contact=gwen, relationship="grandparent", parent_ground=Ground.NEITHER,
        priority=1,
    )  # fmt: skip
    PupilContactFactory(
        pupil=cast.sam, contact=sol, relationship="step_parent", parent_ground=Ground.CARE,
        priority=2,
    )  # fmt: skip
    return sol, gwen


def test_a_step_parent_with_care_may_report_for_the_child(cast, step_family):
    sol, gwen = step_family
    assert selectors.children_of(sol, DAY) == [cast.sam]
    assert selectors.children_of(gwen, DAY) == []


def test_the_step_parents_link_shows_the_child(client, cast, step_family, time_machine):
    sol, _ = step_family
    _, token = create_parent_link(sol, by=cast.olive, now=london(8, 0))
    time_machine.move_to(london(8, 5))
    assert "Sam" in client.get(reverse("parents:parent_home", args=[token])).content.decode()


def test_first_day_calling_texts_the_first_parent_in_law(cast, step_family, notify):
    sol, _ = step_family
    factories.take_registers(cast, DAY)
    close_due_registers(cast.school, london(9, 20, DAY))
    calling.run_first_day_calling(cast.school, london(9, 35))
    attempt = ContactAttempt.objects.get(pupil=cast.sam)
    assert (attempt.contact, attempt.recipient) == (sol, "07700 900222")
