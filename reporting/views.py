from __future__ import annotations

import csv
import datetime as dt

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from attendance import authorizers, view_log
from attendance.imports import safe_cell
from attendance.pdfs import render_pdf
from attendance.selectors import current_academic_year
from registers.models import Mark

from . import celebration, health, periods, selectors
from .dashboard import NO_CLASS, governors_dashboard, table_rows
from .forms import DateRangeForm
from .models import GroupedPupil
from .roll_profile import roll_profile


def _board(request, key: str | None, half: bool = False):
    authorizers.require_perm(request.user, "attendance.view_aggregate_reports")
    school = authorizers.require_school(request.user)
    today = timezone.localdate(timezone.now(), school.tz)
    terms = periods.half_terms(school) if half else periods.terms(school)
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
    profile = roll_profile(school, today)
    if request.GET.get("format") == "csv":
        return _csv(table_rows(board, profile), f"attendance-{board.period.key}.csv")
    halves = [
        h for h in periods.halves_of(periods.half_terms(school), board.period) if h.start <= today
    ]
    return render(
        request,
        "reporting/governors.html",
        {"board": board, "profile": profile, "today": today, "halves": halves},
    )


def _csv(rows, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return response


@require_GET
def governors_pdf(request, key: str):
    """The termly report for the governing body, or (half-term key) the lead governor's."""
    half = key.count("-") == 3  # e.g. 2026-27-autumn-1
    school, today, board = _board(request, key, half=half)
    if half:  # whole-school figures only (see the note in the summary)
        board.aged_5_to_15 = None
    pdf = render_pdf(
        "reporting/governors_pdf.html", {"board": board, "today": today, "summary": half}
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="attendance-{board.period.key.replace("/", "-")}.pdf"'
    )
    return response


@login_not_required
@transaction.non_atomic_requests  # must answer when the database does not
@require_GET
def healthz(request):
    """For a load balancer and docker-compose: 200 when every check passes, else 503.

    No sign-in and no personal data: what each check found, never a name or
    a count of pupils (reporting/health.py). Not in the view log: it shows
    no pupil's records. `?check=database&check=redis` answers for those
    alone: what a load balancer should ask, so that a stopped beat does not
    take every web server out of service.
    """
    checks = health.report(timezone.now())
    if only := request.GET.getlist("check"):
        checks = [check for check in checks if check.name in only]
    ok = bool(checks) and all(check.ok for check in checks)
    return JsonResponse(
        {"ok": ok, "checks": [check.as_json() for check in checks]}, status=200 if ok else 503
    )


@require_GET
def today(request):
    """The head's and attendance team's morning: registers, absences, calling, cases."""
    authorizers.require_perm(request.user, "attendance.view_all_pupils")
    authorizers.require_perm(request.user, "attendance.view_aggregate_reports")
    school = authorizers.require_school(request.user)
    now = timezone.now()
    context = selectors.today_view(school, now)
    if request.GET.get("format") == "csv":
        if request.GET.get("table") == "severe":
            return _csv(
                [["upn", "name", "class", "attendance %"]]
                + [
                    [p.upn, p.name, str(p.registration_group or ""), f.attendance_rate]
                    for p, f in context["severe"]
                ],
                "severe-absence.csv",
            )
        return _csv(
            [["class", "attendance %", "authorised", "unauthorised", "late"]]
            + [
                [name, f.attendance_rate, f.authorised, f.unauthorised, f.late]
                for name, f in context["week_by_class"]
            ],
            "this-week-by-class.csv",
        )
    return render(request, "reporting/today.html", context)


@require_GET
def marks_export(request):
    """Every mark in a date range as CSV: UPN, date, session, code (staff only).

    Without dates, or with bad ones, it is the page that asks for them."""
    authorizers.require_perm(request.user, "attendance.view_all_pupils")
    authorizers.require_perm(request.user, "attendance.view_aggregate_reports")
    school = authorizers.require_school(request.user)
    if not request.GET:
        today = timezone.localdate(timezone.now(), school.tz)
        year = current_academic_year(school, today)
        form = DateRangeForm(initial={"start": year.start_date if year else today, "end": today})
        return render(request, "reporting/marks_export.html", {"form": form})
    form = DateRangeForm(request.GET)
    if not form.is_valid():
        return render(request, "reporting/marks_export.html", {"form": form}, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    view_log.looked(request, view_log.What.EXPORT, school=school, detail=f"Marks {start} to {end}")
    rows = (
        Mark.objects.filter(pupil__school=school, date__gte=start, date__lte=end)
        .order_by("pupil__upn", "date", "session")
        .values_list("pupil__upn", "date", "session", "code", "held_back", "pending")
        .iterator(chunk_size=5000)
    )

    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo())
    # The status says what the code alone does not: an N of a register nobody
    # took, or a reported reason still waiting for the head.
    stream = (writer.writerow(r) for r in [("upn", "date", "session", "code", "status")])
    body = (
        writer.writerow(
            (upn, d.isoformat(), s, c, "register not taken" if held else "pending" if pend else "")
        )
        for upn, d, s, c, held, pend in rows
    )
    response = StreamingHttpResponse(
        (line for part in (stream, body) for line in part), content_type="text/csv"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{school.file_name("marks", f"{start}-to-{end}")}.csv"'
    )
    return response


@require_GET
def marks_export_old_address(request):
    """The first address of the export (?from=&to=), kept for scripts that use it."""
    query = QueryDict(mutable=True)
    query.update({"start": request.GET.get("from", ""), "end": request.GET.get("to", "")})
    return redirect(f"{reverse('reporting:marks_export')}?{query.urlencode()}", permanent=True)


# Celebration ------------------------------------------------------------------


def _celebration_context(request):
    authorizers.require_perm(request.user, "attendance.view_all_pupils")
    authorizers.require_perm(request.user, "attendance.view_aggregate_reports")
    school = authorizers.require_school(request.user)
    today = timezone.localdate(timezone.now(), school.tz)
    monday = today - dt.timedelta(days=today.weekday())
    if today.weekday() < 4:  # before Friday, celebrate last week
        monday -= dt.timedelta(weeks=1)
    terms = periods.terms(school)
    term = periods.current(terms, today)
    # 100% attendance over the term (the usual certificate) or the school year so far.
    over = "year" if request.GET.get("over") == "year" else "term"
    year_terms = [t for t in terms if term and t.year == term.year]
    if over == "year" and year_terms:
        # From the first day of the autumn term, not 1 September: a new
        # reception child admitted on the first day has been there all year.
        full_from, full_to = year_terms[0].start, year_terms[-1].end
        full_name = f"school year {term.year}"
    elif term:
        full_from, full_to, full_name = term.start, term.end, term.name
    else:
        full_from = full_to = full_name = None
    halves = periods.half_terms(school)
    half = periods.current(halves, today)
    before = periods.previous(halves, half) if half else None
    return (
        school,
        today,
        {
            "today": today,
            "class_of_the_week": celebration.class_of_the_week(school, monday),
            "over": over,
            "full_name": full_name,
            "full_attendance": celebration.full_attendance(school, full_from, min(full_to, today))
            if full_from and full_from <= today
            else [],
            "improved": celebration.most_improved(
                school, (before.start, before.end), (half.start, min(half.end, today))
            )
            if half and before
            else [],
            "half": half,
            "before": before,
        },
    )


@require_GET
def celebrate(request):
    school, today, context = _celebration_context(request)
    if request.GET.get("format") == "csv":
        if request.GET.get("table") == "improved":
            return _csv(
                [["upn", "name", "class", "before %", "now %"]]
                + [
                    [p.upn, p.name, str(p.registration_group or ""), was, now]
                    for p, was, now in context["improved"]
                ],
                "most-improved.csv",
            )
        return _csv(
            [["upn", "name", "class", "sessions"]]
            + [
                [p.upn, p.name, str(p.registration_group or ""), f.possible]
                for p, f in context["full_attendance"]
            ],
            f"full-attendance-{context['over']}.csv",
        )
    return render(request, "reporting/celebration.html", context)


@require_GET
def certificates(request, kind: str):
    """Certificates as one PDF: the class of the week, or 100% attendance this term."""
    school, today, context = _celebration_context(request)
    signed = school.headteacher or "The headteacher"
    date = f"{today:%-d %B %Y}"
    if kind == "class" and context["class_of_the_week"]:
        c = context["class_of_the_week"]
        items = [
            {
                "title": "Class of the week",
                "name": c.group.name,
                "reason": f"for the best attendance in the school, {c.attendance_rate}%, "
                f"in the week of {c.week_start:%-d %B}",
                "school": school.name,
                "date": date,
                "signed_by": signed,
            }
        ]
    elif kind == "full":
        items = [
            {
                "title": "100% attendance",
                "name": p.name,
                "reason": f"for being in school for every session of the {context['full_name']}",
                "school": school.name,
                "date": date,
                "signed_by": signed,
            }
            for p, _ in context["full_attendance"]
        ]
    else:
        raise Http404("No certificates of that kind")
    if not items:
        raise Http404("Nobody to award yet")
    view_log.looked(request, view_log.What.EXPORT, school=school, detail=f"Certificates: {kind}")
    pdf = render_pdf("letters/certificate.html", {"certificates": items})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificates-{kind}-{today}.pdf"'
    return response


@require_GET
def cohort_pupils(request):
    """The pupils behind a figure on the dashboard (staff only, never governors)."""
    authorizers.require_perm(request.user, "attendance.view_all_pupils")
    school, today, board = _board(request, request.GET.get("term"))
    by, value = request.GET.get("by", ""), request.GET.get("value", "")
    from attendance.models import Pupil
    from registers.statistics import figures_by_pupil

    # Only the figures the dashboard shows can be opened, so a made-up group
    # is a plain "not found" rather than an error.
    rows_shown = {(r.by, str(r.value)) for r in board.by_year + board.by_class + board.groups}
    rows_shown |= {("school", "all"), ("absence", "persistent"), ("absence", "severe")}
    if (by, value) not in rows_shown:
        raise Http404("That figure is not on the dashboard.")
    pupils = Pupil.objects.filter(school=school).select_related("registration_group")
    if by not in ("school", "absence"):
        pupils = pupils.filter(_in_group(board, by, value))
    figures = figures_by_pupil([p.id for p in pupils], board.period.start, board.end)
    wanted = {
        "persistent": lambda f: f.persistently_absent,
        "severe": lambda f: f.severely_absent,
    }.get(value if by == "absence" else "", lambda f: True)
    rows = sorted(
        ((p, figures[p.id]) for p in pupils if p.id in figures and wanted(figures[p.id])),
        key=lambda r: (r[1].attendance_rate or 0, r[0].surname),
    )
    view_log.looked(
        request, view_log.What.EXPORT, school=school, detail=f"Pupils behind {by} {value}"[:300]
    )
    return _cohort_response(request, board, by, value, rows)


def _in_group(board, by: str, value: str) -> Q:
    """Pupils in the dashboard's group: as the term's grouping froze them,
    or as recorded today for pupils who joined after it."""
    field = "registration_group_id" if by == "registration_group" else by
    if by == "registration_group" and value == NO_CLASS:
        lookup = {f"{field}__isnull": True}
    elif by == "registration_group":
        lookup = {field: int(value)}
    else:
        lookup = {field: {"true": True, "false": False}.get(value, value)}
    today_details = Q(**lookup)
    if board.grouping_id is None:
        return today_details
    grouped = GroupedPupil.objects.filter(grouping_id=board.grouping_id)
    return Q(id__in=grouped.filter(**lookup).values("pupil_id")) | (
        ~Q(id__in=grouped.values("pupil_id")) & today_details
    )


def _cohort_label(board, by: str, value: str) -> str:
    """What the figure was, in the words of the dashboard row it came from."""
    if by == "absence":
        return {
            "persistent": "Persistent absence (10%+)",
            "severe": "Severe absence (50%+)",
        }[value]
    if by == "school":
        return "Whole school"
    for row in board.by_year + board.by_class + board.groups:
        if row.by == by and str(row.value) == value:
            return f"Class {row.label}" if by == "registration_group" else row.label
    return "No pupils in this group this term"


def _cohort_response(request, board, by, value, rows):
    if request.GET.get("format") == "csv":
        header = ["upn", "name", "class", "possible", "attendance %", "authorised", "unauthorised"]
        return _csv(
            [header]
            + [
                [
                    p.upn,
                    p.name,
                    str(p.registration_group or ""),
                    f.possible,
                    f.attendance_rate,
                    f.authorised,
                    f.unauthorised,
                ]
                for p, f in rows
            ],
            "pupils.csv",
        )
    return render(
        request,
        "reporting/cohort.html",
        {
            "rows": rows,
            "board": board,
            "by": by,
            "value": value,
            "label": _cohort_label(board, by, value),
        },
    )
