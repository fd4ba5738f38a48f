"""The threshold job's statements keep their plan shape whatever the statistics.

At trust scale the marks table holds millions of rows and the partial index
registers.mark_threshold_codes the few thousand G, O and U among them; a
plan that reads the table itself (a Seq Scan) takes seconds, and one that
joined cases on a stale estimate took the nightly rerun from 0.6 s to 10 s. Here the
test database's statistics are absent or stale (never analyzed for these
rows), as a freshly restored database's are. No timing: the plans' shapes.
"""

import datetime as dt
import json

import pytest
from django.db import connection

from penalties import thresholds
from penalties.models import Case
from penalties.services import check_thresholds
from tests import factories
from tests.penalties.conftest import mondays

pytestmark = pytest.mark.django_db
D = dt.date
AS_OF = D(2026, 12, 11)


@pytest.fixture
def night(cast, absent):
    """Poppy breaches tonight, Sam's case closed (only sessions after it
    count), Ivy's case is open: every branch of the statements has rows."""
    absent(cast.poppy, [(d, "AM") for d in mondays(D(2026, 9, 28), 10, skip={D(2026, 10, 26)})])
    week = [D(2026, 11, 2) + dt.timedelta(days=i) for i in range(5)]
    absent(cast.sam, [(d, s) for d in week for s in ("AM", "PM")], code="U")
    closed = check_thresholds(cast.school, D(2026, 11, 6)).opened[0]
    closed.stage, closed.closed_on = Case.Stage.CLOSED, D(2026, 11, 13)
    closed.save()
    absent(cast.sam, [(d, "PM") for d in mondays(D(2026, 11, 16), 3)], code="G")
    ivy = factories.PupilFactory(
        school=cast.school, registration_group=cast.hawthorn, legal_first_name="Ivy"
    )
    absent(ivy, [(d + dt.timedelta(weeks=1), s) for d in week for s in ("AM", "PM")], code="O")
    check_thresholds(cast.school, D(2026, 11, 13))
    cast.ivy = ivy
    return cast


def statements_of_the_job(school) -> list[tuple[str, object]]:
    ran = []

    def keep(execute, sql, params, many, context):
        ran.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        check_thresholds(school, AS_OF)
    return ran


def plan(sql: str, params) -> dict:
    with connection.cursor() as cursor:
        # A year's partition of the test's few marks is a page or two, where
        # reading it all is the right plan; at a trust's scale it is not.
        # What this guards is which index serves each read, and that the
        # plan does not wait on statistics: with sequential scans priced out,
        # a statement that cannot use the partial index still shows it.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + cursor.cursor.mogrify(sql, params))
        (document,) = cursor.fetchone()
    return (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]


def nodes(node: dict):
    yield node
    for child in node.get("Plans", ()):
        yield from nodes(child)


def partitions_of_the_marks() -> tuple[set[str], dict[str, str]]:
    """The marks' year partitions holding marks, and each of their indexes' names as the
    whole table's index is named (mark_threshold_codes, not
    registers_mark_2026_27_pupil_id_date_idx)."""
    with connection.cursor() as cursor:
        # A year's partition with no marks is read in no time, however.
        cursor.execute("SELECT DISTINCT tableoid::regclass::text FROM registers_mark")
        tables = {"registers_mark"} | {name for (name,) in cursor.fetchall()}
        cursor.execute(
            "SELECT c.relname, p.relname FROM pg_inherits i"
            " JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent"
            " JOIN pg_index x ON x.indexrelid = p.oid"
            " WHERE x.indrelid = 'registers_mark'::regclass"
        )
        return tables, dict(cursor.fetchall())


def how_marks_are_read(tree: dict) -> set[str]:
    """Each read of registers_mark (any year's partition), as "<node type> <index>"."""
    tables, parent_index = partitions_of_the_marks()

    def index_of(node):
        return parent_index.get(node.get("Index Name", ""), node.get("Index Name", ""))

    reads = set()
    for node in nodes(tree):
        if node.get("Relation Name") not in tables:
            continue
        if node["Node Type"] == "Bitmap Heap Scan":
            index = {index_of(n) for n in nodes(node) if "Index Name" in n}
            reads.add(f"Bitmap Heap Scan {','.join(sorted(index))}")
        else:
            reads.add(f"{node['Node Type']} {index_of(node)}".strip())
    return reads


def the(statement: str, ran) -> tuple[str, object]:
    wanted = thresholds.codes_sql(statement)
    found = [(sql, params) for sql, params in ran if sql == wanted]
    assert found, "the job no longer runs this statement"
    return found[0]


@pytest.mark.parametrize(
    "statement", [thresholds.BREACHES_SQL, thresholds.OPEN_CASES_SQL, thresholds.APPROACHING_SQL]
)
def test_the_marks_are_read_through_the_partial_index(night, statement):
    tree = plan(*the(statement, statements_of_the_job(night.school)))
    reads = how_marks_are_read(tree)
    assert reads, "the statement no longer reads the marks"
    assert all(read.endswith("mark_threshold_codes") for read in reads), reads


def test_marks_from_elsewhere_are_looked_up_pupil_by_pupil(night):
    """Their threshold marks through the partial index; their weeks there
    (marks of any code) by the pupil's own marks, never through the dates."""
    tree = plan(*the(thresholds.ELSEWHERE_SQL, statements_of_the_job(night.school)))
    reads = how_marks_are_read(tree)
    assert any(read.endswith("mark_threshold_codes") for read in reads), reads
    assert all(read.endswith(("mark_threshold_codes", "one_mark_per_session")) for read in reads), (
        reads
    )


def test_detection_does_not_join_the_cases(night):
    """Cases come in as constant arrays: no estimate of penalties_case (stale
    after the first run opens them all) can turn the plan into a nested loop
    over them."""
    ran = statements_of_the_job(night.school)
    tree = plan(*the(thresholds.BREACHES_SQL, ran))
    assert not {n.get("Relation Name") for n in nodes(tree)} & {"penalties_case"}


def test_the_seeded_night_has_work_for_every_branch(night):
    """The plans above are of statements that found something."""
    assert Case.objects.filter(pupil=night.ivy).exclude(stage=Case.Stage.CLOSED).exists()
    assert Case.objects.filter(pupil=night.sam, stage=Case.Stage.CLOSED).exists()
    run = check_thresholds(night.school, AS_OF)
    assert [c.pupil for c in run.opened] == [night.poppy]
