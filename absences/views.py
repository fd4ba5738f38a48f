from __future__ import annotations

import contextlib
import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from attendance import authorizers, view_log
from attendance import selectors as core
from attendance.http import get_object_or_404, search_text
from attendance.models import Contact, Pupil
from attendance.pdfs import letter_download
from attendance.school_calendar import SchoolCalendar
from registers.models import Mark
from registers.services import MarkError

from . import calling, leave_days, letters, messaging, selectors, services
from .forms import (
    AbsenceReportForm,
    CallOutcomeForm,
    DeletionForm,
    LeaveDecisionForm,
    LeaveRequestForm,
    MissingEducationReferralForm,
    PartTimeTimetableForm,
    QueueDecisionForm,
    QueueFilterForm,
)
from .models import AbsenceReport, ContactAttempt, Evidence, FollowUpTask, LeaveRequest

OFFICE = "attendance.record_late_arrivals"
AUTHORISE = "attendance.authorise_absence"


def _pupil(request, pupil_id) -> Pupil:
    pupil = get_object_or_404(
        Pupil.objects.select_related("school", "registration_group"), pk=pupil_id
    )
    authorizers.require_pupil(request.user, pupil)
    return pupil


def save_evidence(upload, *, by, now, report=None, leave_request=None) -> Evidence | None:
    if not upload:
        return None
    evidence = Evidence(
        report=report,
        leave_request=leave_request,
        original_name=upload.name[:200],
        content_type=upload.checked_type,
        size=upload.size,
        uploaded_by=by,
        uploaded_at=now,
    )
    evidence.file.save(upload.name, upload, save=False)
    evidence.save()
    return evidence


@require_http_methods(["GET", "POST"])
def log_report(request):
    """The office logs a parent's call or voicemail in seconds."""
    authorizers.require_perm(request.user, OFFICE)
    school = authorizers.require_school(request.user)
    now = timezone.now()
    today = timezone.localdate(now, school.tz)
    pupil = None
    if request.GET.get("pupil") or request.POST.get("pupil"):
        pupil = _pupil(request, request.GET.get("pupil") or request.POST.get("pupil"))
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
                with transaction.atomic():
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
                    )
                    save_evidence(data["evidence"], by=request.user, now=now, report=report)
            except MarkError as exc:
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
                return redirect("log_report")
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
                raise MarkError(" ".join(e for errors in form.errors.values() for e in errors))
            decided, chased = services.decide_queue(
                _queue_rows(school, form.cleaned_data["rows"]),
                decision=form.cleaned_data["decision"],
                code=form.cleaned_data["code"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                now=now,
            )
        except MarkError as exc:
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
            "authorised_codes": services.AUTHORISED_DECISION_CODES,
            "error": error,
        },
        status=400 if error else 200,
    )


def _queue_rows(school, ticked) -> list[services.QueueRow]:
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
            services.QueueRow(report=found, seen=t.seen, choice=t.choice)
            if t.kind == "report"
            else services.QueueRow(mark=found, seen=t.seen, choice=t.choice)
        )
    return rows


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
        pupil = _pupil(request, request.POST.get("pupil"))
        return redirect("cme_referral", pupil.id)
    if request.method == "POST":
        pupil = _pupil(request, request.POST.get("pupil"))
        contacts = Contact.objects.filter(pupil_links__pupil=pupil)
        form = CallOutcomeForm(request.POST, contacts=contacts)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    ContactAttempt.objects.create(
                        pupil=pupil,
                        date=today,
                        kind=ContactAttempt.Kind.PHONE_CALL,
                        channel=ContactAttempt.Channel.PHONE,
                        contact=data["contact"],
                        recipient=data["contact"].mobile_phone
                        or data["contact"].home_phone
                        or "phone",
                        status=data["outcome"],
                        notes=data["notes"],
                        made_by=request.user,
                        created_at=now,
                        updated_at=now,
                    )
                    if data["reason"]:
                        services.log_absence_report(
                            pupil,
                            reason=data["reason"],
                            reporter_name=data["contact"].name,
                            channel=AbsenceReport.Channel.FIRST_DAY_CALL,
                            first_day=today,
                            now=now,
                            by=request.user,
                            contact=data["contact"],
                            details=data["notes"],
                            expected_return=data["expected_return"],
                        )
            except MarkError as exc:
                # The report's bounds (absences.services): nothing is saved, not even the call.
                error = str(exc)
            else:
                messages.success(
                    request, f"Call to {data['contact'].name} recorded for {pupil.name}."
                )
                return redirect("calling_list")
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
            "starts": services_calling_starts(school, today),
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


