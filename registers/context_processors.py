import functools

from django.utils import timezone

from .untaken import held_back_registers, in_reminder_window, reminders_due


def alerts(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Evaluated only by a template that shows it, once per request.
    return {"register_alerts": functools.cache(lambda: register_alerts(user))}


def register_alerts(user) -> dict:
    """What base.html shows on every page about registers not taken: a
    teacher's reminder in the minutes before the close, and, for the office,
    the registers that closed untaken (their pupils are held back)."""
    school = user.school
    if school is None:
        return {}
    alerts: dict = {}
    now = timezone.now()
    if user.has_perm("attendance.take_register"):
        today = now.astimezone(school.tz).date()
        # Only inside the few minutes before a close does this cost a query.
        near_close = any(in_reminder_window(school, today, s, now) for s in ("AM", "PM"))
        if near_close:
            alerts["reminders"] = reminders_due(school, now, teacher=user)
    if user.has_perm("attendance.amend_marks"):
        alerts["held_back"] = held_back_registers(school)
    return alerts
