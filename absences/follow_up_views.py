"""The follow-up list of N marks no reason has been found for."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from attendance import authorizers
from attendance.errors import RuleError

from . import follow_up


def _ticked(post) -> tuple[dict[int, int], bool]:
    """{mark id: version} from the ticked rows; False if a field is malformed."""
    seen: dict[int, int] = {}
    for value in post.getlist("mark"):
        pk, _, version = value.partition(":")
        if not (pk.isdigit() and version.isdigit() and len(pk) < 19 and len(version) < 10):
            return {}, False
        seen[int(pk)] = int(version)
    return seen, True


@require_http_methods(["GET", "POST"])
def unexplained_follow_up(request):
    authorizers.require_perm(request.user, "attendance.amend_marks")
    school = authorizers.require_school(request.user)
    now = timezone.now()
    today = now.astimezone(school.tz).date()
    error = None
    if request.method == "POST":
        seen, ok = _ticked(request.POST)
        try:
            if not ok:
                raise RuleError("The form could not be read: reload the page and try again.")
            n = follow_up.record_no_reason_given(
                school, seen, reason=request.POST.get("reason", ""), by=request.user, now=now
            )
        except RuleError as exc:
            error = str(exc)
        else:
            messages.success(
                request, f"Recorded O (no reason given) for {n} session{'s' if n != 1 else ''}."
            )
            return redirect("absences:unexplained_follow_up")
    marks = list(follow_up.unexplained_to_follow_up(school, today))
    ticked = set(request.POST.getlist("mark")) if error else set()
    for mark in marks:
        mark.tick = f"{mark.pk}:{mark.version}"
        mark.ticked = mark.tick in ticked
    return render(
        request,
        "absences/follow_up.html",
        {
            "marks": marks,
            "school": school,
            "cutoff": follow_up.follow_up_cutoff(school, today),
            "error": error,
            "reason": request.POST.get("reason", "") if error else "",
        },
        status=400 if error else 200,
    )
