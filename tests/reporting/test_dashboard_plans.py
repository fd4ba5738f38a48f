"""The governors' dashboard's plans and query count, on a seeded database.

Nothing is timed here (bench/reporting.py times the page). What is pinned is
what the time rests on: each pupil's weeks and part-weeks are read through
the (pupil, date) indexes in a loop over the school's pupils, whatever the
planner's statistics say, and the page asks the same number of questions
whatever the school's size. The seed runs inside the test's transaction, so
the planner's statistics describe the tables before it (nearly empty): the
stale statistics under which a plan cliff showed.
"""

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attendance.models import RegistrationGroup
from tests import factories
from tests.factories import PupilFactory
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 26)  # a Thursday in the autumn term 2026/27
# The tables a term's figures read, and which must never be read whole.
PER_PUPIL = {"registers_mark", "registers_pupilweek", "attendance_groupedpupil"}


def _add_classes(cast, school, classes: int, size: int, tag: str) -> list[int]:
    year = school.academic_years.get(name="2026/27")
    ids = []
    for n in range(classes):
        group = RegistrationGroup.objects.create(
            academic_year=year, name=f"{tag}{n}", year_group=str(1 + n % 6)
        )
        ids += [
            PupilFactory(school=school, registration_group=group, year_group=group.year_group).id
            for _ in range(size)
        ]
    return ids


def _mark_every_session(pupil_ids: list[int], start: dt.date, end: dt.date) -> None:
    """Every weekday session from `start` to `end`, with its history, in two
    statements (the summary triggers fire once). Some absence, so the
    persistent-absence counts are not all zero."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO registers_mark
                (pupil_id, date, session, code, note, source, entered_at, version,
                 held_back, pending, recorded_at_school)
            SELECT p, d::date, s,
                   CASE WHEN (p * 7 + extract(doy FROM d)::int) %% 9 = 0 THEN 'I' ELSE '/' END,
                   '', 'register', d + time '09:05', 1, false, false, ''
            FROM unnest(%s::bigint[]) AS p,
                 generate_series(%s::date, %s::date, interval '1 day') AS d,
                 (VALUES ('AM'), ('PM')) AS sessions(s)
            WHERE extract(isodow FROM d) < 6
            """,
            [pupil_ids, start, end],
        )
        cursor.execute(
            """
            INSERT INTO registers_markchange
                (mark_id, old_code, new_code, reason, source, changed_by_name,
                 changed_by_position, changed_at)
            SELECT id, '', code, 'First entry', 'register', 'Test arrangement', '', entered_at
            FROM registers_mark WHERE pupil_id = ANY(%s)
            """,
            [pupil_ids],
        )


@pytest.fixture
def trust(cast):
    """The cast's school with 4 classes of 20 and a neighbour school as big,
    each session marked from September 2025 to today."""
    ours = _add_classes(cast, cast.school, 4, 20, "C")
    neighbour = factories.SchoolFactory(name="Neighbour Primary")
    factories.build_calendar(neighbour)
    theirs = _add_classes(cast, neighbour, 4, 20, "N")
    _mark_every_session(ours + theirs, dt.date(2025, 9, 3), TODAY)
    return cast


def _figure_statements(client, cast, term: str) -> list[tuple[str, object]]:
    """The statements the dashboard sends that read a term's marks."""
    seen = []

    def record(execute, sql, params, many, context):
        if sql.lstrip().startswith(("SELECT", "WITH")) and any(t in sql for t in PER_PUPIL):
            seen.append((sql, params))
        return execute(sql, params, many, context)

    client.force_login(cast.gwen)
    with connection.execute_wrapper(record):
        assert client.get(reverse("reporting:governors"), {"term": term}).status_code == 200
    return seen


def _plan(sql: str, params) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        (document,) = cursor.fetchone()
    return (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _shape_problems(plan: dict) -> list[str]:
    problems = []
    for node in _nodes(plan):
        kind, table = node["Node Type"], node.get("Relation Name")
        if table in PER_PUPIL:
            if kind not in ("Index Scan", "Index Only Scan", "Bitmap Heap Scan"):
                problems.append(f"{kind} on {table}")
            condition = node.get("Index Cond") or node.get("Recheck Cond") or ""
            # pupil_id = <another relation's column>: one lookup per pupil,
            # not one pass over every school's rows.
            if not re.search(r"pupil_id = [a-z_0-9]+\.(id|pupil_id)\b", condition):
                problems.append(f"{kind} on {table} not by pupil: {condition or 'no condition'}")
        if kind == "Nested Loop":
            inner = node["Plans"][1]["Node Type"]
            if inner in ("Materialize", "CTE Scan", "Seq Scan"):
                # Every pupil against every other: what made 2,000 pupils 5x 400.
                problems.append(f"Nested Loop over {inner}")
    return problems


@pytest.mark.parametrize("term", ["2026-27-autumn", "2025-26-summer", "2025-26-spring"])
def test_a_terms_figures_are_read_pupil_by_pupil_through_the_indexes(
    client, trust, time_machine, term
):
    time_machine.move_to(london(16, 0, TODAY))
    statements = _figure_statements(client, trust, term)
    # The chosen term's figures, and each term compared with (none kept yet).
    assert sum("registers_pupilweek" in sql for sql, _ in statements) >= 2
    for sql, params in statements:
        assert _shape_problems(_plan(sql, params)) == [], sql


def test_a_seq_scan_or_a_pairs_loop_is_a_problem():
    """The checks above can fail: plans of the shapes they guard against."""
    whole_table = {"Node Type": "Seq Scan", "Relation Name": "registers_mark"}
    pairs = {
        "Node Type": "Nested Loop",
        "Plans": [{"Node Type": "CTE Scan"}, {"Node Type": "Materialize"}],
    }
    assert _shape_problems(whole_table) == [
        "Seq Scan on registers_mark",
        "Seq Scan on registers_mark not by pupil: no condition",
    ]
    assert _shape_problems(pairs) == ["Nested Loop over Materialize"]


def _queries(client, term: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("reporting:governors"), {"term": term}).status_code == 200
    return len(queries)


def test_the_dashboard_asks_as_many_questions_for_a_big_school_as_a_small_one(
    client, cast, time_machine
):
    time_machine.move_to(london(16, 0, TODAY))
    client.force_login(cast.gwen)
    _queries(client, "2026-27-autumn")  # the first view freezes the term's groups
    counts = []
    for classes, size in ((1, 6), (8, 30)):
        pupils = _add_classes(cast, cast.school, classes, size, f"S{classes}-")
        # Marks in this term and in both terms compared with, which forgets
        # their kept figures: the first view works them out again.
        _mark_every_session(pupils, dt.date(2025, 9, 3), TODAY)
        first = _queries(client, "2026-27-autumn")
        counts.append((first, _queries(client, "2026-27-autumn")))
    assert counts[0] == counts[1]
    first, kept = counts[0]
    assert kept < first  # past terms' figures are kept, not worked out again
