"""Pages a parent reaches through their personal link: no password, no account.

The link shows only the children that contact is a parent of in law
(parental responsibility or care of the child), and only lets them tell the
school something: it never shows attendance records or other family
members' details.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from attendance.errors import RuleError

from . import leave, parent_links, selectors, services
from .forms import LeaveRequestForm, ParentAbsenceForm
from .models import AbsenceReport


def _link(token: str):
    now = timezone.now()
    link = parent_links.resolve_parent_link(token, now)
    if link is None:
        raise Http404(
            "This link has expired or been withdrawn. Ask the school office for a new one."
        )
    today = timezone.localdate(now, link.contact.school.tz)
    children = selectors.children_of(link.contact, today)
    return link, children, now, today


@login_not_required
@require_http_methods(["GET"])
def parent_home(request, token: str):
    link, children, now, today = _link(token)
    return render(
        request,
        "absences/parent/home.html",
        {"contact": link.contact, "children": children, "token": token},
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def parent_report(request, token: str):
    link, children, now, today = _link(token)
    form = ParentAbsenceForm(
        request.POST or None,
        request.FILES or None,
        children=children,
        initial={"first_day": today, "reporter_name": link.contact.name},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        pupil = next(c for c in children if c.id == data["pupil"])
        try:
            services.log_absence_report(
                pupil,
                reason=data["reason"],
                reporter_name=data["reporter_name"],
                channel=AbsenceReport.Channel.ONLINE,
                first_day=data["first_day"],
                now=now,
                contact=link.contact,
                details=data["details"],
                expected_return=data["expected_return"],
                evidence=data["evidence"],
            )
        except RuleError as exc:
            form.add_error(getattr(exc, "field", None), str(exc))
        else:
            return render(
                request,
                "absences/parent/thanks.html",
                {
                    "token": token,
                    "what": f"Thank you: the school knows {pupil.first_name} is absent.",
                },
            )
    return render(
        request,
        "absences/parent/form.html",
        {"form": form, "token": token, "title": "Report an absence", "contact": link.contact},
        status=400 if form.errors else 200,
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def parent_leave(request, token: str):
    link, children, now, today = _link(token)
    contact = link.contact
    initial = {
        "parent_names": contact.name,
        "phone": contact.mobile_phone or contact.home_phone,
        "email": contact.email,
        "address": f"{contact.address}\n{contact.postcode}".strip(),
    }
    form = LeaveRequestForm(request.POST or None, request.FILES or None, initial=initial)
    from django import forms as django_forms

    form.fields["pupil"] = django_forms.TypedChoiceField(
        choices=[(c.id, c.name) for c in children], coerce=int, label="Child"
    )
    form.order_fields(["pupil"])
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "pupil"}
        pupil = next(c for c in children if c.id == form.cleaned_data["pupil"])
        try:
            request_made = leave.submit_leave_request(
                pupil, now=now, via="online", contact=contact, **data
            )
        except RuleError as exc:
            form.add_error(None, str(exc))
        else:
            note = (
                " It reached us with less notice than our policy asks for."
                if request_made.short_notice
                else ""
            )
            return render(
                request,
                "absences/parent/thanks.html",
                {
                    "token": token,
                    "what": "Thank you: the headteacher will consider your request "
                    f"and write to you.{note}",
                },
            )
    return render(
        request,
        "absences/parent/form.html",
        {"form": form, "token": token, "title": "Ask for leave of absence", "contact": contact},
        status=400 if form.errors else 200,
    )


def parent_redirect(request, token: str):
    return redirect("parents:parent_home", token)
