"""Absences: what parents tell us, what the head decides, and how we chase the rest."""

from __future__ import annotations

import datetime as dt
import uuid

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from attendance import history
from attendance.models import Contact, Pupil


class AbsenceReport(models.Model):
    """A parent's report of an absence, by phone, voicemail, email or online."""

    class Reason(models.TextChoices):
        ILLNESS = "illness", "Illness"
        MEDICAL = "medical", "Medical or dental appointment"
        RELIGIOUS = "religious", "Religious observance"
        EXCEPTIONAL = "exceptional", "Family emergency / exceptional circumstances"
        OTHER = "other", "Other"

    class Channel(models.TextChoices):
        PHONE = "phone", "Phone call"
        VOICEMAIL = "voicemail", "Voicemail"
        EMAIL = "email", "Email"
        IN_PERSON = "in_person", "In person"
        ONLINE = "online", "Online (parent link)"
        FIRST_DAY_CALL = "call_back", "School's first-day call"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending authorisation"
        AUTHORISED = "authorised", "Authorised"
        UNAUTHORISED = "unauthorised", "Not authorised"

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="absence_reports")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL)
    reporter_name = models.CharField(max_length=150, help_text="Who reported it")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    reason = models.CharField(max_length=12, choices=Reason.choices)
    details = models.TextField(blank=True)
    first_day = models.DateField()
    expected_return = models.DateField(null=True, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    logged_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    decided_code = models.CharField(max_length=2, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["logged_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expected_return__isnull=True)
                | models.Q(expected_return__gt=models.F("first_day")),
                name="return_after_first_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pupil}: {self.get_reason_display()} from {self.first_day}"

    @property
    def last_day(self) -> dt.date:
        """The last day the report covers: the day before the expected return."""
        if self.expected_return:
            return self.expected_return - dt.timedelta(days=1)
        return self.first_day

    def covers(self, day: dt.date) -> bool:
        return self.first_day <= day <= self.last_day


@pghistory.track(*history.events())
class LeaveRequest(models.Model):
    """A leave-of-absence request (Heartwood's Appendix 2), decided by the head."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the head"
        GRANTED = "granted", "Granted"
        PART_GRANTED = "part", "Granted in part"
        DECLINED = "declined", "Declined"

    class Purpose(models.TextChoices):
        # What the leave is for decides how a refused day is coded (G only
        # for a holiday) and how the letter speaks of it: see absences.leave_days.
        HOLIDAY = "holiday", "A holiday or trip"
        FAMILY_ILLNESS = "family_illness", "Serious illness in the family"
        BEREAVEMENT = "bereavement", "A death or funeral in the family"
        FAMILY_EVENT = "family_event", "A family event, such as a wedding"
        OTHER = "other", "Other exceptional circumstances"

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="leave_requests")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL)
    parent_names = models.CharField("parent(s) / carer(s)", max_length=300)
    relationship = models.CharField(max_length=100)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    siblings = models.TextField("siblings and their schools", blank=True)
    first_day = models.DateField("first day of absence")
    last_day = models.DateField("last day of absence")
    total_days = models.PositiveSmallIntegerField("school days requested")
    expected_return = models.DateField()
    purpose = models.CharField(
        "the leave is for", max_length=14, choices=Purpose.choices, default=Purpose.OTHER
    )
    reason = models.TextField("reason for the request")
    evidence_note = models.TextField("evidence offered", blank=True)
    declaration = models.BooleanField(
        "I understand leave is granted only in exceptional circumstances and that "
        "unauthorised leave may lead to a penalty notice."
    )
    submitted_via = models.CharField(
        max_length=10, choices=[("office", "Office"), ("online", "Online (parent link)")]
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    short_notice = models.BooleanField(default=False)
    retrospective = models.BooleanField(default=False)

    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    # The head's decision is the set of school days granted (granted_dates);
    # days_granted is its count, kept for lists and the record's history.
    days_granted = models.PositiveSmallIntegerField(default=0)
    granted_dates = ArrayField(models.DateField(), default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    letter = models.FileField(upload_to="letters/leave/", blank=True)
    letter_sent_to = models.CharField(max_length=300, blank=True)
    # Penalty notices are per parent: record which parent(s) took the holiday.
    holiday_taken_by = models.ManyToManyField(Contact, blank=True, related_name="+")

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")),
                name="leave_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pupil}: leave {self.first_day} to {self.last_day}"

    @property
    def is_decided(self) -> bool:
        return self.status != self.Status.PENDING


EVIDENCE_EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def evidence_upload_to(evidence: Evidence, filename: str) -> str:
    """A generated name: what a parent called the file (often the child's
    name and condition) is kept as data, never as a path on disk."""
    month = (evidence.uploaded_at or dt.datetime.now(dt.UTC)).strftime("%Y/%m")
    extension = EVIDENCE_EXTENSIONS.get(evidence.content_type, "")
    return f"evidence/{month}/{uuid.uuid4().hex}{extension}"


class Evidence(models.Model):
    """An appointment card or hospital letter; stored outside the web root."""

    report = models.ForeignKey(
        AbsenceReport, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence"
    )
    leave_request = models.ForeignKey(
        LeaveRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField(upload_to=evidence_upload_to)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.original_name


class ParentLink(models.Model):
    """A contact's personal link: no password, signed, expiring, revocable."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="links")
    nonce = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Link for {self.contact}"


class ContactAttempt(models.Model):
    """One attempt to reach a parent (or social worker) about an unexplained absence."""

    class Kind(models.TextChoices):
        FIRST_DAY = "first_day", "First-day message"
        SOCIAL_WORKER = "social_worker", "Social worker alert"
        PHONE_CALL = "phone_call", "Phone call by staff"

    class Channel(models.TextChoices):
        SMS = "sms", "Text message"
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending (result unknown)"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (will retry)"
        GAVE_UP = "gave_up", "Failed"
        ANSWERED = "answered", "Answered"
        NO_ANSWER = "no_answer", "No answer"
        LEFT_MESSAGE = "message", "Left a message"
        WRONG_NUMBER = "wrong", "Wrong number"

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="contact_attempts")
    date = models.DateField(help_text="the school day of the absence")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL)
    recipient = models.CharField(max_length=200, help_text="number or address used")
    message = models.TextField(blank=True)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.QUEUED)
    provider_id = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=300, blank=True)
    tries = models.PositiveSmallIntegerField(default=0)
    notes = models.TextField(blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            # The guarantee behind "never the same message twice in a day".
            models.UniqueConstraint(
                fields=["pupil", "date", "kind", "recipient"],
                condition=~models.Q(kind="phone_call"),
                name="one_automatic_message_per_recipient_per_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.status})"

    # A message the check at the moment of sending withheld (the pupil came
    # in, the family called): kept as "gave up" with this reason, so it is
    # never sent later and the office sees why.
    NOT_SENT = "Not sent: "

    @property
    def withheld(self) -> bool:
        return self.status == self.Status.GAVE_UP and self.error.startswith(self.NOT_SENT)

    # A message that did not go (or may not have) when it still mattered: not
    # sent by the end of calling hours, refused by the provider, or lost with
    # a worker mid-send. The calling page asks the office to phone instead.
    PHONE_INSTEAD = "phone instead"
    # ... or that may have gone: a worker died mid-send, or the provider did
    # not answer. Never sent again, so a family is never told twice.
    NOT_KNOWN = "Not known if sent: "

    @property
    def phone_instead(self) -> bool:
        return self.status == self.Status.GAVE_UP and self.PHONE_INSTEAD in self.error


class FollowUpTask(models.Model):
    """Work someone must do by a date: a home visit, a referral, a notice to the LA."""

    class Kind(models.TextChoices):
        HOME_VISIT = "home_visit", "Home visit"
        CME_REFERRAL = "cme", "Children missing education referral to the LA"
        PTT_START = "ptt_start", "Tell the LA: part-time timetable starts"
        PTT_END = "ptt_end", "Tell the LA: part-time timetable ends"
        DELETION = "deletion", "Tell the LA: deletion from the register"

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="follow_up_tasks")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    due = models.DateField()
    details = models.TextField()
    # What raised the task (e.g. "unexplained since 2026-11-23"), so a rerun
    # of the job finds the task it already made.
    key = models.CharField(max_length=100)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.TextField(blank=True)
    letter = models.FileField(upload_to="letters/absence/", blank=True)

    class Meta:
        ordering = ["due", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "kind", "key"], name="one_task_per_cause")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.pupil} by {self.due}"


