"""The Today page warns when the register close or first-day calling has not run."""

import pytest
import time_machine
from django.urls import reverse

from attendance import heartbeats
from registers.services import close_due_registers
from tests.registers.conftest import london

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_jobs_run")]


def today_page(client, cast) -> str:
    client.force_login(cast.helen)
    response = client.get(reverse("reporting:reporting_today"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_head_is_warned_when_the_registers_have_not_closed(client, cast):
    with time_machine.travel(london(9, 30), tick=False):
        page = today_page(client, cast)
    assert "The AM registers have not closed: they were due to close at 09:20." in page
    assert "First-day calling" not in page.split("<h2>")[0]


def test_no_warning_once_the_close_has_run(client, cast):
    with time_machine.travel(london(9, 30), tick=False):
        close_due_registers(cast.school, london(9, 21))
        page = today_page(client, cast)
    assert "have not closed" not in page
    assert "background jobs may have stopped" not in page


def test_the_head_is_warned_when_calling_has_stopped(client, cast):
    with time_machine.travel(london(10, 30), tick=False):
        close_due_registers(cast.school, london(9, 21))
        heartbeats.record(heartbeats.FIRST_DAY_CALLING, london(9, 40))
        page = today_page(client, cast)
    assert "First-day calling has not run since 10:18" in page
    assert "no messages are going to families" in page


def test_calling_that_runs_gives_no_warning(client, cast):
    with time_machine.travel(london(10, 30), tick=False):
        close_due_registers(cast.school, london(9, 21))
        heartbeats.record(heartbeats.FIRST_DAY_CALLING, london(10, 25))
        page = today_page(client, cast)
    assert "First-day calling has not run" not in page
