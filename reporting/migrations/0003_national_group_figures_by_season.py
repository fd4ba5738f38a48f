"""National figures for pupil groups are for one season (autumn 2023/24), so key
them by season like the whole-school ones: spring and summer then show no
comparison until the school enters one, rather than autumn's as if it were theirs."""

from django.db import migrations

GROUP_KEYS = ["fsm-absence", "non-fsm-absence", "ehc-absence", "sen-support-absence", "no-sen-absence"]


def forwards(apps, schema_editor):
    NationalFigure = apps.get_model("reporting", "NationalFigure")
    for key in GROUP_KEYS:
        NationalFigure.objects.filter(key=key).update(key=f"autumn-{key}")


def backwards(apps, schema_editor):
    NationalFigure = apps.get_model("reporting", "NationalFigure")
    for key in GROUP_KEYS:
        NationalFigure.objects.filter(key=f"autumn-{key}").update(key=key)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0002_seed_national_figures")]
    operations = [migrations.RunPython(forwards, backwards)]
