"""The 09:00 rush: N teachers sign in, open and save their registers within a
minute while the office searches the late book, on real gunicorn, against
the same work done one teacher at a time (issue 17, item 2).

    .venv/bin/python bench/rush.py [--teachers 50] [--window 60] [--quick]
                                   [--hasher argon2|pbkdf2]

Each teacher is a thread with its own connection, starting at a random
moment in the window, doing what a browser does: the sign-in page, the
password, the redirect to the code page, the code (TOTP, computed for the
server's clock), their register list, their AM register, and the form
posted back as the page built it (every field read from the HTML; all
present but one to three absent; 30 pupils, or 27 for the 50th class),
which redirects to the list again. A teacher pauses 0.3-1.5 s between
pages and 2-6 s over the marks (half that with --quick, which also spreads
10 teachers over 12 s: the same rate). The office and the attendance
officer sign in at the start and search the late book every 1-3 s until
the last teacher is done.

The baseline is the same flow by as many teachers of a second school of
the same size, strictly one at a time, half before the rush and half after
(so that drift in the machine falls on both), each followed by one late-book
search; its pages see no other request. Both schools are in one database,
on one server, on the same day.

Server time is gunicorn's own (%(D)s in its access log, BENCH_ACCESS_LOG,
bench/gunicorn_conf.py): reading the request to writing the response, so it
excludes waiting for a free worker (but not a worker's wait for a CPU or
the database); client time includes it. CPU is the gunicorn processes' run
time (/proc/<pid>/schedstat) over each phase, and, one teacher at a time,
from each answer to the next, which gives each page's CPU. Sign-in's share
of the rush is that CPU of its pages times the rush's sign-ins; the
password check's own share is the in-process CPU of one verify of the
stored hash (the median of several) times the sign-ins. PBKDF2 at Django's
default is timed the same way, for what it would cost; --hasher pbkdf2
runs the whole bench with the measured teachers' passwords stored so.

gunicorn: 5 sync workers, 1 thread each: gunicorn's rule of 2 x cores + 1
for a 2-core school server (the Dockerfile's 3 is for smaller hosts).

Data (bench/dataset.py): two schools of 1,500 pupils, 51 classes each (49
of 30, one of 27 and one of 3), marked to 30 June 2026. Marks are a legal
record and are never deleted, so each run takes the next school day with no
register, mark or second-factor code yet in either school (1 July onwards,
15 days to 21 July) and leaves it taken, with every history entry. When the
summer term runs out the dataset is rebuilt (50-80 s on a busy machine):
the only time a run drops anything, and only the database dataset.py built.
Each run stores the measured teachers' password afresh (one hash, as
dataset.py does) and resets their TOTP devices' drift.

The goal, ratio <= 1.5: the register pages' (GET and POST, the worse) p95
server time in the rush over the same page's p95 one teacher at a time. A
teacher should wait at 09:00 no more than half as long again as at a quiet
moment. The rush offers ~N x 9 requests a minute, each a few tens of ms of
CPU: well under half of two cores, where sharing the CPU with a few other
requests costs that much and no more; beyond it the rush is saturating
something (CPU taken by sign-in, a lock, the database). The issue's own
absolute goal, register p95 <= 50 ms with 50 teachers, is printed beside it.
With --quick a page has 10 samples, so its p95 is the slowest one: a check
that the bench runs, not a figure to decide on.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import html.parser
import http.client
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

import dataset
import harness

harness.configure()

BEGUN = time.perf_counter()
SPEC = dataset.Spec(pupils=(1500, 1500), marks_until=dt.date(2026, 6, 30))
os.environ["DATABASE_URL"] = dataset.ensure(SPEC)

import django  # noqa: E402

django.setup()
SET_UP = time.perf_counter()

import time_machine  # noqa: E402
from django.contrib.auth import hashers  # noqa: E402
from django.db import connections  # noqa: E402
from django.db.models import Count, Max  # noqa: E402
from django_otp.oath import TOTP  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from attendance.models import RegistrationGroup, School, User  # noqa: E402
from attendance.school_calendar import SchoolCalendar  # noqa: E402
from attendance.two_factor import DEMO_TOTP_KEY  # noqa: E402
from registers.models import Mark, Register  # noqa: E402

GOAL = 1.5
ISSUE_GOAL_MS = 50
WORKERS, THREADS = 5, 1
CLASS_SIZE = 30
REGISTER_PAGES = ("register GET", "register POST")
SIGN_IN_PAGES = ("sign-in page", "sign-in POST", "to code page", "code page", "code POST")
PAGES = (
    "sign-in page",
    "sign-in POST",
    "to code page",
    "code page",
    "code POST",
    "register list",
    *REGISTER_PAGES,
    "late book",
    "late book search",
)


# --- the day, the people ---------------------------------------------------


def fresh_day(schools: list[School]) -> dt.date | None:
    """The first school day after anything marked or taken in these schools,
    and after any code given (a TOTP code is refused at a step already used,
    so a day on which a run failed part-way is not tried again)."""
    last = SPEC.marks_until
    step = TOTPDevice.objects.filter(user__school__in=schools).aggregate(t=Max("last_t"))["t"]
    if step and step > 0:
        last = max(last, dt.datetime.fromtimestamp(step * 30, schools[0].tz).date())
    for found in (
        Register.objects.filter(group__academic_year__school__in=schools).aggregate(d=Max("date")),
        Mark.objects.filter(pupil__school__in=schools, date__gt=SPEC.marks_until).aggregate(
            d=Max("date")
        ),
    ):
        if found["d"] and found["d"] > last:
            last = found["d"]
    return SchoolCalendar(schools[0]).next_school_day(last)


def rush_day() -> tuple[list[School], dt.date, bool]:
    """The schools, the day to rush, and whether the dataset had to be rebuilt for it."""
    schools = list(School.objects.filter(name__startswith="Bench School").order_by("name"))
    day = fresh_day(schools)
    if day is None:
        print("rush: the summer term's registers are all taken: rebuilding the dataset", flush=True)
        connections.close_all()
        dataset.ensure(SPEC, rebuild=True)
        schools = list(School.objects.filter(name__startswith="Bench School").order_by("name"))
        return schools, fresh_day(schools), True
    return schools, day, False


def teachers(school: School, day: dt.date, count: int) -> list[User]:
    """The teachers of the school's largest classes: 49 of 30 and one of 27 in
    a school of 1,500 (dataset.py makes the last year's last class 27 and 3)."""
    groups = (
        RegistrationGroup.objects.filter(
            academic_year__school=school,
            academic_year__start_date__lte=day,
            academic_year__end_date__gte=day,
        )
        .annotate(size=Count("pupils"))
        .filter(size__gte=CLASS_SIZE - 3)
        .prefetch_related("teachers")
        .order_by("-size", "name")
    )
    found = []
    for group in groups[:count]:
        user = group.teachers.first()
        user.class_size = group.size
        found.append(user)
    if count > len(found):
        raise SystemExit(f"--teachers: at most {len(found)} (the dataset's classes of 27-30)")
    return found


# --- timing the password hashers in this process ---------------------------


def verify_cpu(encoded: str, runs: int) -> list[float]:
    """CPU seconds of one check of the bench password against `encoded`."""
    took = []
    for _ in range(runs):
        started = time.thread_time()
        if not hashers.check_password(dataset.BENCH_PASSWORD, encoded):
            raise RuntimeError("the bench password does not match its hash")
        took.append(time.thread_time() - started)
    return took


def pbkdf2_hash() -> str:
    return hashers.PBKDF2PasswordHasher().encode(
        dataset.BENCH_PASSWORD, hashers.get_random_string(22)
    )


# --- the gunicorn processes' CPU -------------------------------------------


def _stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()  # after "pid (comm) "


def gunicorn_pids() -> list[int]:
    """The gunicorn this process started (its master) and the master's workers."""
    me = str(os.getpid())
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = _stat(int(entry))[1]
            except (OSError, ValueError):
                continue
    masters = [
        pid
        for pid, ppid in parents.items()
        if ppid == me and b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]
    return masters + [pid for pid, ppid in parents.items() if ppid in {str(m) for m in masters}]


def sched(pids: list[int]) -> tuple[float, float]:
    """Seconds these processes have run on a CPU, and waited for one while
    runnable (/proc/<pid>/schedstat, in ns: exact, unlike stat's clock ticks)."""
    run = wait = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/schedstat").read_text().split()
        except OSError:
            continue
        run += int(fields[0])
        wait += int(fields[1])
    return run / 1e9, wait / 1e9


def cpu_seconds(pids: list[int]) -> float:
    return sched(pids)[0]


def snapshot(pids: list[int]) -> tuple[float, float, float, float]:
    """The workers' run and wait, the whole machine's busy CPU-seconds
    (/proc/stat: all but idle and iowait; everyone's, the other benches' too)
    and the clock."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
    return (*sched(pids), busy, time.perf_counter())


# --- a browser -------------------------------------------------------------


@dataclasses.dataclass
class Hit:
    phase: str
    page: str
    seconds: float
    error: str = ""


class FormReader(html.parser.HTMLParser):
    """The fields a browser would send from a POST form that submits to the
    page itself (no action: not the header's sign-out form), or the form
    with `form_id`: text and hidden inputs with their values, radio groups
    with their choices."""

    def __init__(self, form_id: str | None = None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = self.done = False
        self.attrs: dict = {}
        self.fields: dict[str, str] = {}
        self.radios: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not (self.inside or self.done):
            wanted = a.get("id") == self.form_id if self.form_id else not a.get("action")
            if (a.get("method") or "").lower() == "post" and wanted:
                self.inside, self.attrs = True, a
            return
        if not self.inside or tag != "input" or not a.get("name"):
            return
        kind = (a.get("type") or "text").lower()
        if kind in ("submit", "button", "image", "reset", "file"):
            return  # sent only when it is the button pressed (none here has a name)
        if kind in ("radio", "checkbox"):
            self.radios.setdefault(a["name"], []).append(a.get("value") or "on")
            if "checked" in a:
                self.fields[a["name"]] = a.get("value") or "on"
        else:
            self.fields[a["name"]] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside, self.done = False, True


def read_form(page: str, form_id: str | None = None) -> FormReader:
    reader = FormReader(form_id)
    reader.feed(page)
    if not reader.done:
        raise Flow(f"no POST form{f' {form_id!r}' if form_id else ''} on the page")
    return reader


class Flow(Exception):
    """A page that did not answer as a browser expects: the flow stops there."""


class Browser(harness.Browser):
    """One person's browser (harness.Browser), saying which phase and page
    each request is in X-Bench-Tag for the access log, and recording it."""

    def __init__(self, address, phase: str, hits: list[Hit], cookies=None, split=None):
        super().__init__(address, cookies, timeout=120)
        self.phase, self.hits, self.split = phase, hits, split

    def go(self, page: str, method: str, path: str, form=None, expect=200) -> tuple[str, str]:
        """(body, Location) of one request; a different status stops the flow."""
        started = time.perf_counter()
        try:
            response, text = self.send(method, path, form, {"X-Bench-Tag": f"{self.phase}|{page}"})
        except (OSError, http.client.HTTPException) as exc:
            self.connection.close()
            self.hits.append(Hit(self.phase, page, time.perf_counter() - started, repr(exc)))
            raise Flow(f"{page}: {exc!r}") from None
        took = time.perf_counter() - started
        if self.split:
            self.split(page)
        location = urllib.parse.urlsplit(response.getheader("Location") or "")
        where = location.path + (f"?{location.query}" if location.query else "")
        error = "" if response.status == expect else f"{response.status}"
        self.hits.append(Hit(self.phase, page, took, error))
        if error:
            raise Flow(f"{page}: {method} {path} gave {response.status}: {text[:200]!r}")
        return text, where


class ServerClock:
    """The workers' travelled clock: the moment they started from, ticking."""

    def __init__(self, moment: dt.datetime):
        self.moment, self.started = moment.timestamp(), time.time()

    def now(self) -> float:
        return self.moment + time.time() - self.started


def code_for(clock: ServerClock) -> str:
    device = TOTPDevice(key=DEMO_TOTP_KEY)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = clock.now()
    return f"{totp.token():0{device.digits}d}"


def sign_in(b: Browser, username: str, clock: ServerClock, next_url: str, pause) -> str:
    """The password and the code, as a browser does; the page `next_url` at the end."""
    page, _ = b.go("sign-in page", "GET", f"/login/?{urllib.parse.urlencode({'next': next_url})}")
    form = read_form(page).fields
    form.update(username=username, password=dataset.BENCH_PASSWORD)
    pause()
    _, where = b.go("sign-in POST", "POST", "/login/", form, expect=302)
    _, where = b.go("to code page", "GET", where, expect=302)
    page, _ = b.go("code page", "GET", where)
    form = read_form(page).fields
    pause()
    form["code"] = code_for(clock)
    _, where = b.go("code POST", "POST", where, form, expect=302)
    if where.split("?")[0] != next_url.split("?")[0]:
        raise Flow(f"signed in, but sent to {where}")
    page, _ = b.go("register list" if next_url == "/registers/" else "late book", "GET", where)
    return page


def take_register(b: Browser, user: User, clock: ServerClock, rng: random.Random, pause) -> None:
    username = user.username
    listing = sign_in(b, username, clock, "/registers/", pause)
    links = re.findall(r'href="(/registers/\d+/[\d-]+/AM/)"', listing)
    if len(links) != 1:
        raise Flow(f"{username}: {len(links)} AM registers on the list")
    pause()
    page, _ = b.go("register GET", "GET", links[0])
    reader = read_form(page, "register-form")
    present = reader.attrs.get("data-present", "/")
    pupils = [name for name in reader.radios if name.startswith("code_")]
    if len(pupils) != user.class_size:
        raise Flow(f"{username}: {len(pupils)} pupils on the register")
    absent = set(rng.sample(pupils, rng.randint(1, 3)))
    form = dict(reader.fields)
    for name in pupils:
        form[name] = "N" if name in absent else present
        if form[name] not in reader.radios[name]:
            raise Flow(f"{username}: no choice {form[name]!r} for {name}")
    pause(2, 6)
    _, where = b.go("register POST", "POST", links[0], form, expect=302)
    b.go("register list", "GET", where)


def search_late_book(b: Browser, rng: random.Random, school: int) -> None:
    # A surname or a UPN, as the office types them for a pupil at the door
    # (dataset.py numbers pupils from 1 across the schools, 1,500 a school).
    serial = 1500 * (school - 1) + rng.randint(1, 1500)
    term = rng.choice([f"Pupil{serial}", f"B{serial:012d}", f"Pupil{serial // 10}"])
    b.go("late book search", "GET", f"/registers/late/?{urllib.parse.urlencode({'q': term})}")


def pauses(rng: random.Random, scale: float):
    def pause(low=0.3, high=1.5):
        if scale:
            time.sleep(scale * rng.uniform(low, high))

    return pause


# --- the phases ------------------------------------------------------------


class CpuSplit:
    """The workers' CPU from one request's answer to the next's, by page:
    exact when one request is in flight at a time."""

    def __init__(self, pids: list[int]):
        self.pids, self.spent, self.count = pids, defaultdict(float), defaultdict(int)
        self.last = cpu_seconds(pids)

    def __call__(self, step: str) -> None:
        now = cpu_seconds(self.pids)
        self.spent[step] += now - self.last
        self.count[step] += 1
        self.last = now

    def each(self, step: str) -> float:
        return self.spent[step] / max(1, self.count[step])


def one_at_a_time(address, clock, users, office, hits, rng, problems, split) -> None:
    """Each teacher's whole flow alone, then one late-book search by the office."""
    for user in users:
        try:
            b = Browser(address, "solo", hits, split=split)
            take_register(b, user, clock, rng, pauses(rng, 0))
            search_late_book(office, rng, 2)
        except Flow as exc:
            problems.append(str(exc))


def rush(address, clock, users, office_names, window, hits, seed, problems, scale) -> None:
    done = threading.Event()

    def teacher(user: User, start: float, rng: random.Random) -> None:
        time.sleep(start)
        try:
            take_register(Browser(address, "rush", hits), user, clock, rng, pauses(rng, scale))
        except Flow as exc:
            problems.append(str(exc))

    def office(username: str, rng: random.Random) -> None:
        b = Browser(address, "rush", hits)
        try:
            sign_in(b, username, clock, "/registers/late/", pauses(rng, scale))
            while not done.is_set():
                time.sleep(rng.uniform(1, 3))
                search_late_book(b, rng, 1)
        except Flow as exc:
            problems.append(str(exc))

    rng = random.Random(seed)
    threads = [
        threading.Thread(target=teacher, args=(u, rng.uniform(0, window), random.Random(i)))
        for i, u in enumerate(users)
    ]
    staff = [
        threading.Thread(target=office, args=(name, random.Random(-i)))
        for i, name in enumerate(office_names, 1)
    ]
    for t in staff + threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    for t in staff:
        t.join()


def warm_up(address: str, cookies: dict, register: str, late: dict, rounds: int) -> None:
    """Each worker's first pages (imports, templates, a database connection),
    by people outside the measured ones, reading only."""
    hits: list[Hit] = []

    def browse():
        for _ in range(rounds):
            b = Browser(address, "warm-up", hits, cookies)
            b.go("register list", "GET", "/registers/")
            b.go("register GET", "GET", register)
            Browser(address, "warm-up", hits).go("sign-in page", "GET", "/login/")
            Browser(address, "warm-up", hits, late).go(
                "late book search", "GET", "/registers/late/?q=Pupil1"
            )

    threads = [threading.Thread(target=browse) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# --- the report ------------------------------------------------------------


def server_times(log: Path) -> dict[tuple[str, str], list[float]]:
    times = defaultdict(list)
    for line in log.read_text().splitlines():
        match = re.match(r'(\d+) \d+ \w+ "([^"|]+)\|([^"]+)"', line)
        if match:
            times[(match.group(2), match.group(3))].append(int(match.group(1)) / 1e6)
    return times


def figures(seconds: list[float]) -> str:
    if not seconds:
        return f"{'-':>29}"
    m = harness.ms(seconds)
    p = [harness.percentile(m, q) for q in (50, 95, 99)]
    return f"{p[0]:6.1f} {p[1]:6.1f} {p[2]:6.1f} ({min(m):5.1f}-{max(m):6.1f})"


def table(phase: str, hits: list[Hit], server: dict) -> None:
    print(
        f"{'  ' + phase:22} {'n':>4}  {'server p50 p95 p99 ms (range)':>34}"
        f"  {'client p50 p95 p99 ms (range)':>34}  errors"
    )
    for page in PAGES:
        mine = [h for h in hits if h.phase == phase and h.page == page]
        if not mine and not server.get((phase, page)):
            continue
        ok = [h.seconds for h in mine if not h.error]
        errors = sum(1 for h in mine if h.error)
        print(
            f"  {page:20} {len(mine):4}  {figures(server.get((phase, page), [])):>34}"
            f"  {figures(ok):>34}  {errors}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teachers", type=int, default=50)
    parser.add_argument(
        "--window", type=float, help="seconds the arrivals spread over (60; 12 with --quick)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="10 teachers in 12 s (the same rate), pauses halved"
    )
    parser.add_argument(
        "--hasher",
        choices=["argon2", "pbkdf2"],
        default="argon2",
        help="pbkdf2: the measured teachers' passwords stored as an earlier release did"
        " (PBKDF2, 1,000,000 iterations); sign-in checks that, then stores Argon2id",
    )
    args = parser.parse_args()
    count = 10 if args.quick else args.teachers
    window = args.window or (12 if args.quick else 60)

    phases = [("dataset and Django", SET_UP)]
    schools, day, rebuilt = rush_day()
    phases.append(("the day" + (" (the dataset rebuilt)" if rebuilt else ""), time.perf_counter()))
    # django-otp keeps each device's drift when a code is a step off (this
    # process's clock and a worker's differ by up to their start-up); left
    # from an earlier run, it would refuse a code on time today.
    TOTPDevice.objects.filter(user__school__in=schools).update(drift=0)
    rush_school, solo_school = schools
    moment = dt.datetime.combine(day, dt.time(8, 59), tzinfo=rush_school.tz)
    rushers = teachers(rush_school, day, count)
    solos = teachers(solo_school, day, count)
    office_names = [f"s1.{role}" for role in ("office", "attendance")]
    solo_office = User.objects.get(username="s2.office")

    # The hashers, timed here before the server starts (CPU time, not wall).
    # Stored afresh each run (as dataset.py stores it: one hash for all), so
    # that a --hasher pbkdf2 run that stopped part-way leaves nothing behind.
    encoded = (
        pbkdf2_hash() if args.hasher == "pbkdf2" else hashers.make_password(dataset.BENCH_PASSWORD)
    )
    User.objects.filter(pk__in=[u.pk for u in rushers + solos]).update(password=encoded)
    runs = 3 if args.quick else 7
    stored = verify_cpu(encoded, runs)
    pbkdf2 = verify_cpu(pbkdf2_hash(), 2 if args.quick else 3)
    algorithm = hashers.identify_hasher(encoded)
    summary = algorithm.safe_summary(encoded)

    # Sessions for the warm-up only (people outside the measured ones).
    warm_group = RegistrationGroup.objects.get(academic_year__school=solo_school, name="11K")
    with time_machine.travel(moment, tick=True):
        warm_cookies = harness.signed_in_cookies(warm_group.teachers.first())
        late_cookies = harness.signed_in_cookies(User.objects.get(username="s2.attendance"))
    connections.close_all()
    phases.append(("the hashers and the warm-up's sessions", time.perf_counter()))

    log = Path(tempfile.mkstemp(prefix="rush-access-", suffix=".log")[1])
    env = {"BENCH_TRAVEL_TO": moment.isoformat(), "BENCH_ACCESS_LOG": str(log)}
    hits: list[Hit] = []
    problems: list[str] = []
    rng = random.Random(day.toordinal())
    try:
        with harness.gunicorn(workers=WORKERS, threads=THREADS, env=env) as address:
            clock = ServerClock(moment)
            started = time.perf_counter()
            pids = gunicorn_pids()
            while len(pids) < 1 + WORKERS:  # the master forks them one by one
                if time.perf_counter() > started + 30:
                    raise RuntimeError(f"gunicorn started {len(pids) - 1} of {WORKERS} workers")
                time.sleep(0.1)
                pids = gunicorn_pids()
            phases.append(("gunicorn", time.perf_counter()))
            warm_up(
                address,
                warm_cookies,
                f"/registers/{warm_group.id}/{day.isoformat()}/AM/",
                late_cookies,
                1 if args.quick else 4,
            )
            phases.append(("warm-up", time.perf_counter()))
            office = Browser(address, "solo", hits)
            sign_in(office, solo_office.username, clock, "/registers/late/", pauses(rng, 0))
            half = len(solos) // 2
            marks = [snapshot(pids)]
            load_before = harness.machine_load()
            split = office.split = CpuSplit(pids)
            one_at_a_time(address, clock, solos[:half], office, hits, rng, problems, split)
            marks.append(snapshot(pids))
            phases.append(("one at a time", time.perf_counter()))
            started = time.perf_counter()
            rush(
                address,
                clock,
                rushers,
                office_names,
                window,
                hits,
                day.toordinal(),
                problems,
                0.5 if args.quick else 1,
            )
            took = time.perf_counter() - started
            phases.append(("rush", time.perf_counter()))
            marks.append(snapshot(pids))
            load_rush = harness.machine_load()
            split.last = cpu_seconds(pids)
            one_at_a_time(address, clock, solos[half:], office, hits, rng, problems, split)
            marks.append(snapshot(pids))
            phases.append(("one at a time", time.perf_counter()))
            if sorted(gunicorn_pids()) != sorted(pids):
                problems.append("a gunicorn worker was replaced: its CPU is not all counted")
            time.sleep(0.5)  # the last access-log lines
        cpu, waited, busy, wall = (
            {"solo": m[1] - m[0] + m[3] - m[2], "rush": m[2] - m[1]}
            for m in ([mark[i] for mark in marks] for i in range(4))
        )
        server = server_times(log)
    finally:
        log.unlink(missing_ok=True)

    print(
        f"rush: {count} teachers of {rush_school.name} in {window:.0f} s (all done in"
        f" {took:.0f} s) and {len(office_names)} office staff searching the late book;"
        f" baseline: {len(solos)} teachers of {solo_school.name}, one at a time, half"
        f" before and half after; AM registers of {day:%a %-d %B %Y}, server clock from"
        f" {moment:%H:%M}"
    )
    print(f"gunicorn: {WORKERS} sync workers x {THREADS} thread (2 x cores + 1 for 2 cores)")
    print(f"before: {load_before}; after the rush: {load_rush}")
    print(
        "took: "
        + ", ".join(
            f"{name} {t - (phases[i - 1][1] if i else BEGUN):.0f} s"
            for i, (name, t) in enumerate(phases)
        )
    )
    table("rush", hits, server)
    table("solo", hits, server)
    for problem in problems[:10]:
        print(f"  error: {problem[:300]}")

    signed_in = sum(1 for h in hits if h.phase == "rush" and h.page == "code POST" and not h.error)
    verify = statistics.median(stored)
    p_verify = statistics.median(pbkdf2)
    share = verify * signed_in / cpu["rush"]
    print(
        f"CPU of the gunicorn workers: rush {cpu['rush']:.2f} s ({signed_in} sign-ins),"
        f" {cpu['rush'] / max(1, count):.3f} s a teacher with the office's share;"
        f" one at a time {cpu['solo'] / max(1, len(solos)):.3f} s a teacher. Time the workers"
        f" waited for a CPU while runnable: rush {waited['rush']:.2f} s, one at a time"
        f" {waited['solo']:.2f} s"
    )
    print(
        f"the machine's {os.cpu_count()} cores, busy on average (everyone's, the other"
        f" agents' too): rush {busy['rush'] / wall['rush']:.2f}, of which these workers"
        f" {cpu['rush'] / wall['rush']:.2f}; one at a time {busy['solo'] / wall['solo']:.2f},"
        f" of which these workers {cpu['solo'] / wall['solo']:.2f}"
    )
    sign_in_cpu = sum(split.each(p) for p in SIGN_IN_PAGES)
    print(
        "one at a time, the workers' CPU a request (ms): "
        + ", ".join(f"{p} {split.each(p) * 1000:.1f}" for p in PAGES if split.count[p])
    )
    print(
        f"sign-in ({', '.join(SIGN_IN_PAGES)}) {sign_in_cpu * 1000:.0f} ms a teacher;"
        f" x {signed_in} sign-ins = {sign_in_cpu * signed_in:.2f} s, about"
        f" {100 * sign_in_cpu * signed_in / cpu['rush']:.0f}% of the rush's worker CPU"
    )
    print(
        f"password check, CPU in this process: {algorithm.algorithm}"
        f" {dict((k, v) for k, v in summary.items() if k not in ('hash', 'salt'))}"
        f" median {verify * 1000:.1f} ms (range {min(stored) * 1000:.1f}-"
        f"{max(stored) * 1000:.1f}, n={len(stored)}); x {signed_in} sign-ins ="
        f" {verify * signed_in:.2f} s, {100 * share:.1f}% of the rush's worker CPU"
    )
    if args.hasher == "argon2":
        other = cpu["rush"] - verify * signed_in + p_verify * signed_in
        print(
            f"PBKDF2 (Django's default) instead: median {p_verify * 1000:.0f} ms a check"
            f" (range {min(pbkdf2) * 1000:.0f}-{max(pbkdf2) * 1000:.0f}, n={len(pbkdf2)}):"
            f" x {signed_in} = {p_verify * signed_in:.1f} s, the rush {other:.1f} s of CPU,"
            f" {100 * p_verify * signed_in / other:.0f}% of it on passwords"
        )

    worst, ratios = 0.0, {}
    for page in REGISTER_PAGES:
        candidate, baseline = server.get(("rush", page), []), server.get(("solo", page), [])
        if not candidate or not baseline:
            continue
        c95, b95 = (harness.percentile(harness.ms(s), 95) for s in (candidate, baseline))
        ratios[page] = c95 / b95
        worst = max(worst, c95)
        print(
            f"{page}: p95 server {c95:.1f} ms in the rush, {b95:.1f} ms one at a time:"
            f" ratio {c95 / b95:.2f} (goal <= {GOAL:g})"
        )
    verdict = "met" if worst <= ISSUE_GOAL_MS and not problems else "NOT met"
    print(
        f"issue 17's check: register p95 server time with {count} teachers in"
        f" {window:.0f} s: {worst:.1f} ms (goal <= {ISSUE_GOAL_MS} ms with 50 in a minute):"
        f" {verdict}{f'; {len(problems)} flows failed' if problems else ''}"
    )
    if not ratios:
        print(f"ratio nan (goal <= {GOAL:g})")
        sys.exit(1)
    print(f"ratio {max(ratios.values()):.2f} (goal <= {GOAL:g})")


if __name__ == "__main__":
    main()
