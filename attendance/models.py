from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pghistory
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from . import history, school_age
from .upn import validate_upn


def default_authorised_on_report() -> list[str]:
    return ["illness"]


class School(models.Model):
    name = models.CharField(max_length=200)
    urn = models.CharField("URN", max_length=8, unique=True)
    local_authority = models.CharField(max_length=100)
    # The DfE number LLLEEEE: the LA code and the establishment number, on
    # letters and in the names of files for the DfE and other schools.
    la_code = models.CharField(
        "LA code",
        max_length=3,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{3}$", "The LA code is 3 digits, e.g. 919.")],
    )
    establishment_number = models.CharField(
        max_length=4,
        blank=True,
        validators=[
            RegexValidator(r"^[0-9]{4}$", "The establishment number is 4 digits, e.g. 2345.")
        ],
    )
    phone = models.CharField("office phone", max_length=30, blank=True)
    email = models.EmailField("office email", blank=True)
    address = models.TextField(blank=True)
    headteacher = models.CharField(max_length=100, blank=True)
    la_attendance_email = models.EmailField("LA attendance / CME team email", blank=True)
    timezone = models.CharField(max_length=50, default="Europe/London")
    doors_open = models.TimeField(default=dt.time(8, 40))
    am_register_opens = models.TimeField(default=dt.time(9, 0))
    am_register_closes = models.TimeField(default=dt.time(9, 20))
    pm_register_opens = models.TimeField(default=dt.time(13, 15))
    pm_register_closes = models.TimeField(default=dt.time(13, 35))
    attendance_target = models.DecimalField(
        "whole-school attendance target (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("96.00"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    religious_observance_days_per_year = models.PositiveSmallIntegerField(default=2)
    leave_request_notice_days = models.PositiveSmallIntegerField(
        "days' notice for leave requests", default=28
    )
    first_day_calling_delay = models.PositiveSmallIntegerField(
        "first-day calling starts (minutes after the AM register closes)", default=15
    )
    first_day_calling_ends = models.TimeField(
        "first-day calling stops (no message about today is sent after)",
        default=dt.time(16, 0),
    )
    letter_after_days = models.PositiveSmallIntegerField(
        "letter and home visit after (school days of unexplained absence)", default=3
    )
    cme_referral_after_days = models.PositiveSmallIntegerField(
        "children-missing-education referral after (school days)", default=10
    )
    notice_to_improve_school_weeks = models.PositiveSmallIntegerField(
        "Notice to Improve period (school weeks)",
        default=6,
        validators=[MinValueValidator(3), MaxValueValidator(6)],
    )
    register_reminder_minutes = models.PositiveSmallIntegerField(
        "remind teachers of an untaken register (minutes before it closes)", default=5
    )
    unexplained_follow_up_days = models.PositiveSmallIntegerField(
        "list an N for follow-up after (school days)", default=5
    )
    report_earliest_school_days = models.PositiveSmallIntegerField(
        "an absence report may start at most (school days back)", default=5
    )
    report_horizon_school_days = models.PositiveSmallIntegerField(
        "an absence report may start at most (school days ahead)", default=20
    )
    report_return_school_days = models.PositiveSmallIntegerField(
        "an expected return at most (school days after the first day; then renew)",
        default=10,
    )
    # Reasons the school authorises on a parent's report by policy (the DfE
    # expects illness to be accepted without evidence unless there is doubt);
    # any other reported reason stays pending, and counts as N, until decided.
    authorised_on_report = ArrayField(
        models.CharField(max_length=20),
        verbose_name="reported reasons authorised by policy",
        default=default_authorised_on_report,
        blank=True,
    )
    office_may_set_up_year = models.BooleanField(
        "the office may set up the new school year (calendar, classes, staff)", default=False
    )

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.am_register_closes <= self.am_register_opens:
            raise ValidationError(
                {"am_register_closes": "The AM register must close after it opens."}
            )
        if self.pm_register_closes <= self.pm_register_opens:
            raise ValidationError(
                {"pm_register_closes": "The PM register must close after it opens."}
            )
        if self.pm_register_opens <= self.am_register_closes:
            raise ValidationError(
                {"pm_register_opens": "The PM register opens after the AM one closes."}
            )

    @property
    def dfe_number(self) -> str:
        """LLLEEEE, or "" until both parts are set."""
        if self.la_code and self.establishment_number:
            return f"{self.la_code}{self.establishment_number}"
        return ""

    def file_name(self, what: str, rest: str) -> str:
        """`what-LLLEEEE-rest`: a file passed on (to the LA, the DfE, another
        school) names its school; `what-rest` until the DfE number is set."""
        return "-".join(part for part in (what, self.dfe_number, rest) if part)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class User(AbstractUser):
    """A member of staff or a governor. Their role is their Django group."""

    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT)
    # The regulations require the position of whoever amends a register.
    job_title = models.CharField(max_length=100, blank=True)

    def display_name(self) -> str:
        return self.get_full_name() or self.username


