"""Spend says its rules on the model: a date between 2000 and 2100 and error messages (state only),
and non-negative amount and visits reported on their fields in their own words (AlterConstraint: the
SQL stays as it is)."""

import datetime

import django.core.validators
from django.db import migrations, models

import tracker.validation


class Migration(migrations.Migration):

    dependencies = [
        ('metrics', '0016_lead_won_index'),
    ]

    operations = [
        migrations.AlterField(
            model_name='spend',
            name='amount',
            field=models.DecimalField(decimal_places=2, error_messages={'invalid': 'Give the amount as a number, e.g. 12500.50.'}, max_digits=14, verbose_name='amount'),
        ),
        migrations.AlterField(
            model_name='spend',
            name='date',
            field=models.DateField(error_messages={'invalid': 'Give a date as YYYY-MM-DD.'}, validators=[django.core.validators.MinValueValidator(datetime.date(2000, 1, 1), 'Give a date between 2000-01-01 and 2100-12-31.'), django.core.validators.MaxValueValidator(datetime.date(2100, 12, 31), 'Give a date between 2000-01-01 and 2100-12-31.')], verbose_name='date'),
        ),
        migrations.AlterConstraint(
            model_name='spend',
            name='spend_amount_nonneg',
            constraint=tracker.validation.FieldCheckConstraint(condition=models.Q(('amount__gte', 0)), field='amount', name='spend_amount_nonneg', violation_error_code='amount_negative', violation_error_message='The amount cannot be negative.'),
        ),
        migrations.AlterConstraint(
            model_name='spend',
            name='spend_visits_nonneg',
            constraint=tracker.validation.FieldCheckConstraint(condition=models.Q(('visits__gte', 0), ('visits__isnull', True), _connector='OR'), field='visits', name='spend_visits_nonneg', violation_error_code='visits_negative', violation_error_message='Visits cannot be negative.'),
        ),
    ]
