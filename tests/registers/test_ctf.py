"""The Common Transfer File: a leaver's CTF read back by Rollcall's own import
gives the same pupil, contacts and attendance; a bad pupil imports nothing;
a file with a DTD is refused before it is parsed."""

import datetime as dt
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from attendance import codes
from attendance.models import Contact, Pupil
from attendance.roles import Role
from registers import ctf, ctf_services, statistics
from registers.models import Mark, MarkChange
from tests import factories

pytestmark = pytest.mark.django_db
D = dt.date
NOW = dt.datetime(2026, 10, 1, 9, 30, tzinfo=dt.UTC)
SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "ctf-sample.xml"
WEEK = [D(2026, 9, 7) + dt.timedelta(days=n) for n in range(5)]  # Monday to Friday
CODES = ["/", "\\", "L", "\\", "I", "I", "C1", "\\", "O", "G"]


class _RolledBack(Exception):
    pass


def _sending_school():
    return factories.SchoolFactory(
        name="Elm Tree Primary", la_code="919", establishment_number="2345"
    )


def _receiving_school():
    return factories.SchoolFactory(
        name="Heartwood Primary", la_code="823", establishment_number="1234"
    )


def _leaver(school):
    pupil = factories.PupilFactory(
        school=school,
        upn=factories.upn_for(7),
        legal_first_name="Poppy",
        legal_middle_names="Rose",
        legal_surname="Fairweather",
        preferred_first_name="Pop",
        sex="F",
        year_group="3",
        date_of_birth=D(2019, 3, 4),
        leaving_date=D(2026, 9, 30),
    )
    mum = factories.ContactFactory(
        school=school,
        title="Mrs",
        first_name="Jane",
        last_name="Fairweather",
        mobile_phone="07700 900111",
        home_phone="01603 000111",
        email="jane@example.org",
        address="1 Elm Road\nNorwich",
        postcode="NR1 1AA",
    )
    dad = factories.ContactFactory(school=school, first_name="Tom", last_name="Fairweather")
    factories.PupilContactFactory(pupil=pupil, contact=mum, relationship="mother", priority=1)
    factories.PupilContactFactory(
        pupil=pupil, contact=dad, relationship="father", priority=2, parent_ground="neither"
    )
    sessions = [(day, s) for day in WEEK for s in ("AM", "PM")]
    factories.bulk_create_marks(
        [
            Mark(pupil=pupil, date=day, session=s, code=code, entered_at=NOW)
            for (day, s), code in zip(sessions, CODES, strict=True)
        ]
    )
    return pupil


def _figures_by_code(marks) -> statistics.Figures:
    """The DfE figures of marks by their code, wherever they were recorded."""
    codes_ = [m.code for m in marks]
    return statistics.Figures(
        possible=sum(c in statistics.POSSIBLE for c in codes_),
        attending=sum(c in statistics.ATTENDING for c in codes_),
        authorised=sum(c in statistics.AUTHORISED for c in codes_),
        unauthorised=sum(c in statistics.UNAUTHORISED for c in codes_),
        late=codes_.count(codes.LATE),
        late_after_close=codes_.count(codes.LATE_AFTER_CLOSE),
        unexplained=codes_.count(codes.NO_REASON_YET),
    )


def _export_from_a_school_that_then_vanishes():
    """A leaver's CTF from another school, whose records are then rolled back
    (UPNs are unique across Rollcall, so the joiner must arrive in an empty
    database as from a school on another system)."""
    out = {}
    with pytest.raises(_RolledBack), transaction.atomic():
        school = _sending_school()
        pupil = _leaver(school)
        out["figures"] = statistics.figures_for_pupil(pupil.id, D(2026, 8, 1), D(2027, 7, 31))
        out["contacts"] = [
            (link.contact.name, link.relationship, link.parent_ground, link.priority)
            for link in pupil.contact_links.order_by("priority")
        ]
        out["marks"] = list(Mark.objects.filter(pupil=pupil).values_list("date", "session", "code"))
        dest = ctf.CTFSchool(la="823", estab="1234")
        out["ctf"] = ctf_services.leavers_ctf(school, [pupil], dest, NOW)
        out["bytes"] = ctf.build_ctf(out["ctf"])
        raise _RolledBack
    return out


