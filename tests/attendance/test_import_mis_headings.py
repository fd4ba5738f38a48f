"""Pupil and contact files as SIMS, Arbor and Bromcom export them import as they are."""

import re
from pathlib import Path

import pytest

from attendance import mis_headings
from attendance.imports import (
    CONTACT_COLUMNS,
    PUPIL_COLUMNS,
    _year_group,
    import_contacts,
    import_pupils,
)
from attendance.models import Pupil, PupilContact

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "docs" / "samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def year_of(cast):
    return cast.school.academic_years.get(name="2026/27")


def test_the_sims_sample_imports_with_no_renaming(cast):
    result = import_pupils(cast.school, sample("pupils-sims.csv"), year_of(cast))
    assert result.ok, result.errors
    assert result.created == 6
    ollie = Pupil.objects.get(legal_surname="Brennan")
    assert (ollie.legal_first_name, ollie.legal_middle_names) == ("Oliver", "James")
    assert ollie.preferred_first_name == "Ollie"
    assert ollie.sex == "M"
    assert ollie.date_of_birth.isoformat() == "2019-03-02"
    assert ollie.year_group == "3"
    assert ollie.registration_group == cast.hawthorn
    assert ollie.send == "K"
    assert Pupil.objects.get(legal_surname="Ahmed").free_school_meals is True
    assert Pupil.objects.get(legal_surname="Davies").preferred_surname == "Davies-Pryce"


def test_unknown_columns_are_listed_and_ignored(cast):
    result = import_pupils(cast.school, sample("pupils-sims.csv"), year_of(cast))
    assert result.ignored == ["Adno", "Ethnicity", "First Language"]
    assert result.ignored_notice() == (
        "Columns not used by Rollcall, so ignored: Adno, Ethnicity, First Language."
    )


@pytest.mark.parametrize(
    ("pupils", "contacts", "created"),
    [
        ("pupils-sims.csv", "contacts-sims.csv", 5),
        ("pupils-arbor.csv", "contacts-arbor.csv", 2),
        ("pupils-bromcom.csv", "contacts-bromcom.csv", 2),
    ],
)
def test_every_sample_imports_pupils_then_contacts(cast, pupils, contacts, created):
    result = import_pupils(cast.school, sample(pupils), year_of(cast))
    assert result.ok, result.errors
    result = import_contacts(cast.school, sample(contacts))
    assert result.ok, result.errors
    assert result.created == created


def test_mis_words_for_a_relationship_are_understood(cast):
    import_pupils(cast.school, sample("pupils-sims.csv"), year_of(cast))
    import_contacts(cast.school, sample("contacts-sims.csv"))
    gary = PupilContact.objects.get(contact__first_name="Gary")
    assert gary.relationship == "step_parent"
    assert gary.parent_ground == PupilContact.ParentGround.NEITHER
    assert gary.contact.postcode == "AL3 5DX"
    assert PupilContact.objects.get(contact__first_name="Sana").contact.postcode == "AL3 4RB"


def test_headings_match_whatever_the_case_and_spacing(cast):
    data = (
        "upn , LEGAL SURNAME,legal forename,Date Of Birth,gender,year_group,"
        "RegGroup,admission_date\n"
        "E919400121114,Ahmed,Zainab,14/11/2018,Female,Y3,Hawthorn,2022-09-01\n"
    )
    result = import_pupils(cast.school, data, year_of(cast))
    assert result.ok, result.errors
    assert result.ignored == []
    assert Pupil.objects.get(upn="E919400121114").registration_group == cast.hawthorn


def test_missing_required_columns_are_named_with_their_usual_headings(cast):
    data = (
        "Adno,UPN,Legal Forename,Gender,Year,Admission Date\n"
        "1,E919400121114,Zainab,F,3,01/09/2022\n"
    )
    result = import_pupils(cast.school, data, year_of(cast))
    assert result.error_lines() == [
        "Row 1: missing column(s): legal_surname ('Legal Surname' or 'Surname' or "
        "'Last Name' or 'Legal Last Name'), date_of_birth ('DOB' or 'Date of Birth')"
    ]
    assert not Pupil.objects.filter(upn="E919400121114").exists()


def test_two_headings_for_one_column_are_an_error(cast):
    data = sample("pupils-sims.csv").decode().replace("Legal Forename", "Forename", 1)
    data = data.replace("Middle Name(s)", "Legal Forename", 1)
    result = import_pupils(cast.school, data, year_of(cast))
    assert result.error_lines() == [
        "Row 1: columns 'Forename' and 'Legal Forename' are both legal_first_name"
    ]


def test_a_bad_date_rejects_the_file_with_its_row_number(cast):
    data = sample("pupils-sims.csv").decode().replace("02/03/2019", "30/02/2019")
    result = import_pupils(cast.school, data, year_of(cast))
    assert result.error_lines() == [
        "Row 3: date_of_birth '30/02/2019' is not a date (use YYYY-MM-DD or DD/MM/YYYY)"
    ]
    assert not Pupil.objects.filter(legal_surname__in=["Ahmed", "Brennan"]).exists()


@pytest.mark.parametrize(
    ("value", "year"),
    [
        ("Year 3", "3"),
        ("Y3", "3"),
        ("3", "3"),
        ("03", "3"),
        ("NC Year 10", "10"),
        ("Yr 6", "6"),
        ("R", "R"),
        ("Reception", "R"),
        ("Year R", "R"),
        ("N1", "N"),
        ("N2", "N"),
        ("Nursery", "N"),
    ],
)
def test_the_ways_an_mis_writes_a_year(value, year):
    assert _year_group(value) == year


def test_a_year_that_is_not_one_is_a_row_error(cast):
    data = sample("pupils-sims.csv").decode().replace("Year 5,Rowan", "Year 15,Rowan", 1)
    result = import_pupils(cast.school, data, year_of(cast))
    assert result.error_lines()[0].startswith("Row 5: year_group 'Year 15' is not a year")


@pytest.mark.parametrize(
    ("headings", "columns"),
    [
        (mis_headings.PUPIL_HEADINGS, PUPIL_COLUMNS),
        (mis_headings.CONTACT_HEADINGS, CONTACT_COLUMNS),
    ],
)
def test_no_heading_means_two_fields(headings, columns):
    meaning: dict[str, str] = {mis_headings.heading_key(c): c for c in columns}
    for source in mis_headings.SOURCES:
        for heading, column in headings[source].items():
            assert column in columns, (source, heading)
            key = mis_headings.heading_key(heading)
            assert meaning.setdefault(key, column) == column, (source, heading)


def readme_table(title: str) -> dict[str, str]:
    """The README's table under `title`: heading -> Rollcall column."""
    text = (ROOT / "README.md").read_text()
    block = text.split(title, 1)[1].split("\n\n", 2)[1]
    return dict(re.findall(r"^\| (.+?) \| `(\w+)` \|$", block, re.M))


@pytest.mark.parametrize("source", mis_headings.SOURCES)
def test_the_readme_tables_are_the_headings(source):
    assert readme_table(f"**{source} student list**") == mis_headings.PUPIL_HEADINGS[source]
    assert readme_table(f"**{source} contacts**") == mis_headings.CONTACT_HEADINGS[source]


def test_the_command_lists_the_columns_it_ignored(cast, capsys):
    from django.core.management import call_command

    call_command("import_pupils", str(SAMPLES / "pupils-sims.csv"))
    out = capsys.readouterr().out
    assert "ignored: Adno, Ethnicity, First Language." in out
    assert "6 created" in out
