# Every model and field named in both languages (verbose names, help texts): the state only, no SQL.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('experiments', '0011_verbose_names'),
        ('metrics', '0018_lead_source'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='importjob',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='importjob',
            name='created_by',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='uploaded by'),
        ),
        migrations.AlterField(
            model_name='importjob',
            name='finished_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='finished at'),
        ),
        migrations.AlterField(
            model_name='importjob',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='last sign of life'),
        ),
        migrations.AlterField(
            model_name='importjob',
            name='language',
            field=models.CharField(blank=True, max_length=10, verbose_name='language'),
        ),
        migrations.AlterField(
            model_name='importjob',
            name='started_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='started at'),
        ),
        migrations.AlterField(
            model_name='lead',
            name='channel',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='leads', to='experiments.channel', verbose_name='channel'),
        ),
        migrations.AlterField(
            model_name='lead',
            name='utm_key',
            field=models.CharField(blank=True, editable=False, max_length=255, verbose_name='attribution key'),
        ),
        migrations.AlterField(
            model_name='leadday',
            name='churned_customers',
            field=models.BigIntegerField(default=0, verbose_name='churned customers'),
        ),
        migrations.AlterField(
            model_name='leadday',
            name='created_date',
            field=models.DateField(verbose_name='created date (local)'),
        ),
        migrations.AlterField(
            model_name='leadday',
            name='customers',
            field=models.BigIntegerField(default=0, verbose_name='customers'),
        ),
        migrations.AlterField(
            model_name='leadday',
            name='judged_leads',
            field=models.BigIntegerField(default=0, verbose_name='judged leads'),
        ),
        migrations.AlterField(
            model_name='leadday',
            name='leads_total',
            field=models.BigIntegerField(default=0, verbose_name='leads'),
        ),
        migrations.AlterField(
            model_name='leadday',
            name='mql',
            field=models.BigIntegerField(default=0, verbose_name='MQL'),
        ),
        migrations.AlterField(
            model_name='leadday',
            name='non_target_leads',
            field=models.BigIntegerField(default=0, verbose_name='non-target leads'),
        ),
        migrations.AlterField(
            model_name='leadday',
            name='orders',
            field=models.BigIntegerField(default=0, verbose_name='orders'),
        ),
        migrations.AlterField(
            model_name='leadday',
            name='revenue_cents',
            field=models.BigIntegerField(default=0, verbose_name='revenue, cents'),
        ),
        migrations.AlterField(
            model_name='leadday',
            name='sql',
            field=models.BigIntegerField(default=0, verbose_name='SQL'),
        ),
        migrations.AlterField(
            model_name='leadday',
            name='sql_customers',
            field=models.BigIntegerField(default=0, verbose_name='customers from SQL'),
        ),
        migrations.AlterField(
            model_name='leadday',
            name='utm_key',
            field=models.CharField(max_length=255, verbose_name='attribution key'),
        ),
        migrations.AlterField(
            model_name='leaddaychurn',
            name='churn_reason',
            field=models.TextField(blank=True, verbose_name='churn reason'),
        ),
        migrations.AlterField(
            model_name='leaddaychurn',
            name='churned',
            field=models.BigIntegerField(default=0, verbose_name='churned customers'),
        ),
        migrations.AlterField(
            model_name='leaddaychurn',
            name='created_date',
            field=models.DateField(verbose_name='created date (local)'),
        ),
        migrations.AlterField(
            model_name='leaddaychurn',
            name='utm_key',
            field=models.CharField(max_length=255, verbose_name='attribution key'),
        ),
        migrations.AlterField(
            model_name='metricsnapshot',
            name='dirty_seq',
            field=models.PositiveBigIntegerField(default=0, verbose_name='change counter'),
        ),
        migrations.AlterField(
            model_name='metricsnapshot',
            name='dirty_since',
            field=models.DateTimeField(blank=True, null=True, verbose_name='stale since'),
        ),
        migrations.AlterField(
            model_name='metricsnapshot',
            name='experiment',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='snapshot', to='experiments.experiment', verbose_name='experiment'),
        ),
        migrations.AlterField(
            model_name='spend',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='spend',
            name='created_by',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by'),
        ),
        migrations.AlterField(
            model_name='spend',
            name='experiment',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='spend', to='experiments.experiment', verbose_name='experiment'),
        ),
    ]
