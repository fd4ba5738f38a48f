import datetime as dt

from django import forms

from attendance import codes

from .models import EarlyDeparture

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
