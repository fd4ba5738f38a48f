import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from attendance.models import Pupil
from registers.models import Mark
from reporting.celebration import class_of_the_week, full_attendance
from tests import factories
from tests.factories import PupilFactory
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db
MON = dt.date(2026, 11, 16)


@pytest.fixture
def week(cast):
    """Hawthorn: Poppy and four classmates, all present. Rowan: Sam, who missed a morning."""
    rows = []
    classmates = [
        PupilFactory(school=cast.school, registration_group=cast.hawthorn, legal_surname="Extra")
        for _ in range(4)
    ]
    for d in range(5):
        day = MON + dt.timedelta(days=d)
        rows += [
            Mark(pupil=p, date=day, session=s, code="/", entered_at=timezone.now())
            for p in classmates
            for s in ("AM", "PM")
        ]
    for d in range(5):
        day = MON + dt.timedelta(days=d)
        rows += [
            Mark(pupil=cast.poppy, date=day, session=s, code=c, entered_at=timezone.now())
            for s, c in (("AM", "/"), ("PM", "\\"))
        ]
        rows += [
            Mark(pupil=cast.sam, date=day, session=s, code=c, entered_at=timezone.now())
            for s, c in (("AM", "I" if d == 0 else "/"), ("PM", "\\"))
        ]
    factories.bulk_create_marks(rows)


def test_the_class_with_the_best_week_wins(cast, week):
    winner = class_of_the_week(cast.school, MON)
    assert (winner.group, winner.attendance_rate) == (cast.hawthorn, 100.0)


def test_pupils_with_full_attendance(cast, week):
    full = [p for p, _ in full_attendance(cast.school, MON, MON + dt.timedelta(days=4))]
    assert cast.poppy in full and cast.sam not in full and len(full) == 5


def test_a_pupil_who_joined_during_the_period_gets_no_full_attendance(cast, week):
    cast.poppy.admission_date = MON + dt.timedelta(days=1)
    cast.poppy.save()
    full = [p for p, _ in full_attendance(cast.school, MON, MON + dt.timedelta(days=4))]
    assert cast.poppy not in full and len(full) == 4


def test_a_class_smaller_than_five_is_not_class_of_the_week(cast, week):
    from registers.models import Mark as M

    factories.recode_marks(
        M.objects.filter(pupil__legal_surname="Extra"), "N"
    )  # Hawthorn's week falls
    # Rowan has only Sam: too small to be a class of the week, even at 90%.
    winner = class_of_the_week(cast.school, MON)
    assert (winner.group, winner.attendance_rate) == (cast.hawthorn, 20.0)


def test_certificates_are_pdfs_with_the_names_for_staff_only(client, cast, week, time_machine):
    time_machine.move_to(london(16, 0, MON + dt.timedelta(days=4)))
    client.force_login(cast.gwen)
    assert client.get(reverse("reporting:celebration")).status_code == 403
    client.force_login(cast.helen)
    assert "Hawthorn" in client.get(reverse("reporting:celebration")).content.decode()
    response = client.get(reverse("reporting:certificates", args=["class"]))
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Class of the week" in text and "Hawthorn" in text


def test_the_celebration_and_today_tables_download_as_csv(client, cast, week, time_machine):
    time_machine.move_to(london(16, 0, MON + dt.timedelta(days=4)))
    client.force_login(cast.helen)
    full = client.get(
        reverse("reporting:celebration"), {"format": "csv", "table": "full"}
    ).content.decode()
    assert full.splitlines()[0] == "upn,name,class,sessions" and cast.poppy.upn in full
    week_csv = client.get(reverse("reporting:reporting_today"), {"format": "csv"}).content.decode()
    assert "Hawthorn,100.0" in week_csv and "Rowan,90.0" in week_csv


def test_full_attendance_over_the_term_or_the_school_year(client, cast, week, time_machine):
    # Poppy was present every session of the week in November; in January she
    # is present all week too. Sam missed a November morning, then full weeks.
    january = dt.date(2027, 1, 4)
    rows = []
    for pupil in (cast.poppy, cast.sam):
        for d in range(5):
            rows += [
                Mark(
                    pupil=pupil,
                    date=january + dt.timedelta(days=d),
                    session=s,
                    code="/",
                    entered_at=timezone.now(),
                )
                for s in ("AM", "PM")
            ]
    factories.bulk_create_marks(rows)
    # A classmate admitted on the first day of the autumn term has been there all year.
    Pupil.objects.filter(legal_surname="Extra").order_by("id").filter(
        id=Pupil.objects.filter(legal_surname="Extra").order_by("id").values("id")[:1]
    ).update(admission_date=dt.date(2026, 9, 3))
    time_machine.move_to(london(16, 0, january + dt.timedelta(days=4)))
    client.force_login(cast.helen)
    term = client.get(reverse("reporting:celebration")).content.decode()
    assert "100% attendance this Spring term 2026/27 (2)" in term  # no marks for the rest
    year = client.get(reverse("reporting:celebration"), {"over": "year"}).content.decode()
    assert "100% attendance this school year 2026/27 (5)" in year
    csv_text = client.get(
        reverse("reporting:celebration"), {"over": "year", "format": "csv", "table": "full"}
    ).content.decode()
    assert cast.poppy.upn in csv_text and cast.sam.upn not in csv_text
    pdf = client.get(reverse("reporting:certificates", args=["full"]), {"over": "year"})
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Poppy" in text and "Okafor" not in text and "school year 2026/27" in text


def test_most_improved_needs_enough_sessions_in_both_half_terms(cast):
    from reporting.celebration import most_improved

    # Autumn 1: Poppy 70% over 4 weeks; Autumn 2: 100% over 2 weeks. Sam: one
    # absent morning out of 2 sessions before, all present after (too few before).
    before, after = (dt.date(2026, 9, 7), dt.date(2026, 10, 2)), (MON, MON + dt.timedelta(11))
    rows = []
    for n, day in enumerate(d for d in _weekdays(*before)):
        for s in ("AM", "PM"):
            code = "I" if n % 10 < 3 else "/"
            rows.append(
                Mark(pupil=cast.poppy, date=day, session=s, code=code, entered_at=timezone.now())
            )
    rows += [
        Mark(pupil=cast.sam, date=before[0], session="AM", code="I", entered_at=timezone.now()),
        Mark(pupil=cast.sam, date=before[0], session="PM", code="\\", entered_at=timezone.now()),
    ]
    for pupil in (cast.poppy, cast.sam):
        for day in _weekdays(*after):
            for s in ("AM", "PM"):
                rows.append(
                    Mark(pupil=pupil, date=day, session=s, code="/", entered_at=timezone.now())
                )
    factories.bulk_create_marks(rows)
    improved = most_improved(cast.school, before, after)
    assert [(p, was, now) for p, was, now in improved] == [(cast.poppy, 70.0, 100.0)]


def _weekdays(start, end):
    day = start
    while day <= end:
        if day.weekday() < 5:
            yield day
        day += dt.timedelta(days=1)
