"""Trust-scale benchmark of the 10-in-10 threshold job.

    .venv/bin/python bench/thresholds.py            # build the data set (once) and measure
    .venv/bin/python bench/thresholds.py --rebuild  # throw the data set away and build it again

Builds a separate database (BENCH_DATABASE_URL, default rollcall_bench),
marked with a comment as this bench's; it refuses to drop a database of that
name that it did not build. 25 schools x 2,000 pupils =
50,000 pupils with every session of 2025/26 marked (about 19 million rows),
loaded with COPY. Then it times
  - the job, as a worker runs it (`manage.py check_thresholds` in a child
    process, whose peak memory is reported), and
  - a hand-written single SQL query (a self-join, no window functions) that
    finds the same pupils,
checks both find the same set and prints the ratio. Cases opened by a run
are deleted before the next, so every run does the same work.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rollcall_bench"
)
BENCH_DB = urllib.parse.urlparse(BENCH_URL).path.lstrip("/")
# The database this bench builds says so; it never drops one that does not.
BUILT_BY = "built by bench/thresholds.py"
SCHOOLS, PUPILS_PER_SCHOOL = 25, 2000
AS_OF = dt.date(2026, 7, 21)
TERMS = [
    ("autumn", 1, dt.date(2025, 9, 3), dt.date(2025, 10, 24)),
    ("autumn", 2, dt.date(2025, 11, 3), dt.date(2025, 12, 19)),
    ("spring", 1, dt.date(2026, 1, 5), dt.date(2026, 2, 13)),
    ("spring", 2, dt.date(2026, 2, 23), dt.date(2026, 3, 27)),
    ("summer", 1, dt.date(2026, 4, 13), dt.date(2026, 5, 22)),
    ("summer", 2, dt.date(2026, 6, 1), dt.date(2026, 7, 21)),
]

HAND_SQL = """
WITH weeks AS (
    SELECT w::date AS week_start, i::int AS idx
    FROM unnest(%(weeks)s::date[]) WITH ORDINALITY AS t(w, i)
),
t AS (
    SELECT m.pupil_id, w.idx
    FROM registers_mark m
    JOIN weeks w ON w.week_start = date_trunc('week', m.date)::date
    WHERE m.code IN ('G', 'O', 'U') AND m.date <= %(as_of)s
)
SELECT DISTINCT a.pupil_id
FROM (SELECT DISTINCT pupil_id, idx FROM t) a
JOIN t b ON b.pupil_id = a.pupil_id AND b.idx BETWEEN a.idx AND a.idx + 9
GROUP BY a.pupil_id, a.idx
HAVING count(*) >= 10
"""


# What the nightly task runs (penalties.tasks.check_all_thresholds), as of AS_OF.
JOB_SNIPPET = (
    "import time, datetime as dt\n"
    "from attendance.models import School\n"
    "from penalties.services import check_thresholds_for\n"
    "from penalties.thresholds import weeks_by_school\n"
    "from penalties.models import Case\n"
    # A worker is long-lived: its imports, bank-holiday tables and database
    # connection are warm before the nightly run. Warm them here too.
    f"weeks_by_school(list(School.objects.all()), dt.date({AS_OF.year}, {AS_OF.month}, {AS_OF.day})); Case.objects.exists()\n"
    "t = time.perf_counter()\n"
    f"check_thresholds_for(list(School.objects.all()), dt.date({AS_OF.year}, {AS_OF.month}, {AS_OF.day}))\n"
    "print(time.perf_counter() - t)\n"
)


DETECT_SNIPPET = (
    "import time, datetime as dt\n"
    "from attendance.models import School\n"
    "from penalties.thresholds import find_breaches, weeks_by_school\n"
    "from django.db import connection, transaction\n"
    "schools = list(School.objects.all())\n"
    f"as_of = dt.date({AS_OF.year}, {AS_OF.month}, {AS_OF.day})\n"
    "weeks = weeks_by_school(schools, as_of)\n"
    "with transaction.atomic():\n"
    "    connection.cursor().execute('DELETE FROM penalties_casesession; DELETE FROM penalties_case')\n"
    "    t = time.perf_counter(); find_breaches(schools, as_of, weeks); took = time.perf_counter() - t\n"
    "    transaction.set_rollback(True)\n"
    "print(took)\n"
)


def env() -> dict:
    return {**os.environ, "DATABASE_URL": BENCH_URL, "DEBUG": "true"}


def manage(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env(),
        check=True,
        capture_output=True,
        text=True,
    )


def school_days() -> list[dt.date]:
    import holidays

    bank = set(holidays.country_holidays("GB", subdiv="ENG", years=[2025, 2026]))
    days = []
    for _, _, start, end in TERMS:
        day = start
        while day <= end:
            if day.weekday() < 5 and day not in bank:
                days.append(day)
            day += dt.timedelta(days=1)
    return days


def bench_database(conn) -> str | None:
    """None if there is no such database, else who built it ("" if unknown)."""
    row = conn.execute(
        "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database"
        " WHERE datname = %s",
        [BENCH_DB],
    ).fetchone()
    return row[0] if row else None


def build() -> None:
    name = sql.Identifier(BENCH_DB)
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        found = bench_database(conn)
        if found is not None and found != BUILT_BY:
            raise SystemExit(
                f"Database {BENCH_DB!r} exists and this bench did not build it: set"
                " BENCH_DATABASE_URL to another name (nothing was dropped)."
            )
        if found is not None:
            conn.execute(sql.SQL("DROP DATABASE {}").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(name, sql.Literal(BUILT_BY)))
    started = time.perf_counter()
    manage("migrate", "--no-input", "-v", "0")
    days = school_days()
    rng = random.Random(2026)
    # Schools through the model, so every setting takes its default (raw SQL
    # went stale each time School gained a setting).
    manage(
        "shell",
        "-c",
        "from attendance.models import School\n"
        f"for s in range({SCHOOLS}):\n"
        "    School.objects.create(name=f'Bench School {s + 1}', urn=str(800000 + s),"
        " local_authority='Trustshire', attendance_target=96)",
    )
    with psycopg.connect(BENCH_URL, autocommit=True) as conn:
        school_ids = [r[0] for r in conn.execute("SELECT id FROM attendance_school ORDER BY id")]
        for school_id in school_ids:
            (year_id,) = conn.execute(
                "INSERT INTO attendance_academicyear (school_id, name, start_date, end_date) "
                "VALUES (%s, '2025/26', '2025-09-01', '2026-08-31') RETURNING id",
                [school_id],
            ).fetchone()
            for season, half, start, end in TERMS:
                conn.execute(
                    "INSERT INTO attendance_term (academic_year_id, season, half, start_date, end_date) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    [year_id, season, half, start, end],
                )
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY attendance_pupil (school_id, upn, legal_first_name, legal_middle_names, legal_surname, "
                "preferred_first_name, preferred_surname, date_of_birth, sex, year_group, admission_date, "
                "free_school_meals, pupil_premium, send, eal, looked_after, has_social_worker, "
                "social_worker_name, social_worker_phone, social_worker_email, young_carer, "
                "gypsy_roma_traveller, healthcare_plan, leaving_reason) FROM STDIN"
            ) as copy,
        ):
            n = 0
            for school_id in school_ids:
                for _ in range(PUPILS_PER_SCHOOL):
                    n += 1
                    copy.write_row(
                        (
                            school_id,
                            f"B{n:012d}",
                            "Pupil",
                            "",
                            f"No{n}",
                            "",
                            "",
                            "2016-01-01",
                            "F",
                            "4",
                            "2021-09-01",
                            False,
                            False,
                            "N",
                            False,
                            False,
                            False,
                            "",
                            "",
                            "",
                            False,
                            False,
                            False,
                            "",
                        )
                    )
        pupil_ids = [r[0] for r in conn.execute("SELECT id FROM attendance_pupil ORDER BY id")]
        # Load without the secondary indexes and foreign keys (Django's are
        # deferred: 19 million queued checks), then build them: much faster.
        fks = conn.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'registers_mark'::regclass AND contype = 'f'"
        ).fetchall()
        for name, _ in fks:
            conn.execute(f"ALTER TABLE registers_mark DROP CONSTRAINT {name}")
        conn.execute("ALTER TABLE registers_mark DROP CONSTRAINT one_mark_per_session")
        for index in ("registers_m_date_cfccec_idx", "mark_threshold_codes"):
            conn.execute(f"DROP INDEX {index}")
        now = dt.datetime(2026, 7, 21, 12, tzinfo=dt.UTC).isoformat()
        rows = 0
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY registers_mark (pupil_id, date, session, code, note, source, entered_at, version) FROM STDIN"
            ) as copy,
        ):
            for pupil_id in pupil_ids:
                # 3% of pupils are unauthorised absentees; everyone else is rarely absent.
                unauth = rng.random() < 0.03
                rate = rng.uniform(0.02, 0.12) if unauth else 0.002
                lines = []
                for day in days:
                    d = day.isoformat()
                    for session in ("AM", "PM"):
                        r = rng.random()
                        if r < rate:
                            code = rng.choice("GOU")
                        elif r < rate + 0.03:
                            code = "I"
                        else:
                            code = "/" if session == "AM" else "\\\\"
                        lines.append(f"{pupil_id}\t{d}\t{session}\t{code}\t\tregister\t{now}\t1\n")
                copy.write("".join(lines))
                rows += len(lines)
        conn.execute(
            "ALTER TABLE registers_mark ADD CONSTRAINT one_mark_per_session UNIQUE (pupil_id, date, session)"
        )
        conn.execute("CREATE INDEX registers_m_date_cfccec_idx ON registers_mark (date, session)")
        conn.execute(
            "CREATE INDEX mark_threshold_codes ON registers_mark (pupil_id, date) "
            "WHERE code IN ('G', 'O', 'U')"
        )
        for name, definition in fks:
            conn.execute(f"ALTER TABLE registers_mark ADD CONSTRAINT {name} {definition}")
        conn.execute("VACUUM ANALYZE registers_mark")
    print(
        f"built {len(pupil_ids):,} pupils and {rows:,} marks in {time.perf_counter() - started:.0f} s"
    )


def hand_query(conn, weeks) -> tuple[float, set[int]]:
    started = time.perf_counter()
    found = {r[0] for r in conn.execute(HAND_SQL, {"weeks": weeks, "as_of": AS_OF})}
    return time.perf_counter() - started, found


def run_job(conn, fresh: bool = True) -> tuple[float, set[int], int]:
    if fresh:
        conn.execute("DELETE FROM penalties_casesession")
        conn.execute("DELETE FROM penalties_case")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # Timed inside the child, as a worker would run it: no process start-up.
    out = manage("shell", "-c", JOB_SNIPPET).stdout
    took = float(out.strip().splitlines()[-1])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB, largest child so far
    found = {r[0] for r in conn.execute("SELECT pupil_id FROM penalties_case")}
    return took, found, max(peak, before)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        exists = bench_database(conn) is not None
    if args.rebuild or not exists:
        build()
    with psycopg.connect(BENCH_URL, autocommit=True) as conn:
        (marks,) = conn.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE relname = 'registers_mark'"
        ).fetchone()
        (pupils,) = conn.execute("SELECT count(*) FROM attendance_pupil").fetchone()
        days = school_days()
        weeks = sorted({d - dt.timedelta(days=d.weekday()) for d in days})
        hand = [hand_query(conn, weeks) for _ in range(args.runs)]
        jobs = [run_job(conn) for _ in range(args.runs)]
        reruns = [
            run_job(conn, fresh=False) for _ in range(args.runs)
        ]  # a typical night: nothing new
        detect = []
        for _ in range(args.runs):
            out = manage("shell", "-c", DETECT_SNIPPET).stdout
            detect.append(float(out.strip().splitlines()[-1]))
    hand_t = statistics.median(t for t, _ in hand)
    job_t = statistics.median(t for t, _, _ in jobs)
    same = hand[0][1] == jobs[0][1]
    print(f"{pupils:,} pupils, ~{marks:,} marks, {len(weeks)} school weeks, as of {AS_OF}")
    print(f"hand-written query: median {hand_t:.2f} s ({len(hand[0][1]):,} pupils)")
    print(
        f"threshold job:      median {job_t:.2f} s ({len(jobs[0][1]):,} cases opened, "
        f"peak worker memory {max(p for _, _, p in jobs) / 1024:.0f} MB)"
    )
    rerun_t = statistics.median(t for t, _, _ in reruns)
    detect_t = statistics.median(detect)
    print(
        f"  of which the detection statement: median {detect_t:.2f} s "
        f"(ratio to hand-written {detect_t / hand_t:.2f})"
    )
    print(f"rerun, nothing new: median {rerun_t:.2f} s (ratio {rerun_t / hand_t:.2f})")
    print(f"same pupils: {same}; ratio job / hand-written = {job_t / hand_t:.2f}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
