import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from attendance.models import Contact, Pupil, RegistrationGroup, User
from attendance.roles import Role, roles_of
from registers.models import Mark, MarkChange
from registers.statistics import figures_by_pupil

pytestmark = pytest.mark.django_db


@time_machine.travel(dt.datetime(2026, 11, 26, 9, 10, tzinfo=ZoneInfo("Europe/London")))
def test_the_demo_school_is_realistic_and_its_morning_plays_out(capsys, settings, tmp_path):
    """One seed (it is the slowest thing in the suite), then 9:20 close and 9:35 calling."""
    settings.MEDIA_ROOT = tmp_path
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("seed_demo")
    assert RegistrationGroup.objects.count() == 14
    assert 400 <= Pupil.objects.count() <= 430
    fsm = Pupil.objects.filter(free_school_meals=True).count() / Pupil.objects.count()
    assert 0.15 < fsm < 0.35
    assert Pupil.objects.filter(has_social_worker=True).exists()
    assert Pupil.objects.filter(send="E").exists()
    # Siblings share their parents' contact records.
    linked = Contact.objects.filter(pupil_links__isnull=False)
    assert linked.distinct().count() < linked.count()
    for username, role in [
        ("teacher", Role.TEACHER),
        ("head", Role.HEAD),
        ("governor", Role.GOVERNOR),
        ("office", Role.OFFICE),
        ("attendance", Role.ATTENDANCE_OFFICER),
        ("admin", Role.ADMIN),
    ]:
        user = User.objects.get(username=username)
        assert role in roles_of(user)
        assert user.check_password("rollcall-demo")
    # An autumn term of history up to yesterday: most pupils 95%+, some persistently absent.
    rates = figures_by_pupil(
        Pupil.objects.values_list("id", flat=True), dt.date(2026, 9, 1), dt.date(2026, 11, 25)
    )
    assert len(rates) == Pupil.objects.count()
    good = sum(1 for f in rates.values() if f.attendance_rate >= 95)
    persistent = sum(1 for f in rates.values() if f.persistently_absent)
    assert good / len(rates) > 0.6
    assert 0.03 < persistent / len(rates) < 0.25
    codes_used = set(Mark.objects.values_list("code", flat=True))
    assert {"/", "\\", "I", "L", "U", "G", "O", "M", "V"} <= codes_used
    assert not Mark.objects.filter(date__gt=dt.date(2026, 11, 26)).exists()
    amended = MarkChange.objects.filter(old_code="N").first()
    assert amended.changed_by.username == "office"
    counts = (
        Pupil.objects.count(),
        Contact.objects.count(),
        User.objects.count(),
        Mark.objects.count(),
    )
    call_command("seed_demo")
    assert (
        Pupil.objects.count(),
        Contact.objects.count(),
        User.objects.count(),
        Mark.objects.count(),
    ) == counts
    assert "already exists" in capsys.readouterr().out

    # The morning: two parents rang before 9:00; the rest of today's Ns are chased.
    from absences import calling
    from absences.models import AbsenceReport, ContactAttempt, LeaveRequest
    from attendance.models import School
    from registers.services import close_due_registers

    school = School.objects.get()
    london = ZoneInfo("Europe/London")
    today = dt.date(2026, 11, 26)
    unexplained = Mark.objects.filter(date=today, session="AM", code="N").count()
    assert unexplained > 0
    assert AbsenceReport.objects.filter(first_day=today).count() == 2
    close_due_registers(school, dt.datetime(2026, 11, 26, 9, 20, tzinfo=london))
    run = calling.run_first_day_calling(school, dt.datetime(2026, 11, 26, 9, 35, tzinfo=london))
    first_day = ContactAttempt.objects.filter(date=today, kind="first_day").count()
    assert first_day + len(run.to_phone) == unexplained
    assert LeaveRequest.objects.filter(status="pending").count() == 2
    declined = LeaveRequest.objects.get(status="declined")
    assert declined.letter and declined.holiday_taken_by.exists()
    # The unauthorised holidays before half-term breached the 10-in-10 threshold.
    from penalties.models import Case

    assert Case.objects.filter(holiday=True).count() >= 3
    assert Case.objects.filter(stage="nti").count() == 1


def test_the_demo_is_deterministic_for_a_seed():
    from attendance.demo import seed_demo

    school, _ = seed_demo(seed=7, history=False)
    first = list(Pupil.objects.order_by("upn").values_list("upn", "legal_first_name"))
    Pupil.objects.all().delete()
    Contact.objects.all().delete()
    User.objects.all().delete()
    RegistrationGroup.objects.all().delete()
    school.non_school_days.all().delete()
    for year in school.academic_years.all():
        year.delete()
    school.delete()
    seed_demo(seed=7, history=False)
    assert list(Pupil.objects.order_by("upn").values_list("upn", "legal_first_name")) == first
