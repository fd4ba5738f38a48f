from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from attendance import authorizers, view_log
from attendance import selectors as core
from attendance.http import get_object_or_404
from attendance.models import Pupil
from attendance.pdfs import letter_download

from . import case_letters, letters, selectors, services
from .early_warning import outlooks
from .forms import InterventionForm, LetterForm, LetterTemplateForm
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
    return redirect("penalties:officer_list")


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
        case_letters.record_intervention(
            form.save(commit=False), pupil=pupil, by=request.user, now=now
        )
        messages.success(request, "Added to the case file.")
        return redirect("penalties:case_file", pupil.id)
    if (
        request.method == "POST"
        and request.POST.get("action") == "letter"
        and letter_form.is_valid()
    ):
        data = letter_form.cleaned_data
        case_letters.send_school_letter(
            pupil,
            data["kind"],
            meeting_date=data["meeting_date"],
            targets=data["targets"],
            review_on=data["review_on"],
            by=request.user,
            now=now,
            today=today,
            year_start=year.start_date,
        )
        messages.success(request, "Letter made and kept in the case file.")
        return redirect("penalties:case_file", pupil.id)
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
        return redirect("penalties:letter_templates")
    return render(
        request,
        "penalties/letter_templates.html",
        {"templates": templates, "current": current, "form": form},
        status=400 if form is not None and form.errors else 200,
    )
