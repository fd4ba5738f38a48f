"""The office's morning: the first-day calling list, a children-missing-education
referral, the outbox of automatic messages, and the task list."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from attendance import authorizers, view_log
from attendance.errors import RuleError
from attendance.http import get_object_or_404
from attendance.models import Contact
from attendance.pdfs import letter_download
from attendance.school_calendar import SchoolCalendar

from . import calling, calls, follow_up_tasks, messaging, selectors
from .authorizers import OFFICE, require_pupil
from .forms import CallOutcomeForm, MissingEducationReferralForm
from .models import AbsenceReport, FollowUpTask


@require_http_methods(["GET", "POST"])
def calling_list(request):
    """Today's first-day calling: who is unexplained, who was contacted, who answered."""
    authorizers.require_perm(request.user, OFFICE)
    school = authorizers.require_school(request.user)
    now = timezone.now()
    today = timezone.localdate(now, school.tz)
    error = None
    if request.method == "POST" and request.POST.get("action") == "refer":
        # A page open from before the referral had its own step: confirm there.
        pupil = require_pupil(request, request.POST.get("pupil"))
        return redirect("absences:cme_referral", pupil.id)
    if request.method == "POST":
        pupil = require_pupil(request, request.POST.get("pupil"))
        contacts = Contact.objects.filter(pupil_links__pupil=pupil)
        form = CallOutcomeForm(request.POST, contacts=contacts)
        if form.is_valid():
            data = form.cleaned_data
            try:
                calls.record_call(
                    pupil,
                    contact=data["contact"],
                    outcome=data["outcome"],
                    notes=data["notes"],
                    reason=data["reason"],
                    expected_return=data["expected_return"],
                    by=request.user,
                    now=now,
                    today=today,
                )
            except RuleError as exc:
                error = str(exc)
            else:
                messages.success(
                    request, f"Call to {data['contact'].name} recorded for {pupil.name}."
                )
                return redirect("absences:calling_list")
        else:
            error = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
    rows = selectors.calling_list(school, today)
    explained = (
        AbsenceReport.objects.filter(
            pupil__school=school, first_day__lte=today, logged_at__date=today
        )
        .select_related("pupil__registration_group", "logged_by")
        .order_by("-logged_at")
    )
    return render(
        request,
        "absences/calling.html",
        {
            "explained": explained,
            "rows": rows,
            "today": today,
            "day_note": SchoolCalendar(school).day_note(today),
            "starts": calling.calling_starts(school, today),
            "ends": calling.calling_ends(school, today),
            "now": now,
            "error": error,
            "notify": messaging.notify_configured(),
            "outcomes": CallOutcomeForm.base_fields["outcome"].choices,
            "reasons": CallOutcomeForm.base_fields["reason"].choices,
            "cme_after": school.cme_referral_after_days,
        },
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def cme_referral(request, pupil_id: int):
    """Confirm a children-missing-education referral: the facts the LA will get, then POST."""
    authorizers.require_perm(request.user, OFFICE)
    school = authorizers.require_school(request.user)
    pupil = require_pupil(request, pupil_id)
    now = timezone.now()
    today = timezone.localdate(now, school.tz)
    facts = calling.missing_education_facts(pupil, today)
    # Bound on every POST: at the limit the confirmation posts no fields at all.
    data = request.POST if request.method == "POST" else None
    form = MissingEducationReferralForm(data, early=facts.early)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            task = calling.confirm_missing_education_referral(
                pupil, today, now, early_reason=form.cleaned_data["early_reason"], by=request.user
            )
        except calling.ReferralRefused as exc:
            error = str(exc)
        else:
            if task:
                messages.success(request, f"CME referral for {pupil.name} added to the task list.")
            else:
                messages.info(
                    request, f"A CME referral for {pupil.name} is already on the task list."
                )
            return redirect("absences:calling_list")
    return render(
        request,
        "absences/cme_referral.html",
        {"facts": facts, "form": form, "error": error, "today": today},
        status=400 if error or form.errors else 200,
    )


@require_GET
def outbox(request):
    """Every automatic message today: the development outbox and the office's record."""
    authorizers.require_perm(request.user, OFFICE)
    school = authorizers.require_school(request.user)
    day = timezone.localdate(timezone.now(), school.tz)
    if request.GET.get("date"):
        with contextlib.suppress(ValueError):
            day = dt.date.fromisoformat(request.GET["date"])
    return render(
        request, "absences/outbox.html", {"attempts": selectors.outbox(school, day), "day": day}
    )


@require_http_methods(["GET", "POST"])
def tasks(request):
    authorizers.require_perm(request.user, OFFICE)
    school = authorizers.require_school(request.user)
    now = timezone.now()
    if request.method == "POST":
        task = get_object_or_404(FollowUpTask, pk=request.POST.get("task"), pupil__school=school)
        try:
            follow_up_tasks.close_task(
                task, request.POST.get("outcome", ""), by=request.user, now=now
            )
        except RuleError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Done: {task.get_kind_display()} for {task.pupil.name}.")
        return redirect("absences:follow_up_tasks")
    today = timezone.localdate(now, school.tz)
    return render(
        request, "absences/tasks.html", {"tasks": selectors.open_tasks(school), "today": today}
    )


@require_GET
def task_letter(request, task_id: int):
    authorizers.require_perm(request.user, OFFICE)
    task = get_object_or_404(
        FollowUpTask, pk=task_id, pupil__school=authorizers.require_school(request.user)
    )
    view_log.looked(request, view_log.What.LETTER, pupil=task.pupil, detail=task.get_kind_display())
    return letter_download(task.letter, f"letter-{task.pupil.surname}.pdf")
