import datetime as dt

import factory
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from absences.models import AbsenceReport
from attendance.models import (
    AcademicYear,
    Contact,
    NonSchoolDay,
    Pupil,
    PupilContact,
    RegistrationGroup,
    School,
    Term,
    User,
)
from attendance.roles import Role
from attendance.upn import check_letter
from penalties.models import Case
from registers.models import Mark, MarkChange


def upn_for(serial: int) -> str:
    """A valid UPN a test names by number (an import file, a lookup)."""
    body = f"8232001{26:02d}{serial % 1000:03d}"
    return check_letter(body) + body


def _made_upn(serial: int) -> str:
    # Another establishment number than upn_for's, so a factory's pupil
    # never takes the UPN a test writes into a file.
    body = f"8232002{serial // 1000 % 100:02d}{serial % 1000:03d}"
    return check_letter(body) + body


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    name = "Test Primary School"
    urn = factory.Sequence(lambda n: f"{100000 + n}")
    local_authority = "Norfolk"


class AcademicYearFactory(factory.django.DjangoModelFactory):
    """2026/27 with English half-terms, unless told otherwise."""

    class Meta:
        model = AcademicYear

    school = factory.SubFactory(SchoolFactory)
    name = "2026/27"
    start_date = dt.date(2026, 9, 1)
    end_date = dt.date(2027, 8, 31)


HALF_TERMS_2026_27 = [
    ("autumn", 1, dt.date(2026, 9, 3), dt.date(2026, 10, 23)),
    ("autumn", 2, dt.date(2026, 11, 2), dt.date(2026, 12, 18)),
    ("spring", 1, dt.date(2027, 1, 4), dt.date(2027, 2, 12)),
    ("spring", 2, dt.date(2027, 2, 22), dt.date(2027, 3, 26)),
    ("summer", 1, dt.date(2027, 4, 12), dt.date(2027, 5, 28)),
    ("summer", 2, dt.date(2027, 6, 7), dt.date(2027, 7, 21)),
]
HALF_TERMS_2025_26 = [
    ("autumn", 1, dt.date(2025, 9, 3), dt.date(2025, 10, 24)),
    ("autumn", 2, dt.date(2025, 11, 3), dt.date(2025, 12, 19)),
    ("spring", 1, dt.date(2026, 1, 5), dt.date(2026, 2, 13)),
    ("spring", 2, dt.date(2026, 2, 23), dt.date(2026, 3, 27)),
    ("summer", 1, dt.date(2026, 4, 13), dt.date(2026, 5, 22)),
    ("summer", 2, dt.date(2026, 6, 1), dt.date(2026, 7, 21)),
]


def build_calendar(school: School, with_previous_year: bool = True) -> AcademicYear:
    """Give `school` the 2026/27 calendar (and 2025/26); returns 2026/27."""
    plans = [("2026/27", dt.date(2026, 9, 1), dt.date(2027, 8, 31), HALF_TERMS_2026_27)]
    if with_previous_year:
        plans.insert(0, ("2025/26", dt.date(2025, 9, 1), dt.date(2026, 8, 31), HALF_TERMS_2025_26))
    for name, start, end, halves in plans:
        year = AcademicYear.objects.create(school=school, name=name, start_date=start, end_date=end)
        for season, half, t_start, t_end in halves:
            Term.objects.create(
                academic_year=year, season=season, half=half, start_date=t_start, end_date=t_end
            )
    return year


class RegistrationGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegistrationGroup

    academic_year = factory.SubFactory(AcademicYearFactory)
    name = factory.Sequence(lambda n: f"Class {n}")
    year_group = "4"


class PupilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pupil

    school = factory.SubFactory(SchoolFactory)
    upn = factory.Sequence(_made_upn)
    legal_first_name = factory.Sequence(lambda n: f"Pupil{n}")
    legal_surname = "Tester"
    date_of_birth = dt.date(2017, 5, 10)
    sex = "F"
    year_group = "4"
    admission_date = dt.date(2021, 9, 1)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    school = factory.SubFactory(SchoolFactory)
    first_name = "Pat"
    last_name = "Parent"
    mobile_phone = "07700 900123"


class PupilContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PupilContact

    pupil = factory.SubFactory(PupilFactory)
    contact = factory.SubFactory(ContactFactory)
    relationship = "mother"


class NonSchoolDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NonSchoolDay

    kind = NonSchoolDay.Kind.INSET


def make_user(username: str, role: Role | None, school: School | None = None, **extra) -> User:
    user = User.objects.create_user(username, password="pw-for-tests-only", school=school, **extra)
    if role:
        user.groups.add(Group.objects.get(name=role.value))
    return user


