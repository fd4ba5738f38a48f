from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from attendance import authorizers, codes, view_log
from attendance import selectors as core
from attendance.http import get_object_or_404, search_text
from attendance.models import Pupil
from attendance.school_calendar import SchoolCalendar

from . import rules, selectors, services
from .authorizers import may_amend, require_register
from .forms import (
    AmendMarkForm,
    EarlyDepartureForm,
    LateArrivalForm,
    parse_day,
    register_form_rows,
    register_rows_html,
)
from .models import Session
from .statistics import figures_for_pupil


@require_GET
def my_registers(request):
    """A teacher's registers today; office and attendance staff see every class."""
    school = authorizers.require_school(request.user)
    if not (request.user.has_perm("attendance.take_register") or may_amend(request.user)):
        authorizers.require_perm(request.user, "attendance.take_register")
    teacher = None if may_amend(request.user) else request.user
    today, statuses = selectors.todays_registers(school, timezone.now(), teacher)
    return render(
        request,
        "registers/my_registers.html",
        {
            "today": today,
            "statuses": statuses,
            "day_note": SchoolCalendar(school).day_note(today),
            "everyone": teacher is None,
        },
    )


def _entries(post) -> tuple[list[services.Entry], list[str]]:
    """The marks in a register form, and what in it could not be read.

    A field that looks like a mark but names no pupil (code_abc, v_x) is
    refused with the whole form rather than dropped: a mark silently lost
    is a pupil silently unmarked.
    """
    entries, errors = [], []
    for key, code in post.items():
        if not key.startswith(("code_", "v_")):
            continue
        pupil_id = key.split("_", 1)[1]
        if not pupil_id.isascii() or not pupil_id.isdigit() or len(pupil_id) > 18:
            errors.append(f"The form sent a mark Rollcall cannot read ({key[:40]!r}).")
            continue
        if key.startswith("v_") or not code:
            continue
        seen = post.get(f"v_{pupil_id}", "0")
        if not seen.isascii() or not seen.isdigit() or len(seen) > 9:
            errors.append(f"The form sent a version Rollcall cannot read (v_{pupil_id}).")
            continue
        late = post.get(f"late_{pupil_id}", "").strip()
        if late and not (late.isascii() and late.isdigit() and int(late) <= 300):
            errors.append(f"Minutes late are a number from 0 to 300 (late_{pupil_id}).")
            continue
        entries.append(services.Entry(int(pupil_id), code, int(seen), int(late) if late else None))
    return entries, errors


@require_http_methods(["GET", "POST"])
def register_page(request, group_id: int, day: str, session: str):
    group = selectors.register_group(group_id)
    require_register(request.user, group)
    date = parse_day(day)
    if date is None or session not in Session.values:
        raise Http404("No such register")
    school = group.academic_year.school
    now = timezone.now()
    today = now.astimezone(school.tz).date()
    if date > today:
        raise Http404("Registers cannot be taken in advance")
    calendar = SchoolCalendar(school)
    if session not in calendar.sessions_on(date):
        note = calendar.day_note(date, today=date == today) or (
            f"There is no {session} register on {date:%A %-d %B %Y}: that session is closed."
        )
        return render(
            request,
            "registers/no_register.html",
            {"group": group, "date": date, "session": session, "note": note},
            status=404,
        )
    as_teacher = not may_amend(request.user)
    outcome = None
    prefill_present = False
    entries: list[services.Entry] = []
    if request.method == "POST":
        if request.POST.get("all_present"):
            prefill_present = True  # the no-JavaScript "all present": nothing saved yet
        elif (read := _entries(request.POST))[1]:
            outcome = services.RegisterOutcome(
                errors=[*read[1], "Nothing was saved: reload the register and try again."]
            )
        else:
            entries = read[0]
            outcome = services.take_register(
                group,
                date,
                session,
                entries,
                by=request.user,
                now=now,
                as_teacher=as_teacher,
                reason=request.POST.get("reason", ""),
                calendar=calendar,
            )
            if outcome.ok:
                left = outcome.unmarked
                text = f"{group.name} {session} register saved."
                if left:
                    text += f" {left} pupil{'s are' if left > 1 else ' is'} still unmarked."
                # register.js forgets the marks it kept in the browser on seeing it.
                messages.success(request, text, extra_tags="register-saved")
                if as_teacher:
                    return redirect("registers:my_registers")
                return redirect(request.path)
    sheet = selectors.register_sheet(group, date, session, now)
    status = 200
    if outcome and outcome.errors:
        status = 400  # nothing saved
    elif outcome and outcome.conflicts:
        status = 409  # the rest saved; these pupils are the person's to decide
    present = rules.present_code(session)
    teacher_choices = [
        (present, "Present"),
        (codes.LATE, "Late"),
        (codes.NO_REASON_YET, "Absent"),
    ]
    read_only = as_teacher and sheet.closed_for_teachers
    rows = register_rows_html(
        register_form_rows(sheet, entries, outcome, all_present=prefill_present),
        as_teacher=as_teacher,
        read_only=read_only,
        teacher_choices=teacher_choices,
        all_codes=codes.in_use(),
    )
    return render(
        request,
        "registers/register.html",
        {
            "sheet": sheet,
            "school": school,
            "as_teacher": as_teacher,
            "read_only": read_only,
            "outcome": outcome,
            "rows": rows,
            # A reason is kept only when nothing was saved; once used, it is spent.
            "kept_reason": request.POST.get("reason", "") if outcome and outcome.errors else "",
            "present": present,
            "closes": rules.register_times(school, session)[1],
        },
        status=status,
    )


