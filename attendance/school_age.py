"""Compulsory school age (Education Act 1996 s.8 and the prescribed days order).

A child reaches compulsory school age on the first prescribed day (31 August,
31 December, 31 March) on or after their fifth birthday, and stays of
compulsory school age until the school leaving date: the last Friday in June
of the school year in which they turn 16.
"""

import datetime as dt


def _fifth_birthday(dob: dt.date) -> dt.date:
    try:
        return dob.replace(year=dob.year + 5)
    except ValueError:  # 29 February
        return dt.date(dob.year + 5, 3, 1)


def compulsory_school_age_starts(dob: dt.date) -> dt.date:
    birthday = _fifth_birthday(dob)
    year = birthday.year
    for prescribed in (dt.date(year, 3, 31), dt.date(year, 8, 31), dt.date(year, 12, 31)):
        if birthday <= prescribed:
            return prescribed
    raise AssertionError("31 December is always on or after the birthday")


def compulsory_school_age_ends(dob: dt.date) -> dt.date:
    # The school year runs 1 Sep - 31 Aug; the child turns 16 in the year
    # ending in summer `y` when born between 1 Sep (y-17) and 31 Aug (y-16).
    summer = dob.year + 16 if dob.month < 9 else dob.year + 17
    last_day = dt.date(summer, 6, 30)
    return last_day - dt.timedelta(days=(last_day.weekday() - 4) % 7)


def is_compulsory_school_age(dob: dt.date, day: dt.date) -> bool:
    return compulsory_school_age_starts(dob) <= day <= compulsory_school_age_ends(dob)
