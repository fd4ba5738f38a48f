"""Trust-scale benchmark of the nightly 10-in-10 threshold job.

    .venv/bin/python bench/thresholds.py            # 25 x 2,000 pupils (~19 million marks)
    .venv/bin/python bench/thresholds.py --quick    # 2 x 2,000 pupils, under a minute

The data comes from bench/dataset.py (built once, reused): the database
named by BENCH_DATABASE_URL, and for --quick that name with `_quick`
added, so the full data set stays built. A database the dataset module did
not build is never dropped.

The job runs as a worker runs it: `penalties.tasks.check_all_thresholds`,
called in a long-lived child process with production settings (DEBUG off),
warm (imports, calendars and connection ready), timed inside the child,
which reports its peak memory. Interleaved with it, in this process, runs a
tight hand-written query that finds the same pupils by the same rule (G, O
and U sessions counted in any 10 consecutive school weeks, holiday weeks
skipped, pupils with an open case left out); both must find the same set.

Two runs of the job are measured, each against that query:
  - first run: no cases yet. The cases it opened (with their sessions,
    their history events and the job's history context) are deleted before
    the next run, untimed, so every run does the same work; marks are never
    touched;
  - nightly rerun: the cases are open and nothing is new.
Each with two states of the planner's statistics:
  - fresh: ANALYZE of the tables the job reads, just before;
  - stale, made the same way every time: penalties_case analyzed while empty
    (as autovacuum leaves it before the first run ever opens a case) and no
    column statistics at all for registers_mark and attendance_pupil (their
    pg_statistic rows deleted as the superuser: what the planner has after
    a restore, before the first ANALYZE).
Autovacuum is off on those tables while the bench runs, so nothing
refreshes the statistics behind its back; at the end they are analyzed
again and autovacuum is reset, whatever happened.

The last line is the worst of the four ratios (job / hand-written query).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import dataset, harness  # noqa: E402

AS_OF = dt.date(2026, 7, 21)
GOAL = 1.5
TABLES = ("registers_mark", "attendance_pupil", "penalties_case", "penalties_casesession")

HAND_SQL = """
WITH weeks AS (
    SELECT w AS week_start, i::int AS idx
    FROM unnest(%(weeks)s::date[]) WITH ORDINALITY AS t(w, i)
),
per_week AS (
    SELECT m.pupil_id, w.idx, count(*) AS n
    FROM registers_mark m
    JOIN weeks w ON w.week_start = m.date - (extract(isodow FROM m.date)::int - 1)
    WHERE m.code IN ('G', 'O', 'U') AND m.date <= %(as_of)s
    GROUP BY m.pupil_id, w.idx
)
SELECT pupil_id
FROM (
    SELECT pupil_id,
           sum(n) OVER (PARTITION BY pupil_id ORDER BY idx
                        RANGE BETWEEN 9 PRECEDING AND CURRENT ROW) AS total
    FROM per_week
) windows
WHERE total >= 10
EXCEPT
SELECT pupil_id FROM penalties_case WHERE stage <> 'closed'
"""
# Every school of the data set has the same calendar, so one numbering of
# the weeks serves all its pupils; the marks are read from the partial index
# alone (an index-only scan). Open cases are taken away as a set (EXCEPT),
# whose plan no statistics change: a NOT EXISTS took 6.6 s on stale ones.


# --- the worker: a child process, as Celery runs the task ---


def worker() -> None:
    import django

    django.setup()
    from attendance.models import School
    from penalties.tasks import check_all_thresholds
    from penalties.thresholds import weeks_by_school

    # A worker is long-lived: its imports, calendars (bank holidays) and
    # database connection are warm before the nightly run.
    weeks_by_school(list(School.objects.all()), AS_OF)
    print(json.dumps({"ready": True, "maxrss_kb": _maxrss()}), flush=True)
    for _ in sys.stdin:
        started = time.perf_counter()
        opened = check_all_thresholds(AS_OF.isoformat())
        took = time.perf_counter() - started
        print(json.dumps({"seconds": took, "opened": opened, "maxrss_kb": _maxrss()}), flush=True)


def _maxrss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


class Worker:
    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.warm_kb = self._reply()["maxrss_kb"]
        self.peak_kb = self.warm_kb

    def _reply(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit("the worker died (its error is above)")
        return json.loads(line)

    def run(self) -> tuple[float, int]:
        self.process.stdin.write("run\n")
        self.process.stdin.flush()
        reply = self._reply()
        self.peak_kb = max(self.peak_kb, reply["maxrss_kb"])
        return reply["seconds"], reply["opened"]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


# --- the bench ---


def school_weeks() -> list[dt.date]:
    """The data set's school weeks (every school has the same calendar)."""
    from attendance.models import School
    from penalties.thresholds import weeks_by_school

    found = {tuple(w) for w in weeks_by_school(list(School.objects.all()), AS_OF).values()}
    if len(found) != 1:
        raise SystemExit("the hand-written query assumes one calendar for every school")
    return list(found.pop())


