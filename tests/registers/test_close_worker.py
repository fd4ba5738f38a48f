"""The close job run by a real Celery worker over Redis, as in production."""

import pytest
import time_machine

from registers.models import Mark, Register
from registers.tasks import close_registers
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_closes_the_registers_and_a_retry_changes_nothing(cast, worker):
    with time_machine.travel(london(9, 21), tick=True):
        assert close_registers.delay().get(timeout=30) == 2
        assert close_registers.delay().get(timeout=30) == 0
    assert set(Mark.objects.values_list("code", flat=True)) == {"N"}
    assert Register.objects.filter(closed_at__isnull=False, session="AM").count() == 2
