"""Backups: one archive a run, the database and the private media together.

`manage.py backup` writes `rollcall-20261203T020000Z.tar` (UTC) into
settings.BACKUP_DIR and deletes archives older than settings.BACKUP_KEEP_DAYS.
An archive holds every pupil's records, so it is written readable by its owner
only (mode 0600). Inside:

- `manifest.json`: when it was made, from which database, by which pg_dump,
  and each app's latest migration;
- `database.dump`: `pg_dump --format=custom` run as the database's owner role,
  so the dump has every table, trigger and function, history included;
- `private/...`: the private media folder (settings.MEDIA_ROOT: evidence and
  letters), as it was just after the dump.

`manage.py restore FILE` puts both back. It refuses a database that already
has tables, and a media folder that already has files, unless given --force;
restoring into a new database name is how a backup is tried out (README).
Owners and grants are not taken from the dump: the tables belong to whoever
restores (the owner role) and the application role is given its row grants
by `db_roles.grant_on`, the one place they are written, as after every
migrate. A server whose roles differ from the backed-up one restores the same.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from psycopg import sql

from .db_roles import grant_on
from .errors import RuleError

NAME = re.compile(r"^rollcall-(\d{8}T\d{6}Z)\.tar$")
STAMP = "%Y%m%dT%H%M%SZ"
MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "private"


@dataclass(frozen=True)
class Backup:
    path: Path
    bytes: int
    seconds: float
    media_files: int
    removed: list[Path]


@dataclass(frozen=True)
class Restored:
    taken_at: str
    database: str
    created: bool
    media_root: Path | None
    media_files: int
    seconds: float


def archive_name(now: dt.datetime) -> str:
    return f"rollcall-{now.astimezone(dt.UTC):{STAMP}}.tar"


def taken_at(path: Path) -> dt.datetime | None:
    """When the archive was made, from its name (not its mtime, which a copy resets)."""
    match = NAME.match(path.name)
    if not match:
        return None
    return dt.datetime.strptime(match[1], STAMP).replace(tzinfo=dt.UTC)


def archives(directory: Path) -> list[Path]:
    """The archives in `directory`, oldest first."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and taken_at(p))


def next_run(now: dt.datetime, at: dt.time) -> dt.datetime:
    """The next `at` o'clock in Rollcall's time zone strictly after `now`."""
    zone = timezone.get_default_timezone()
    day = now.astimezone(zone).date()
    candidate = dt.datetime.combine(day, at, zone)
    if candidate <= now:
        candidate = dt.datetime.combine(day + dt.timedelta(days=1), at, zone)
    return candidate


