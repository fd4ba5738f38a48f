"""The register: one mark per pupil per session, and its untouchable history.

Register entries are a legal record (School Attendance (Pupil Registration)
(England) Regulations 2024): every change keeps the original entry, the new
one, the reason, who made it (name and position) and when. History rows are
guarded by a database trigger (see migration 0002) so not even a bug or a
stray admin action can rewrite them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from attendance import codes
from attendance.models import Pupil, RegistrationGroup


class Session(models.TextChoices):
    AM = "AM", "Morning"
    PM = "PM", "Afternoon"


class Register(models.Model):
    """One class's register for one session: whether and when it was taken and closed."""

    group = models.ForeignKey(RegistrationGroup, on_delete=models.PROTECT, related_name="registers")
    date = models.DateField()
    session = models.CharField(max_length=2, choices=Session.choices)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    taken_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Set when the register closed before anyone took it: the office follows up.
    not_taken_at_close = models.BooleanField(default=False)
    # The teachers' reminder before the close went (once per register).
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["date", "session", "group__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "date", "session"], name="one_register_per_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.date:%a %d %b %Y} {self.session}"

    @property
    def state(self) -> str:
        if self.closed_at:
            return "closed"
        return "taken" if self.taken_at else "not taken"


class Mark(models.Model):
    class Source(models.TextChoices):
        REGISTER = "register", "Register"
        LATE_BOOK = "late_book", "Late book"
        EARLY_DEPARTURE = "departure", "Signed out early"
        CLOSE = "close", "Register closed"
        OFFICE = "office", "Office"
        ABSENCE = "absence", "Absence report"
        LEAVE = "leave", "Leave of absence"
        IMPORT = "import", "Imported"

    # No index of its own: the unique (pupil, date, session) index leads with
    # the pupil, and lets a date range be read per pupil.
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="marks", db_index=False)
    date = models.DateField()
    session = models.CharField(max_length=2, choices=Session.choices)
    register = models.ForeignKey(
        Register, null=True, blank=True, on_delete=models.PROTECT, related_name="marks"
    )
    code = models.CharField(max_length=2, choices=codes.choices(include_withdrawn=True))
    minutes_late = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.REGISTER)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField()
    # Bumped on every change: a form that saw an older version must not
    # silently overwrite a newer mark.
    version = models.PositiveIntegerField(default=1)
    # The N the close writes on a register nobody took: it records that the
    # register was not taken, not that the class was absent, so it counts in
    # no figure and nothing acts on it until the office completes the register.
    held_back = models.BooleanField("register not taken", default=False, db_default=False)
    # A reported reason awaiting the head's decision: it counts as N (no
    # reason yet) in every figure until decided.
    pending = models.BooleanField("pending a decision", default=False, db_default=False)
    # A mark brought in from the pupil's previous school (a CTF, or a file of
    # earlier marks): the DfE number or URN and name of the school that
    # recorded it; blank for this school's own register. It counts in the
    # penalty threshold's window (which spans schools), never in this school's
    # figures (the DfE counts each enrolment once).
    recorded_at_school = models.CharField(max_length=120, blank=True, db_default="", default="")
    # What the figures count: the single place the flags above take effect,
    # kept by the database so statistics, triggers and reports cannot disagree.
    counted_code = models.GeneratedField(
        expression=models.Case(
            models.When(~models.Q(recorded_at_school=""), then=models.Value("")),
            models.When(held_back=True, then=models.Value("")),
            models.When(pending=True, then=models.Value(codes.NO_REASON_YET)),
            default=models.F("code"),
        ),
        output_field=models.CharField(max_length=2),
        db_persist=True,
    )

    class Meta:
        ordering = ["date", "session"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "date", "session"], name="one_mark_per_session"
            ),
        ]
        indexes = [
            models.Index(fields=["date", "session"]),
            # The penalty threshold job reads only G, O and U marks (see
            # attendance.codes): a small partial index instead of a table scan.
            models.Index(
                fields=["pupil", "date"],
                condition=models.Q(code__in=sorted(codes.threshold_codes())),
                name="mark_threshold_codes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil} {self.date} {self.session}: {self.code}"

    @property
    def attendance_code(self) -> codes.AttendanceCode:
        return codes.get(self.code)

    @property
    def status_label(self) -> str:
        """What a reader of the register must know beside the code."""
        if self.held_back:
            return "register not taken"
        if self.pending:
            return "pending a decision"
        return ""


class MarkChange(models.Model):
    """An entry in a mark's history; written once, never updated or deleted."""

    # Checked by triggers, not a foreign key: marks are partitioned by year
    # (migration 0013) and no foreign key can refer to their id alone.
    mark = models.ForeignKey(
        Mark, on_delete=models.PROTECT, related_name="changes", db_constraint=False
    )
    old_code = models.CharField(max_length=2, blank=True)
    new_code = models.CharField(max_length=2)
    old_minutes_late = models.PositiveSmallIntegerField(null=True, blank=True)
    new_minutes_late = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=300)
    source = models.CharField(max_length=10, choices=Mark.Source.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Copied, not joined: the record must still say who and in what position
    # after the member of staff has left or changed job.
    changed_by_name = models.CharField(max_length=200)
    changed_by_position = models.CharField(max_length=200)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [
            # A mark's newest entry in one index probe: the check at commit
            # (migration 0008) asks for it once for every mark written.
            models.Index(fields=["mark", "-id"], name="markchange_newest_per_mark"),
        ]

    def __str__(self) -> str:
        return f"{self.old_code or '—'} → {self.new_code} by {self.changed_by_name}"

    @property
    def is_first_entry(self) -> bool:
        return not self.old_code


class LateArrival(models.Model):
    """The office late book: who arrived when, why and with whom."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="late_arrivals")
    # Checked by triggers, as MarkChange.mark (migration 0013).
    mark = models.ForeignKey(
        Mark, on_delete=models.PROTECT, related_name="late_arrivals", db_constraint=False
    )
    arrived_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    brought_by = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-arrived_at"]

    def __str__(self) -> str:
        return f"{self.pupil} late at {self.arrived_at:%H:%M}"


class EarlyDeparture(models.Model):
    """A pupil signed out during the day (a medical appointment, illness...)."""

    class Reason(models.TextChoices):
        MEDICAL = "M", "Medical or dental appointment"
        ILLNESS = "I", "Unwell"
        OTHER = "N", "Other (reason to be established)"

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="early_departures")
    left_at = models.DateTimeField()
    reason = models.CharField(max_length=1, choices=Reason.choices)
    details = models.CharField(max_length=200, blank=True)
    collected_by = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-left_at"]

    def __str__(self) -> str:
        return f"{self.pupil} left at {self.left_at:%H:%M}"


class PupilWeek(models.Model):
    """Each pupil's sessions per week by statistical category: a summary kept
    by database triggers on every insert and update of a mark (migration
    0005), so that reports read thousands of rows instead of every mark."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    monday = models.DateField()
    possible = models.IntegerField(default=0)
    attending = models.IntegerField(default=0)
    authorised = models.IntegerField(default=0)
    unauthorised = models.IntegerField(default=0)
    late = models.IntegerField(default=0)
    late_after_close = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # The figures ride in the index so a report reads each pupil's
            # weeks by an index-only scan, not one heap page per row.
            models.UniqueConstraint(
                fields=["pupil", "monday"],
                include=[
                    "possible",
                    "attending",
                    "authorised",
                    "unauthorised",
                    "late",
                    "late_after_close",
                ],
                name="one_summary_per_week_with_figures",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} week of {self.monday}"