def services_calling_starts(school, day):
    return calling.calling_starts(school, day)


@require_http_methods(["GET", "POST"])
def cme_referral(request, pupil_id: int):
    """Confirm a children-missing-education referral: the facts the LA will get, then POST."""
    authorizers.require_perm(request.user, OFFICE)
    school = authorizers.require_school(request.user)
    pupil = _pupil(request, pupil_id)
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
            return redirect("calling_list")
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
        outcome = request.POST.get("outcome", "").strip()
        if not outcome:
            messages.error(request, "Say what was done before closing the task.")
        else:
            task.done_at, task.done_by, task.outcome = now, request.user, outcome
            task.save(update_fields=["done_at", "done_by", "outcome"])
            messages.success(request, f"Done: {task.get_kind_display()} for {task.pupil.name}.")
        return redirect("follow_up_tasks")
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


# Leave requests ---------------------------------------------------------------


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
    pupil = _pupil(request, pupil_id)
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
        now = timezone.now()
        data = {k: v for k, v in form.cleaned_data.items() if k != "evidence"}
        try:
            with transaction.atomic():
                leave = services.submit_leave_request(
                    pupil,
                    now=now,
                    via="office",
                    by=request.user,
                    contact=parent.contact if parent else None,
                    **data,
                )
                save_evidence(
                    form.cleaned_data["evidence"], by=request.user, now=now, leave_request=leave
                )
        except MarkError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, "Leave request recorded; it is waiting for the head's decision."
            )
            return redirect("leave_detail", leave.id)
    return render(
        request,
        "absences/leave_form.html",
        {"pupil": pupil, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def leave_detail(request, request_id: int):
    authorizers.require_perm(request.user, OFFICE)
    leave = get_object_or_404(
        LeaveRequest.objects.select_related(
            "pupil__school", "pupil__registration_group", "decided_by"
        ),
        pk=request_id,
    )
    authorizers.require_pupil(request.user, leave.pupil)
    deciding = request.method == "POST" and request.POST.get("action") == "decide"
    days = leave_days.requested_days(leave)
    form = LeaveDecisionForm(request.POST if deciding else None, leave=leave, days=days)
    if deciding:
        if not services.may_decide_leave(request.user):
            raise PermissionDenied
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.decide_leave_request(
                        leave,
                        granted_dates=form.cleaned_data["granted_dates"],
                        purpose=form.cleaned_data["purpose"],
                        reason=form.cleaned_data["reason"],
                        by=request.user,
                        now=timezone.now(),
                    )
                    leave.refresh_from_db()
                    sent = letters.send_leave_decision(leave)
            except MarkError as exc:
                form.add_error(None, str(exc))
            else:
                to = ", ".join(sent) if sent else "nobody (no email address): print the letter"
                messages.success(request, f"Decision recorded; the letter was emailed to {to}.")
                return redirect("leave_detail", leave.id)
    elif request.method == "POST" and request.POST.get("action") == "holiday_taken_by":
        ids = request.POST.getlist("contacts")
        leave.holiday_taken_by.set(
            Contact.objects.filter(pk__in=ids, pupil_links__pupil=leave.pupil)
        )
        messages.success(
            request, f"Recorded which parent(s) took {leave.pupil.first_name} out of school."
        )
        return redirect("leave_detail", leave.id)
    parents = [
        link
        for link in leave.pupil.contact_links.select_related("contact")
        if link.is_parent  # s.576: whoever took the child may receive the notice
    ]
    return render(
        request,
        "absences/leave_detail.html",
        {
            "leave": leave,
            "form": form,
            "days": [
                (d.date, d.date in leave.granted_dates, leave_days.code_for_day(leave, d.date))
                for d in days
            ],
            "parents": parents,
            "can_decide": services.may_decide_leave(request.user),
            "taken_by": set(leave.holiday_taken_by.values_list("id", flat=True)),
            "evidence": leave.evidence.all(),
        },
        status=400 if form.errors else 200,
    )


@require_GET
def leave_letter(request, request_id: int):
    authorizers.require_perm(request.user, OFFICE)
    leave = get_object_or_404(LeaveRequest.objects.select_related("pupil"), pk=request_id)
    authorizers.require_pupil(request.user, leave.pupil)
    view_log.looked(request, view_log.What.LETTER, pupil=leave.pupil, detail="Leave decision")
    return letter_download(leave.letter, f"leave-decision-{leave.pupil.surname}.pdf")


# Timetables, deletions, parent links, limits ---------------------------------


@require_http_methods(["GET", "POST"])
def part_time_new(request, pupil_id: int):
    authorizers.require_perm(request.user, "attendance.amend_marks")
    pupil = _pupil(request, pupil_id)
    contacts = Contact.objects.filter(pupil_links__in=pupil.contact_links.parents())
    form = PartTimeTimetableForm(request.POST or None, contacts=contacts)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_part_time_timetable(
                pupil, by=request.user, now=timezone.now(), **form.cleaned_data
            )
        except MarkError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, "Part-time timetable recorded; LA notification tasks created."
            )
            return redirect("pupil_absences", pupil.id)
    return render(
        request,
        "absences/simple_form.html",
        {"pupil": pupil, "form": form, "title": "Part-time timetable"},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def deletion_new(request, pupil_id: int):
    authorizers.require_perm(request.user, "attendance.amend_marks")
    pupil = _pupil(request, pupil_id)
    form = DeletionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_from_register(
                pupil, by=request.user, now=timezone.now(), **form.cleaned_data
            )
        except MarkError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"{pupil.name} comes off roll on {form.cleaned_data['date']:%-d %B %Y}; "
                "the LA notification is on the task list.",
            )
            return redirect("pupil_absences", pupil.id)
    return render(
        request,
        "absences/simple_form.html",
        {"pupil": pupil, "form": form, "title": "Delete from the admission register"},
        status=400 if form.errors else 200,
    )


@require_GET
def pupil_absences(request, pupil_id: int):
    authorizers.require_perm(request.user, OFFICE)
    pupil = _pupil(request, pupil_id)
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
    pupil = _pupil(request, pupil_id)
    contact = get_object_or_404(Contact, pk=contact_id, pupil_links__pupil=pupil)
    now = timezone.now()
    if request.POST.get("action") == "revoke":
        count = services.revoke_parent_links(contact, now)
        messages.success(request, f"{count} link(s) for {contact.name} no longer work.")
        return redirect("pupil_absences", pupil.id)
    if not contact.email:
        messages.error(request, f"{contact.name} has no email address on record.")
        return redirect("pupil_absences", pupil.id)
    _, token = services.create_parent_link(contact, by=request.user, now=now)
    view_log.looked(request, view_log.What.PARENT_LINK, pupil=pupil, detail=f"to {contact.name}")
    url = request.build_absolute_uri(reverse("parent_home", args=[token]))
    try:
        messaging.send(
            "email",
            contact.email,
            f"Your link to report absence to {pupil.school.name}",
            f"Dear {contact.name},\n\nUse this personal link to tell {pupil.school.name} about "
            f"an absence or to ask for leave of absence:\n\n{url}\n\nIt works for 90 days. "
            "Do not share it.",
            reference=f"link-{contact.id}",
        )
    except messaging.DeliveryError as exc:
        messages.error(request, f"The email could not be sent: {exc}")
    else:
        messages.success(request, f"Personal link emailed to {contact.email}.")
    return redirect("pupil_absences", pupil.id)


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
