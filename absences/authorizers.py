"""Who may do what with absences: the permissions the views ask for."""

from __future__ import annotations

from attendance import authorizers
from attendance.http import get_object_or_404
from attendance.models import Pupil

OFFICE = "attendance.record_late_arrivals"
AUTHORISE = "attendance.authorise_absence"
AMEND = "attendance.amend_marks"


def require_pupil(request, pupil_id) -> Pupil:
    """The pupil, if the person signed in may see them (else 404 or 403)."""
    pupil = get_object_or_404(
        Pupil.objects.select_related("school", "registration_group"), pk=pupil_id
    )
    authorizers.require_pupil(request.user, pupil)
    return pupil
