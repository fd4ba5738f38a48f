"""The edges every response passes through: headers, idle sign-out, body size."""

import base64
import hashlib
import re
import time
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect, resolve_url
from django.template.loader import render_to_string


def _inline_style_hashes() -> list[str]:
    """The self-contained 500 and 503 pages carry their own <style> (they must
    not need static files); the policy allows exactly that block and no other."""
    text = (Path(settings.BASE_DIR) / "templates" / "includes" / "error_style.html").read_text()
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"
        for block in re.findall(r"<style>(.*?)</style>", text, re.S)
    ]


def content_security_policy() -> str:
    # Rollcall's pages run no script at all; a name or a note that carried one
    # would be refused by the browser even if escaping ever failed.
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self' " + " ".join(_inline_style_hashes()),
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "camera",
        "microphone",
        "geolocation",
        "payment",
        "usb",
        "serial",
        "bluetooth",
        "display-capture",
        "interest-cohort",
    )
)


class SecurityHeadersMiddleware:
    """CSP and Permissions-Policy on every response; no-store on everything
    but the public static files, so no page, PDF or CSV with a pupil's data
    stays in a browser's or a proxy's cache on a shared machine."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if not request.path.startswith(settings.STATIC_URL):
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response


# A load balancer's probe (reporting.views.healthz): it carries no session,
# and must not need the database to read one when it carries a stray cookie.
HEALTH_CHECK_PATH = "/healthz"


class IdleTimeoutMiddleware:
    """Signs staff out after STAFF_IDLE_MINUTES without a request.

    Besides the absolute SESSION_COOKIE_AGE: a tablet left on a desk at
    lunchtime must not stay open on a class's register until home time.
    """

    SESSION_KEY = "rollcall_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == HEALTH_CHECK_PATH:
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            last = request.session.get(self.SESSION_KEY)
            idle = settings.STAFF_IDLE_MINUTES * 60
            if last is not None and now - last > idle:
                logout(request)
                unsaved = (
                    " What you had just sent was not saved." if request.method == "POST" else ""
                )
                messages.info(
                    request,
                    f"You were signed out after {settings.STAFF_IDLE_MINUTES} minutes "
                    f"without using Rollcall.{unsaved} Sign in again to carry on.",
                )
                return redirect(
                    f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': request.path})}"
                )
            # A session write costs three queries: once a minute is precise enough.
            if last is None or now - last >= 60:
                request.session[self.SESSION_KEY] = now
        return self.get_response(request)


class SecondFactorMiddleware:
    """Staff who must give a second factor reach nothing else until they have.

    After the password, one page asks for the code (or sets the app up at
    the first sign-in); signing out and the parents' pages stay open.
    """

    OPEN = ("/account/two-factor/", "/logout/", "/login/", "/p/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from . import two_factor

        if request.path == HEALTH_CHECK_PATH:
            return self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.OPEN + (settings.STATIC_URL,))
            and not user.is_verified()
            and two_factor.required_for(user)
        ):
            return redirect(two_factor.step_url(user, request.get_full_path()))
        return self.get_response(request)


def start_idle_clock(sender, request, user, **kwargs) -> None:
    """Signing in counts as using Rollcall (connected in AttendanceConfig.ready)."""
    if request is not None and hasattr(request, "session"):
        request.session[IdleTimeoutMiddleware.SESSION_KEY] = time.time()


class RequestSizeLimitMiddleware:
    """Refuses a request body larger than MAX_REQUEST_BYTES before reading it.

    The proxy in front should refuse it first (README: client_max_body_size);
    this is the same limit where Rollcall can see it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            limit = settings.MAX_REQUEST_BYTES // (1024 * 1024)
            html = render_to_string(
                "413.html", {"limit_mb": limit, "size_mb": round(length / 1024 / 1024, 1)}
            )
            return HttpResponse(html, status=413)
        return self.get_response(request)
