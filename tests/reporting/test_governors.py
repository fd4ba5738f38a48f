import datetime as dt
import io
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from registers.models import Mark
from tests import factories
from tests.factories import PupilFactory
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db
MON = dt.date(2026, 11, 2)


@pytest.fixture
def term_of_marks(cast):
    """Six pupils in Hawthorn (shown), five in Willow (hidden with Rowan), Sam alone in Rowan."""
    from attendance.models import RegistrationGroup

    willow = RegistrationGroup.objects.create(
        academic_year=cast.hawthorn.academic_year, name="Willow", year_group="3"
    )
    pupils = [
        PupilFactory(school=cast.school, registration_group=willow, legal_surname="Yew")
        for _ in range(5)
    ]
    pupils += [cast.poppy] + [
        PupilFactory(school=cast.school, registration_group=cast.hawthorn, legal_surname="Zedd")
        for _ in range(5)
    ]
    rows = []
    for pupil in pupils + [cast.sam]:
        for offset in range(10):
            day = MON + dt.timedelta(days=offset + (2 if offset >= 5 else 0))
            rows += [
                Mark(
                    pupil=pupil,
                    date=day,
                    session="AM",
                    code="I" if pupil == cast.sam else "/",
                    entered_at=timezone.now(),
                ),
                Mark(pupil=pupil, date=day, session="PM", code="\\", entered_at=timezone.now()),
            ]
    factories.bulk_create_marks(rows)


def _governors_csv(client, cast, time_machine) -> str:
    """The autumn term's tables as a governor downloads them, at 4pm on 2 November."""
    time_machine.move_to(london(16, 0))
    client.force_login(cast.gwen)
    return client.get(
        reverse("reporting:governors"), {"term": "2026-27-autumn", "format": "csv"}
    ).content.decode()


def test_governors_see_figures_charts_and_no_pupil(client, cast, term_of_marks, time_machine):
    time_machine.move_to(london(16, 0))
    client.force_login(cast.gwen)
    page = client.get(reverse("reporting:governors")).content.decode()
    assert "Autumn term 2026/27" in page
    assert "<svg" in page and "Attendance week by week" in page
    assert "Hawthorn" in page and "fewer than 5 pupils" in page  # Rowan has one pupil
    # Pupil groups are real figures, not "none": all twelve pupils are without FSM.
    assert re.search(r"Not eligible for free school meals</th>\s*<td>12</td>", page)
    for name in ("Poppy", "Fairweather", "Samuel", "Okafor", "Zedd", cast.poppy.upn):
        assert name not in page


def test_the_termly_pdf_has_the_figures(client, cast, term_of_marks, time_machine):
    time_machine.move_to(london(16, 0))
    client.force_login(cast.gwen)
    response = client.get(reverse("reporting:governors_pdf", args=["2026-27-autumn"]))
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    assert "attendance report to governors" in text and "Persistent absence" in text
    assert "Poppy" not in text and "Zedd" not in text


@pytest.mark.parametrize("url_name", ["reporting:reporting_today", "reporting:marks_export"])
def test_governors_and_teachers_cannot_reach_staff_reports(client, cast, url_name):
    for who in (cast.gwen, cast.alice):
        client.force_login(who)
        assert (
            client.get(reverse(url_name), {"start": "2026-11-02", "end": "2026-11-13"}).status_code
            == 403
        )


def test_the_marks_export_lists_upn_date_session_code(client, cast, term_of_marks):
    from registers.services import close_due_registers
    from tests.registers.conftest import london

    close_due_registers(cast.school, london(9, 20, dt.date(2026, 11, 26)))  # nobody took them
    client.force_login(cast.helen)
    response = client.get(
        reverse("reporting:marks_export"), {"start": "2026-11-02", "end": "2026-11-02"}
    )
    assert response["Content-Disposition"].endswith('"marks-2026-11-02-to-2026-11-02.csv"')
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "upn,date,session,code,status"
    assert f"{cast.poppy.upn},2026-11-02,AM,/," in lines
    held = client.get(
        reverse("reporting:marks_export"), {"start": "2026-11-26", "end": "2026-11-26"}
    )
    lines = b"".join(held.streaming_content).decode().splitlines()
    assert f"{cast.poppy.upn},2026-11-26,AM,N,register not taken" in lines
    assert not any(",2026-11-03," in line for line in lines)


