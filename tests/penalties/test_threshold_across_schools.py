"""The 10-in-10 window spans schools: marks recorded at a pupil's previous
school count for the weeks they cover (DfE: the period "can span terms,
school years and schools")."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from penalties import letters
from penalties.services import check_thresholds
from registers.models import Mark
from tests import factories
from tests.penalties.conftest import mondays

pytestmark = pytest.mark.django_db
D = dt.date
PREVIOUS = "9262001 Elm Tree Primary"
JOINED = D(2026, 11, 2)  # the Monday after half term here (26-30 October)


def joined_after_half_term(cast):
    cast.poppy.admission_date = JOINED
    cast.poppy.save()


def at_previous_school(pupil, sessions, code="U"):
    factories.bulk_create_marks(
        [
            Mark(pupil=pupil, date=d, session=s, code=code, entered_at=timezone.now(),
                 source="import", recorded_at_school=PREVIOUS)
            for d, s in sessions
        ]
    )  # fmt: skip


def test_four_sessions_at_the_previous_school_and_six_here_meet_the_threshold(cast, absent):
    joined_after_half_term(cast)
    # The previous school was open in this school's half-term week: it is one
    # of Poppy's school weeks, so the 10 weeks run 5 October to 11 December.
    before = [D(2026, 10, 5), D(2026, 10, 12), D(2026, 10, 19), D(2026, 10, 26)]
    at_previous_school(cast.poppy, [(d + dt.timedelta(days=1), "AM") for d in before])
    absent(cast.poppy, [(d, "AM") for d in mondays(JOINED, 6)], code="O")
    run = check_thresholds(cast.school, D(2026, 12, 11))
    case = run.opened[0]
    assert (case.pupil, case.sessions_counted) == (cast.poppy, 10)
    assert (case.window_start, case.breach_date) == (D(2026, 10, 5), D(2026, 12, 7))
    assert case.sessions.filter(mark__recorded_at_school=PREVIOUS).count() == 4


def test_weeks_at_the_previous_school_lengthen_the_window(cast, absent):
    joined_after_half_term(cast)
    # 21 Sept to 11 Dec is 12 of Poppy's school weeks (half term here was a
    # school week there): the U of 22 September falls outside the last 10.
    at_previous_school(cast.poppy, [(D(2026, 9, 22), "AM")])
    at_previous_school(cast.poppy, [(D(2026, 10, 27), "AM")], code="/")
    at_previous_school(cast.poppy, [(d, "PM") for d in mondays(D(2026, 10, 6), 3)])
    absent(cast.poppy, [(d, "AM") for d in mondays(JOINED, 6)], code="O")
    assert check_thresholds(cast.school, D(2026, 12, 11)).opened == []


def test_marks_from_elsewhere_count_in_no_figure_of_this_school(cast):
    joined_after_half_term(cast)
    at_previous_school(cast.poppy, [(D(2026, 10, 6), "AM")])
    assert Mark.objects.get().counted_code == ""


def test_the_case_and_the_la_pack_say_where_a_session_was_recorded(client, cast, absent):
    joined_after_half_term(cast)
    before = [D(2026, 10, 5), D(2026, 10, 12), D(2026, 10, 19), D(2026, 10, 26)]
    at_previous_school(cast.poppy, [(d + dt.timedelta(days=1), "AM") for d in before])
    absent(cast.poppy, [(d, "AM") for d in mondays(JOINED, 6)], code="O")
    case = check_thresholds(cast.school, D(2026, 12, 11)).opened[0]
    client.force_login(cast.arthur)
    page = client.get(reverse("penalties:case_detail", args=[case.id])).content.decode()
    assert page.count(f"recorded at {PREVIOUS}") == 4
    pdf = letters.referral_pack(case, D(2026, 12, 14), D(2026, 9, 1))
    text = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert text.count("recordedat9262001ElmTreePrimary") == 4


def starting_in_rollcall_in_the_spring(cast):
    """The school's first term in Rollcall is spring 2027; Poppy joined then."""
    from attendance.models import AcademicYear, Term

    AcademicYear.objects.filter(school=cast.school, name="2025/26").delete()
    Term.objects.filter(academic_year__school=cast.school, start_date__lt=D(2027, 1, 1)).delete()
    cast.poppy.admission_date = D(2027, 1, 4)
    cast.poppy.save()


def test_marks_from_elsewhere_before_the_schools_first_term_here_count(cast, absent):
    starting_in_rollcall_in_the_spring(cast)
    at_previous_school(cast.poppy, [(d, "AM") for d in mondays(D(2026, 11, 24), 4)])
    absent(cast.poppy, [(d, "AM") for d in mondays(D(2027, 1, 4), 6)], code="O")
    case = check_thresholds(cast.school, D(2027, 2, 12)).opened[0]
    assert (case.window_start, case.sessions_counted) == (D(2026, 11, 23), 10)


def test_the_early_support_count_includes_sessions_recorded_elsewhere(cast, absent):
    starting_in_rollcall_in_the_spring(cast)
    at_previous_school(cast.poppy, [(d, "PM") for d in mondays(D(2026, 12, 1), 4)])
    absent(cast.poppy, [(D(2027, 1, 4), "AM"), (D(2027, 1, 11), "AM")], code="O")
    run = check_thresholds(cast.school, D(2027, 1, 15))
    # 4 there and 2 here: 6 in Poppy's last 10 school weeks, not 2.
    assert run.opened == [] and run.approaching == {cast.poppy.id: 6}
