import datetime as dt

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


# The new school year -------------------------------------------------------

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=DATE_FORMATS,
        widget=DateInput(),
        error_messages={"invalid": f"Enter the {label.lower()} as a date, like 01/09/2027."},
    )


class YearCalendarForm(forms.Form):
    """Six half-terms and the INSET days of one school year."""

    inset_days = forms.CharField(
        label="INSET days",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 16}),
        help_text="One date per line (2027-09-01 or 01/09/2027). Pupils are not expected.",
    )

    def __init__(self, *args, halves, **kwargs):
        super().__init__(*args, **kwargs)
        self.halves = halves  # [(season, half)]
        for season, half in halves:
            label = f"{season.capitalize()} {half}"
            self.fields[f"{season}_{half}_start"] = _date_field(f"{label} starts")
            self.fields[f"{season}_{half}_end"] = _date_field(f"{label} ends")

    def rows(self):
        """(label, start field, end field) per half-term, for the template's table."""
        return [
            (f"{s.capitalize()} {h}", self[f"{s}_{h}_start"], self[f"{s}_{h}_end"])
            for s, h in self.halves
        ]

    def clean_inset_days(self):
        days, bad = [], []
        for line in self.cleaned_data["inset_days"].replace(",", "\n").splitlines():
            text = line.strip()
            if not text:
                continue
            for pattern in DATE_FORMATS:
                try:
                    days.append(dt.datetime.strptime(text, pattern).date())
                    break
                except ValueError:
                    continue
            else:
                bad.append(text[:20])
        if bad:
            raise forms.ValidationError(
                "These are not dates (write them like 01/09/2027): " + ", ".join(bad) + "."
            )
        return days

    @staticmethod
    def initial_for(dates) -> dict:
        initial = {
            f"{h.season}_{h.half}_{end}": getattr(h, end)
            for h in dates.half_terms
            for end in ("start", "end")
        }
        initial["inset_days"] = "\n".join(f"{d:%d/%m/%Y}" for d in sorted(dates.inset_days))
        return initial


class TermDatesFileForm(forms.Form):
    file = forms.FileField(
        label="The local authority's term dates",
        help_text="A .csv (event, start, end) or an iCalendar .ics file, up to 1 MB.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".csv", ".ics", ".ical", ".ifb")):
            raise forms.ValidationError("Choose a .csv or an .ics file.")
        if upload.size > 1024 * 1024:
            raise forms.ValidationError("The file is larger than 1 MB.")
        return upload


class NextClassForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(max_length=50, required=False, label="Class")
    year_group = forms.ChoiceField(label="Year group", required=False)
    teachers = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Teachers"
    )
    remove = forms.BooleanField(required=False, label="Remove")

    def __init__(self, *args, teachers=(), **kwargs):
        from .models import YearGroup

        super().__init__(*args, **kwargs)
        self.fields["year_group"].choices = [("", "–")] + list(YearGroup.choices)
        self.fields["teachers"].choices = [(str(u.id), u.display_name()) for u in teachers]

    def clean(self):
        data = super().clean()
        if data.get("name", "").strip() and not data.get("year_group") and not data.get("remove"):
            self.add_error("year_group", f"Choose the year group of {data['name'].strip()}.")
        return data


NextClassFormSet = forms.formset_factory(NextClassForm, extra=2)


class DestinationsForm(forms.Form):
    """Where the pupils of each of this year's classes go next year."""

    def __init__(self, *args, sources, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.sources = sources
        for group, leaving in sources:
            self.fields[f"to_{group.id}"] = forms.MultipleChoiceField(
                label=group.name,
                choices=targets,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text="Leave school (the top year)" if leaving else "",
            )

    def destinations(self) -> dict[int, list[str]]:
        return {group.id: self.cleaned_data[f"to_{group.id}"] for group, _ in self.sources}


class StaffForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    username = forms.RegexField(
        regex=r"^[\w.@+-]+$",
        max_length=150,
        help_text="What they sign in with: letters, digits and . @ + - _ only.",
        error_messages={"invalid": "Use only letters, digits and . @ + - _ in the username."},
    )
    email = forms.EmailField(required=False)
    job_title = forms.CharField(
        max_length=100, help_text="Shown with every register amendment they make."
    )
    role = forms.ChoiceField(widget=forms.RadioSelect)
    classes = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The classes whose registers a teacher takes.",
    )
    password1 = forms.CharField(
        label="Temporary password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    password2 = forms.CharField(
        label="The same password again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def __init__(self, *args, roles, classes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.value) for r in roles]
        self.fields["classes"].choices = [
            (str(g.id), f"{g.name} ({g.academic_year.name})") for g in classes
        ]

    def clean_username(self):
        from .models import User

        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(f"Someone already signs in as {username}.")
        return username

    def clean(self):
        from django.contrib.auth import password_validation

        from .models import User

        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords are not the same.")
        elif first:
            user = User(
                username=data.get("username", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                email=data.get("email", ""),
            )
            try:
                password_validation.validate_password(first, user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        if data.get("classes") and data.get("role") != "Teacher":
            self.add_error("classes", "Only a teacher is given classes.")
        return data