def test_the_first_address_of_the_marks_export_still_works(client, cast, term_of_marks):
    client.force_login(cast.helen)
    response = client.get("/reporting/marks.csv", {"from": "2026-11-02", "to": "2026-11-02"})
    assert response.status_code == 301
    assert (
        response["Location"]
        == reverse("reporting:marks_export") + "?start=2026-11-02&end=2026-11-02"
    )


def test_the_marks_export_asks_for_dates_and_explains_bad_ones(client, cast, time_machine):
    time_machine.move_to(london(9, 30, MON))
    client.force_login(cast.helen)
    page = client.get(reverse("reporting:marks_export")).content.decode()
    assert 'name="start"' in page and 'value="2026-11-02"' in page  # up to today
    bad = client.get(
        reverse("reporting:marks_export"), {"start": "2026-11-13", "end": "2026-11-02"}
    )
    assert bad.status_code == 400
    assert "The end date is before the start date." in bad.content.decode()
    junk = client.get(reverse("reporting:marks_export"), {"start": "yesterday", "end": ""})
    assert junk.status_code == 400
    assert "Enter a valid date." in junk.content.decode()
    assert "This field is required." in junk.content.decode()


def test_the_head_sees_today(client, cast, term_of_marks, time_machine):
    from penalties.models import Case
    from registers.models import Register

    time_machine.move_to(london(9, 30, MON))
    Register.objects.create(
        group=cast.hawthorn,
        date=MON,
        session="AM",
        taken_by=cast.alice,
        taken_at=london(8, 52, MON),
    )
    Case.objects.create(
        pupil=cast.sam,
        school=cast.school,
        opened_on=MON,
        breach_date=MON,
        window_start=MON - dt.timedelta(weeks=10),
        window_end=MON,
        sessions_counted=10,
    )
    client.force_login(cast.helen)
    page = client.get(reverse("reporting:reporting_today")).content.decode()
    assert "This morning" in page
    hawthorn = re.search(r"<th>Hawthorn</th>(.*?)</tr>", page).group(1)
    assert "taken 08:52" in hawthorn and "not taken" in hawthorn  # AM taken, PM still to come
    rowan = re.search(r"<th>Rowan</th>(.*?)</tr>", page).group(1)
    rowan_am = reverse("registers:register", args=[cast.rowan.id, "2026-11-02", "AM"])
    # Half past nine: the morning register has closed without being taken.
    assert f'class="bad" href="{rowan_am}">closed, not taken' in rowan
    # The case's next deadline: ten days from opening, to decide on support or a notice.
    assert re.search(r"12 Nov</td><td><a [^>]*>Sam Okafor</a>", page)


def test_the_stats_command_prints_the_service_figures(cast, term_of_marks, capsys):
    call_command(
        "attendance_stats", "--from", "2026-11-02", "--to", "2026-11-13", "--group", "Rowan"
    )
    data = json.loads(capsys.readouterr().out)
    assert (data["pupils"], data["possible"], data["authorised"]) == (1, 20, 10)
    assert data["attendance_rate"] == 50.0 and data["severe"] == 1


