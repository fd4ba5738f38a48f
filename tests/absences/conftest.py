import pytest

from tests.fakes.notify import API_KEY, FakeNotify


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def notify(settings):
    with FakeNotify() as fake:
        settings.NOTIFY_API_KEY = API_KEY
        settings.NOTIFY_BASE_URL = fake.url
        settings.NOTIFY_SMS_TEMPLATE_ID = "sms-template"
        settings.NOTIFY_EMAIL_TEMPLATE_ID = "email-template"
        settings.NOTIFY_RETRY_SECONDS = 0
        yield fake


@pytest.fixture
def family(cast):
    """Poppy's mum (priority 1, prefers texts) and dad (priority 2, email)."""
    from tests.factories import ContactFactory, PupilContactFactory

    mum = ContactFactory(
        school=cast.school,
        first_name="Mia",
        last_name="Fairweather",
        mobile_phone="07700 900111",
        email="mia@example.org",
        preferred_contact_method="sms",
    )
    dad = ContactFactory(
        school=cast.school,
        first_name="Dev",
        last_name="Fairweather",
        mobile_phone="",
        email="dev@example.org",
        preferred_contact_method="email",
    )
    PupilContactFactory(pupil=cast.poppy, contact=mum, relationship="mother", priority=1)
    PupilContactFactory(pupil=cast.poppy, contact=dad, relationship="father", priority=2)
    return mum, dad
