"""The new school year: next year's calendar, classes rolled forward, staff added."""

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from attendance import rollover, school_years
from attendance.errors import RuleError
from attendance.models import AcademicYear, Pupil, RegistrationGroup, User, YearRollover
from attendance.roles import Role
from attendance.school_calendar import SchoolCalendar
from attendance.term_dates import HalfTerm, english_term_dates
from registers.models import Register
from registers.selectors import register_sheet
from tests import factories

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
LONDON = timezone.get_default_timezone()
# The summer term of the test calendar (factories.HALF_TERMS_2026_27) ends on 21 July 2027.
AFTER_TERM = dt.datetime(2027, 7, 22, 10, 0, tzinfo=LONDON)


def test_the_la_files_give_the_year_they_describe():
    from_csv = school_years.parse_term_dates_csv((SAMPLES / "term-dates-2027-28.csv").read_bytes())
    from_ics = school_years.parse_term_dates_ics((SAMPLES / "term-dates-2027-28.ics").read_bytes())
    assert from_csv == from_ics
    assert from_csv.name == "2027/28"
    assert from_csv.half_terms[0] == HalfTerm(
        "autumn", 1, dt.date(2027, 9, 1), dt.date(2027, 10, 22)
    )
    assert from_csv.half_terms[5].end == dt.date(2028, 7, 21)
    assert dt.date(2027, 9, 2) in from_csv.inset_days and len(from_csv.inset_days) == 5


