"""The demo school works on any day of any year.

Nothing here pins the clock to a date the demo is known to like: the plan is
tried on every day of two academic years, and the full seed runs on today's
real date and on hard days worked out from it.
"""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from absences.models import AbsenceReport, ContactAttempt, LeaveRequest, PartTimeTimetable
from attendance.demo import seed_demo
from attendance.demo_plan import calendar_for, plan_demo
from attendance.models import Contact, Pupil, PupilContact, RegistrationGroup, School, User
from attendance.roles import Role, landing_page, roles_of
from attendance.school_calendar import SchoolCalendar
from attendance.selectors import pupils_on_roll
from attendance.term_dates import academic_year_starting, english_term_dates
from penalties import framework
from penalties.models import Case, NoticeToImprove
from registers.models import Mark, MarkChange
from registers.statistics import figures_by_pupil

LONDON = timezone.get_default_timezone()
TIMES = [dt.time(7, 30), dt.time(9, 10), dt.time(13, 20), dt.time(19, 0)]


def _days(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def _next_leap_day(after: dt.date) -> dt.date:
    year = after.year
    while True:
        try:
            leap = dt.date(year, 2, 29)
        except ValueError:
            year += 1
            continue
        if leap >= after:
            return leap
        year += 1


def check_plan(plan) -> None:
    """Every planned date is a school day of the years the demo stores, and
    every step of the seed would be allowed on it."""
    calendar = calendar_for(plan.years)
    today = plan.today
    school_day = calendar.is_school_day
    assert plan.history_end < today and school_day(plan.history_end)
    spans = [s for s in (plan.previous_history, plan.history) if s]
    assert spans, "the demo always has some history"
    for first, last in spans:
        assert school_day(first) and school_day(last) and first <= last < today
    assert spans[-1][1] == plan.history_end
    if plan.today_sessions:
        assert school_day(today)
    # The refused holiday: a whole school week, asked for and refused in advance,
    # enough sessions on its own to reach the threshold.
    week = plan.holiday_week
    assert len(week) == 5 and all(school_day(d) for d in week)
    assert week[0].weekday() == 0 and week[-1] - week[0] == dt.timedelta(days=4)
    assert spans[0][0] <= week[0] and week[-1] <= plan.history_end
    assert 2 * len(week) >= framework.threshold_sessions()
    asked, decided = plan.holiday_request
    assert asked < decided < dt.datetime.combine(week[0], dt.time(0), LONDON)
    assert all(school_day(d) and d < week[0] for d in plan.illness_week)
    if plan.visit_day:
        assert school_day(plan.visit_day) and plan.visit_day <= plan.history_end
    # Requests for leave still to come: in advance, on school days.
    for leave in (plan.wedding_leave, plan.short_notice_leave):
        assert today < leave.first <= leave.last
        assert school_day(leave.first) and school_day(leave.last)
        assert leave.last < leave.expected_return and school_day(leave.expected_return)
        assert leave.submitted <= plan.now
    assert (plan.wedding_leave.first - today).days >= 21
    agreed, start, end, review = plan.part_time
    assert agreed <= today < start <= review <= end <= start + dt.timedelta(weeks=12)
    assert school_day(start) and school_day(end) and school_day(review)
    issued, ends = plan.notice_to_improve
    assert school_day(issued) and issued <= plan.history_end < today < ends and school_day(ends)
    assert school_day(plan.meeting_on) and plan.meeting_on < today
    assert all(today < r and school_day(r) for r in plan.reviews)


def test_the_plan_works_on_every_day_of_two_academic_years():
    today = timezone.localdate()
    start = academic_year_starting(today)
    days = list(_days(dt.date(start, 9, 1), dt.date(start + 2, 8, 31)))
    leap = _next_leap_day(dt.date(start, 9, 1))
    days += list(_days(leap - dt.timedelta(days=3), leap + dt.timedelta(days=3)))
    assert any(d.month == 2 and d.day == 29 for d in days)
    for day in days:
        for time in TIMES:
            plan = plan_demo(dt.datetime.combine(day, time, LONDON), LONDON)
            try:
                check_plan(plan)
            except AssertionError as exc:
                raise AssertionError(f"The demo's plan fails on {day} at {time}") from exc


def test_the_term_rule_gives_english_years():
    """About 190 school days, terms where English schools have them."""
    for start in range(2024, 2040):
        year = english_term_dates(start)
        calendar = calendar_for([year])
        assert 188 <= len(calendar.school_days(year.start, year.end)) <= 193, year.name
        autumn, _, spring, _, summer, last = year.half_terms
        assert autumn.start.month == 9 and autumn.start.day <= 7
        assert 15 <= last.end.day <= 21 and last.end.month == 7
        assert calendar.holiday_name(dt.date(start, 12, 25)) == "Christmas holiday"
        assert calendar.holiday_name(dt.date(start + 1, 8, 1)) is None  # past this calendar
        assert len(year.inset_days) == 5


def hard_days(today: dt.date) -> dict[str, dt.datetime]:
    """Days a demo made by fixed dates fails on, taken from this year's calendar."""
    year = english_term_dates(academic_year_starting(today))
    calendar = calendar_for([year])
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    autumn1, _, spring1, _, summer1, summer2 = year.half_terms
    may_bank_holiday = next(
        d for d in _days(summer1.start, summer1.end) if d.weekday() == 0 and d.day <= 7
    )
    days = {
        "a Saturday": (saturday, dt.time(10, 0)),
        "Christmas Day": (dt.date(year.start.year, 12, 25), dt.time(12, 0)),
        "1 August": (dt.date(year.end.year, 8, 1), dt.time(9, 0)),
        "the first day of a term": (
            calendar.school_days(spring1.start, spring1.end)[0],
            dt.time(9, 5),
        ),
        "the last day of a term": (summer2.end, dt.time(15, 0)),
        "the day before a half-term": (autumn1.end, dt.time(13, 40)),
        "a bank holiday Monday": (may_bank_holiday, dt.time(9, 30)),
        "the first day of the year (INSET)": (year.half_terms[0].start, dt.time(8, 30)),
        "29 February": (_next_leap_day(year.start), dt.time(9, 15)),
    }
    return {k: dt.datetime.combine(d, t, LONDON) for k, (d, t) in days.items()}


def check_demo(client, plan) -> None:
    school = School.objects.get()
    # The stored calendar is the plan's.
    stored, planned = SchoolCalendar(school), calendar_for(plan.years)
    for year in plan.years:
        assert stored.school_days(year.start, year.end) == planned.school_days(year.start, year.end)
    on_roll = pupils_on_roll(school, plan.today).count()
    assert 440 <= on_roll <= 450
    leavers = Pupil.objects.filter(leaving_reason="End of primary education")
    assert leavers.count() == 60
    assert not Mark.objects.filter(date__gt=plan.today).exists()
    assert Mark.objects.filter(date=plan.history_end).count() >= 400
    # Today's registers are taken as far as the clock has gone (an absence
    # reported this morning also pre-fills the afternoon).
    taken = Mark.objects.filter(date=plan.today, source=Mark.Source.REGISTER)
    assert set(taken.values_list("session", flat=True)) == set(plan.today_sessions)
    assert LeaveRequest.objects.filter(status="pending").count() == 2
    declined = LeaveRequest.objects.get(status="declined")
    assert declined.letter and not declined.retrospective
    assert PartTimeTimetable.objects.get().start > plan.today
    assert Case.objects.filter(holiday=True).exists()
    assert NoticeToImprove.objects.count() == 1
    for username in ["teacher", "office", "attendance", "head", "governor", "admin"]:
        user = User.objects.get(username=username)
        client.force_login(user)
        response = client.get("/", follow=True)
        assert response.status_code == 200, username
        assert response.request["PATH_INFO"] != "/", username
        assert landing_page(user)


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(hard_days(timezone.localdate())))
def test_the_full_seed_works_on_a_hard_day(name, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    moment = hard_days(timezone.localdate())[name]
    with time_machine.travel(moment, tick=False):
        seed_demo()
        check_demo(client, plan_demo(moment, LONDON))


@pytest.mark.django_db
def test_the_demo_school_is_realistic_today(capsys, client, settings, tmp_path):
    """On the real date: a school with a history, and seeding again changes nothing."""
    settings.MEDIA_ROOT = tmp_path
    now = timezone.now()
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "Calendar:" in out and "Rolled forward" in out and "Created the demo school" in out
    plan = plan_demo(now, LONDON)
    check_demo(client, plan)
    assert RegistrationGroup.objects.filter(academic_year__name=plan.current.name).count() == 15
    pupils = pupils_on_roll(School.objects.get(), plan.today)
    fsm = pupils.filter(free_school_meals=True).count() / pupils.count()
    assert 0.15 < fsm < 0.35
    assert pupils.filter(has_social_worker=True).exists()
    assert pupils.filter(send="E").exists()
    # Siblings share their parents' contact records.
    linked = Contact.objects.filter(pupil_links__isnull=False)
    assert linked.distinct().count() < linked.count()
    # Some families have a step-parent who is a parent in law by care of the
    # child (s.576 Education Act 1996).
    assert PupilContact.objects.filter(
        relationship="step_parent", parent_ground="care", lives_with_pupil=True
    ).exists()
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
    # A term or more of history: most pupils 95%+, some persistently absent.
    first = (plan.previous_history or plan.history)[0]
    rates = figures_by_pupil(pupils.values_list("id", flat=True), first, plan.history_end)
    good = sum(1 for f in rates.values() if f.attendance_rate >= 95)
    persistent = sum(1 for f in rates.values() if f.persistently_absent)
    assert good / len(rates) > 0.6
    assert 0.03 < persistent / len(rates) < 0.25
    codes_used = set(Mark.objects.values_list("code", flat=True))
    assert {"/", "\\", "I", "L", "U", "G", "O", "M"} <= codes_used
    amended = MarkChange.objects.filter(old_code="N").first()
    assert amended.changed_by.username == "office"
    counts = (Pupil.objects.count(), Contact.objects.count(), Mark.objects.count())
    call_command("seed_demo")
    assert (Pupil.objects.count(), Contact.objects.count(), Mark.objects.count()) == counts
    assert "already exists" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_demo_morning_plays_out_on_the_next_school_day(settings, tmp_path):
    """Seeded at 09:10 on the next school day: the 9:20 close, then 9:35 calling."""
    from absences import calling
    from registers.services import close_due_registers

    settings.MEDIA_ROOT = tmp_path
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    today = timezone.localdate()
    calendar = calendar_for(plan_demo(timezone.now(), LONDON).years)
    day = calendar.next_school_day(today)
    with time_machine.travel(dt.datetime.combine(day, dt.time(9, 10), LONDON), tick=False):
        seed_demo()
    school = School.objects.get()
    unexplained = Mark.objects.filter(date=day, session="AM", code="N").count()
    assert unexplained > 0
    assert AbsenceReport.objects.filter(first_day=day).count() == 2
    close_due_registers(school, dt.datetime.combine(day, dt.time(9, 20), LONDON))
    run = calling.run_first_day_calling(school, dt.datetime.combine(day, dt.time(9, 35), LONDON))
    first_day = ContactAttempt.objects.filter(date=day, kind="first_day").count()
    assert first_day + len(run.to_phone) == unexplained


class _Undo(Exception):
    pass


@pytest.mark.django_db
def test_the_demo_is_deterministic_for_a_seed():
    now = timezone.now()

    def pupils_of_a_fresh_demo():
        try:
            with transaction.atomic():
                seed_demo(seed=7, history=False, now=now)
                made = list(Pupil.objects.order_by("upn").values_list("upn", "legal_first_name"))
                raise _Undo
        except _Undo:
            return made

    first = pupils_of_a_fresh_demo()
    assert len(first) > 400 and not Pupil.objects.exists()
    assert pupils_of_a_fresh_demo() == first
