from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from attendance import authorizers, view_log
from attendance import selectors as core
from attendance.http import get_object_or_404
from attendance.models import Contact, Pupil
from attendance.pdfs import letter_download
from registers.services import MarkError

from . import framework, letters, selectors, services
from .early_warning import outlooks
from .forms import InterventionForm, LetterForm, LetterTemplateForm
from .framework import ThirdNoticeError
from .models import Case, Intervention, LetterTemplate, PenaltyNotice

PERM = "attendance.manage_escalation"


def _context(request):
    authorizers.require_perm(request.user, PERM)
    school = authorizers.require_school(request.user)
    now = timezone.now()
    today = timezone.localdate(now, school.tz)
    year = core.current_academic_year(school, today)
    if year is None:
        raise Http404("No academic year is set up.")
    return school, now, today, year


@require_GET
def officer_list(request):
    """The attendance officer's list: open cases and their deadlines, and who is close."""
    school, now, today, year = _context(request)
    return render(
        request,
        "penalties/officer.html",
        {
            "cases": selectors.open_cases(school, today),
            "approaching": selectors.approaching(school, today),
            "today": today,
        },
    )


@require_POST
def run_check(request):
    school, now, today, year = _context(request)
    run = services.check_thresholds(school, today)
    messages.success(
        request, f"Threshold check: {len(run.opened)} new case(s), {len(run.voided)} withdrawn."
    )
    return redirect("officer_list")


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise MarkError(f"{field}: give a date.") from None


def _la_told(post) -> dt.date | None:
    value = post.get("la_told_on")
    return _date(value, "LA told on") if value else None


