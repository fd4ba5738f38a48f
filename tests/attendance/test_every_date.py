"""Every page each role can reach works on every kind of day, with no server error."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from absences.services import create_parent_link
from attendance.demo import seed_demo
from attendance.demo_plan import calendar_for, plan_demo
from attendance.models import Contact, School, User
from tests.crawl import walk

pytestmark = pytest.mark.django_db

ROLES = ["teacher", "office", "attendance", "head", "governor", "admin"]


def kinds_of_day(plan) -> dict[str, dt.datetime]:
    """A school day, a weekend, a holiday, an INSET day, August and a day past the calendar,
    all worked out from the demo's real date."""
    tz = timezone.get_default_timezone()
    calendar = calendar_for(plan.years)
    today = plan.today

    def first(test, start=today):
        day = start
        for _ in range(400):
            if test(day):
                return day
            day += dt.timedelta(days=1)
        raise AssertionError("no such day within a year")

    insets = sorted(d for y in plan.years for d in y.inset_days)
    inset = next((d for d in insets if d >= today), insets[-1])
    august = dt.date(plan.current.end.year, 8, 14)
    days = {
        "school day": first(calendar.is_school_day),
        "weekend": first(lambda d: d.weekday() == 5),
        "holiday": first(lambda d: d.weekday() < 5 and not calendar.in_term(d)),
        "INSET day": inset,
        "August": august,
        "past the calendar": plan.years[-1].end + dt.timedelta(days=20),
    }
    return {name: dt.datetime.combine(day, dt.time(10, 30), tz) for name, day in days.items()}


def test_every_role_reaches_working_pages_on_every_kind_of_day(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    now = timezone.now()
    seed_demo(now=now)
    plan = plan_demo(now, School.objects.get().tz)
    parent = Contact.objects.filter(pupil_links__parental_responsibility=True).first()
    failures = []
    for name, moment in kinds_of_day(plan).items():
        with time_machine.travel(moment, tick=False):
            files_seen: set = set()
            for username in ROLES:
                client.force_login(User.objects.get(username=username))
                # Every page on a school day; on the other days each role's
                # landing page and everything it links to (the dated pages).
                school_day = name == "school day"
                result = walk(
                    client,
                    limit=150,
                    files=school_day,
                    depth=99 if school_day else 2,
                    files_seen=files_seen,
                )
                failures += [f"{name} {moment:%a %d %b %Y} {username} {f}" for f in result.failures]
                assert len(result.visited) >= 2, (name, username, result.visited)
            # A parent's personal link, issued that day.
            client.logout()
            _, token = create_parent_link(parent, by=None, now=timezone.now())
            for page in ("", "absence/", "leave/"):
                status = client.get(f"/p/{token}/{page}").status_code
                if status >= 500:
                    failures.append(f"{name} parent /p/…/{page}: {status}")
    assert not failures, "\n".join(failures)
