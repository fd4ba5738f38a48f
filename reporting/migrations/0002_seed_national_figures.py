"""DfE, "Pupil absence in schools in England" (state-funded schools), as in shared/domain.md."""

from django.db import migrations

FIGURES = [
    ("autumn-overall-absence", "Overall absence, autumn 2023/24", "6.7"),
    ("autumn-persistent-absence", "Persistent absence, autumn 2023/24", "20.1"),
    ("spring-overall-absence", "Overall absence, spring 2023/24", "7.3"),
    ("spring-persistent-absence", "Persistent absence, spring 2023/24", "21.8"),
    ("fsm-absence", "Absence of FSM-eligible pupils, autumn 2023/24", "10.4"),
    ("non-fsm-absence", "Absence of pupils not eligible for FSM, autumn 2023/24", "5.5"),
    ("ehc-absence", "Absence of pupils with an EHC plan, autumn 2023/24", "12.4"),
    ("sen-support-absence", "Absence of pupils with SEN support, autumn 2023/24", "10.3"),
    ("no-sen-absence", "Absence of pupils with no SEN, autumn 2023/24", "6.1"),
]


def seed(apps, schema_editor):
    NationalFigure = apps.get_model("reporting", "NationalFigure")
    for key, label, value in FIGURES:
        NationalFigure.objects.get_or_create(
            key=key, defaults={"label": label, "value": value,
                               "source": "DfE, Pupil absence in schools in England"}
        )


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_national_figures")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
