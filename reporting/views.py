from __future__ import annotations

import csv
import datetime as dt

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from attendance import authorizers
from attendance import selectors as core
from attendance.pdfs import render_pdf
from registers.models import Mark

from . import periods, selectors
from .dashboard import governors_dashboard


def _school(request):
    school = core.school_for(request.user)
    if school is None:
        raise Http404("No school is set up yet.")
    return school


def _board(request, key: str | None):
    authorizers.require_perm(request.user, "attendance.view_aggregate_reports")
    school = _school(request)
    today = timezone.localdate(timezone.now(), school.tz)
    terms = periods.terms(school)
    period = (
        next((t for t in terms if t.key == key), None) if key else periods.current(terms, today)
    )
    if period is None:
        raise Http404("No such term")
    return school, today, governors_dashboard(school, period, today, terms)


@require_GET
def governors(request):
    """Governors' termly dashboard: aggregate figures only, never a pupil."""
    school, today, board = _board(request, request.GET.get("term"))
    profile = core.roll_profile(school, today)
    return render(
        request, "reporting/governors.html", {"board": board, "profile": profile, "today": today}
    )


@require_GET
def governors_pdf(request, key: str):
    school, today, board = _board(request, key)
    pdf = render_pdf("reporting/governors_pdf.html", {"board": board, "today": today})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="attendance-{board.period.key.replace("/", "-")}.pdf"'
    )
    return response


@require_GET
def today(request):
    """The head's and attendance team's morning: registers, absences, calling, cases."""
    authorizers.require_perm(request.user, "attendance.view_all_pupils")
    authorizers.require_perm(request.user, "attendance.view_aggregate_reports")
    school = _school(request)
    now = timezone.now()
    return render(request, "reporting/today.html", selectors.today_view(school, now))


@require_GET
def marks_export(request):
    """Every mark in a date range as CSV: UPN, date, session, code (staff only)."""
    authorizers.require_perm(request.user, "attendance.view_all_pupils")
    authorizers.require_perm(request.user, "attendance.view_aggregate_reports")
    school = _school(request)
    try:
        start = dt.date.fromisoformat(request.GET.get("from", ""))
        end = dt.date.fromisoformat(request.GET.get("to", ""))
    except ValueError:
        return HttpResponse(
            "Give ?from=YYYY-MM-DD&to=YYYY-MM-DD", status=400, content_type="text/plain"
        )
    if end < start or (end - start).days > 400:
        return HttpResponse(
            "Choose a range of at most a year, from before to.",
            status=400,
            content_type="text/plain",
        )
    rows = (
        Mark.objects.filter(pupil__school=school, date__gte=start, date__lte=end)
        .order_by("pupil__upn", "date", "session")
        .values_list("pupil__upn", "date", "session", "code")
        .iterator(chunk_size=5000)
    )

    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo())
    stream = (writer.writerow(r) for r in [("upn", "date", "session", "code")])
    body = (writer.writerow((upn, d.isoformat(), s, c)) for upn, d, s, c in rows)
    response = StreamingHttpResponse(
        (line for part in (stream, body) for line in part), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="marks-{start}-to-{end}.csv"'
    return response
