"""Common Transfer File pages: import a joiner's CTF (preview, then confirm),
and download a leaver's."""

from __future__ import annotations

import base64
import datetime as dt

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from attendance import authorizers, view_log
from attendance.models import Pupil

from . import ctf, ctf_services
from .ctf_forms import CTFDestinationForm, CTFUploadForm

SESSION_KEY = "ctf_upload"


@require_http_methods(["GET", "POST"])
def ctf_import(request):
    authorizers.require_perm(request.user, "attendance.import_pupils")
    school = authorizers.require_school(request.user)
    if request.method == "POST" and request.POST.get("action") == "confirm":
        held = request.session.pop(SESSION_KEY, None)
        if not held:
            messages.error(request, "Upload the file again: the preview has expired.")
            return redirect("ctf:ctf_import")
        result = ctf_services.import_ctf(
            school,
            ctf.parse_ctf(base64.b64decode(held["data"])),
            dt.date.fromisoformat(held["admission_date"]),
            request.user,
            timezone.now(),
        )
        if result.ok:
            messages.success(
                request,
                f"CTF imported: {result.created} pupils created, {result.updated} updated.",
            )
            return redirect("attendance:setup")
        # The roll changed between preview and confirm: show why.
        return render(
            request,
            "registers/ctf_import.html",
            {"form": CTFUploadForm(), "preview": result},
            status=400,
        )
    form = CTFUploadForm(request.POST or None, request.FILES or None)
    preview = error = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        try:
            parsed = ctf.parse_ctf(data)
        except ctf.CTFError as exc:
            error = str(exc)
        else:
            preview = ctf_services.preview_ctf(school, parsed)
            if preview.ok:
                request.session[SESSION_KEY] = {
                    "data": base64.b64encode(data).decode(),
                    "admission_date": form.cleaned_data["admission_date"].isoformat(),
                }
    bad = bool(error or (preview and not preview.ok) or form.errors)
    return render(
        request,
        "registers/ctf_import.html",
        {"form": form, "preview": preview, "error": error},
        status=400 if bad else 200,
    )


@require_GET
def ctf_export(request, pupil_id: int):
    """A leaver's CTF, named by the DfE convention, for the school-to-school service."""
    authorizers.require_perm(request.user, "attendance.import_pupils")
    authorizers.require_perm(request.user, "attendance.view_all_pupils")
    pupil = get_object_or_404(Pupil.objects.select_related("school"), pk=pupil_id)
    authorizers.require_pupil(request.user, pupil)
    if pupil.leaving_date is None:
        messages.error(
            request, "A CTF is sent for a pupil who is leaving: set the leaving date first."
        )
        return redirect("attendance:pupil_detail", pupil.id)
    school = pupil.school
    form = CTFDestinationForm(request.GET)
    if not school.dfe_number or not form.is_valid():
        messages.error(
            request,
            "Set the school's LA and establishment numbers first."
            if not school.dfe_number
            else " ".join(str(e) for errors in form.errors.values() for e in errors),
        )
        return redirect("attendance:pupil_detail", pupil.id)
    data = form.cleaned_data
    dest = (
        ctf.CTFSchool(la=data["dest_la"], estab=data["dest_estab"])
        if data["dest_la"]
        else ctf.CTFSchool(la=ctf.UNKNOWN_LA, estab=ctf.UNKNOWN_ESTAB)
    )
    built = ctf_services.leavers_ctf(school, [pupil], dest, timezone.localtime())
    name = ctf.file_name(built.source, dest if data["dest_la"] else None, data["sequence"] or 1)
    view_log.looked(request, view_log.What.EXPORT, pupil=pupil, detail=f"CTF {name}")
    response = HttpResponse(ctf.build_ctf(built), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
