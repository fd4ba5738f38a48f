import pytest
from playwright.sync_api import Page, expect

from attendance import two_factor
from attendance.models import User
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base: str, username: str) -> None:
    """Password, then (for staff who see pupils) the code from their app."""
    user = User.objects.get(username=username)
    device = factories.second_factor(user) if two_factor.required_for(user) else None
    page.goto(f"{base}/")
    expect(page.get_by_role("heading", name="Sign in to Rollcall")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw-for-tests-only")
    page.get_by_role("button", name="Sign in").click()
    if device is not None:
        expect(page.get_by_role("heading", level=1)).to_contain_text("authenticator app")
        page.get_by_label("Code").fill(factories.current_code(device))
        page.get_by_role("button", name="Continue").click()


@pytest.mark.parametrize(
    ("username", "heading"),
    [
        ("alice", "My registers"),
        ("olive", "Late book"),
        ("arthur", "Escalation and penalty notices"),
        ("helen", "Absences to decide"),
        ("gwen", "Heartwood Primary School: attendance"),
        ("adam", "Setup: pupils and contacts"),
    ],
)
def test_each_role_signs_in_and_lands_on_its_page(page: Page, live_server, cast, username, heading):
    sign_in(page, live_server.url, username)
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)


def test_a_teacher_opens_a_pupil_of_their_class(page: Page, live_server, cast):
    sign_in(page, live_server.url, "alice")
    page.get_by_role("link", name="My classes").click()
    page.get_by_role("link", name="Hawthorn").click()
    page.get_by_role("link", name="Poppy Fairweather").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Poppy Fairweather")


def test_a_wrong_password_is_refused_with_a_message(page: Page, live_server, cast):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("enter a correct username and password")
