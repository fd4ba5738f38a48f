"""The new school year, without the Django admin: calendar, classes, staff.

Each page parses its form, checks the user may set up the year, calls one
service (school_years, rollover, staff) and renders. The classes go in
three steps (next year's classes, where pupils go, preview); the plan is
kept as a draft between them and nothing changes until it is confirmed.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from . import authorizers, rollover, school_years
from .errors import RuleError
from .forms import (
    DestinationsForm,
    NextClassFormSet,
    StaffForm,
    TermDatesFileForm,
    YearCalendarForm,
)
from .models import AcademicYear, RegistrationGroup, User, YearRollover
from .roles import Role, roles_of
from .selectors import current_academic_year
from .staff import add_staff_member, roles_given_by
from .term_dates import HalfTerm


def _posted(request):
    """The form data of a POST, even an empty one (an empty form is still a submission)."""
    return request.POST if request.method == "POST" else None


def _today(school):
    return timezone.localdate(timezone.now(), school.tz)


@require_GET
def new_year(request):
    """Where the year stands: next year's calendar, the classes, the staff."""
    school = authorizers.require_year_setup(request.user)
    today = _today(school)
    draft = school_years.next_year_draft(school, today)
    next_year = AcademicYear.objects.filter(school=school, name=draft.name).first()
    from_year = rollover.year_to_roll(school, today)
    done = YearRollover.objects.filter(from_year=from_year).first() if from_year else None
    return render(
        request,
        "attendance/new_year.html",
        {
            "draft": draft,
            "next_year": next_year,
            "from_year": from_year,
            "to_year": rollover.year_after(from_year) if from_year else None,
            "rollover": done,
            "today": today,
        },
    )


@require_http_methods(["GET", "POST"])
def new_year_calendar(request):
    """Next year's half-terms and INSET days: the rule's draft, a file's, or typed in."""
    school = authorizers.require_year_setup(request.user)
    draft = school_years.next_year_draft(school, _today(school))
    halves = school_years.HALVES
    upload = TermDatesFileForm()
    errors: list[str] = []
    form = YearCalendarForm(halves=halves, initial=YearCalendarForm.initial_for(draft))
    status = 200
    if request.method == "POST" and request.POST.get("action") == "file":
        upload = TermDatesFileForm(request.POST, request.FILES)
        if upload.is_valid():
            data = upload.cleaned_data["file"].read()
            parse = (
                school_years.parse_term_dates_csv
                if upload.cleaned_data["file"].name.lower().endswith(".csv")
                else school_years.parse_term_dates_ics
            )
            try:
                from_file = parse(data)
            except RuleError as exc:
                errors, status = exc.messages, 400
            else:
                draft = from_file
                form = YearCalendarForm(halves=halves, initial=YearCalendarForm.initial_for(draft))
                messages.info(
                    request,
                    f"The dates of {draft.name} are filled in from the file: "
                    "check them, then save.",
                )
        else:
            status = 400
    elif request.method == "POST":
        form = YearCalendarForm(request.POST, halves=halves)
        if form.is_valid():
            data = form.cleaned_data
            dates = school_years.year_dates_from(
                [HalfTerm(s, h, data[f"{s}_{h}_start"], data[f"{s}_{h}_end"]) for s, h in halves],
                data["inset_days"],
            )
            try:
                year = school_years.save_year_calendar(school, dates, by=request.user)
            except RuleError as exc:
                errors = exc.messages
            else:
                messages.success(request, f"The calendar of {year.name} is saved.")
                return redirect("attendance:new_year")
        status = 400
    return render(
        request,
        "attendance/new_year_calendar.html",
        {"form": form, "upload": upload, "draft": draft, "errors": errors},
        status=status,
    )


def _rollover_years(request):
    school = authorizers.require_year_setup(request.user)
    from_year = rollover.year_to_roll(school, _today(school))
    to_year = rollover.year_after(from_year) if from_year else None
    return school, from_year, to_year


def _plan(from_year) -> rollover.Plan:
    return rollover.saved_plan(from_year) or rollover.default_plan(from_year)


def _not_ready(request, from_year, to_year):
    if from_year is None:
        messages.error(request, "There is no school year to roll forward.")
        return redirect("attendance:new_year")
    if to_year is None:
        messages.error(request, f"Create the calendar of the year after {from_year.name} first.")
        return redirect("attendance:new_year_calendar")
    if YearRollover.objects.filter(from_year=from_year, confirmed_at__isnull=False).exists():
        messages.info(request, f"{from_year.name} has already been rolled forward.")
        return redirect("attendance:new_year")
    return None


@require_http_methods(["GET", "POST"])
def new_year_classes(request):
    """Step 1: next year's classes, their year groups and teachers."""
    school, from_year, to_year = _rollover_years(request)
    stop = _not_ready(request, from_year, to_year)
    if stop:
        return stop
    staff = list(rollover.teaching_staff(school))
    if request.GET.get("start") in ("year_group", "pupils"):
        plan = rollover.default_plan(from_year, request.GET["start"] == "year_group")
        rollover.save_plan(from_year, plan, by=request.user, now=timezone.now())
    else:
        plan = _plan(from_year)
    initial = [
        {
            "key": c.key,
            "name": c.name,
            "year_group": c.year_group,
            "teachers": [str(t) for t in c.teacher_ids],
        }
        for c in plan.classes
    ]
    formset = NextClassFormSet(_posted(request), initial=initial, form_kwargs={"teachers": staff})
    errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        classes, used = [], {c.key for c in plan.classes}
        for data in formset.cleaned_data:
            name = (data.get("name") or "").strip()
            if data.get("remove") or not name:
                continue
            key = data.get("key") or _new_key(used)
            used.add(key)
            classes.append(
                rollover.NextClass(
                    key, name, data["year_group"], [int(t) for t in data["teachers"]]
                )
            )
        kept = {c.key for c in classes}
        plan = rollover.Plan(
            classes,
            {g: [k for k in keys if k in kept] for g, keys in plan.destinations.items()},
            plan.allocation,
        )
        preview = rollover.preview_rollover(from_year, plan)
        errors = [e for e in preview.errors if "go next year" not in e and "removed" not in e]
        if not classes:
            errors.append("Next year needs at least one class.")
        if not errors:
            rollover.save_plan(from_year, plan, by=request.user, now=timezone.now())
            return redirect("attendance:new_year_pupils")
    return render(
        request,
        "attendance/new_year_classes.html",
        {"formset": formset, "from_year": from_year, "to_year": to_year, "errors": errors},
        status=400 if request.method == "POST" else 200,
    )


