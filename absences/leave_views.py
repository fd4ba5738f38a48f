"""Leave of absence: the office records a request, the head decides it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from attendance import authorizers, view_log
from attendance.errors import RuleError
from attendance.http import get_object_or_404
from attendance.pdfs import letter_download

from . import leave, leave_days, selectors
from .authorizers import OFFICE, require_pupil
from .forms import LeaveDecisionForm, LeaveRequestForm
from .models import LeaveRequest


@require_GET
def leave_list(request):
    authorizers.require_perm(request.user, OFFICE)
    return render(
        request,
        "absences/leave_list.html",
        {"requests": selectors.leave_requests(authorizers.require_school(request.user))},
    )


@require_http_methods(["GET", "POST"])
def leave_new(request, pupil_id: int):
    authorizers.require_perm(request.user, OFFICE)
    pupil = require_pupil(request, pupil_id)
    parent = pupil.contact_links.parents().select_related("contact").order_by("priority").first()
    initial = {}
    if parent:
        c = parent.contact
        initial = {
            "parent_names": c.name,
            "relationship": parent.get_relationship_display(),
            "phone": c.mobile_phone or c.home_phone,
            "email": c.email,
            "address": f"{c.address}\n{c.postcode}".strip(),
        }
    form = LeaveRequestForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            made = leave.submit_leave_request(
                pupil,
                now=timezone.now(),
                via="office",
                by=request.user,
                contact=parent.contact if parent else None,
                **form.cleaned_data,
            )
        except RuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, "Leave request recorded; it is waiting for the head's decision."
            )
            return redirect("absences:leave_detail", made.id)
    return render(
        request,
        "absences/leave_form.html",
        {"pupil": pupil, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def leave_detail(request, request_id: int):
    authorizers.require_perm(request.user, OFFICE)
    asked = get_object_or_404(
        LeaveRequest.objects.select_related(
            "pupil__school", "pupil__registration_group", "decided_by"
        ),
        pk=request_id,
    )
    authorizers.require_pupil(request.user, asked.pupil)
    deciding = request.method == "POST" and request.POST.get("action") == "decide"
    days = leave_days.requested_days(asked)
    form = LeaveDecisionForm(request.POST if deciding else None, leave=asked, days=days)
    if deciding:
        if not leave.may_decide_leave(request.user):
            raise PermissionDenied
        if form.is_valid():
            try:
                sent = leave.decide_and_write_to_parents(
                    asked,
                    granted_dates=form.cleaned_data["granted_dates"],
                    purpose=form.cleaned_data["purpose"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                    now=timezone.now(),
                )
            except RuleError as exc:
                form.add_error(None, str(exc))
            else:
                to = ", ".join(sent) if sent else "nobody (no email address): print the letter"
                messages.success(request, f"Decision recorded; the letter was emailed to {to}.")
                return redirect("absences:leave_detail", asked.id)
    elif request.method == "POST" and request.POST.get("action") == "holiday_taken_by":
        leave.record_holiday_taken_by(asked, request.POST.getlist("contacts"))
        messages.success(
            request, f"Recorded which parent(s) took {asked.pupil.first_name} out of school."
        )
        return redirect("absences:leave_detail", asked.id)
    parents = [
        link
        for link in asked.pupil.contact_links.select_related("contact")
        if link.is_parent  # s.576: whoever took the child may receive the notice
    ]
    return render(
        request,
        "absences/leave_detail.html",
        {
            "leave": asked,
            "form": form,
            "days": [
                (d.date, d.date in asked.granted_dates, leave_days.code_for_day(asked, d.date))
                for d in days
            ],
            "parents": parents,
            "can_decide": leave.may_decide_leave(request.user),
            "taken_by": set(asked.holiday_taken_by.values_list("id", flat=True)),
            "evidence": asked.evidence.all(),
        },
        status=400 if form.errors else 200,
    )


@require_GET
def leave_letter(request, request_id: int):
    authorizers.require_perm(request.user, OFFICE)
    asked = get_object_or_404(LeaveRequest.objects.select_related("pupil"), pk=request_id)
    authorizers.require_pupil(request.user, asked.pupil)
    view_log.looked(request, view_log.What.LETTER, pupil=asked.pupil, detail="Leave decision")
    return letter_download(asked.letter, f"leave-decision-{asked.pupil.surname}.pdf")
