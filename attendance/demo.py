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

from .models import (
    AcademicYear,
    Contact,
    NonSchoolDay,
    Pupil,
    PupilContact,
    RegistrationGroup,
    School,
    Term,
    User,
)
from .roles import Role, sync_roles
from .upn import check_letter

DEMO_URN = "999901"
DEMO_PASSWORD = "rollcall-demo"

# Later apps register functions (school, rng) -> None that add history.
HISTORY_HOOKS: list[Callable[[School, random.Random], None]] = []

YEARS = {
    "2025/26": (
        dt.date(2025, 9, 1),
        dt.date(2026, 8, 31),
        [
            ("autumn", 1, dt.date(2025, 9, 3), dt.date(2025, 10, 24)),
            ("autumn", 2, dt.date(2025, 11, 3), dt.date(2025, 12, 19)),
            ("spring", 1, dt.date(2026, 1, 5), dt.date(2026, 2, 13)),
            ("spring", 2, dt.date(2026, 2, 23), dt.date(2026, 3, 27)),
            ("summer", 1, dt.date(2026, 4, 13), dt.date(2026, 5, 22)),
            ("summer", 2, dt.date(2026, 6, 1), dt.date(2026, 7, 21)),
        ],
        [dt.date(2025, 11, 3), dt.date(2026, 1, 5), dt.date(2026, 2, 23)],
    ),
    "2026/27": (
        dt.date(2026, 9, 1),
        dt.date(2027, 8, 31),
        [
            ("autumn", 1, dt.date(2026, 9, 3), dt.date(2026, 10, 23)),
            ("autumn", 2, dt.date(2026, 11, 2), dt.date(2026, 12, 18)),
            ("spring", 1, dt.date(2027, 1, 4), dt.date(2027, 2, 12)),
            ("spring", 2, dt.date(2027, 2, 22), dt.date(2027, 3, 25)),
            ("summer", 1, dt.date(2027, 4, 12), dt.date(2027, 5, 28)),
            ("summer", 2, dt.date(2027, 6, 7), dt.date(2027, 7, 21)),
        ],
        [dt.date(2026, 11, 2), dt.date(2027, 1, 4), dt.date(2027, 2, 22)],
    ),
}
CURRENT_YEAR = "2026/27"

