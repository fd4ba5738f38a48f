"""A case's page and the attendance officer's actions on it, one view each.

Each action reads its form, calls one step (penalties.services, or
penalties.case_letters for a step that sends a letter) and goes back to the
case page; a broken rule shows the page again saying why.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from attendance import view_log
from attendance.errors import RuleError
from attendance.http import get_object_or_404
from attendance.models import Contact

from . import case_letters, framework, selectors, services
from .forms import (
    CaseActionForm,
    CloseCaseForm,
    NoticeToImproveForm,
    PaymentForm,
    PenaltyNoticeForm,
    ProsecutionForm,
    ReferralForm,
    SupportForm,
    WithdrawCaseForm,
)
from .framework import ThirdNoticeError
from .models import Case, Intervention, PenaltyNotice
from .views import _context


def _case(request, case_id: int):
    school, now, today, year = _context(request)
    case = get_object_or_404(
        Case.objects.select_related("pupil__registration_group"), pk=case_id, school=school
    )
    return case, now, today, year


@require_http_methods(["GET", "POST"])
def case_detail(request, case_id: int):
    if request.method == "POST":
        # A page open from before each action had its own address posts its
        # action's name here.
        act = CASE_ACTIONS.get(request.POST.get("action", ""))
        if act is not None:
            return act(request, case_id)
        case, now, today, year = _case(request, case_id)
        return _case_page(request, case, today, error="Unknown action.")
    case, now, today, year = _case(request, case_id)
    view_log.looked(request, view_log.What.CASE, pupil=case.pupil, detail=f"Case {case.id}")
    return _case_page(request, case, today)


def _act(request, case: Case, today: dt.date, form, step) -> HttpResponse:
    """One action on a case: the form read, then its step; a broken rule shows
    the case page again saying why, with nothing saved."""
    if not form.is_valid():
        error = form.first_error()
    else:
        try:
            step(form.cleaned_data)
        except (RuleError, ThirdNoticeError) as exc:
            error = str(exc)
        else:
            messages.success(request, "Saved.")
            return redirect("penalties:case_detail", case.id)
    case.refresh_from_db()
    return _case_page(request, case, today, error=error)


@require_POST
def case_support(request, case_id: int):
    case, now, today, year = _case(request, case_id)
    return _act(
        request,
        case,
        today,
        SupportForm(request.POST),
        lambda data: services.consider_support(case, data["notes"], by=request.user, now=now),
    )


@require_POST
def case_notice_to_improve(request, case_id: int):
    case, now, today, year = _case(request, case_id)
    return _act(
        request,
        case,
        today,
        NoticeToImproveForm(request.POST),
        lambda data: case_letters.issue_notice_to_improve(
            case, **data, by=request.user, now=now, today=today, year_start=year.start_date
        ),
    )


@require_POST
def case_referral(request, case_id: int):
    case, now, today, year = _case(request, case_id)
    return _act(
        request,
        case,
        today,
        ReferralForm(request.POST),
        lambda data: case_letters.refer_to_la(
            case,
            reason_no_nti=data["reason"],
            by=request.user,
            now=now,
            today=today,
            year_start=year.start_date,
        ),
    )


@require_POST
def case_penalty_notice(request, case_id: int):
    case, now, today, year = _case(request, case_id)
    # Only this child's own contacts: an id from another family is not found.
    parent = get_object_or_404(
        Contact,
        pk=request.POST.get("parent"),
        school_id=case.school_id,
        pupil_links__pupil=case.pupil,
    )
    return _act(
        request,
        case,
        today,
        PenaltyNoticeForm(request.POST),
        lambda data: case_letters.issue_penalty_notice(case, parent, **data, today=today),
    )


def _notice(request, case: Case) -> PenaltyNotice:
    return get_object_or_404(PenaltyNotice, pk=request.POST.get("notice"), case=case)


@require_POST
def notice_paid(request, case_id: int):
    case, now, today, year = _case(request, case_id)
    notice = _notice(request, case)
    return _act(
        request,
        case,
        today,
        PaymentForm(request.POST),
        lambda data: services.record_payment(notice, **data),
    )


@require_POST
def notice_unpaid(request, case_id: int):
    case, now, today, year = _case(request, case_id)
    notice = _notice(request, case)
    return _act(
        request,
        case,
        today,
        CaseActionForm(request.POST),
        lambda data: services.mark_unpaid(notice, today=today),
    )


@require_POST
def notice_withdrawn(request, case_id: int):
    case, now, today, year = _case(request, case_id)
    notice = _notice(request, case)
    return _act(
        request,
        case,
        today,
        CaseActionForm(request.POST),
        lambda data: services.withdraw_notice(notice),
    )


@require_POST
def case_prosecution(request, case_id: int):
    case, now, today, year = _case(request, case_id)
    return _act(
        request,
        case,
        today,
        ProsecutionForm(request.POST),
        lambda data: services.refer_for_prosecution(case, data["notes"], by=request.user, now=now),
    )


@require_POST
def case_close(request, case_id: int):
    case, now, today, year = _case(request, case_id)
    return _act(
        request,
        case,
        today,
        CloseCaseForm(request.POST),
        lambda data: services.close_case(
            case, data["outcome"], today=today, la_told_on=data["la_told_on"]
        ),
    )


@require_POST
def case_withdraw(request, case_id: int):
    case, now, today, year = _case(request, case_id)
    return _act(
        request,
        case,
        today,
        WithdrawCaseForm(request.POST),
        lambda data: services.withdraw_case(case, today=today, la_told_on=data["la_told_on"]),
    )


# The action names the case page posted before each had its own address.
CASE_ACTIONS = {
    "support": case_support,
    "nti": case_notice_to_improve,
    "refer": case_referral,
    "notice": case_penalty_notice,
    "paid": notice_paid,
    "unpaid": notice_unpaid,
    "withdraw": notice_withdrawn,
    "prosecution": case_prosecution,
    "close": case_close,
    "withdraw_case": case_withdraw,
}


def _case_page(request, case: Case, today: dt.date, error: str | None = None) -> HttpResponse:
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
