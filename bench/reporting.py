"""Time the governors' dashboard for a 2,000-pupil school with a full year of marks.

    .venv/bin/python bench/reporting.py [--runs 20]

Uses the trust built by bench/thresholds.py (run that first): its first
school has 2,000 pupils with every session of 2025/26 marked, given year
groups R-6, 67 classes (one of 3 pupils) and pupil-group flags on first use. Prints the
median and p95 server time of the governors' page for each term as a
governor gets it (through Django's test client: figures, charts, template),
its SQL query count, and the time of one hand-written SQL aggregate of the
spring term's whole-school figures, with the ratio.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rollcall_bench"
)

import django  # noqa: E402

django.setup()

import time_machine  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from attendance.models import AcademicYear, Pupil, RegistrationGroup, School, User  # noqa: E402
from attendance.pupil_groups import DASHBOARD_GROUPS, fields_of  # noqa: E402
from attendance.roles import Role  # noqa: E402
from reporting import periods  # noqa: E402

FLAGS = sorted(fields_of(DASHBOARD_GROUPS))

HAND_SQL = """
SELECT count(*) FILTER (WHERE m.code IN ('/', '\\\\', 'L', 'K', 'V', 'P', 'W', 'B', 'J'))::float
       / nullif(count(*) FILTER (WHERE m.code NOT IN ('D', 'X', 'Y', 'Y1', 'Y2', 'Y3', 'Y4', 'Y5', 'Y6', 'Y7', 'Q', 'Z', '#')), 0)
FROM registers_mark m JOIN attendance_pupil p ON p.id = m.pupil_id
WHERE p.school_id = %s AND m.date BETWEEN %s AND %s
"""


def shape_school(school: School) -> None:
    """Give the trust's bare pupils a primary school's shape, once: year groups
    R to 6 with dates of birth to match, classes of about 30 (and one of 3, so
    suppression has work to do), and pupil-group flags at typical rates."""
    if RegistrationGroup.objects.filter(academic_year__school=school).exists():
        return
    year = AcademicYear.objects.filter(school=school).order_by("-start_date").first()
    rng = random.Random(6)
    pupils = list(school.pupils.order_by("id"))
    years = ["R", "1", "2", "3", "4", "5", "6"]
    per_year = len(pupils) // len(years)
    for y, code in enumerate(years):
        cohort = pupils[y * per_year : (y + 1) * per_year] if y < 6 else pupils[6 * per_year :]
        sizes = [30] * (len(cohort) // 30) + ([len(cohort) % 30] if len(cohort) % 30 else [])
        if code == "6":
            sizes[-1:] = [sizes[-1] - 3, 3] if sizes[-1] > 3 else sizes[-1:]
        start = 0
        for n, size in enumerate(sizes):
            group = RegistrationGroup.objects.create(
                academic_year=year, name=f"{code}{chr(65 + n)}", year_group=code
            )
            for pupil in cohort[start : start + size]:
                pupil.registration_group = group
                pupil.year_group = code
                pupil.date_of_birth = dt.date(2020 - y, 1 + rng.randrange(12), 1)
                pupil.free_school_meals = rng.random() < 0.24
                pupil.pupil_premium = pupil.free_school_meals or rng.random() < 0.05
                pupil.send = "E" if rng.random() < 0.03 else ("K" if rng.random() < 0.13 else "N")
                pupil.eal = rng.random() < 0.2
                pupil.looked_after = rng.random() < 0.005
                pupil.has_social_worker = rng.random() < 0.03
                pupil.young_carer = rng.random() < 0.01
            start += size
    Pupil.objects.bulk_update(
        pupils,
        ["registration_group", "year_group", "date_of_birth", *FLAGS],
        batch_size=500,
    )


def time_page(client, url: str, runs: int) -> tuple[list[float], int]:
    """Server times (ms) of `runs` GETs of `url` after one warm-up, and its query count."""
    times = []
    with time_machine.travel(dt.datetime(2026, 7, 21, 12, tzinfo=dt.UTC)):
        for _ in range(runs + 1):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        connection.force_debug_cursor = True
        reset_queries()
        client.get(url)
        connection.force_debug_cursor = False
    return sorted(times[1:]), len(connection.queries)  # the first run warms the connection


def p95(ms: list[float]) -> float:
    return ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)  # the trust may predate the reporting tables
    school = School.objects.order_by("id").first()
    shape_school(school)
    terms = periods.terms(school)
    pupils = school.pupils.count()
    setup_test_environment()  # the test client's host name
    governor, _ = User.objects.get_or_create(username="bench-governor", defaults={"school": school})
    governor.groups.add(Group.objects.get(name=Role.GOVERNOR.value))
    client = Client()
    client.force_login(governor)
    print(f"{school.name}: {pupils:,} pupils, as of 2026-07-21, {args.runs} runs per page")
    print("governors' page (figures, charts, template), server time:")
    medians = {}
    for term in terms:
        # Each term as a governor gets it; autumn starts mid-week and summer
        # ends mid-week, so both read part-weeks from the marks.
        ms, queries = time_page(client, f"/governors/?term={term.key}", args.runs)
        medians[term.key] = statistics.median(ms)
        print(
            f"  {term.name:<24} ({term.start} to {term.end}): median {medians[term.key]:.0f} ms, "
            f"p95 {p95(ms):.0f} ms, {queries} SQL queries"
        )
    spring = next(t for t in terms if t.season == "spring")
    hand = []
    for _ in range(args.runs + 1):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(HAND_SQL, [school.id, spring.start, spring.end])
            cursor.fetchone()
        hand.append(time.perf_counter() - started)
    hand_ms = statistics.median(hand[1:]) * 1000
    print(
        f"hand-written whole-school aggregate of the {spring.name}: median {hand_ms:.0f} ms; "
        f"ratio page / hand-written {medians[spring.key] / hand_ms:.1f}"
    )


if __name__ == "__main__":
    main()
