"""Guessing is locked out, the office can unlock, sign-ins are logged, and
passwords are long and not the obvious ones."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from attendance.sign_in import current_locks

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only"


def attempt(client, username, password="wrong-password-guess", address="203.0.113.7"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_five_wrong_passwords_lock_the_account_even_with_the_right_one(client, cast):
    for _ in range(4):
        assert attempt(client, "alice").status_code == 200  # the form again, with its error
    response = attempt(client, "alice")
    assert response.status_code == 429
    text = response.content.decode()
    assert "too many wrong passwords" in text and "ask the school office" in text
    # Locked: the right password does not get in either, from anywhere.
    response = attempt(client, "alice", PASSWORD, address="198.51.100.2")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another account on the same address still signs in.
    response = attempt(client, "bob", PASSWORD)
    assert response.status_code == 302


def test_many_failures_from_one_address_lock_it_but_not_for_a_few(client, cast, settings):
    settings.SIGN_IN_ADDRESS_LIMIT = 12
    # A staff room's mistakes: two each, spread over six people.
    for name in ["alice", "bob", "olive", "arthur", "helen", "gwen"]:
        attempt(client, name)
        attempt(client, name)
    assert attempt(client, "adam", PASSWORD).status_code == 429  # twelfth: the address is locked
    locks = current_locks()
    assert [(lock.kind, lock.value) for lock in locks] == [("address", "203.0.113.7")]


def test_the_office_sees_the_lock_and_unlocks_the_account(client, cast):
    for _ in range(5):
        attempt(client, "alice")
    client.force_login(cast.olive)
    page = client.get(reverse("attendance:sign_ins")).content.decode()
    assert "Account <code>alice</code>" in page and "wrong password" in page
    response = client.post(reverse("attendance:sign_ins"), {"kind": "account", "value": "alice"})
    assert response.status_code == 302
    assert "Nobody is locked out" in client.get(reverse("attendance:sign_ins")).content.decode()
    client.logout()
    assert attempt(client, "alice", PASSWORD).status_code == 302


def test_signing_in_is_logged_with_the_address(client, cast):
    attempt(client, "alice", PASSWORD, address="192.0.2.44")
    client.force_login(cast.helen)
    page = client.get(reverse("attendance:sign_ins")).content.decode()
    assert "<code>alice</code>" in page and "192.0.2.44" in page


def test_teachers_and_governors_cannot_unlock(client, cast):
    for user in (cast.alice, cast.gwen, cast.arthur):
        client.force_login(user)
        assert client.get(reverse("attendance:sign_ins")).status_code == 403
        assert (
            client.post(
                reverse("attendance:sign_ins"), {"kind": "account", "value": "x"}
            ).status_code
            == 403
        )


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pass1", "at least 12 characters"),
        ("rollcall-demo", "demo's password"),
        ("Rollcall Demo!", "demo's password"),
        ("heartwood2026!!", "school's name"),
        ("ILoveHeartwood99", "school's name"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(cast, password, message):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, cast.alice)
    assert any(message in m for m in refused.value.messages)


def test_a_long_unrelated_password_is_accepted(cast):
    validate_password("copper kettle orchard lamp", cast.alice)
    validate_password("primary colours of the sky", cast.alice)  # generic words are fine


def test_staff_change_their_own_password_under_the_same_rules(client, cast):
    client.force_login(cast.alice)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "heartwood-1234",
            "new_password2": "heartwood-1234",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count("Error: ") == 1 and "school&#x27;s name" in text
    new = "copper kettle orchard lamp"
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    cast.alice.refresh_from_db()
    assert cast.alice.check_password(new)


def test_a_colleague_signing_in_from_the_same_address_does_not_unlock_an_account(client, cast):
    for _ in range(5):
        attempt(client, "alice")
    assert attempt(client, "bob", PASSWORD).status_code == 302
    client.logout()
    assert attempt(client, "alice", PASSWORD).status_code == 429
