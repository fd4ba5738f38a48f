import datetime as dt

import pytest

from attendance.school_age import (
    compulsory_school_age_ends,
    compulsory_school_age_starts,
    is_compulsory_school_age,
)

D = dt.date


@pytest.mark.parametrize(
    ("dob", "starts"),
    [
        (D(2021, 9, 1), D(2026, 12, 31)),  # autumn birthday: from 31 December
        (D(2021, 12, 31), D(2026, 12, 31)),  # birthday on a prescribed day
        (D(2022, 1, 1), D(2027, 3, 31)),  # spring birthday: from 31 March
        (D(2022, 4, 1), D(2027, 8, 31)),  # summer birthday: from 31 August
        (D(2020, 2, 29), D(2025, 3, 31)),  # leap day
    ],
)
def test_compulsory_school_age_starts_on_the_next_prescribed_day(dob, starts):
    assert compulsory_school_age_starts(dob) == starts


def test_it_ends_on_the_last_friday_of_june_of_year_11():
    # Born in September 2010: turns 16 in the 2026/27 school year.
    assert compulsory_school_age_ends(D(2010, 9, 1)) == D(2027, 6, 25)
    # Born in August 2010: turns 16 in 2025/26.
    assert compulsory_school_age_ends(D(2010, 8, 31)) == D(2026, 6, 26)


def test_a_reception_child_is_not_yet_of_compulsory_school_age_in_september():
    dob = D(2022, 5, 1)
    assert not is_compulsory_school_age(dob, D(2026, 9, 10))
    assert is_compulsory_school_age(dob, D(2027, 9, 1))