class AcademicYear(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="academic_years")
    name = models.CharField(max_length=9, help_text="e.g. 2026/27")
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="unique_year_name"),
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")),
                name="year_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Term(models.Model):
    """A half-term: the unit schools plan in. Holidays are the gaps between them."""

    class Season(models.TextChoices):
        AUTUMN = "autumn", "Autumn"
        SPRING = "spring", "Spring"
        SUMMER = "summer", "Summer"

    academic_year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="terms")
    season = models.CharField(max_length=6, choices=Season.choices)
    half = models.PositiveSmallIntegerField(choices=[(1, "first half"), (2, "second half")])
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["academic_year", "season", "half"], name="unique_half_term"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="term_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_season_display()} {self.half} {self.academic_year}"

    def clean(self) -> None:
        year = self.academic_year
        if (
            self.start_date
            and self.end_date
            and year
            and not (year.start_date <= self.start_date <= self.end_date <= year.end_date)
        ):
            raise ValidationError("A half-term must lie inside its academic year.")


class NonSchoolDay(models.Model):
    """A weekday inside a term when pupils are not expected: INSET, closure, etc.

    England's bank holidays come from the `holidays` package and need no row.
    """

    class Kind(models.TextChoices):
        INSET = "inset", "INSET (training) day"
        CLOSURE = "closure", "Planned closure"
        BANK_HOLIDAY = "bank_holiday", "Extra bank holiday"
        OTHER = "other", "Other"

    class Sessions(models.TextChoices):
        BOTH = "both", "Whole day"
        AM = "AM", "Morning only"
        PM = "PM", "Afternoon only"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="non_school_days")
    date = models.DateField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    sessions = models.CharField(max_length=4, choices=Sessions.choices, default=Sessions.BOTH)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["school", "date"], name="one_non_school_day_per_date")
        ]

    def __str__(self) -> str:
        return f"{self.date:%a %d %b %Y}: {self.get_kind_display()}"


class YearGroup(models.TextChoices):
    NURSERY = "N", "Nursery"
    RECEPTION = "R", "Reception"
    Y1 = "1", "Year 1"
    Y2 = "2", "Year 2"
    Y3 = "3", "Year 3"
    Y4 = "4", "Year 4"
    Y5 = "5", "Year 5"
    Y6 = "6", "Year 6"
    Y7 = "7", "Year 7"
    Y8 = "8", "Year 8"
    Y9 = "9", "Year 9"
    Y10 = "10", "Year 10"
    Y11 = "11", "Year 11"
    Y12 = "12", "Year 12"
    Y13 = "13", "Year 13"


class RegistrationGroup(models.Model):
    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.PROTECT, related_name="registration_groups"
    )
    name = models.CharField(max_length=50)
    year_group = models.CharField(max_length=2, choices=YearGroup.choices)
    teachers = models.ManyToManyField(User, blank=True, related_name="registration_groups")

    class Meta:
        ordering = ["academic_year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["academic_year", "name"], name="unique_group_name")
        ]

    def __str__(self) -> str:
        return self.name


