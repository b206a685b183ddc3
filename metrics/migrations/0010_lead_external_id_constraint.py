"""`external_id` unique by a constraint rather than `unique=True` (one index on PostgreSQL, not two).

On SQLite, altering a column rebuilds the table, and a rebuilt table has lost its triggers: the
roll-up triggers of 0004 and 0008 are installed again right after (the roll-up rows themselves
are untouched, since the rebuild copies the leads without firing them).
"""

from importlib import import_module

from django.db import migrations, models

_TRIGGER_MIGRATIONS = ("metrics.migrations.0004_leadday_triggers", "metrics.migrations.0008_leaddaychurn_triggers")


def _reinstall_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in _TRIGGER_MIGRATIONS:
        for statement in import_module(name).SQLITE_INSTALL:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("experiments", "0004_goal_target_nonneg"),
        ("metrics", "0009_leaddaychurn_backfill"),
    ]

    operations = [
        # Both directions rebuild the SQLite table: reinstall the triggers after either rebuild.
        migrations.RunPython(migrations.RunPython.noop, _reinstall_sqlite_triggers),
        migrations.AlterField(
            model_name="lead",
            name="external_id",
            field=models.CharField(max_length=255, verbose_name="external id"),
        ),
        migrations.AddConstraint(
            model_name="lead",
            constraint=models.UniqueConstraint(fields=("external_id",), name="lead_external_id_unique"),
        ),
        migrations.RunPython(_reinstall_sqlite_triggers, migrations.RunPython.noop),
    ]
