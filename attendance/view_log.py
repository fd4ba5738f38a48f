"""The record of who looked: one row per view of a pupil's personal records.

Views call `looked(...)` after they have checked the viewer may see the
pupil, so the log holds what was shown, not what was refused (refusals are
in the web server's log). Searched by the head or the admin on the View log
page (`attendance.views.view_log`).
"""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.utils import timezone

from .models import Pupil, ViewLog

What = ViewLog.What


def looked(request, what: str, *, pupil: Pupil | None = None, school=None, detail: str = ""):
    user = request.user if request.user.is_authenticated else None
    school = school or (pupil.school if pupil is not None else getattr(user, "school", None))
    if school is None:
        return None
    try:
        address = get_client_ip_address(request) or None
    except Exception:  # noqa: BLE001  (an odd proxy header must not stop the page)
        address = None
    return ViewLog.objects.create(
        at=timezone.now(),
        user=user,
        user_name=user.display_name() if user else "A parent's link",
        school=school,
        pupil=pupil,
        what=what,
        detail=detail[:300],
        path=request.get_full_path()[:300].replace("\x00", ""),
        address=address,
    )


def search(school, *, pupil: Pupil | None = None, user=None, limit: int = 300):
    rows = ViewLog.objects.filter(school=school).select_related("pupil")
    if pupil is not None:
        rows = rows.filter(pupil=pupil)
    if user is not None:
        rows = rows.filter(user=user)
    return rows[:limit]
