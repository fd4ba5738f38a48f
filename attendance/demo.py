"""The demo school: a realistic two-form-entry primary with a nursery.

Deterministic for a given seed, and idempotent: seeding a database that
already has the demo school changes nothing. Later apps add their history
(marks, absences, cases) through `HISTORY_HOOKS`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from .demo_plan import DemoPlan, plan_demo
from .models import (
    AcademicYear,
    Contact,
    Pupil,
    PupilContact,
    RegistrationGroup,
    School,
    User,
)
from .roles import Role, sync_roles
from .rollover import confirm_rollover, default_plan
from .school_calendar import SchoolCalendar
from .school_years import save_year_calendar
from .two_factor import APP_DEVICE_NAME, DEMO_TOTP_KEY
from .upn import check_letter

DEMO_URN = "999901"
DEMO_PASSWORD = "rollcall-demo"

# Later apps register functions (school, rng, plan) -> a line for the log
# (or None). BEFORE_ROLLOVER_HOOKS run while pupils are still in last year's
# classes (last year's marks, its term groupings); HISTORY_HOOKS run once the
# classes have moved up (this year's marks, absences, cases).
Hook = Callable[[School, random.Random, DemoPlan], "str | None"]
BEFORE_ROLLOVER_HOOKS: list[Hook] = []
HISTORY_HOOKS: list[Hook] = []

# (name, year group, size): a two-form-entry primary with a nursery. Names
# stay with the year group (Cedar is always a Year 4 class).
CLASSES = [("Acorns", "N", 26), ("Saplings", "R", 30), ("Seedlings", "R", 30)] + [
    (name, str(year), 30)
    for year, names in enumerate(
        [
            ("Hazel", "Holly"),
            ("Rowan", "Willow"),
            ("Ash", "Beech"),
            ("Cedar", "Elm"),
            ("Larch", "Maple"),
            ("Oak", "Yew"),
        ],
        start=1,
    )
    for name in names
]
OFFSET = {"N": -1, "R": 0, **{str(y): y for y in range(1, 7)}}

FIRST_F = [
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Ivy",
    "Freya",
    "Lily",
    "Florence",
    "Mia",
    "Willow",
    "Rosie",
    "Sophia",
    "Isabella",
    "Grace",
    "Daisy",
    "Sienna",
    "Poppy",
    "Elsie",
    "Emily",
    "Ella",
    "Evelyn",
    "Phoebe",
    "Sofia",
    "Evie",
    "Aisha",
    "Maryam",
    "Zara",
    "Amira",
    "Chloe",
    "Hannah",
    "Niamh",
    "Zofia",
    "Amara",
    "Priya",
    "Ruby",
    "Matilda",
    "Layla",
]
FIRST_M = [
    "Noah",
    "Muhammad",
    "Oliver",
    "George",
    "Leo",
    "Arthur",
    "Oscar",
    "Theodore",
    "Freddie",
    "Theo",
    "Archie",
    "Harry",
    "Henry",
    "Jack",
    "Alfie",
    "Charlie",
    "Finley",
    "Thomas",
    "Jacob",
    "Isaac",
    "Lucas",
    "Ethan",
    "Mohammed",
    "Yusuf",
    "Ibrahim",
    "Kacper",
    "Oskar",
    "Rohan",
    "Arjun",
    "Kofi",
    "Tyler",
    "Jayden",
    "Reuben",
    "Samuel",
]
SURNAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Thomas",
    "Clarke",
    "Jackson",
    "Wood",
    "Harris",
    "Edwards",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Hughes",
    "Moore",
    "Khan",
    "Ahmed",
    "Begum",
    "Hussain",
    "Nowak",
    "Kowalski",
    "Okafor",
    "Mensah",
    "Singh",
    "Kaur",
    "Murphy",
    "O'Brien",
    "Price",
    "Lewis",
    "Baker",
    "Young",
    "Allen",
    "King",
    "Shah",
    "Ali",
    "Sharma",
    "Costa",
    "Silva",
    "Ionescu",
    "Popescu",
    "Nguyen",
    "Chen",
    "Lee",
]
STREETS = [
    "Church Lane",
    "Station Road",
    "Mill Close",
    "Orchard Way",
    "The Green",
    "Park Road",
    "Meadow View",
    "High Street",
    "Victoria Road",
    "Kings Avenue",
    "Willow Drive",
]

STAFF = [
    ("head", "Sarah", "Okonkwo", "Headteacher", Role.HEAD),
    ("attendance", "Gareth", "Price", "Attendance officer", Role.ATTENDANCE_OFFICER),
    ("office", "Linda", "Marsh", "School business officer", Role.OFFICE),
    ("governor", "Peter", "Hollis", "Chair of governors", Role.GOVERNOR),
    ("admin", "Dev", "Mistry", "Data manager", Role.ADMIN),
]
TEACHER_NAMES = [
    ("Emma", "Clarke"),
    ("Tom", "Reid"),
    ("Priya", "Nair"),
    ("Aisha", "Rahman"),
    ("James", "Lowe"),
    ("Hannah", "Fisher"),
    ("Raj", "Malhotra"),
    ("Kate", "Morgan"),
    ("Ben", "Carter"),
    ("Lucy", "Hart"),
    ("Owen", "Jenkins"),
    ("Nadia", "Bashir"),
    ("Chris", "Doyle"),
    ("Megan", "Pike"),
    ("Sam", "Ellis"),
]
MAIN_TEACHER_CLASS = "Cedar"


@dataclass
class Login:
    username: str
    role: str
    who: str


def demo_logins() -> list[Login]:
    logins = [Login(u, role.value, f"{f} {s}, {title}") for u, f, s, title, role in STAFF]
    for (name, _, _), (first, last) in zip(CLASSES, TEACHER_NAMES, strict=True):
        username = "teacher" if name == MAIN_TEACHER_CLASS else f"teacher.{name.lower()}"
        logins.append(Login(username, Role.TEACHER.value, f"{first} {last}, class {name}"))
    return logins


def make_upn(rng: random.Random, year_of_allocation: int, serial: int) -> str:
    body = f"919{2345:04d}{year_of_allocation % 100:02d}{serial:03d}"
    return check_letter(body) + body


def _dob(rng: random.Random, year_group: str, year_start: dt.date) -> dt.date:
    # Reception children turn 5 during the school year.
    born_from = dt.date(year_start.year - 5 - OFFSET[year_group], 9, 1)
    return born_from + dt.timedelta(days=rng.randrange(365))


def _admission(rng: random.Random, year_group: str, year_start: dt.date, today: dt.date) -> dt.date:
    joined = year_start + dt.timedelta(days=rng.randrange(7, 60))
    if rng.random() < 0.08 and joined < today:  # joined this year, mid-term
        return joined
    # Everyone else started in the September of their Nursery or Reception year.
    return dt.date(year_start.year - max(OFFSET[year_group], 0), 9, 1)


PR = PupilContact.ParentGround.PARENTAL_RESPONSIBILITY
CARE = PupilContact.ParentGround.CARE
NEITHER = PupilContact.ParentGround.NEITHER


def _phone(rng: random.Random) -> str:
    return f"07{rng.randrange(100, 999)} {rng.randrange(100000, 999999)}"


@transaction.atomic
def seed_demo(
    seed: int = 2026,
    password: str = DEMO_PASSWORD,
    history: bool = True,
    now: dt.datetime | None = None,
    report: Callable[[str], object] | None = None,
) -> tuple[School, bool]:
    """Create the demo school as it stands at `now`; returns (school, created).

    Last year's pupils are created in last year's classes and rolled forward
    by the same service the New school year page uses, so the demo has last
    year's leavers, this year's new intake, and last year's summer term of
    marks while this year is young (see `demo_plan`).
    """
    now = now or timezone.now()
    say = report or (lambda line: None)
    sync_roles()
    existing = School.objects.filter(urn=DEMO_URN).first()
    if existing:
        return existing, False
    rng = random.Random(seed)
    school = School.objects.create(
        name="Oakfield Primary School",
        urn=DEMO_URN,
        local_authority="Hertfordshire",
        # Hertfordshire's LA code; the establishment number is made up.
        la_code="919",
        establishment_number="2345",
        phone="01727 555 0140",
        email="admin@oakfield.example.sch.uk",
        address="Orchard Way, Oakfield, Hertfordshire AL3 4QT",
        headteacher="Sarah Okonkwo",
        la_attendance_email="attendance.cme@hertfordshire.example",
    )
    plan = plan_demo(now, school.tz)
    years = {d.name: save_year_calendar(school, d, by=None) for d in plan.years}
    previous, current = years[plan.previous.name], years[plan.current.name]
    calendar = SchoolCalendar(school)
    say(
        "Calendar: "
        + ", ".join(
            f"{d.name} ({len(calendar.school_days(d.start, d.end))} school days)"
            for d in plan.years
        )
    )

    # Hashing is deliberately slow: hash the shared demo password once.
    hashed = make_password(password)
    teachers = {}
    admin = None
    for username, first, last, title, role in STAFF:
        user = User.objects.create(
            username=username,
            password=hashed,
            first_name=first,
            last_name=last,
            job_title=title,
            school=school,
            # The Django admin for the school's settings; an ordinary role
            # otherwise (no superuser: it must not authorise absence).
            is_staff=role is Role.ADMIN,
        )
        user.groups.add(Group.objects.get(name=role.value))
        admin = user if role is Role.ADMIN else admin
    teacher_group = Group.objects.get(name=Role.TEACHER.value)
    for (name, _, _), (first, last) in zip(CLASSES, TEACHER_NAMES, strict=True):
        username = "teacher" if name == MAIN_TEACHER_CLASS else f"teacher.{name.lower()}"
        user = User.objects.create(
            username=username,
            password=hashed,
            first_name=first,
            last_name=last,
            job_title="Class teacher",
            # Reminders of an untaken register go by email where one is set.
            email=f"{first.lower()}.{last.lower()}@oakfield.example.sch.uk",
            school=school,
        )
        user.groups.add(teacher_group)
        teachers[name] = user
    # Every demo login shares the demo's known second-factor key (README).
    staff = list(User.objects.filter(school=school))
    TOTPDevice.objects.bulk_create(
        TOTPDevice(user=u, name=APP_DEVICE_NAME, key=DEMO_TOTP_KEY, confirmed=True) for u in staff
    )
    say(f"Staff: {len(staff)} accounts ({len(teachers)} teachers), each with the demo's app key")

    last_year_groups = {}
    for name, year_group, _ in CLASSES:
        group = RegistrationGroup.objects.create(
            academic_year=previous, name=name, year_group=year_group
        )
        group.teachers.add(teachers[name])
        last_year_groups[name] = group
    families = _Families(school, rng)
    families.add_pupils(previous, last_year_groups, {n: size for n, _, size in CLASSES}, now)
    say(
        f"Pupils in {previous.name}: {Pupil.objects.filter(school=school).count()} in "
        f"{len(CLASSES)} classes, {Contact.objects.filter(school=school).count()} contacts"
    )
    if history:
        for hook in BEFORE_ROLLOVER_HOOKS:
            _say(say, hook(school, rng, plan))

    # The summer holiday's work: classes move up, Year 6 leaves.
    rolled_at = dt.datetime.combine(
        plan.previous.last_day + dt.timedelta(days=1), dt.time(10, 0), school.tz
    )
    rollover = confirm_rollover(previous, default_plan(previous), by=admin, now=rolled_at)
    say(f"Rolled forward to {current.name}: {rollover.summary}")
    groups = {g.name: g for g in current.registration_groups.all()}
    space = {
        name: size - groups[name].pupils.filter(leaving_date__isnull=True).count()
        for name, _, size in CLASSES
    }
    intake = families.add_pupils(current, groups, space, now)
    say(f"New intake in {current.name}: {intake} pupils")
    if history:
        for hook in HISTORY_HOOKS:
            _say(say, hook(school, rng, plan))
    return school, True


# A demo left for a week of school days (or into a year it has no calendar
# for) is made again by `make run`, so a newcomer always meets a current school.
STALE_AFTER_SCHOOL_DAYS = 5


def demo_staleness(now: dt.datetime | None = None) -> str | None:
    """Why the existing demo school no longer fits today, or None if it does."""
    from django.apps import apps

    school = School.objects.filter(urn=DEMO_URN).first()
    if school is None:
        return None
    today = timezone.localdate(now or timezone.now(), school.tz)
    calendar = SchoolCalendar(school)
    if calendar.last_day is None or calendar.last_day < today:
        return (
            f"its calendar ends on {calendar.last_day:%d %B %Y}"
            if calendar.last_day
            else "it has no calendar"
        )
    register = apps.get_model("registers", "Register")
    last = register.objects.filter(group__academic_year__school=school).order_by("-date").first()
    if last is None:
        return None
    missed = calendar.school_days(last.date + dt.timedelta(days=1), today - dt.timedelta(days=1))
    if len(missed) >= STALE_AFTER_SCHOOL_DAYS:
        return f"its registers stop on {last.date:%d %B %Y}, {len(missed)} school days ago"
    return None


def only_the_demo_school() -> bool:
    return not School.objects.exclude(urn=DEMO_URN).exists()


def _say(say, line) -> None:
    if line:
        say(line)


class _Families:
    """Makes families of pupils and their contacts, numbering them across calls."""

    def __init__(self, school: School, rng: random.Random):
        self.school, self.rng = school, rng
        self.serial = 0
        self.family_no = 0

    def add_pupils(self, year: AcademicYear, groups, free: dict[str, int], now) -> int:
        """Fill each class of `year` up to its free places; returns the pupils made."""
        school, rng = self.school, self.rng
        today = timezone.localdate(now, school.tz)
        free = {name: n for name, n in free.items() if n > 0}
        by_year: dict[str, list[str]] = {}
        for name, year_group, _ in CLASSES:
            if name in free:
                by_year.setdefault(year_group, []).append(name)
        names_in_class: dict[str, set] = {
            name: set(groups[name].pupils.values_list("legal_first_name", "legal_surname"))
            for name in free
        }
        made: list[Contact] = []
        pupils: list[Pupil] = []
        links: list[tuple] = []

        def new_contact(**fields) -> Contact:
            made.append(Contact(**fields))
            return made[-1]

        while any(free.values()):
            self.family_no += 1
            family_no = self.family_no
            surname = rng.choice(SURNAMES)
            fsm = rng.random() < 0.24
            eal = rng.random() < 0.2
            looked_after = rng.random() < 0.012
            social_worker = looked_after or rng.random() < 0.025
            mobile = rng.random() < 0.01
            children = rng.choices([1, 2, 3], weights=[68, 26, 6])[0]
            address = f"{rng.randrange(1, 120)} {rng.choice(STREETS)}, Oakfield"
            letters = "ABDEFGHJLNPQRSTUWXYZ"
            inward = f"{rng.randrange(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
            postcode = f"AL{rng.randrange(1, 10)} {inward}"
            family = []
            if looked_after:
                carer = new_contact(
                    school=school,
                    external_id=f"C{family_no:04d}",
                    title="Mrs",
                    first_name=rng.choice(FIRST_F),
                    last_name=rng.choice(SURNAMES),
                    mobile_phone=_phone(rng),
                    email=f"carer{family_no}@example.org",
                    address=address,
                    postcode=postcode,
                    preferred_contact_method="sms",
                )
                # A foster carer has care of the child: a parent in law (s.576).
                family.append((carer, PupilContact.Relationship.FOSTER_CARER, CARE, True))
            else:
                two_parents = rng.random() < 0.7
                mum = new_contact(
                    school=school,
                    external_id=f"C{family_no:04d}M",
                    title="Ms",
                    first_name=rng.choice(FIRST_F),
                    last_name=surname,
                    mobile_phone=_phone(rng),
                    email=f"family{family_no}.m@example.org",
                    address=address,
                    postcode=postcode,
                    preferred_contact_method=rng.choice(["sms", "sms", "phone", "email"]),
                )
                family.append((mum, PupilContact.Relationship.MOTHER, PR, True))
                if two_parents:
                    lives_with = rng.random() < 0.85
                    dad = new_contact(
                        school=school,
                        external_id=f"C{family_no:04d}F",
                        title="Mr",
                        first_name=rng.choice(FIRST_M),
                        last_name=surname,
                        mobile_phone=_phone(rng),
                        work_phone=f"01727 {rng.randrange(100000, 999999)}",
                        email=f"family{family_no}.f@example.org",
                        address=address if lives_with else "",
                        postcode=postcode if lives_with else "",
                        preferred_contact_method="phone",
                    )
                    family.append((dad, PupilContact.Relationship.FATHER, PR, lives_with))
                else:
                    # Mum's partner, living with the family without parental
                    # responsibility: a parent in law by care of the child
                    # (s.576 Education Act 1996). Drawn from a stream of its
                    # own, so every other family comes out as before.
                    step = random.Random(f"step-parent-{family_no}")
                    if step.random() < 0.35:
                        partner = new_contact(
                            school=school,
                            external_id=f"C{family_no:04d}S",
                            title="Mr",
                            first_name=step.choice(FIRST_M),
                            last_name=step.choice(SURNAMES),
                            mobile_phone=_phone(step),
                            email=f"family{family_no}.s@example.org",
                            address=address,
                            postcode=postcode,
                            preferred_contact_method="sms",
                        )
                        family.append((partner, PupilContact.Relationship.STEP_PARENT, CARE, True))
                if rng.random() < 0.3:
                    gran = new_contact(
                        school=school,
                        external_id=f"C{family_no:04d}G",
                        first_name=rng.choice(FIRST_F),
                        last_name=rng.choice(SURNAMES),
                        home_phone=f"01727 {rng.randrange(100000, 999999)}",
                        preferred_contact_method="phone",
                    )
                    family.append((gran, PupilContact.Relationship.GRANDPARENT, NEITHER, False))
            open_years = [y for y, names in by_year.items() if any(free[n] for n in names)]
            for year_group in rng.sample(open_years, min(children, len(open_years))):
                name = rng.choice([n for n in by_year[year_group] if free[n]])
                free[name] -= 1
                self.serial += 1
                sex = rng.choice("FM")
                first = rng.choice(FIRST_F if sex == "F" else FIRST_M)
                # Two of one name in a class confuse a register.
                while (first, surname) in names_in_class[name]:
                    first = rng.choice(FIRST_F if sex == "F" else FIRST_M)
                names_in_class[name].add((first, surname))
                send = rng.choices("NKE", weights=[84, 13, 3])[0]
                dob = _dob(rng, year_group, year.start_date)
                pupil = Pupil(
                    school=school,
                    upn=make_upn(rng, 2020 + rng.randrange(0, 6), self.serial),
                    legal_first_name=first,
                    legal_surname=surname,
                    preferred_first_name=("Alex" if first == "Alexander" else ""),
                    date_of_birth=dob,
                    sex=sex,
                    year_group=year_group,
                    registration_group=groups[name],
                    admission_date=_admission(rng, year_group, year.start_date, today),
                    free_school_meals=fsm,
                    pupil_premium=fsm or looked_after or rng.random() < 0.03,
                    send=send,
                    eal=eal,
                    looked_after=looked_after,
                    has_social_worker=social_worker,
                    social_worker_name="Jo Adeyemi" if social_worker else "",
                    social_worker_phone="01992 555 0101" if social_worker else "",
                    social_worker_email="jo.adeyemi@hertfordshire.example" if social_worker else "",
                    young_carer=rng.random() < 0.015,
                    gypsy_roma_traveller=mobile,
                    healthcare_plan=rng.random() < 0.06,
                )
                pupils.append(pupil)
                links += [(pupil, *link) for link in family]
        Contact.objects.bulk_create(made)
        Pupil.objects.bulk_create(pupils)
        PupilContact.objects.bulk_create(
            PupilContact(
                pupil=pupil,
                contact=contact,
                relationship=relationship,
                parent_ground=ground,
                lives_with_pupil=lives_with,
                priority=priority,
            )
            for priority, (pupil, contact, relationship, ground, lives_with) in _numbered(links)
        )
        return len(pupils)


def _numbered(links):
    """Each pupil's contacts numbered 1, 2, 3 in the family's order (1 is called first)."""
    seen: dict[int, int] = {}
    for link in links:
        seen[id(link[0])] = seen.get(id(link[0]), 0) + 1
        yield seen[id(link[0])], link