def _pupil_for_office(request, pupil_id: int) -> Pupil:
    pupil = get_object_or_404(
        Pupil.objects.select_related("registration_group", "school"), pk=pupil_id
    )
    authorizers.require_pupil(request.user, pupil)
    return pupil


@require_http_methods(["GET", "POST"])
def late_book(request):
    authorizers.require_perm(request.user, "attendance.record_late_arrivals")
    school = authorizers.require_school(request.user)
    now = timezone.now()
    local_now = now.astimezone(school.tz)
    today = local_now.date()
    late_form = LateArrivalForm(initial={"arrived": local_now.strftime("%H:%M")})
    leave_form = EarlyDepartureForm(initial={"left": local_now.strftime("%H:%M")})
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        form = (
            LateArrivalForm(request.POST) if action == "late" else EarlyDepartureForm(request.POST)
        )
        if form.is_valid():
            pupil = _pupil_for_office(request, form.cleaned_data["pupil"])
            try:
                text = _record_movement(request, school, pupil, action, form.cleaned_data, now)
                messages.success(request, text)
                return redirect("registers:late_book")
            except services.MarkError as exc:
                error = str(exc)
        else:
            error = "; ".join(f"{f}: {' '.join(e)}" for f, e in form.errors.items())
    query = search_text(request)
    matches = core.search_pupils(school, today, query)[:15] if query else []
    return render(
        request,
        "registers/late_book.html",
        {
            "query": query,
            "matches": matches,
            "late_form": late_form,
            "leave_form": leave_form,
            "error": error,
            "arrivals": selectors.late_arrivals_on(school, today),
            "departures": selectors.early_departures_on(school, today),
            "now": local_now,
            "school": school,
            "day_note": SchoolCalendar(school).day_note(today),
            "late_reasons": ["Traffic", "Overslept", "Medical appointment", "Sibling's school"],
        },
        status=400 if error else 200,
    )


def _record_movement(request, school, pupil, action, data, now) -> str:
    today = now.astimezone(school.tz).date()
    if action == "late":
        arrival = services.sign_in_late(
            pupil,
            rules.at(school, today, data["arrived"]),
            by=request.user,
            now=now,
            reason=data["reason"],
            brought_by=data["brought_by"],
        )
        mark = arrival.mark
        if mark.code not in (codes.LATE, codes.LATE_AFTER_CLOSE):
            return (
                f"{pupil.name} signed in at {data['arrived']:%H:%M}, before the register: present."
            )
        meaning = codes.get(mark.code).meaning.lower()
        return (
            f"{pupil.name} signed in at {data['arrived']:%H:%M}: {mark.code} ({meaning}), "
            f"{mark.minutes_late} minutes late."
        )
    services.sign_out_early(
        pupil,
        rules.at(school, today, data["left"]),
        data["reason"],
        by=request.user,
        now=now,
        details=data["details"],
        collected_by=data["collected_by"],
    )
    return f"{pupil.name} signed out at {data['left']:%H:%M}."


@require_GET
def pupil_attendance(request, pupil_id: int):
    pupil = get_object_or_404(
        Pupil.objects.select_related("registration_group", "school"), pk=pupil_id
    )
    authorizers.require_pupil(request.user, pupil)
    view_log.looked(request, view_log.What.ATTENDANCE, pupil=pupil)
    today = timezone.localdate()
    year = core.current_academic_year(pupil.school, today)
    if year is None:
        raise Http404("No academic year is set up.")
    figures = figures_for_pupil(pupil.id, year.start_date, today)
    return render(
        request,
        "registers/pupil_attendance.html",
        {
            "pupil": pupil,
            "year": year,
            "figures": figures,
            "weeks": selectors.year_grid(pupil, year, today),
            "can_amend": may_amend(request.user),
            "legend": codes.in_use(),
        },
    )


@require_http_methods(["GET", "POST"])
def mark_detail(request, pupil_id: int, day: str, session: str):
    """A session's mark and its full history; office and attendance staff amend here."""
    authorizers.require_perm(request.user, "attendance.amend_marks")
    pupil = _pupil_for_office(request, pupil_id)
    date = parse_day(day)
    if date is None or session not in Session.values:
        raise Http404("No such session")
    view_log.looked(request, view_log.What.MARK, pupil=pupil, detail=f"{date} {session}")
    history = list(selectors.mark_history(pupil, date, session).select_related("changed_by"))
    current = pupil.marks.filter(date=date, session=session).first()
    form = AmendMarkForm(
        request.POST or None,
        initial={
            "code": current.code if current else "",
            "minutes_late": current.minutes_late if current else None,
            "seen_version": current.version if current else 0,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.amend_mark(
                pupil,
                date,
                session,
                form.cleaned_data["code"],
                by=request.user,
                now=timezone.now(),
                reason=form.cleaned_data["reason"],
                minutes_late=form.cleaned_data["minutes_late"],
                seen_version=form.cleaned_data["seen_version"],
            )
            messages.success(request, "Mark amended. The original is kept in the history below.")
            return redirect(reverse("registers:mark_detail", args=[pupil.id, day, session]))
        except services.MarkError as exc:
            form.add_error(None, str(exc))
    return render(
        request,
        "registers/mark_detail.html",
        {
            "pupil": pupil,
            "date": date,
            "session": session,
            "mark": current,
            "history": history,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@require_POST
def close_now(request):
    """Office: close today's registers whose time has passed (beat does this anyway)."""
    authorizers.require_perm(request.user, "attendance.amend_marks")
    written = services.close_due_registers(authorizers.require_school(request.user), timezone.now())
    messages.success(request, f"Registers closed; {written} pupils marked N (no reason yet).")
    return redirect("registers:my_registers")