@require_http_methods(["GET", "POST"])
def case_detail(request, case_id: int):
    school, now, today, year = _context(request)
    case = get_object_or_404(
        Case.objects.select_related("pupil__registration_group"), pk=case_id, school=school
    )
    if request.method == "GET":
        view_log.looked(request, view_log.What.CASE, pupil=case.pupil, detail=f"Case {case.id}")
    error = None
    if request.method == "POST":
        action, post = request.POST.get("action"), request.POST
        try:
            with transaction.atomic():
                if action == "support":
                    services.consider_support(case, post.get("notes", ""), by=request.user, now=now)
                elif action == "nti":
                    notice = services.issue_notice_to_improve(
                        case,
                        issued_on=_date(post.get("issued_on"), "Issued on"),
                        support_offered=post.get("support_offered", ""),
                        improvement_expected=post.get("improvement_expected", ""),
                        by=request.user,
                        now=now,
                    )
                    pdf = letters.school_letter(
                        case.pupil,
                        LetterTemplate.Kind.NOTICE_TO_IMPROVE,
                        today,
                        year.start_date,
                        improvement_ends=notice.improvement_ends,
                        support_offered=notice.support_offered,
                        improvement_expected=notice.improvement_expected,
                        # The case's figure, not the year's: never an N.
                        unauthorised=selectors.offence_sessions(case),
                    )
                    notice.letter.save(f"nti-{case.id}.pdf", ContentFile(pdf))
                elif action == "refer":
                    services.refer_to_la(
                        case,
                        on=today,
                        reason_no_nti=post.get("reason", ""),
                        by=request.user,
                        now=now,
                    )
                    pack = letters.referral_pack(case, today, year.start_date)
                    record = Intervention.objects.filter(
                        case=case, kind=Intervention.Kind.REFERRAL
                    ).first()
                    letters.file_letter(record, pack)
                elif action == "notice":
                    # Only this child's own contacts: an id from another family is not found.
                    parent = get_object_or_404(
                        Contact, pk=post.get("parent"), school=school, pupil_links__pupil=case.pupil
                    )
                    issued_on = _date(post.get("issued_on"), "Issued on")
                    notice = services.issue_penalty_notice(
                        case,
                        parent,
                        issued_on=issued_on,
                        service=post.get("service", ""),
                        served_on=_date(post.get("served_on") or str(issued_on), "Served on"),
                        reference=post.get("reference", ""),
                    )
                    notice.letter.save(
                        f"penalty-notice-{notice.id}.pdf",
                        ContentFile(letters.penalty_notice_letter(notice, today)),
                    )
                elif action in ("paid", "unpaid", "withdraw"):
                    notice = get_object_or_404(PenaltyNotice, pk=post.get("notice"), case=case)
                    if action == "paid":
                        try:
                            amount = Decimal(post.get("amount", ""))
                        except InvalidOperation:
                            raise MarkError("Amount: give the amount paid, e.g. 80.00.") from None
                        services.record_payment(
                            notice, paid_on=_date(post.get("paid_on"), "Paid on"), amount=amount
                        )
                    elif action == "unpaid":
                        services.mark_unpaid(notice, today=today)
                    else:
                        services.withdraw_notice(notice)
                elif action == "prosecution":
                    services.refer_for_prosecution(
                        case, post.get("notes", ""), by=request.user, now=now
                    )
                elif action == "close":
                    services.close_case(
                        case, post.get("outcome", ""), today=today, la_told_on=_la_told(post)
                    )
                elif action == "withdraw_case":
                    services.withdraw_case(case, today=today, la_told_on=_la_told(post))
                else:
                    raise MarkError("Unknown action.")
        except (MarkError, ThirdNoticeError) as exc:
            error = str(exc)
        else:
            messages.success(request, "Saved.")
            return redirect("case_detail", case.id)
        case.refresh_from_db()
    parents = case.pupil.contact_links.select_related("contact").parents()
    return render(
        request,
        "penalties/case.html",
        {
            "case": case,
            "counted": selectors.offence_sessions(case),
            "unresolved": selectors.unresolved_in_window(case),
            "sessions": case.sessions.select_related("mark"),
            "notices": selectors.case_notices(case),
            "limits": selectors.limits_by_parent(case, list(parents), today),
            "threshold": framework.threshold_sessions(),
            "service_choices": PenaltyNotice.Service.choices,
            "amendments": selectors.threshold_amendments(case),
            "referred": services.was_referred(case),
            "nti": getattr(case, "notice_to_improve", None),
            "referral_from": services.la_referral_possible_from(case),
            "parents": parents,
            "today": today,
            "error": error,
            "referral": case.interventions.filter(kind=Intervention.Kind.REFERRAL)
            .exclude(letter="")
            .first(),
        },
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def case_file(request, pupil_id: int):
    """A pupil's case file: band, room to spare, interventions newest first, letters."""
    school, now, today, year = _context(request)
    pupil = get_object_or_404(
        Pupil.objects.select_related("registration_group"), pk=pupil_id, school=school
    )
    if request.method == "GET":
        view_log.looked(request, view_log.What.CASE, pupil=pupil, detail="Case file")
    form = InterventionForm(request.POST or None, initial={"date": today}, prefix="i")
    letter_form = LetterForm(request.POST or None, prefix="l")
    if (
        request.method == "POST"
        and request.POST.get("action") == "intervention"
        and form.is_valid()
    ):
        intervention = form.save(commit=False)
        intervention.pupil, intervention.recorded_by, intervention.recorded_at = (
            pupil,
            request.user,
            now,
        )
        intervention.case = pupil.penalty_cases.exclude(stage=Case.Stage.CLOSED).first()
        intervention.save()
        messages.success(request, "Added to the case file.")
        return redirect("case_file", pupil.id)
    if (
        request.method == "POST"
        and request.POST.get("action") == "letter"
        and letter_form.is_valid()
    ):
        data = letter_form.cleaned_data
        kind = data["kind"]
        pdf = letters.school_letter(
            pupil,
            kind,
            today,
            year.start_date,
            meeting_date=data["meeting_date"],
            targets=data["targets"],
            review_on=data["review_on"],
        )
        intervention = Intervention.objects.create(
            pupil=pupil,
            kind=Intervention.Kind.PRAISE if kind == "praise" else Intervention.Kind.LETTER,
            date=today,
            summary=f"{LetterTemplate.Kind(kind).label} letter",
            targets=data["targets"] or "",
            review_on=data["review_on"],
            recorded_by=request.user,
            recorded_at=now,
            case=pupil.penalty_cases.exclude(stage=Case.Stage.CLOSED).first(),
        )
        letters.file_letter(intervention, pdf)
        messages.success(request, "Letter made and kept in the case file.")
        return redirect("case_file", pupil.id)
    outlook = outlooks(school, year, today, [pupil])[0]
    return render(
        request,
        "penalties/case_file.html",
        {
            "pupil": pupil,
            "outlook": outlook,
            "form": form,
            "letter_form": letter_form,
            "interventions": pupil.interventions.select_related("recorded_by"),
            "cases": pupil.penalty_cases.all(),
        },
        status=400 if (form.errors or letter_form.errors) else 200,
    )


@require_GET
def weekly_review(request):
    school, now, today, year = _context(request)
    return render(request, "penalties/review.html", selectors.weekly_review(school, year, today))


@require_GET
def intervention_letter(request, intervention_id: int):
    school, now, today, year = _context(request)
    item = get_object_or_404(Intervention, pk=intervention_id, pupil__school=school)
    view_log.looked(request, view_log.What.LETTER, pupil=item.pupil, detail=item.get_kind_display())
    return letter_download(item.letter, f"{item.kind}-{item.pupil_id}.pdf")


@require_GET
def notice_letter(request, case_id: int, notice_id: int):
    school, now, today, year = _context(request)
    notice = get_object_or_404(PenaltyNotice, pk=notice_id, case_id=case_id, case__school=school)
    view_log.looked(request, view_log.What.LETTER, pupil=notice.pupil, detail="Penalty notice")
    return letter_download(notice.letter, f"penalty-notice-{notice.id}.pdf")


@require_GET
def nti_letter(request, case_id: int):
    school, now, today, year = _context(request)
    case = get_object_or_404(Case, pk=case_id, school=school)
    nti = getattr(case, "notice_to_improve", None)
    view_log.looked(request, view_log.What.LETTER, pupil=case.pupil, detail="Notice to Improve")
    return letter_download(nti.letter if nti else None, f"notice-to-improve-{case.id}.pdf")


@require_http_methods(["GET", "POST"])
def letter_templates(request, kind: str | None = None):
    """The school words its own letters."""
    school, now, today, year = _context(request)
    templates = [letters.template_for(school, k) for k in LetterTemplate.Kind.values]
    current = next((t for t in templates if t.kind == kind), None)
    form = LetterTemplateForm(request.POST or None, instance=current) if current else None
    if request.method == "POST" and form is not None and form.is_valid():
        form.save()
        messages.success(request, f"{current.get_kind_display()} letter saved.")
        return redirect("letter_templates")
    return render(
        request,
        "penalties/letter_templates.html",
        {"templates": templates, "current": current, "form": form},
        status=400 if form is not None and form.errors else 200,
    )
