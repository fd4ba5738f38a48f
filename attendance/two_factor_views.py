"""The second-factor pages: set up an authenticator app, then a code at each sign-in."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from . import sign_in_log, two_factor
from .errors import RuleError


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


@require_http_methods(["GET", "POST"])
def verify(request):
    """The code from the app (or a backup code), once per sign-in."""
    if not two_factor.has_second_factor(request.user):
        return redirect(two_factor.step_url(request.user, _next(request)))
    error = None
    if request.method == "POST":
        ok = two_factor.verify(request, request.POST.get("code", ""))
        sign_in_log.second_factor_checked(request.user.pk, ok)
        if ok:
            return redirect(_next(request))
        error = (
            "That code is not right, or has been used. Type the six digits the app shows "
            "now, or one of your backup codes."
        )
    return render(
        request,
        "two_factor/verify.html",
        {"error": error, "next": _next(request)},
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def setup(request):
    """Add an authenticator app: scan, type its first code, keep the backup codes."""
    verified = request.user.is_verified()
    if two_factor.has_second_factor(request.user) and not verified:
        # Replacing the app needs the old one (or a backup code) first.
        return redirect(two_factor.step_url(request.user, request.path))
    error = None
    if request.method == "POST":
        try:
            codes = two_factor.confirm_setup(request.user, request.POST.get("code", ""))
        except RuleError as exc:
            error = str(exc)
        else:
            two_factor.verify_device_session(request)
            return render(
                request, "two_factor/backup_codes.html", {"codes": codes, "next": _next(request)}
            )
    device = two_factor.start_setup(request.user)
    return render(
        request,
        "two_factor/setup.html",
        {
            "qr": two_factor.qr_svg(device),
            "key": two_factor.key_base32(device),
            "error": error,
            "next": _next(request),
            "replacing": two_factor.has_second_factor(request.user),
        },
        status=400 if error else 200,
    )


@require_http_methods(["POST"])
def new_backup_codes(request):
    codes = two_factor.new_backup_codes(request.user)
    messages.success(request, "New backup codes made: the old ones no longer work.")
    return render(request, "two_factor/backup_codes.html", {"codes": codes, "next": "/"})
