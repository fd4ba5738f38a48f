from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django import forms

from attendance import codes
from attendance.school_calendar import SchoolCalendar

from . import leave_days
from .models import AbsenceReport, ContactAttempt, Deletion, LeaveRequest, PartTimeTimetable
from .selectors import NO_REASON, OLDER, TODAY
from .services import AUTHORISE, CHASE, REFUSE

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
# Checked by content, not by name: the first bytes of each allowed type.
EVIDENCE_SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # what <input type=date> reads


def evidence_type(upload) -> str:
    """The file's real type, or a ValidationError a parent can act on."""
    if upload.size > MAX_EVIDENCE_BYTES:
        raise forms.ValidationError("The file is larger than 5 MB: send a smaller photo or scan.")
    head = upload.read(8)
    upload.seek(0)
    for signature, content_type in EVIDENCE_SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    raise forms.ValidationError("Evidence must be a PDF, JPEG or PNG file.")


class EvidenceField(forms.FileField):
    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            upload.checked_type = evidence_type(upload)
        return upload


class AbsenceReportForm(forms.Form):
    reporter_name = forms.CharField(max_length=150, label="Who called")
    contact = forms.ModelChoiceField(queryset=None, required=False, label="Contact on record")
    channel = forms.ChoiceField(choices=AbsenceReport.Channel.choices)
    reason = forms.ChoiceField(choices=AbsenceReport.Reason.choices)
    details = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    first_day = forms.DateField(widget=DATE)
    expected_return = forms.DateField(widget=DATE, required=False)
    evidence = EvidenceField(required=False, help_text="PDF, JPEG or PNG, up to 5 MB")

    def __init__(self, *args, contacts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = contacts
        if contacts is None:
            del self.fields["contact"]

    def clean(self):
        data = super().clean()
        first, back = data.get("first_day"), data.get("expected_return")
        if first and back and back <= first:
            self.add_error("expected_return", "The expected return must be after the first day.")
        return data


class ParentAbsenceForm(AbsenceReportForm):
    def __init__(self, *args, children=(), **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["channel"]
        self.fields["reporter_name"].label = "Your name"
        self.fields["pupil"] = forms.TypedChoiceField(
            choices=[(c.id, c.name) for c in children], coerce=int, label="Child"
        )
        self.order_fields(["pupil"])


class QueueFilterForm(forms.Form):
    when = forms.ChoiceField(
        choices=[("", "Any day"), (TODAY, "Today"), (OLDER, "Earlier days")], required=False
    )
    reason = forms.ChoiceField(
        choices=[("", "Any reason"), *AbsenceReport.Reason.choices, (NO_REASON, "No reason yet")],
        required=False,
    )


QUEUE_ROW = re.compile(r"^(report|mark)-([0-9]{1,12})$")
SEEN_VERSION = re.compile(r"^([0-9]{1,12})\.([0-9]{1,9})$")
ROW_CHOICES = {CHASE, REFUSE, *codes.decision_codes(codes.Category.AUTHORISED)}


@dataclass(frozen=True)
class TickedRow:
    kind: str  # "report" or "mark"
    pk: int
    seen: dict[int, int]  # mark id -> the version the head was shown
    choice: str  # the row's own decision: CHASE, REFUSE or an authorised code


class QueueDecisionForm(forms.Form):
    """One decision and one reason for every row the head ticked.

    Each row posts `row` (its key), `seen-<key>` (the versions shown) and
    `choice-<key>` (its own decision, used when `decision` is left blank).
    """

    decision = forms.ChoiceField(
        choices=[
            ("", "Each row's own choice"),
            (AUTHORISE, "Authorise"),
            (REFUSE, "Do not authorise"),
            (CHASE, "Leave them to chase"),
        ],
        required=False,
    )
    code = forms.ChoiceField(
        choices=[("", "Reported code (refusing: O, or G for a holiday)")]
        + [(c, c) for c in codes.decision_codes()],
        required=False,
    )
    reason = forms.CharField(max_length=300, required=False)

    def clean(self):
        data = super().clean()
        keys = self.data.getlist("row") if hasattr(self.data, "getlist") else []
        rows = []
        for key in dict.fromkeys(keys):
            match = QUEUE_ROW.match(key)
            seen = [SEEN_VERSION.match(p) for p in self.data.get(f"seen-{key}", "").split()]
            choice = self.data.get(f"choice-{key}") or CHASE
            if not match or not all(seen) or choice not in ROW_CHOICES:
                raise forms.ValidationError("A ticked row was not understood: reload the queue.")
            versions = {int(m[1]): int(m[2]) for m in seen if m}
            rows.append(TickedRow(match[1], int(match[2]), versions, choice))
        if not rows:
            raise forms.ValidationError("Tick the rows to decide.")
        data["rows"] = rows
        return data


class CallOutcomeForm(forms.Form):
    contact = forms.ModelChoiceField(queryset=None)
    outcome = forms.ChoiceField(
        choices=[
            (ContactAttempt.Status.ANSWERED, "Answered"),
            (ContactAttempt.Status.NO_ANSWER, "No answer"),
            (ContactAttempt.Status.LEFT_MESSAGE, "Left a message"),
            (ContactAttempt.Status.WRONG_NUMBER, "Wrong number"),
        ]
    )
    reason = forms.ChoiceField(
        choices=[("", "– no reason given –")] + list(AbsenceReport.Reason.choices), required=False
    )
    expected_return = forms.DateField(widget=DATE, required=False)
    notes = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, contacts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = contacts

    def clean(self):
        data = super().clean()
        if data.get("reason") and data.get("outcome") != ContactAttempt.Status.ANSWERED:
            self.add_error("reason", "A reason can only come from a call that was answered.")
        return data


class MissingEducationReferralForm(forms.Form):
    early_reason = forms.CharField(
        label="Why refer before the school's limit",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, early: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # Before the limit the referral needs a reason, recorded on the task.
        self.fields["early_reason"].required = early


class LeaveRequestForm(forms.ModelForm):
    evidence = EvidenceField(required=False, help_text="PDF, JPEG or PNG, up to 5 MB")

    class Meta:
        model = LeaveRequest
        fields = [
            "parent_names",
            "relationship",
            "phone",
            "email",
            "address",
            "siblings",
            "first_day",
            "last_day",
            "expected_return",
            "purpose",
            "reason",
            "evidence_note",
            "declaration",
        ]
        widgets = {
            "first_day": DATE,
            "last_day": DATE,
            "expected_return": DATE,
            "address": forms.Textarea(attrs={"rows": 2}),
            "siblings": forms.Textarea(attrs={"rows": 2}),
            "reason": forms.Textarea(attrs={"rows": 3}),
            "evidence_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Chosen, never defaulted: it decides how a refused day is coded.
        self.fields["purpose"].choices = [("", "– choose –"), *LeaveRequest.Purpose.choices]
        self.initial["purpose"] = (kwargs.get("initial") or {}).get("purpose", "")

    def clean(self):
        data = super().clean()
        first, last, back = data.get("first_day"), data.get("last_day"), data.get("expected_return")
        if first and last and last < first:
            self.add_error("last_day", "The last day is before the first day.")
        if last and back and back <= last:
            self.add_error(
                "expected_return", "The return date must be after the last day of absence."
            )
        if not data.get("declaration"):
            self.add_error("declaration", "Please read and agree to the declaration.")
        return data


class DayCheckboxes(forms.CheckboxSelectMultiple):
    """A checkbox per requested school day; a day that cannot be granted is shown, disabled."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.disabled_values: set[str] = set()

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value in self.disabled_values:
            option["attrs"]["disabled"] = True
        return option


class GrantedDaysField(forms.MultipleChoiceField):
    """The ticked days, as dates. Any date is accepted here and then checked
    against the request (absences.leave_days), so a forged one gets a reason."""

    widget = DayCheckboxes

    def to_python(self, value):
        days = []
        for raw in super().to_python(value):
            try:
                days.append(dt.date.fromisoformat(raw))
            except ValueError:
                raise forms.ValidationError(f"“{raw[:20]}” is not a date.") from None
        return days

    def valid_value(self, value) -> bool:
        return True


class LeaveDecisionForm(forms.Form):
    granted_dates = GrantedDaysField(
        required=False,
        label="Days granted",
        help_text="Tick the school days you grant. None ticked refuses the request.",
    )
    purpose = forms.ChoiceField(
        choices=LeaveRequest.Purpose.choices,
        label="The leave is for",
        help_text="A day not granted is coded G if the leave is a holiday, O otherwise, "
        "should the pupil be absent.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason (goes in the letter)",
        error_messages={
            "required": "Give the reason for the decision: it goes in the letter to the parents."
        },
    )

    def __init__(self, *args, leave: LeaveRequest, days: list[leave_days.RequestedDay], **kwargs):
        super().__init__(*args, **kwargs)
        self.leave = leave
        field = self.fields["granted_dates"]
        field.choices = [
            (d.date.isoformat(), d.not_grantable or f"{d.date:%A %-d %B %Y}") for d in days
        ]
        field.widget.disabled_values = {d.date.isoformat() for d in days if d.not_grantable}
        self.fields["purpose"].initial = leave.purpose

    def clean_granted_dates(self) -> list[dt.date]:
        days = self.cleaned_data["granted_dates"]
        calendar = SchoolCalendar(self.leave.pupil.school)
        errors = [
            why for day in days if (why := leave_days.why_not_granted(self.leave, day, calendar))
        ]
        if errors:
            raise forms.ValidationError(errors)
        return days


class PartTimeTimetableForm(forms.ModelForm):
    sessions_off = forms.MultipleChoiceField(
        choices=PartTimeTimetable.WEEKDAY_SESSIONS,
        widget=forms.CheckboxSelectMultiple,
        label="Sessions not attended (coded C2)",
    )
    review_dates = forms.CharField(
        required=False, help_text="Review dates, YYYY-MM-DD separated by commas"
    )

    class Meta:
        model = PartTimeTimetable
        fields = [
            "agreed_on",
            "agreed_with",
            "reason",
            "start",
            "planned_end",
            "sessions_off",
            "review_dates",
        ]
        widgets = {
            "agreed_on": DATE,
            "start": DATE,
            "planned_end": DATE,
            "reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, contacts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreed_with"].queryset = contacts

    def clean_review_dates(self):
        raw = self.cleaned_data["review_dates"]
        try:
            return [dt.date.fromisoformat(p.strip()) for p in raw.split(",") if p.strip()]
        except ValueError:
            raise forms.ValidationError(
                "Write review dates as YYYY-MM-DD, separated by commas."
            ) from None


class DeletionForm(forms.ModelForm):
    class Meta:
        model = Deletion
        fields = [
            "ground",
            "date",
            "destination_school",
            "destination_address",
            "written_notice_received",
            "notes",
        ]
        widgets = {
            "date": DATE,
            "destination_address": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self):
        data = super().clean()
        if data.get("ground") == Deletion.Ground.HOME_EDUCATION and not data.get(
            "written_notice_received"
        ):
            self.add_error(
                "written_notice_received",
                "A pupil is deleted for home education only on the parent's written notice.",
            )
        return data
