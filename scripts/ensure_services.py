"""Check PostgreSQL and Redis are reachable; set up the database and its roles.

Run by `make run` and `make test` before Django starts, so a missing server
gives one clear message instead of a stack trace. On a development machine
(PostgreSQL's own superuser reachable, as on Debian with trust auth) it makes
the two roles Rollcall runs with: the owner (`rollcall`: owns the database
and its tables, runs migrations; may create the test database) and the
application role (`rollcall_app`: owns nothing; migrations grant it rows).
A database made before the roles existed is handed to the owner.
"""

import os
import sys
from urllib.parse import urlparse

import psycopg
import redis
from psycopg import sql

DEFAULT_DB = "postgres://rollcall_app@127.0.0.1:5432/rollcall"
DEFAULT_OWNER_DB = "postgres://rollcall@127.0.0.1:5432/rollcall"
DEFAULT_ADMIN_DB = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def fail(message: str) -> None:
    print(f"\n  Rollcall cannot start: {message}\n", file=sys.stderr)
    sys.exit(1)


def ensure_database(app_url: str, owner_url: str, admin_url: str) -> None:
    app, owner = urlparse(app_url), urlparse(owner_url)
    names = [owner.path.lstrip("/")]
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            for role, options in ((owner.username, "CREATEDB"), (app.username, "")):
                if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                    conn.execute(
                        sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEROLE {}").format(
                            sql.Identifier(role), sql.SQL(options)
                        )
                    )
                    print(f"Created database role {role!r}.")
            # Test databases an earlier run made as another role, so the owner can drop them.
            names += [
                name
                for (name,) in conn.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE %s", [f"test_{names[0]}%"]
                )
            ]
            for name in names:
                row = conn.execute(
                    "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [name]
                ).fetchone()
                if row is None and name == names[0]:
                    conn.execute(
                        sql.SQL("CREATE DATABASE {} OWNER {}").format(
                            sql.Identifier(name), sql.Identifier(owner.username)
                        )
                    )
                    print(f"Created database {name!r}.")
                elif row is not None and row[0] != owner.username:
                    hand_over(admin_url, name, owner.username)
    except psycopg.OperationalError as exc:
        fail(
            f"no PostgreSQL server at {owner.hostname}:{owner.port or 5432} ({exc}).\n"
            "  Install and start it (Debian: apt-get install postgresql; "
            "pg_ctlcluster <version> main start), or set DATABASE_URL, DATABASE_OWNER_URL "
            "and POSTGRES_ADMIN_URL."
        )


def hand_over(admin_url: str, name: str, owner: str) -> None:
    """Give a database made by another role (an earlier Rollcall) to the owner role."""
    o = sql.Identifier(owner)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(name), o))
    url = urlparse(admin_url)._replace(path=f"/{name}").geturl()
    with psycopg.connect(url, autocommit=True) as conn:
        objects = conn.execute(
            """
            SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                                  WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
                   c.relname
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v', 'm')
              AND pg_get_userbyid(c.relowner) <> %s
              AND NOT (c.relkind = 'S' AND EXISTS (
                  SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
            """,
            [owner],
        ).fetchall()
        for kind, relname in objects:
            conn.execute(
                sql.SQL("ALTER {} {} OWNER TO {}").format(sql.SQL(kind), sql.Identifier(relname), o)
            )
        functions = conn.execute(
            """
            SELECT p.oid::regprocedure::text FROM pg_proc p
            JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> %s
            """,
            [owner],
        ).fetchall()
        for (signature,) in functions:
            conn.execute(sql.SQL("ALTER FUNCTION {} OWNER TO {}").format(sql.SQL(signature), o))
    print(f"Database {name!r} now belongs to the owner role {owner!r}.")


def ensure_redis(url: str) -> None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        fail(
            f"no Redis server at {url} ({exc}).\n"
            "  Install and start it (Debian: apt-get install redis-server; "
            "redis-server --daemonize yes), or set REDIS_URL."
        )


if __name__ == "__main__":
    ensure_database(
        os.environ.get("DATABASE_URL", DEFAULT_DB),
        os.environ.get("DATABASE_OWNER_URL", DEFAULT_OWNER_DB),
        os.environ.get("POSTGRES_ADMIN_URL", DEFAULT_ADMIN_DB),
    )
    if "--no-redis" not in sys.argv:
        ensure_redis(os.environ.get("REDIS_URL", DEFAULT_REDIS))
