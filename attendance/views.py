from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from attendance.http import get_object_or_404, search_text

from . import authorizers, imports, selectors, sign_in, two_factor, view_log
from .forms import CSVUploadForm, PupilSearchForm
from .models import Pupil, RegistrationGroup, User
from .roles import landing_page
from .subject_access import export as subject_access_zip


@require_GET
def home(request):
    page = landing_page(request.user)
    if page is None:
        return render(request, "attendance/no_role.html", status=403)
    return redirect(page)


@require_GET
def my_classes(request):
    authorizers.require_perm(request.user, "attendance.take_register")
    school = authorizers.require_school(request.user)
    today = timezone.localdate()
    year = selectors.current_academic_year(school, today)
    groups = selectors.groups_taught_by(request.user, year)
    return render(request, "attendance/my_classes.html", {"groups": groups, "year": year})


@require_GET
def group_detail(request, group_id: int):
    group = get_object_or_404(
        RegistrationGroup.objects.select_related("academic_year"), pk=group_id
    )
    authorizers.require_group(request.user, group)
    today = timezone.localdate()
    pupils = selectors.pupils_on_roll(group.academic_year.school, today).filter(
        registration_group=group
    )
    return render(
        request,
        "attendance/group_detail.html",
        {"group": group, "pupils": pupils, "teachers": group.teachers.all()},
    )


@require_GET
def pupil_list(request):
    authorizers.require_perm(request.user, "attendance.view_all_pupils")
    school = authorizers.require_school(request.user)
    today = timezone.localdate()
    year = selectors.current_academic_year(school, today)
    groups = RegistrationGroup.objects.filter(academic_year=year)
    form = PupilSearchForm(request.GET or None, groups=groups)
    query, group_id = "", None
    if form.is_valid():
        query, group_id = form.cleaned_data["q"], form.cleaned_data["group"]
    pupils = selectors.search_pupils(school, today, query, group_id)
    return render(
        request,
        "attendance/pupil_list.html",
        {"form": form, "pupils": pupils[:200], "count": pupils.count(), "query": query},
    )


@require_GET
def pupil_detail(request, pupil_id: int):
    pupil = get_object_or_404(
        Pupil.objects.select_related("registration_group", "school"), pk=pupil_id
    )
    authorizers.require_pupil(request.user, pupil)
    view_log.looked(request, view_log.What.PUPIL_PAGE, pupil=pupil)
    links = pupil.contact_links.select_related("contact").order_by("priority")
    return render(request, "attendance/pupil_detail.html", {"pupil": pupil, "links": links})


@require_http_methods(["GET", "POST"])
def setup(request):
    authorizers.require_perm(request.user, "attendance.import_pupils")
    school = authorizers.require_school(request.user)
    form = CSVUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        if form.cleaned_data["kind"] == "pupils":
            year = selectors.current_academic_year(school, timezone.localdate())
            result = imports.import_pupils(school, data, year)
        else:
            result = imports.import_contacts(school, data)
        if result.ok:
            messages.success(
                request, f"Imported: {result.created} created, {result.updated} updated."
            )
            if result.ignored:
                messages.info(request, result.ignored_notice())
            return redirect("attendance:setup")
    return render(
        request,
        "attendance/setup.html",
        {
            "form": form,
            "result": result,
            "may_set_up_year": authorizers.may_set_up_year(request.user, school),
            "pupil_columns": imports.PUPIL_COLUMNS,
            "contact_columns": imports.CONTACT_COLUMNS,
        },
        status=400 if result and not result.ok else 200,
    )


@require_GET
def export_pupils(request):
    authorizers.require_perm(request.user, "attendance.import_pupils")
    school = authorizers.require_school(request.user)
    today = timezone.localdate()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{school.file_name("pupils", f"{today:%Y-%m-%d}")}.csv"'
    )
    response.write("\ufeff")  # so Excel opens accented names correctly
    pupils = selectors.pupils_on_roll(school, today).select_related("registration_group")
    view_log.looked(request, view_log.What.EXPORT, school=school, detail="Pupils and contacts")
    imports.export_pupils(pupils, response)
    return response


