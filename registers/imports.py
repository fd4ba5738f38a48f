"""Earlier marks from a CSV file: the format Rollcall exports (reporting's
marks export: upn,date,session,code,status), with an optional `school` column
for marks recorded at the pupil's previous school.

All or nothing: every row is checked before anything is written, and a file
with a single error, or a single mark that Rollcall already holds, changes
nothing. Rollcall's own marks are never overwritten by an import (the
register is the legal record; an amendment is made on the register, with its
reason). Each imported mark is written with its first history entry saying
where it came from, when and who brought it in (Regulations 2024: the record
keeps who made each entry).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction

from attendance import codes
from attendance.models import Pupil, School, User

from .bulk import copy_rows, reserve_mark_ids
from .models import Mark, MarkChange, Session
from .services import position_of

REQUIRED_COLUMNS = ["upn", "date", "session", "code"]
OPTIONAL_COLUMNS = ["status", "school"]
# Errors listed back to the office: enough to correct a file, not 150,000 lines.
MAX_LISTED = 200
# Progress is reported every this many marks written.
PROGRESS_EVERY = 5000


@dataclass
class MarksImport:
    file_name: str
    errors: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    rows: int = 0
    imported: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and not self.conflicts

    def error_lines(self) -> list[str]:
        lines = self.errors[:MAX_LISTED]
        if len(self.errors) > MAX_LISTED:
            lines.append(f"... and {len(self.errors) - MAX_LISTED} more errors.")
        listed = self.conflicts[:MAX_LISTED]
        if self.conflicts:
            lines.append(
                f"{len(self.conflicts)} marks are already in Rollcall and are never "
                "overwritten by an import; take them out of the file:"
            )
        lines.extend(listed)
        if len(self.conflicts) > MAX_LISTED:
            lines.append(f"... and {len(self.conflicts) - MAX_LISTED} more conflicts.")
        return lines


@dataclass(frozen=True)
class _Row:
    pupil_id: int
    date: dt.date
    session: str
    code: str
    elsewhere: str  # "" for this school
    note: str


def _school_of(value: str, school: School) -> str:
    """The mark's school as stored: "" for this school, else the number given."""
    value = value.strip()
    if not value or value in (school.urn, school.dfe_number):
        return ""
    return value


def parse_marks(
    school: School, data: bytes, file_name: str, today: dt.date
) -> tuple[MarksImport, list[_Row]]:
    """Check every row; the rows to write, or errors and conflicts."""
    result = MarksImport(file_name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append("The file is not UTF-8 text (save it as CSV UTF-8).")
        return result, []
    reader = csv.DictReader(io.StringIO(text))
    headings = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in headings]
    if missing:
        result.errors.append(f"Missing column(s): {', '.join(missing)}.")
        return result, []
    reader.fieldnames = headings
    pupils = {
        upn: (pk, admitted, left)
        for upn, pk, admitted, left in Pupil.objects.filter(school=school).values_list(
            "upn", "pk", "admission_date", "leaving_date"
        )
    }
    sessions = set(Session.values)
    seen: dict[tuple[int, dt.date, str], int] = {}
    rows: list[_Row] = []
    for line, raw in enumerate(reader, start=2):
        result.rows += 1
        upn = (raw.get("upn") or "").strip().upper()
        date_text = (raw.get("date") or "").strip()
        session = (raw.get("session") or "").strip().upper()
        code = (raw.get("code") or "").strip().upper()
        status = (raw.get("status") or "").strip().lower()
        elsewhere = _school_of(raw.get("school") or "", school)
        where = f"Line {line}"
        pupil = pupils.get(upn)
        if pupil is None:
            result.errors.append(f"{where}: no pupil at this school has UPN {upn!r}.")
            continue
        try:
            day = dt.date.fromisoformat(date_text)
        except ValueError:
            result.errors.append(f"{where}: {date_text!r} is not a date (YYYY-MM-DD).")
            continue
        if day > today:
            result.errors.append(f"{where}: {day:%d %b %Y} is in the future.")
            continue
        if session not in sessions:
            result.errors.append(f"{where}: the session is AM or PM, not {session!r}.")
            continue
        attendance_code = codes.CODES.get(code)
        if attendance_code is None:
            result.errors.append(f"{where}: {code!r} is not an attendance code.")
            continue
        if not attendance_code.could_be_recorded_on(day):
            result.errors.append(
                f"{where}: {code} was withdrawn before {day:%d %b %Y} and cannot be recorded."
            )
            continue
        pupil_id, admitted, left = pupil
        if not elsewhere and not (admitted <= day and (left is None or day <= left)):
            result.errors.append(
                f"{where}: {upn} was not on roll on {day:%d %b %Y}; a mark from the "
                "previous school needs that school's URN or DfE number in the school column."
            )
            continue
        key = (pupil_id, day, session)
        if key in seen:
            result.errors.append(
                f"{where}: the same session as line {seen[key]} ({upn} {day} {session})."
            )
            continue
        seen[key] = line
        note = ""
        if status == "pending":
            # A reason that was still waiting for the head: it stays unexplained.
            note = f"Reported as {code}, pending a decision when exported"
            code = codes.NO_REASON_YET
        rows.append(_Row(pupil_id, day, session, code, elsewhere, note))
    if result.rows == 0:
        result.errors.append("The file has no marks.")
    if rows and not result.errors:
        result.conflicts = _conflicts(rows, {pk: upn for upn, (pk, _, _) in pupils.items()})
    return result, rows


