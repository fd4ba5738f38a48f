"""PostgreSQL stops while a teacher saves a register: nothing is lost.

The live server runs on a private PostgreSQL cluster (a copy of the test
database), which the test stops while the register's POST is waiting in it.
The teacher sees Rollcall's "not saved" page; with the database back, the
register opened again has the marks filled in from the browser, and once
saved they are gone from it.
"""

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from playwright.sync_api import Page, expect

from registers.models import Mark
from tests.browser.test_sign_in import sign_in
from tests.factories import PupilFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONDON = ZoneInfo("Europe/London")
BIN = max(Path("/usr/lib/postgresql").glob("*/bin"))
PORT = 55432


def as_postgres(*command):
    # initdb refuses to run as root (machine notes): the cluster is postgres's.
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *map(str, command)], check=True, capture_output=True, timeout=60)


class PrivateCluster:
    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="rollcall-pg-"))
        self.data = self.root / "data"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        as_postgres(BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-N")

    def start(self):
        options = f"-p {PORT} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        as_postgres(
            BIN / "pg_ctl", "-D", self.data, "-o", options, "-l", self.root / "log", "-w", "start"
        )

    def stop(self):
        as_postgres(BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def remove(self):
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def private_database(live_server, cast):
    """The test database copied into a private cluster, and the live server on it."""
    settings = connection.settings_dict
    cluster = PrivateCluster()
    original = (settings["HOST"], settings["PORT"])
    try:
        cluster.start()
        user, name = settings["USER"], settings["NAME"]
        psql = [BIN / "psql", "-h", "127.0.0.1", "-p", str(PORT), "-U", "postgres", "-q"]
        as_postgres(*psql, "-c", f'CREATE ROLE "{user}" SUPERUSER LOGIN')
        as_postgres(*psql, "-c", f'CREATE DATABASE "{name}" OWNER "{user}"')
        host, port = original[0] or "127.0.0.1", original[1] or 5432
        copy = "--no-owner --no-privileges"
        dump = subprocess.run(
            [BIN / "pg_dump", *f"-h {host} -p {port} -U {user} {copy} {name}".split()],
            check=True,
            capture_output=True,
            timeout=60,
        ).stdout
        restore = f"-h 127.0.0.1 -p {PORT} -U {user} -d {name} -q -v ON_ERROR_STOP=1"
        subprocess.run(
            [BIN / "psql", *restore.split()],
            input=dump,
            check=True,
            capture_output=True,
            timeout=60,
        )
        # Every thread's connection shares this dict (tests/conftest.py).
        connection.close()
        settings["HOST"], settings["PORT"] = "127.0.0.1", PORT
        yield cluster
    finally:
        connection.close()
        settings["HOST"], settings["PORT"] = original
        cluster.remove()


def blocked_on(lock: psycopg.Connection) -> int:
    # `lock` holds its transaction open, and PostgreSQL shows a transaction
    # one snapshot of pg_stat_activity: without clearing it, a poll taken
    # before the save arrived would be seen again and again.
    lock.execute("SELECT pg_stat_clear_snapshot()")
    return lock.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
    ).fetchone()[0]


def test_a_teacher_saving_when_the_database_stops_loses_no_marks(
    page: Page, live_server, cast, private_database, settings
):
    settings.DEBUG = False  # Rollcall's own error pages, as in production
    pupils = [cast.poppy, PupilFactory(school=cast.school, registration_group=cast.hawthorn)]
    absent = pupils[1]
    register = reverse("registers:register", args=[cast.hawthorn.id, "2026-11-26", "AM"])
    key = f"rollcall:unsaved-register:{cast.hawthorn.id}/2026-11-26/AM"
    started = time.monotonic()
    with time_machine.travel(dt.datetime(2026, 11, 26, 9, 5, tzinfo=LONDON), tick=True):
        sign_in(page, live_server.url, "alice")
        page.goto(live_server.url + register)
        page.get_by_role("button", name="Mark all present").click()
        page.get_by_role("radiogroup", name=absent.name).get_by_label("Absent").check()

        # The save waits on a lock in PostgreSQL, and PostgreSQL stops under it.
        settings_dict = connection.settings_dict
        lock = psycopg.connect(
            host="127.0.0.1", port=PORT, user=settings_dict["USER"], dbname=settings_dict["NAME"]
        )
        lock.execute("LOCK TABLE registers_register IN ACCESS EXCLUSIVE MODE")
        # Clicked from the page: Playwright's click would wait for the answer.
        page.evaluate("document.getElementById('save').click()")
        deadline = time.monotonic() + 10
        while not blocked_on(lock) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert blocked_on(lock), "the save never reached the database"
        private_database.stop()
        lock.close()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Not saved: try again in a minute"
        )
        expect(page.locator("main")).to_contain_text("the marks were not saved")
        assert page.evaluate(f"localStorage.getItem({key!r})") is not None
        with pytest.raises(urllib.error.HTTPError) as health:
            urllib.request.urlopen(live_server.url + "/healthz", timeout=10)
        assert health.value.code == 503
        checks = {c["name"]: c for c in json.load(health.value)["checks"]}
        assert not checks["database"]["ok"]

        private_database.start()
        connection.close()  # the test's own connection went down with the server
        page.get_by_role("link", name="Back to the page you were on").click()
        expect(page.get_by_role("alert").filter(has_text="were not saved")).to_contain_text(
            # The browser's own clock, which time-machine does not move.
            re.compile(r"2 marks you chose at \d\d:\d\d were not saved\.")
        )
        expect(
            page.get_by_role("radiogroup", name=absent.name).get_by_label("Absent")
        ).to_be_checked()
        expect(
            page.get_by_role("radiogroup", name=cast.poppy.name).get_by_label("Present")
        ).to_be_checked()
        page.get_by_role("button", name="Save register").click()
        expect(page.get_by_role("status")).to_contain_text("Hawthorn AM register saved.")
        # Forgotten by the script at the foot of the page, once it has loaded
        # (polled from here: the page's CSP refuses Playwright's wait_for_function).
        deadline = time.monotonic() + 5
        while page.evaluate(f"localStorage.getItem({key!r})") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert page.evaluate(f"localStorage.getItem({key!r})") is None
    took = time.monotonic() - started
    codes = dict(Mark.objects.filter(session="AM").values_list("pupil_id", "code"))
    assert codes == {cast.poppy.id: "/", absent.id: "N"}
    assert took < 30, f"took {took:.1f} s"
