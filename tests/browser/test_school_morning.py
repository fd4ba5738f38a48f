"""A whole school morning on the demo, in the browser.

The demo is seeded on the real date; the morning played is the next school
day after it: parents ring before nine, eleven classes take their registers,
two never do, their teachers are reminded at 09:15, the registers close at
09:20, the office completes one untaken register in one action, first-day
calling runs at 09:35 and must message only the families of pupils truly
absent with no reason, and the head clears a 60-row queue with bulk decisions.
"""

import datetime as dt
import time

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from absences import calling
from absences.models import AbsenceReport, ContactAttempt
from absences.services import log_absence_report
from attendance.demo import seed_demo
from attendance.models import RegistrationGroup, User
from attendance.school_calendar import SchoolCalendar
from attendance.selectors import current_academic_year, pupils_on_roll
from registers.models import Mark, Register
from registers.services import Entry, close_due_registers, take_register
from registers.untaken import send_register_reminders
from tests.browser.test_new_year import shoot
from tests.browser.test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Reasons parents give before nine, and how many of each: illness is
# authorised on report by the school's policy; the rest wait for the head.
REPORTS = [("illness", 8), ("medical", 35), ("exceptional", 10), ("other", 15)]
ABSENT_PER_CLASS = 3  # pupils each teacher marks absent with no reason known


def _morning(school):
    calendar = SchoolCalendar(school)
    day = timezone.localdate(timezone.now(), school.tz)
    while True:
        day = calendar.next_school_day(day)
        if "AM" in calendar.sessions_on(day):
            return day


