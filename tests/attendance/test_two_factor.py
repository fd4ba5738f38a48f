"""A second factor for staff who see pupils: set up at the first sign-in,
asked for at every sign-in, with backup codes, and reset by the admin."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from attendance import two_factor
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only"


def password_only(username) -> Client:
    """A browser that has typed the right password, and nothing more."""
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_teacher_sets_up_an_app_at_the_first_sign_in(cast):
    client = password_only("alice")
    response = client.get(reverse("registers:my_registers"))
    assert response.status_code == 302 and response["Location"].startswith(
        "/account/two-factor/setup/?next="
    )
    page = client.get(response["Location"]).content.decode()
    assert "<svg" in page and "Set up your second factor" in page
    device = TOTPDevice.objects.get(user=cast.alice, confirmed=False)
    wrong = client.post(reverse("two_factor_setup"), {"code": "000000"})
    assert wrong.status_code == 400 and "That code is not right" in wrong.content.decode()
    assert client.get(reverse("registers:my_registers")).status_code == 302  # still not in
    done = client.post(
        reverse("two_factor_setup"), {"code": factories.current_code(device), "next": "/registers/"}
    )
    codes = re.findall(r"<code>(\d{8})</code>", done.content.decode())
    assert len(codes) == 10 and "shown only now" in done.content.decode()
    assert client.get(reverse("registers:my_registers")).status_code == 200


def test_every_sign_in_asks_for_the_code_before_any_pupil(cast):
    device = factories.second_factor(cast.olive)
    client = password_only("olive")
    for url in (
        reverse("registers:late_book"),
        reverse("attendance:pupil_detail", args=[cast.poppy.id]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(
            "/account/two-factor/?next="
        )
    wrong = client.post(reverse("two_factor"), {"code": "123456", "next": "/registers/late/"})
    assert wrong.status_code == 400
    assert "Error: " in wrong.content.decode()
    right = client.post(
        reverse("two_factor"), {"code": factories.current_code(device), "next": "/registers/late/"}
    )
    assert right.status_code == 302 and right["Location"] == "/registers/late/"
    assert client.get(reverse("registers:late_book")).status_code == 200


def test_a_code_works_once(cast):
    device = factories.second_factor(cast.helen)
    first = password_only("helen")
    code = factories.current_code(device)
    assert first.post(reverse("two_factor"), {"code": code}).status_code == 302
    second = password_only("helen")
    assert second.post(reverse("two_factor"), {"code": code}).status_code == 400


def test_a_backup_code_stands_in_for_the_phone_once(cast):
    factories.second_factor(cast.arthur)
    codes = two_factor.new_backup_codes(cast.arthur)
    client = password_only("arthur")
    assert client.post(reverse("two_factor"), {"code": codes[0]}).status_code == 302
    assert client.get(reverse("penalties:officer_list")).status_code == 200
    again = password_only("arthur")
    assert again.post(reverse("two_factor"), {"code": codes[0]}).status_code == 400


def test_governors_need_no_second_factor_unless_the_school_asks_for_all(cast, settings):
    client = password_only("gwen")
    assert client.get(reverse("reporting:governors")).status_code == 200
    settings.SECOND_FACTOR_FOR = "all"
    assert client.get(reverse("reporting:governors")).status_code == 302


def test_the_next_address_stays_on_rollcall(cast):
    device = factories.second_factor(cast.olive)
    client = password_only("olive")
    response = client.post(
        reverse("two_factor"),
        {"code": factories.current_code(device), "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_the_admin_resets_a_lost_phone_and_the_office_cannot(client, cast):
    factories.second_factor(cast.alice)
    client.force_login(cast.olive)
    response = client.post(
        reverse("attendance:sign_ins"), {"action": "reset_second_factor", "username": "alice"}
    )
    assert response.status_code == 403
    assert two_factor.has_second_factor(cast.alice)
    client.force_login(cast.adam)
    client.post(
        reverse("attendance:sign_ins"), {"action": "reset_second_factor", "username": "alice"}
    )
    assert not two_factor.has_second_factor(cast.alice)
    # At the next sign-in alice sets up a new app.
    response = password_only("alice").get(reverse("registers:my_registers"))
    assert response["Location"].startswith("/account/two-factor/setup/")


def test_the_demo_code_is_what_an_app_with_the_demo_key_shows(cast):
    device = TOTPDevice.objects.create(
        user=cast.alice, key=two_factor.DEMO_TOTP_KEY, confirmed=True
    )
    client = password_only("alice")
    response = client.post(reverse("two_factor"), {"code": two_factor.demo_code()})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.last_t > 0
