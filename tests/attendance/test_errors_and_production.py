"""Rollcall's own error pages, and the production path with DEBUG off."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.utils import timezone
from django.views.defaults import server_error

from attendance.demo import demo_staleness, seed_demo
from attendance.models import School
from registers.models import Register
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_rollcalls_own(client, cast, settings):
    settings.DEBUG = False
    client.force_login(cast.alice)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "Go to your start page" in response.content.decode()


def test_a_forbidden_page_says_why(client, cast, settings):
    settings.DEBUG = False
    client.force_login(cast.gwen)
    response = client.get("/setup/")
    assert response.status_code == 403
    text = response.content.decode()
    assert "You cannot open this page" in text and "Governor" in text


def test_a_server_error_says_nothing_was_saved_without_needing_static_files():
    response = server_error(RequestFactory().get("/"))
    text = response.content.decode()
    assert response.status_code == 500
    assert "<strong>not saved</strong>" in text and "/static/" not in text


def test_with_debug_off_pages_link_the_collected_files(client, settings, tmp_path):
    """What `make run` collects is what DEBUG off serves: no 500 for a missing manifest."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    settings.DEBUG = False
    response = client.get("/login/")
    assert response.status_code == 200
    assert "/static/css/rollcall." in response.content.decode()
    assert "/static/css/rollcall.css" not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_demo_left_for_a_week_is_made_again(settings, tmp_path, capsys):
    settings.MEDIA_ROOT = tmp_path
    now = timezone.now()
    seed_demo(now=now)
    assert demo_staleness(now) is None
    later = now + dt.timedelta(days=21)
    with time_machine.travel(later, tick=False):
        assert "school days ago" in (demo_staleness() or "") or "calendar ends" in (
            demo_staleness() or ""
        )
        call_command("seed_demo", "--refresh")
        assert "making it again" in capsys.readouterr().out
        assert demo_staleness() is None
    assert School.objects.count() == 1
    newest = Register.objects.order_by("-date").first().date
    assert newest > now.date()


def test_a_stale_demo_beside_a_real_school_is_left_alone(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    seed_demo(history=False, now=timezone.now() - dt.timedelta(days=400))
    factories.SchoolFactory(name="A real school")
    assert demo_staleness()
    with pytest.raises(CommandError, match="refusing to empty it"):
        call_command("seed_demo", "--refresh")
    assert School.objects.count() == 2
