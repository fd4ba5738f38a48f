"""Every URL, GET and POST, for every role: who gets in is exactly who should.

One table, ROWS: each row is a request (a URL name and how to build its
arguments, the method, the data posted) and the personas who get "in" (the
role reaches the view: any answer but a refusal); every other persona must
be "out" (403, 404, 405, or the sign-in page). The table is the README's
permissions written as the pages see them; a view that starts letting
someone in, or shuts someone out, fails here, and a URL missing from the
table fails too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLResolver

from absences import letters as absence_letters
from absences import services as absence_services
from absences.models import AbsenceReport, Evidence, FollowUpTask, LeaveRequest
from attendance.models import Contact, Pupil
from attendance.school_calendar import SchoolCalendar
from penalties.models import Case, Intervention, PenaltyNotice
from penalties.services import check_thresholds, issue_notice_to_improve
from registers.models import Mark
from tests import factories
from tests.conftest import Cast
from tests.factories import AbsenceReportFactory, ContactFactory, PupilContactFactory
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


@dataclass
class World:
    """One of everything a URL can name, for Poppy in alice's class."""

    cast: Cast
    parent: Contact
    token: str  # the parent's link
    report: AbsenceReport
    evidence: Evidence
    task: FollowUpTask
    leave: LeaveRequest  # awaiting the head
    decided: LeaveRequest  # decided, with its letter
    case: Case
    intervention: Intervention
    notice: PenaltyNotice
    mark: Mark  # one of Poppy's G marks

    @property
    def poppy(self) -> Pupil:
        return self.cast.poppy


Args = Callable[[World], list]
Data = Callable[[World], dict]


@dataclass(frozen=True)
class Row:
    """One request, and the personas who get in: every other one is refused."""

    name: str
    method: str
    allowed: frozenset[str]
    args: Args | None = None
    data: Data | None = None
    path: str = ""  # an address that is no url name's
    query: str = ""

    def url(self, world: World) -> str:
        if self.path:
            return self.path
        return reverse(self.name, args=self.args(world) if self.args else []) + self.query

    def __str__(self) -> str:
        return f"{self.method} {self.name}"


def view(
    name: str,
    get_in: set[str],
    post_in: set[str] = NOBODY,
    *,
    args: Args | None = None,
    posts: list[tuple[Data, set[str]]] | None = None,
    path: str = "",
    query: str = "",
) -> list[Row]:
    """A view's rows: its GET, then a bare POST, or each POST of `posts` (its
    data, and who gets in with it) for a view whose POST names an action or
    an object."""
    posted = posts or [(None, post_in)]
    return [Row(name, "GET", frozenset(get_in), args, path=path, query=query)] + [
        Row(name, "POST", frozenset(allowed), args, data, path, query) for data, allowed in posted
    ]


def poppy(w: World) -> list:
    return [w.poppy.id]


def case(w: World) -> list:
    return [w.case.id]


def link(w: World) -> list:
    return [w.token]


def notice(w: World) -> dict:
    return {"notice": w.notice.id}


