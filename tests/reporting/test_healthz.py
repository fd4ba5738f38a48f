"""/healthz: what a load balancer, docker-compose and a monitor are told."""

import datetime as dt

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from attendance import heartbeats
from registers.services import close_due_registers
from tests.attendance.test_two_factor import password_only
from tests.registers.conftest import london

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_jobs_run")]

SATURDAY = dt.date(2026, 11, 28)
HALF_TERM = dt.date(2026, 10, 28)  # a Wednesday in the autumn half-term holiday


def beat_alive(now, seconds_ago=30):
    heartbeats.record(heartbeats.HEARTBEAT, now - dt.timedelta(seconds=seconds_ago))


def checks(response) -> dict[str, dict]:
    return {c["name"]: c for c in response.json()["checks"]}


def test_it_works(client, cast):
    now = london(9, 30)
    with time_machine.travel(now, tick=False):
        close_due_registers(cast.school, london(9, 21))
        beat_alive(now)
        response = client.get(reverse("reporting:healthz"))
    assert response.status_code == 200
    assert response.json()["ok"] is True
    found = checks(response)
    assert {"database", "redis", "heartbeat", "AM register close"} <= set(found)
    assert found["AM register close"]["detail"] == "due 09:20, ran 09:21"
    assert found["heartbeat"]["detail"] == "last heartbeat 30 s ago"


def test_it_needs_no_sign_in(client, school):
    with time_machine.travel(london(12, 0, SATURDAY), tick=False):
        beat_alive(london(12, 0, SATURDAY))
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_a_signed_in_teacher_who_has_not_given_a_code_still_gets_the_answer(cast):
    # A browser with a half-finished sign-in is not sent to the code page.
    client = password_only("alice")
    with time_machine.travel(london(12, 0, SATURDAY), tick=False):
        beat_alive(london(12, 0, SATURDAY))
        response = client.get("/healthz")
    assert response.status_code == 200


def test_it_fails_when_the_heartbeat_is_stale(client, school):
    now = london(12, 0, SATURDAY)
    with time_machine.travel(now, tick=False):
        beat_alive(now, seconds_ago=4 * 60)  # beat stopped four minutes ago
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["ok"] is False
    assert checks(response)["heartbeat"] == {
        "name": "heartbeat",
        "ok": False,
        "detail": "last heartbeat 240 s ago: is beat or the worker stopped?",
    }


def test_it_fails_when_no_heartbeat_was_ever_recorded(client, school):
    with time_machine.travel(london(12, 0, SATURDAY), tick=False):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert not checks(response)["heartbeat"]["ok"]


def test_it_fails_at_0930_on_a_school_day_when_the_registers_have_not_closed(client, cast):
    now = london(9, 30)
    with time_machine.travel(now, tick=False):
        beat_alive(now)
        response = client.get(reverse("reporting:healthz"))
    assert response.status_code == 503
    close = checks(response)["AM register close"]
    assert close == {
        "name": "AM register close",
        "ok": False,
        "detail": "due 09:20, has not run",
        "school": cast.school.id,
    }
    assert checks(response)["heartbeat"]["ok"]


def test_a_close_is_not_due_until_a_few_minutes_after_its_time(client, cast):
    now = london(9, 23)  # the close job runs every two minutes
    with time_machine.travel(now, tick=False):
        beat_alive(now)
        response = client.get(reverse("reporting:healthz"))
    assert response.status_code == 200
    assert "AM register close" not in checks(response)


@pytest.mark.parametrize("day", [SATURDAY, HALF_TERM], ids=["weekend", "half-term"])
def test_a_day_with_no_school_has_no_closes_to_check(client, cast, day):
    now = london(17, 0, day)
    with time_machine.travel(now, tick=False):
        beat_alive(now)
        response = client.get(reverse("reporting:healthz"))
    assert response.status_code == 200
    assert set(checks(response)) == {"database", "redis", "heartbeat"}


def test_it_fails_when_first_day_calling_has_not_run_since_it_was_due(client, cast):
    now = london(10, 0)  # calling starts at 09:35, 15 minutes after the close
    with time_machine.travel(now, tick=False):
        close_due_registers(cast.school, london(9, 21))
        beat_alive(now)
        response = client.get(reverse("reporting:healthz"))
        assert response.status_code == 503
        assert checks(response)["first-day calling"]["detail"] == (
            "due from 09:35, not run since 09:48"
        )
        heartbeats.record(heartbeats.FIRST_DAY_CALLING, london(9, 55))
        response = client.get(reverse("reporting:healthz"))
    assert response.status_code == 200
    assert checks(response)["first-day calling"]["detail"] == "due from 09:35, running"


def test_after_its_hours_calling_must_have_run_in_them(client, cast):
    now = london(17, 0)  # calling stops at 16:00
    with time_machine.travel(now, tick=False):
        close_due_registers(cast.school, london(13, 40))
        beat_alive(now)
        heartbeats.record(heartbeats.FIRST_DAY_CALLING, london(16, 30))  # too late to call
        assert client.get(reverse("reporting:healthz")).status_code == 503
        heartbeats.record(heartbeats.FIRST_DAY_CALLING, london(9, 40))
        response = client.get(reverse("reporting:healthz"))
    assert response.status_code == 200
    found = checks(response)
    assert found["AM register close"]["ok"] and found["PM register close"]["ok"]


def test_it_fails_when_redis_is_out_of_reach(client, school):
    with (
        override_settings(REDIS_URL="redis://127.0.0.1:1/0"),
        time_machine.travel(london(12, 0, SATURDAY), tick=False),
    ):
        response = client.get(reverse("reporting:healthz"))
    assert response.status_code == 503
    assert checks(response)["redis"] == {
        "name": "redis",
        "ok": False,
        "detail": "failed: ConnectionError",
    }


def test_a_load_balancer_can_ask_about_the_web_servers_own_part(client, cast):
    # A stopped beat must not take every web server out of service.
    with time_machine.travel(london(9, 30), tick=False):
        response = client.get(reverse("reporting:healthz"), {"check": ["database", "redis"]})
    assert response.status_code == 200
    assert set(checks(response)) == {"database", "redis"}


def test_the_answer_has_no_personal_data(client, cast):
    now = london(10, 0)
    with time_machine.travel(now, tick=False):
        beat_alive(now)
        body = client.get(reverse("reporting:healthz")).content.decode()
    for word in ["Poppy", "Fairweather", "Sam", "Okafor", "Hawthorn", "Rowan", "Heartwood"]:
        assert word not in body
    for user in cast.by_role().values():
        assert user.username not in body


def test_it_is_not_kept_in_a_cache(client, school):
    response = client.get(reverse("reporting:healthz"))
    assert response["Cache-Control"] == "no-store"
