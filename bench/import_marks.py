"""The import of a year of earlier marks against the floor of writing them.

    .venv/bin/python bench/import_marks.py [--runs 3] [--pupils 400] [--quick]

Candidate: registers.imports.import_marks of a CSV of one school year of a
school's pupils (2 sessions x 190 days, recorded at a previous school):
reading and checking every row, writing the marks and their history by
COPY, and the database's history check at commit; committed.
Baseline: the same number of marks and history rows for the same pupils,
already parsed, written by COPY (registers.bulk) in one transaction and
committed: what any import must do at least. The ratio is the cost of
reading and checking the file on top of that.

Production settings (harness.configure), the application's database role,
and a generated school (bench/dataset.py; BENCH_DATABASE_URL, default
rollcall_bench_import). Marks cannot be deleted, so each run writes a year
further back than any already there (1 September of that year onwards);
nothing is rolled back.
"""

import argparse
import datetime as dt
import io
import os
import random

import dataset
import harness

os.environ.setdefault(
    "BENCH_DATABASE_URL", "postgres://rollcall_app@127.0.0.1:5432/rollcall_bench_import"
)
SPEC = dataset.Spec(pupils=(400,), marks_until=dt.date(2025, 10, 24))
dataset.ensure(SPEC)
harness.configure()

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.db.models import Min  # noqa: E402
from django.utils import timezone  # noqa: E402

from attendance.models import Pupil, School, User  # noqa: E402
from registers import imports  # noqa: E402
from registers.bulk import copy_rows, reserve_mark_ids  # noqa: E402
from registers.models import Mark, MarkChange  # noqa: E402

GOAL = 2
CODES = ["/"] * 90 + ["I"] * 4 + ["O", "U", "G", "M", "L", "C"]
ELSEWHERE = "9262001"


def school_days(year: int, count: int = 190) -> list[dt.date]:
    days, day = [], dt.date(year, 9, 1)
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def marks_of(pupils: list[tuple[int, str]], year: int, rng: random.Random):
    for pupil_id, upn in pupils:
        for day in school_days(year):
            for session in ("AM", "PM"):
                code = rng.choice(CODES)
                if code == "/" and session == "PM":
                    code = "\\"
                yield pupil_id, upn, day, session, code


def csv_of(rows) -> bytes:
    out = io.StringIO()
    out.write("upn,date,session,code,status,school\n")
    for _, upn, day, session, code in rows:
        out.write(f"{upn},{day.isoformat()},{session},{code},,{ELSEWHERE}\n")
    return out.getvalue().encode()


def copy_floor(rows, by: User, now: dt.datetime) -> None:
    """The marks and their first history entries, by COPY, committed."""
    with transaction.atomic():
        ids = reserve_mark_ids(len(rows))
        copy_rows(
            Mark,
            ["id", "pupil_id", "date", "session", "code", "note", "source", "entered_by_id"]
            + ["entered_at", "version", "recorded_at_school"],
            (
                (mid, p, day, session, code, "", "import", by.pk, now, 1, ELSEWHERE)
                for mid, (p, _, day, session, code) in zip(ids, rows, strict=True)
            ),
        )
        copy_rows(
            MarkChange,
            ["mark_id", "old_code", "new_code", "reason", "source", "changed_by_id"]
            + ["changed_by_name", "changed_by_position", "changed_at"],
            (
                (mid, "", code, "Bench floor", "import", by.pk, "Bench", "Office", now)
                for mid, (_, _, _, _, code) in zip(ids, rows, strict=True)
            ),
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pupils", type=int, default=400)
    parser.add_argument("--quick", action="store_true", help="100 pupils, 2 runs")
    args = parser.parse_args()
    runs, size = (2, 100) if args.quick else (args.runs, args.pupils)
    school = School.objects.order_by("pk").first()
    pupils = list(Pupil.objects.filter(school=school).order_by("pk").values_list("pk", "upn"))
    pupils = pupils[:size]
    by = User.objects.get(username="bench.office")
    earliest = Mark.objects.filter(pupil__school=school).aggregate(Min("date"))["date__min"]
    years = iter(range(earliest.year - 1, 1900, -1))
    rng = random.Random(1)

    # Each run's file and rows are made before the timing starts.
    files = [csv_of(marks_of(pupils, next(years), rng)) for _ in range(runs + 1)]
    floors = [list(marks_of(pupils, next(years), rng)) for _ in range(runs + 1)]

    def candidate():
        result = imports.import_marks(school, files.pop(), "bench.csv", by=by, now=timezone.now())
        if not result.ok:
            raise SystemExit("\n".join(result.error_lines()[:10]))

    def baseline():
        copy_floor(floors.pop(), by, timezone.now())

    times = harness.interleave({"import": (candidate, baseline)}, runs, warmup=1)
    marks = len(pupils) * 190 * 2
    print(f"{school.name}: {len(pupils)} pupils, {marks:,} marks a run, {runs} runs each")
    print(harness.machine_load())
    imported, floor = times["import"]
    print(harness.describe("import of a CSV", imported))
    print(harness.describe("COPY of the same marks", floor))
    print(f"import: {marks / min(imported):,.0f} marks/s at best")
    print(harness.ratio_line(imported, floor, GOAL))


if __name__ == "__main__":
    main()
