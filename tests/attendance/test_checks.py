import secrets

import pytest
from django.core.checks import run_checks
from django.db import connections

from attendance.checks import weak_secret_key

# The deploy checks ask the database which role Rollcall connects as.
pytestmark = pytest.mark.django_db


def _ids():
    return {e.id for e in run_checks(include_deployment_checks=True)}


def test_production_check_refuses_the_development_key_and_debug(settings):
    settings.DEBUG = True
    settings.SECRET_KEY = settings.DEV_SECRET_KEY
    assert {"rollcall.E001", "rollcall.E002", "rollcall.E003"} <= _ids()


@pytest.mark.parametrize(
    "key",
    [
        "short-but-random-Zq8",
        "a" * 80,
        "ab" * 40,
        "django-insecure-" + secrets.token_urlsafe(50),
        "change-me-to-50-or-more-random-characters-please-now-abcdefgh",
        "my-secret-key-" + secrets.token_urlsafe(50),
    ],
    ids=["short", "one character", "two characters", "django-insecure", "example", "placeholder"],
)
def test_a_weak_secret_key_fails_the_deploy_check(settings, key):
    settings.SECRET_KEY = key
    assert weak_secret_key(key)
    assert "rollcall.E001" in _ids()


def test_production_check_passes_a_proper_configuration(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert not {i for i in _ids() if i.startswith("rollcall.")}


@pytest.mark.django_db(transaction=True)
def test_connecting_as_the_tables_owner_fails_the_deploy_check(settings):
    """Transactional tests run as the owner (tests/conftest.py): what a
    single-role installation would look like."""
    settings.DATABASE_AS_OWNER = False
    assert connections["default"].settings_dict["USER"] != settings.DATABASE_APP_ROLE
    assert "rollcall.E005" in _ids()
