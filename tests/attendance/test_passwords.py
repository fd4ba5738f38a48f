"""Staff passwords are stored with Argon2id as tuned in attendance/passwords.py,
and a password stored by an earlier release still signs in and is upgraded."""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, make_password
from django.urls import reverse

from config import settings as production

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_hashers(settings):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS


def test_a_new_password_is_argon2id_at_the_chosen_cost(production_hashers):
    stored = make_password("a long staff password")
    assert stored.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password("a long staff password", stored)
    assert not check_password("a long staff passwore", stored)


def test_a_password_from_an_earlier_release_signs_in_and_is_stored_again(
    client, cast, production_hashers
):
    hasher = PBKDF2PasswordHasher()
    cast.alice.password = hasher.encode("pw-for-tests-only", hasher.salt())
    cast.alice.save()
    response = client.post(reverse("login"), {"username": "alice", "password": "pw-for-tests-only"})
    assert response.status_code == 302
    cast.alice.refresh_from_db()
    assert cast.alice.password.startswith("argon2$argon2id$")