def _new_key(used: set[str]) -> str:
    n = len(used)
    while f"c{n}" in used:
        n += 1
    return f"c{n}"


@require_http_methods(["GET", "POST"])
def new_year_pupils(request):
    """Step 2: where each class's pupils go (several classes: split; shared: merged)."""
    school, from_year, to_year = _rollover_years(request)
    stop = _not_ready(request, from_year, to_year)
    if stop:
        return stop
    plan = _plan(from_year)
    top = rollover.top_year(from_year)
    sources = [(g, g.year_group == top) for g in rollover.classes_in(from_year)]
    targets = [(c.key, f"{c.name} ({rollover.year_label(c.year_group)})") for c in plan.classes]
    initial = {f"to_{g.id}": plan.destinations.get(g.id, []) for g, _ in sources}
    form = DestinationsForm(_posted(request), sources=sources, targets=targets, initial=initial)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        plan.destinations = form.destinations()
        preview = rollover.preview_rollover(from_year, plan)
        errors = [e for e in preview.errors if "rolled forward on" not in e]
        if not errors:
            rollover.save_plan(from_year, plan, by=request.user, now=timezone.now())
            return redirect("attendance:new_year_preview")
    counts = {g.id: g.pupils.filter(leaving_date__isnull=True).count() for g, _ in sources}
    return render(
        request,
        "attendance/new_year_pupils.html",
        {
            "form": form,
            "rows": [(form[f"to_{g.id}"], g, leaving, counts[g.id]) for g, leaving in sources],
            "from_year": from_year,
            "to_year": to_year,
            "errors": errors,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def new_year_preview(request):
    """Step 3: what will change; split classes' pupils can be moved; then confirm."""
    school, from_year, to_year = _rollover_years(request)
    stop = _not_ready(request, from_year, to_year)
    if stop:
        return stop
    plan = _plan(from_year)
    now = timezone.now()
    errors: list[str] = []
    if request.method == "POST":
        keys = plan.by_key()
        for name, value in request.POST.items():
            if name.startswith("pupil_") and value in keys:
                try:
                    plan.allocation[int(name.removeprefix("pupil_"))] = value
                except ValueError:
                    continue
        rollover.save_plan(from_year, plan, by=request.user, now=now)
        if request.POST.get("action") == "confirm":
            try:
                done = rollover.confirm_rollover(from_year, plan, by=request.user, now=now)
            except RuleError as exc:
                errors = exc.messages
            else:
                messages.success(request, f"Rolled forward: {done.summary}")
                return redirect("attendance:new_year")
        else:
            messages.info(request, "The changes to the split classes are kept.")
            return redirect("attendance:new_year_preview")
    preview = rollover.preview_rollover(from_year, plan)
    return render(
        request,
        "attendance/new_year_preview.html",
        {
            "preview": preview,
            "from_year": from_year,
            "to_year": to_year,
            "errors": errors or preview.errors,
            "too_early": _today(from_year.school) < preview.confirm_from,
        },
        status=400 if errors else 200,
    )


@require_GET
def staff_list(request):
    school = authorizers.require_year_setup(request.user)
    year = current_academic_year(school, _today(school))
    staff = (
        User.objects.filter(school=school)
        .prefetch_related(
            "groups",
            Prefetch(
                "registration_groups",
                queryset=RegistrationGroup.objects.select_related("academic_year"),
            ),
        )
        .order_by("last_name", "first_name")
    )
    rows = [
        (
            u,
            ", ".join(sorted(r.value for r in roles_of(u))) or "no role",
            [
                g
                for g in u.registration_groups.all()
                if year is None or g.academic_year_id == year.id
            ],
        )
        for u in staff
    ]
    return render(request, "attendance/staff_list.html", {"rows": rows, "year": year})


@require_http_methods(["GET", "POST"])
def staff_new(request):
    """A new colleague's account, role and classes in one form."""
    school = authorizers.require_year_setup(request.user)
    today = _today(school)
    classes = list(
        RegistrationGroup.objects.filter(
            academic_year__school=school, academic_year__end_date__gte=today
        )
        .select_related("academic_year")
        .order_by("academic_year__start_date", "name")
    )
    roles = roles_given_by(request.user)
    form = StaffForm(_posted(request), roles=roles, classes=classes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = [g for g in classes if str(g.id) in data["classes"]]
        try:
            user = add_staff_member(
                school,
                by=request.user,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                job_title=data["job_title"],
                role=Role(data["role"]),
                password=data["password1"],
                classes=chosen,
            )
        except RuleError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            where = f", teaching {', '.join(g.name for g in chosen)}" if chosen else ""
            messages.success(
                request,
                f"{user.display_name()} can now sign in as {user.username} "
                f"({data['role']}{where}).",
            )
            return redirect("attendance:staff_list")
    return render(
        request,
        "attendance/staff_new.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
