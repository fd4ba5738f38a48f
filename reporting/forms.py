from __future__ import annotations

import datetime as dt

from django import forms

MAX_DAYS = 400  # a year of marks, with room for a year that starts early


class DateRangeForm(forms.Form):
    """A date range for an export: both ends inclusive, at most about a year."""

    start = forms.DateField(
        label="From", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label="To", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end date is before the start date.")
            elif (end - start) > dt.timedelta(days=MAX_DAYS):
                self.add_error("end", "Choose a range of at most a year.")
        return data
