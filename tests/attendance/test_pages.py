"""Every page requires a login and checks the user's role and scope."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_page_redirects_an_anonymous_visitor_to_sign_in(client, cast):
    for url in [
        reverse("attendance:home"),
        reverse("attendance:my_classes"),
        reverse("attendance:pupil_list"),
        reverse("attendance:pupil_detail", args=[cast.poppy.id]),
        reverse("attendance:group_detail", args=[cast.hawthorn.id]),
        reverse("attendance:setup"),
        reverse("attendance:export_pupils"),
        reverse("reporting:governors"),
        "/admin/",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "login" in response["Location"], url


@pytest.mark.parametrize(
    ("role", "lands_on"),
    [
        ("teacher", "registers:my_registers"),
        ("office", "registers:late_book"),
        ("attendance officer", "penalties:officer_list"),
        ("head", "absences:authorisation_queue"),
        ("governor", "reporting:governors"),
        ("admin", "attendance:setup"),
    ],
)
def test_each_role_lands_on_its_own_page(client, cast, role, lands_on):
    client.force_login(cast.by_role()[role])
    response = client.get(reverse("attendance:home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse(lands_on)
    assert response.status_code == 200


def test_a_user_without_a_role_is_told_so(client, cast):
    client.force_login(cast.nobody)
    response = client.get(reverse("attendance:home"))
    assert response.status_code == 403
    assert b"no role" in response.content


def test_a_teacher_sees_only_their_own_classes(client, cast):
    client.force_login(cast.alice)
    response = client.get(reverse("attendance:my_classes"))
    assert b"Hawthorn" in response.content
    assert b"Rowan" not in response.content


def test_a_teacher_sees_their_pupil_but_the_other_teacher_gets_404(client, cast):
    client.force_login(cast.alice)
    assert client.get(reverse("attendance:pupil_detail", args=[cast.poppy.id])).status_code == 200
    assert client.get(reverse("attendance:pupil_detail", args=[cast.sam.id])).status_code == 404
    assert client.get(reverse("attendance:group_detail", args=[cast.rowan.id])).status_code == 404
    client.force_login(cast.bob)
    assert client.get(reverse("attendance:pupil_detail", args=[cast.poppy.id])).status_code == 404


def test_a_teacher_cannot_list_or_export_the_school(client, cast):
    client.force_login(cast.alice)
    assert client.get(reverse("attendance:pupil_list")).status_code == 403
    assert client.get(reverse("attendance:export_pupils")).status_code == 403
    assert client.get(reverse("attendance:setup")).status_code == 403


def test_a_governor_sees_no_pupil_anywhere(client, cast):
    client.force_login(cast.gwen)
    for url in [
        reverse("attendance:pupil_list"),
        reverse("attendance:pupil_detail", args=[cast.poppy.id]),
        reverse("attendance:group_detail", args=[cast.hawthorn.id]),
        reverse("attendance:my_classes"),
        reverse("attendance:export_pupils"),
    ]:
        assert client.get(url).status_code in (403, 404), url
    page = client.get(reverse("reporting:governors")).content.decode()
    assert "Poppy" not in page and "Okafor" not in page


def test_the_governors_page_hides_groups_of_fewer_than_five(client, cast):
    cast.poppy.free_school_meals = True
    cast.poppy.save()
    client.force_login(cast.gwen)
    page = client.get(reverse("reporting:governors")).content.decode()
    assert "Pupils on roll" in page
    assert "fewer than 5" in page


def test_office_staff_find_a_pupil_by_preferred_name(client, cast):
    client.force_login(cast.olive)
    page = client.get(reverse("attendance:pupil_list"), {"q": "sam"}).content.decode()
    assert "Okafor, Sam" in page
    assert "Fairweather" not in page


def test_the_pupil_page_shows_contacts_in_priority_order(client, cast):
    from tests.factories import ContactFactory, PupilContactFactory

    dad = ContactFactory(school=cast.school, first_name="Dev", last_name="Fairweather")
    mum = ContactFactory(school=cast.school, first_name="Mia", last_name="Fairweather")
    PupilContactFactory(pupil=cast.poppy, contact=dad, relationship="father", priority=2)
    PupilContactFactory(pupil=cast.poppy, contact=mum, relationship="mother", priority=1)
    client.force_login(cast.olive)
    page = client.get(reverse("attendance:pupil_detail", args=[cast.poppy.id])).content.decode()
    assert page.index("Mia Fairweather") < page.index("Dev Fairweather")


def test_the_setup_page_rejects_a_bad_file_and_lists_the_rows(client, cast):
    client.force_login(cast.adam)
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = b"upn,legal_first_name,legal_surname,date_of_birth,sex,year_group,admission_date\n"
    data += b"B000000000000,Ada,Lovelace,2018-01-01,F,3,2022-09-01\n"
    response = client.post(
        reverse("attendance:setup"),
        {"kind": "pupils", "file": SimpleUploadedFile("pupils.csv", data, "text/csv")},
    )
    assert response.status_code == 400
    assert "Nothing has changed" in response.content.decode()
    assert "Row 2: UPN" in response.content.decode()


def test_the_setup_page_imports_a_good_file(client, cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import upn_for

    client.force_login(cast.adam)
    data = "upn,legal_first_name,legal_surname,date_of_birth,sex,year_group,admission_date\n"
    data += f"{upn_for(700)},Ada,Lovelace,2018-01-01,F,3,2022-09-01\n"
    response = client.post(
        reverse("attendance:setup"),
        {"kind": "pupils", "file": SimpleUploadedFile("p.csv", data.encode(), "text/csv")},
        follow=True,
    )
    assert "1 created" in response.content.decode()


def test_the_export_can_be_imported_again(client, cast):
    from attendance.imports import import_pupils

    client.force_login(cast.adam)
    response = client.get(reverse("attendance:export_pupils"))
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content if response.streaming else [response.content])
    text = body.decode("utf-8-sig")
    assert cast.poppy.upn in text and cast.sam.upn in text
    year = cast.school.academic_years.get(name="2026/27")
    result = import_pupils(cast.school, text, year)
    assert (result.ok, result.updated) == (True, 2), result.errors