def test_the_file_reads_back_identically():
    sent = _export_from_a_school_that_then_vanishes()
    assert ctf.parse_ctf(sent["bytes"]) == sent["ctf"]
    year = sent["ctf"].pupils[0].attendance[0]
    f = sent["figures"]
    assert (year.possible, year.attended, year.authorised, year.unauthorised) == (
        f.possible,
        f.attending,
        f.authorised,
        f.unauthorised,
    )
    assert b"<SessionsPossible>10</SessionsPossible>" in sent["bytes"]


def test_round_trip_into_an_empty_school_gives_the_same_pupil_contacts_and_figures():
    sent = _export_from_a_school_that_then_vanishes()
    school = _receiving_school()
    olive = factories.make_user("olive", Role.OFFICE, school, first_name="Olive")

    result = ctf_services.import_ctf(
        school, ctf.parse_ctf(sent["bytes"]), D(2026, 10, 5), olive, NOW
    )

    assert result.ok, result.errors
    pupil = Pupil.objects.get(school=school)
    assert (pupil.upn, pupil.legal_name, pupil.first_name, pupil.date_of_birth) == (
        factories.upn_for(7),
        "Poppy Rose Fairweather",
        "Pop",
        D(2019, 3, 4),
    )
    assert (pupil.sex, pupil.year_group, pupil.admission_date) == ("F", "3", D(2026, 10, 5))
    contacts = [
        (link.contact.name, link.relationship, link.parent_ground, link.priority)
        for link in pupil.contact_links.order_by("priority")
    ]
    assert contacts == sent["contacts"]
    mum = Contact.objects.get(school=school, first_name="Jane")
    assert (mum.mobile_phone, mum.home_phone, mum.email, mum.address, mum.postcode) == (
        "07700 900111",
        "01603 000111",
        "jane@example.org",
        "1 Elm Road\nNorwich",
        "NR1 1AA",
    )
    marks = Mark.objects.filter(pupil=pupil)
    assert sorted(marks.values_list("date", "session", "code")) == sorted(sent["marks"])
    assert set(marks.values_list("recorded_at_school", "source")) == {
        ("9192345 Elm Tree Primary", "import")
    }
    assert _figures_by_code(marks) == sent["figures"]
    # ...and, recorded at another school, in none of this school's figures.
    assert statistics.figures_for_pupil(pupil.id, D(2026, 8, 1), D(2027, 7, 31)) == (
        statistics.Figures()
    )
    history = MarkChange.objects.filter(mark__pupil=pupil)
    assert history.count() == 10
    assert set(history.values_list("changed_by_name", "source")) == {("Olive", "import")}


def _two_pupils(bad_sex: str = "F") -> bytes:
    source = ctf.CTFSchool(la="919", estab="2345", name="Elm Tree Primary")
    year = ctf.CTFYear(
        year=2026,
        school=source,
        possible=2,
        authorised=0,
        attended=2,
        unauthorised=0,
        marks=((WEEK[0], "AM", "/"), (WEEK[0], "PM", "\\")),
    )
    pupils = [
        ctf.CTFPupil(
            upn=factories.upn_for(n),
            surname="Okafor",
            forename=f"Child{n}",
            dob=D(2018, 1, n),
            sex="M" if n == 1 else bad_sex,
            nc_year="4",
            attendance=(year,),
        )
        for n in (1, 2)
    ]
    return ctf.build_ctf(
        ctf.CTFFile(
            source=source,
            dest=ctf.CTFSchool(la="823", estab="1234"),
            created=dt.datetime(2026, 10, 1, 9, 0),
            academic_year=2026,
            pupils=tuple(pupils),
        )
    )


def test_one_bad_pupil_imports_nothing():
    school = _receiving_school()
    olive = factories.make_user("olive", Role.OFFICE, school)

    result = ctf_services.import_ctf(
        school, ctf.parse_ctf(_two_pupils(bad_sex="X")), D(2026, 10, 5), olive, NOW
    )

    assert not result.ok
    assert any("Sex 'X'" in e for e in result.errors)
    assert not Pupil.objects.filter(school=school).exists()
    assert not Mark.objects.exists()


def test_a_pupil_at_another_school_refuses_the_file():
    other = factories.PupilFactory(upn=factories.upn_for(2))
    school = _receiving_school()
    preview = ctf_services.preview_ctf(school, ctf.parse_ctf(_two_pupils()))
    assert not preview.ok
    assert preview.errors == [
        f"{other.upn} Child2 Okafor: the UPN belongs to a pupil at another school"
    ]


