"""The office's and the head's list of registers not taken."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from attendance import authorizers
from attendance.school_calendar import SchoolCalendar

from .authorizers import may_amend
from .untaken import untaken_registers


@require_GET
def untaken(request):
    school = authorizers.require_school(request.user)
    if not may_amend(request.user):
        authorizers.require_perm(request.user, "attendance.amend_marks")
    now = timezone.now()
    today = now.astimezone(school.tz).date()
    return render(
        request,
        "registers/untaken.html",
        {
            "school": school,
            "now": now,
            "today": today,
            "untaken": untaken_registers(school, now),
            "day_note": SchoolCalendar(school).day_note(today),
        },
    )
