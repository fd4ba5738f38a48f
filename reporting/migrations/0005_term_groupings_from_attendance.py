import django.db.models.deletion
from django.db import migrations, models


def move_content_types(apps, schema_editor):
    # Keeps the models' permissions and admin history attached to them.
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("grouping", "groupedpupil"):
        if not ContentType.objects.filter(app_label="reporting", model=model).exists():
            ContentType.objects.filter(app_label="attendance", model=model).update(
                app_label="reporting"
            )


class Migration(migrations.Migration):
    """Takes over the term groupings from attendance (attendance 0014) in
    Django's record only: they keep their tables, attendance_grouping and
    attendance_groupedpupil, and every row in them."""

    dependencies = [
        ("attendance", "0014_term_groupings_move_to_reporting"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("reporting", "0004_national_figure_key_help"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Grouping",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("term", models.CharField(max_length=30)),
                        ("taken_at", models.DateTimeField()),
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
                        "db_table": "attendance_grouping",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("school", "term"), name="one_grouping_per_term"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="GroupedPupil",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("year_group", models.CharField(max_length=2)),
                        ("date_of_birth", models.DateField()),
                        ("free_school_meals", models.BooleanField()),
                        ("pupil_premium", models.BooleanField()),
                        ("send", models.CharField(max_length=1)),
                        ("eal", models.BooleanField()),
                        ("looked_after", models.BooleanField()),
                        ("has_social_worker", models.BooleanField()),
                        ("young_carer", models.BooleanField()),
                        (
                            "grouping",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="pupils",
                                to="reporting.grouping",
                            ),
                        ),
                        (
                            "pupil",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="attendance.pupil",
                            ),
                        ),
                        (
                            "registration_group",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="attendance.registrationgroup",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "attendance_groupedpupil",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("grouping", "pupil"), name="one_row_per_pupil"
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, migrations.RunPython.noop),
    ]
