"""A generated trust for the benches: schools of chosen sizes, each with the
2025/26 calendar, classes of about 30 with a teacher each, an office, a head
and a governor, pupils with pupil-group flags at typical rates, and every
session marked from 3 September 2025 to a chosen day, each mark with its
history (the legal record), loaded by COPY.

    from bench import dataset
    url = dataset.ensure(dataset.Spec(pupils=(2000,)))   # build once, reuse

    .venv/bin/python bench/dataset.py --pupils 2000 2000 [--rebuild]

Its database comes from BENCH_DATABASE_URL (default
postgres://rollcall_app@127.0.0.1:5432/rollcall_bench: the application's own
role, as production connects) and is created, owned by the owner role, with
a comment naming this module and the spec. A database of that name with a
different spec of this module's is rebuilt; one this module did not build is
never dropped (the bench stops and says so).

Staff sign in with BENCH_PASSWORD and the TOTP key DEMO_TOTP_KEY
(attendance.two_factor), as the demo's do.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILT_BY = "built by bench/dataset.py"
DEFAULT_URL = "postgres://rollcall_app@127.0.0.1:5432/rollcall_bench"
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
OWNER_ROLE, APP_ROLE = "rollcall", "rollcall_app"
BENCH_PASSWORD = "bench-password-2026"
YEAR = ("2025/26", dt.date(2025, 9, 1), dt.date(2026, 8, 31))
TERMS = [
    ("autumn", 1, dt.date(2025, 9, 3), dt.date(2025, 10, 24)),
    ("autumn", 2, dt.date(2025, 11, 3), dt.date(2025, 12, 19)),
    ("spring", 1, dt.date(2026, 1, 5), dt.date(2026, 2, 13)),
    ("spring", 2, dt.date(2026, 2, 23), dt.date(2026, 3, 27)),
    ("summer", 1, dt.date(2026, 4, 13), dt.date(2026, 5, 22)),
    ("summer", 2, dt.date(2026, 6, 1), dt.date(2026, 7, 21)),
]
PRIMARY = ["R", "1", "2", "3", "4", "5", "6"]
SECONDARY = ["7", "8", "9", "10", "11"]
# Age on 31 August 2025 of each year group (Reception children are 4).
AGE = {**{y: 4 + i for i, y in enumerate(PRIMARY)}, **{y: 11 + i for i, y in enumerate(SECONDARY)}}


@dataclasses.dataclass(frozen=True)
class Spec:
    pupils: tuple[int, ...] = (2000,)  # one school of each size
    class_size: int = 30
    marks_until: dt.date = dt.date(2026, 7, 21)  # the last day marked (inclusive)
    seed: int = 2026

    def label(self) -> str:
        return (
            f"{BUILT_BY}: pupils {','.join(map(str, self.pupils))}, classes of "
            f"{self.class_size}, marks to {self.marks_until}, seed {self.seed}"
        )

    def to_json(self) -> str:
        return json.dumps({**dataclasses.asdict(self), "marks_until": str(self.marks_until)})

    @classmethod
    def from_json(cls, text: str) -> Spec:
        data = json.loads(text)
        return cls(
            pupils=tuple(data["pupils"]),
            class_size=data["class_size"],
            marks_until=dt.date.fromisoformat(data["marks_until"]),
            seed=data["seed"],
        )


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def _with_user(url: str, user: str) -> str:
    parts = urllib.parse.urlparse(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urllib.parse.urlunparse(parts._replace(netloc=f"{user}@{host}"))


def owner_url(url: str) -> str:
    return _with_user(url, OWNER_ROLE)


def superuser_url(url: str) -> str:
    return _with_user(url, "postgres")


def _built_by(conn, name: str) -> str | None:
    """None if there is no such database, else its comment ("" if none)."""
    row = conn.execute(
        "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database"
        " WHERE datname = %s",
        [name],
    ).fetchone()
    return row[0] if row else None


def ensure(spec: Spec, rebuild: bool = False) -> str:
    """The URL of a database holding `spec`, building it if it is not there
    (or `rebuild`). Call before django.setup(): the build runs in children."""
    import psycopg
    from psycopg import sql

    url = database_url()
    name = urllib.parse.urlparse(url).path.lstrip("/")
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        found = _built_by(conn, name)
        if found == spec.label() and not rebuild:
            # Built by an earlier release: measured on this one's schema.
            _manage(url, "migrate", "--no-input", "-v", "0")
            return url
        if found is not None and not found.startswith(BUILT_BY):
            raise SystemExit(
                f"Database {name!r} exists and bench/dataset.py did not build it: set"
                " BENCH_DATABASE_URL to another name (nothing was dropped)."
            )
        if found is not None:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(OWNER_ROLE)
            )
        )
        # Marked as unfinished until the build ends, so a build that fails
        # part-way is rebuilt next time rather than measured.
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(f"{BUILT_BY}: unfinished")
            )
        )
    started = time.perf_counter()
    _manage(url, "migrate", "--no-input", "-v", "0")
    subprocess.run(
        [sys.executable, str(Path(__file__)), "--populate", spec.to_json()],
        cwd=ROOT,
        env=_owner_env(url),
        check=True,
    )
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(spec.label())
            )
        )
    print(f"dataset: built {spec.label()} in {time.perf_counter() - started:.0f} s", flush=True)
    return url


def _owner_env(url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DATABASE_OWNER_URL": owner_url(url),
        "DATABASE_AS_OWNER": "true",
        "DEBUG": "true",
        "LOG_LEVEL": "WARNING",
    }


def _manage(url: str, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=_owner_env(url), check=True)


# --- the build itself, in a child process with Django set up as the owner ---


def _populate(spec: Spec) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from attendance.models import AcademicYear, Pupil, RegistrationGroup, School, Term, User
    from attendance.roles import Role
    from attendance.school_calendar import school_days
    from attendance.two_factor import APP_DEVICE_NAME, DEMO_TOTP_KEY

    rng = random.Random(spec.seed)
    password = make_password(BENCH_PASSWORD)  # hashed once: each sign-in still verifies it
    groups = {role: Group.objects.get(name=role.value) for role in Role}
    serial = 0
    plan = []  # (pupil ids, school days) per school
    staff = []

    def person(school, username, role, **fields):
        user = User.objects.create(username=username, password=password, school=school, **fields)
        user.groups.add(groups[role])
        staff.append(user)
        return user

    with transaction.atomic():
        for s, size in enumerate(spec.pupils):
            school = School.objects.create(
                name=f"Bench School {s + 1}",
                urn=str(800000 + s),
                local_authority="Trustshire",
                la_code="919",
                establishment_number=f"{2000 + s:04d}",
            )
            year = AcademicYear.objects.create(
                school=school, name=YEAR[0], start_date=YEAR[1], end_date=YEAR[2]
            )
            Term.objects.bulk_create(
                Term(academic_year=year, season=season, half=half, start_date=a, end_date=b)
                for season, half, a, b in TERMS
            )
            prefix = f"s{s + 1}" if len(spec.pupils) > 1 else "bench"
            person(
                school, f"{prefix}.head", Role.HEAD, first_name="Head", last_name=f"School {s + 1}"
            )
            person(
                school, f"{prefix}.office", Role.OFFICE, first_name="Office", last_name=f"{s + 1}"
            )
            person(school, f"{prefix}.attendance", Role.ATTENDANCE_OFFICER, first_name="Officer")
            person(school, f"{prefix}.governor", Role.GOVERNOR, first_name="Governor")
            years = PRIMARY if size <= 1400 else SECONDARY
            per_year, extra = divmod(size, len(years))
            pupils = []
            for y, code in enumerate(years):
                count = per_year + (1 if y < extra else 0)
                sizes = [spec.class_size] * (count // spec.class_size)
                if count % spec.class_size:
                    sizes.append(count % spec.class_size)
                if y == len(years) - 1 and sizes and sizes[-1] > 3:
                    # One class of 3, so that small-number suppression has work.
                    sizes[-1:] = [sizes[-1] - 3, 3]
                for c, class_size in enumerate(sizes):
                    group = RegistrationGroup.objects.create(
                        academic_year=year,
                        name=f"{code}{chr(65 + c % 26)}{c // 26 or ''}",
                        year_group=code,
                    )
                    group.teachers.add(
                        person(
                            school,
                            f"{prefix}.teacher.{group.name.lower()}",
                            Role.TEACHER,
                            first_name="Teacher",
                            last_name=group.name,
                            job_title="Class teacher",
                        )
                    )
                    born = dt.date(2025 - AGE[code] - 1, 9, 1)
                    for _ in range(class_size):
                        serial += 1
                        fsm = rng.random() < 0.24
                        pupils.append(
                            Pupil(
                                school=school,
                                upn=f"B{serial:012d}",
                                legal_first_name=rng.choice(["Amara", "Jayden", "Olivia", "Noah"]),
                                legal_surname=f"Pupil{serial}",
                                date_of_birth=born + dt.timedelta(days=rng.randrange(365)),
                                sex=rng.choice("FM"),
                                year_group=code,
                                registration_group=group,
                                admission_date=dt.date(2025 - AGE[code] + 4, 9, 1)
                                if code != "R"
                                else dt.date(2025, 9, 3),
                                free_school_meals=fsm,
                                pupil_premium=fsm or rng.random() < 0.05,
                                send="E"
                                if rng.random() < 0.03
                                else ("K" if rng.random() < 0.13 else "N"),
                                eal=rng.random() < 0.2,
                                looked_after=rng.random() < 0.005,
                                has_social_worker=rng.random() < 0.03,
                                young_carer=rng.random() < 0.01,
                            )
                        )
            Pupil.objects.bulk_create(pupils, batch_size=2000)
            days = school_days(school, TERMS[0][2], spec.marks_until)
            plan.append(([p.id for p in pupils], days))
        TOTPDevice.objects.bulk_create(
            TOTPDevice(user=u, name=APP_DEVICE_NAME, key=DEMO_TOTP_KEY, confirmed=True)
            for u in staff
        )
    _load_marks(spec, plan, rng)


MARK_COLUMNS = [
    "id",
    "pupil_id",
    "date",
    "session",
    "code",
    "note",
    "source",
    "entered_at",
    "version",
]
CHANGE_COLUMNS = [
    "mark_id",
    "old_code",
    "new_code",
    "reason",
    "source",
    "changed_by_name",
    "changed_by_position",
    "changed_at",
]


def _load_marks(spec: Spec, plan: list, rng: random.Random) -> None:
    """Every session marked, with its first history entry, by COPY as the
    superuser with triggers off (a year is ~150,000 marks a school: the
    deferred history check and the summary triggers would queue one event
    per row); the weekly summary is then built as migration 0005 builds it."""
    from zoneinfo import ZoneInfo

    import psycopg

    london = ZoneInfo("Europe/London")
    url = superuser_url(os.environ["DATABASE_URL"])
    with psycopg.connect(url) as conn:
        conn.execute("SET session_replication_role = replica")
        # Load without secondary indexes and constraints, then build them.
        saved = []
        for table in ("registers_mark", "registers_markchange"):
            saved += conn.execute(
                "SELECT %s, conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = %s::regclass AND contype IN ('u', 'f')",
                [table, table],
            ).fetchall()
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN"
            " ('registers_mark', 'registers_markchange') AND indexname NOT IN"
            " (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))"
        ).fetchall()
        for table, name, _ in saved:
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        (next_id,) = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM registers_mark").fetchone()
        marks = 0
        # The history rows wait in a file, not in memory (38 million at scale).
        with tempfile.TemporaryFile("w+") as changes, conn.cursor() as cur:
            with cur.copy(f"COPY registers_mark ({', '.join(MARK_COLUMNS)}) FROM STDIN") as mc:
                for pupil_ids, days in plan:
                    stamps = {
                        (d, s): dt.datetime.combine(d, t, london).isoformat()
                        for d in days
                        for s, t in (("AM", dt.time(9, 5)), ("PM", dt.time(13, 20)))
                    }
                    for pupil_id in pupil_ids:
                        profile = rng.random()
                        # About 1 in 7 pupils persistently absent, 1 in 30 with
                        # many unauthorised absences; most rarely absent.
                        if profile < 0.033:
                            absent, unauth = rng.uniform(0.06, 0.2), 0.6
                        elif profile < 0.15:
                            absent, unauth = rng.uniform(0.1, 0.2), 0.1
                        else:
                            absent, unauth = rng.uniform(0.0, 0.06), 0.05
                        lines, history = [], []
                        for day in days:
                            for session in ("AM", "PM"):
                                r = rng.random()
                                if r < absent:
                                    code = (
                                        rng.choice("GOU")
                                        if rng.random() < unauth
                                        else rng.choice("IIIIMCE")
                                    )
                                elif r < absent + 0.01:
                                    code = "L"
                                else:
                                    code = "/" if session == "AM" else "\\\\"
                                stamp = stamps[(day, session)]
                                lines.append(
                                    f"{next_id}\t{pupil_id}\t{day}\t{session}\t{code}\t\t"
                                    f"register\t{stamp}\t1\n"
                                )
                                history.append(
                                    f"{next_id}\t\t{code}\tRegister taken\tregister\t"
                                    f"Teacher\tClass teacher\t{stamp}\n"
                                )
                                next_id += 1
                        mc.write("".join(lines))
                        changes.write("".join(history))
                        marks += len(lines)
            with cur.copy(
                f"COPY registers_markchange ({', '.join(CHANGE_COLUMNS)}) FROM STDIN"
            ) as cc:
                changes.seek(0)
                while block := changes.read(1 << 20):
                    cc.write(block)
        conn.execute("SELECT setval(pg_get_serial_sequence('registers_mark', 'id'), %s)", [next_id])
        for table, name, definition in saved:
            conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for _, definition in indexes:
            # A partitioned table's index is listed as made ON ONLY the
            # parent; made again, it must reach every year's partition.
            conn.execute(definition.replace(" ON ONLY ", " ON "))
        conn.execute("DELETE FROM registers_pupilweek")
        conn.execute(
            """
            INSERT INTO registers_pupilweek
                (pupil_id, monday, possible, attending, authorised, unauthorised, late,
                 late_after_close)
            SELECT pupil_id, date - (extract(isodow FROM date)::int - 1),
                   count(*) FILTER (WHERE registers_code_category(counted_code) <> 'X'),
                   count(*) FILTER (WHERE registers_code_category(counted_code) = 'P'),
                   count(*) FILTER (WHERE registers_code_category(counted_code) = 'A'),
                   count(*) FILTER (WHERE registers_code_category(counted_code) = 'U'),
                   count(*) FILTER (WHERE counted_code = 'L'),
                   count(*) FILTER (WHERE counted_code = 'U')
            FROM registers_mark GROUP BY 1, 2
            """
        )
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    print(f"dataset: {sum(len(p) for p, _ in plan):,} pupils, {marks:,} marks", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, nargs="+", default=[2000])
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--populate", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.populate:
        _populate(Spec.from_json(args.populate))
        return
    print(ensure(Spec(pupils=tuple(args.pupils)), rebuild=args.rebuild))


if __name__ == "__main__":
    main()