@require_http_methods(["GET", "POST"])
def sign_ins(request):
    """Who signed in, who failed, and who is locked out, with an unlock.

    The office sees it because the office is who a locked-out teacher rings
    at 08:50.
    """
    authorizers.require_perm(request.user, "attendance.unlock_sign_ins")
    school = authorizers.require_school(request.user)
    may_reset = request.user.has_perm("attendance.manage_school_year")
    if request.method == "POST" and request.POST.get("action") == "reset_second_factor":
        # A lost phone: only the admin, who manages staff accounts, not the office.
        authorizers.require_perm(request.user, "attendance.manage_school_year")
        colleague = User.objects.filter(
            school=school, username=request.POST.get("username", "").replace("\x00", "")
        ).first()
        if colleague is None:
            messages.error(request, "There is no member of staff with that username.")
        else:
            two_factor.reset(colleague)
            messages.success(
                request,
                f"{colleague.display_name()}'s second factor is reset: they set up a new "
                "authenticator app at their next sign-in.",
            )
        return redirect("attendance:sign_ins")
    if request.method == "POST":
        kind, value = request.POST.get("kind", ""), request.POST.get("value", "")
        if kind in ("account", "address") and value and "\x00" not in value:
            sign_in.unlock(kind, value)
            messages.success(
                request,
                f"{'Account' if kind == 'account' else 'Address'} {value} unlocked: "
                "they can sign in again now.",
            )
        else:
            messages.error(request, "Choose an account or address to unlock.")
        return redirect("attendance:sign_ins")
    others = set(
        User.objects.exclude(school=school).exclude(school=None).values_list("username", flat=True)
    )
    locks = [lock for lock in sign_in.current_locks() if lock.value not in others]
    log = [row for row in sign_in.sign_in_log() if row[1] not in others]
    return render(
        request,
        "attendance/sign_ins.html",
        {
            "locks": locks,
            "log": log,
            "may_reset": may_reset,
            "account_limit": settings.SIGN_IN_ACCOUNT_LIMIT,
            "address_limit": settings.SIGN_IN_ADDRESS_LIMIT,
            "cooloff": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )


@require_GET
def view_log_page(request):
    """Who looked at which pupil's records: for the head and the school's DPO."""
    authorizers.require_perm(request.user, "attendance.view_access_log")
    school = authorizers.require_school(request.user)
    pupil = staff = None
    error = ""
    if request.GET.get("pupil"):
        pupil = get_object_or_404(Pupil, pk=request.GET["pupil"], school=school)
    query = search_text(request)
    matches = []
    if query and pupil is None:
        # Every pupil, not only those on roll: a leaver's record is still asked about.
        found = selectors.matching(
            Pupil.objects.filter(school=school).select_related("registration_group"), query
        )
        matches = list(found.order_by("legal_surname", "legal_first_name")[:20])
        if len(matches) == 1:
            pupil, matches = matches[0], []
        elif not matches:
            error = f"No pupil matches {query!r} (pupils who have left are included)."
    username = search_text(request, "staff")
    if username:
        staff = User.objects.filter(school=school, username=username).first()
        if staff is None:
            error = f"No member of staff signs in as {username!r}."
    rows = [] if error else view_log.search(school, pupil=pupil, user=staff)
    return render(
        request,
        "attendance/view_log.html",
        {
            "rows": rows,
            "pupil": pupil,
            "staff": staff,
            "query": query,
            "username": username,
            "matches": matches,
            "error": error,
        },
    )


@require_GET
def subject_access(request, pupil_id: int):
    """Everything held about one pupil, as a ZIP: for the head or the DPO."""
    authorizers.require_perm(request.user, "attendance.view_access_log")
    school = authorizers.require_school(request.user)
    pupil = get_object_or_404(Pupil.objects.select_related("school"), pk=pupil_id, school=school)
    view_log.looked(request, view_log.What.SUBJECT_ACCESS, pupil=pupil)
    response = HttpResponse(subject_access_zip(pupil), content_type="application/zip")
    name = f"subject-access-{pupil.upn or pupil.id}-{timezone.localdate():%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