def hand_query(conn, weeks: list[dt.date]) -> tuple[float, set[int]]:
    started = time.perf_counter()
    found = {r[0] for r in conn.execute(HAND_SQL, {"weeks": weeks, "as_of": AS_OF})}
    return time.perf_counter() - started, found


class Cases:
    """The cases the bench's runs opened, and their removal (untimed)."""

    def __init__(self, conn, superuser):
        self.conn, self.superuser = conn, superuser
        (self.before,) = conn.execute("SELECT coalesce(max(id), 0) FROM penalties_case").fetchone()

    def opened(self) -> set[int]:
        rows = self.conn.execute(
            "SELECT pupil_id FROM penalties_case WHERE id > %s", [self.before]
        ).fetchall()
        return {r[0] for r in rows}

    def delete(self) -> None:
        # History events are append-only to the application (and its delete
        # trigger would add one per case): the superuser, with triggers off,
        # removes exactly what the runs wrote.
        with self.superuser.transaction():
            self.superuser.execute("SET LOCAL session_replication_role = replica")
            for statement in (
                "DELETE FROM penalties_casesession WHERE case_id > %(id)s",
                # The job's context (one a run), named by its cases' events.
                "DELETE FROM pghistory_context WHERE id IN (SELECT pgh_context_id"
                " FROM penalties_caseevent WHERE pgh_obj_id > %(id)s)",
                "DELETE FROM penalties_caseevent WHERE pgh_obj_id > %(id)s",
                "DELETE FROM penalties_case WHERE id > %(id)s",
            ):
                self.superuser.execute(statement, {"id": self.before})


def fresh_statistics(superuser) -> None:
    superuser.execute(f"ANALYZE {', '.join(TABLES)}")


def stale_statistics(superuser) -> None:
    """penalties_case analyzed while empty; no column statistics for marks and pupils."""
    superuser.execute("ANALYZE penalties_case, penalties_casesession")
    # The marks' year partitions hold their own statistics beside the
    # whole table's.
    superuser.execute(
        "DELETE FROM pg_statistic WHERE starelid IN"
        " ('registers_mark'::regclass, 'attendance_pupil'::regclass)"
        " OR starelid IN (SELECT inhrelid FROM pg_inherits"
        " WHERE inhparent = 'registers_mark'::regclass)"
    )


def storage_tables(superuser) -> list[str]:
    """TABLES, with a partitioned one as its partitions (where autovacuum runs)."""
    names = []
    for table in TABLES:
        parts = superuser.execute(
            "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = %s::regclass",
            [table],
        ).fetchall()
        names += [p for (p,) in parts] or [table]
    return names


@contextlib.contextmanager
def autovacuum_off(superuser):
    tables = storage_tables(superuser)
    try:
        for table in tables:
            superuser.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = off)")
        yield
    finally:
        for table in tables:
            superuser.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
        fresh_statistics(superuser)