def test_an_ics_of_term_begins_and_ends_days_is_read():
    events = [
        ("Autumn term begins", "20270901"),
        ("Half term", "20271025", "20271030"),
        ("Autumn term ends", "20271217"),
        ("Spring term begins", "20280104"),
        ("Half term", "20280214", "20280219"),
        ("Spring term ends", "20280407"),
        ("Summer term begins", "20280424"),
        ("Half term", "20280529", "20280603"),
        ("Summer term ends", "20280721"),
    ]
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:test"]
    for i, (summary, *days) in enumerate(events):
        lines += ["BEGIN:VEVENT", f"UID:{i}", "DTSTAMP:20260101T000000Z"]
        lines += [f"DTSTART;VALUE=DATE:{days[0]}", f"SUMMARY:{summary}"]
        if len(days) > 1:
            lines.append(f"DTEND;VALUE=DATE:{days[1]}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    year = school_years.parse_term_dates_ics("\r\n".join(lines).encode())
    assert [(h.start, h.end) for h in year.half_terms[:2]] == [
        (dt.date(2027, 9, 1), dt.date(2027, 10, 22)),
        (dt.date(2027, 11, 1), dt.date(2027, 12, 17)),
    ]


def test_a_bad_term_dates_file_is_refused_with_its_row_numbers():
    data = (
        b"event,start,end\nAutumn 1,2027-09-01,2027-10-22\n"
        b"Autumn 2,32/13/2027,2027-12-17\nEaster,2028-04-01,\n"
    )
    with pytest.raises(RuleError) as caught:
        school_years.parse_term_dates_csv(data)
    assert caught.value.messages == [
        "Row 3: the dates must be like 2027-09-01 or 01/09/2027.",
        "Row 4: 'Easter' is not a half-term (Autumn 1 ... Summer 2) or an INSET day.",
    ]
    with pytest.raises(RuleError, match="does not give Spring 1, Spring 2"):
        school_years.parse_term_dates_csv(
            b"event,start,end\nAutumn 1,2027-09-01,2027-10-22\nAutumn 2,2027-11-01,2027-12-17\n"
            b"Summer 1,2028-04-24,2028-05-26\nSummer 2,2028-06-05,2028-07-21\n"
        )
    with pytest.raises(RuleError, match="is not an iCalendar"):
        school_years.parse_term_dates_ics(b"not a calendar")


def test_a_calendar_is_checked_in_plain_sentences_and_nothing_is_saved(school):
    rule = english_term_dates(2027)
    halves = list(rule.half_terms)
    halves[0] = HalfTerm("autumn", 1, dt.date(2027, 9, 1), dt.date(2027, 8, 30))
    bad = school_years.year_dates_from(halves, [dt.date(2027, 9, 4), dt.date(2027, 8, 2)])
    with pytest.raises(RuleError) as caught:
        school_years.save_year_calendar(school, bad, by=None)
    assert "Autumn 1 must end on or after the day it starts." in caught.value.messages
    assert "The INSET day Saturday 4 September 2027 is not a weekday." in caught.value.messages
    assert "The INSET day Monday 2 August 2027 is not in a term." in caught.value.messages
    assert not AcademicYear.objects.filter(name="2027/28").exists()
    overlapping = school_years.year_dates_from(
        [HalfTerm("autumn", 1, dt.date(2027, 6, 1), dt.date(2027, 10, 22)), *rule.half_terms[1:]],
        [],
    )
    assert overlapping.name == "2026/27"
    with pytest.raises(RuleError) as caught:
        school_years.save_year_calendar(school, overlapping, by=None)
    assert any("Autumn 1 must lie inside the year" in m for m in caught.value.messages)


def test_next_years_calendar_is_saved_and_its_days_are_school_days(school):
    year = school_years.save_year_calendar(school, english_term_dates(2027), by=None)
    calendar = SchoolCalendar(school)
    assert year.terms.count() == 6
    assert not calendar.is_school_day(dt.date(2027, 9, 1))  # INSET
    assert calendar.is_school_day(dt.date(2027, 9, 3))
    assert calendar.day_note(dt.date(2027, 12, 24)).startswith("School is closed for the Christmas")
    # Saving again with a different INSET day replaces the old one.
    moved = english_term_dates(2027)
    moved = school_years.year_dates_from(list(moved.half_terms), [dt.date(2027, 9, 3)])
    school_years.save_year_calendar(school, moved, by=None)
    calendar = SchoolCalendar(school)
    assert calendar.is_school_day(dt.date(2027, 9, 1)) and not calendar.is_school_day(
        dt.date(2027, 9, 3)
    )


@pytest.fixture
def primary(school):
    """This year's classes: a nursery, one reception, two Year 1s and Year 6."""
    year = school.academic_years.get(name="2026/27")
    school_years.save_year_calendar(school, english_term_dates(2027), by=None)
    teacher = {}
    groups = {}
    for name, year_group in [
        ("Acorns", "N"),
        ("Saplings", "R"),
        ("Hazel", "1"),
        ("Holly", "1"),
        ("Oak", "6"),
    ]:
        groups[name] = RegistrationGroup.objects.create(
            academic_year=year, name=name, year_group=year_group
        )
        teacher[name] = factories.make_user(f"t.{name.lower()}", Role.TEACHER, school)
        groups[name].teachers.add(teacher[name])
        for i in range(4):
            factories.PupilFactory(
                school=school,
                registration_group=groups[name],
                year_group=year_group,
                legal_first_name=f"{name}{i}",
                legal_surname=f"{'ABCD'[i]}-family",
            )
    return year, groups, teacher


def test_the_usual_plan_keeps_names_with_the_year_group_and_asks_where_year_1_goes(primary):
    year, groups, teacher = primary
    plan = rollover.default_plan(year)
    preview = rollover.preview_rollover(year, plan)
    keys = {c.name: c.key for c in plan.classes}
    assert plan.destinations[groups["Acorns"].id] == [keys["Saplings"]]
    assert plan.destinations[groups["Saplings"].id] == [keys["Hazel"], keys["Holly"]]  # split
    assert plan.destinations[groups["Oak"].id] == []  # the top year leaves
    assert "Say where the pupils of Hazel (Year 1) go next year." in preview.errors
    assert len(preview.leavers) == 4 and preview.leaving_date == dt.date(2027, 7, 21)
    assert preview.leaving_reason == "End of primary education"


def _plan_with_year_2(year, groups, teacher):
    plan = rollover.default_plan(year)
    plan.classes.append(rollover.NextClass("new", "Rowan", "2", [teacher["Hazel"].id]))
    # Both Year 1 classes merge into Rowan; Hazel's teacher moves with them.
    plan.destinations[groups["Hazel"].id] = ["new"]
    plan.destinations[groups["Holly"].id] = ["new"]
    return plan


def test_rolling_forward_moves_every_pupil_up_and_year_6_leaves(primary):
    year, groups, teacher = primary
    plan = _plan_with_year_2(year, groups, teacher)
    saplings = sorted(groups["Saplings"].pupils.all(), key=lambda p: p.legal_surname)
    plan.allocation[saplings[0].id] = next(c.key for c in plan.classes if c.name == "Holly")
    with time_machine.travel(AFTER_TERM, tick=False):
        done = rollover.confirm_rollover(year, plan, by=None, now=timezone.now())
    nxt = AcademicYear.objects.get(name="2027/28")
    rowan = RegistrationGroup.objects.get(academic_year=nxt, name="Rowan")
    assert rowan.pupils.count() == 8 and set(rowan.pupils.values_list("year_group", flat=True)) == {
        "2"
    }
    assert list(rowan.teachers.all()) == [teacher["Hazel"]]
    hazel_next = RegistrationGroup.objects.get(academic_year=nxt, name="Hazel")
    holly_next = RegistrationGroup.objects.get(academic_year=nxt, name="Holly")
    assert hazel_next.pupils.count() + holly_next.pupils.count() == 4
    assert Pupil.objects.get(pk=saplings[0].pk).registration_group == holly_next
    assert set(hazel_next.pupils.values_list("year_group", flat=True)) == {"1"}
    assert RegistrationGroup.objects.get(academic_year=nxt, name="Saplings").pupils.count() == 4
    assert not RegistrationGroup.objects.get(academic_year=nxt, name="Acorns").pupils.exists()
    for pupil in groups["Oak"].pupils.all():
        assert pupil.leaving_date == dt.date(2027, 7, 21)
        assert pupil.leaving_reason == "End of primary education"
        assert pupil.year_group == "6"
    assert "16 pupils moved up" in done.summary and "4 left on 21 July 2027" in done.summary
    with (
        time_machine.travel(AFTER_TERM, tick=False),
        pytest.raises(RuleError, match="rolled forward"),
    ):
        rollover.confirm_rollover(year, plan, by=None, now=timezone.now())


def test_nothing_moves_before_the_summer_term_has_ended(primary):
    year, groups, teacher = primary
    plan = _plan_with_year_2(year, groups, teacher)
    last_day = dt.datetime(2027, 7, 21, 15, 0, tzinfo=LONDON)
    with pytest.raises(RuleError) as caught:
        rollover.confirm_rollover(year, plan, by=None, now=last_day)
    assert "from Thursday 22 July 2027" in str(caught.value)
    assert not AcademicYear.objects.get(name="2027/28").registration_groups.exists()
    assert set(Pupil.objects.values_list("leaving_date", flat=True)) == {None}
    assert not YearRollover.objects.filter(confirmed_at__isnull=False).exists()


def test_a_class_teacher_must_be_someone_who_takes_registers(primary, cast):
    year, groups, teacher = primary
    plan = _plan_with_year_2(year, groups, teacher)
    plan.classes[0].teacher_ids = [cast.gwen.id]
    plan.classes[1].name = plan.classes[2].name.upper()
    errors = rollover.preview_rollover(year, plan).errors
    assert f"The teacher chosen for {plan.classes[0].name} cannot take registers." in errors
    assert f"Two classes next year are called {plan.classes[2].name}: give each its own name." in [
        e.replace(plan.classes[1].name, plan.classes[2].name) for e in errors
    ]


def test_last_years_register_still_lists_the_pupils_it_was_taken_for(primary):
    year, groups, teacher = primary
    day = dt.date(2027, 7, 20)
    register = Register.objects.create(group=groups["Hazel"], date=day, session="AM")
    for pupil in groups["Hazel"].pupils.all():
        factories.create_mark(
            pupil=pupil,
            date=day,
            session="AM",
            register=register,
            code="/",
            entered_at=timezone.now(),
        )
    with time_machine.travel(AFTER_TERM, tick=False):
        rollover.confirm_rollover(
            year, _plan_with_year_2(year, groups, teacher), by=None, now=timezone.now()
        )
        sheet = register_sheet(groups["Hazel"], day, "AM", timezone.now())
    assert sorted(r.pupil.legal_first_name for r in sheet.rows) == [f"Hazel{i}" for i in range(4)]


def test_the_pages_roll_the_year_forward_in_three_steps(client, primary, school):
    year, groups, teacher = primary
    with time_machine.travel(AFTER_TERM, tick=False):
        client.force_login(factories.make_user("dev", Role.ADMIN, school))
        assert client.get(reverse("attendance:new_year")).status_code == 200
        page = client.get(reverse("attendance:new_year_classes"))
        formset = page.context["formset"]
        data = {"form-TOTAL_FORMS": "7", "form-INITIAL_FORMS": "5"}
        for i, form in enumerate(formset.forms[:5]):
            data[f"form-{i}-key"] = form.initial["key"]
            data[f"form-{i}-name"] = form.initial["name"]
            data[f"form-{i}-year_group"] = form.initial["year_group"]
            data[f"form-{i}-teachers"] = form.initial["teachers"]
        data["form-4-name"] = "Oak"  # kept for next year's Year 6
        data["form-5-name"] = "Rowan"
        data["form-5-year_group"] = "2"
        data["form-5-teachers"] = [str(teacher["Holly"].id)]
        data["form-6-name"] = ""
        response = client.post(reverse("attendance:new_year_classes"), data)
        assert response.status_code == 302, response.context["errors"]
        plan = rollover.saved_plan(year)
        rowan = next(c.key for c in plan.classes if c.name == "Rowan")
        response = client.post(
            reverse("attendance:new_year_pupils"),
            {
                f"to_{groups['Acorns'].id}": [plan.classes[1].key],
                f"to_{groups['Saplings'].id}": [plan.classes[2].key, plan.classes[3].key],
                f"to_{groups['Hazel'].id}": [rowan],
                f"to_{groups['Holly'].id}": [rowan],
            },
        )
        assert response.status_code == 302
        preview = client.get(reverse("attendance:new_year_preview"))
        assert "16</strong> pupils move up" in preview.content.decode()
        response = client.post(reverse("attendance:new_year_preview"), {"action": "confirm"})
        assert response.status_code == 302
    rowan_group = RegistrationGroup.objects.get(academic_year__name="2027/28", name="Rowan")
    assert rowan_group.pupils.count() == 8
    assert list(rowan_group.teachers.all()) == [teacher["Holly"]]


def test_a_missing_destination_is_shown_on_the_form_and_nothing_changes(client, primary, school):
    year, groups, teacher = primary
    client.force_login(factories.make_user("dev", Role.ADMIN, school))
    response = client.post(reverse("attendance:new_year_pupils"), {})
    assert response.status_code == 400
    assert "Say where the pupils of Acorns (Nursery) go next year." in response.context["errors"]
    assert not AcademicYear.objects.get(name="2027/28").registration_groups.exists()


def test_only_the_admin_or_an_allowed_office_sets_up_the_year(client, cast):
    pages = [
        "attendance:new_year",
        "attendance:new_year_calendar",
        "attendance:new_year_classes",
        "attendance:new_year_pupils",
        "attendance:new_year_preview",
        "attendance:staff_list",
        "attendance:staff_new",
    ]
    for user in [cast.alice, cast.olive, cast.arthur, cast.helen, cast.gwen, cast.nobody]:
        client.force_login(user)
        for name in pages:
            assert client.get(reverse(name)).status_code == 403, (user.username, name)
    client.force_login(cast.adam)
    assert client.get(reverse("attendance:new_year")).status_code == 200
    cast.school.office_may_set_up_year = True
    cast.school.save()
    client.force_login(cast.olive)
    assert client.get(reverse("attendance:new_year")).status_code == 200


@time_machine.travel(dt.datetime(2026, 11, 26, 10, 0, tzinfo=LONDON), tick=False)
def test_the_admin_adds_a_teacher_with_their_class_in_one_form(client, cast):
    """During the cast's school year (2026/27), whose classes the form offers."""
    client.force_login(cast.adam)
    response = client.post(
        reverse("attendance:staff_new"),
        {
            "first_name": "Nia",
            "last_name": "Evans",
            "username": "nia.evans",
            "email": "nia@example.sch.uk",
            "job_title": "Class teacher",
            "role": "Teacher",
            "classes": [str(cast.rowan.id)],
            "password1": "plum-kettle-river-42",
            "password2": "plum-kettle-river-42",
        },
    )
    assert response.status_code == 302
    nia = User.objects.get(username="nia.evans")
    assert nia.has_perm("attendance.take_register") and not nia.is_staff
    assert list(nia.registration_groups.all()) == [cast.rowan]
    assert nia.check_password("plum-kettle-river-42") and nia.school == cast.school


@time_machine.travel(dt.datetime(2026, 11, 26, 10, 0, tzinfo=LONDON), tick=False)
def test_a_weak_password_or_a_taken_username_shows_the_field_error(client, cast):
    client.force_login(cast.adam)
    response = client.post(
        reverse("attendance:staff_new"),
        {
            "first_name": "Nia",
            "last_name": "Evans",
            "username": "alice",
            "job_title": "Class teacher",
            "role": "Governor",
            "classes": [str(cast.rowan.id)],
            "password1": "short",
            "password2": "short",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["username"] == ["Someone already signs in as alice."]
    assert "too short" in errors["password1"][0]
    assert errors["classes"] == ["Only a teacher is given classes."]
    assert not User.objects.filter(first_name="Nia").exists()


def test_the_office_cannot_create_a_head(client, cast):
    cast.school.office_may_set_up_year = True
    cast.school.save()
    client.force_login(cast.olive)
    form = client.get(reverse("attendance:staff_new")).context["form"]
    assert [v for v, _ in form.fields["role"].choices] == ["Teacher", "Office"]
    response = client.post(
        reverse("attendance:staff_new"),
        {
            "first_name": "Sly",
            "last_name": "Head",
            "username": "sly",
            "job_title": "Head",
            "role": "Head",
            "password1": "plum-kettle-river-42",
            "password2": "plum-kettle-river-42",
        },
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="sly").exists()


def test_the_admin_class_teacher_picker_lists_only_teachers(admin_client, cast):
    response = admin_client.get(
        reverse("admin:attendance_registrationgroup_change", args=[cast.rowan.id])
    )
    choices = {label for _, label in response.context["adminform"].form.fields["teachers"].choices}
    assert "alice" in choices and "bob" in choices
    assert not {"gwen", "helen", "olive"} & choices
