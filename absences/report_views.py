"""Absence reports and the head's decisions on them: logging a parent's call,
the authorisation queue, the evidence given, and the policy limits."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from attendance import authorizers, view_log
from attendance import selectors as core
from attendance.errors import RuleError
from attendance.http import get_object_or_404, search_text
from attendance.models import Contact
from registers.models import Mark

from . import authorisation, selectors, services
from .authorizers import AUTHORISE, OFFICE, require_pupil
from .forms import AbsenceReportForm, QueueDecisionForm, QueueFilterForm
from .models import AbsenceReport, Evidence


@require_http_methods(["GET", "POST"])
def log_report(request):
    """The office logs a parent's call or voicemail in seconds."""
    authorizers.require_perm(request.user, OFFICE)
    school = authorizers.require_school(request.user)
    now = timezone.now()
    today = timezone.localdate(now, school.tz)
    pupil = None
    if request.GET.get("pupil") or request.POST.get("pupil"):
        pupil = require_pupil(request, request.GET.get("pupil") or request.POST.get("pupil"))
    form = None
    if pupil:
        contacts = Contact.objects.filter(pupil_links__pupil=pupil).order_by(
            "pupil_links__priority"
        )
        form = AbsenceReportForm(
            request.POST or None,
            request.FILES or None,
            contacts=contacts,
            initial={"first_day": today, "channel": "phone"},
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                report = services.log_absence_report(
                    pupil,
                    reason=data["reason"],
                    reporter_name=data["reporter_name"],
                    channel=data["channel"],
                    first_day=data["first_day"],
                    now=now,
                    by=request.user,
                    contact=data.get("contact"),
                    details=data["details"],
                    expected_return=data["expected_return"],
                    evidence=data["evidence"],
                )
            except RuleError as exc:
                form.add_error(getattr(exc, "field", None), str(exc))
            else:
                status = (
                    "authorised under the school's attendance policy"
                    if services.authorised_by_policy(report)
                    else "pending authorisation"
                )
                messages.success(
                    request,
                    f"Absence logged for {pupil.name}: {report.get_reason_display().lower()}, "
                    f"code {services.report_code(report)} {status}.",
                )
                return redirect("absences:log_report")
    query = search_text(request)
    matches = core.search_pupils(school, today, query)[:15] if query and not pupil else []
    return render(
        request,
        "absences/log_report.html",
        {
            "pupil": pupil,
            "form": form,
            "query": query,
            "matches": matches,
            "today_reports": AbsenceReport.objects.filter(
                pupil__school=school, logged_at__date=today
            )
            .select_related("pupil", "logged_by")
            .order_by("-logged_at"),
        },
        status=400 if form is not None and form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def authorisation_queue(request):
    """The head's queue: every pending report and every N, oldest first,
    decided a row or many rows at a time."""
    authorizers.require_perm(request.user, AUTHORISE)
    school = authorizers.require_school(request.user)
    now = timezone.now()
    today = timezone.localdate(now, school.tz)
    filters = QueueFilterForm(request.GET, auto_id="filter_%s")
    when, reason = (
        (filters.cleaned_data["when"], filters.cleaned_data["reason"])
        if filters.is_valid()
        else ("", "")
    )
    error = None
    if request.method == "POST":
        form = QueueDecisionForm(request.POST)
        try:
            if not form.is_valid():
                raise RuleError(" ".join(e for errors in form.errors.values() for e in errors))
            decided, chased = authorisation.decide_queue(
                _queue_rows(school, form.cleaned_data["rows"]),
                decision=form.cleaned_data["decision"],
                code=form.cleaned_data["code"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                now=now,
            )
        except RuleError as exc:
            error = str(exc)
        else:
            if decided:
                names = sorted({row.pupil.name for row in decided})
                shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if names[5:] else "")
                messages.success(request, f"Decision recorded for {shown}.")
            if chased:
                messages.info(request, f"{len(chased)} left to chase.")
            return redirect(request.get_full_path())
    return render(
        request,
        "absences/queue.html",
        {
            "queue": selectors.authorisation_queue(school, today, when=when, reason=reason),
            "filters": filters,
            "decision_form": QueueDecisionForm(),
            "authorised_codes": authorisation.AUTHORISED_DECISION_CODES,
            "error": error,
        },
        status=400 if error else 200,
    )


def _queue_rows(school, ticked) -> list[authorisation.QueueRow]:
    """The ticked rows, read afresh (a row of another school is a 404)."""
    reports = (
        AbsenceReport.objects.filter(pupil__school=school)
        .select_related("pupil__school")
        .in_bulk([t.pk for t in ticked if t.kind == "report"])
    )
    marks = (
        Mark.objects.filter(pupil__school=school)
        .select_related("pupil__school")
        .in_bulk([t.pk for t in ticked if t.kind == "mark"])
    )
    rows = []
    for t in ticked:
        found = (reports if t.kind == "report" else marks).get(t.pk)
        if found is None:
            raise Http404("No such row in the queue")
        rows.append(
            authorisation.QueueRow(report=found, seen=t.seen, choice=t.choice)
            if t.kind == "report"
            else authorisation.QueueRow(mark=found, seen=t.seen, choice=t.choice)
        )
    return rows


@require_GET
def evidence_file(request, evidence_id: int):
    """Evidence (a hospital letter, an appointment card) is special category data:
    only the staff who deal with absences see it, not the admin or teachers."""
    authorizers.require_perm(request.user, OFFICE)
    evidence = get_object_or_404(Evidence, pk=evidence_id)
    owner = evidence.report or evidence.leave_request
    if owner is None:
        raise Http404("No such evidence")
    pupil = owner.pupil
    authorizers.require_pupil(request.user, pupil)
    view_log.looked(request, view_log.What.EVIDENCE, pupil=pupil, detail=evidence.original_name)
    response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type)
    response["Content-Disposition"] = f'inline; filename="evidence-{evidence.id}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def policy_limits(request):
    authorizers.require_perm(request.user, OFFICE)
    school = authorizers.require_school(request.user)
    today = timezone.localdate(timezone.now(), school.tz)
    year = core.current_academic_year(school, today)
    rows, limit = (
        selectors.over_religious_limit(school, year.start_date, today) if year else ([], 0)
    )
    return render(request, "absences/limits.html", {"rows": rows, "limit": limit, "year": year})
