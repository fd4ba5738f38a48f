"""The pupil groups that attendance is reported by, in one table.

Each group is a value of one field of the pupil's record (free school meals,
a SEND code...). The governors' dashboard, the on-roll profile, the cohort
statistics and the imports all read this table, so adding a group is one row
here (and the field, with its migration, on Pupil and on the frozen term
grouping if the dashboard shows it).

`value` is the field's value as the cohort figures key it: "true"/"false" for
a yes/no field, the code itself for SEND. `national` names the DfE national
figure to compare with (a NationalFigure key is "<season>-<national>").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PupilGroup:
    field: str
    value: str
    label: str
    national: str = ""
    on_dashboard: bool = True  # the termly attendance tables
    on_roll: bool = True  # the numbers on roll

    @property
    def lookup(self) -> dict:
        """The ORM filter for the pupils in the group."""
        return {self.field: {"true": True, "false": False}.get(self.value, self.value)}


PUPIL_GROUPS: tuple[PupilGroup, ...] = (
    PupilGroup("free_school_meals", "true", "Free school meals", "fsm-absence"),
    PupilGroup(
        "free_school_meals",
        "false",
        "Not eligible for free school meals",
        "non-fsm-absence",
        on_roll=False,
    ),
    PupilGroup("pupil_premium", "true", "Pupil premium"),
    PupilGroup("send", "K", "SEN support (K)", "sen-support-absence"),
    PupilGroup("send", "E", "EHC plan (E)", "ehc-absence"),
    PupilGroup("send", "N", "No SEN", "no-sen-absence", on_roll=False),
    PupilGroup("eal", "true", "English as an additional language"),
    PupilGroup("looked_after", "true", "Looked-after"),
    PupilGroup("has_social_worker", "true", "With a social worker"),
    PupilGroup("young_carer", "true", "Young carers"),
    PupilGroup(
        "gypsy_roma_traveller", "true", "Gypsy, Roma, Traveller or mobile", on_dashboard=False
    ),
)
DASHBOARD_GROUPS = tuple(g for g in PUPIL_GROUPS if g.on_dashboard)
ROLL_GROUPS = tuple(g for g in PUPIL_GROUPS if g.on_roll)


def fields_of(groups: tuple[PupilGroup, ...]) -> list[str]:
    """The fields the groups are drawn from, once each, in table order."""
    return list(dict.fromkeys(g.field for g in groups))


# The yes/no fields among them (SEND is a code), for the imports.
YES_NO_FIELDS = [
    f
    for f in fields_of(PUPIL_GROUPS)
    if all(g.value in ("true", "false") for g in PUPIL_GROUPS if g.field == f)
]
