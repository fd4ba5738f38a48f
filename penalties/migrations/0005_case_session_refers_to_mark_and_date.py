"""A case session refers to its mark by the mark's primary key in the
partitioned table, (id, date): it carries the session's date already (copied
from the mark by penalties.thresholds.CASE_SESSIONS_SQL), so PostgreSQL keeps
the reference itself, and refuses a purge of a mark a case rests on."""

from django.db import migrations

SQL = """
ALTER TABLE penalties_casesession ADD CONSTRAINT casesession_mark_and_date
    FOREIGN KEY (mark_id, date) REFERENCES registers_mark (id, date) DEFERRABLE INITIALLY DEFERRED;
"""

REVERSE = "ALTER TABLE penalties_casesession DROP CONSTRAINT casesession_mark_and_date;"


class Migration(migrations.Migration):
    dependencies = [
        ("penalties", "0004_case_session_mark_before_partitioning"),
        ("registers", "0013_marks_partitioned_by_academic_year"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE)]