def _conflicts(rows: list[_Row], upns: dict[int, str]) -> list[str]:
    wanted = {(r.pupil_id, r.date, r.session) for r in rows}
    existing = Mark.objects.filter(
        pupil_id__in={r.pupil_id for r in rows},
        date__gte=min(r.date for r in rows),
        date__lte=max(r.date for r in rows),
    ).values_list("pupil_id", "date", "session", "code")
    return [
        f"{upns[p]} {d:%d %b %Y} {s}: Rollcall already has {c}."
        for p, d, s, c in existing.iterator(chunk_size=10000)
        if (p, d, s) in wanted
    ]


def import_marks(
    school: School,
    data: bytes,
    file_name: str,
    *,
    by: User | None,
    now: dt.datetime,
    progress: Callable[[int, int], None] | None = None,
) -> MarksImport:
    """Import a file of earlier marks, all or nothing; never overwrite a mark.

    Marks and their first history entries go in by COPY in one transaction:
    the database's check at commit (registers migration 0008) holds them to
    the same rule as every other mark."""
    today = now.astimezone(school.tz).date()
    result, rows = parse_marks(school, data, file_name, today)
    if not result.ok:
        return result
    name = by.display_name() if by else "Rollcall"
    reason = f"Imported from {file_name} on {today:%d %b %Y} by {name}"
    with transaction.atomic():
        # The rows conflict only with marks written since the check: the
        # unique index refuses those, and the whole import with them.
        ids = reserve_mark_ids(len(rows))
        by_id = by.pk if by else None
        copy_rows(
            Mark,
            [
                "id",
                "pupil_id",
                "date",
                "session",
                "code",
                "note",
                "source",
                "entered_by_id",
                "entered_at",
                "version",
                "recorded_at_school",
            ],
            _counted(
                (
                    (mid, r.pupil_id, r.date, r.session, r.code, r.note)
                    + (Mark.Source.IMPORT.value, by_id, now, 1, r.elsewhere)
                    for mid, r in zip(ids, rows, strict=True)
                ),
                len(rows),
                progress,
            ),
        )
        position = position_of(by)
        copy_rows(
            MarkChange,
            [
                "mark_id",
                "old_code",
                "new_code",
                "reason",
                "source",
                "changed_by_id",
                "changed_by_name",
                "changed_by_position",
                "changed_at",
            ],
            (
                (
                    mid,
                    "",
                    r.code,
                    f"{reason}, recorded at {r.elsewhere}" if r.elsewhere else reason,
                    Mark.Source.IMPORT.value,
                    by_id,
                    name,
                    position,
                    now,
                )
                for mid, r in zip(ids, rows, strict=True)
            ),
        )
    result.imported = len(rows)
    return result


def _counted(rows: Iterable[tuple], total: int, progress) -> Iterable[tuple]:
    for n, row in enumerate(rows, start=1):
        yield row
        if progress and (n % PROGRESS_EVERY == 0 or n == total):
            progress(n, total)
