"""Fill the daily roll-up from the leads already stored (the triggers keep it from here on)."""

from django.db import migrations


def backfill(apps, schema_editor):
    from metrics.services.rollup import leaddays_rebuild

    # The churn roll-up does not exist yet at this point (migrations 0007-0009).
    leaddays_rebuild(keys=None, using=schema_editor.connection.alias, churn=False)


class Migration(migrations.Migration):
    dependencies = [("metrics", "0004_leadday_triggers")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