def test_staff_drill_down_to_the_pupils_behind_a_figure_and_governors_cannot(
    client, cast, term_of_marks, time_machine
):
    time_machine.move_to(london(16, 0))
    url = reverse("reporting:cohort_pupils")
    query = {"term": "2026-27-autumn", "by": "registration_group", "value": str(cast.rowan.id)}
    client.force_login(cast.gwen)
    assert client.get(url, query).status_code == 403
    client.force_login(cast.helen)
    page = client.get(url, query).content.decode()
    assert "Sam Okafor" in page and "Poppy" not in page
    csv_text = client.get(url, {**query, "format": "csv"}).content.decode()
    assert cast.sam.upn in csv_text
    assert "<h1>Class Rowan" in page
    dashboard = client.get(reverse("reporting:governors")).content.decode()
    assert f"by=registration_group&amp;value={cast.hawthorn.id}" in dashboard
    # From the number of pupils to every pupil behind the whole-school figures.
    assert "by=school&amp;value=all" in dashboard
    everyone = client.get(url, {"term": "2026-27-autumn", "by": "school", "value": "all"})
    assert "<h1>Whole school" in everyone.content.decode()
    assert "Sam Okafor" in everyone.content.decode() and "Poppy" in everyone.content.decode()
    client.force_login(cast.gwen)
    assert "by=school" not in client.get(reverse("reporting:governors")).content.decode()


def test_governors_download_the_tables_and_the_half_term_report(
    client, cast, term_of_marks, time_machine
):
    tables = _governors_csv(client, cast, time_machine)
    assert "class,Hawthorn,6,100.0" in tables and "class,Rowan,fewer than 5" in tables
    # Willow (5) is hidden too, or Rowan would be the whole school less the rest.
    assert "class,Willow,hidden," in tables
    assert "Poppy" not in tables and "Okafor" not in tables
    response = client.get(reverse("reporting:governors_pdf", args=["2026-27-autumn-2"]))
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split()
    )
    assert "Autumn 2 2026/27" in text and "half-term attendance summary" in text
    # Whole school only: a group in both the term and a half-term could be
    # worked out for the other half by subtraction.
    assert "Persistent absence" in text and "Hawthorn" not in text and "Year 4" not in text
    termly = client.get(reverse("reporting:governors_pdf", args=["2026-27-autumn"]))
    termly_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(termly.content)).pages)
    assert "Hawthorn" in termly_text and "Year 4" in termly_text


@pytest.mark.parametrize("extra", [0, 20])
def test_the_dashboard_runs_a_fixed_number_of_queries(
    client, cast, term_of_marks, time_machine, extra, django_assert_max_num_queries
):
    for _ in range(extra):
        PupilFactory(school=cast.school, registration_group=cast.rowan)
    time_machine.move_to(london(16, 0))
    client.force_login(cast.gwen)
    # The first view freezes the term's groups; each checks the session's second factor.
    with django_assert_max_num_queries(26):
        assert client.get(reverse("reporting:governors")).status_code == 200
    with django_assert_max_num_queries(19):
        assert client.get(reverse("reporting:governors")).status_code == 200


def test_a_hidden_group_hides_its_complement(client, cast, term_of_marks, time_machine):
    cast.poppy.free_school_meals = True  # one FSM pupil: hidden, so "not FSM" must hide too
    cast.poppy.save()
    tables = _governors_csv(client, cast, time_machine)
    assert "pupil group,Free school meals,fewer than 5" in tables
    assert "pupil group,Not eligible for free school meals,hidden," in tables


def test_staff_open_the_persistently_absent_pupils_behind_the_headline(
    client, cast, term_of_marks, time_machine
):
    time_machine.move_to(london(16, 0))
    client.force_login(cast.helen)
    dashboard = client.get(reverse("reporting:governors")).content.decode()
    assert "by=absence&amp;value=persistent" in dashboard
    page = client.get(
        reverse("reporting:cohort_pupils"),
        {"term": "2026-27-autumn", "by": "absence", "value": "persistent"},
    ).content.decode()
    assert "Sam Okafor" in page and "Poppy" not in page  # Sam missed half his sessions
    client.force_login(cast.gwen)
    assert "by=absence" not in client.get(reverse("reporting:governors")).content.decode()


