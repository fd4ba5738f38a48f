import pytest
from django.core.exceptions import ValidationError

from attendance.upn import check_letter, upn_problem, validate_upn
from tests.factories import PupilFactory, SchoolFactory


def test_a_known_good_upn_passes():
    # Worked example: weights 2..13 over 823200126001.
    body = "823200126001"
    total = sum(int(c) * w for w, c in enumerate(body, start=2))
    assert check_letter(body) == "ABCDEFGHJKLMNPQRTUVWXYZ"[total % 23]
    assert upn_problem(check_letter(body) + body) is None


def test_a_mistyped_digit_is_caught():
    good = check_letter("823200126001") + "823200126001"
    bad = good[:5] + str((int(good[5]) + 1) % 10) + good[6:]
    problem = upn_problem(bad)
    assert problem is not None
    assert "check letter" in problem


@pytest.mark.parametrize(
    ("upn", "says"),
    [
        ("A12345678901", "13 characters"),
        ("I823200126001", "check letter"),
        ("A8232001260X1", "digits"),
        ("a823200126001", "check letter"),
    ],
)
def test_malformed_upns_say_what_is_wrong(upn, says):
    assert says in upn_problem(upn)


def test_a_temporary_upn_with_a_final_letter_is_checked_too():
    body = "82320012600A"
    assert upn_problem(check_letter(body) + body) is None
    assert upn_problem(check_letter(body) + body[:-1] + "I") is not None


@pytest.mark.django_db
def test_the_pupil_form_rejects_a_bad_upn():
    pupil = PupilFactory.build(school=SchoolFactory(), upn="A823200126001")
    if upn_problem(pupil.upn) is None:
        pupil.upn = "B823200126001"
    with pytest.raises(ValidationError) as error:
        pupil.full_clean()
    assert "upn" in error.value.message_dict


def test_validate_upn_raises_a_clear_message():
    with pytest.raises(ValidationError, match="should start with"):
        body = "823200126001"
        wrong = next(c for c in "ABC" if c != check_letter(body))
        validate_upn(wrong + body)
