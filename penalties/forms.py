import datetime as dt
from decimal import Decimal, InvalidOperation

from django import forms

from .models import Intervention, LetterTemplate

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InterventionForm(forms.ModelForm):
    class Meta:
        model = Intervention
        fields = ["kind", "date", "summary", "attendees", "notes", "targets", "review_on"]
        widgets = {
            "date": DATE,
            "review_on": DATE,
            "notes": forms.Textarea(attrs={"rows": 2}),
            "targets": forms.Textarea(attrs={"rows": 2}),
        }


class LetterForm(forms.Form):
    kind = forms.ChoiceField(choices=LetterTemplate.Kind.choices)
    meeting_date = forms.DateField(required=False, widget=DATE)
    targets = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    review_on = forms.DateField(required=False, widget=DATE)

    def clean(self):
        data = super().clean()
        if data.get("kind") == LetterTemplate.Kind.MEETING and not data.get("meeting_date"):
            self.add_error("meeting_date", "Give the meeting date for an invitation.")
        if data.get("kind") == LetterTemplate.Kind.CONTRACT and not data.get("targets"):
            self.add_error("targets", "An attendance contract states its targets.")
        if data.get("kind") == LetterTemplate.Kind.NOTICE_TO_IMPROVE:
            self.add_error("kind", "A Notice to Improve is issued from the pupil's case.")
        return data


class LetterTemplateForm(forms.ModelForm):
    class Meta:
        model = LetterTemplate
        fields = ["subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12})}

    def _check(self, wording: str) -> str:
        import re

        from .letters import PLACEHOLDERS, unknown_placeholders

        if "{%" in wording or "%}" in wording:
            raise forms.ValidationError("Only {{ placeholders }} may be used, not {% tags %}.")
        for inner in re.findall(r"\{\{(.*?)\}\}", wording, flags=re.S):
            if not re.fullmatch(r"\s*[A-Za-z_][A-Za-z0-9_]*\s*", inner):
                raise forms.ValidationError(
                    f"{{{{{inner}}}}} is not a placeholder: write them like "
                    "{{ pupil_first_name }}, with nothing else inside the braces."
                )
        unknown = unknown_placeholders(wording)
        if unknown:
            raise forms.ValidationError(
                "Rollcall does not know "
                + ", ".join("{{ " + u + " }}" for u in unknown)
                + ". Use one of: "
                + ", ".join("{{ " + p + " }}" for p in PLACEHOLDERS)
                + "."
            )
        return wording

    def clean_subject(self):
        return self._check(self.cleaned_data["subject"])

    def clean_body(self):
        return self._check(self.cleaned_data["body"])


# The case page's actions: one form each. Text is kept as typed (the services
# strip what they check), and every fault reads as the case page has always
# put it, one sentence naming the field.


class DayField(forms.Field):
    """An ISO date; blank or unreadable reads "<label>: give a date."."""

    def __init__(self, label: str, required: bool = True):
        message = f"{label}: give a date."
        super().__init__(label=label, required=required, error_messages={"required": message})
        self.message = message

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            raise forms.ValidationError(self.message) from None


class AmountField(forms.Field):
    def to_python(self, value):
        try:
            return Decimal(value or "")
        except InvalidOperation:
            raise forms.ValidationError("Amount: give the amount paid, e.g. 80.00.") from None


def _text(**kwargs) -> forms.CharField:
    return forms.CharField(required=False, strip=False, **kwargs)


class CaseActionForm(forms.Form):
    def first_error(self) -> str:
        """The first fault, as the page shows one at a time."""
        return next(iter(self.errors.values()))[0]


class SupportForm(CaseActionForm):
    notes = _text()


class NoticeToImproveForm(CaseActionForm):
    issued_on = DayField("Issued on")
    support_offered = _text()
    improvement_expected = _text()


class ReferralForm(CaseActionForm):
    reason = _text()


class PenaltyNoticeForm(CaseActionForm):
    issued_on = DayField("Issued on")
    served_on = DayField("Served on", required=False)
    service = _text()
    reference = _text()

    def clean(self):
        data = super().clean()
        if data.get("served_on") is None and data.get("issued_on"):
            data["served_on"] = data["issued_on"]  # handed over on the day of issue
        return data


class PaymentForm(CaseActionForm):
    amount = AmountField(error_messages={"required": "Amount: give the amount paid, e.g. 80.00."})
    paid_on = DayField("Paid on")


class ProsecutionForm(CaseActionForm):
    notes = _text()


class CloseCaseForm(CaseActionForm):
    outcome = _text()
    la_told_on = DayField("LA told on", required=False)


class WithdrawCaseForm(CaseActionForm):
    la_told_on = DayField("LA told on", required=False)
