"""Loaded by pytest before Django starts (see addopts in pyproject.toml).

The suite runs with development settings whatever the shell exports, so a
plain `pytest` behaves like `make test`.
"""

import os

os.environ["DEBUG"] = "true"
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
os.environ["EMAIL_URL"] = "consolemail://"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
