"""The school census attendance extract: the DfE's fixed periods, who is
included, and figures that are the statistics service's own."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from registers.models import Mark
from registers.statistics import figures_by_pupil
from reporting import census
from tests import factories
from tests.factories import PupilFactory
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db
MON = dt.date(2026, 11, 2)
AUTUMN = census.census_periods(2026)[0]


def lay_out(pupil, codes_by_day, start=MON, **extra):
    rows = []
    for offset, (am, pm) in enumerate(codes_by_day):
        day = start + dt.timedelta(days=offset)
        for session, code in (("AM", am), ("PM", pm)):
            rows.append(
                Mark(
                    pupil=pupil,
                    date=day,
                    session=session,
                    code=code,
                    entered_at=timezone.now(),
                    **extra,
                )
            )
    factories.bulk_create_marks(rows)


def row_for(extract, pupil):
    return next((r for r in extract.rows if r.upn == pupil.upn), None)


def test_the_periods_of_2026_27_are_the_dfe_fixed_dates():
    autumn, spring, summer_1, summer_2 = census.census_periods(2026)
    assert (autumn.start, autumn.end) == (dt.date(2026, 8, 1), dt.date(2026, 12, 31))
    assert (spring.start, spring.end) == (dt.date(2027, 1, 1), dt.date(2027, 3, 28))
    assert (summer_1.start, summer_1.end) == (dt.date(2027, 3, 29), dt.date(2027, 5, 30))
    assert (summer_2.start, summer_2.end) == (dt.date(2027, 5, 31), dt.date(2027, 7, 31))
    assert autumn.census == "Spring census 2027" and summer_2.census == "Autumn census 2027"
    assert {p.ages_on for p in (autumn, spring, summer_1, summer_2)} == {dt.date(2026, 8, 31)}


def test_a_moved_spring_bank_holiday_moves_the_summer_split():
    # 2022: the spring bank holiday was Thursday 2 June (the Platinum Jubilee).
    summer_1, summer_2 = census.census_periods(2021)[2:]
    assert summer_1.end == dt.date(2022, 6, 1) and summer_2.start == dt.date(2022, 6, 2)


def test_keys_name_their_period():
    assert census.period_for_key("2026-27-summer-1") == census.census_periods(2026)[2]
    assert census.period_for_key("2026-27-winter") is None
    assert census.period_for_key("nonsense") is None


def test_pupils_aged_5_to_15_on_31_august_and_on_roll_are_included(cast):
    four = PupilFactory(school=cast.school, date_of_birth=dt.date(2021, 9, 1))
    five = PupilFactory(school=cast.school, date_of_birth=dt.date(2021, 8, 31))
    fifteen = PupilFactory(school=cast.school, date_of_birth=dt.date(2010, 9, 1))
    sixteen = PupilFactory(school=cast.school, date_of_birth=dt.date(2010, 8, 31))
    left_in_july = PupilFactory(school=cast.school, leaving_date=dt.date(2026, 7, 20))
    joins_in_january = PupilFactory(school=cast.school, admission_date=dt.date(2027, 1, 5))
    leaver = PupilFactory(school=cast.school, leaving_date=dt.date(2026, 11, 3))
    lay_out(leaver, [("/", "I"), ("O", "O")])
    upns = {r.upn for r in census.census_extract(cast.school, AUTUMN).rows}
    assert {five.upn, fifteen.upn, leaver.upn, cast.poppy.upn} <= upns
    for outside in (four, sixteen, left_in_july, joins_in_january):
        assert outside.upn not in upns
    row = row_for(census.census_extract(cast.school, AUTUMN), leaver)
    assert (row.sessions_possible, row.sessions["I"], row.sessions["O"]) == (4, 1, 2)


def test_sessions_are_the_statistics_figures(cast):
    lay_out(cast.poppy, [("/", "\\"), ("D", "X"), ("M", "I"), ("G", "U"), ("C2", "N")])
    lay_out(cast.sam, [("/", "\\"), ("I", "I")])
    # Not this school's figures: a register nobody took, marks from the last school.
    lay_out(cast.sam, [("N", "N")], start=MON + dt.timedelta(days=2), held_back=True)
    lay_out(cast.sam, [("G", "G")], start=dt.date(2026, 9, 7), recorded_at_school="Old School")
    lay_out(cast.sam, [("I", "I")], start=dt.date(2027, 1, 4))  # after the period
    extract = census.census_extract(cast.school, AUTUMN)
    figures = figures_by_pupil([cast.poppy.id, cast.sam.id], AUTUMN.start, AUTUMN.end)
    for pupil in (cast.poppy, cast.sam):
        row, f = row_for(extract, pupil), figures[pupil.id]
        assert row.sessions_possible == f.possible
        authorised = sum(n for c, n in row.sessions.items() if c in census.codes.AUTHORISED_CODES)
        unauthorised = sum(row.sessions[c] for c in ("G", "N", "O", "U"))
        assert (authorised, unauthorised) == (f.authorised, f.unauthorised)
    poppy = row_for(extract, cast.poppy)
    assert poppy.sessions_possible == 8  # D and X are not possible sessions
    assert {c: n for c, n in poppy.sessions.items() if n} == {
        "M": 1,
        "I": 1,
        "C2": 1,
        "G": 1,
        "N": 1,
        "U": 1,
    }
    sam = row_for(extract, cast.sam)
    assert (sam.sessions_possible, sam.sessions["I"], sam.sessions["G"]) == (4, 2, 0)


def test_a_withdrawn_code_gets_a_column_only_when_used(cast):
    assert "H" not in census.census_extract(cast.school, AUTUMN).codes
    lay_out(cast.poppy, [("H", "H")], start=dt.date(2024, 7, 1))
    last_summer = census.census_periods(2023)[3]
    extract = census.census_extract(cast.school, last_summer)
    assert "H" in extract.codes and row_for(extract, cast.poppy).sessions["H"] == 2


def test_the_csv_has_the_checking_columns(client, cast, time_machine):
    time_machine.move_to(london(10, 0, dt.date(2027, 1, 6)))
    lay_out(cast.poppy, [("/", "I")])
    client.force_login(cast.helen)
    response = client.get(
        reverse("reporting:census_attendance"), {"period": "2026-27-autumn", "format": "csv"}
    )
    assert response["Content-Disposition"].endswith('2026-27-autumn.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == [
        "upn",
        "legal_surname",
        "legal_forename",
        "date_of_birth",
        "sessions_possible",
    ]
    assert rows[0][5:] == [
        f"sessions_{c}" for c in census.census_extract(cast.school, AUTUMN).codes
    ]
    assert "sessions_I" in rows[0] and "sessions_U" in rows[0] and "sessions_J1" in rows[0]
    poppy = next(r for r in rows if r[0] == cast.poppy.upn)
    assert poppy[1:5] == ["Fairweather", "Poppy", "2017-05-10", "2"]
    assert poppy[rows[0].index("sessions_I")] == "1"


def test_the_page_offers_the_periods_started_and_shows_the_latest(client, cast, time_machine):
    time_machine.move_to(london(10, 0, dt.date(2027, 1, 6)))
    client.force_login(cast.arthur)
    page = client.get(reverse("reporting:census_attendance")).content.decode()
    assert "Spring term 2026/27" in page and "Autumn term 2026/27" in page
    assert "Summer term, second half 2025/26" in page
    assert "Summer term, first half 2026/27" not in page  # not started
    assert cast.poppy.upn in page
    assert (
        client.get(reverse("reporting:census_attendance"), {"period": "2026-27-x"}).status_code
        == 404
    )


def test_teachers_and_governors_cannot_reach_it(client, cast):
    for who in (cast.alice, cast.gwen):
        client.force_login(who)
        assert client.get(reverse("reporting:census_attendance")).status_code == 403
        csv_url = reverse("reporting:census_attendance")
        assert client.get(csv_url, {"period": "2026-27-autumn", "format": "csv"}).status_code == 403


def test_the_sample_in_the_docs_has_the_csv_header(cast):
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "docs/samples/census-attendance-sample.csv"
    header = next(csv.reader(sample.open(encoding="utf-8")))
    assert header == census.csv_rows(census.census_extract(cast.school, AUTUMN))[0]
