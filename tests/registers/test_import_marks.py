"""Importing a file of earlier marks: all or nothing, never overwriting."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from registers import imports
from registers.models import Mark, MarkChange
from tests import factories

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 16, 0, tzinfo=dt.UTC)


def csv_of(*rows: str, heading: str = "upn,date,session,code,status,school") -> bytes:
    return ("\n".join([heading, *rows]) + "\n").encode()


def run(cast, data, by=None):
    return imports.import_marks(cast.school, data, "earlier.csv", by=by or cast.olive, now=NOW)


def test_it_imports_marks_with_their_history(cast):
    p = cast.poppy.upn
    result = run(cast, csv_of(f"{p},2026-11-02,AM,/,,", f"{p},2026-11-02,PM,O,,"))
    assert result.ok and result.imported == 2
    mark = Mark.objects.get(pupil=cast.poppy, session="PM")
    assert (mark.code, mark.source, mark.recorded_at_school, mark.counted_code) == (
        "O",
        "import",
        "",
        "O",
    )
    change = mark.changes.get()
    assert (
        change.reason == f"Imported from earlier.csv on 20 Nov 2026 by {cast.olive.display_name()}"
    )
    assert (change.old_code, change.new_code, change.changed_by) == ("", "O", cast.olive)
    with connection.cursor() as cursor:  # the history check at commit is satisfied
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_it_reads_rollcalls_own_export_format(cast):
    data = csv_of(f"{cast.poppy.upn},2026-11-02,AM,/,", heading="upn,date,session,code,status")
    assert run(cast, data).imported == 1


def test_a_mark_from_the_previous_school_counts_in_no_figure_here(cast):
    cast.poppy.admission_date = dt.date(2026, 11, 9)
    cast.poppy.save()
    result = run(cast, csv_of(f"{cast.poppy.upn},2026-11-02,AM,U,,9262001"))
    assert result.ok
    mark = Mark.objects.get()
    assert (mark.recorded_at_school, mark.counted_code) == ("9262001", "")
    assert mark.changes.get().reason.endswith(", recorded at 9262001")


def test_the_schools_own_urn_means_this_school(cast):
    run(cast, csv_of(f"{cast.poppy.upn},2026-11-02,AM,/,,{cast.school.urn}"))
    assert Mark.objects.get().recorded_at_school == ""


def test_a_withdrawn_code_is_accepted_before_its_withdrawal_only(cast):
    cast.poppy.admission_date = dt.date(2021, 9, 1)
    cast.poppy.save()
    p = cast.poppy.upn
    assert run(cast, csv_of(f"{p},2024-07-15,AM,H,,")).ok
    result = run(cast, csv_of(f"{p},2024-09-16,AM,H,,"))
    assert not result.ok and "withdrawn" in result.errors[0]


def test_one_bad_row_imports_nothing(cast):
    p = cast.poppy.upn
    result = run(
        cast,
        csv_of(
            f"{p},2026-11-02,AM,/,,",
            "9999,2026-11-02,AM,/,,",
            f"{p},2026-11-31,AM,/,,",
            f"{p},2026-11-03,EV,/,,",
            f"{p},2026-11-04,AM,QQ,,",
            f"{p},2026-12-01,AM,/,,",
            f"{p},2026-11-02,AM,O,,",
        ),
    )
    assert not result.ok and Mark.objects.count() == 0
    text = "\n".join(result.errors)
    for expected in ("UPN '9999'", "not a date", "AM or PM", "not an attendance code", "future"):
        assert expected in text
    assert "the same session as line 2" in text


def test_a_day_not_on_roll_here_is_refused(cast):
    cast.poppy.admission_date = dt.date(2026, 11, 9)
    cast.poppy.save()
    result = run(cast, csv_of(f"{cast.poppy.upn},2026-11-02,AM,/,,"))
    assert "was not on roll" in result.errors[0]


def test_a_mark_already_in_rollcall_is_a_conflict_and_nothing_is_written(cast):
    factories.create_mark(
        pupil=cast.poppy, date=dt.date(2026, 11, 2), session="AM", code="I", entered_at=NOW
    )
    p = cast.poppy.upn
    result = run(cast, csv_of(f"{p},2026-11-02,AM,O,,", f"{p},2026-11-02,PM,O,,"))
    assert not result.ok and result.conflicts == [f"{p} 02 Nov 2026 AM: Rollcall already has I."]
    assert list(Mark.objects.values_list("code", flat=True)) == ["I"]
    assert "never overwritten" in "\n".join(result.error_lines())


def test_the_command_prints_a_count_and_the_time(cast, tmp_path):
    path = tmp_path / "marks.csv"
    path.write_bytes(csv_of(*(f"{cast.poppy.upn},2026-11-{d:02d},AM,/,," for d in range(2, 7))))
    out = io.StringIO()
    call_command("import_marks", str(path), "--by", "olive", stdout=out)
    assert "5 of 5 marks" in out.getvalue()
    assert "Imported 5 marks" in out.getvalue()
    assert MarkChange.objects.filter(changed_by=cast.olive).count() == 5


def test_the_command_refuses_a_bad_file(cast, tmp_path):
    path = tmp_path / "marks.csv"
    path.write_bytes(csv_of("9999,2026-11-02,AM,/,,"))
    with pytest.raises(CommandError, match="nothing has changed"):
        call_command("import_marks", str(path), stdout=io.StringIO(), stderr=io.StringIO())