@pghistory.track(*history.events())
class Pupil(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "F", "Female"
        MALE = "M", "Male"

    class SEND(models.TextChoices):
        NONE = "N", "No SEN"
        SUPPORT = "K", "SEN support"
        EHC_PLAN = "E", "EHC plan"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pupils")
    upn = models.CharField("UPN", max_length=13, unique=True, validators=[validate_upn])
    legal_first_name = models.CharField(max_length=100)
    legal_middle_names = models.CharField(max_length=100, blank=True)
    legal_surname = models.CharField(max_length=100)
    preferred_first_name = models.CharField(max_length=100, blank=True)
    preferred_surname = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    year_group = models.CharField(max_length=2, choices=YearGroup.choices)
    registration_group = models.ForeignKey(
        RegistrationGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="pupils"
    )
    admission_date = models.DateField()
    leaving_date = models.DateField(null=True, blank=True)
    leaving_reason = models.CharField(max_length=200, blank=True)

    free_school_meals = models.BooleanField(default=False)
    pupil_premium = models.BooleanField(default=False)
    send = models.CharField("SEND", max_length=1, choices=SEND.choices, default=SEND.NONE)
    eal = models.BooleanField("English as an additional language", default=False)
    looked_after = models.BooleanField(default=False)
    has_social_worker = models.BooleanField(default=False)
    social_worker_name = models.CharField(max_length=200, blank=True)
    social_worker_phone = models.CharField(max_length=30, blank=True)
    social_worker_email = models.EmailField(blank=True)
    young_carer = models.BooleanField(default=False)
    gypsy_roma_traveller = models.BooleanField(
        "Gypsy, Roma, Traveller or mobile child", default=False
    )
    # Special category (health) data: shown to staff roles only.
    healthcare_plan = models.BooleanField("individual healthcare plan", default=False)

    contacts = models.ManyToManyField("Contact", through="PupilContact", related_name="pupils")

    class Meta:
        ordering = ["legal_surname", "legal_first_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(leaving_date__isnull=True)
                | models.Q(leaving_date__gte=models.F("admission_date")),
                name="leaves_after_admission",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def first_name(self) -> str:
        return self.preferred_first_name or self.legal_first_name

    @property
    def surname(self) -> str:
        return self.preferred_surname or self.legal_surname

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.surname}"

    @property
    def legal_name(self) -> str:
        return " ".join(
            p for p in (self.legal_first_name, self.legal_middle_names, self.legal_surname) if p
        )

    def parents(self) -> list[Contact]:
        """The parents in law (natural parent, parental responsibility or care,
        s.576 Education Act 1996), in the links' order: whom letters are
        addressed and sent to."""
        return [link.contact for link in self.contact_links.select_related("contact").parents()]

    def clean(self) -> None:
        if self.leaving_date and self.admission_date and self.leaving_date < self.admission_date:
            raise ValidationError(
                {"leaving_date": "The leaving date is before the admission date."}
            )
        if self.has_social_worker is False and self.social_worker_name:
            raise ValidationError(
                {"has_social_worker": "A social worker is named but the flag is not set."}
            )

    def on_roll(self, day: dt.date) -> bool:
        return self.admission_date <= day and (
            self.leaving_date is None or day <= self.leaving_date
        )

    def is_compulsory_school_age(self, day: dt.date) -> bool:
        return school_age.is_compulsory_school_age(self.date_of_birth, day)


@pghistory.track(*history.events())
class Contact(models.Model):
    class Method(models.TextChoices):
        SMS = "sms", "Text message"
        PHONE = "phone", "Phone call"
        EMAIL = "email", "Email"
        LETTER = "letter", "Letter"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="contacts")
    # The MIS's own identifier, so a re-import updates rather than duplicates.
    external_id = models.CharField(max_length=50, blank=True)
    title = models.CharField(max_length=20, blank=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    mobile_phone = models.CharField(max_length=30, blank=True)
    home_phone = models.CharField(max_length=30, blank=True)
    work_phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    preferred_contact_method = models.CharField(
        max_length=6, choices=Method.choices, default=Method.PHONE
    )

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "external_id"],
                condition=~models.Q(external_id=""),
                name="unique_contact_external_id",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.title, self.first_name, self.last_name) if p)

    @property
    def postal_address(self) -> str:
        """Address and postcode, one per line, as a letter's window shows them."""
        return "\n".join(part for part in (self.address.strip(), self.postcode) if part)

    @property
    def phones(self) -> list[tuple[str, str]]:
        return [
            (label, number)
            for label, number in (
                ("mobile", self.mobile_phone),
                ("home", self.home_phone),
                ("work", self.work_phone),
            )
            if number
        ]


class PupilContactQuerySet(models.QuerySet):
    def parents(self) -> PupilContactQuerySet:
        """The links of parents in law (PupilContact.ParentGround)."""
        return self.filter(parent_ground__in=PupilContact.PARENTS_IN_LAW)