def make_backup(
    now: dt.datetime,
    directory: Path | None = None,
    keep_days: int | None = None,
    using: str = "default",
) -> Backup:
    """Write one archive of the database and the private media, then prune.

    The dump comes first and the files after it: a file is saved before the
    row that names it is committed, so every file the dump names is on disk
    by the time the folder is read.
    """
    directory = Path(directory or settings.BACKUP_DIR)
    keep_days = settings.BACKUP_KEEP_DAYS if keep_days is None else keep_days
    params = _as_owner(using)
    started = time.monotonic()
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / archive_name(now)
    if final.exists():
        raise RuleError(f"{final} already exists: one backup a second at most.")
    old_umask = os.umask(0o077)
    try:
        with tempfile.TemporaryDirectory(dir=directory, prefix=".partial-") as work:
            dump = Path(work) / DUMP
            pg_dump = binary("pg_dump", at_least=_server_major(params))
            _run([pg_dump, "--format=custom", f"--file={dump}"], params)
            manifest = {
                "taken_at": now.astimezone(dt.UTC).isoformat(),
                "database": params["dbname"],
                "pg_dump": _version(pg_dump),
                "migrations": _latest_migrations(using),
            }
            (Path(work) / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
            partial = Path(work) / final.name
            media_files = 0
            with tarfile.open(partial, "w") as tar:
                tar.add(Path(work) / MANIFEST, arcname=MANIFEST)
                tar.add(dump, arcname=DUMP)
                media = Path(settings.MEDIA_ROOT)
                if media.is_dir():
                    tar.add(media, arcname=MEDIA)
                    media_files = sum(1 for p in media.rglob("*") if p.is_file())
            os.replace(partial, final)
    finally:
        os.umask(old_umask)
    removed = prune(directory, keep_days, now, keep=final)
    return Backup(
        path=final,
        bytes=final.stat().st_size,
        seconds=time.monotonic() - started,
        media_files=media_files,
        removed=removed,
    )


def prune(
    directory: Path, keep_days: int, now: dt.datetime, keep: Path | None = None
) -> list[Path]:
    """Delete archives made more than `keep_days` days before `now` (0 keeps all)."""
    if keep_days <= 0:
        return []
    cutoff = now - dt.timedelta(days=keep_days)
    removed = []
    for path in archives(directory):
        if path != keep and taken_at(path) < cutoff:
            path.unlink()
            removed.append(path)
    return removed


def read_manifest(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        member = tar.extractfile(MANIFEST)
        if member is None:
            raise RuleError(f"{archive} is not a Rollcall backup: it has no {MANIFEST}.")
        return json.load(member)


def restore_backup(
    archive: Path,
    database: str | None = None,
    media_root: Path | None = None,
    restore_media: bool = True,
    force: bool = False,
    using: str = "default",
) -> Restored:
    """Restore an archive into `database` (the configured one by default).

    Everything is checked before anything changes: a database with tables
    or a media folder with files is refused unless `force`. The database is
    restored in one transaction, so a failed restore leaves it as it was.
    """
    started = time.monotonic()
    archive = Path(archive)
    if not archive.is_file():
        raise RuleError(f"No backup at {archive}.")
    manifest = read_manifest(archive)
    params = _as_owner(using)
    database = database or params["dbname"]
    media_root = Path(media_root or settings.MEDIA_ROOT) if restore_media else None

    exists = _database_exists(params, database)
    has_tables = exists and _has_tables({**params, "dbname": database})
    if has_tables and not force:
        raise RuleError(
            f"Database {database!r} already has tables: restore into a new database "
            "(--database NAME), or pass --force to replace what is in it."
        )
    if media_root and media_root.is_dir() and any(media_root.iterdir()) and not force:
        raise RuleError(
            f"The media folder {media_root} is not empty: restore the files elsewhere "
            "(--media-root PATH), leave them out (--no-media), or pass --force."
        )
    server = _server_major(params)
    pg_restore, psql = binary("pg_restore", at_least=server), binary("psql", at_least=server)

    if not exists:
        _create_database(params, database)
    with tempfile.TemporaryDirectory(prefix="rollcall-restore-") as work:
        with tarfile.open(archive) as tar:
            tar.extract(DUMP, work, filter="data")
        # pg_restore writes the script and psql runs it in one transaction,
        # after emptying the schema when --force replaces what was there:
        # tables a newer version added go too, so a later migrate finds the
        # database exactly as the backup's version left it.
        empty_first = "DROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n"
        _run_script(
            [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(Path(work) / DUMP)],
            [psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--file=-"],
            empty_first if has_tables else "",
            {**params, "dbname": database},
        )

    with _connect({**params, "dbname": database}) as conn, conn.cursor() as cursor:
        grant_on(cursor, database, settings.DATABASE_APP_ROLE)

    media_files = 0
    if media_root:
        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            members = []
            for member in tar.getmembers():
                if member.name.startswith(f"{MEDIA}/") and not member.isdir():
                    member.name = member.name.removeprefix(f"{MEDIA}/")
                    members.append(member)
            tar.extractall(media_root, members=members, filter="data")
            media_files = sum(1 for m in members if m.isfile())
    return Restored(
        taken_at=manifest["taken_at"],
        database=database,
        created=not exists,
        media_root=media_root,
        media_files=media_files,
        seconds=time.monotonic() - started,
    )


def binary(name: str, at_least: int) -> str:
    """pg_dump or pg_restore from PATH (or PG_BIN_DIR), no older than the server.

    pg_dump refuses a server newer than itself; Debian keeps one client per
    major version under /usr/lib/postgresql/<version>/bin.
    """
    candidates = []
    if os.environ.get("PG_BIN_DIR"):
        candidates.append(str(Path(os.environ["PG_BIN_DIR"]) / name))
    if found := shutil.which(name):
        candidates.append(found)
    candidates += sorted(
        (str(p) for p in Path("/usr/lib/postgresql").glob(f"*/bin/{name}")),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
        reverse=True,
    )
    for candidate in candidates:
        if os.access(candidate, os.X_OK) and _major(_version(candidate)) >= at_least:
            return candidate
    raise RuleError(
        f"No {name} of PostgreSQL {at_least} or later: install postgresql-client-{at_least} "
        "or set PG_BIN_DIR to its bin folder."
    )


def _version(program: str) -> str:
    out = subprocess.run([program, "--version"], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def _major(version: str) -> int:
    match = re.search(r"\) (\d+)", version) or re.search(r"(\d+)", version)
    return int(match[1]) if match else 0


def _as_owner(using: str) -> dict[str, str]:
    """libpq parameters for the connection `using`, which must be the owner's.

    The application role may read rows but not every object a restore needs
    to recreate, and may not restore; both run as the owner, as migrate does.
    """
    s = connections[using].settings_dict
    if s["USER"] == settings.DATABASE_APP_ROLE:
        raise RuleError(
            "Backups and restores run as the database's owner role: "
            "set DATABASE_AS_OWNER=true (and DATABASE_OWNER_URL)."
        )
    params = {
        "host": s["HOST"] or "",
        "port": str(s["PORT"] or ""),
        "user": s["USER"] or "",
        "password": s["PASSWORD"] or "",
        "dbname": s["NAME"],
    }
    if sslmode := s["OPTIONS"].get("sslmode"):
        params["sslmode"] = sslmode
    return params


def _run(command: list[str], params: dict[str, str]) -> None:
    # Connection details go through the environment, so a password never
    # shows in the process list.
    result = subprocess.run(command, env=_libpq_env(params), capture_output=True, text=True)
    if result.returncode != 0:
        raise RuleError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def _libpq_env(params: dict[str, str]) -> dict[str, str]:
    names = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD"}
    names |= {"dbname": "PGDATABASE", "sslmode": "PGSSLMODE"}
    return {**os.environ, **{names[k]: v for k, v in params.items() if v}}


def _run_script(script: list[str], psql: list[str], first: str, params: dict[str, str]) -> None:
    """Run the SQL that `script` writes through `psql`, in one transaction.

    COMMIT is sent only once `script` has ended well: a pg_restore that
    stops half-way (a truncated archive) must not commit the half it wrote,
    and a psql that stops at an error closes its connection, which rolls
    everything back.
    """
    env = _libpq_env(params)
    with tempfile.TemporaryFile() as script_errors, tempfile.TemporaryFile() as psql_errors:
        consumer = subprocess.Popen(
            psql, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_errors, env=env
        )
        producer = subprocess.Popen(script, stdout=subprocess.PIPE, stderr=script_errors, env=env)
        try:
            consumer.stdin.write(f"SET client_min_messages = warning;\nBEGIN;\n{first}".encode())
            while chunk := producer.stdout.read(1 << 20):
                consumer.stdin.write(chunk)
            if producer.wait() == 0:
                consumer.stdin.write(b"COMMIT;\n")
            consumer.stdin.close()
        except BrokenPipeError:
            pass  # psql stopped at an error, reported below
        finally:
            producer.stdout.close()
            producer.wait()
            consumer.wait()
        # psql first: when it stops at an error, pg_restore fails only for
        # want of a reader.
        for process, errors in ((consumer, psql_errors), (producer, script_errors)):
            if process.returncode != 0:
                errors.seek(0)
                message = errors.read().decode(errors="replace").strip()
                raise RuleError(f"{Path(process.args[0]).name} failed: {message}")


def _connect(params: dict[str, str], **kwargs) -> psycopg.Connection:
    return psycopg.connect(**{k: v for k, v in params.items() if v}, **kwargs)


def _server_major(params: dict[str, str]) -> int:
    with _connect(params) as conn:
        return conn.info.server_version // 10000


def _database_exists(params: dict[str, str], name: str) -> bool:
    with _connect({**params, "dbname": "postgres"}) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        return row is not None


def _has_tables(params: dict[str, str]) -> bool:
    with _connect(params) as conn:
        row = conn.execute(
            "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') LIMIT 1"
        ).fetchone()
        return row is not None


def _create_database(params: dict[str, str], name: str) -> None:
    """A new database owned by the owner role, closed to other roles as
    deploy/postgres-roles.sh closes the first one.

    Made by the owner when it may create databases (as on a development
    machine), else through POSTGRES_ADMIN_URL (PostgreSQL's superuser).
    """
    owner = sql.Identifier(params["user"])
    db = sql.Identifier(name)
    admin_url = os.environ.get("POSTGRES_ADMIN_URL")
    try:
        if admin_url:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(db, owner))
        else:
            with _connect({**params, "dbname": "postgres"}, autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(db))
    except psycopg.errors.InsufficientPrivilege as exc:
        raise RuleError(
            f"The owner role may not create databases: create {name!r} first "
            f"(CREATE DATABASE {name} OWNER {params['user']}), or set POSTGRES_ADMIN_URL."
        ) from exc
    with _connect({**params, "dbname": name}, autocommit=True) as conn:
        conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db))


def _latest_migrations(using: str) -> dict[str, str]:
    latest: dict[str, str] = {}
    recorder = MigrationRecorder(connections[using])
    for app, name in recorder.migration_qs.order_by("app", "name").values_list("app", "name"):
        latest[app] = name
    return latest
