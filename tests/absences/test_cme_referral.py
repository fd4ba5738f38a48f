"""A children-missing-education referral from the calling page is confirmed on
its own step, with the facts the LA will get; before the school's day limit
it needs a reason for referring early."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from absences import calling
from absences.models import ContactAttempt, FollowUpTask
from registers.services import close_due_registers
from tests import factories
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db


def absent_on(cast, days):
    """Everyone absent, reason unknown, each morning; no calling job runs."""
    for day in days:
        factories.take_registers(cast, day)
        close_due_registers(cast.school, london(9, 20, day))


def school_days_up_to(last, count):
    days, day = [], last
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= dt.timedelta(days=1)
    return days[::-1]


def a_call(cast, contact, outcome, at, notes=""):
    return ContactAttempt.objects.create(
        pupil=cast.poppy,
        date=at.date(),
        kind=ContactAttempt.Kind.PHONE_CALL,
        channel=ContactAttempt.Channel.PHONE,
        contact=contact,
        recipient=contact.mobile_phone,
        status=outcome,
        notes=notes,
        made_by=cast.olive,
        created_at=at,
        updated_at=at,
    )


def test_the_confirmation_page_shows_the_facts_and_creates_nothing(
    client, cast, family, time_machine
):
    absent_on(cast, school_days_up_to(DAY, 2))
    a_call(cast, family[0], "no_answer", london(10, 5), notes="Rang twice")
    time_machine.move_to(london(11, 0))
    client.force_login(cast.olive)
    calling_page = client.get(reverse("absences:calling_list")).content.decode()
    assert reverse("absences:cme_referral", args=[cast.poppy.id]) in calling_page
    assert "Refer to the LA early" in calling_page  # 2 of 10 days
    page = client.get(reverse("absences:cme_referral", args=[cast.poppy.id])).content.decode()
    assert "2 school days" in page and "Wednesday 25 November 2026" in page
    assert "Hawthorn" in page
    assert "Thu 26 Nov 10:05" in page and "Phone call by staff" in page
    assert "Mia Fairweather" in page and "No answer" in page and "Rang twice" in page
    assert 'name="early_reason"' in page
    assert not FollowUpTask.objects.exists()


def test_before_the_limit_a_referral_needs_a_reason_which_is_recorded(
    client, cast, family, time_machine
):
    absent_on(cast, [DAY])
    time_machine.move_to(london(11, 0))
    client.force_login(cast.olive)
    url = reverse("absences:cme_referral", args=[cast.poppy.id])
    refused = client.post(url, {"early_reason": "  "})
    assert refused.status_code == 400 and "This field is required" in refused.content.decode()
    assert not FollowUpTask.objects.exists()
    done = client.post(url, {"early_reason": "Neighbour says the family have left the country"})
    assert done.status_code == 302 and done["Location"] == reverse("absences:calling_list")
    task = FollowUpTask.objects.get(kind="cme")
    assert "Neighbour says the family have left the country" in task.details
    assert "before the school's 10-day limit" in task.details
    assert "class Hawthorn" in task.details and "Raised by" in task.details


def test_at_the_limit_the_referral_needs_only_the_confirmation(client, cast, family, time_machine):
    days = school_days_up_to(DAY, 10)
    absent_on(cast, days)
    a_call(cast, family[0], "message", london(9, 50, days[0]))
    time_machine.move_to(london(11, 0))
    client.force_login(cast.olive)
    url = reverse("absences:cme_referral", args=[cast.poppy.id])
    page = client.get(url).content.decode()
    assert "10 school days" in page and 'name="early_reason"' not in page
    assert client.post(url).status_code == 302
    task = FollowUpTask.objects.get(kind="cme")
    assert "(10 school days)" in task.details and "before the school" not in task.details
    assert "Attempts to contact the family: 1: " in task.details
    assert "phone call by staff by phone to Mia Fairweather: Left a message" in task.details
    # Raised once: the page now says so and offers nothing more.
    again = client.get(url).content.decode()
    assert "already on the" in again and "Confirm: refer" not in again
    client.post(url)
    assert FollowUpTask.objects.filter(kind="cme").count() == 1


def test_an_explained_absence_is_not_referred(client, cast, family, time_machine):
    factories.take_registers(cast, DAY, code="/")
    time_machine.move_to(london(11, 0))
    client.force_login(cast.olive)
    url = reverse("absences:cme_referral", args=[cast.poppy.id])
    assert "None today" in client.get(url).content.decode()
    response = client.post(url, {"early_reason": "Worried"})
    assert response.status_code == 400
    assert "no unexplained absence today" in response.content.decode()
    assert not FollowUpTask.objects.exists()


def test_the_old_refer_button_only_leads_to_the_confirmation(client, cast, family, time_machine):
    absent_on(cast, [DAY])
    time_machine.move_to(london(11, 0))
    client.force_login(cast.olive)
    response = client.post(
        reverse("absences:calling_list"), {"pupil": cast.poppy.id, "action": "refer"}
    )
    assert response["Location"] == reverse("absences:cme_referral", args=[cast.poppy.id])
    assert not FollowUpTask.objects.exists()


def test_it_needs_the_csrf_token(cast, family, time_machine):
    absent_on(cast, [DAY])
    time_machine.move_to(london(11, 0))
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.olive)
    url = reverse("absences:cme_referral", args=[cast.poppy.id])
    assert client.post(url, {"early_reason": "Worried"}).status_code == 403
    assert not FollowUpTask.objects.exists()


@pytest.mark.parametrize("who", ["alice", "bob", "gwen", "adam", "nobody"])
def test_teachers_governors_and_admin_cannot_refer(client, cast, family, time_machine, who):
    absent_on(cast, [DAY])
    time_machine.move_to(london(11, 0))
    client.force_login(getattr(cast, who))
    url = reverse("absences:cme_referral", args=[cast.poppy.id])
    assert client.get(url).status_code == 403
    assert client.post(url, {"early_reason": "Worried"}).status_code == 403
    assert not FollowUpTask.objects.exists()


def test_held_back_and_pending_mornings_are_not_unexplained_days(cast, family):
    # Wednesday's register nobody took; Thursday's was taken.
    wednesday = DAY - dt.timedelta(days=1)
    close_due_registers(cast.school, london(9, 20, wednesday))
    absent_on(cast, [DAY])
    facts = calling.missing_education_facts(cast.poppy, DAY)
    assert (facts.days, facts.first) == (1, DAY)
