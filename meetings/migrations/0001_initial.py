# Goal and Meeting moved here from `experiments`; their tables stay where they are, so this
# migration changes the state only.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("experiments", "0004_goal_target_nonneg"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Goal",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("metric", models.CharField(max_length=40, verbose_name="metric")),
                        ("period_start", models.DateField(verbose_name="period start")),
                        ("period_end", models.DateField(verbose_name="period end")),
                        ("target", models.DecimalField(decimal_places=4, max_digits=16, verbose_name="target")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "experiments_goal",
                        "ordering": ["-period_start", "metric"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("period_end__gt", models.F("period_start"))),
                                name="goal_period_ordered",
                            ),
                            models.CheckConstraint(condition=models.Q(("target__gte", 0)), name="goal_target_nonneg"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Meeting",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "kind",
                            models.CharField(
                                choices=[("sync", "Marketing + sales sync"), ("founder", "Founder meeting")],
                                max_length=10,
                                verbose_name="kind",
                            ),
                        ),
                        ("date", models.DateField(verbose_name="date")),
                        ("agenda", models.JSONField(default=dict, verbose_name="agenda")),
                        ("notes", models.TextField(blank=True, verbose_name="notes")),
                        ("decisions", models.TextField(blank=True, verbose_name="decisions")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "db_table": "experiments_meeting",
                        "ordering": ["-date", "kind"],
                        "constraints": [
                            models.UniqueConstraint(fields=("kind", "date"), name="meeting_once_per_kind_and_date")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
