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

    def clean_body(self):
        from django.template import Template, TemplateSyntaxError

        body = self.cleaned_data["body"]
        try:
            Template(body)
        except TemplateSyntaxError as exc:
            raise forms.ValidationError(f"A placeholder is not written correctly: {exc}") from None
        if "{%" in body:
            raise forms.ValidationError("Only {{ placeholders }} may be used, not {% tags %}.")
        return body
