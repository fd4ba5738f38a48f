"""Round trips through the marks file: what Rollcall exports, its import reads
back to the same figures; and a cross-school 10-in-10 case opens from marks
brought in by the import, its LA pack saying where each session was recorded
(DfE: the threshold period "can span terms, school years and schools")."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from penalties import letters
from penalties.services import check_thresholds
from registers import imports
from registers.models import Mark
from registers.statistics import figures_for_pupil
from tests import factories

pytestmark = pytest.mark.django_db
D = dt.date
NOW = dt.datetime(2026, 12, 14, 16, 0, tzinfo=dt.UTC)
CODES = ["/", "\\", "L", "I", "M", "O", "G", "U", "N", "C", "R", "E"]


def test_exported_marks_import_to_the_same_figures_in_an_empty_school(client, cast):
    week = [D(2026, 11, 2) + dt.timedelta(days=i) for i in range(5)]
    factories.bulk_create_marks(
        [
            Mark(pupil=cast.poppy, date=d, session=s, code=CODES[(i * 2 + j) % len(CODES)],
                 minutes_late=5 if CODES[(i * 2 + j) % len(CODES)] == "L" else None,
                 entered_at=timezone.now(), source="office")
            for i, d in enumerate(week) for j, s in enumerate(("AM", "PM"))
        ]
    )  # fmt: skip
    client.force_login(cast.helen)
    response = client.get(
        reverse("reporting:marks_export"), {"start": "2026-11-02", "end": "2026-11-06"}
    )
    exported = b"".join(response.streaming_content).decode()
    # A second school, empty: the same child under a UPN of its own there.
    other = factories.SchoolFactory(urn="199999")
    twin = factories.PupilFactory(school=other, admission_date=D(2026, 9, 1))
    data = exported.replace(cast.poppy.upn, twin.upn).encode()
    result = imports.import_marks(other, data, "export.csv", by=None, now=NOW)
    assert result.ok, result.errors
    assert result.imported == 10
    assert figures_for_pupil(twin.id, week[0], week[-1]) == figures_for_pupil(
        cast.poppy.id, week[0], week[-1]
    )


def test_a_cross_school_case_opens_from_imported_marks(client, cast):
    cast.poppy.admission_date = D(2026, 11, 2)
    cast.poppy.save()
    p = cast.poppy.upn
    previous = [f"{p},{d},AM,U,,9262001 Elm Tree Primary" for d in
                ("2026-10-06", "2026-10-13", "2026-10-20", "2026-10-27")]  # fmt: skip
    here = [f"{p},{D(2026, 11, 2) + dt.timedelta(weeks=w)},AM,O,," for w in range(6)]
    data = "\n".join(["upn,date,session,code,status,school", *previous, *here]) + "\n"
    result = imports.import_marks(cast.school, data.encode(), "earlier.csv", by=None, now=NOW)
    assert result.ok, result.errors
    case = check_thresholds(cast.school, D(2026, 12, 11)).opened[0]
    assert (case.pupil, case.sessions_counted) == (cast.poppy, 10)
    pdf = letters.referral_pack(case, D(2026, 12, 14), D(2026, 9, 1))
    text = "".join(
        "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
    )
    assert text.count("recordedat9262001ElmTreePrimary") == 4
