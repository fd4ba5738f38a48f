"""Every URL, GET and POST, for every role: who gets in is exactly who should.

Each cell is "in" (the role reaches the view: any answer but a refusal) or
"out" (403, 404, 405, or the sign-in page). The table is the README's
permissions written as the pages see them; a view that starts letting
someone in, or shuts someone out, fails here.
"""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLResolver

from absences import letters as absence_letters
from absences import services as absence_services
from absences.models import AbsenceReport, Evidence, FollowUpTask
from attendance.school_calendar import SchoolCalendar
from penalties.models import Intervention, PenaltyNotice
from penalties.services import check_thresholds, issue_notice_to_improve
from registers.models import Mark
from tests import factories
from tests.factories import ContactFactory, PupilContactFactory
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db

PERSONAS = [
    "teacher",
    "other teacher",
    "office",
    "attendance officer",
    "head",
    "governor",
    "admin",
    "no role",
    "anonymous",
    "parent link",
]
STAFF = {"office", "attendance officer", "head", "admin"}  # see every pupil
ALL_SIGNED_IN = set(PERSONAS) - {"anonymous", "parent link"}
TEACHER = {"teacher"}
REGISTERS = {"teacher", "office", "attendance officer", "head"}
OFFICE_WORK = {"office", "attendance officer", "head"}  # record_late_arrivals / amend_marks
ESCALATION = {"attendance officer", "head"}
FIGURES = {"attendance officer", "head", "governor", "admin"}
TODAY_PAGE = {"attendance officer", "head", "admin"}  # figures and every pupil
IMPORTS = {"office", "admin"}
YEAR_SETUP = {"admin"}
UNLOCKS = {"office", "head", "admin"}
HEAD = {"head"}
HOLDS_LINK = set(PERSONAS) - {"anonymous"}
NOBODY: set = set()
# Django's own sign-in and sign-out pages are open to all by nature.
NOT_IN_THE_TABLE = {"login", "logout"}

