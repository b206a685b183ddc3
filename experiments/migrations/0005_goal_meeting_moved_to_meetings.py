# Goal and Meeting now belong to the `meetings` app (its 0001 takes them over); the tables stay.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("experiments", "0004_goal_target_nonneg"),
        ("meetings", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Goal"),
                migrations.DeleteModel(name="Meeting"),
            ],
            database_operations=[],
        ),
    ]
