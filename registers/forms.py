from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms

from attendance import codes

from . import rules
from .models import EarlyDeparture
from .selectors import RegisterRow, RegisterSheet
from .services import Conflict, Entry, RegisterOutcome

LATE_REASONS = ["Traffic", "Overslept", "Medical appointment", "Sibling's school", "Car broke down"]


class LateArrivalForm(forms.Form):
    pupil = forms.IntegerField(widget=forms.HiddenInput)
    arrived = forms.TimeField(label="Arrived at", widget=forms.TimeInput(attrs={"type": "time"}))
    reason = forms.CharField(required=False, max_length=200)
    brought_by = forms.CharField(required=False, max_length=100, label="Brought by")


class EarlyDepartureForm(forms.Form):
    pupil = forms.IntegerField(widget=forms.HiddenInput)
    left = forms.TimeField(label="Left at", widget=forms.TimeInput(attrs={"type": "time"}))
    reason = forms.ChoiceField(choices=EarlyDeparture.Reason.choices)
    details = forms.CharField(required=False, max_length=200)
    collected_by = forms.CharField(required=False, max_length=100, label="Collected by")


class AmendMarkForm(forms.Form):
    code = forms.ChoiceField(choices=codes.choices())
    minutes_late = forms.IntegerField(required=False, min_value=0, max_value=300)
    reason = forms.CharField(
        max_length=300, help_text="Required: kept with the register for six years."
    )
    seen_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


def parse_day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


@dataclass
class RegisterFormRow:
    """One pupil's line of the register form: the saved mark and what the form shows chosen."""

    row: RegisterRow
    code: str
    version: int
    minutes_late: int | None
    conflict: Conflict | None = None


def register_form_rows(
    sheet: RegisterSheet,
    entries: list[Entry],
    outcome: RegisterOutcome | None,
    all_present: bool = False,
) -> list[RegisterFormRow]:
    """The register form as it is shown again, keeping the person's work.

    After a save that failed (nothing saved) the form shows every choice
    made, with the versions first seen. A pupil someone else changed in the
    meantime shows this person's choice with the current version, so saving
    again decides it; the marks that were saved show as saved. "Mark all
    present" fills the unmarked pupils and those of a register nobody took.
    """
    present = rules.present_code(sheet.session)
    kept = {e.pupil_id: e for e in entries} if outcome and outcome.errors else {}
    conflicts = {c.pupil.id: c for c in outcome.conflicts} if outcome else {}
    rows = []
    for row in sheet.rows:
        mark = row.mark
        line = RegisterFormRow(
            row,
            mark.code if mark else "",
            mark.version if mark else 0,
            mark.minutes_late if mark else None,
        )
        if all_present and (mark is None or mark.held_back):
            line.code = present
        if entry := kept.get(row.pupil.id):
            line.code, line.version = entry.code, entry.seen_version
            line.minutes_late = entry.minutes_late
        if conflict := conflicts.get(row.pupil.id):
            line.code, line.version = conflict.chosen, conflict.version
            line.minutes_late, line.conflict = conflict.chosen_minutes_late, conflict
        rows.append(line)
    return rows


# A year of a 400-pupil school's marks is about 6 MB of CSV.
MAX_MARKS_CSV_BYTES = 40 * 1024 * 1024


class MarksFileForm(forms.Form):
    file = forms.FileField(
        help_text="A .csv file of upn, date, session, code (and optionally status, school)."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("Choose a .csv file.")
        if upload.size > MAX_MARKS_CSV_BYTES:
            raise forms.ValidationError("The file is larger than 40 MB: split it by term.")
        return upload
