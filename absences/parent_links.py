"""A parent's personal link: no password, signed, expiring after LINK_DAYS, revocable.

What the link lets a parent see and do is in absences.parent_views.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable

from django.core import signing

from attendance.errors import RuleError
from attendance.models import Contact, Pupil, User

from . import messaging
from .models import ParentLink

LINK_SALT = "rollcall.parent-link"
LINK_DAYS = 90


def create_parent_link(
    contact: Contact, *, by: User | None, now: dt.datetime
) -> tuple[ParentLink, str]:
    """A new personal link for a contact; returns the link and its signed token."""
    link = ParentLink.objects.create(
        contact=contact,
        nonce=secrets.token_urlsafe(24),
        created_by=by,
        created_at=now,
        expires_at=now + dt.timedelta(days=LINK_DAYS),
    )
    return link, signing.dumps({"n": link.nonce}, salt=LINK_SALT, compress=True)


def resolve_parent_link(token: str, now: dt.datetime) -> ParentLink | None:
    """The live link a token names, or None (bad signature, expired or revoked)."""
    try:
        payload = signing.loads(token, salt=LINK_SALT, max_age=dt.timedelta(days=LINK_DAYS))
    except signing.BadSignature:
        return None
    link = (
        ParentLink.objects.select_related("contact__school")
        .filter(nonce=payload.get("n"), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if link:
        ParentLink.objects.filter(pk=link.pk).update(last_used_at=now)
    return link


def revoke_parent_links(contact: Contact, now: dt.datetime) -> int:
    """End every live link a contact has (a lost phone, a parent who left)."""
    return ParentLink.objects.filter(contact=contact, revoked_at__isnull=True).update(
        revoked_at=now
    )


def email_parent_link(
    contact: Contact,
    pupil: Pupil,
    *,
    by: User,
    now: dt.datetime,
    url_for: Callable[[str], str],
) -> None:
    """Email a contact a new personal link (its address is `url_for(token)`).

    The link goes only to the email address on record, never one typed in,
    so a caller claiming to be a parent cannot have it sent elsewhere.
    Refused without an address; messaging.DeliveryError when the email
    could not be sent (the link stays, unused, until it expires).
    """
    if not contact.email:
        raise RuleError(f"{contact.name} has no email address on record.")
    _, token = create_parent_link(contact, by=by, now=now)
    school = pupil.school.name
    messaging.send(
        "email",
        contact.email,
        f"Your link to report absence to {school}",
        f"Dear {contact.name},\n\nUse this personal link to tell {school} about "
        f"an absence or to ask for leave of absence:\n\n{url_for(token)}\n\nIt works for "
        f"{LINK_DAYS} days. Do not share it.",
        reference=f"link-{contact.id}",
    )