# Marks as test arrangement: every mark the database holds has its history
# (the database checks at commit, registers migration 0008), so tests that
# lay out a term of marks directly write each one's first entry beside it,
# in one transaction.
@transaction.atomic
def bulk_create_marks(marks):
    made = Mark.objects.bulk_create(marks)
    MarkChange.objects.bulk_create(
        MarkChange(
            mark=m,
            new_code=m.code,
            new_minutes_late=m.minutes_late,
            reason="First entry",
            source=m.source or Mark.Source.REGISTER,
            changed_by_name="Test arrangement",
            changed_by_position="",
            changed_at=m.entered_at,
        )
        for m in made
    )
    return made


def create_mark(**fields):
    return bulk_create_marks([Mark(**fields)])[0]


class MarkFactory(factory.django.DjangoModelFactory):
    """A mark written with its first history entry (create_mark)."""

    class Meta:
        model = Mark

    pupil = factory.SubFactory(PupilFactory)
    date = dt.date(2026, 9, 7)
    session = "AM"
    code = "/"
    source = Mark.Source.REGISTER
    entered_at = factory.LazyAttribute(
        lambda m: dt.datetime.combine(m.date, dt.time(9), m.pupil.school.tz)
    )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return create_mark(**kwargs)


class AbsenceReportFactory(factory.django.DjangoModelFactory):
    """A parent's phone call reporting illness, as the office logs it."""

    class Meta:
        model = AbsenceReport

    pupil = factory.SubFactory(PupilFactory)
    reporter_name = "Mia"
    channel = AbsenceReport.Channel.PHONE
    reason = AbsenceReport.Reason.ILLNESS
    first_day = dt.date(2026, 9, 7)
    logged_at = factory.LazyAttribute(
        lambda r: dt.datetime.combine(r.first_day, dt.time(8, 30), r.pupil.school.tz)
    )


class CaseFactory(factory.django.DjangoModelFactory):
    """A penalty case opened on the day after its breach."""

    class Meta:
        model = Case

    pupil = factory.SubFactory(PupilFactory)
    school = factory.LazyAttribute(lambda c: c.pupil.school)
    breach_date = dt.date(2026, 11, 19)
    opened_on = factory.LazyAttribute(lambda c: c.breach_date + dt.timedelta(days=1))
    window_start = dt.date(2026, 9, 14)
    window_end = factory.LazyAttribute(lambda c: c.breach_date)
    sessions_counted = 10


@transaction.atomic
def recode_marks(queryset, code: str, reason: str = "Test arrangement") -> int:
    """queryset.update(code=...) with the history entry each change needs."""
    marks = list(queryset.exclude(code=code))
    MarkChange.objects.bulk_create(
        MarkChange(
            mark=m,
            old_code=m.code,
            new_code=code,
            old_minutes_late=m.minutes_late,
            new_minutes_late=None,
            reason=reason,
            source=Mark.Source.OFFICE,
            changed_by_name="Test arrangement",
            changed_by_position="",
            changed_at=timezone.now(),
        )
        for m in marks
    )
    return Mark.objects.filter(pk__in=[m.pk for m in marks]).update(code=code, minutes_late=None)


def second_factor(user):
    """The user's authenticator app (made on first use), for signing in in tests."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test phone", confirmed=True)


def current_code(device) -> str:
    """What the user's app shows now. The device forgets the last code it took
    and any wait after a wrong one, as if the test had waited for the next
    30-second step (the waits themselves are django-otp's, tested there)."""
    from django_otp.oath import TOTP

    type(device).objects.filter(pk=device.pk).update(
        last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None
    )
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    return f"{totp.token():0{device.digits}d}"


def take_registers(cast, day, session: str = "AM", code: str = "N", at=None) -> None:
    """The cast's teachers take their registers, marking every pupil not yet
    marked `code` (by default N: absent, reason not yet known), before the
    close, as a real morning does."""
    from attendance.selectors import pupils_on_roll
    from registers.services import Entry, take_register

    taken = dt.time(8, 55) if session == "AM" else dt.time(13, 20)
    at = at or dt.datetime.combine(day, taken, cast.school.tz)
    for group, teacher in ((cast.hawthorn, cast.alice), (cast.rowan, cast.bob)):
        pupils = pupils_on_roll(cast.school, day).filter(registration_group=group)
        marked = set(Mark.objects.filter(date=day, session=session).values_list("pupil", flat=True))
        entries = [Entry(p.id, code, 0) for p in pupils if p.id not in marked]
        outcome = take_register(group, day, session, entries, by=teacher, now=at, as_teacher=True)
        assert outcome.ok, outcome