ROWS: list[Row] = [
    *view("attendance:home", ALL_SIGNED_IN - {"no role"}),
    *view("registers:my_registers", REGISTERS | {"other teacher"}),
    *view("registers:close_registers", NOBODY, OFFICE_WORK),
    *view("registers:late_book", OFFICE_WORK, OFFICE_WORK),
    *view(
        "registers:register",
        REGISTERS,
        REGISTERS,
        args=lambda w: [w.cast.hawthorn.id, DAY.isoformat(), "AM"],
    ),
    *view("registers:pupil_attendance", STAFF | TEACHER, args=poppy),
    *view(
        "registers:mark_detail",
        OFFICE_WORK,
        OFFICE_WORK,
        args=lambda w: [w.poppy.id, DAY.isoformat(), "AM"],
    ),
    *view("absences:log_report", OFFICE_WORK, OFFICE_WORK),
    *view(
        "absences:authorisation_queue",
        HEAD,
        posts=[
            (lambda w: {"report": w.report.id}, HEAD),
            (lambda w: {"mark": w.mark.id}, HEAD),
        ],
    ),
    *view(
        "absences:calling_list",
        OFFICE_WORK,
        posts=[
            (lambda w: {"pupil": w.poppy.id}, OFFICE_WORK),
            (lambda w: {"action": "refer", "pupil": w.poppy.id}, OFFICE_WORK),
        ],
    ),
    *view("absences:cme_referral", OFFICE_WORK, OFFICE_WORK, args=poppy),
    *view("absences:outbox", OFFICE_WORK),
    *view("registers:untaken_registers", OFFICE_WORK),
    *view("absences:unexplained_follow_up", OFFICE_WORK, OFFICE_WORK),
    *view(
        "absences:follow_up_tasks",
        OFFICE_WORK,
        posts=[(lambda w: {"task": w.task.id}, OFFICE_WORK)],
    ),
    *view("absences:task_letter", OFFICE_WORK, args=lambda w: [w.task.id]),
    *view("absences:evidence_file", OFFICE_WORK, args=lambda w: [w.evidence.id]),
    *view("absences:leave_list", OFFICE_WORK),
    *view(
        "absences:leave_detail",
        OFFICE_WORK,
        args=lambda w: [w.leave.id],
        posts=[
            (lambda w: {"action": "decide"}, HEAD),
            (lambda w: {"action": "holiday_taken_by"}, OFFICE_WORK),
        ],
    ),
    *view("absences:leave_letter", OFFICE_WORK, args=lambda w: [w.decided.id]),
    *view("absences:policy_limits", OFFICE_WORK),
    *view("absences:pupil_absences", OFFICE_WORK, args=poppy),
    *view("absences:leave_new", OFFICE_WORK, OFFICE_WORK, args=poppy),
    *view("absences:part_time_new", OFFICE_WORK, OFFICE_WORK, args=poppy),
    *view("absences:deletion_new", OFFICE_WORK, OFFICE_WORK, args=poppy),
    *view(
        "absences:parent_link",
        NOBODY,
        args=lambda w: [w.poppy.id, w.parent.id],
        posts=[(lambda w: {}, OFFICE_WORK), (lambda w: {"action": "revoke"}, OFFICE_WORK)],
    ),
    *view("penalties:officer_list", ESCALATION),
    *view("penalties:run_threshold_check", NOBODY, ESCALATION),
    *view("penalties:weekly_review", ESCALATION),
    # A page open from before each action had its own address posts the
    # action's name to the case page.
    *view(
        "penalties:case_detail",
        ESCALATION,
        args=case,
        posts=[
            (lambda w, action=action: {"action": action}, ESCALATION)
            for action in ["support", "nti", "refer", "prosecution", "close"]
        ]
        + [
            (lambda w: {"action": "notice", "parent": w.parent.id}, ESCALATION),
            (lambda w: {"action": "paid", "notice": w.notice.id}, ESCALATION),
            (lambda w: {"action": "unpaid", "notice": w.notice.id}, ESCALATION),
        ],
    ),
    # Each action on a case at its own address.
    *view("penalties:case_support", NOBODY, ESCALATION, args=case),
    *view("penalties:case_notice_to_improve", NOBODY, ESCALATION, args=case),
    *view("penalties:case_referral", NOBODY, ESCALATION, args=case),
    *view(
        "penalties:case_penalty_notice",
        NOBODY,
        args=case,
        posts=[(lambda w: {"parent": w.parent.id}, ESCALATION)],
    ),
    *view("penalties:notice_paid", NOBODY, args=case, posts=[(notice, ESCALATION)]),
    *view("penalties:notice_unpaid", NOBODY, args=case, posts=[(notice, ESCALATION)]),
    *view("penalties:notice_withdrawn", NOBODY, args=case, posts=[(notice, ESCALATION)]),
    *view("penalties:case_prosecution", NOBODY, ESCALATION, args=case),
    *view("penalties:case_close", NOBODY, ESCALATION, args=case),
    *view("penalties:case_withdraw", NOBODY, ESCALATION, args=case),
    *view("penalties:nti_letter", ESCALATION, args=case),
    *view("penalties:notice_letter", ESCALATION, args=lambda w: [w.case.id, w.notice.id]),
    *view(
        "penalties:case_file",
        ESCALATION,
        args=poppy,
        posts=[
            (lambda w: {"action": "intervention"}, ESCALATION),
            (lambda w: {"action": "letter"}, ESCALATION),
        ],
    ),
    *view("penalties:intervention_letter", ESCALATION, args=lambda w: [w.intervention.id]),
    *view("penalties:letter_templates", ESCALATION, ESCALATION),
    *view("penalties:letter_template", ESCALATION, ESCALATION, args=lambda w: ["concern"]),
    # The link is the parent's key: whoever holds it gets in (staff who open a
    # parent's link see what the parent sees); a made-up token gets nowhere.
    *view("parents:parent_home", HOLDS_LINK, args=link),
    *view("parents:parent_report", HOLDS_LINK, HOLDS_LINK, args=link),
    *view("parents:parent_leave", HOLDS_LINK, HOLDS_LINK, args=link),
    *view("reporting:governors", FIGURES),
    *view("reporting:governors_pdf", FIGURES, args=lambda w: ["2026-27-autumn"]),
    *view("reporting:reporting_today", TODAY_PAGE),
    *view("reporting:cohort_pupils", TODAY_PAGE, query="?by=school&value=all"),
    *view("reporting:marks_export", TODAY_PAGE),
    # A redirect to marks_export.
    *view("reporting:marks_export_old_address", ALL_SIGNED_IN, path="/reporting/marks.csv"),
    *view("reporting:census_attendance", TODAY_PAGE),
    *view("reporting:celebration", TODAY_PAGE),
    *view("reporting:certificates", TODAY_PAGE, args=lambda w: ["full"]),
    *view("attendance:my_classes", TEACHER | {"other teacher"}),
    *view("attendance:group_detail", STAFF | TEACHER, args=lambda w: [w.cast.hawthorn.id]),
    *view("attendance:pupil_list", STAFF),
    *view("attendance:pupil_detail", STAFF | TEACHER, args=poppy),
    *view("attendance:setup", IMPORTS, IMPORTS),
    *view("attendance:export_pupils", IMPORTS),
    *view("registers:import_marks", NOBODY, IMPORTS),
    # A job nobody started reads as queued (its id is a random UUID).
    *view(
        "registers:import_marks_progress",
        IMPORTS,
        args=lambda w: ["00000000-0000-4000-8000-000000000000"],
    ),
    *view("ctf:ctf_import", IMPORTS, IMPORTS),
    *view("ctf:ctf_export", IMPORTS, args=poppy),
    *view("attendance:new_year", YEAR_SETUP),
    *view("attendance:new_year_calendar", YEAR_SETUP, YEAR_SETUP),
    *view("attendance:new_year_classes", YEAR_SETUP, YEAR_SETUP),
    *view("attendance:new_year_pupils", YEAR_SETUP, YEAR_SETUP),
    *view("attendance:new_year_preview", YEAR_SETUP, YEAR_SETUP),
    *view("attendance:staff_list", YEAR_SETUP),
    *view("attendance:staff_new", YEAR_SETUP, YEAR_SETUP),
    *view(
        "attendance:sign_ins",
        UNLOCKS,
        posts=[
            (lambda w: {"kind": "account", "value": "alice"}, UNLOCKS),
            (lambda w: {"action": "reset_second_factor", "username": "bob"}, YEAR_SETUP),
        ],
    ),
    *view("attendance:view_log", {"head", "admin"}),
    *view("attendance:subject_access", {"head", "admin"}, args=poppy),
    # Everyone signed in changes their own password (no role needed for that).
    *view("password_change", ALL_SIGNED_IN, ALL_SIGNED_IN),
    *view("password_change_done", ALL_SIGNED_IN),
    *view("two_factor", ALL_SIGNED_IN, ALL_SIGNED_IN),
    *view("two_factor_setup", ALL_SIGNED_IN, ALL_SIGNED_IN),
    *view("two_factor_backup_codes", NOBODY, ALL_SIGNED_IN),
    # For a load balancer: no sign-in, and no personal data in it.
    *view("reporting:healthz", set(PERSONAS)),
]


