"""No parent's message is lost, through real workers, a real Redis and the
real Notify client: a worker SIGKILLed mid-pass or mid-send, the broker down
mid-pass, the provider or the mail server not answering. Every message row
ends sent once, or given up and shown to the office to phone instead."""

import collections
import socket
import threading

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from celery.signals import before_task_publish
from django.urls import reverse

from absences import calling
from absences.models import ContactAttempt
from absences.tasks import first_day_calling, sweep_outbox
from config.celery import app
from registers.services import close_due_registers
from tests import factories
from tests.processes import wait_for
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db(transaction=True)

DELIVER = "absences.tasks.deliver_message"


def families(cast, count: int) -> None:
    """`count` pupils in Hawthorn, each with one parent who prefers texts; all
    absent this morning, the registers closed at 9:20."""
    for n in range(count):
        pupil = factories.PupilFactory(school=cast.school, registration_group=cast.hawthorn)
        parent = factories.ContactFactory(
            school=cast.school, mobile_phone=f"07700 900{n:03d}", preferred_contact_method="sms"
        )
        factories.PupilContactFactory(pupil=pupil, contact=parent, priority=1)
    factories.take_registers(cast, DAY)
    close_due_registers(cast.school, london(9, 20))


def sent_per_number(notify) -> collections.Counter:
    return collections.Counter(r["body"]["phone_number"] for r in notify.delivered())


def statuses() -> collections.Counter:
    return collections.Counter(ContactAttempt.objects.values_list("status", flat=True))


def test_a_worker_killed_mid_pass_loses_no_message(cast, notify, worker_process):
    families(cast, 25)  # and Poppy: 26 parents
    factories.PupilContactFactory(
        pupil=cast.poppy,
        contact=factories.ContactFactory(school=cast.school, mobile_phone="07700 900999"),
    )
    # Killed as it hands the 11th message to the broker: rows 1-11 are
    # committed, 1-10 handed over, 12-26 not written yet.
    first = worker_process(london(9, 40), kill_at_publish=(DELIVER, 11))
    first_day_calling.delay()
    first.process.wait(30)
    assert first.process.returncode == -9
    assert statuses() == {"queued": 11} and notify.received == []

    second = worker_process(london(9, 50))
    first_day_calling.delay()  # beat's next pass writes 12-26
    assert wait_for(lambda: statuses()["sent"] == 25), second.output()
    assert statuses()["queued"] == 1  # row 11: nothing but the sweep hands it over
    sweep_outbox.delay()
    assert wait_for(lambda: statuses() == {"sent": 26}), second.output()
    assert len(notify.received) == 26
    assert set(sent_per_number(notify).values()) == {1}


def test_a_worker_killed_mid_send_never_sends_twice_and_says_phone(
    client, cast, notify, worker_process
):
    families(cast, 6)
    notify.hang_at = 3  # Notify takes the third message and the worker dies waiting
    first = worker_process(london(9, 40))
    first_day_calling.delay()
    assert wait_for(lambda: len(notify.received) == 3), first.output()
    first.kill()
    notify.release.set()
    assert statuses() == {"sent": 2, "sending": 1, "queued": 3}

    second = worker_process(london(9, 50))
    assert wait_for(lambda: statuses()["sent"] == 5), second.output()
    sweep_outbox.delay()
    assert wait_for(lambda: statuses() == {"sent": 5, "gave_up": 1}), second.output()
    lost = ContactAttempt.objects.get(status="gave_up")
    assert lost.phone_instead and lost.error.startswith("Not known if sent: phone instead")
    # Six families, six messages accepted by Notify, none twice.
    assert len(notify.delivered()) == 6 and set(sent_per_number(notify).values()) == {1}
    client.force_login(cast.olive)
    with time_machine.travel(london(9, 51), tick=False):
        page = client.get(reverse("absences:calling_list")).content.decode()
    assert "Not known if sent: phone instead" in page


def test_a_broker_outage_mid_pass_loses_no_message(cast, notify, private_redis):
    families(cast, 8)
    published = []

    def outage_at_the_fourth(sender=None, **kwargs):
        if sender == DELIVER:
            published.append(sender)
            if len(published) == 4:
                private_redis.stop()  # and the three already handed over with it

    before_task_publish.connect(outage_at_the_fourth, weak=False)
    try:
        run = calling.run_first_day_calling(cast.school, london(9, 40))
    finally:
        before_task_publish.disconnect(outage_at_the_fourth)
    assert len(run.messages) == 8  # the pass went on without the broker
    assert statuses() == {"queued": 8}

    private_redis.start()  # back, empty
    with (
        time_machine.travel(london(9, 43), tick=True),
        start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10),
    ):
        assert sweep_outbox.delay().get(timeout=30) == 8
        assert wait_for(lambda: statuses() == {"sent": 8})
    assert len(notify.received) == 8 and set(sent_per_number(notify).values()) == {1}


def test_notify_answering_too_late_is_not_sent_again(cast, family, notify, worker, settings):
    settings.NOTIFY_TIMEOUT_SECONDS = 1
    notify.slow_replies, notify.reply_delay = 1, 2  # accepted, but after our timeout
    factories.take_registers(cast, DAY)
    close_due_registers(cast.school, london(9, 20))
    with time_machine.travel(london(9, 40), tick=True):
        assert first_day_calling.delay().get(timeout=30) == 1
        assert wait_for(lambda: statuses() == {"gave_up": 1})
    with time_machine.travel(london(9, 50), tick=True):
        assert sweep_outbox.delay().get(timeout=30) == 0
    attempt = ContactAttempt.objects.get()
    assert attempt.phone_instead and "did not answer: ReadTimeout" in attempt.error
    assert len(notify.received) == 1  # once, never again


@pytest.fixture
def silent_mail_server():
    """A mail server that accepts connections and never says a word."""
    server = socket.create_server(("127.0.0.1", 0))
    held = []

    def accept():
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1]
    server.close()
    for s in held:
        s.close()


def test_a_mail_server_that_never_answers_is_shown_to_phone(
    client, cast, family, worker, settings, silent_mail_server
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", silent_mail_server
    settings.EMAIL_TIMEOUT, settings.NOTIFY_MAX_TRIES, settings.NOTIFY_RETRY_SECONDS = 1, 2, 0
    factories.take_registers(cast, DAY)
    close_due_registers(cast.school, london(9, 20))
    with time_machine.travel(london(9, 40), tick=True):
        assert first_day_calling.delay().get(timeout=30) == 1  # by email: no Notify key
        assert wait_for(lambda: statuses() == {"gave_up": 1})
    attempt = ContactAttempt.objects.get()
    assert attempt.tries == 2 and attempt.phone_instead
    client.force_login(cast.olive)
    with time_machine.travel(london(9, 45), tick=False):
        page = client.get(reverse("absences:calling_list")).content.decode()
    assert "Not sent: phone instead (Email server:" in page
