"""No letter, pack, certificate or report can carry a server file or fetch a URL.

A pupil's preferred name arrives in a CSV import and a school words its own
letters: either could hold HTML. Every PDF is made with hostile names and
hostile wording here, and must show them as text, embed nothing, and ask
WeasyPrint's fetcher for nothing.
"""

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from absences import letters as absence_letters
from absences import services as absence_services
from attendance import pdfs
from penalties import letters
from penalties.models import LetterTemplate
from penalties.services import check_thresholds
from tests import factories
from tests.factories import ContactFactory, PupilContactFactory
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db

ATTACH = "<link rel=attachment href=pyproject.toml>"
IMAGE = "<img src=file:///etc/passwd>"
IMPORT = "<style>@import url(file:///etc/passwd);</style>"
SCRIPT = "<script>alert(1)</script>"
CLASS = "<link rel=stylesheet href=file:///etc/hostname>"


@pytest.fixture
def hostile(cast, settings, tmp_path):
    """Hostile text in every field a letter shows; a recorder on WeasyPrint's fetcher."""
    settings.MEDIA_ROOT = tmp_path
    school = cast.school
    school.name = f"Heartwood {IMPORT}"
    school.address = f"1 Lane {SCRIPT}"
    school.headteacher = f"Ms Head {IMAGE}"
    school.save()
    cast.poppy.preferred_first_name = ATTACH
    cast.poppy.preferred_surname = IMAGE
    cast.poppy.save()
    cast.hawthorn.name = CLASS
    cast.hawthorn.save()
    parent = ContactFactory(
        school=school, first_name=SCRIPT, last_name=ATTACH, address=f"{IMAGE}\n{IMPORT}"
    )
    PupilContactFactory(pupil=cast.poppy, contact=parent)
    for kind in LetterTemplate.Kind.values:
        template = letters.template_for(school, kind)
        template.subject = f"{{{{ pupil_first_name }}}} {SCRIPT}"
        template.body = (
            f"{IMAGE} {{{{ pupil_name }}}} in {{{{ class_name }}}}.\n\n{ATTACH} {IMPORT}"
            "\n\n{% debug %} {{ settings.SECRET_KEY }}"
        )
        LetterTemplate.objects.filter(pk=template.pk).update(
            subject=template.subject, body=template.body
        )
    return parent


@pytest.fixture
def fetched(monkeypatch):
    asked = []
    real = pdfs.url_fetcher

    def recorder(url, *args, **kwargs):
        asked.append(url)
        return real(url, *args, **kwargs)

    monkeypatch.setattr(pdfs, "url_fetcher", recorder)
    return asked


def assert_inert(pdf: bytes, *shown: str) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.attachments == {}, "the PDF carries an embedded file"
    assert "/EmbeddedFiles" not in str(reader.trailer["/Root"].get("/Names", {}))
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for name, xobject in (resources.get("/XObject") or {}).items():
            # Charts are vector forms; a fetched picture would be an /Image.
            assert xobject.get_object().get("/Subtype") != "/Image", f"an image {name}"
    text = " ".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    for value in shown:
        assert value in flat, f"{value!r} is not shown as text"
    assert "dev-only-insecure-key" not in flat  # the real secret never reaches a letter
    return flat


def test_school_letters_show_hostile_names_and_wording_as_text(cast, hostile, fetched):
    for kind in LetterTemplate.Kind.values:
        pdf = letters.school_letter(
            cast.poppy,
            kind,
            dt.date(2026, 11, 26),
            dt.date(2026, 9, 1),
            meeting_date=dt.date(2026, 12, 1),
            targets=SCRIPT,
            review_on=dt.date(2026, 12, 10),
            improvement_ends=dt.date(2027, 1, 20),
            support_offered=ATTACH,
            improvement_expected=IMAGE,
        )
        flat = assert_inert(pdf, ATTACH, IMAGE, SCRIPT, IMPORT)
        assert "{% debug %}" in flat  # the school's wording is text, never a template
    assert fetched == []


def test_the_la_referral_pack_embeds_nothing(cast, hostile, fetched):
    from tests.penalties.conftest import mondays

    week = mondays(dt.date(2026, 11, 2), 1)[0]
    from registers.models import Mark

    factories.bulk_create_marks(
        Mark(
            pupil=cast.poppy,
            date=week + dt.timedelta(days=i),
            session=s,
            code="G",
            entered_at=london(9),
            source="office",
        )
        for i in range(5)
        for s in ("AM", "PM")
    )
    case = check_thresholds(cast.school, week + dt.timedelta(days=4)).opened[0]
    pdf = letters.referral_pack(case, dt.date(2026, 11, 26), dt.date(2026, 9, 1))
    assert_inert(pdf, IMPORT, CLASS, SCRIPT)
    assert fetched == []


