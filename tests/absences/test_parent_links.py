import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from absences.models import AbsenceReport, Evidence, LeaveRequest
from absences.services import create_parent_link, revoke_parent_links
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(cast, family):
    _, token = create_parent_link(family[0], by=cast.olive, now=london(8, 0))
    return token


def test_the_link_shows_only_the_parents_own_children(client, cast, token, time_machine):
    time_machine.move_to(london(8, 5))
    page = client.get(reverse("parents:parent_home", args=[token])).content.decode()
    assert "Poppy" in page and "Sam" not in page
    assert "Fairweather" not in page.split("<main>")[1].split("Hello")[0]  # no staff nav


def test_a_parent_reports_an_absence_online(client, cast, token, time_machine):
    time_machine.move_to(london(8, 5))
    response = client.post(
        reverse("parents:parent_report", args=[token]),
        {
            "pupil": cast.poppy.id,
            "reporter_name": "Mia Fairweather",
            "reason": "illness",
            "details": "Chickenpox",
            "first_day": DAY.isoformat(),
            "expected_return": (DAY + dt.timedelta(days=7)).isoformat(),
            "evidence": SimpleUploadedFile(
                "note.pdf", b"%PDF-1.4 doctor's note", "application/pdf"
            ),
        },
    )
    assert "the school knows Poppy is absent" in response.content.decode()
    report = AbsenceReport.objects.get()
    assert (report.channel, report.logged_by, report.contact.first_name) == ("online", None, "Mia")
    assert Evidence.objects.get().content_type == "application/pdf"


def test_a_parent_cannot_report_for_a_child_that_is_not_theirs(client, cast, token, time_machine):
    time_machine.move_to(london(8, 5))
    response = client.post(
        reverse("parents:parent_report", args=[token]),
        {
            "pupil": cast.sam.id,
            "reporter_name": "Mia",
            "reason": "illness",
            "first_day": DAY.isoformat(),
        },
    )
    assert response.status_code == 400
    assert not AbsenceReport.objects.exists()


def test_a_parent_asks_for_leave_online(client, cast, token, time_machine):
    time_machine.move_to(london(8, 5))
    client.post(
        reverse("parents:parent_leave", args=[token]),
        {
            "pupil": cast.poppy.id,
            "parent_names": "Mia Fairweather",
            "relationship": "Mother",
            "first_day": "2027-01-11",
            "last_day": "2027-01-15",
            "expected_return": "2027-01-18",
            "purpose": "bereavement",
            "reason": "Funeral abroad",
            "declaration": "on",
        },
    )
    leave = LeaveRequest.objects.get()
    assert (leave.submitted_via, leave.total_days, leave.contact.first_name) == ("online", 5, "Mia")


@pytest.mark.parametrize("spoil", ["tamper", "revoke", "expire"])
def test_a_bad_revoked_or_expired_link_shows_nothing(
    client, cast, family, token, time_machine, spoil
):
    time_machine.move_to(london(8, 5))
    if spoil == "tamper":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif spoil == "revoke":
        revoke_parent_links(family[0], london(8, 1))
    else:
        time_machine.move_to(london(8, 5) + dt.timedelta(days=91))
    response = client.get(reverse("parents:parent_home", args=[token]))
    assert response.status_code == 404
    assert b"Poppy" not in response.content


def test_evidence_must_really_be_a_pdf_or_image(client, cast, token, time_machine):
    time_machine.move_to(london(8, 5))
    response = client.post(
        reverse("parents:parent_report", args=[token]),
        {
            "pupil": cast.poppy.id,
            "reporter_name": "Mia",
            "reason": "illness",
            "first_day": DAY.isoformat(),
            "evidence": SimpleUploadedFile("note.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"),
        },
    )
    assert response.status_code == 400
    assert "Evidence must be a PDF, JPEG or PNG file." in response.content.decode()
    assert not AbsenceReport.objects.exists() and not Evidence.objects.exists()


def test_evidence_is_served_only_to_staff_who_see_all_pupils(
    client, cast, token, settings, time_machine
):
    time_machine.move_to(london(8, 5))
    client.post(
        reverse("parents:parent_report", args=[token]),
        {
            "pupil": cast.poppy.id,
            "reporter_name": "Mia",
            "reason": "medical",
            "first_day": DAY.isoformat(),
            "evidence": SimpleUploadedFile("card.png", b"\x89PNG\r\n\x1a\n....", "image/png"),
        },
    )
    evidence = Evidence.objects.get()
    assert str(settings.MEDIA_ROOT) in evidence.file.path  # outside the web root
    url = reverse("absences:evidence_file", args=[evidence.id])
    for who, status in [("alice", 403), ("gwen", 403)]:
        client.force_login(getattr(cast, who))
        assert client.get(url).status_code == status
    client.force_login(cast.helen)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


def test_the_office_emails_a_link_and_can_withdraw_it(client, cast, family, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core import mail

    client.force_login(cast.olive)
    client.post(
        reverse("absences:parent_link", args=[cast.poppy.id, family[0].id]), {"action": "send"}
    )
    assert mail.outbox[0].to == ["mia@example.org"]
    link = mail.outbox[0].body.split("\n\n")[2].strip()
    assert client.get(link).status_code == 200
    client.post(
        reverse("absences:parent_link", args=[cast.poppy.id, family[0].id]), {"action": "revoke"}
    )
    client.logout()
    assert client.get(link).status_code == 404


def test_evidence_is_stored_under_a_generated_name_and_keeps_the_parents_name_as_data(
    client, cast, token, time_machine
):
    time_machine.move_to(london(8, 5))
    client.post(
        reverse("parents:parent_report", args=[token]),
        {
            "pupil": cast.poppy.id,
            "reporter_name": "Mia",
            "reason": "medical",
            "first_day": DAY.isoformat(),
            "evidence": SimpleUploadedFile(
                "Poppy Fairweather asthma clinic.png", b"\x89PNG\r\n\x1a\n....", "image/png"
            ),
        },
    )
    evidence = Evidence.objects.get()
    assert evidence.original_name == "Poppy Fairweather asthma clinic.png"
    stored = evidence.file.name
    assert "Poppy" not in stored and "asthma" not in stored
    assert stored.startswith("evidence/2026/") and stored.endswith(".png")
