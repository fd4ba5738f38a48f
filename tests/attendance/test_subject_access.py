"""A subject access request: everything held about one pupil in one ZIP,
with an index a parent can read."""

import csv
import io
import zipfile

import pytest
from django.urls import reverse

from tests.registers.conftest import london
from tests.test_permission_matrix import world  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_head_downloads_everything_held_about_a_pupil(client, cast, world, time_machine):  # noqa: F811
    time_machine.move_to(london(10, 30))
    client.force_login(cast.arthur)
    client.get(reverse("attendance:pupil_detail", args=[cast.poppy.id]))  # a look, for the view log
    client.force_login(cast.helen)
    response = client.get(reverse("attendance:subject_access", args=[cast.poppy.id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert {"index.html", "pupil.csv", "contacts.csv", "marks.csv", "mark_history.csv"} <= names
    assert any(n.startswith("evidence/") for n in names)
    assert any(n.startswith("letters/") for n in names)
    index = archive.read("index.html").decode()
    assert "Records held about Poppy Fairweather" in index and "<script" not in index
    pupil = list(csv.DictReader(io.StringIO(archive.read("pupil.csv").decode())))
    assert pupil[0]["upn"] == cast.poppy.upn
    looked = list(csv.DictReader(io.StringIO(archive.read("view_log.csv").decode())))
    assert {row["what"] for row in looked} >= {"pupil", "subject_access"}
    # Only Poppy: no other pupil's marks slip in.
    marks = list(csv.DictReader(io.StringIO(archive.read("marks.csv").decode())))
    assert marks and {row["pupil_id"] for row in marks} == {str(cast.poppy.id)}


def test_nobody_else_can_take_the_export(client, cast):
    for user in (cast.alice, cast.olive, cast.arthur, cast.gwen):
        client.force_login(user)
        assert (
            client.get(reverse("attendance:subject_access", args=[cast.poppy.id])).status_code
            == 403
        )