def test_no_class_or_year_group_gives_away_a_hidden_one(client, cast, term_of_marks, time_machine):
    """Year 5 is Sam (Rowan, hidden) and Larch: Year 5 less Larch would be Sam."""
    from attendance.models import RegistrationGroup

    larch = RegistrationGroup.objects.create(
        academic_year=cast.rowan.academic_year, name="Larch", year_group="5"
    )
    larch_pupils = [
        PupilFactory(school=cast.school, registration_group=larch, year_group="5")
        for _ in range(10)
    ]
    factories.bulk_create_marks(
        Mark(pupil=p, date=MON, session=s, code="/", entered_at=timezone.now())
        for p in larch_pupils
        for s in ("AM", "PM")
    )
    tables = _governors_csv(client, cast, time_machine)
    assert "class,Rowan,fewer than 5" in tables
    assert "class,Larch,hidden," in tables
    assert "year group,Year 5,11," in tables  # Sam and Larch together say nothing of Sam
    page = client.get(reverse("reporting:governors"), {"term": "2026-27-autumn"}).content.decode()
    assert "hidden, so a small group" in page


def test_pupils_without_a_class_are_counted_and_protected(
    client, cast, term_of_marks, time_machine
):
    loner = PupilFactory(school=cast.school, registration_group=None, year_group="4")
    factories.create_mark(pupil=loner, date=MON, session="AM", code="O", entered_at=timezone.now())
    tables = _governors_csv(client, cast, time_machine)
    assert "whole school,Autumn term 2026/27,13," in tables
    assert "class,No class,fewer than 5" in tables
    client.force_login(cast.helen)
    page = client.get(
        reverse("reporting:cohort_pupils"),
        {"term": "2026-27-autumn", "by": "school", "value": "all"},
    ).content.decode()
    assert "Pupil" in page and str(loner.legal_first_name) in page


@pytest.mark.parametrize(
    "query",
    [
        {"by": "free_school_meals", "value": "yes"},
        {"by": "registration_group", "value": "²"},
        {"by": "registration_group", "value": "999999"},
        {"by": "send", "value": "Q"},
        {"by": "absence", "value": "sometimes"},
        {"by": "nonsense", "value": "1"},
        {"by": "year_group", "value": "12"},
    ],
)
def test_a_bad_drill_down_is_a_clear_not_found(client, cast, term_of_marks, time_machine, query):
    time_machine.move_to(london(16, 0))
    client.force_login(cast.helen)
    response = client.get(reverse("reporting:cohort_pupils"), {"term": "2026-27-autumn", **query})
    assert response.status_code == 404


def test_a_term_not_yet_started_says_so(client, cast, term_of_marks, time_machine):
    time_machine.move_to(london(16, 0))
    client.force_login(cast.gwen)
    page = client.get(reverse("reporting:governors"), {"term": "2026-27-summer"}).content.decode()
    assert "This term has not started yet" in page and "starts 12 April 2027" in page
    assert "Autumn 1 2026/27 report" not in page  # only the chosen term's half-terms


def test_the_half_term_report_compares_with_the_same_half_term_last_year(cast):
    from reporting import periods

    halves = periods.half_terms(cast.school)
    autumn_2 = next(h for h in halves if h.key == "2026-27-autumn-2")
    assert periods.same_last_year(halves, autumn_2).key == "2025-26-autumn-2"
    terms = periods.terms(cast.school)
    autumn = next(t for t in terms if t.key == "2026-27-autumn")
    assert periods.same_last_year(terms, autumn).key == "2025-26-autumn"
    assert [h.key for h in periods.halves_of(halves, autumn)] == [
        "2026-27-autumn-1",
        "2026-27-autumn-2",
    ]


def test_pupil_lists_download_without_spreadsheet_formulas(
    client, cast, term_of_marks, time_machine
):
    cast.sam.preferred_first_name = "=HYPERLINK(1)"
    cast.sam.save()
    time_machine.move_to(london(16, 0))
    client.force_login(cast.helen)
    csv_text = client.get(
        reverse("reporting:cohort_pupils"),
        {"term": "2026-27-autumn", "by": "school", "value": "all", "format": "csv"},
    ).content.decode()
    assert ",'=HYPERLINK(1) Okafor," in csv_text


