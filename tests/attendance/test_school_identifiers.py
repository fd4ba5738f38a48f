"""The school's LA code and establishment number: validated, on letters, in file names."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from pypdf import PdfReader

from attendance.pdfs import letter_head, render_pdf

pytestmark = pytest.mark.django_db


def numbered(school, la="919", number="2345"):
    school.la_code, school.establishment_number = la, number
    school.save()
    return school


def head(school) -> dict:
    return letter_head(
        school, "Ms J Lewis", "1 Oak Lane", dt.date(2026, 12, 3), "S Okonkwo", "Head"
    )


def test_the_dfe_number_is_the_la_code_and_establishment_number(school):
    assert school.dfe_number == ""
    assert numbered(school).dfe_number == "9192345"


@pytest.mark.parametrize(("la", "number"), [("91", "2345"), ("919", "234"), ("9a9", "2345")])
def test_the_parts_must_be_3_and_4_digits(school, la, number):
    school.la_code, school.establishment_number = la, number
    with pytest.raises(ValidationError):
        school.full_clean()


def test_the_letter_head_carries_the_dfe_number(school):
    pdf = render_pdf("letters/base.html", head(numbered(school)))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "DfE number 919 2345" in text


def test_a_letter_without_the_numbers_has_no_dfe_line(school):
    assert head(school)["school_dfe_number"] == ""
    assert "DfE number" not in render_to_string("letters/base.html", head(school))


def test_the_pupils_export_is_named_for_the_school_once_numbered(client, cast):
    client.force_login(cast.adam)
    name = client.get(reverse("attendance:export_pupils"))["Content-Disposition"]
    assert name.startswith('attachment; filename="pupils-2')
    numbered(cast.school)
    name = client.get(reverse("attendance:export_pupils"))["Content-Disposition"]
    assert name.startswith('attachment; filename="pupils-9192345-2')


def test_the_marks_export_is_named_for_the_school_once_numbered(client, cast):
    numbered(cast.school)
    client.force_login(cast.helen)
    response = client.get(
        reverse("reporting:marks_export"), {"start": "2026-11-02", "end": "2026-11-13"}
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="marks-9192345-2026-11-02-to-2026-11-13.csv"'
    )


def test_the_school_admin_shows_both_parts(client, cast):
    cast.adam.is_superuser = True
    cast.adam.save()
    client.force_login(cast.adam)
    page = client.get(reverse("admin:attendance_school_change", args=[cast.school.pk]))
    assert page.status_code == 200
    assert b'name="la_code"' in page.content
    assert b'name="establishment_number"' in page.content


def test_the_demo_school_is_numbered(settings, tmp_path):
    from django.utils import timezone

    from attendance.demo import seed_demo

    settings.MEDIA_ROOT = tmp_path
    school, _ = seed_demo(history=False, now=timezone.now(), password="pw-for-tests-only")
    assert school.dfe_number == "9192345"
