"""Everything Rollcall holds about one pupil, as a ZIP for a subject access request.

The index (index.html, readable in any browser, no script, no links out)
says what each file holds; the CSV files hold the records themselves, and
the letters and evidence are there as they were sent or received.
"""

from __future__ import annotations

import csv
import io
import zipfile

from django.template.loader import render_to_string
from django.utils import timezone

from .models import Pupil, ViewLog


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            # A spreadsheet must not run a formula a name or a note happens to start with.
            writer.writerow(
                {
                    k: ("'" + v if isinstance(v, str) and v[:1] in "=+-@\t\r" else v)
                    for k, v in row.items()
                }
            )
    return out.getvalue()


def _fields(obj, exclude=()) -> dict:
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.attname not in exclude
    }


def export(pupil: Pupil) -> bytes:
    from absences.models import Evidence
    from penalties.models import Case, Intervention, PenaltyNotice
    from registers.models import LateArrival, Mark, MarkChange

    tables: list[tuple[str, str, list[dict]]] = []

    def table(name: str, about: str, rows: list[dict]) -> None:
        tables.append((name, about, rows))

    table("pupil.csv", "The pupil's record", [_fields(pupil)])
    table(
        "contacts.csv",
        "Parents, carers and other contacts, with their link to the pupil",
        [
            {**_fields(link.contact), **{f"link_{k}": v for k, v in _fields(link).items()}}
            for link in pupil.contact_links.select_related("contact")
        ],
    )
    table(
        "marks.csv",
        "Every register mark (date, session, code, minutes late)",
        [_fields(m) for m in Mark.objects.filter(pupil=pupil).order_by("date", "session")],
    )
    table(
        "mark_history.csv",
        "Every entry and change of each mark: who, when, why",
        [
            {"date": c.mark.date, "session": c.mark.session, **_fields(c)}
            for c in MarkChange.objects.filter(mark__pupil=pupil)
            .select_related("mark")
            .order_by("mark__date", "mark__session", "id")
        ],
    )
    table(
        "late_arrivals.csv",
        "The late book",
        [_fields(x) for x in LateArrival.objects.filter(pupil=pupil)],
    )
    table(
        "absence_reports.csv",
        "Absences reported by parents or logged by the office",
        [_fields(r) for r in pupil.absence_reports.all()],
    )
    table(
        "leave_requests.csv",
        "Requests for leave of absence and their decisions",
        [_fields(r, exclude=("letter",)) for r in pupil.leave_requests.all()],
    )
    table(
        "contact_attempts.csv",
        "Messages and calls to the family about absence",
        [_fields(a) for a in pupil.contact_attempts.all()],
    )
    table(
        "follow_up_tasks.csv",
        "Follow-up tasks (letters, home visits, referrals)",
        [_fields(t, exclude=("letter",)) for t in pupil.follow_up_tasks.all()],
    )
    table(
        "cases.csv",
        "Attendance cases (escalation and penalty notices)",
        [_fields(c) for c in Case.objects.filter(pupil=pupil)],
    )
    table(
        "interventions.csv",
        "Support, meetings and letters recorded on the case file",
        [_fields(i, exclude=("letter",)) for i in Intervention.objects.filter(pupil=pupil)],
    )
    table(
        "penalty_notices.csv",
        "Penalty notices",
        [_fields(n, exclude=("letter",)) for n in PenaltyNotice.objects.filter(pupil=pupil)],
    )
    table(
        "view_log.csv",
        "Who looked at this pupil's records, when and from where",
        [_fields(v) for v in ViewLog.objects.filter(pupil=pupil)],
    )
    table(
        "record_history.csv",
        "Earlier versions of the pupil's record (every change kept)",
        [
            {k: v for k, v in e.__dict__.items() if not k.startswith("_")}
            for e in pupil.events.order_by("pgh_id")
        ],
    )

    files: list[tuple[str, str, object]] = []
    for task in pupil.follow_up_tasks.exclude(letter=""):
        files.append((f"letters/task-{task.id}.pdf", "Letter sent home", task.letter))
    for leave in pupil.leave_requests.exclude(letter=""):
        files.append((f"letters/leave-{leave.id}.pdf", "Leave decision letter", leave.letter))
    for item in Intervention.objects.filter(pupil=pupil).exclude(letter=""):
        files.append((f"letters/intervention-{item.id}.pdf", item.get_kind_display(), item.letter))
    for case in Case.objects.filter(pupil=pupil):
        nti = getattr(case, "notice_to_improve", None)
        if nti and nti.letter:
            files.append(
                (f"letters/notice-to-improve-{case.id}.pdf", "Notice to Improve", nti.letter)
            )
    for notice in PenaltyNotice.objects.filter(pupil=pupil).exclude(letter=""):
        files.append(
            (f"letters/penalty-notice-{notice.id}.pdf", "Penalty notice dates", notice.letter)
        )
    evidence = Evidence.objects.filter(report__pupil=pupil) | Evidence.objects.filter(
        leave_request__pupil=pupil
    )
    for item in evidence:
        extension = item.file.name.rsplit(".", 1)[-1] if "." in item.file.name else "bin"
        files.append((f"evidence/evidence-{item.id}.{extension}", item.original_name, item.file))

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, _, rows in tables:
            archive.writestr(name, _csv(rows))
        included = []
        for name, about, stored in files:
            try:
                with stored.open("rb") as handle:
                    archive.writestr(name, handle.read())
                included.append((name, about, True))
            except FileNotFoundError:
                included.append((name, about, False))
        archive.writestr(
            "index.html",
            render_to_string(
                "attendance/subject_access_index.html",
                {
                    "pupil": pupil,
                    "made": timezone.now(),
                    "tables": [(n, a, len(r)) for n, a, r in tables],
                    "files": included,
                },
            ),
        )
    return buffer.getvalue()
