"""Carry the weekly figures in the unique index, for index-only reads by reports.

The new index is built before the old one goes, so the triggers' ON CONFLICT
always has an arbiter."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0004_school_contact_details"),
        ("registers", "0006_mark_pupil_uses_the_unique_index"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="pupilweek",
            constraint=models.UniqueConstraint(
                fields=("pupil", "monday"),
                include=(
                    "possible",
                    "attending",
                    "authorised",
                    "unauthorised",
                    "late",
                    "late_after_close",
                ),
                name="one_summary_per_week_with_figures",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="pupilweek",
            name="one_summary_per_week",
        ),
    ]
