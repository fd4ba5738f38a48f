"""The register page against the floor: GET and POST of a 30-pupil class, and
a bare view on the same gunicorn (bench/urls.py), interleaved.

    .venv/bin/python bench/registers.py [--runs 60] [--quick]

Production settings (harness.configure); the demo school's database unless
BENCH_DATABASE_URL says otherwise (`make run` or `make seed` makes it). The
server and this process stand at 09:02 on the next school day, when the
morning register is open; every POST is committed, alternating all present
with two pupils absent so that each one writes marks, as a teacher's would.
That register is left taken, with the reason "Bench" in its history.
"""

import argparse
import datetime as dt
import re

import harness

harness.configure()

import django  # noqa: E402

django.setup()

import time_machine  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from attendance.models import RegistrationGroup, User  # noqa: E402
from attendance.school_calendar import SchoolCalendar  # noqa: E402

GOAL = 3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--quick", action="store_true", help="15 runs, for routine checks")
    args = parser.parse_args()
    runs = 15 if args.quick else args.runs

    teacher = User.objects.get(username="teacher")
    school = teacher.school
    calendar = SchoolCalendar(school)
    day = calendar.next_school_day(timezone.localdate(timezone.now(), school.tz))
    group = RegistrationGroup.objects.get(
        teachers=teacher, academic_year__start_date__lte=day, academic_year__end_date__gte=day
    )
    moment = dt.datetime.combine(day, dt.time(9, 2), tzinfo=school.tz)
    register = reverse("registers:register", args=[group.id, day.isoformat(), "AM"])
    bare = reverse("bench_bare")

    with time_machine.travel(moment, tick=True):
        cookies = harness.signed_in_cookies(teacher)
    env = {"BENCH_TRAVEL_TO": moment.isoformat()}
    with harness.gunicorn(env=env) as address:
        browser = harness.Browser(address, cookies)
        page = browser.get(register)
        pupils = list(dict.fromkeys(int(p) for p in re.findall(r'name="code_(\d+)"', page)))
        state = {"run": 0, "page": page}

        def form() -> dict:
            versions = dict(re.findall(r'name="v_(\d+)" value="(\d+)"', state["page"]))
            data = {"csrfmiddlewaretoken": harness.csrf_token(state["page"]), "reason": "Bench"}
            absent = state["run"] % 2
            for i, pupil in enumerate(pupils):
                data[f"code_{pupil}"] = "N" if absent and i < 2 else "/"
                data[f"v_{pupil}"] = versions.get(str(pupil), "0")
            return data

        def register_get():
            state["page"] = browser.get(register)

        def register_post():
            state["run"] += 1
            browser.post(register, form())

        def bare_get():
            browser.get(bare)

        def bare_post():
            browser.post(bare, {"csrfmiddlewaretoken": harness.csrf_token(state["page"])}, 200)

        times = harness.interleave(
            {"GET": (register_get, bare_get), "POST": (register_post, bare_post)}, runs
        )

    print(f"{group.name}, {len(pupils)} pupils, AM register of {day}, gunicorn 1 worker")
    print(harness.machine_load())
    ratios = {}
    for name, (candidate, baseline) in times.items():
        print(harness.describe(f"register {name}", candidate))
        print(harness.describe(f"bare view {name}", baseline))
        ratios[name] = harness.ratio_line(candidate, baseline, GOAL)
        print(f"{name}: {ratios[name]}")
    worst = max(times, key=lambda n: float(ratios[n].split()[1]))
    print(harness.ratio_line(*times[worst], GOAL))


if __name__ == "__main__":
    main()
