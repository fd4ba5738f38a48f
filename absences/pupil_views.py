"""A pupil's absence record for the office: reports, leave, part-time
timetables, deletion from the register, and the parents' personal links."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from attendance import authorizers, view_log
from attendance.errors import RuleError
from attendance.http import get_object_or_404
from attendance.models import Contact

from . import messaging, parent_links, services
from .authorizers import AMEND, OFFICE, require_pupil
from .forms import DeletionForm, PartTimeTimetableForm


@require_http_methods(["GET", "POST"])
def part_time_new(request, pupil_id: int):
    authorizers.require_perm(request.user, AMEND)
    pupil = require_pupil(request, pupil_id)
    contacts = Contact.objects.filter(pupil_links__in=pupil.contact_links.parents())
    form = PartTimeTimetableForm(request.POST or None, contacts=contacts)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_part_time_timetable(
                pupil, by=request.user, now=timezone.now(), **form.cleaned_data
            )
        except RuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, "Part-time timetable recorded; LA notification tasks created."
            )
            return redirect("absences:pupil_absences", pupil.id)
    return render(
        request,
        "absences/simple_form.html",
        {"pupil": pupil, "form": form, "title": "Part-time timetable"},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def deletion_new(request, pupil_id: int):
    authorizers.require_perm(request.user, AMEND)
    pupil = require_pupil(request, pupil_id)
    form = DeletionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_from_register(
                pupil, by=request.user, now=timezone.now(), **form.cleaned_data
            )
        except RuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"{pupil.name} comes off roll on {form.cleaned_data['date']:%-d %B %Y}; "
                "the LA notification is on the task list.",
            )
            return redirect("absences:pupil_absences", pupil.id)
    return render(
        request,
        "absences/simple_form.html",
        {"pupil": pupil, "form": form, "title": "Delete from the admission register"},
        status=400 if form.errors else 200,
    )


@require_GET
def pupil_absences(request, pupil_id: int):
    authorizers.require_perm(request.user, OFFICE)
    pupil = require_pupil(request, pupil_id)
    view_log.looked(request, view_log.What.ABSENCES, pupil=pupil)
    return render(
        request,
        "absences/pupil_absences.html",
        {
            "pupil": pupil,
            "reports": pupil.absence_reports.order_by("-logged_at")[:50],
            "leave": pupil.leave_requests.all(),
            "timetables": pupil.part_time_timetables.all(),
            "links": pupil.contact_links.select_related("contact").order_by("priority"),
            "deletion": getattr(pupil, "deletion", None),
        },
    )


@require_POST
def parent_link(request, pupil_id: int, contact_id: int):
    """Email a contact their personal link (or revoke every link they have)."""
    authorizers.require_perm(request.user, OFFICE)
    pupil = require_pupil(request, pupil_id)
    contact = get_object_or_404(Contact, pk=contact_id, pupil_links__pupil=pupil)
    now = timezone.now()
    if request.POST.get("action") == "revoke":
        count = parent_links.revoke_parent_links(contact, now)
        messages.success(request, f"{count} link(s) for {contact.name} no longer work.")
        return redirect("absences:pupil_absences", pupil.id)
    try:
        parent_links.email_parent_link(
            contact,
            pupil,
            by=request.user,
            now=now,
            url_for=lambda token: request.build_absolute_uri(
                reverse("parents:parent_home", args=[token])
            ),
        )
    except RuleError as exc:
        messages.error(request, str(exc))
        return redirect("absences:pupil_absences", pupil.id)
    except messaging.DeliveryError as exc:
        messages.error(request, f"The email could not be sent: {exc}")
    else:
        messages.success(request, f"Personal link emailed to {contact.email}.")
    # A link was made, sent or not: the record says who made one for whom.
    view_log.looked(request, view_log.What.PARENT_LINK, pupil=pupil, detail=f"to {contact.name}")
    return redirect("absences:pupil_absences", pupil.id)
