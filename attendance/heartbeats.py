"""When each background job last ran, kept in Redis where the web process can see it.

The worker and beat are separate processes (often separate containers), so
the web process cannot ask them directly whether they are alive. Each job
that matters records the moment it finished here; the health checks
(`reporting/health.py`) read it back. Redis, not the database: a heartbeat
every minute is no record worth keeping, and the check must still answer
when the database is the thing that is down.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import redis
from django.conf import settings

HEARTBEAT = "heartbeat"
FIRST_DAY_CALLING = "first-day-calling"

# Long enough to look back over a whole school day from the next morning.
KEEP = dt.timedelta(hours=36)


@cache
def _redis(url: str) -> redis.Redis:
    # Short timeouts: a health check that hangs is worse than one that fails.
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def connection() -> redis.Redis:
    return _redis(settings.REDIS_URL)


def _key(job: str) -> str:
    return f"rollcall:ran:{job}"


def record(job: str, now: dt.datetime) -> None:
    """Note that `job` ran at `now` (and forget runs older than KEEP)."""
    key = _key(job)
    with connection().pipeline() as pipe:
        pipe.zadd(key, {now.isoformat(): now.timestamp()})
        pipe.zremrangebyscore(key, "-inf", (now - KEEP).timestamp())
        pipe.expire(key, KEEP)
        pipe.execute()


def last_run(job: str) -> dt.datetime | None:
    runs = connection().zrange(_key(job), -1, -1, withscores=True)
    return dt.datetime.fromtimestamp(runs[0][1], dt.UTC) if runs else None


def ran_between(job: str, start: dt.datetime, end: dt.datetime) -> bool:
    """Whether `job` ran at least once from `start` up to (not including) `end`."""
    return bool(connection().zcount(_key(job), start.timestamp(), f"({end.timestamp()}"))


def forget(job: str) -> None:
    connection().delete(_key(job))
