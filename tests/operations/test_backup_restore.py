"""A backup of the demo school restores into a new database with the same
marks, the same history and the same files, and the application role can
work in it as it works in the original (README, "Backups and restore")."""

import datetime as dt
import hashlib
import io
import tarfile
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from psycopg import sql

from attendance import backups
from attendance.db_roles import REVOKED
from attendance.demo import seed_demo
from attendance.errors import RuleError

LONDON = timezone.get_default_timezone()


def _connect(name: str, user: str | None = None, **kwargs) -> psycopg.Connection:
    s = connection.settings_dict
    params = {
        "host": s["HOST"],
        "port": s["PORT"],
        "user": user or s["USER"],
        "password": s["PASSWORD"],
        "dbname": name,
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v}, **kwargs)


def _drop(name: str) -> None:
    with _connect("postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def _what_it_holds(name: str) -> dict:
    """Every table's row count, and checksums of the register and its history."""
    with _connect(name) as conn:
        tables = [
            t
            for (t,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        held = {
            t: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))
            ).fetchone()[0]
            for t in tables
        }
        held["marks"] = conn.execute(
            "SELECT md5(string_agg(concat_ws(',', pupil_id, date, session, code), ';'"
            " ORDER BY pupil_id, date, session)) FROM registers_mark"
        ).fetchone()[0]
        for history in REVOKED:
            held[f"{history} checksum"] = conn.execute(
                sql.SQL("SELECT md5(string_agg(h::text, ';' ORDER BY h::text)) FROM {} h").format(
                    sql.Identifier(history)
                )
            ).fetchone()[0]
    return held


def _files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


@pytest.mark.django_db(transaction=True)
def test_a_backup_of_the_demo_restores_into_a_new_database(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "private"
    evidence = settings.MEDIA_ROOT / "evidence" / "2026" / "11"
    evidence.mkdir(parents=True)
    (evidence / "3f2a.pdf").write_bytes(b"%PDF-1.7 hospital letter\n" * 100)
    (settings.MEDIA_ROOT / "letters" / "nti").mkdir(parents=True)
    (settings.MEDIA_ROOT / "letters" / "nti" / "notice.pdf").write_bytes(b"%PDF-1.7 notice\n")
    seed_demo()
    original = connection.settings_dict["NAME"]
    restored = f"{original}_restored"
    _drop(restored)  # a run stopped half-way leaves it behind

    made = backups.make_backup(timezone.now(), directory=tmp_path / "backups")
    try:
        back = backups.restore_backup(
            made.path, database=restored, media_root=tmp_path / "restored-media"
        )
        assert back.created and back.media_files == len(_files(settings.MEDIA_ROOT)) >= 2

        before, after = _what_it_holds(original), _what_it_holds(restored)
        assert before["registers_mark"] > 1000 and before["registers_markchange"] > 1000
        assert after == before
        assert _files(tmp_path / "restored-media") == _files(settings.MEDIA_ROOT)

        # The application role was given its grants again: rows yes, history no.
        with _connect(restored, user=settings.DATABASE_APP_ROLE) as conn:
            assert conn.execute("SELECT count(*) FROM registers_mark").fetchone()[0] > 1000
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("DELETE FROM registers_markchange")

        # A database with tables in it is not overwritten without --force.
        with pytest.raises(RuleError, match="already has tables"):
            backups.restore_backup(made.path, database=restored, restore_media=False)
        # A broken archive changes nothing, even with --force.
        broken = tmp_path / "broken.tar"
        with tarfile.open(made.path) as good, tarfile.open(broken, "w") as bad:
            bad.addfile(good.getmember("manifest.json"), good.extractfile("manifest.json"))
            dump = good.getmember("database.dump")
            half = good.extractfile(dump).read()[: dump.size // 2]
            dump.size = len(half)
            bad.addfile(dump, io.BytesIO(half))
        with pytest.raises(RuleError, match="(psql|pg_restore) failed"):
            backups.restore_backup(broken, database=restored, restore_media=False, force=True)
        assert _what_it_holds(restored) == before

        # With --force everything in it is replaced, tables the backup lacks too.
        with _connect(restored, autocommit=True) as conn:
            conn.execute("CREATE TABLE from_a_newer_version (id int)")
            conn.execute("DELETE FROM absences_followuptask")
            conn.execute("UPDATE attendance_school SET name = 'Not the backup'")
        backups.restore_backup(made.path, database=restored, restore_media=False, force=True)
        assert _what_it_holds(restored) == before
        with _connect(restored) as conn:
            assert conn.execute("SELECT name FROM attendance_school").fetchone() == (
                "Oakfield Primary School",
            )
    finally:
        _drop(restored)


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_media_folder_with_files(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "private"
    made = backups.make_backup(timezone.now(), directory=tmp_path)
    (tmp_path / "live").mkdir()
    (tmp_path / "live" / "letter.pdf").write_bytes(b"%PDF")

    with pytest.raises(RuleError, match="media folder"):
        backups.restore_backup(made.path, database="never_made", media_root=tmp_path / "live")


@pytest.mark.django_db
def test_the_application_role_cannot_back_up(tmp_path, settings):
    # Whichever role this test connects as, it is taken for the application's.
    settings.DATABASE_APP_ROLE = connection.settings_dict["USER"]
    with pytest.raises(RuleError, match="owner role"):
        backups.make_backup(timezone.now(), directory=tmp_path)


def test_archives_older_than_the_kept_days_are_deleted(tmp_path):
    now = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)
    for days in (0, 29, 31, 90):
        (tmp_path / backups.archive_name(now - dt.timedelta(days=days))).touch()
    (tmp_path / "notes.txt").touch()

    removed = backups.prune(tmp_path, keep_days=30, now=now)

    assert sorted(p.name for p in removed) == [
        "rollcall-20260904T020000Z.tar",
        "rollcall-20261102T020000Z.tar",
    ]
    assert len(backups.archives(tmp_path)) == 2 and (tmp_path / "notes.txt").exists()
    assert backups.prune(tmp_path, keep_days=0, now=now + dt.timedelta(days=999)) == []


def test_the_nightly_backup_runs_at_the_school_clock_time_across_the_clocks_change():
    at = dt.time(2, 0)
    # Saturday 24 October 2026, 03:00 BST: the next 02:00 is Sunday's, in GMT.
    now = dt.datetime(2026, 10, 24, 3, 0, tzinfo=LONDON)
    assert backups.next_run(now, at) == dt.datetime(2026, 10, 25, 2, 0, tzinfo=LONDON)
    assert backups.next_run(now, at).utcoffset() == dt.timedelta(0)
    before = dt.datetime(2026, 10, 24, 1, 59, tzinfo=LONDON)
    assert backups.next_run(before, at) == dt.datetime(2026, 10, 24, 2, 0, tzinfo=LONDON)


def test_the_command_says_what_it_needs(tmp_path):
    with pytest.raises(Exception, match="No backup at"):
        call_command("restore", str(tmp_path / "missing.tar"))
