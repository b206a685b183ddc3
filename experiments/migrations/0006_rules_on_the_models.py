"""The rules said once, on the models: field validators and error messages (state only), constraints
that report on a field with their own words, and the rules that were a service's only.

Constraints that keep their SQL are altered in the state only (AlterConstraint): the database keeps
them as they are. The regulation's ordering of min <= default <= max becomes two constraints, one per
field its message names; channel names become unique in any letter case; an answered question has
an answer.
"""

import django.core.validators
import django.db.models.functions.text
import experiments.targets
import tracker.validation
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('experiments', '0005_goal_meeting_moved_to_meetings'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='regulation',
            name='regulation_min_default_max_ordered',
        ),
        migrations.AlterField(
            model_name='channel',
            name='name',
            field=models.CharField(error_messages={'blank': 'Give the channel a name.'}, max_length=100, verbose_name='name'),
        ),
        migrations.AlterField(
            model_name='channel',
            name='slug',
            field=models.SlugField(error_messages={'blank': 'Use only letters, digits, hyphens and underscores in the slug.', 'invalid': 'Use only letters, digits, hyphens and underscores in the slug.', 'unique': 'A channel with this slug already exists.'}, max_length=100, unique=True, verbose_name='slug'),
        ),
        migrations.AlterField(
            model_name='experiment',
            name='budget',
            field=models.DecimalField(blank=True, decimal_places=2, error_messages={'invalid': 'The budget must be an amount of at least 0 with at most 2 decimal places.', 'max_decimal_places': 'The budget must be an amount of at least 0 with at most 2 decimal places.', 'max_digits': 'The budget must be an amount of at least 0 with at most 2 decimal places.', 'max_whole_digits': 'The budget must be an amount of at least 0 with at most 2 decimal places.'}, max_digits=14, null=True, verbose_name='budget'),
        ),
        migrations.AlterField(
            model_name='experiment',
            name='hypothesis',
            field=models.TextField(error_messages={'blank': 'The hypothesis is required.'}, verbose_name='hypothesis'),
        ),
        migrations.AlterField(
            model_name='experiment',
            name='start_date',
            field=models.DateField(error_messages={'invalid': 'Enter the start date as YYYY-MM-DD.'}, verbose_name='start date'),
        ),
        migrations.AlterField(
            model_name='experiment',
            name='targets',
            field=models.JSONField(blank=True, default=dict, validators=[experiments.targets.validate_targets], verbose_name='targets'),
        ),
        migrations.AlterField(
            model_name='experiment',
            name='test_period_days',
            field=models.PositiveSmallIntegerField(error_messages={'invalid': 'Enter the test period as a whole number of days.'}, verbose_name='test period, days'),
        ),
        migrations.AlterField(
            model_name='experiment',
            name='title',
            field=models.CharField(error_messages={'blank': 'The title is required.'}, max_length=200, verbose_name='title'),
        ),
        migrations.AlterField(
            model_name='experiment',
            name='utm_campaign',
            field=models.CharField(error_messages={'blank': 'The utm_campaign is required: it attributes leads to the experiment.'}, max_length=255, verbose_name='utm_campaign'),
        ),
        migrations.AlterField(
            model_name='historicalexperiment',
            name='budget',
            field=models.DecimalField(blank=True, decimal_places=2, error_messages={'invalid': 'The budget must be an amount of at least 0 with at most 2 decimal places.', 'max_decimal_places': 'The budget must be an amount of at least 0 with at most 2 decimal places.', 'max_digits': 'The budget must be an amount of at least 0 with at most 2 decimal places.', 'max_whole_digits': 'The budget must be an amount of at least 0 with at most 2 decimal places.'}, max_digits=14, null=True, verbose_name='budget'),
        ),
        migrations.AlterField(
            model_name='historicalexperiment',
            name='hypothesis',
            field=models.TextField(error_messages={'blank': 'The hypothesis is required.'}, verbose_name='hypothesis'),
        ),
        migrations.AlterField(
            model_name='historicalexperiment',
            name='start_date',
            field=models.DateField(error_messages={'invalid': 'Enter the start date as YYYY-MM-DD.'}, verbose_name='start date'),
        ),
        migrations.AlterField(
            model_name='historicalexperiment',
            name='targets',
            field=models.JSONField(blank=True, default=dict, validators=[experiments.targets.validate_targets], verbose_name='targets'),
        ),
        migrations.AlterField(
            model_name='historicalexperiment',
            name='test_period_days',
            field=models.PositiveSmallIntegerField(error_messages={'invalid': 'Enter the test period as a whole number of days.'}, verbose_name='test period, days'),
        ),
        migrations.AlterField(
            model_name='historicalexperiment',
            name='title',
            field=models.CharField(error_messages={'blank': 'The title is required.'}, max_length=200, verbose_name='title'),
        ),
        migrations.AlterField(
            model_name='historicalexperiment',
            name='utm_campaign',
            field=models.CharField(error_messages={'blank': 'The utm_campaign is required: it attributes leads to the experiment.'}, max_length=255, verbose_name='utm_campaign'),
        ),
        migrations.AlterField(
            model_name='question',
            name='answer',
            field=models.TextField(blank=True, validators=[tracker.validation.MaxLength(5000, 'Keep the answer under %(limit)s characters (it has %(length)s).')], verbose_name='answer'),
        ),
        migrations.AlterField(
            model_name='question',
            name='text',
            field=models.TextField(error_messages={'blank': 'Write the question; it cannot be empty.'}, validators=[tracker.validation.MaxLength(5000, 'Keep the question under %(limit)s characters (it has %(length)s).')], verbose_name='question'),
        ),
        migrations.AlterField(
            model_name='regulation',
            name='default_test_period_days',
            field=models.PositiveSmallIntegerField(default=30, error_messages={'invalid': 'Enter a whole number of days or leads.'}, validators=[django.core.validators.MinValueValidator(1, 'The default test period must be between 1 and 365 days.'), django.core.validators.MaxValueValidator(365, 'The default test period must be between 1 and 365 days.')], verbose_name='default test period, days'),
        ),
        migrations.AlterField(
            model_name='regulation',
            name='exception_alpha',
            field=models.DecimalField(decimal_places=4, default=Decimal('0.05'), error_messages={'invalid': 'Enter a decimal number such as 0.30.', 'max_decimal_places': 'Use at most four decimal places.', 'max_digits': 'Use at most four decimal places.'}, max_digits=5, verbose_name='exception alpha'),
        ),
        migrations.AlterField(
            model_name='regulation',
            name='exception_min_leads',
            field=models.PositiveIntegerField(default=10, error_messages={'invalid': 'Enter a whole number of days or leads.'}, validators=[django.core.validators.MinValueValidator(1, 'The exception minimum of judged leads must be at least 1.')], verbose_name='exception minimum judged leads'),
        ),
        migrations.AlterField(
            model_name='regulation',
            name='founder_meeting_every_days',
            field=models.PositiveSmallIntegerField(default=7, error_messages={'invalid': 'Enter a whole number of days or leads.'}, validators=[django.core.validators.MinValueValidator(1, 'The founder meeting cadence must be at least 1.')], verbose_name='founder meeting every, days'),
        ),
        migrations.AlterField(
            model_name='regulation',
            name='max_test_period_days',
            field=models.PositiveSmallIntegerField(default=90, error_messages={'invalid': 'Enter a whole number of days or leads.'}, validators=[django.core.validators.MinValueValidator(1, 'The maximum test period must not be below the default test period.'), django.core.validators.MaxValueValidator(365, 'The maximum test period must be at most 365 days.')], verbose_name='maximum test period, days'),
        ),
        migrations.AlterField(
            model_name='regulation',
            name='min_test_period_days',
            field=models.PositiveSmallIntegerField(default=7, error_messages={'invalid': 'Enter a whole number of days or leads.'}, validators=[django.core.validators.MinValueValidator(1, 'The minimum test period must be at least 1 day.')], verbose_name='minimum test period, days'),
        ),
        migrations.AlterField(
            model_name='regulation',
            name='non_target_threshold',
            field=models.DecimalField(decimal_places=4, default=Decimal('0.30'), error_messages={'invalid': 'Enter a decimal number such as 0.30.', 'max_decimal_places': 'Use at most four decimal places.', 'max_digits': 'Use at most four decimal places.'}, max_digits=5, verbose_name='acceptable non-target share'),
        ),
        migrations.AlterField(
            model_name='regulation',
            name='review_due_days',
            field=models.PositiveSmallIntegerField(default=7, error_messages={'invalid': 'Enter a whole number of days or leads.'}, validators=[django.core.validators.MinValueValidator(1, 'The days allowed to file a review must be at least 1.')], verbose_name='days to file a review'),
        ),
        migrations.AlterField(
            model_name='regulation',
            name='sync_meeting_every_days',
            field=models.PositiveSmallIntegerField(default=14, error_messages={'invalid': 'Enter a whole number of days or leads.'}, validators=[django.core.validators.MinValueValidator(1, 'The sync meeting cadence must be at least 1.')], verbose_name='sync meeting every, days'),
        ),
        migrations.AlterField(
            model_name='review',
            name='loss_reasons',
            field=models.TextField(blank=True, validators=[tracker.validation.MaxLength(10000, 'Keep it under %(limit)s characters (it has %(length)s).')], verbose_name='why leads did not buy'),
        ),
        migrations.AlterField(
            model_name='review',
            name='summary',
            field=models.TextField(error_messages={'blank': 'Write a summary of what the numbers and the conversations with leads showed.'}, validators=[tracker.validation.MaxLength(10000, 'Keep it under %(limit)s characters (it has %(length)s).')], verbose_name='summary'),
        ),
        migrations.AddConstraint(
            model_name='channel',
            constraint=tracker.validation.FieldUniqueConstraint(django.db.models.functions.text.Lower('name'), field='name', name='channel_name_unique_any_case', violation_error_code='name_taken', violation_error_message='A channel with this name already exists.'),
        ),
        migrations.AlterConstraint(
            model_name='channelthreshold',
            name='channel_threshold_open_unit',
            constraint=tracker.validation.FieldCheckConstraint(condition=models.Q(('non_target_threshold__gt', 0), ('non_target_threshold__lt', 1)), field='non_target_threshold', name='channel_threshold_open_unit', violation_error_code='share_out_of_range', violation_error_message='The acceptable non-target share must lie strictly between 0 and 1.'),
        ),
        migrations.AlterConstraint(
            model_name='experiment',
            name='experiment_utm_unique_among_active',
            constraint=tracker.validation.FieldUniqueConstraint(django.db.models.functions.text.Lower('utm_campaign'), condition=models.Q(('status', 'cancelled'), _negated=True), field='utm_campaign', name='experiment_utm_unique_among_active', violation_error_code='utm_campaign_taken', violation_error_message='Another experiment that is not cancelled already uses this utm_campaign (letter case ignored).'),
        ),
        migrations.AlterConstraint(
            model_name='experiment',
            name='experiment_budget_nonneg',
            constraint=tracker.validation.FieldCheckConstraint(condition=models.Q(('budget__gte', 0), ('budget__isnull', True), _connector='OR'), field='budget', name='experiment_budget_nonneg', violation_error_code='budget_negative', violation_error_message='The budget must be an amount of at least 0 with at most 2 decimal places.'),
        ),
        migrations.AddConstraint(
            model_name='question',
            constraint=tracker.validation.FieldCheckConstraint(condition=models.Q(('answered_at__isnull', True), models.Q(('answer', ''), _negated=True), _connector='OR'), field='answer', name='question_answered_has_text', violation_error_code='answer_empty', violation_error_message='Write the answer; it cannot be empty.'),
        ),
        migrations.AddConstraint(
            model_name='regulation',
            constraint=tracker.validation.FieldCheckConstraint(condition=models.Q(('min_test_period_days__gte', 1), ('min_test_period_days__lte', models.F('default_test_period_days'))), field='min_test_period_days', name='regulation_min_period_1_to_default', violation_error_code='min_period_above_default', violation_error_message='The minimum test period must not exceed the default test period.'),
        ),
        migrations.AddConstraint(
            model_name='regulation',
            constraint=tracker.validation.FieldCheckConstraint(condition=models.Q(('max_test_period_days__gte', models.F('default_test_period_days')), ('max_test_period_days__lte', 365)), field='max_test_period_days', name='regulation_max_period_default_to_365', violation_error_code='max_period_below_default', violation_error_message='The maximum test period must not be below the default test period.'),
        ),
        migrations.AlterConstraint(
            model_name='regulation',
            name='regulation_threshold_open_unit',
            constraint=tracker.validation.FieldCheckConstraint(condition=models.Q(('non_target_threshold__gt', 0), ('non_target_threshold__lt', 1)), field='non_target_threshold', name='regulation_threshold_open_unit', violation_error_code='share_out_of_range', violation_error_message='The acceptable non-target share must lie strictly between 0 and 1.'),
        ),
        migrations.AlterConstraint(
            model_name='regulation',
            name='regulation_alpha_0_half',
            constraint=tracker.validation.FieldCheckConstraint(condition=models.Q(('exception_alpha__gt', 0), ('exception_alpha__lte', Decimal('0.5'))), field='exception_alpha', name='regulation_alpha_0_half', violation_error_code='alpha_out_of_range', violation_error_message='The exception alpha must be above 0 and at most 0.5.'),
        ),
    ]