# url name -> (who gets in with GET, who gets in with POST)
EXPECTED = {
    "home": (ALL_SIGNED_IN - {"no role"}, NOBODY),
    "login": (set(PERSONAS), set(PERSONAS)),
    "logout": (NOBODY, set(PERSONAS)),
    "my_registers": (REGISTERS | {"other teacher"}, NOBODY),
    "close_registers": (NOBODY, OFFICE_WORK),
    "late_book": (OFFICE_WORK, OFFICE_WORK),
    "register": (REGISTERS, REGISTERS),
    "pupil_attendance": (STAFF | TEACHER, NOBODY),
    "mark_detail": (OFFICE_WORK, OFFICE_WORK),
    "log_report": (OFFICE_WORK, OFFICE_WORK),
    "authorisation_queue": (HEAD, HEAD),
    "calling_list": (OFFICE_WORK, OFFICE_WORK),
    "cme_referral": (OFFICE_WORK, OFFICE_WORK),
    "outbox": (OFFICE_WORK, NOBODY),
    "untaken_registers": (OFFICE_WORK, NOBODY),
    "unexplained_follow_up": (OFFICE_WORK, OFFICE_WORK),
    "follow_up_tasks": (OFFICE_WORK, OFFICE_WORK),
    "task_letter": (OFFICE_WORK, NOBODY),
    "evidence_file": (OFFICE_WORK, NOBODY),
    "leave_list": (OFFICE_WORK, NOBODY),
    "leave_detail": (OFFICE_WORK, HEAD),
    "leave_letter": (OFFICE_WORK, NOBODY),
    "policy_limits": (OFFICE_WORK, NOBODY),
    "pupil_absences": (OFFICE_WORK, NOBODY),
    "leave_new": (OFFICE_WORK, OFFICE_WORK),
    "part_time_new": (OFFICE_WORK, OFFICE_WORK),
    "deletion_new": (OFFICE_WORK, OFFICE_WORK),
    "parent_link": (NOBODY, OFFICE_WORK),
    "officer_list": (ESCALATION, NOBODY),
    "run_threshold_check": (NOBODY, ESCALATION),
    "weekly_review": (ESCALATION, NOBODY),
    "case_detail": (ESCALATION, ESCALATION),
    "nti_letter": (ESCALATION, NOBODY),
    "notice_letter": (ESCALATION, NOBODY),
    "case_file": (ESCALATION, ESCALATION),
    "intervention_letter": (ESCALATION, NOBODY),
    "letter_templates": (ESCALATION, ESCALATION),
    "letter_template": (ESCALATION, ESCALATION),
    # The link is the parent's key: whoever holds it gets in (staff who open a
    # parent's link see what the parent sees); a made-up token gets nowhere.
    "parent_home": (HOLDS_LINK, NOBODY),
    "parent_report": (HOLDS_LINK, HOLDS_LINK),
    "parent_leave": (HOLDS_LINK, HOLDS_LINK),
    "governors": (FIGURES, NOBODY),
    "governors_pdf": (FIGURES, NOBODY),
    "reporting_today": (TODAY_PAGE, NOBODY),
    "cohort_pupils": (TODAY_PAGE, NOBODY),
    "marks_export": (TODAY_PAGE, NOBODY),
    "marks_export_old_address": (ALL_SIGNED_IN, NOBODY),  # a redirect to marks_export
    "census_attendance": (TODAY_PAGE, NOBODY),
    "celebration": (TODAY_PAGE, NOBODY),
    "certificates": (TODAY_PAGE, NOBODY),
    "my_classes": (TEACHER | {"other teacher"}, NOBODY),
    "group_detail": (STAFF | TEACHER, NOBODY),
    "pupil_list": (STAFF, NOBODY),
    "pupil_detail": (STAFF | TEACHER, NOBODY),
    "setup": (IMPORTS, IMPORTS),
    "export_pupils": (IMPORTS, NOBODY),
    "import_marks": (NOBODY, IMPORTS),
    "import_marks_progress": (IMPORTS, NOBODY),
    "ctf_import": (IMPORTS, IMPORTS),
    "ctf_export": (IMPORTS, NOBODY),
    "new_year": (YEAR_SETUP, NOBODY),
    "new_year_calendar": (YEAR_SETUP, YEAR_SETUP),
    "new_year_classes": (YEAR_SETUP, YEAR_SETUP),
    "new_year_pupils": (YEAR_SETUP, YEAR_SETUP),
    "new_year_preview": (YEAR_SETUP, YEAR_SETUP),
    "staff_list": (YEAR_SETUP, NOBODY),
    "staff_new": (YEAR_SETUP, YEAR_SETUP),
    "sign_ins": (UNLOCKS, UNLOCKS),
    "view_log": ({"head", "admin"}, NOBODY),
    "subject_access": ({"head", "admin"}, NOBODY),
    # Everyone signed in changes their own password (no role needed for that).
    "password_change": (ALL_SIGNED_IN, ALL_SIGNED_IN),
    "password_change_done": (ALL_SIGNED_IN, NOBODY),
    "two_factor": (ALL_SIGNED_IN, ALL_SIGNED_IN),
    "two_factor_setup": (ALL_SIGNED_IN, ALL_SIGNED_IN),
    "two_factor_backup_codes": (NOBODY, ALL_SIGNED_IN),
    # For a load balancer: no sign-in, and no personal data in it.
    "healthz": (set(PERSONAS), NOBODY),
}


def url_names() -> list[tuple[str, str]]:
    found = []

    def walk(patterns):
        for p in patterns:
            if isinstance(p, URLResolver):
                if "admin" not in str(p.pattern):
                    walk(p.url_patterns)
            else:
                found.append(p.name or p.callback.__name__)

    walk(get_resolver().url_patterns)
    return found


def test_every_url_is_in_the_table():
    assert sorted(set(url_names())) == sorted(EXPECTED)


