"""Time the import of a year of earlier marks for a 400-pupil school.

    .venv/bin/python bench/import_marks.py [--pupils 400]

Builds a file of 2 sessions x 190 school days x 400 pupils (152,000 marks,
the 2023/24 year, recorded at a previous school so no mark here conflicts)
for the demo school's pupils, then imports it through registers.imports
inside a transaction that is rolled back after the database's history check
has run (SET CONSTRAINTS ALL IMMEDIATE), so the demo data is untouched and
the time includes that check. Needs the demo school (`make seed`).
"""

import argparse
import datetime as dt
import io
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from attendance.models import Pupil, School, User  # noqa: E402
from registers import imports  # noqa: E402

CODES = ["/"] * 90 + ["I"] * 4 + ["O", "U", "G", "M", "L", "H"]


def school_days(first: dt.date, count: int) -> list[dt.date]:
    days, day = [], first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def build_file(upns: list[str], days: list[dt.date], rng: random.Random) -> bytes:
    out = io.StringIO()
    out.write("upn,date,session,code,status,school\n")
    for upn in upns:
        for day in days:
            for session in ("AM", "PM"):
                code = rng.choice(CODES)
                if code == "/" and session == "PM":
                    code = "\\"
                out.write(f"{upn},{day.isoformat()},{session},{code},,9262001\n")
    return out.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pupils", type=int, default=400)
    args = parser.parse_args()
    school = School.objects.order_by("pk").first()
    if school is None:
        sys.exit("No school: run `make seed` first.")
    upns = list(Pupil.objects.filter(school=school).values_list("upn", flat=True))
    if not upns:
        sys.exit(f"{school} has no pupils.")
    # Fewer pupils than asked: the same number of marks, more days each is not
    # possible in a year, so report what was measured.
    upns = upns[: args.pupils]
    days = school_days(dt.date(2023, 9, 4), 190)
    data = build_file(upns, days, random.Random(1))
    by = User.objects.filter(school=school, is_superuser=False).first()
    marks = len(upns) * len(days) * 2
    print(f"{school}: {len(upns)} pupils, {marks:,} marks, {len(data) / 1e6:.1f} MB of CSV")
    with transaction.atomic():
        started = time.perf_counter()
        result = imports.import_marks(
            school, data, "bench.csv", by=by, now=timezone.now(), progress=None
        )
        imported = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        checked = time.perf_counter()
        transaction.set_rollback(True)
    if not result.ok:
        sys.exit("\n".join(result.error_lines()[:20]))
    print(
        f"import {imported - started:.1f} s, history check at commit {checked - imported:.1f} s, "
        f"total {checked - started:.1f} s ({result.imported / (checked - started):,.0f} marks/s)"
    )


if __name__ == "__main__":
    main()
