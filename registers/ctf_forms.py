"""The forms of the Common Transfer File pages (registers/ctf_views.py)."""

from django import forms

from attendance.forms import MAX_CSV_BYTES


class CTFUploadForm(forms.Form):
    file = forms.FileField(help_text="The .xml common transfer file from the pupil's last school.")
    admission_date = forms.DateField(
        help_text="The day new pupils join this school's roll (YYYY-MM-DD).",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xml"):
            raise forms.ValidationError("Choose a .xml file.")
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB.")
        return upload


class CTFDestinationForm(forms.Form):
    """Where a leaver's CTF goes: the next school's DfE number, if known."""

    dest_la = forms.RegexField(r"^\d{3}$", required=False, label="Next school's LA number")
    dest_estab = forms.RegexField(r"^\d{4}$", required=False, label="Establishment number")
    sequence = forms.IntegerField(min_value=1, max_value=999, initial=1, required=False)

    def clean(self):
        data = super().clean()
        if bool(data.get("dest_la")) != bool(data.get("dest_estab")):
            raise forms.ValidationError("Give both the LA and establishment numbers, or neither.")
        return data
