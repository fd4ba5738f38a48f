from django.db import migrations


class Migration(migrations.Migration):
    """The term groupings belong to reporting now (reporting 0005 takes them
    over): only Django's record of the models goes, the tables and their rows
    stay where they are."""

    dependencies = [
        ("attendance", "0013_data_flows"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="GroupedPupil"),
                migrations.DeleteModel(name="Grouping"),
            ],
        ),
    ]
