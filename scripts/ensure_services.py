"""Check PostgreSQL and Redis are reachable; create the database if missing.

Run by `make run` and `make test` before Django starts, so a missing server
gives one clear message instead of a stack trace.
"""

import os
import sys
from urllib.parse import urlparse

import psycopg
import redis
from psycopg import sql

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/rollcall"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def fail(message: str) -> None:
    print(f"\n  Rollcall cannot start: {message}\n", file=sys.stderr)
    sys.exit(1)


def ensure_database(url: str) -> None:
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"Created database {name!r}.")
    except psycopg.OperationalError as exc:
        fail(
            f"no PostgreSQL server at {parts.hostname}:{parts.port or 5432} ({exc}).\n"
            "  Install and start it (Debian: apt-get install postgresql; "
            "pg_ctlcluster <version> main start), or set DATABASE_URL."
        )


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
    ensure_database(os.environ.get("DATABASE_URL", DEFAULT_DB))
    if "--no-redis" not in sys.argv:
        ensure_redis(os.environ.get("REDIS_URL", DEFAULT_REDIS))
