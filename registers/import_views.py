"""The Setup page's upload of earlier marks and its progress bar."""

from __future__ import annotations

from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from attendance import authorizers

from .forms import MarksFileForm
from .import_jobs import job_status, start_import

PERMISSION = "attendance.import_pupils"


@require_POST
def import_marks(request):
    authorizers.require_perm(request.user, PERMISSION)
    school = authorizers.require_school(request.user)
    form = MarksFileForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "registers/import_marks.html", {"form": form}, status=400)
    upload = form.cleaned_data["file"]
    job_id = start_import(school, request.user, upload.read(), upload.name)
    return redirect("registers:import_marks_progress", job_id=job_id)


@require_GET
def import_marks_progress(request, job_id):
    authorizers.require_perm(request.user, PERMISSION)
    status = job_status(str(job_id), request.user)
    if status is None:
        raise Http404
    if request.headers.get("Accept") == "application/json":
        return JsonResponse(status)
    return render(request, "registers/import_marks.html", {"status": status, "job_id": job_id})
