"""Who may receive a penalty notice: any parent in law.

s.576 Education Act 1996 (quoted in the Heartwood policy): a parent is any
natural parent, any person with parental responsibility and any person who
has care of the child,
such as a step-parent or partner the child lives with. Each of them can
receive a penalty notice; a contact who is neither cannot, and is refused
with that reason.
"""

import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from attendance.errors import RuleError
from attendance.models import PupilContact
from penalties import letters
from penalties.models import PenaltyNotice
from penalties.services import check_thresholds, issue_penalty_notice, refer_to_la
from tests.factories import ContactFactory, PupilContactFactory
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db
D = dt.date
Ground = PupilContact.ParentGround


@pytest.fixture
def family(cast):
    """Poppy lives with Mia (her mother) and Sol (Mia's partner, who looks after
    her without parental responsibility); Gwen is her grandmother."""
    mia = ContactFactory(school=cast.school, first_name="Mia", last_name="Fairweather")
    sol = ContactFactory(school=cast.school, first_name="Sol", last_name="Reyes")
    gwen = ContactFactory(school=cast.school, first_name="Gwen", last_name="Fairweather")
    PupilContactFactory(pupil=cast.poppy, contact=mia, relationship="mother")
    PupilContactFactory(
        pupil=cast.poppy, contact=sol, relationship="step_parent", parent_ground=Ground.CARE,
        priority=2,
    )  # fmt: skip
    PupilContactFactory(
        pupil=cast.poppy, contact=gwen, relationship="grandparent",
        parent_ground=Ground.NEITHER, lives_with_pupil=False, priority=3,
    )  # fmt: skip
    return mia, sol, gwen


@pytest.fixture
def case(cast, absent):
    week = [D(2026, 11, 2) + dt.timedelta(days=i) for i in range(5)]
    absent(cast.poppy, [(d, s) for d in week for s in ("AM", "PM")], code="G")
    opened = check_thresholds(cast.school, week[-1]).opened[0]
    return refer_to_la(opened, on=opened.opened_on, by=cast.arthur, now=london(12))


def test_a_step_parent_with_care_of_the_child_can_receive_a_notice(case, family):
    _, sol, _ = family
    notice = issue_penalty_notice(case, sol, issued_on=D(2026, 11, 10))
    assert notice.parent == sol
    assert notice.sequence == 1


def test_a_natural_parent_without_parental_responsibility_can_receive_a_notice(case, cast):
    """s.576 Education Act 1996: "parent" includes any natural parent, whether
    or not they have parental responsibility (domain.md, "Who is a parent")."""
    dad = ContactFactory(school=cast.school, first_name="Ray", last_name="Fairweather")
    PupilContactFactory(
        pupil=cast.poppy, contact=dad, relationship="father",
        parent_ground=Ground.NATURAL_PARENT, lives_with_pupil=False, priority=4,
    )  # fmt: skip
    assert issue_penalty_notice(case, dad, issued_on=D(2026, 11, 10)).parent == dad


def test_a_parent_with_parental_responsibility_still_can(case, family):
    mia, _, _ = family
    assert issue_penalty_notice(case, mia, issued_on=D(2026, 11, 10)).parent == mia


def test_a_contact_who_is_neither_is_refused_with_the_reason(case, family):
    _, _, gwen = family
    with pytest.raises(RuleError) as refused:
        issue_penalty_notice(case, gwen, issued_on=D(2026, 11, 10))
    assert str(refused.value) == (
        f"Gwen Fairweather is not a parent of {case.pupil.name} in law: under s.576 Education "
        "Act 1996 a parent is a natural parent, a person with parental responsibility or a "
        "person who has care of the child, and Gwen Fairweather is recorded as none of these."
    )
    assert not PenaltyNotice.objects.exists()


def test_someone_elses_contact_is_refused(cast, case):
    stranger = ContactFactory(school=cast.school, first_name="Kim", last_name="Nobody")
    PupilContactFactory(pupil=cast.sam, contact=stranger)
    with pytest.raises(RuleError, match="Kim Nobody is not a contact of"):
        issue_penalty_notice(case, stranger, issued_on=D(2026, 11, 10))


def test_the_case_page_lists_each_parent_with_their_ground(client, cast, case, family):
    client.force_login(cast.arthur)
    page = client.get(reverse("penalties:case_detail", args=[case.id])).content.decode()
    assert "Mia Fairweather (mother): Parental responsibility" in page
    assert (
        "Sol Reyes (step-parent): Care of the child (lives with and looks after them, "
        "without parental responsibility)"
    ) in page
    # The notice can go to either parent, never to the grandmother.
    assert "Sol Reyes (step-parent: care of the child)</option>" in page
    assert "Gwen Fairweather" not in page


def test_the_case_page_refuses_a_contact_who_is_neither(client, cast, case, family):
    _, _, gwen = family
    client.force_login(cast.arthur)
    response = client.post(
        reverse("penalties:case_penalty_notice", args=[case.id]),
        {"action": "notice", "parent": gwen.id, "issued_on": "2026-11-10"},
    )
    assert response.status_code == 400
    assert "s.576 Education Act 1996" in response.content.decode()
    assert not PenaltyNotice.objects.exists()


def test_the_referral_pack_lists_the_parents_with_their_ground(cast, case, family):
    pdf = letters.referral_pack(case, D(2026, 11, 16), D(2026, 9, 1))
    pack = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    squashed = "".join(pack.split())  # the PDF's text wraps inside the table's cells
    assert "MiaFairweather" in squashed and "Parentalresponsibility" in squashed
    assert "SolReyes" in squashed and "Careofthechild" in squashed
    assert "GwenFairweather" not in squashed
