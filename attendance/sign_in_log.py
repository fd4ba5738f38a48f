"""Sign-ins in the log: who (by id), never a password or a guessed username."""

from __future__ import annotations

import logging

log = logging.getLogger("rollcall.sign_in")


def signed_in(sender, request, user, **kwargs) -> None:
    log.info("sign-in", extra={"user_id": user.pk, "event": "signed_in"})


def sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    # The username typed may be a mistyped password: it is not logged.
    log.warning("sign-in failed", extra={"event": "sign_in_failed"})


def signed_out(sender, request, user, **kwargs) -> None:
    log.info("sign-out", extra={"user_id": getattr(user, "pk", None), "event": "signed_out"})


def locked_out(sender, request, username=None, ip_address=None, **kwargs) -> None:
    log.warning("sign-in locked out after repeated failures", extra={"event": "locked_out"})


def second_factor_checked(user_id: int, ok: bool) -> None:
    log.log(
        logging.INFO if ok else logging.WARNING,
        "second factor " + ("accepted" if ok else "refused"),
        extra={"user_id": user_id, "event": "second_factor_ok" if ok else "second_factor_refused"},
    )
