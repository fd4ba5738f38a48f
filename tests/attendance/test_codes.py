"""The code table checked against the 2024 regulations (shared/domain.md)."""

import pytest

from attendance import codes
from attendance.codes import Category

# code: (statistical category, counts toward the penalty threshold)
STATUTORY = {
    "/": ("present", False),
    "\\": ("present", False),
    "L": ("present", False),
    "K": ("approved educational activity", False),
    "V": ("approved educational activity", False),
    "P": ("approved educational activity", False),
    "W": ("approved educational activity", False),
    "B": ("approved educational activity", False),
    "D": ("not a possible session", False),
    "C1": ("authorised absence", False),
    "M": ("authorised absence", False),
    "J1": ("authorised absence", False),
    "S": ("authorised absence", False),
    "X": ("not a possible session", False),
    "C2": ("authorised absence", False),
    "C": ("authorised absence", False),
    "T": ("authorised absence", False),
    "R": ("authorised absence", False),
    "I": ("authorised absence", False),
    "E": ("authorised absence", False),
    "G": ("unauthorised absence", True),
    "N": ("unauthorised absence", False),
    "O": ("unauthorised absence", True),
    "U": ("unauthorised absence", True),
    **{f"Y{i}": ("not a possible session", False) for i in range(1, 8)},
    "Q": ("not a possible session", False),
    "Z": ("not a possible session (administrative)", False),
    "#": ("not a possible session (administrative)", False),
}


def test_every_statutory_code_is_in_use_with_its_category_and_threshold_rule():
    in_use = {c.code: (str(c.category), c.counts_toward_threshold) for c in codes.in_use()}
    assert in_use == STATUTORY


def test_only_g_o_and_u_count_toward_the_penalty_threshold():
    assert codes.threshold_codes() == {"G", "O", "U"}


@pytest.mark.parametrize("withdrawn", ["H", "J", "Y", "F"])
def test_withdrawn_codes_cannot_be_entered_but_keep_their_meaning(withdrawn):
    code = codes.get(withdrawn)
    assert not code.in_use
    assert withdrawn not in dict(codes.choices())
    assert withdrawn in dict(codes.choices(include_withdrawn=True))


def test_historic_j_was_an_approved_activity_and_h_an_authorised_absence():
    assert codes.get("J").category is Category.APPROVED_ACTIVITY
    assert codes.get("H").category is Category.AUTHORISED


def test_teachers_enter_present_late_and_no_reason_yet_only():
    assert {c.code for c in codes.enterable_by_teacher()} == {"/", "\\", "L", "N"}


def test_possible_sessions_exclude_not_possible_codes():
    assert not codes.get("D").is_possible_session
    assert not codes.get("#").is_possible_session
    assert codes.get("N").is_possible_session
    assert codes.get("V").counts_as_attending
    assert not codes.get("I").counts_as_attending
    assert codes.get("I").is_absence


def test_an_unknown_code_is_an_error():
    with pytest.raises(ValueError, match="not an attendance code"):
        codes.get("A")


def test_the_head_decides_a_definitive_reason_never_n_or_an_attendance_code():
    authorised = {"I", "M", "R", "C", "C1", "J1", "S", "T", "E", "C2"}
    assert set(codes.decision_codes(Category.AUTHORISED)) == authorised
    assert set(codes.decision_codes()) == authorised | {"G", "O", "U"}


def test_leave_of_absence_is_the_regulations_leave_codes():
    assert set(codes.leave_codes()) == {"C", "C1", "C2", "J1", "M", "S"}
    assert codes.LEAVE_GRANTED in codes.leave_codes()
    assert codes.get(codes.HOLIDAY_NOT_GRANTED).counts_toward_threshold
    assert codes.get(codes.OTHER_UNAUTHORISED).category is Category.UNAUTHORISED