def test_the_stats_command_takes_year_and_pupil_groups_and_writes_csv(cast, term_of_marks):
    from django.core.management.base import CommandError

    cast.sam.free_school_meals = True
    cast.sam.save()
    out = io.StringIO()
    common = ["attendance_stats", "--from", "2026-11-02", "--to", "2026-11-13"]
    call_command(*common, "--group", "free_school_meals=true", "--format", "csv", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("school,group,from,to,pupils,possible")
    assert ",free_school_meals=true,2026-11-02,2026-11-13,1,20," in lines[1]
    out = io.StringIO()
    call_command(*common, "--group", "Year 5", stdout=out)
    assert json.loads(out.getvalue())["pupils"] == 1
    with pytest.raises(CommandError, match="No pupil group 'fsm'"):
        call_command(*common, "--group", "fsm=true")
    with pytest.raises(CommandError, match="No class or year group called 'Oak'"):
        call_command(*common, "--group", "Oak")


@pytest.mark.parametrize("nursery", [1, 6])
def test_a_like_for_like_line_of_pupils_aged_5_to_15(client, cast, time_machine, nursery):
    from attendance.models import RegistrationGroup

    # Three-year-olds count in the school's figures but not in the DfE's.
    saplings = RegistrationGroup.objects.create(
        academic_year=cast.hawthorn.academic_year, name="Saplings", year_group="N"
    )
    little = [
        PupilFactory(
            school=cast.school,
            registration_group=saplings,
            year_group="N",
            date_of_birth=dt.date(2023, 3, 1),
        )
        for _ in range(nursery)
    ]
    older = [PupilFactory(school=cast.school, registration_group=cast.hawthorn) for _ in range(12)]
    factories.bulk_create_marks(
        Mark(
            pupil=p,
            date=MON,
            session="AM",
            code="O" if p in little else "/",
            entered_at=timezone.now(),
        )
        for p in little + older
    )
    tables = _governors_csv(client, cast, time_machine)
    assert f"whole school,Autumn term 2026/27,{12 + nursery}," in tables
    if nursery < 5:  # the school less the aged 5-15 would be a few small children
        assert "aged 5-15" not in tables
    else:
        assert "whole school aged 5-15,Autumn term 2026/27,12,100.0," in tables
        page = client.get(
            reverse("reporting:governors"), {"term": "2026-27-autumn"}
        ).content.decode()
        assert "Aged 5–15" in page


def test_one_persistently_absent_pupil_in_a_pupil_group_is_not_shown(
    client, cast, term_of_marks, time_machine
):
    from attendance.models import Pupil

    # Sam (half his sessions missed) and four Zedds speak English as an additional language.
    Pupil.objects.filter(legal_surname="Zedd").update(eal=True)
    cast.sam.eal = True
    cast.sam.save()
    tables = _governors_csv(client, cast, time_machine)
    eal = next(line for line in tables.splitlines() if ",English as an additional" in line)
    assert eal.split(",")[2:] == [
        "6",
        "91.7",
        "8.3",
        "8.3",
        "0.0",
        "hidden",
        "hidden",
        "",
    ]


def test_a_group_of_nearly_everyone_would_show_the_few_outside_it(
    client, cast, term_of_marks, time_machine
):
    from attendance.models import Pupil

    # Everyone but Poppy has English as an additional language: the school
    # less the EAL row would be Poppy's own figures.
    Pupil.objects.exclude(pk=cast.poppy.pk).update(eal=True)
    tables = _governors_csv(client, cast, time_machine)
    assert "pupil group,English as an additional language,hidden," in tables


def test_a_group_nearly_all_persistently_absent_does_not_say_so(
    client, cast, term_of_marks, time_machine
):
    from attendance.models import Pupil

    # Willow's five pupils and Poppy are looked after; Willow's missed every session.
    willow = Pupil.objects.filter(legal_surname="Yew")
    willow.update(looked_after=True)
    cast.poppy.looked_after = True
    cast.poppy.save()
    factories.recode_marks(Mark.objects.filter(pupil__in=list(willow)), "O")
    factories.recode_marks(Mark.objects.filter(pupil=cast.sam), "/")  # nobody else is absent
    tables = _governors_csv(client, cast, time_machine)
    looked_after = next(line for line in tables.splitlines() if ",Looked-after," in line)
    assert looked_after.split(",")[-3:] == ["hidden", "hidden", ""]


def test_a_school_of_fewer_than_five_pupils_shows_no_figures(client, cast, time_machine):
    factories.bulk_create_marks(
        Mark(pupil=p, date=MON, session="AM", code="/", entered_at=timezone.now())
        for p in (cast.poppy, cast.sam)
    )
    tables = _governors_csv(client, cast, time_machine)
    assert tables.splitlines()[1] == "whole school,Autumn term 2026/27,fewer than 5"
    assert len(tables.splitlines()) == 2
    page = client.get(reverse("reporting:governors"), {"term": "2026-27-autumn"}).content.decode()
    assert "Fewer than 5 pupils have a possible session" in page and "<svg" not in page


def test_one_pupil_group_less_another_gives_nobody_away(client, cast, term_of_marks, time_machine):
    from attendance.models import Pupil

    # Willow's five are looked after, and like every looked-after child have a
    # social worker; two Zedds have one too: social worker less looked-after
    # would be those two children.
    Pupil.objects.filter(legal_surname="Yew").update(looked_after=True, has_social_worker=True)
    zedds = Pupil.objects.filter(legal_surname="Zedd").order_by("id")[:2]
    Pupil.objects.filter(pk__in=[p.pk for p in zedds]).update(has_social_worker=True)
    tables = _governors_csv(client, cast, time_machine)
    shown = {
        line.split(",")[1]: line.split(",")[2]
        for line in tables.splitlines()
        if line.startswith("pupil group,")
    }
    assert shown["Looked-after"] == "hidden" and shown["With a social worker"] == "7"


def test_a_terms_groups_stay_as_they_were_when_records_change(
    client, cast, term_of_marks, time_machine
):
    from attendance.models import Pupil

    def term_tables():  # all but today's roll, which is today's by design
        csv_text = _governors_csv(client, cast, time_machine)
        return [line for line in csv_text.splitlines() if not line.startswith("on roll,")]

    before = term_tables()
    # A child goes onto free school meals and moves class: this term's tables
    # must not change, or the difference would be that child's attendance.
    Pupil.objects.filter(pk=cast.poppy.pk).update(
        free_school_meals=True, registration_group=cast.rowan
    )
    assert term_tables() == before
    # A new pupil who joins later is grouped as they joined.
    newcomer = PupilFactory(school=cast.school, registration_group=cast.hawthorn, year_group="4")
    factories.create_mark(
        pupil=newcomer, date=MON, session="PM", code="/", entered_at=timezone.now()
    )
    # Staff opening the FSM row see the pupils counted in it: not Poppy yet.
    client.force_login(cast.helen)
    fsm = client.get(
        reverse("reporting:cohort_pupils"),
        {"term": "2026-27-autumn", "by": "free_school_meals", "value": "false"},
    ).content.decode()
    assert "Poppy Fairweather" in fsm
    after = "\n".join(term_tables())
    assert "class,Hawthorn,7," in after and "class,Hawthorn,6," in "\n".join(before)


def test_the_daily_job_freezes_each_schools_current_term_once(cast, time_machine):
    from reporting.models import GroupedPupil, Grouping
    from reporting.tasks import take_term_groupings

    time_machine.move_to(london(5, 30))
    assert take_term_groupings() == 1
    assert take_term_groupings() == 0
    grouping = Grouping.objects.get(school=cast.school)
    assert grouping.term == "2026-27-autumn"
    frozen = GroupedPupil.objects.get(grouping=grouping, pupil=cast.poppy)
    assert (frozen.year_group, frozen.registration_group) == ("3", cast.hawthorn)
