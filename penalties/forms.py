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
