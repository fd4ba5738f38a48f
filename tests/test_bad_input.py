"""Bad input is a clear answer, never a server error: every URL, as someone
who gets in, with malformed values in every parameter the pages read.

The values are the ones a security review found 500s with (`?pupil=abc`,
`report=abc`, a NUL in a search) and their relatives: a number too large for
the database, an impossible date, a very long value.
"""

import pytest
from django.test import Client

from absences import services as absence_services
from tests.registers.conftest import london
from tests.test_permission_matrix import (  # noqa: F401  (world is a fixture)
    ROWS,
    signed_in_personas,
    world,
)

pytestmark = pytest.mark.django_db

HOSTILE = ["abc", "1\x00", "99999999999999999999", "2026-02-30", "-1", "x" * 3000]
PARAMS = [
    "pupil", "report", "mark", "task", "notice", "parent", "q", "date", "day", "from", "to",
    "term", "group", "by", "value", "year", "week", "start", "session", "code", "action",
    "reason", "minutes_late", "arrived_at", "issued_on", "paid_on", "amount", "kind",
    "granted_dates", "purpose", "first_day", "last_day", "contact", "next",
]  # fmt: skip
# Who tries each page: the first persona of this order who gets in.
ORDER = ["head", "office", "attendance officer", "admin", "teacher", "governor"]


def test_no_malformed_value_makes_a_server_error(cast, world, time_machine):  # noqa: F811
    time_machine.move_to(london(10, 30))
    users = signed_in_personas(cast)
    client = Client(raise_request_exception=False)
    errors, requests = [], 0
    tried = set()
    for row in ROWS:
        # Each URL once by method: the hostile values stand in for a row's own data.
        if (row.name, row.method) in tried:
            continue
        tried.add((row.name, row.method))
        who = next((p for p in ORDER if p in row.allowed), None)
        parent = "parent link" in row.allowed and who is None
        if who is None and not parent:
            continue
        client.logout()
        if who:
            client.force_login(users[who])
        url = row.url(world)
        if url.startswith("/p/"):
            _, token = absence_services.create_parent_link(
                world.parent, by=None, now=london(10, 30)
            )
            url = url.replace(world.token, token)
        for value in HOSTILE:
            data = dict.fromkeys(PARAMS, value)
            data |= {f"code_{cast.poppy.id}": value, f"v_{cast.poppy.id}": value}
            response = client.get(url, data) if row.method == "GET" else client.post(url, data)
            requests += 1
            # /healthz answers 503 when the system is not healthy (in this
            # world no worker has sent a heartbeat): its answer, not a fault.
            unhealthy = (
                row.name == "reporting:healthz" and response["Content-Type"] == "application/json"
            )
            if response.status_code >= 500 and not unhealthy:
                errors.append(f"{row} as {who or 'parent'} with {value[:12]!r}")
    assert not errors, "\n".join(errors)
    assert requests > 400