def test_leave_and_unexplained_absence_letters_embed_nothing(cast, hostile, fetched):
    request = absence_services.submit_leave_request(
        cast.poppy,
        now=london(10, day=dt.date(2026, 10, 1)),
        via="online",
        contact=hostile,
        parent_names=f"{SCRIPT} {ATTACH}",
        relationship="Mother",
        phone="",
        email="",
        address=IMAGE,
        siblings="",
        first_day=dt.date(2026, 12, 7),
        last_day=dt.date(2026, 12, 8),
        expected_return=dt.date(2026, 12, 9),
        reason=f"Wedding {IMPORT}",
        evidence_note="",
        declaration=True,
    )
    absence_services.decide_leave_request(
        request,
        granted_dates=[dt.date(2026, 12, 7)],
        by=cast.helen,
        now=london(10, day=dt.date(2026, 10, 5)),
        reason=f"Exceptional {SCRIPT}",
    )
    request.refresh_from_db()
    pdf = pdfs.render_pdf(
        "letters/leave_decision.html", absence_letters.leave_decision_context(request)
    )
    assert_inert(pdf, ATTACH, IMAGE)
    context = absence_letters.unexplained_absence_context(
        cast.poppy, dt.date(2026, 11, 23), 3, dt.date(2026, 11, 26)
    )
    assert_inert(pdfs.render_pdf("letters/unexplained_absence.html", context), ATTACH, IMAGE)
    assert fetched == []


def test_certificates_and_governors_reports_embed_nothing(client, cast, hostile, fetched):
    from attendance.school_calendar import SchoolCalendar
    from registers.models import Mark

    # Poppy has been in every session of the term so far: her certificate is made.
    sessions = SchoolCalendar(cast.school).sessions(dt.date(2026, 9, 1), dt.date(2026, 11, 26))
    factories.bulk_create_marks(
        Mark(
            pupil=cast.poppy,
            date=s.date,
            session=s.session,
            code="/" if s.session == "AM" else "\\",
            entered_at=london(9),
        )
        for s in sessions
    )
    with time_machine.travel(london(12, day=dt.date(2026, 11, 27)), tick=False):
        client.force_login(cast.helen)
        certificates = client.get(reverse("reporting:certificates", args=["full"]))
        assert certificates.status_code == 200
        assert_inert(certificates.content, ATTACH, IMAGE)
        report = client.get(reverse("reporting:governors_pdf", args=["2026-27-autumn"]))
        assert report.status_code == 200
        assert_inert(report.content)
    assert fetched == []


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file:///work/main/pyproject.toml",
        "https://rollcall.invalid/pyproject.toml",
        "https://rollcall.invalid/.env",
        "https://rollcall.invalid/static/../pyproject.toml",
        "https://rollcall.invalid/static/%2e%2e/pyproject.toml",
        "https://rollcall.invalid/static//etc/passwd",
        "https://example.org/static/css/rollcall.css",
        "http://169.254.169.254/latest/meta-data/",
        "data:text/plain,hello",
    ],
)
def test_the_fetcher_refuses_anything_but_rollcalls_static_files(url):
    with pytest.raises(pdfs.RefusedFetch):
        pdfs.url_fetcher(url)


def test_the_fetcher_serves_rollcalls_own_static_files():
    found = pdfs.url_fetcher("https://rollcall.invalid/static/css/rollcall.css")
    assert found["mime_type"] == "text/css" and b"--brand" in found["string"]


def test_the_wording_form_refuses_tags_filters_and_unknown_placeholders(client, cast):
    from penalties.forms import LetterTemplateForm

    for body, message in [
        ("{% debug %}", "not {% tags %}"),
        ("{{ pupil_first_name|upper }}", "is not a placeholder"),
        ("{{ settings.SECRET_KEY }}", "is not a placeholder"),
        ("Dear {{ parent }}", "Rollcall does not know {{ parent }}"),
    ]:
        form = LetterTemplateForm(data={"subject": "Attendance", "body": body})
        assert not form.is_valid()
        assert message in form.errors["body"][0], body
    form = LetterTemplateForm(data={"subject": "{% load %}", "body": "Fine {{ pupil_name }}"})
    assert not form.is_valid() and "subject" in form.errors


def test_a_school_name_with_an_ampersand_prints_as_written_in_the_footer(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cast.school.name = 'St Mary & St John "Juniors"'
    cast.school.save()
    pdf = letters.school_letter(cast.poppy, "concern", dt.date(2026, 11, 26), dt.date(2026, 9, 1))
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert text.count('St Mary & St John "Juniors"') == 2  # the heading and the footer
    assert "&amp;" not in text and "&quot;" not in text