@pytest.fixture
def world(cast, settings, tmp_path):
    """One of everything a URL can name, for Poppy in alice's class."""
    settings.MEDIA_ROOT = tmp_path
    parent = ContactFactory(school=cast.school, first_name="Mia", email="mia@example.org")
    PupilContactFactory(pupil=cast.poppy, contact=parent)
    week = [dt.date(2026, 11, 2) + dt.timedelta(days=i) for i in range(5)]
    factories.bulk_create_marks(
        Mark(pupil=cast.poppy, date=d, session=s, code="G", entered_at=london(9), source="office")
        for d in week
        for s in ("AM", "PM")
    )
    case = check_thresholds(cast.school, week[-1]).opened[0]
    intervention = Intervention.objects.create(
        pupil=cast.poppy,
        case=case,
        kind=Intervention.Kind.LETTER,
        date=DAY,
        summary="Letter",
        recorded_by=cast.arthur,
        recorded_at=london(10),
    )
    intervention.letter.save("letter.pdf", ContentFile(b"%PDF-1.4 test"))
    report = AbsenceReport.objects.create(
        pupil=cast.poppy,
        reporter_name="Mia",
        channel="phone",
        reason="illness",
        first_day=DAY,
        logged_at=london(8, 30),
    )
    evidence = Evidence.objects.create(
        report=report,
        file=ContentFile(b"%PDF-1.4 evidence", name="evidence.pdf"),
        original_name="evidence.pdf",
        content_type="application/pdf",
        size=17,
        uploaded_by=cast.olive,
        uploaded_at=london(9),
    )
    task = FollowUpTask.objects.create(
        pupil=cast.poppy,
        kind=FollowUpTask.Kind.HOME_VISIT,
        due=DAY,
        details="Letter home",
        key="matrix",
        created_at=london(10),
    )
    task.letter.save("task.pdf", ContentFile(b"%PDF-1.4 task"))
    leave = absence_services.submit_leave_request(
        cast.poppy,
        now=london(10),
        via="online",
        contact=parent,
        parent_names="Mia",
        relationship="Mother",
        phone="",
        email="",
        address="",
        siblings="",
        first_day=dt.date(2026, 12, 14),
        last_day=dt.date(2026, 12, 15),
        expected_return=dt.date(2026, 12, 16),
        reason="Wedding",
        evidence_note="",
        declaration=True,
    )
    _, token = absence_services.create_parent_link(parent, by=cast.olive, now=london(10))
    # A decided request has its letter; a case at the Notice to Improve has one too.
    decided = absence_services.submit_leave_request(
        cast.poppy,
        now=london(10),
        via="online",
        contact=parent,
        parent_names="Mia",
        relationship="Mother",
        phone="",
        email="",
        address="",
        siblings="",
        first_day=dt.date(2027, 1, 11),
        last_day=dt.date(2027, 1, 12),
        expected_return=dt.date(2027, 1, 13),
        reason="Funeral",
        evidence_note="",
        declaration=True,
    )
    absence_services.decide_leave_request(
        decided,
        granted_dates=[dt.date(2027, 1, 11), dt.date(2027, 1, 12)],
        reason="Family funeral",
        by=cast.helen,
        now=london(11),
    )
    decided.refresh_from_db()
    absence_letters.send_leave_decision(decided, email=False)
    nti = issue_notice_to_improve(
        case,
        issued_on=DAY,
        support_offered="Breakfast club",
        improvement_expected="No more unauthorised absence",
        by=cast.arthur,
        now=london(12),
    )
    nti.letter.save("nti.pdf", ContentFile(b"%PDF-1.4 nti"))
    # Sam has been in every session of the term: there is a certificate to make.
    sessions = SchoolCalendar(cast.school).sessions(dt.date(2026, 9, 1), DAY)
    factories.bulk_create_marks(
        Mark(
            pupil=cast.sam,
            date=x.date,
            session=x.session,
            code="/" if x.session == "AM" else "\\",
            entered_at=london(9),
        )
        for x in sessions
    )
    # A notice already issued, so that "paid" and "unpaid" have one to act on.
    penalty_notice = PenaltyNotice.objects.create(
        case=case,
        pupil=case.pupil,
        parent=parent,
        issued_on=DAY,
        service="hand",
        served_on=DAY,
        received_on=DAY,
        sequence=1,
        full_amount=160,
        full_by=DAY + dt.timedelta(days=28),
    )
    penalty_notice.letter.save("notice.pdf", ContentFile(b"%PDF-1.4 notice"))
    args = {
        "register": [cast.hawthorn.id, DAY.isoformat(), "AM"],
        "pupil_attendance": [cast.poppy.id],
        "mark_detail": [cast.poppy.id, DAY.isoformat(), "AM"],
        "task_letter": [task.id],
        "evidence_file": [evidence.id],
        "leave_detail": [leave.id],
        "leave_letter": [decided.id],
        "cme_referral": [cast.poppy.id],
        "pupil_absences": [cast.poppy.id],
        "leave_new": [cast.poppy.id],
        "part_time_new": [cast.poppy.id],
        "deletion_new": [cast.poppy.id],
        "parent_link": [cast.poppy.id, parent.id],
        "case_detail": [case.id],
        "nti_letter": [case.id],
        "notice_letter": [case.id, penalty_notice.id],
        "case_file": [cast.poppy.id],
        "intervention_letter": [intervention.id],
        "letter_template": ["concern"],
        "parent_home": [token],
        "parent_report": [token],
        "parent_leave": [token],
        "governors_pdf": ["2026-27-autumn"],
        "certificates": ["full"],
        "group_detail": [cast.hawthorn.id],
        "pupil_detail": [cast.poppy.id],
        "subject_access": [cast.poppy.id],
        "ctf_export": [cast.poppy.id],
        # A job nobody started reads as queued (its id is a random UUID).
        "import_marks_progress": ["00000000-0000-4000-8000-000000000000"],
    }
    args["parent"] = parent
    args["ids"] = {
        "parent": parent.id,
        "poppy": cast.poppy.id,
        "task": task.id,
        "report": report.id,
        "mark": Mark.objects.filter(pupil=cast.poppy).first().id,
        "notice": penalty_notice.id,
    }
    return args


