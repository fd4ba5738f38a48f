from __future__ import annotations

import datetime as dt

from django import forms

from .models import AbsenceReport, ContactAttempt, Deletion, LeaveRequest, PartTimeTimetable
from .services import DECISION_CODES

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


class ReportDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("authorise", "Authorise"), ("refuse", "Do not authorise")]
    )
    code = forms.ChoiceField(choices=[(c, c) for c in DECISION_CODES])
    note = forms.CharField(max_length=300, required=False)


class UnexplainedDecisionForm(forms.Form):
    code = forms.ChoiceField(choices=[(c, c) for c in DECISION_CODES])
    reason = forms.CharField(max_length=300)
    seen_version = forms.IntegerField(widget=forms.HiddenInput)


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


class LeaveDecisionForm(forms.Form):
    days_granted = forms.IntegerField(min_value=0, label="School days to grant")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="Reason (goes in the letter)"
    )

    def __init__(self, *args, total_days: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days_granted"].max_value = total_days
        self.fields["days_granted"].widget.attrs["max"] = total_days
        self.fields["days_granted"].validators.append(
            lambda v: (
                (_ for _ in ()).throw(forms.ValidationError(f"At most {total_days}."))
                if v > total_days
                else None
            )
        )


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
