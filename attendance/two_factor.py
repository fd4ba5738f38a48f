"""A second factor for staff who see pupils' personal data.

A code from an authenticator app (TOTP, RFC 6238, via django-otp), with ten
single-use backup codes for a lost or flat phone. Required, by default, for
every role whose permissions open a pupil's records (teacher, office,
attendance officer, head, admin); SECOND_FACTOR_FOR=all requires it of
governors too. A member of staff sets it up at their first sign-in.
"""

from __future__ import annotations

import secrets
from base64 import b32encode
from io import BytesIO
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .errors import RuleError

# Permissions that open a pupil's own records.
PERSONAL_DATA_PERMISSIONS = ("attendance.take_register", "attendance.view_all_pupils")
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
BACKUP_CODES = 10

# The demo school's known seed (README): every demo login shares it, so a
# demo can be tried with any authenticator app, or `make demo-code`. Never
# used outside the demo seed.
DEMO_TOTP_KEY = "726f6c6c63616c6c2d64656d6f2d746f74702121"  # "rollcall-demo-totp!!"


def required_for(user) -> bool:
    if not user.is_authenticated:
        return False
    if settings.SECOND_FACTOR_FOR == "all":
        return True
    return any(user.has_perm(p) for p in PERSONAL_DATA_PERMISSIONS)


def step_url(user, next_url: str) -> str:
    """Where a signed-in member of staff goes for their second factor: the
    code page, or setting up an app if they have none yet."""
    name = "two_factor" if has_second_factor(user) else "two_factor_setup"
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def app_device(user, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).first()


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def start_setup(user) -> TOTPDevice:
    """The unconfirmed device a member of staff is adding (one at a time)."""
    device = app_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def confirm_setup(user, token: str) -> list[str]:
    """Confirm the app with its first code; the backup codes, shown once."""
    device = app_device(user, confirmed=False)
    if device is None:
        raise RuleError("Start again: open the set-up page and scan the new code.")
    if not device.verify_token(_digits(token)):
        raise RuleError(
            "That code is not right. Check the phone's clock is set automatically, "
            "and type the six digits the app shows now."
        )
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return new_backup_codes(user)


def new_backup_codes(user) -> list[str]:
    """Ten new single-use codes; any earlier ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def verify(request, token: str) -> bool:
    """Check a code from the app or a backup code; on success the session is verified."""
    token = _digits(token)
    if not token:
        return False
    for device in (
        *TOTPDevice.objects.filter(user=request.user, confirmed=True),
        *StaticDevice.objects.filter(user=request.user, confirmed=True),
    ):
        allowed, _ = device.verify_is_allowed()
        if allowed and device.verify_token(token):
            django_otp.login(request, device)
            return True
    return False


def verify_device_session(request) -> None:
    """The app just confirmed is this session's second factor."""
    device = app_device(request.user)
    if device is not None:
        django_otp.login(request, device)


def reset(user) -> None:
    """A lost phone: the member of staff sets up a new app at their next sign-in."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def give_demo_device(user) -> TOTPDevice:
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(
        user=user, name=APP_DEVICE_NAME, key=DEMO_TOTP_KEY, confirmed=True
    )


def demo_code() -> str:
    """The demo seed's code right now (what an app with the demo key shows)."""
    device = TOTPDevice(key=DEMO_TOTP_KEY)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    return f"{totp.token():0{device.digits}d}"


def demo_key_base32() -> str:
    return b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// link as an SVG QR code, drawn here (no request to anyone)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = BytesIO()
    image.save(out)
    text = out.getvalue().decode()
    return text[text.index("<svg") :]  # inline in the page: no XML declaration


def key_base32(device: TOTPDevice) -> str:
    text = b32encode(device.bin_key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def _digits(token: str) -> str:
    return "".join(c for c in (token or "") if c.isascii() and c.isdigit())[:8]
