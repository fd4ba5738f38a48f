"""Sending a message to a parent: GOV.UK Notify when configured, email otherwise."""

from __future__ import annotations

from typing import NoReturn

from django.conf import settings
from django.core.mail import send_mail


class DeliveryError(Exception):
    def __init__(self, message: str, transient: bool, unknown: bool = False):
        super().__init__(message)
        self.transient = transient
        # The provider may have taken it (asked, no answer): never sent again.
        self.unknown = unknown


def notify_configured() -> bool:
    return bool(settings.NOTIFY_API_KEY)


def can_text() -> bool:
    return notify_configured() and bool(settings.NOTIFY_SMS_TEMPLATE_ID)


def send(channel: str, recipient: str, subject: str, body: str, reference: str) -> str:
    """Send one message; returns the provider's id. Raises DeliveryError."""
    if notify_configured():
        return _send_with_notify(channel, recipient, subject, body, reference)
    if channel != "email":
        raise DeliveryError("Texts need GOV.UK Notify (NOTIFY_API_KEY): phone instead.", False)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
    except OSError as exc:  # SMTP down: try again later
        raise DeliveryError(f"Email server: {exc}", True) from exc
    return f"email:{reference}"


def _send_with_notify(channel, recipient, subject, body, reference) -> str:
    import requests
    from notifications_python_client.errors import HTTPError
    from notifications_python_client.notifications import NotificationsAPIClient

    client = NotificationsAPIClient(
        settings.NOTIFY_API_KEY,
        base_url=settings.NOTIFY_BASE_URL,
        timeout=settings.NOTIFY_TIMEOUT_SECONDS,
    )
    try:
        if channel == "sms":
            response = client.send_sms_notification(
                phone_number=recipient,
                template_id=settings.NOTIFY_SMS_TEMPLATE_ID,
                personalisation={"message": body},
                reference=reference,
            )
        else:
            response = client.send_email_notification(
                email_address=recipient,
                template_id=settings.NOTIFY_EMAIL_TEMPLATE_ID,
                personalisation={"subject": subject, "message": body},
                reference=reference,
            )
    except HTTPError as exc:
        # The client wraps a request that got no answer in HTTPError too (as a
        # 500 without a response): the cause says whether the request went.
        cause = exc.__cause__
        if exc.response is None and isinstance(cause, requests.RequestException):
            _no_answer(cause)
        # Notify: 429 and 5xx are worth retrying; 400/403 (bad number, bad key) are not.
        transient = exc.status_code == 429 or exc.status_code >= 500
        raise DeliveryError(f"GOV.UK Notify {exc.status_code}: {exc.message}", transient) from exc
    except requests.RequestException as exc:
        _no_answer(exc)
    return response["id"]


def _no_answer(exc: Exception) -> NoReturn:
    name = exc.__class__.__name__
    if _never_reached(exc):
        raise DeliveryError(f"GOV.UK Notify unreachable: {name}", True) from exc
    # A read timeout or a dropped connection after the request went: Notify
    # may have accepted it, and a family must not be told twice.
    raise DeliveryError(f"GOV.UK Notify did not answer: {name}", False, unknown=True) from exc


def _never_reached(exc: Exception) -> bool:
    """True if the request cannot have reached Notify, so sending again is safe."""
    import requests
    from urllib3.exceptions import NewConnectionError

    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.ConnectionError) and isinstance(reason, NewConnectionError)