def url_names(admin: bool = False) -> list[str]:
    """Every URL's name with its namespace (an unnamed one by its view)."""
    found = []

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                if admin or "admin" not in str(p.pattern):
                    walk(p.url_patterns, f"{p.namespace}:" if p.namespace else namespace)
            else:
                found.append(namespace + (p.name or p.callback.__name__))

    walk(get_resolver().url_patterns, "")
    return found


def test_every_url_is_in_the_table():
    assert sorted(set(url_names()) - NOT_IN_THE_TABLE) == sorted({row.name for row in ROWS})


def test_every_url_is_tried_with_get_and_post():
    methods: dict[str, set[str]] = {}
    for row in ROWS:
        methods.setdefault(row.name, set()).add(row.method)
    assert {name for name, m in methods.items() if m != {"GET", "POST"}} == set()


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
    report = AbsenceReportFactory(pupil=cast.poppy, first_day=DAY)
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
    return World(
        cast=cast,
        parent=parent,
        token=token,
        report=report,
        evidence=evidence,
        task=task,
        leave=leave,
        decided=decided,
        case=case,
        intervention=intervention,
        notice=penalty_notice,
        mark=Mark.objects.filter(pupil=cast.poppy).first(),
    )


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


def _url(row: Row, world: World, persona: str) -> str:
    url = row.url(world)
    if url.startswith("/p/"):
        # A fresh link each time: the office's "revoke" row ends the last one.
        _, token = absence_services.create_parent_link(world.parent, by=None, now=london(10, 30))
        url = url.replace(world.token, "made-up-token" if persona == "anonymous" else token)
    return url


# One persona per test, every row in turn on one world: building the world
# for each row would take minutes, and a row's failure still names itself.
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_gets_in_to_every_url(persona, client, cast, world, time_machine):
    time_machine.move_to(london(10, 30))
    users = signed_in_personas(cast)
    if persona in users:
        client.force_login(users[persona])
    wrong = []
    for row in ROWS:
        url = _url(row, world, persona)
        if row.method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, row.data(world) if row.data else {})
        if _got_in(response) != (persona in row.allowed):
            data = row.data(world) if row.data else ""
            wrong.append(f"{row} {data} as {persona}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
