from django import forms

MAX_CSV_BYTES = 5 * 1024 * 1024


class CSVUploadForm(forms.Form):
    kind = forms.ChoiceField(choices=[("pupils", "Pupils"), ("contacts", "Contacts")])
    file = forms.FileField(help_text="A .csv file saved as UTF-8 (see the column list below).")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("Choose a .csv file.")
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB.")
        return upload


class PupilSearchForm(forms.Form):
    q = forms.CharField(required=False, label="Name or UPN")
    group = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Class")

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", "All classes")] + [(g.id, g.name) for g in groups]
