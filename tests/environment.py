"""Loaded by pytest before Django starts (see addopts in pyproject.toml).

The suite runs with development settings whatever the shell exports, so a
plain `pytest` behaves like `make test`.
"""

import os

os.environ["DEBUG"] = "true"
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
os.environ["EMAIL_URL"] = "consolemail://"
# A Redis database of its own, so a `make run` worker never takes a test's job.
os.environ["REDIS_URL"] = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