# (name, year group, size); Reception born Sep 2021 - Aug 2022 in 2026/27.
CLASSES = [("Acorns", "N", 26), ("Saplings", "R", 30)] + [
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


def _admission(rng: random.Random, year_group: str, year_start: dt.date) -> dt.date:
    if rng.random() < 0.08:  # joined this year, mid-term
        return year_start + dt.timedelta(days=rng.randrange(7, 60))
    # Everyone else started in the September of their Nursery or Reception year.
    return dt.date(year_start.year - max(OFFSET[year_group], 0), 9, 1)


def _phone(rng: random.Random) -> str:
    return f"07{rng.randrange(100, 999)} {rng.randrange(100000, 999999)}"


@transaction.atomic
def seed_demo(
    seed: int = 2026, password: str = DEMO_PASSWORD, history: bool = True
) -> tuple[School, bool]:
    """Create the demo school; returns (school, created)."""
    sync_roles()
    existing = School.objects.filter(urn=DEMO_URN).first()
    if existing:
        return existing, False
    rng = random.Random(seed)
    school = School.objects.create(
        name="Oakfield Primary School",
        urn=DEMO_URN,
        local_authority="Hertfordshire",
        phone="01727 555 0140",
        email="admin@oakfield.example.sch.uk",
        address="Orchard Way, Oakfield, Hertfordshire AL3 4QT",
        headteacher="Sarah Okonkwo",
        la_attendance_email="attendance.cme@hertfordshire.example",
    )
    years = {}
    for name, (start, end, terms, insets) in YEARS.items():
        year = AcademicYear.objects.create(school=school, name=name, start_date=start, end_date=end)
        years[name] = year
        for season, half, t_start, t_end in terms:
            Term.objects.create(
                academic_year=year, season=season, half=half, start_date=t_start, end_date=t_end
            )
        for day in insets:
            NonSchoolDay.objects.create(
                school=school, date=day, kind=NonSchoolDay.Kind.INSET, description="Staff training"
            )
    year = years[CURRENT_YEAR]

    groups = {}
    for name, year_group, _ in CLASSES:
        groups[name] = RegistrationGroup.objects.create(
            academic_year=year, name=name, year_group=year_group
        )

    # Hashing is deliberately slow: hash the shared demo password once.
    hashed = make_password(password)
    for username, first, last, title, role in STAFF:
        user = User.objects.create(
            username=username,
            password=hashed,
            first_name=first,
            last_name=last,
            job_title=title,
            school=school,
            is_staff=role is Role.ADMIN,
            is_superuser=role is Role.ADMIN,
        )
        user.groups.add(Group.objects.get(name=role.value))
    teacher_group = Group.objects.get(name=Role.TEACHER.value)
    for (name, _, _), (first, last) in zip(CLASSES, TEACHER_NAMES, strict=True):
        username = "teacher" if name == MAIN_TEACHER_CLASS else f"teacher.{name.lower()}"
        user = User.objects.create(
            username=username,
            password=hashed,
            first_name=first,
            last_name=last,
            job_title="Class teacher",
            school=school,
        )
        user.groups.add(teacher_group)
        groups[name].teachers.add(user)

    _seed_pupils(school, year, groups, rng)
    if history:
        for hook in HISTORY_HOOKS:
            hook(school, rng)
    return school, True


def _seed_pupils(school, year, groups, rng: random.Random) -> None:
    free = {name: size for name, _, size in CLASSES}
    by_year: dict[str, list[str]] = {}
    for name, year_group, _ in CLASSES:
        by_year.setdefault(year_group, []).append(name)
    serial = 0
    family_no = 0
    names_in_class: dict[str, set] = {name: set() for name in free}
    while any(free.values()):
        family_no += 1
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
        contacts = []
        if looked_after:
            carer = Contact.objects.create(
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
            contacts.append((carer, PupilContact.Relationship.FOSTER_CARER, False, True))
        else:
            two_parents = rng.random() < 0.7
            mum = Contact.objects.create(
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
            contacts.append((mum, PupilContact.Relationship.MOTHER, True, True))
            if two_parents:
                lives_with = rng.random() < 0.85
                dad = Contact.objects.create(
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
                contacts.append((dad, PupilContact.Relationship.FATHER, True, lives_with))
            if rng.random() < 0.3:
                gran = Contact.objects.create(
                    school=school,
                    external_id=f"C{family_no:04d}G",
                    first_name=rng.choice(FIRST_F),
                    last_name=rng.choice(SURNAMES),
                    home_phone=f"01727 {rng.randrange(100000, 999999)}",
                    preferred_contact_method="phone",
                )
                contacts.append((gran, PupilContact.Relationship.GRANDPARENT, False, False))
        open_years = [y for y, names in by_year.items() if any(free[n] for n in names)]
        for year_group in rng.sample(open_years, min(children, len(open_years))):
            name = rng.choice([n for n in by_year[year_group] if free[n]])
            free[name] -= 1
            serial += 1
            sex = rng.choice("FM")
            first = rng.choice(FIRST_F if sex == "F" else FIRST_M)
            while (first, surname) in names_in_class[name]:  # two of one name confuse a register
                first = rng.choice(FIRST_F if sex == "F" else FIRST_M)
            names_in_class[name].add((first, surname))
            send = rng.choices("NKE", weights=[84, 13, 3])[0]
            dob = _dob(rng, year_group, year.start_date)
            pupil = Pupil.objects.create(
                school=school,
                upn=make_upn(rng, 2020 + rng.randrange(0, 6), serial),
                legal_first_name=first,
                legal_surname=surname,
                preferred_first_name=("Alex" if first == "Alexander" else ""),
                date_of_birth=dob,
                sex=sex,
                year_group=year_group,
                registration_group=groups[name],
                admission_date=_admission(rng, year_group, year.start_date),
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
            for priority, (contact, relationship, pr, lives_with) in enumerate(contacts, start=1):
                PupilContact.objects.create(
                    pupil=pupil,
                    contact=contact,
                    relationship=relationship,
                    parental_responsibility=pr,
                    lives_with_pupil=lives_with,
                    priority=priority,
                )
