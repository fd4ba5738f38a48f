"""The statutory attendance codes: the one place Rollcall knows them.

Source: The School Attendance (Pupil Registration) (England) Regulations 2024
and DfE "Working together to improve school attendance" (August 2024). Every
other module asks this one what a code means, how it counts in the DfE
statistics, whether it counts toward the penalty-notice threshold and who may
enter it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

# The 2024 Regulations' codes replaced H, J and Y from this day.
WITHDRAWN_2024 = dt.date(2024, 8, 1)


class Category(StrEnum):
    PRESENT = "present"
    APPROVED_ACTIVITY = "approved educational activity"
    AUTHORISED = "authorised absence"
    UNAUTHORISED = "unauthorised absence"
    NOT_POSSIBLE = "not a possible session"
    ADMINISTRATIVE = "not a possible session (administrative)"


class EnteredBy(StrEnum):
    # Teachers take the register; every other code is for office and
    # attendance staff, and authorising an absence is the head's decision.
    TEACHER = "teacher"
    OFFICE = "office"


@dataclass(frozen=True)
class AttendanceCode:
    code: str
    meaning: str
    category: Category
    counts_toward_threshold: bool = False
    entered_by: EnteredBy = EnteredBy.OFFICE
    in_use: bool = True
    # The first day it may no longer be recorded (None: not withdrawn, or the
    # date is unknown and in_use decides alone).
    withdrawn_on: dt.date | None = None
    # A code the head (or a delegate) may decide an absence was, on a report
    # or an N: a definitive reason, authorised or not, numbered by its place
    # in the head's menu (the usual reasons first); 0 for the others. N itself
    # is not a decision, and attending codes are the register's, not the head's.
    head_menu: int = 0
    # Leave of absence granted by the school in advance (Regulations 2024,
    # the "leave of absence" codes C, C1, C2, J1, M and S).
    leave_of_absence: bool = False

    def could_be_recorded_on(self, day: dt.date) -> bool:
        """Whether a mark for `day` may carry this code: a withdrawn code keeps
        its meaning for the days before its withdrawal (earlier marks imported)."""
        if self.in_use:
            return True
        return self.withdrawn_on is not None and day < self.withdrawn_on

    @property
    def head_decides(self) -> bool:
        return self.head_menu > 0

    @property
    def is_possible_session(self) -> bool:
        return self.category not in (Category.NOT_POSSIBLE, Category.ADMINISTRATIVE)

    @property
    def counts_as_attending(self) -> bool:
        """Present or at an approved educational activity (the DfE numerator)."""
        return self.category in (Category.PRESENT, Category.APPROVED_ACTIVITY)

    @property
    def is_absence(self) -> bool:
        return self.category in (Category.AUTHORISED, Category.UNAUTHORISED)

    @property
    def teacher_may_enter(self) -> bool:
        return self.entered_by is EnteredBy.TEACHER


_C = AttendanceCode
P, A, AU, UN, NP, AD = (
    Category.PRESENT,
    Category.APPROVED_ACTIVITY,
    Category.AUTHORISED,
    Category.UNAUTHORISED,
    Category.NOT_POSSIBLE,
    Category.ADMINISTRATIVE,
)
T = EnteredBy.TEACHER

CODES: dict[str, AttendanceCode] = {
    c.code: c
    for c in [
        _C("/", "Present (AM)", P, entered_by=T),
        _C("\\", "Present (PM)", P, entered_by=T),
        _C("L", "Late, arrived before the register closed", P, entered_by=T),
        _C("K", "Attending education provision arranged by the local authority", A),
        _C("V", "Attending an educational visit or trip", A),
        _C("P", "Participating in a supervised sporting activity", A),
        _C("W", "Attending work experience", A),
        _C("B", "Attending any other approved educational activity", A),
        _C("D", "Dual registered: attending the other school", NP),
        _C(
            "C1",
            "Leave: regulated performance or regulated employment abroad",
            AU,
            head_menu=5,
            leave_of_absence=True,
        ),
        _C(
            "M",
            "Leave: medical or dental appointment",
            AU,
            head_menu=2,
            leave_of_absence=True,
        ),
        _C(
            "J1",
            "Leave: interview for employment or admission to another institution",
            AU,
            head_menu=6,
            leave_of_absence=True,
        ),
        _C(
            "S",
            "Leave: study for a public examination",
            AU,
            head_menu=7,
            leave_of_absence=True,
        ),
        _C("X", "Non-compulsory school age pupil not required to attend", NP),
        _C(
            "C2",
            "Leave: compulsory school age pupil on a part-time timetable",
            AU,
            head_menu=10,
            leave_of_absence=True,
        ),
        _C(
            "C",
            "Leave: exceptional circumstances",
            AU,
            head_menu=4,
            leave_of_absence=True,
        ),
        _C(
            "T",
            "Parent travelling for occupational purposes (mobile child)",
            AU,
            head_menu=8,
        ),
        _C("R", "Religious observance", AU, head_menu=3),
        _C("I", "Illness (not a medical or dental appointment)", AU, head_menu=1),
        _C(
            "E",
            "Suspended or permanently excluded, no alternative provision",
            AU,
            head_menu=9,
        ),
        _C(
            "G",
            "Holiday not granted by the school",
            UN,
            counts_toward_threshold=True,
            head_menu=11,
        ),
        # N is unauthorised until replaced by a definitive code.
        _C("N", "Reason for absence not yet established", UN, entered_by=T),
        _C(
            "O",
            "Absent in other or unknown circumstances",
            UN,
            counts_toward_threshold=True,
            head_menu=12,
        ),
        _C(
            "U",
            "Arrived after the register closed",
            UN,
            counts_toward_threshold=True,
            head_menu=13,
        ),
        _C("Y1", "Unable to attend: transport normally provided not available", NP),
        _C("Y2", "Unable to attend: widespread disruption to travel", NP),
        _C("Y3", "Unable to attend: part of the school premises closed", NP),
        _C("Y4", "Unable to attend: whole school site unexpectedly closed", NP),
        _C("Y5", "Unable to attend: in criminal justice detention", NP),
        _C("Y6", "Unable to attend: public health guidance or law", NP),
        _C("Y7", "Unable to attend: any other unavoidable cause", NP),
        _C("Q", "Unable to attend: lack of access arrangements", NP),
        _C("Z", "Prospective pupil not on the admission register", AD),
        _C("#", "Planned whole or partial school closure", AD),
        # Withdrawn codes: never entered again, but historic marks keep their
        # original meaning in the statistics.
        _C(
            "H",
            "Agreed holiday (withdrawn August 2024)",
            AU,
            in_use=False,
            withdrawn_on=WITHDRAWN_2024,
        ),
        _C("J", "Interview (withdrawn August 2024)", A, in_use=False, withdrawn_on=WITHDRAWN_2024),
        _C(
            "Y",
            "Unable to attend due to exceptional circumstances (withdrawn 2024)",
            NP,
            in_use=False,
            withdrawn_on=WITHDRAWN_2024,
        ),
        # Withdrawn in September 2013 (the 2013 amendment to the 2006 Regulations).
        _C(
            "F",
            "Extended family holiday (withdrawn)",
            AU,
            in_use=False,
            withdrawn_on=dt.date(2013, 9, 1),
        ),
    ]
}

PRESENT_AM = "/"
PRESENT_PM = "\\"
LATE = "L"
LATE_AFTER_CLOSE = "U"
NO_REASON_YET = "N"
# What a decided leave request records (absences.leave_days): the head grants
# leave only in exceptional circumstances, so a granted day is C; a refused
# day the pupil misses is G when the leave asked for was a holiday, and O
# otherwise, so a refused funeral is not recorded as a holiday.
LEAVE_GRANTED = "C"
HOLIDAY_NOT_GRANTED = "G"
OTHER_UNAUTHORISED = "O"


def get(code: str) -> AttendanceCode:
    try:
        return CODES[code]
    except KeyError:
        raise ValueError(f"{code!r} is not an attendance code") from None


def in_use() -> list[AttendanceCode]:
    return [c for c in CODES.values() if c.in_use]


def enterable_by_teacher() -> list[AttendanceCode]:
    return [c for c in in_use() if c.teacher_may_enter]


def threshold_codes() -> frozenset[str]:
    return frozenset(c.code for c in CODES.values() if c.counts_toward_threshold)


def codes_in(*categories: Category) -> frozenset[str]:
    return frozenset(c.code for c in CODES.values() if c.category in categories)


def decision_codes(*categories: Category) -> list[str]:
    """The codes the head's decision on an absence may record, in the order of
    the head's menu; only those of `categories` when given (AUTHORISED: what
    authorising may record)."""
    chosen = [
        c
        for c in CODES.values()
        if c.head_decides and c.in_use and (not categories or c.category in categories)
    ]
    return [c.code for c in sorted(chosen, key=lambda c: c.head_menu)]


def leave_codes() -> list[str]:
    """The leave-of-absence codes: absence the school agreed to in advance."""
    return [c.code for c in CODES.values() if c.leave_of_absence and c.in_use]


def choices(*, include_withdrawn: bool = False) -> list[tuple[str, str]]:
    return [
        (c.code, f"{c.code} – {c.meaning}") for c in CODES.values() if include_withdrawn or c.in_use
    ]


AUTHORISED_CODES = codes_in(Category.AUTHORISED)
UNAUTHORISED_CODES = codes_in(Category.UNAUTHORISED)  # with N, not yet explained

AUTHORISE_PERMISSION = "attendance.authorise_absence"


def decides_authorisation(old: str | None, new: str) -> bool:
    """Whether changing a mark from `old` (None: no mark yet) to `new` decides
    that an absence is authorised, or takes that decision back.

    Only the school, that is the head or a delegate, authorises absence
    (Regulations 2024; "Working together to improve school attendance"):
    so recording any authorised code where there was none, or turning an
    authorised absence into an unauthorised or unexplained one, is theirs.
    Changing one authorised reason for another (I to M) or correcting an
    absence to present is not a decision about authorisation.
    """
    if new in AUTHORISED_CODES:
        return old not in AUTHORISED_CODES
    return old in AUTHORISED_CODES and new in UNAUTHORISED_CODES