def measure(name, job, hand, runs: int, warmup: int, prepare=None):
    """Alternate which goes first, as harness.interleave does; `prepare`
    (untimed) runs before each of them. The job's time is the worker's own."""
    times: tuple[list[float], list[float]] = ([], [])
    for run in range(warmup + runs):
        order = [(0, job), (1, hand)]
        if run % 2:
            order.reverse()
        for slot, fn in order:
            if prepare:
                prepare()
            took = fn()
            if run >= warmup:
                times[slot].append(took)
    return name, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 schools, under a minute")
    parser.add_argument("--runs", type=int)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    if args.quick:
        url = urllib.parse.urlparse(dataset.database_url())
        os.environ["BENCH_DATABASE_URL"] = url._replace(path=url.path + "_quick").geturl()
        spec = dataset.Spec(pupils=(2000,) * 2, marks_until=AS_OF)
    else:
        spec = dataset.Spec(pupils=(2000,) * 25, marks_until=AS_OF)
    url = dataset.ensure(spec)
    os.environ["BENCH_DATABASE_URL"] = url
    harness.configure()
    import django

    django.setup()
    import psycopg

    runs = args.runs or (3 if args.quick else 5)
    warmup = 1
    with (
        psycopg.connect(url, autocommit=True) as conn,
        psycopg.connect(dataset.superuser_url(url), autocommit=True) as superuser,
        autovacuum_off(superuser),
    ):
        cases = Cases(conn, superuser)
        cases.delete()  # what an interrupted earlier run may have left
        weeks = school_weeks()
        (pupils,) = conn.execute("SELECT count(*) FROM attendance_pupil").fetchone()
        (marks,) = conn.execute(
            # The planner's row counts, summed over the year partitions.
            "SELECT coalesce(sum(c.reltuples), 0)::bigint FROM pg_inherits i"
            " JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'registers_mark'::regclass"
        ).fetchone()
        print(
            f"{pupils:,} pupils in {len(spec.pupils)} schools, ~{marks:,} marks,"
            f" {len(weeks)} school weeks, as of {AS_OF}"
        )
        worker_process = Worker()
        results, found = [], {}
        try:

            def job():
                took, opened = worker_process.run()
                found["job"] = cases.opened() if opened else set()
                return took

            def hand():
                took, pupils = hand_query(conn, weeks)
                found["hand"] = pupils
                return took

            def check(label: str) -> None:
                if found["job"] != found["hand"]:
                    raise SystemExit(
                        f"{label}: the job and the hand-written query disagree:"
                        f" {len(found['job'] - found['hand'])} only by the job,"
                        f" {len(found['hand'] - found['job'])} only by the query"
                    )

            for label, set_statistics in (("fresh", fresh_statistics), ("stale", stale_statistics)):
                cases.delete()
                set_statistics(superuser)
                results.append(
                    measure(f"first run, {label} stats", job, hand, runs, warmup, cases.delete)
                )
                check(f"first run, {label} statistics")
                opened = len(found["job"])
                job()  # the night before: the cases are open
                if label == "fresh":
                    fresh_statistics(superuser)
                results.append(measure(f"nightly rerun, {label} stats", job, hand, runs, warmup))
                check(f"rerun, {label} statistics")
            cases.delete()
        finally:
            worker_process.close()
    print(f"{opened:,} cases opened by a first run; the rerun opens none")
    print(
        f"worker peak memory {worker_process.peak_kb / 1024:.0f} MB"
        f" (warm before the first run: {worker_process.warm_kb / 1024:.0f} MB)"
    )
    ratios = []
    for name, (job_times, hand_times) in results:
        print(harness.describe(f"job, {name}", job_times))
        print(harness.describe(f"hand, {name}", hand_times))
        ratio = statistics.median(job_times) / statistics.median(hand_times)
        ratios.append((ratio, name, job_times, hand_times))
        print(f"  {name}: {harness.ratio_line(job_times, hand_times, GOAL)}")
    print(harness.machine_load())
    worst = max(ratios, key=lambda r: r[0])
    print(f"worst: {worst[1]}")
    print(harness.ratio_line(worst[2], worst[3], GOAL))


if __name__ == "__main__":
    main()