def test_a_whole_school_morning(page: Page, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    school, _ = seed_demo(history=False, password="pw-for-tests-only")
    day = _morning(school)
    tz = school.tz

    def at(hour, minute):
        return dt.datetime.combine(day, dt.time(hour, minute), tz)

    year = current_academic_year(school, day)
    groups = list(RegistrationGroup.objects.filter(academic_year=year).order_by("name"))
    cedar = next(g for g in groups if g.name == "Cedar")  # the demo's "teacher"
    forgotten = next(g for g in groups if g.name != "Cedar")
    untaken = {cedar.id, forgotten.id}
    on_roll = {
        g.id: list(pupils_on_roll(school, day).filter(registration_group=g).order_by("upn"))
        for g in groups
    }
    office = User.objects.get(username="office")

    with time_machine.travel(at(8, 15), tick=False) as clock:
        # Before nine: parents ring about children in the classes that will
        # take their registers (one per reason in turn, spread over classes).
        callers = [p for g in groups if g.id not in untaken for p in on_roll[g.id][5:]]
        reported = {}
        queue = iter(callers)
        for reason, count in REPORTS:
            for _ in range(count):
                pupil = next(queue)
                log_absence_report(
                    pupil, reason=reason, reporter_name="Parent", channel="phone",
                    first_day=day, now=at(8, 15), by=office,
                )  # fmt: skip
                reported[pupil.id] = reason

        # 09:05: every class but two takes its register; each teacher marks
        # the first few pupils absent (N) and everyone else present.
        absent = set()
        clock.move_to(at(9, 5))
        for group in groups:
            if group.id in untaken:
                continue
            entries = []
            for n, pupil in enumerate(on_roll[group.id]):
                if pupil.id in reported:
                    continue  # the report's code is on the register already
                code = "N" if n < ABSENT_PER_CLASS else "/"
                absent |= {pupil.id} if code == "N" else set()
                entries.append(Entry(pupil.id, code, 0))
            outcome = take_register(
                group, day, "AM", entries, by=group.teachers.first(), now=at(9, 5),
                as_teacher=True,
            )  # fmt: skip
            assert outcome.ok, outcome.errors

        # 09:15: the two teachers who have not taken theirs are reminded.
        clock.move_to(at(9, 15))
        assert send_register_reminders(school, at(9, 15)) == 2
        reminded = sorted(m.subject.split(" AM")[0] for m in mail.outbox)
        assert reminded == sorted([cedar.name, forgotten.name])
        clock.move_to(at(9, 16))
        sign_in(page, live_server.url, "teacher")
        expect(page.get_by_role("alert").first).to_contain_text(
            "Cedar's AM register has not been taken"
        )
        page.get_by_role("button", name="Sign out").click()

        # 09:20: the close. The untaken registers' pupils are held back.
        clock.move_to(at(9, 20))
        close_due_registers(school, at(9, 20))
        held = Mark.objects.filter(date=day, session="AM", held_back=True)
        assert held.count() == len(on_roll[cedar.id]) + len(on_roll[forgotten.id])

        # 09:25: the office is told at once, and completes one of them in one
        # action: Mark all present, two exceptions, one reason, save.
        clock.move_to(at(9, 25))
        sign_in(page, live_server.url, "office")
        expect(page.get_by_role("alert").first).to_contain_text(
            "2 registers closed without being taken"
        )
        page.get_by_role("link", name="Registers not taken").click()
        shoot(page, "registers-not-taken.png")
        row = page.get_by_role("row").filter(has_text=f"{forgotten.name} AM")
        row.get_by_role("link", name="Complete it").click()
        away = on_roll[forgotten.id][:2]
        actions = [
            lambda: page.get_by_role("button", name="Mark all present").click(),
            lambda: page.get_by_label(f"Mark for {away[0].name}").select_option("N"),
            lambda: page.get_by_label(f"Mark for {away[1].name}").select_option("N"),
            lambda: page.get_by_label("Reason for changing a saved mark").fill(
                "Register not taken; completed from the teacher's list"
            ),
            lambda: page.get_by_role("button", name="Save register").click(),
        ]
        for action in actions[:-1]:
            action()
        shoot(page, "complete-untaken-register.png")
        actions[-1]()
        expect(page.get_by_role("status")).to_contain_text(f"{forgotten.name} AM register saved.")
        absent |= {p.id for p in away}
        assert not Mark.objects.filter(pupil__in=on_roll[forgotten.id], held_back=True).exists()
        page.get_by_role("button", name="Sign out").click()

        # 09:35: first-day calling. Only the truly absent, unexplained are chased.
        clock.move_to(at(9, 35))
        run = calling.run_first_day_calling(school, at(9, 35))
        messaged = set(
            ContactAttempt.objects.filter(date=day, kind=ContactAttempt.Kind.FIRST_DAY).values_list(
                "pupil_id", flat=True
            )
        )
        unexplained = set(
            Mark.objects.filter(
                date=day, session="AM", code="N", held_back=False, pending=False
            ).values_list("pupil_id", flat=True)
        )
        # Marked absent by a teacher or the office, and nothing known since
        # (the close gives granted leave its C, refused leave its G).
        assert unexplained <= absent and len(unexplained) >= 30
        assert messaged | set(run.to_phone) == unexplained
        assert not messaged & {p.id for p in on_roll[cedar.id]}  # held back: nobody told
        assert not messaged & set(reported)  # the family told us
        print(
            f"calling: {len(messaged)} families messaged, {len(run.to_phone)} to phone, "
            f"{len(unexplained)} pupils absent with no reason, {held.count()} held back"
        )

        # 10:00: the head clears the queue of today's reports with bulk decisions.
        clock.move_to(at(10, 0))
        sign_in(page, live_server.url, "head")
        expect(page.get_by_role("heading", level=1)).to_have_text("Absences to decide")
        shoot(page, "authorisation.png")
        waiting = AbsenceReport.objects.filter(
            pupil__school=school, first_day=day, status=AbsenceReport.Status.PENDING
        )
        assert waiting.count() == 60
        started = time.perf_counter()
        for reason, decision in [
            ("Medical or dental appointment", "Authorise"),
            ("Family emergency / exceptional circumstances", "Authorise"),
            ("Other", "Do not authorise"),
        ]:
            page.locator("#filter_when").select_option(label="Today")
            page.locator("#filter_reason").select_option(label=reason)
            page.get_by_role("button", name="Show").click()
            page.get_by_label("Tick every report").check()
            page.locator("#decision").select_option(label=decision)
            page.locator("#reason").fill(f"{decision}: {reason}")
            page.get_by_role("button", name="Decide ticked rows").first.click()
            expect(page.get_by_role("status")).to_contain_text("Decision recorded")
        minutes = (time.perf_counter() - started) / 60
        assert waiting.count() == 0
        decided = AbsenceReport.objects.filter(pupil__school=school, first_day=day)
        assert dict(
            decided.exclude(reason="illness").values_list("reason", "status").distinct()
        ) == {"medical": "authorised", "exceptional": "authorised", "other": "unauthorised"}
        print(f"queue: 60 decisions in {minutes:.2f} min, {60 / minutes:.0f} per minute")
        marks = Mark.objects.filter(pupil_id__in=reported, date=day, session="AM")
        assert not marks.filter(pending=True).exists()
        assert set(marks.filter(pupil__in=[k for k, v in reported.items() if v == "other"])
                   .values_list("code", flat=True)) == {"O"}  # fmt: skip
    assert Register.objects.filter(date=day, session="AM", taken_at__isnull=True).count() == 1
