"""A case session's reference to its mark leaves registers_mark(id) before
registers 0013 partitions the marks: no foreign key can refer to a
partitioned table's id alone. Migration 0005 refers to (id, date) instead."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("penalties", "0003_notice_service_and_la_told"),
        ("registers", "0012_data_flows"),
    ]
    run_before = [("registers", "0013_marks_partitioned_by_academic_year")]

    operations = [
        migrations.AlterField(
            model_name="casesession",
            name="mark",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registers.mark",
            ),
        ),
    ]
