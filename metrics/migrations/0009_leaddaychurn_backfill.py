"""Fill the daily churn roll-up from the leads already stored (the triggers keep it from here on)."""

from django.db import migrations


def backfill(apps, schema_editor):
    from metrics.services.rollup import leaddays_rebuild

    leaddays_rebuild(keys=None, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("metrics", "0008_leaddaychurn_triggers")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
