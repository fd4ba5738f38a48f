"""A teacher's reminder lost on its way to the worker, or to the mail server,
is handed over again the next minute; once sent, never again."""

import pytest
from django.core import mail

from registers.models import Register
from registers.untaken import deliver_reminder, send_register_reminders
from tests.processes import free_port
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_has_email(cast):
    cast.alice.email = "alice@school.test"
    cast.alice.save()
    return cast


def test_a_lost_hand_over_is_made_again_the_next_minute(
    alice_has_email, time_machine, django_capture_on_commit_callbacks
):
    school = alice_has_email.school
    time_machine.move_to(london(9, 15))
    with django_capture_on_commit_callbacks(execute=False):  # the broker lost it
        assert send_register_reminders(school, london(9, 15)) == 1
    assert mail.outbox == []
    time_machine.move_to(london(9, 16))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_register_reminders(school, london(9, 16)) == 1
    assert [m.to for m in mail.outbox] == [["alice@school.test"]]
    time_machine.move_to(london(9, 17))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_register_reminders(school, london(9, 17)) == 0
    assert len(mail.outbox) == 1


def test_a_mail_server_failure_leaves_it_to_send_again(alice_has_email, settings):
    school = alice_has_email.school
    send_register_reminders(school, london(9, 15))  # eager: tries to send at once
    register = Register.objects.get(group=alice_has_email.hawthorn)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody there
    with pytest.raises(OSError):
        deliver_reminder(register.id, london(9, 15))
    register.refresh_from_db()
    assert register.reminder_sent_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver_reminder(register.id, london(9, 16)) == 1
    assert deliver_reminder(register.id, london(9, 17)) == 0  # sent: never twice
    register.refresh_from_db()
    assert register.reminder_sent_at == london(9, 16)