@pghistory.track(*history.events())
class PupilContact(models.Model):
    """How a contact relates to one pupil: siblings share the contact."""

    class ParentGround(models.TextChoices):
        """Why a contact is, or is not, a parent in law.

        s.576 Education Act 1996 (quoted in the Heartwood policy): a parent is
        any natural parent, any person with parental responsibility and any
        person who has care of the child. A step-parent or partner the child
        lives with is a parent without parental responsibility, and so is a
        birth parent without it; each such parent may report absence, is
        contacted about it and may receive a penalty notice.
        """

        PARENTAL_RESPONSIBILITY = "parental_responsibility", "Parental responsibility"
        CARE = (
            "care",
            "Care of the child (lives with and looks after them, without parental responsibility)",
        )
        NATURAL_PARENT = "natural_parent", "Natural parent (without parental responsibility)"
        NEITHER = "neither", "Neither (not a parent in law)"

    class Relationship(models.TextChoices):
        MOTHER = "mother", "Mother"
        FATHER = "father", "Father"
        STEP_PARENT = "step_parent", "Step-parent"
        GRANDPARENT = "grandparent", "Grandparent"
        CARER = "carer", "Carer"
        FOSTER_CARER = "foster_carer", "Foster carer"
        AUNT_UNCLE = "aunt_uncle", "Aunt or uncle"
        SIBLING = "sibling", "Sibling (adult)"
        SOCIAL_WORKER = "social_worker", "Social worker"
        OTHER = "other", "Other"

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="contact_links")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="pupil_links")
    relationship = models.CharField(max_length=14, choices=Relationship.choices)
    parent_ground = models.CharField(
        "parent in law by",
        max_length=23,
        choices=ParentGround.choices,
        default=ParentGround.PARENTAL_RESPONSIBILITY,
    )
    # Kept for the code that still asks about parental responsibility itself
    # (leave requests and their letters), and so the history keeps its
    # column: worked out by the database from parent_ground, so the two can
    # never disagree. Set parent_ground, never this.
    parental_responsibility = models.GeneratedField(
        expression=models.Q(parent_ground="parental_responsibility"),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    lives_with_pupil = models.BooleanField(default=True)
    priority = models.PositiveSmallIntegerField(
        default=1, help_text="1 is called first", validators=[MinValueValidator(1)]
    )

    PARENTS_IN_LAW = (
        ParentGround.PARENTAL_RESPONSIBILITY,
        ParentGround.CARE,
        ParentGround.NATURAL_PARENT,
    )

    objects = PupilContactQuerySet.as_manager()

    class Meta:
        ordering = ["pupil", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "contact"], name="one_link_per_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} ({self.get_relationship_display()} of {self.pupil})"

    @property
    def is_parent(self) -> bool:
        """A parent in law (s.576 Education Act 1996): see ParentGround."""
        return self.parent_ground in self.PARENTS_IN_LAW


class RoleScope(models.Model):
    """Holds the custom permissions the roles are built from (no rows)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("take_register", "Take the registers of their own classes"),
            ("view_all_pupils", "See every pupil in the school"),
            ("record_late_arrivals", "Sign in late arrivals and early departures"),
            ("amend_marks", "Amend register marks, with a reason, and see their history"),
            ("authorise_absence", "Decide whether an absence is authorised"),
            ("decide_leave", "Decide leave-of-absence requests"),
            ("manage_escalation", "Work the escalation ladder and penalty notices"),
            ("view_aggregate_reports", "See aggregate attendance figures"),
            ("import_pupils", "Import and export pupils and contacts"),
            ("manage_school_year", "Set up the school year: calendar, classes and staff"),
            ("unlock_sign_ins", "See the sign-in log and unlock locked-out accounts"),
            ("view_access_log", "See who looked at pupils' records (the view log)"),
        ]

    def __str__(self) -> str:
        return "role permissions"


class YearRollover(models.Model):
    """Classes rolled forward from one academic year into the next.

    Prepared as a draft (the plan is kept as JSON, so it can be made in July
    and confirmed once the summer term has ended) and confirmed once: a
    confirmed row is why the page refuses to roll the same year twice.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="rollovers")
    from_year = models.OneToOneField(
        AcademicYear, on_delete=models.PROTECT, related_name="rollover"
    )
    to_year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="+")
    plan = models.JSONField(default=dict)
    prepared_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    prepared_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.from_year} to {self.to_year}"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class ViewLog(models.Model):
    """Who looked at a pupil's personal records, when, what and from where.

    Append-only like the register's history (the application's database
    role may only insert, and a trigger refuses UPDATE and DELETE): the
    accountability the UK GDPR asks of a school for special category data.
    Names are copied, as in the mark history, so the record still says who
    after a member of staff leaves.
    """

    class What(models.TextChoices):
        PUPIL_PAGE = "pupil", "Pupil's page"
        ATTENDANCE = "attendance", "Pupil's attendance"
        MARK = "mark", "A mark and its history"
        ABSENCES = "absences", "Pupil's absences and leave"
        EVIDENCE = "evidence", "Evidence file"
        CASE = "case", "Attendance case"
        LETTER = "letter", "Letter (PDF)"
        EXPORT = "export", "Export with pupils (CSV/PDF)"
        PARENT_LINK = "parent_link", "Parent's link issued"
        SUBJECT_ACCESS = "subject_access", "Subject access export"

    at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    user_name = models.CharField(max_length=200)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(
        Pupil, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    what = models.CharField(max_length=20, choices=What.choices)
    detail = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=300)
    address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["pupil", "-at"], name="viewlog_by_pupil"),
            models.Index(fields=["user", "-at"], name="viewlog_by_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_name} · {self.get_what_display()} · {self.at:%Y-%m-%d %H:%M}"
