import pytest
from django.core.management import CommandError, call_command

from attendance.imports import import_contacts, import_pupils
from attendance.models import Contact, Pupil, PupilContact
from tests.factories import upn_for

pytestmark = pytest.mark.django_db

HEADER = "upn,legal_first_name,legal_surname,date_of_birth,sex,year_group,registration_group,admission_date,free_school_meals,send\n"  # noqa: E501


def row(serial, first="Ada", group="Hawthorn", dob="2018-03-01", year="3", upn=None, **kw):
    values = {
        "upn": upn or upn_for(serial),
        "legal_first_name": first,
        "legal_surname": "Lovelace",
        "date_of_birth": dob,
        "sex": "F",
        "year_group": year,
        "registration_group": group,
        "admission_date": "2022-09-01",
        "free_school_meals": "N",
        "send": "N",
    }
    values.update(kw)
    return ",".join(values.values()) + "\n"


def year_of(cast):
    return cast.school.academic_years.get(name="2026/27")


def test_a_good_file_creates_every_pupil(cast):
    data = HEADER + row(501) + row(502, first="Grace", group="Rowan", year="5", dob="16/07/2016")
    result = import_pupils(cast.school, data, year_of(cast))
    assert result.ok, result.errors
    assert result.created == 2
    grace = Pupil.objects.get(upn=upn_for(502))
    assert grace.registration_group == cast.rowan
    assert grace.date_of_birth.isoformat() == "2016-07-16"


def test_a_bad_row_rejects_the_whole_file_and_names_every_bad_row(cast):
    before = Pupil.objects.count()
    bad_upn = "A" + upn_for(503)[1:] if upn_for(503)[0] != "A" else "B" + upn_for(503)[1:]
    data = (
        HEADER
        + row(501)
        + row(502, upn=bad_upn)
        + row(504, group="Narnia")
        + row(505, dob="31/02/2018")
        + row(501, first="Again")
    )
    result = import_pupils(cast.school, data, year_of(cast))
    assert not result.ok
    lines = result.error_lines()
    assert lines[0].startswith("Row 3: UPN") and "check letter" in lines[0]
    assert lines[1] == "Row 4: registration_group 'Narnia' does not exist this year"
    assert lines[2].startswith("Row 5: date_of_birth '31/02/2018' is not a date")
    assert lines[3] == f"Row 6: UPN {upn_for(501)} is a duplicate of row 2"
    assert Pupil.objects.count() == before


def test_a_utf8_bom_and_spreadsheet_line_endings_are_accepted(cast):
    data = ("\ufeff" + HEADER + row(510, first="Zoë")).replace("\n", "\r\n").encode("utf-8")
    result = import_pupils(cast.school, data, year_of(cast))
    assert result.ok, result.errors
    assert Pupil.objects.get(upn=upn_for(510)).legal_first_name == "Zoë"


def test_a_missing_column_is_reported_before_any_row(cast):
    result = import_pupils(cast.school, "upn,legal_first_name\n", year_of(cast))
    assert result.error_lines()[0].startswith("Row 1: missing column(s): legal_surname")


def test_a_file_that_is_not_utf8_is_rejected_clearly(cast):
    data = (HEADER + row(511, first="Zoë")).encode("latin-1")
    result = import_pupils(cast.school, data, year_of(cast))
    assert "not UTF-8" in result.error_lines()[0]


def test_an_existing_upn_is_updated_not_duplicated(cast):
    data = HEADER + row(0, upn=cast.poppy.upn, first="Poppy", group="Rowan", year="5")
    result = import_pupils(cast.school, data, year_of(cast))
    assert (result.created, result.updated) == (0, 1)
    cast.poppy.refresh_from_db()
    assert cast.poppy.registration_group == cast.rowan


def test_a_flag_that_is_not_yes_or_no_is_an_error(cast):
    result = import_pupils(cast.school, HEADER + row(520, free_school_meals="maybe"), year_of(cast))
    assert result.error_lines() == ["Row 2: free_school_meals 'maybe' must be Y or N"]


CONTACTS = (
    "contact_id,pupil_upn,first_name,last_name,relationship,priority,mobile_phone,email,"
    "preferred_contact_method\n"
)


def test_siblings_share_one_contact(cast):
    data = (
        CONTACTS
        + f"M1,{cast.poppy.upn},Jo,Fairweather,Mother,1,07700 900001,jo@example.org,sms\n"
        + f"M1,{cast.sam.upn},Jo,Fairweather,mum,2,07700 900001,jo@example.org,sms\n"
    )
    result = import_contacts(cast.school, data)
    assert result.ok, result.errors
    jo = Contact.objects.get(external_id="M1")
    assert set(jo.pupils.all()) == {cast.poppy, cast.sam}
    assert PupilContact.objects.get(contact=jo, pupil=cast.sam).priority == 2


def test_a_bad_contact_row_changes_nothing(cast):
    data = (
        CONTACTS
        + f"M1,{cast.poppy.upn},Jo,Fairweather,mother,1,07700 900001,jo@example.org,sms\n"
        + f"M2,{upn_for(999)},Kim,Nobody,father,1,,,phone\n"
        + f"M3,{cast.sam.upn},Lee,Okafor,father,1,,not-an-email,email\n"
    )
    result = import_contacts(cast.school, data)
    assert result.error_lines() == [
        f"Row 3: pupil_upn {upn_for(999)} is not a pupil of this school",
        "Row 4: email 'not-an-email' is not an email address",
    ]
    assert not Contact.objects.exists()


def test_the_command_prints_every_bad_row_and_fails(cast, tmp_path, capsys):
    path = tmp_path / "pupils.csv"
    path.write_text(HEADER + row(530, group="Narnia") + row(531, sex="Q"), encoding="utf-8")
    with pytest.raises(CommandError, match="nothing has changed"):
        call_command("import_pupils", str(path))
    err = capsys.readouterr().err
    assert "Row 2: registration_group 'Narnia'" in err
    assert "Row 3: sex 'Q' is not one of: F, M" in err
    assert not Pupil.objects.filter(upn__in=[upn_for(530), upn_for(531)]).exists()


def test_the_command_imports_a_good_file(cast, tmp_path, capsys):
    path = tmp_path / "pupils.csv"
    path.write_text(HEADER + row(540), encoding="utf-8")
    call_command("import_pupils", str(path))
    assert "1 created" in capsys.readouterr().out
    assert Pupil.objects.filter(upn=upn_for(540)).exists()


def test_an_overlong_name_is_a_row_error_not_a_crash(cast):
    result = import_pupils(cast.school, HEADER + row(550, first="A" * 101), year_of(cast))
    assert result.error_lines() == ["Row 2: legal_first_name is longer than 100 characters"]


def test_exported_cells_cannot_run_as_spreadsheet_formulas(cast):
    import io

    from attendance.imports import export_pupils

    cast.poppy.legal_first_name = '=HYPERLINK("http://evil")'
    out = io.StringIO()
    export_pupils([cast.poppy], out)
    assert "'=HYPERLINK" in out.getvalue()
