"""The edges: headers on every response, idle sign-out, the size of what is
sent, marks for days that have not happened, forms that cannot be read."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from attendance.imports import import_pupils
from attendance.models import Pupil
from registers.models import Mark
from registers.services import MarkError, write_mark
from tests.attendance.test_imports import HEADER, row, year_of
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db


def test_every_page_forbids_inline_script_and_caching(client, cast):
    client.force_login(cast.helen)
    for url in [
        "/login/",
        reverse("absences:authorisation_queue"),
        reverse("attendance:pupil_detail", args=[cast.poppy.id]),
    ]:
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert "camera=()" in response["Permissions-Policy"]
        assert response["Cache-Control"] == "no-store"


def test_downloads_with_pupils_are_not_cached(client, cast):
    client.force_login(cast.helen)
    response = client.get(reverse("reporting:marks_export"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_staff_are_signed_out_after_half_an_hour_without_a_request(client, cast, time_machine):
    time_machine.move_to(london(8, 50))
    client.force_login(cast.alice)
    assert client.get(reverse("registers:my_registers")).status_code == 200
    time_machine.move_to(london(9, 15))  # 25 minutes: still signed in
    assert client.get(reverse("registers:my_registers")).status_code == 200
    time_machine.move_to(london(9, 46))  # 31 minutes since the last request
    response = client.post(
        reverse("registers:register", args=[cast.hawthorn.id, DAY.isoformat(), "AM"])
    )
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    page = client.get(response["Location"]).content.decode()
    assert "signed out after 30 minutes" in page and "was not saved" in page
    assert not Mark.objects.exists()
    # Signed out for good: the next page asks for the password again.
    assert client.get(reverse("registers:my_registers"))["Location"].startswith("/login/")


def test_a_body_past_the_limit_is_refused_before_it_is_read(client, cast, settings):
    settings.MAX_REQUEST_BYTES = 1024
    client.force_login(cast.olive)
    response = client.post(reverse("absences:log_report"), {"notes": "x" * 5000})
    assert response.status_code == 413
    assert "Nothing was saved" in response.content.decode()


def test_a_mark_for_a_day_that_has_not_happened_is_refused(cast):
    tomorrow = DAY + dt.timedelta(days=1)
    with pytest.raises(MarkError, match="has not happened yet"):
        write_mark(cast.poppy, tomorrow, "AM", "I", by=cast.helen, now=london(10), source="office")
    assert not Mark.objects.exists()


def test_the_amendment_page_refuses_a_future_mark_with_a_message(client, cast, time_machine):
    time_machine.move_to(london(10))
    client.force_login(cast.helen)
    tomorrow = (DAY + dt.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("registers:mark_detail", args=[cast.poppy.id, tomorrow, "AM"]),
        {"code": "I", "reason": "Mum phoned ahead"},
    )
    assert response.status_code in (400, 404)
    assert not Mark.objects.exists()


@pytest.mark.parametrize("key", ["code_abc", "code_", "code_12x", "v_abc", "code_١٢"])
def test_a_register_form_that_cannot_be_read_saves_nothing_and_says_so(
    client, cast, time_machine, key
):
    time_machine.move_to(london(8, 55))
    client.force_login(cast.alice)
    url = reverse("registers:register", args=[cast.hawthorn.id, DAY.isoformat(), "AM"])
    response = client.post(url, {f"code_{cast.poppy.id}": "/", key: "/"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "cannot read" in text and "Nothing was saved" in text
    assert not Mark.objects.exists()


def test_a_nul_in_a_search_box_finds_nothing_rather_than_failing(client, cast):
    client.force_login(cast.olive)
    for name in ("registers:late_book", "absences:log_report"):
        response = client.get(reverse(name), {"q": "Pop\x00py"})
        assert response.status_code == 200


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("Ada\x00", "contains a NUL character"),
        ("A" * 2000, "is 2,000 characters long (at most 1,000)"),
        ("A" * (1024 * 1024), "cannot be read as CSV"),
    ],
    ids=["NUL", "2,000 characters", "1 MB"],
)
def test_an_import_with_a_nul_or_a_huge_field_names_the_row(cast, value, reason):
    before = Pupil.objects.count()
    data = HEADER + row(601) + row(602, first=value)
    result = import_pupils(cast.school, data, year_of(cast))
    assert not result.ok
    assert any(line.startswith("Row 3: ") and reason in line for line in result.error_lines())
    assert Pupil.objects.count() == before


def test_no_template_carries_inline_script():
    """The CSP refuses inline script: a page that needs it would silently break."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    found = []
    paths = [*root.glob("templates/**/*.html"), *root.glob("*/templates/**/*.html")]
    assert len(paths) > 50
    for path in paths:
        if ".venv" in path.parts or "letters" in path.parts:
            continue
        text = path.read_text()
        inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", text)
        handlers = re.findall(r"\son[a-z]+\s*=", text)
        if inline or handlers or "javascript:" in text:
            found.append(str(path.relative_to(root)))
    assert not found


def test_the_self_contained_error_page_keeps_its_style_under_the_policy():
    import base64
    import hashlib

    from django.test import RequestFactory
    from django.views.defaults import server_error

    from attendance.middleware import content_security_policy

    html = server_error(RequestFactory().get("/")).content.decode()
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in content_security_policy()


def test_templates_are_compiled_once_per_process():
    """Production renders from the cached loader: a page's templates are
    parsed once, not on every request."""
    from django.template import engines
    from django.template.loaders.cached import Loader

    assert isinstance(engines["django"].engine.template_loaders[0], Loader)
