"""First-day calling through a real Celery worker, Redis and the real Notify client."""

import time

import pytest
import time_machine

from absences.models import ContactAttempt
from absences.tasks import first_day_calling
from registers.services import close_due_registers
from tests import factories
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_running_it_twice_sends_one_message_per_contact_and_retries_a_failure(
    cast, family, notify, worker
):
    factories.take_registers(cast, DAY)
    close_due_registers(cast.school, london(9, 20))
    notify.failures_to_give = 1  # Notify has a bad moment on the first send
    with time_machine.travel(london(9, 40), tick=True):
        assert first_day_calling.delay().get(timeout=30) == 1
        assert first_day_calling.delay().get(timeout=30) == 0
        assert wait_for(lambda: ContactAttempt.objects.filter(status="sent").count() == 1)
    attempt = ContactAttempt.objects.get()
    assert (attempt.tries, attempt.recipient) == (2, "07700 900111")
    assert len(notify.received) == 2  # one failure, one success
    assert len(notify.delivered()) == 1
    sent = notify.delivered()[0]
    assert sent["path"] == "/v2/notifications/sms"
    assert sent["body"]["phone_number"] == "07700 900111"
    assert "Poppy is not in school today" in sent["body"]["personalisation"]["message"]