class PartTimeTimetable(models.Model):
    """A time-limited part-time timetable agreed in writing with a parent (code C2)."""

    WEEKDAY_SESSIONS = [
        (f"{day}-{session}", f"{day} {session}")
        for day in ("Mon", "Tue", "Wed", "Thu", "Fri")
        for session in ("AM", "PM")
    ]

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="part_time_timetables")
    agreed_on = models.DateField()
    agreed_with = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    start = models.DateField()
    planned_end = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    review_dates = ArrayField(models.DateField(), default=list, blank=True)
    sessions_off = ArrayField(
        models.CharField(max_length=6, choices=WEEKDAY_SESSIONS),
        help_text="sessions the pupil is not expected in school (coded C2)",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_end__gte=models.F("start")), name="ptt_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pupil}: part-time from {self.start}"

    @property
    def end(self) -> dt.date:
        return self.ended_on or self.planned_end

    def is_off(self, day: dt.date, session: str) -> bool:
        return self.start <= day <= self.end and f"{day:%a}-{session}" in self.sessions_off


class Deletion(models.Model):
    """Removal from the admission register on a statutory ground (Regulation 9, 2024)."""

    class Ground(models.TextChoices):
        OTHER_SCHOOL = "other_school", "Registered at another school"
        HOME_EDUCATION = "home_ed", "Parent's written notice of home education"
        MOVED_AWAY = "moved", "Moved too far away to attend"
        CME_ENQUIRIES = "cme", "Whereabouts unknown after joint enquiries with the LA (20 days)"
        PERMANENT_EXCLUSION = "excluded", "Permanently excluded"
        DIED = "died", "Died"
        OVER_AGE = "over_age", "Ceased to be of compulsory school age"
        MEDICAL = "medical", "Certified unlikely to be fit to attend before ceasing CSA"
        CUSTODY = "custody", "In custody for four months or more"
        OTHER = "other", "Another ground in Regulation 9"

    pupil = models.OneToOneField(Pupil, on_delete=models.PROTECT, related_name="deletion")
    ground = models.CharField(max_length=12, choices=Ground.choices)
    date = models.DateField("date of deletion")
    destination_school = models.CharField(max_length=200, blank=True)
    destination_address = models.TextField(blank=True)
    written_notice_received = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    la_notified_on = models.DateField("LA notified on", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.pupil} deleted {self.date}: {self.get_ground_display()}"
