"""The school census attendance extract page and its CSV (staff only)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from attendance import authorizers, view_log

from . import census
from .views import _csv


def _offered(today) -> list[census.CensusPeriod]:
    """This school year's census periods and last year's, newest first: the
    autumn census collects the summer term just gone."""
    year = today.year if today.month >= 9 else today.year - 1
    periods = census.census_periods(year - 1) + census.census_periods(year)
    return [p for p in reversed(periods) if p.start <= today]


@require_GET
def census_attendance(request):
    """Per pupil, sessions possible and absence sessions by reason code for a
    census period, on the page or (?format=csv) as the school's checking sheet."""
    authorizers.require_perm(request.user, "attendance.view_all_pupils")
    authorizers.require_perm(request.user, "attendance.view_aggregate_reports")
    school = authorizers.require_school(request.user)
    today = timezone.localdate(timezone.now(), school.tz)
    offered = _offered(today)
    key = request.GET.get("period")
    if key:
        period = census.period_for_key(key)
        if period is None:
            raise Http404("No such census period")
    else:
        period = offered[0] if offered else None
    extract = census.census_extract(school, period) if period else None
    if extract and request.GET.get("format") == "csv":
        view_log.looked(
            request, view_log.What.EXPORT, school=school, detail=f"Census attendance {period.key}"
        )
        return _csv(
            census.csv_rows(extract),
            f"{school.file_name('census-attendance', period.key)}.csv",
        )
    return render(
        request,
        "reporting/census_attendance.html",
        {"extract": extract, "period": period, "offered": offered},
    )
