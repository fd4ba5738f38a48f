"""The database out of reach: Rollcall's own 503 page, saying nothing was saved."""

import base64
import hashlib
import re

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory

from attendance.error_pages import server_error
from attendance.middleware import content_security_policy


def answer_while_raising(exc, path="/registers/1/2026-11-26/AM/"):
    try:
        raise exc
    except Exception:
        return server_error(RequestFactory().post(path))


@pytest.mark.parametrize(
    "exc",
    [
        OperationalError("connection to server at 127.0.0.1, port 5432 failed"),
        InterfaceError("connection already closed"),
    ],
    ids=["refused", "closed"],
)
def test_it_says_the_marks_were_not_saved_and_to_try_again(exc):
    response = answer_while_raising(exc)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    page = response.content.decode()
    assert "the marks were not saved" in page
    assert "try again in a minute" in page
    assert 'href="/registers/1/2026-11-26/AM/"' in page


def test_any_other_fault_is_the_500_page():
    response = answer_while_raising(ValueError("a bug"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


@pytest.mark.django_db
def test_it_renders_without_the_database(django_assert_max_num_queries):
    # No context processors: they would read the session and roles from the
    # database that is down.
    with django_assert_max_num_queries(0):
        answer_while_raising(OperationalError("gone"))


def test_its_style_is_the_one_the_policy_allows():
    html = answer_while_raising(OperationalError("gone")).content.decode()
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in content_security_policy()
