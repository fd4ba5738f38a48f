"""Escalation: threshold cases, Notices to Improve, penalty notices, interventions."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models

from attendance import history
from attendance.models import Contact, Pupil, School
from registers.models import Mark


@pghistory.track(*history.events())
class Case(models.Model):
    """One breach of the 10-sessions-in-10-school-weeks threshold and what followed."""

    class Stage(models.TextChoices):
        THRESHOLD_MET = "threshold", "Threshold met"
        SUPPORT = "support", "Support considered"
        NOTICE_TO_IMPROVE = "nti", "Notice to Improve issued"
        LA_REFERRAL = "la", "Referred to the LA for a penalty notice"
        NOTICES_ISSUED = "notices", "Penalty notice(s) issued"
        PROSECUTION = "prosecution", "Referred for prosecution / other measures"
        CLOSED = "closed", "Closed"

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="penalty_cases")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    opened_on = models.DateField()
    breach_date = models.DateField(help_text="the day of the session that reached the threshold")
    window_start = models.DateField()
    window_end = models.DateField()
    sessions_counted = models.PositiveSmallIntegerField()
    holiday = models.BooleanField(default=False, help_text="every counted session is G")
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.THRESHOLD_MET)
    support_notes = models.TextField(blank=True)
    outcome = models.CharField(max_length=200, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    # The breach no longer stands (marks amended): its sessions may count again.
    void = models.BooleanField(default=False)
    la_told_on = models.DateField(
        null=True, blank=True,
        help_text="when the LA was told a referred case no longer meets the threshold",
    )  # fmt: skip

    class Meta:
        ordering = ["-opened_on"]
        constraints = [
            # A rerun of the job can never open a second case for one pupil.
            models.UniqueConstraint(
                fields=["pupil"],
                condition=~models.Q(stage="closed"),
                name="one_open_case_per_pupil",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.pupil}: {self.sessions_counted} sessions {self.window_start}–{self.window_end}"
        )

    @property
    def is_open(self) -> bool:
        return self.stage != self.Stage.CLOSED


class CaseSession(models.Model):
    """A session counted in the breach, with its code when the case was opened."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sessions")
    # PostgreSQL keeps this reference as a foreign key to the mark's (id, date)
    # (migration 0005): Django's own cannot refer to a partitioned table's id.
    mark = models.ForeignKey(Mark, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    date = models.DateField()
    session = models.CharField(max_length=2)
    code = models.CharField(max_length=2)

    class Meta:
        ordering = ["date", "session"]

    def __str__(self) -> str:
        return f"{self.date} {self.session}: {self.code}"


class NoticeToImprove(models.Model):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="notice_to_improve")
    issued_on = models.DateField()
    improvement_ends = models.DateField()
    support_offered = models.TextField()
    improvement_expected = models.TextField()
    outcome = models.CharField(
        max_length=12, blank=True,
        choices=[("improved", "Sufficient improvement"), ("not", "Not improved")],
    )  # fmt: skip
    letter = models.FileField(upload_to="letters/nti/", blank=True)

    def __str__(self) -> str:
        return f"Notice to Improve {self.issued_on}"


class PenaltyNotice(models.Model):
    """One notice to one parent for one child."""

    class Status(models.TextChoices):
        ISSUED = "issued", "Issued, awaiting payment"
        PAID = "paid", "Paid"
        UNPAID = "unpaid", "Unpaid (period expired)"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Service(models.TextChoices):
        HAND = "hand", "By hand"
        POST = "post", "By first-class post"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notices")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="penalty_notices")
    parent = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="penalty_notices")
    issued_on = models.DateField()
    # Both payment periods run from the parent's receipt (framework.received_on).
    service = models.CharField("served", max_length=4, choices=Service.choices)
    served_on = models.DateField(help_text="the day it was handed to the parent or posted")
    received_on = models.DateField(help_text="the day of receipt, deemed for a posted notice")
    sequence = models.PositiveSmallIntegerField(help_text="1st or 2nd within 3 years")
    reduced_amount = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    reduced_by = models.DateField(null=True, blank=True)
    full_amount = models.DecimalField(max_digits=7, decimal_places=2)
    full_by = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ISSUED)
    paid_on = models.DateField(null=True, blank=True)
    paid_amount = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    reference = models.CharField("LA reference", max_length=50, blank=True)
    # The school's letter to this parent setting out the notice's dates.
    letter = models.FileField(upload_to="letters/notices/", blank=True)

    class Meta:
        ordering = ["-issued_on"]

    def __str__(self) -> str:
        return f"Penalty notice to {self.parent} ({self.issued_on})"

    @property
    def withdrawn(self) -> bool:
        return self.status == self.Status.WITHDRAWN


class Intervention(models.Model):
    """An entry in a pupil's case file: letters, meetings, plans, referrals."""

    class Kind(models.TextChoices):
        PRAISE = "praise", "Praise message or letter"
        LETTER = "letter", "Letter"
        MEETING = "meeting", "Meeting"
        ACTION_PLAN = "plan", "Action plan / attendance contract"
        REFERRAL = "referral", "Referral (family support, early help)"
        PANEL = "panel", "Attendance panel"
        LA_CONSULTATION = "la", "LA attendance officer consultation"
        REVIEW = "review", "Review"
        NOTE = "note", "Note"

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="interventions")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="interventions"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    date = models.DateField()
    summary = models.CharField(max_length=200)
    attendees = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)
    targets = models.TextField(blank=True)
    review_on = models.DateField(null=True, blank=True)
    letter = models.FileField(upload_to="letters/interventions/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-date", "-recorded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary}"

    # The case's own referrals (services.refer_to_la, refer_for_prosecution)
    # share the kind "referral" with family-support and early-help referrals;
    # they are referrals to the local authority for a penalty notice or legal
    # action, and are named so wherever an entry is listed.
    CASE_REFERRALS = {
        Case.Stage.LA_REFERRAL.label: "Referral to the LA for a penalty notice",
        Case.Stage.PROSECUTION.label: (
            "Referral to the LA for legal action (prosecution / other measures)"
        ),
    }

    @property
    def label(self) -> str:
        if self.kind == self.Kind.REFERRAL and self.case_id and self.summary in self.CASE_REFERRALS:
            return self.CASE_REFERRALS[self.summary]
        return self.get_kind_display()


class LetterTemplate(models.Model):
    """A letter the school words itself; {{ placeholders }} are filled per pupil."""

    class Kind(models.TextChoices):
        CONCERN = "concern", "Attendance concern"
        MEETING = "meeting", "Meeting invitation"
        CONTRACT = "contract", "Attendance contract / action plan"
        NOTICE_TO_IMPROVE = "nti", "Notice to Improve"
        PRAISE = "praise", "Praise"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="letter_templates")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField(
        help_text="Plain text. Placeholders: {{ pupil_name }}, {{ pupil_first_name }}, "
        "{{ class_name }}, {{ attendance_rate }}, {{ possible }}, {{ absences }}, "
        "{{ unauthorised }}, {{ date }}, {{ meeting_date }}, {{ improvement_ends }}, "
        "{{ support_offered }}, {{ improvement_expected }}, {{ targets }}, {{ review_on }}."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "kind"], name="one_template_per_kind")
        ]

    def __str__(self) -> str:
        return self.get_kind_display()
