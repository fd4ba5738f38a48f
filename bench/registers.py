"""Time the register page: GET and POST of a 30-pupil class in the demo school.

    .venv/bin/python bench/registers.py [--runs 50]

Runs in-process through Django's test client (server time, no network),
inside a transaction that is rolled back, so the demo data is untouched.
Needs the demo school (`make seed`).
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

import time_machine  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from attendance.models import RegistrationGroup, User  # noqa: E402
from attendance.school_calendar import SchoolCalendar  # noqa: E402
from attendance.selectors import pupils_on_roll  # noqa: E402


def percentile(values, pct):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    setup_test_environment()  # the test client's host name and response.context
    teacher = User.objects.get(username="teacher")
    group = RegistrationGroup.objects.filter(teachers=teacher).first()
    school = group.academic_year.school
    calendar = SchoolCalendar(school)
    day = group.academic_year.start_date
    while not calendar.is_school_day(day) or day < dt.date.today():
        day += dt.timedelta(days=1)
    pupils = list(pupils_on_roll(school, day).filter(registration_group=group))
    url = reverse("register", args=[group.id, day.isoformat(), "AM"])
    client = Client()
    client.force_login(teacher)
    gets, posts, queries = [], [], {}
    nine = dt.datetime.combine(day, dt.time(9, 2), tzinfo=school.tz)
    with transaction.atomic(), time_machine.travel(nine, tick=True):
        for run in range(args.runs):
            started = time.perf_counter()
            response = client.get(url)
            gets.append(time.perf_counter() - started)
            assert response.status_code == 200
            # Alternate all present / two absent so every POST writes marks.
            data = {"reason": "Bench"}
            for i, pupil in enumerate(pupils):
                data[f"code_{pupil.id}"] = "N" if run % 2 and i < 2 else "/"
                data[f"v_{pupil.id}"] = (
                    response.context["sheet"].rows[i].mark.version
                    if response.context["sheet"].rows[i].mark
                    else 0
                )
            started = time.perf_counter()
            response = client.post(url, data)
            posts.append(time.perf_counter() - started)
            assert response.status_code == 302, response.content[:500]
        connection.force_debug_cursor = True
        reset_queries()
        client.get(url)
        queries["GET"] = len(connection.queries)
        reset_queries()
        client.post(url, data)
        queries["POST"] = len(connection.queries)
        transaction.set_rollback(True)
    print(f"{group.name}, {len(pupils)} pupils, {day}, {args.runs} runs each")
    for name, times in (("GET", gets), ("POST", posts)):
        ms = [t * 1000 for t in times]
        print(
            f"{name:4} median {statistics.median(ms):6.1f} ms   p95 {percentile(ms, 95):6.1f} ms"
            f"   max {max(ms):6.1f} ms   {queries[name]} SQL queries"
        )


if __name__ == "__main__":
    main()