def test_the_preview_lists_creates_and_updates():
    school = _receiving_school()
    olive = factories.make_user("olive", Role.OFFICE, school)
    factories.PupilFactory(school=school, upn=factories.upn_for(1), legal_first_name="Old")

    preview = ctf_services.preview_ctf(school, ctf.parse_ctf(_two_pupils()))

    assert preview.ok
    assert [(p.upn, p.action, p.marks_created) for p in preview.pupils] == [
        (factories.upn_for(1), "update", 2),
        (factories.upn_for(2), "create", 2),
    ]
    assert (preview.created, preview.updated) == (1, 1)
    assert not Mark.objects.exists()  # a preview writes nothing

    ctf_services.import_ctf(school, ctf.parse_ctf(_two_pupils()), D(2026, 10, 5), olive, NOW)
    again = ctf_services.preview_ctf(school, ctf.parse_ctf(_two_pupils()))
    assert [(p.action, p.marks_created, p.marks_unchanged) for p in again.pupils] == [
        ("update", 0, 2),
        ("update", 0, 2),
    ]
    assert Pupil.objects.get(upn=factories.upn_for(1)).legal_first_name == "Child1"


HOSTILE = b"""<?xml version="1.0"?>
<!DOCTYPE CTfile [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<CTfile><Header><DocumentName>&b;</DocumentName></Header></CTfile>"""

EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE CTfile [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<CTfile><Header><DocumentName>&x;</DocumentName></Header></CTfile>"""


@pytest.mark.parametrize("data", [HOSTILE, EXTERNAL], ids=["entity expansion", "external entity"])
def test_a_file_with_a_dtd_or_entities_is_refused(data):
    with pytest.raises(ctf.CTFError, match="DTD or entities"):
        ctf.parse_ctf(data)


def test_a_file_that_is_not_a_ctf_is_refused():
    with pytest.raises(ctf.CTFError, match="not CTfile"):
        ctf.parse_ctf(b"<html></html>")
    with pytest.raises(ctf.CTFError, match="not well-formed"):
        ctf.parse_ctf(b"<CTfile>")


def test_marks_on_a_weekend_refuse_the_file():
    """A file counting weekdays only would put marks on Saturdays here."""
    source = ctf.CTFSchool(la="919", estab="2345", name="Elm")
    year = ctf.CTFYear(2026, source, 1, 0, 1, 0, marks=((D(2026, 9, 12), "AM", "/"),))
    pupil = ctf.CTFPupil(factories.upn_for(3), "A", "B", D(2018, 1, 1), "F", attendance=(year,))
    file = ctf.CTFFile(
        source, ctf.CTFSchool("823", "1234"), dt.datetime(2026, 10, 1), 2026, (pupil,)
    )
    preview = ctf_services.preview_ctf(_receiving_school(), ctf.parse_ctf(ctf.build_ctf(file)))
    assert any("Saturday 12 September 2026" in e for e in preview.errors)


def test_the_file_name_follows_the_dfe_convention():
    source = ctf.CTFSchool(la="919", estab="2345")
    assert ctf.file_name(source, ctf.CTFSchool(la="823", estab="1234")) == (
        "9192345_CTF_8231234_001.xml"
    )
    assert ctf.file_name(source, None, 12) == "9192345_CTF_XXXXXXX_012.xml"


def test_two_character_codes_and_gaps_survive_the_marks_string():
    marks = [(D(2026, 9, 7), "AM", "C1"), (D(2026, 9, 7), "PM", "/"), (D(2026, 9, 9), "PM", "Y1")]
    start, text = ctf.marks_string(marks)
    assert (start, text) == (D(2026, 9, 7), "C1/---Y1")
    assert ctf.read_marks(start, text) == marks


def test_days_the_school_was_not_in_session_are_hashes_in_the_marks_string():
    # Friday, then the weekend, then a Monday INSET day, then Tuesday.
    marks = [(D(2026, 10, 2), "AM", "/"), (D(2026, 10, 6), "PM", "\\")]
    school_days = {D(2026, 10, 2), D(2026, 10, 6)}
    start, text = ctf.marks_string(marks, school_days)
    assert (start, text) == (D(2026, 10, 2), "/-" + "##" * 3 + "-\\")
    # Without the calendar, only the weekend is known to be closed.
    assert ctf.marks_string(marks)[1] == "/-####---\\"
    assert ctf.read_marks(start, text) == marks


def test_an_older_file_that_calls_sex_gender_is_read():
    data = SAMPLE.read_bytes().replace(b"<Sex>M</Sex>", b"<Gender>M</Gender>")
    assert ctf.parse_ctf(data).pupils[0].sex == "M"
    with pytest.raises(ctf.CTFError, match="Sex is missing"):
        ctf.parse_ctf(SAMPLE.read_bytes().replace(b"<Sex>M</Sex>", b""))


def test_the_sample_file_previews_cleanly():
    parsed = ctf.parse_ctf(SAMPLE.read_bytes())
    preview = ctf_services.preview_ctf(_receiving_school(), parsed)
    assert preview.ok, preview.errors
    assert parsed.pupils[0].attendance[0].possible > 0


# Pages --------------------------------------------------------------------


def test_the_office_previews_then_confirms(client, cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(cast.olive)
    upload = SimpleUploadedFile("9192345_CTF_8231234_001.xml", _two_pupils())
    page = client.post(
        "/setup/ctf/", {"action": "preview", "file": upload, "admission_date": "2026-10-05"}
    )
    assert page.status_code == 200
    assert b"Child1 Okafor" in page.content and b"created" in page.content
    assert not Pupil.objects.filter(upn=factories.upn_for(1)).exists()

    done = client.post("/setup/ctf/", {"action": "confirm"})
    assert done.status_code == 302
    joiner = Pupil.objects.get(upn=factories.upn_for(1))
    assert (joiner.school, joiner.admission_date) == (cast.school, D(2026, 10, 5))


def test_a_bad_file_shows_why_and_changes_nothing(client, cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(cast.olive)
    upload = SimpleUploadedFile("bad.xml", HOSTILE)
    page = client.post(
        "/setup/ctf/", {"action": "preview", "file": upload, "admission_date": "2026-10-05"}
    )
    assert page.status_code == 400
    assert b"DTD or entities" in page.content


@pytest.mark.parametrize("persona", ["alice", "arthur", "helen", "gwen"])
def test_only_who_imports_pupils_reaches_the_import(client, cast, persona):
    client.force_login(getattr(cast, persona))
    assert client.get("/setup/ctf/").status_code == 403


def test_the_office_downloads_a_leavers_ctf_named_by_the_convention(client, cast):
    school = cast.school
    school.la_code, school.establishment_number = "823", "1234"
    school.save()
    Pupil.objects.filter(pk=cast.poppy.pk).update(leaving_date=D(2026, 10, 16))
    client.force_login(cast.olive)

    response = client.get(f"/pupils/{cast.poppy.id}/ctf.xml?dest_la=919&dest_estab=2345")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="8231234_CTF_9192345_001.xml"'
    assert ctf.parse_ctf(response.content).pupils[0].upn == cast.poppy.upn
    page = client.get(f"/pupils/{cast.poppy.id}/")
    assert b"Download leaver&#x27;s CTF" in page.content or b"Download leaver's CTF" in page.content


def test_a_pupil_who_is_not_leaving_has_no_ctf(client, cast):
    client.force_login(cast.olive)
    response = client.get(f"/pupils/{cast.poppy.id}/ctf.xml", follow=True)
    assert response.redirect_chain == [(f"/pupils/{cast.poppy.id}/", 302)]
    assert b"set the leaving date first" in response.content


def test_a_confirm_without_a_preview_imports_nothing(client, cast):
    client.force_login(cast.olive)
    response = client.post("/setup/ctf/", {"action": "confirm"}, follow=True)
    assert b"the preview has expired" in response.content
    assert list(Pupil.objects.filter(school=cast.school)) == [cast.poppy, cast.sam]


@pytest.mark.parametrize("persona", ["alice", "arthur", "helen", "gwen"])
def test_only_who_imports_pupils_downloads_a_ctf(client, cast, persona):
    Pupil.objects.filter(pk=cast.poppy.pk).update(leaving_date=D(2026, 10, 16))
    client.force_login(getattr(cast, persona))
    assert client.get(f"/pupils/{cast.poppy.id}/ctf.xml").status_code == 403


def test_leavers_ctf_dates_the_file_now():
    now = timezone.now()
    school = _sending_school()
    built = ctf_services.leavers_ctf(school, [], ctf.CTFSchool("823", "1234"), now)
    assert built.created == now.replace(microsecond=0, tzinfo=None)
    assert built.academic_year == ctf_services.academic_year_of(now.date())
