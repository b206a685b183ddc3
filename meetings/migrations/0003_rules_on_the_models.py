"""Goals and meetings say their rules on the model: field validators and error messages (state only),
and constraints that report on a field with their own words (AlterConstraint: the SQL stays as it is).
"""

import tracker.validation
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('meetings', '0002_fill_content_types'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='goal',
            name='period_end',
            field=models.DateField(error_messages={'invalid': 'Give a date as YYYY-MM-DD.'}, verbose_name='period end'),
        ),
        migrations.AlterField(
            model_name='goal',
            name='period_start',
            field=models.DateField(error_messages={'invalid': 'Give a date as YYYY-MM-DD.'}, verbose_name='period start'),
        ),
        migrations.AlterField(
            model_name='goal',
            name='target',
            field=models.DecimalField(decimal_places=4, error_messages={'invalid': 'Give the target as a number, e.g. 400 or 1500.00.', 'max_decimal_places': 'At most 4 decimal places.'}, max_digits=16, validators=[tracker.validation.MaxValue(Decimal('999999999999'), 'The target may be at most %(max)s.')], verbose_name='target'),
        ),
        migrations.AlterField(
            model_name='meeting',
            name='decisions',
            field=models.TextField(blank=True, validators=[tracker.validation.MaxLength(20000, 'Keep it under %(limit)s characters (it has %(length)s).')], verbose_name='decisions'),
        ),
        migrations.AlterField(
            model_name='meeting',
            name='notes',
            field=models.TextField(blank=True, validators=[tracker.validation.MaxLength(20000, 'Keep it under %(limit)s characters (it has %(length)s).')], verbose_name='notes'),
        ),
        migrations.AlterConstraint(
            model_name='goal',
            name='goal_period_ordered',
            constraint=tracker.validation.FieldCheckConstraint(condition=models.Q(('period_end__gt', models.F('period_start'))), field='period_end', name='goal_period_ordered', violation_error_code='period_not_ordered', violation_error_message='The period end must be after its start; the end day is not included (December is 2026-12-01 to 2027-01-01).'),
        ),
        migrations.AlterConstraint(
            model_name='goal',
            name='goal_target_nonneg',
            constraint=tracker.validation.FieldCheckConstraint(condition=models.Q(('target__gte', 0)), field='target', name='goal_target_nonneg', violation_error_code='target_negative', violation_error_message='The target cannot be negative.'),
        ),
    ]
