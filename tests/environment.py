"""Loaded by pytest before Django starts (see addopts in pyproject.toml).

The suite runs with development settings whatever the shell exports, so a
plain `pytest` behaves like `make test`.
"""

import hashlib
import os
from pathlib import Path

os.environ["DEBUG"] = "true"
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
os.environ["EMAIL_URL"] = "consolemail://"
# The test database is made and migrated by the owner role; tests/conftest.py
# then runs the tests as the application role, as the web process runs.
os.environ["DATABASE_AS_OWNER"] = "true"
# Two checkouts testing at once on one machine (a clean clone in CI beside a
# working copy) must not share a test database or a job queue: both are named
# after the checkout. Redis databases 8-15, so a `make run` worker on 0 never
# takes a test's job.
_checkout = int(hashlib.sha1(str(Path(__file__).resolve().parent.parent).encode()).hexdigest(), 16)
os.environ.setdefault("TEST_DATABASE_NAME", f"test_rollcall_{_checkout % 16**8:08x}")
os.environ["REDIS_URL"] = os.environ.get(
    "TEST_REDIS_URL", f"redis://127.0.0.1:6379/{8 + _checkout % 8}"
)
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