def _url(name, args):
    if name == "marks_export_old_address":
        return "/reporting/marks.csv"
    url = reverse(name, args=args.get(name, []))
    if name == "cohort_pupils":
        url += "?by=school&value=all"
    return url


# POSTs that carry an action or name an object: each is a row of its own.
ACTIONS = {
    "calling_list": [
        ({"pupil": "poppy"}, OFFICE_WORK),
        ({"action": "refer", "pupil": "poppy"}, OFFICE_WORK),
    ],
    "follow_up_tasks": [({"task": "task"}, OFFICE_WORK)],
    "authorisation_queue": [({"report": "report"}, HEAD), ({"mark": "mark"}, HEAD)],
    "leave_detail": [({"action": "decide"}, HEAD), ({"action": "holiday_taken_by"}, OFFICE_WORK)],
    "parent_link": [({}, OFFICE_WORK), ({"action": "revoke"}, OFFICE_WORK)],
    "case_detail": [
        ({"action": action}, ESCALATION)
        for action in ["support", "nti", "refer", "prosecution", "close"]
    ]
    + [
        ({"action": "notice", "parent": "parent"}, ESCALATION),
        ({"action": "paid", "notice": "notice"}, ESCALATION),
        ({"action": "unpaid", "notice": "notice"}, ESCALATION),
    ],
    "case_file": [({"action": "intervention"}, ESCALATION), ({"action": "letter"}, ESCALATION)],
    "sign_ins": [
        ({"kind": "account", "value": "alice"}, UNLOCKS),
        ({"action": "reset_second_factor", "username": "bob"}, YEAR_SETUP),
    ],
}


def _got_in(response) -> bool:
    if response.status_code in (403, 404, 405):
        return False
    if response.status_code == 302 and response["Location"].startswith("/login/"):
        return False
    # A parent's page refuses a staff session by showing "link not valid" (410).
    return response.status_code != 410


def signed_in_personas(cast) -> dict:
    """The personas who sign in, as the cast's users."""
    return {
        "teacher": cast.alice,
        "other teacher": cast.bob,
        "office": cast.olive,
        "attendance officer": cast.arthur,
        "head": cast.helen,
        "governor": cast.gwen,
        "admin": cast.adam,
        "no role": cast.nobody,
    }


def test_who_gets_in_to_every_url(client, cast, world, time_machine):
    time_machine.move_to(london(10, 30))
    users = signed_in_personas(cast)
    wrong = []
    cells = 0
    for persona in PERSONAS:
        client.logout()
        if persona in users:
            client.force_login(users[persona])
        for name, (get_in, post_in) in EXPECTED.items():
            if name in NOT_IN_THE_TABLE:
                continue
            url = _url(name, world)
            if url.startswith("/p/"):
                # A fresh link each time: the office's "revoke" row ends the last one.
                _, token = absence_services.create_parent_link(
                    world["parent"], by=None, now=london(10, 30)
                )
                url = url.replace(
                    world[name][0], "made-up-token" if persona == "anonymous" else token
                )
            tries = [("GET", None, get_in)] + [
                ("POST", data, allowed) for data, allowed in ACTIONS.get(name, [({}, post_in)])
            ]
            for method, data, allowed in tries:
                if method == "GET":
                    response = client.get(url)
                else:
                    body = {k: world["ids"].get(v, v) for k, v in data.items()}
                    response = client.post(url, body)
                cells += 1
                got_in = _got_in(response)
                if got_in != (persona in allowed):
                    wrong.append(
                        f"{method} {name} {data or ''} as {persona}: {response.status_code}"
                    )
    assert not wrong, "\n".join(wrong)
    rows = sum(1 + len(ACTIONS.get(n, [None])) for n in EXPECTED if n not in NOT_IN_THE_TABLE)
    assert cells == len(PERSONAS) * rows
