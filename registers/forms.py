from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.template.defaultfilters import slugify
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

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


def register_rows_html(
    form_rows: list[RegisterFormRow],
    *,
    as_teacher: bool,
    read_only: bool,
    teacher_choices: list[tuple[str, str]],
    all_codes: list[codes.AttendanceCode],
) -> SafeString:
    """The register's table rows, one pupil each, built here rather than in
    the template: a class of 30 cost the template over a thousand variable
    lookups (name properties, each mark's code and meaning, the loops over
    the choices and the codes), the largest part of the page. Every value
    goes through format_html, so it is escaped as the template would; the
    office's menu of every code is built once per code chosen.
    """
    menus: dict[str, SafeString] = {}

    def menu(chosen: str) -> SafeString:
        if chosen not in menus:
            menus[chosen] = format_html_join(
                "",
                '<option value="{}"{}>{} – {}</option>',
                (
                    (c.code, " selected" if c.code == chosen else "", c.code, c.meaning)
                    for c in all_codes
                ),
            )
        return menus[chosen]

    radios: dict[str, str] = {}

    def choices(chosen: str) -> str:
        """The teacher's three choices with `chosen` checked, escaped once,
        with {id} for the pupil's id (a number)."""
        if chosen not in radios:
            radios[chosen] = format_html_join(
                "",
                '<label class="choice choice-{}"><input type="radio" name="code_{{id}}"'
                ' value="{}"{}> {}</label>',
                (
                    (label.lower(), value, " checked" if chosen == value else "", label)
                    for value, label in teacher_choices
                ),
            )
        return radios[chosen]

    rows = []
    for r in form_rows:
        row, mark, pupil = r.row, r.row.mark, r.row.pupil
        name, legal = pupil.name, pupil.legal_name
        code = codes.get(mark.code) if mark else None
        locked = bool(code and not code.teacher_may_enter)
        details = [format_html('<span class="name">{}</span>', name)]
        if legal != name:
            details.append(format_html('<small class="legal">{}</small>', legal))
        if mark and mark.status_label:
            details.append(format_html('<small class="status">{}</small>', mark.status_label))
        if mark and mark.note:
            details.append(format_html('<small class="context">{}</small>', mark.note))
        if conflict := r.conflict:
            current = conflict.current
            details.append(
                format_html(
                    '<small class="conflict-note">Saved now: {}, by {}{}</small>',
                    current.code if current else "no mark",
                    conflict.saved_by,
                    f" at {_hh_mm(current.entered_at)}" if current else "",
                )
            )
        if as_teacher and not locked and not read_only:
            entry = format_html(
                '<div class="choices" role="radiogroup" aria-label="{}">{}</div>',
                name,
                mark_safe(choices(r.code).replace("{id}", str(int(pupil.id)))),
            )
        elif not as_teacher:
            entry = format_html(
                '<select name="code_{}" aria-label="Mark for {}">'
                '<option value="">– unmarked –</option>{}</select>'
                ' <label class="late-minutes">minutes late <input type="number" name="late_{}"'
                ' min="0" max="300" value="{}" aria-label="Minutes late for {}"></label>',
                pupil.id,
                name,
                menu(r.code),
                pupil.id,
                "" if r.minutes_late is None else r.minutes_late,
                name,
            )
        elif code:
            entry = format_html(
                '<span class="code cat-{}"{}>{}</span> {}',
                slugify(code.category),
                format_html(' title="{}"', code.meaning) if locked else "",
                code.code,
                code.meaning,
            )
        else:
            entry = "unmarked"
        rate = row.figures.attendance_rate
        css = " ".join(
            c for c, on in (("locked", locked and as_teacher), ("conflict", r.conflict)) if on
        )
        rows.append(
            format_html(
                '<tr data-pupil="{}"{} class="{}"><th scope="row">{}</th>'
                '<td class="ytd{}">{}</td>'
                '<td><input type="hidden" name="v_{}" value="{}">{}</td></tr>\n',
                pupil.id,
                mark_safe(" data-held-back") if mark and mark.held_back else "",
                css,
                mark_safe("".join(details)),  # each part made by format_html
                " bad" if row.figures.persistently_absent else "",
                f"{formats.localize(rate)}%" if rate is not None else "–",
                pupil.id,
                r.version,
                entry,
            )
        )
    return mark_safe("".join(rows))  # each row made by format_html


def _hh_mm(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


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
