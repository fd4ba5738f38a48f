"""Past terms' whole-school figures, kept (reporting.models.PastTermFigures),
and the trigger that forgets them when a mark in their range is written.

Statement-level, with transition tables, like the weekly summary's
(registers 0005): one pass per statement however many marks it writes. The
shared advisory lock on the school keeps reporting.past_terms from storing
figures that a writer's transaction is changing: see there.
"""

import django.db.models.deletion
from django.db import migrations, models

# reporting.past_terms.LOCK: the first key of the advisory lock on a school.
SQL = r"""
CREATE FUNCTION reporting_forget_past_figures_of(school bigint, first_day date, last_day date)
RETURNS void AS $$
BEGIN
    -- Shared, so writers never wait for each other; held to the end of the
    -- writer's transaction.
    PERFORM pg_advisory_xact_lock_shared(30506, school::int);
    DELETE FROM reporting_pasttermfigures f
    WHERE f.school_id = school AND f.start <= last_day AND f."end" >= first_day;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION reporting_forget_past_figures() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        -- An amendment keeps its pupil and day; the old rows are read in
        -- case one ever does not.
        PERFORM reporting_forget_past_figures_of(p.school_id, min(t.date), max(t.date))
        FROM (
            SELECT pupil_id, date FROM new_rows UNION ALL SELECT pupil_id, date FROM old_rows
        ) AS t
        JOIN attendance_pupil p ON p.id = t.pupil_id
        GROUP BY p.school_id;
    ELSE
        PERFORM reporting_forget_past_figures_of(p.school_id, min(t.date), max(t.date))
        FROM new_rows t JOIN attendance_pupil p ON p.id = t.pupil_id
        GROUP BY p.school_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER mark_forgets_past_figures_insert AFTER INSERT ON registers_mark
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reporting_forget_past_figures();

CREATE TRIGGER mark_forgets_past_figures_update AFTER UPDATE ON registers_mark
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reporting_forget_past_figures();
"""

REVERSE = """
DROP TRIGGER mark_forgets_past_figures_update ON registers_mark;
DROP TRIGGER mark_forgets_past_figures_insert ON registers_mark;
DROP FUNCTION reporting_forget_past_figures();
DROP FUNCTION reporting_forget_past_figures_of(bigint, date, date);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0014_term_groupings_move_to_reporting"),
        ("reporting", "0005_term_groupings_from_attendance"),
        ("registers", "0011_figures_count_the_counted_code"),
    ]

    operations = [
        migrations.CreateModel(
            name="PastTermFigures",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("start", models.DateField()),
                ("end", models.DateField()),
                ("method", models.CharField(max_length=16)),
                ("pupils", models.IntegerField()),
                ("possible", models.IntegerField()),
                ("attending", models.IntegerField()),
                ("authorised", models.IntegerField()),
                ("unauthorised", models.IntegerField()),
                ("late", models.IntegerField()),
                ("late_after_close", models.IntegerField()),
                ("persistent", models.IntegerField()),
                ("severe", models.IntegerField()),
                (
                    "school",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="attendance.school",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("school", "start", "end"), name="one_past_figure_set_per_range"
                    )
                ],
            },
        ),
        migrations.RunSQL(SQL, REVERSE),
    ]
