"""Signing in: lockout after guessing, the sign-in log, and password rules.

Lockout is django-axes. An account is locked after SIGN_IN_ACCOUNT_LIMIT
failed attempts; an address after SIGN_IN_ADDRESS_LIMIT, higher because a
whole staff room signs in from the school's one public address at 08:45.
Both unlock by themselves after AXES_COOLOFF_TIME, or at once from the
Sign-ins page (office, head, admin).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.utils import reset
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Max, Sum
from django.utils import timezone

from .demo import DEMO_PASSWORD


class SignInHandler(AxesDatabaseHandler):
    """Axes with a limit per account and a higher one per address.

    Axes compares one failure count with one limit (AXES_FAILURE_LIMIT, set
    to the account limit). The address's failures are counted at the
    account limit's share of the address limit, so the address locks at
    SIGN_IN_ADDRESS_LIMIT failures and the account at SIGN_IN_ACCOUNT_LIMIT.
    """

    def get_failures(self, request, credentials=None) -> int:
        by_account, by_address = (
            qs.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for qs in self.get_user_attempts(request, credentials)
        )
        share = settings.SIGN_IN_ACCOUNT_LIMIT / settings.SIGN_IN_ADDRESS_LIMIT
        return max(by_account, math.floor(by_address * share))

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A good sign-in clears that account's own failures only.

        Axes would also clear every failure from the same address, so one
        colleague signing in from the staff room would unlock an account
        someone is guessing at from the same network.
        """
        by_account = self.filter_user_attempts(request, credentials)[0]
        return by_account.delete()[0]


@dataclass
class Lock:
    kind: str  # "account" or "address"
    value: str
    failures: int
    last_attempt: dt.datetime
    unlocks_at: dt.datetime


def current_locks(now: dt.datetime | None = None) -> list[Lock]:
    """Accounts and addresses locked now, newest first."""
    now = now or timezone.now()
    since = now - settings.AXES_COOLOFF_TIME
    locks = []
    for kind, field, limit in (
        ("account", "username", settings.SIGN_IN_ACCOUNT_LIMIT),
        ("address", "ip_address", settings.SIGN_IN_ADDRESS_LIMIT),
    ):
        rows = (
            AccessAttempt.objects.filter(attempt_time__gte=since)
            .exclude(**{f"{field}__isnull": True})
            .values(field)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=limit)
        )
        locks += [
            Lock(kind, r[field], r["failures"], r["last"], r["last"] + settings.AXES_COOLOFF_TIME)
            for r in rows
        ]
    return sorted(locks, key=lambda lock: lock.last_attempt, reverse=True)


def unlock(kind: str, value: str) -> int:
    """Clear the failures that lock an account or an address; how many were cleared."""
    if kind == "account":
        return reset(username=value)
    if kind == "address":
        return reset(ip=value)
    raise ValueError(kind)


def sign_in_log(limit: int = 200):
    """Recent sign-ins and failed attempts, newest first, for the Sign-ins page."""
    signed_in = [
        ("signed in", a.username, a.ip_address, a.attempt_time, a.logout_time)
        for a in AccessLog.objects.order_by("-attempt_time")[:limit]
    ]
    failed = [
        ("failed", f.username, f.ip_address, f.attempt_time, None)
        for f in AccessFailureLog.objects.order_by("-attempt_time")[:limit]
    ]
    return sorted(signed_in + failed, key=lambda row: row[3], reverse=True)[:limit]


# Password rules ---------------------------------------------------------


def _squashed(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


# Words in many schools' names, not a clue to this one.
GENERIC_WORDS = {
    "primary", "school", "academy", "junior", "infant", "infants", "church", "england",
    "catholic", "community", "nursery", "federation", "first", "middle", "the", "and",
    "of", "st", "saint", "ce", "rc", "c", "e",
}  # fmt: skip


class NotTheSchoolOrTheDemoValidator:
    """Refuses the school's name (or most of it) and the demo's password.

    The demo seed sets its password directly, so the demo keeps working;
    nobody can choose it, or their school's name, through a form.
    """

    def validate(self, password: str, user=None) -> None:
        squashed = _squashed(password)
        if squashed and squashed in {_squashed(DEMO_PASSWORD), "rollcall", "rollcalldemo"}:
            raise ValidationError(
                "This is the demo's password, which everyone can read in the README: "
                "choose another.",
                code="password_is_demo",
            )
        school = getattr(user, "school", None) if user is not None else None
        names = [school.name] if school else []
        names += [w for n in names for w in n.split() if _squashed(w) not in GENERIC_WORDS]
        for name in names:
            word = _squashed(name)
            for generic in ("school", "primary", "academy"):
                word = word.removesuffix(generic)
            if len(word) >= 4 and word in squashed:
                raise ValidationError(
                    "A password must not contain the school's name: it is the first thing "
                    "someone guessing would try.",
                    code="password_has_school_name",
                )

    def get_help_text(self) -> str:
        return "Not the school's name, and not the demo's password."
