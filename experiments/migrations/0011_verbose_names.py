# Every model and field named in both languages (verbose names, help texts): the state only, no SQL.

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('experiments', '0010_exception_cooldown'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='notification',
            options={'ordering': ['-created_at'], 'verbose_name': 'e-mail notification', 'verbose_name_plural': 'e-mail notifications'},
        ),
        migrations.AlterField(
            model_name='channelthreshold',
            name='channel',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='experiments.channel', verbose_name='channel'),
        ),
        migrations.AlterField(
            model_name='channelthreshold',
            name='non_target_threshold',
            field=models.DecimalField(decimal_places=4, help_text="Overrides the regulation's acceptable non-target share for this channel.", max_digits=5, verbose_name='acceptable non-target share'),
        ),
        migrations.AlterField(
            model_name='channelthreshold',
            name='regulation',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='channel_thresholds', to='experiments.regulation', verbose_name='regulation version'),
        ),
        migrations.AlterField(
            model_name='notification',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='notification',
            name='key',
            field=models.CharField(max_length=200, unique=True, verbose_name='event key'),
        ),
        migrations.AlterField(
            model_name='notification',
            name='recipients',
            field=models.JSONField(default=list, verbose_name='recipients'),
        ),
        migrations.AlterField(
            model_name='notification',
            name='sent_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='sent at'),
        ),
        migrations.AlterField(
            model_name='notification',
            name='subject',
            field=models.CharField(max_length=300, verbose_name='subject'),
        ),
        migrations.AlterField(
            model_name='question',
            name='answered_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='questions_answered', to=settings.AUTH_USER_MODEL, verbose_name='answered by'),
        ),
        migrations.AlterField(
            model_name='question',
            name='author',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='questions_asked', to=settings.AUTH_USER_MODEL, verbose_name='asked by'),
        ),
        migrations.AlterField(
            model_name='question',
            name='experiment',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='questions', to='experiments.experiment', verbose_name='experiment'),
        ),
        migrations.AlterField(
            model_name='regulation',
            name='default_test_period_days',
            field=models.PositiveSmallIntegerField(default=30, error_messages={'invalid': 'Enter a whole number of days or leads.'}, help_text='How long an experiment is tested when its owner gives no test period.', validators=[django.core.validators.MinValueValidator(1, 'The default test period must be between 1 and 365 days.'), django.core.validators.MaxValueValidator(365, 'The default test period must be between 1 and 365 days.')], verbose_name='default test period, days'),
        ),
        migrations.AlterField(
            model_name='regulation',
            name='exception_alpha',
            field=models.DecimalField(decimal_places=4, default=Decimal('0.05'), error_messages={'invalid': 'Enter a decimal number such as 0.30.', 'max_decimal_places': 'Use at most four decimal places.', 'max_digits': 'Use at most four decimal places.'}, help_text='The evidence needed for an early review is 1/alpha: with alpha 0.05 the data must be 20 times more likely under “too many non-target leads” than under “share at the threshold”. A smaller alpha asks for stronger evidence; it holds however often the leads are checked.', max_digits=5, verbose_name='exception alpha'),
        ),
        migrations.AlterField(
            model_name='regulation',
            name='exception_min_leads',
            field=models.PositiveIntegerField(default=10, error_messages={'invalid': 'Enter a whole number of days or leads.'}, help_text='An early review needs at least this many judged leads, so that a few bad leads cannot open it.', validators=[django.core.validators.MinValueValidator(1, 'The exception minimum of judged leads must be at least 1.'), django.core.validators.MaxValueValidator(2147483647)], verbose_name='exception minimum judged leads'),
        ),
        migrations.AlterField(
            model_name='regulation',
            name='founder_meeting_every_days',
            field=models.PositiveSmallIntegerField(default=7, error_messages={'invalid': 'Enter a whole number of days or leads.'}, help_text="How often the founder meets over the goals and the departments' metrics.", validators=[django.core.validators.MinValueValidator(1, 'The founder meeting cadence must be at least 1.'), django.core.validators.MaxValueValidator(365)], verbose_name='founder meeting every, days'),
        ),
        migrations.AlterField(
            model_name='regulation',
            name='max_test_period_days',
            field=models.PositiveSmallIntegerField(default=90, error_messages={'invalid': 'Enter a whole number of days or leads.'}, help_text='The longest test period an owner may choose, at most 365 days.', validators=[django.core.validators.MinValueValidator(1, 'The maximum test period must not be below the default test period.'), django.core.validators.MaxValueValidator(365, 'The maximum test period must be at most 365 days.')], verbose_name='maximum test period, days'),
        ),
        migrations.AlterField(
            model_name='regulation',
            name='min_test_period_days',
            field=models.PositiveSmallIntegerField(default=7, error_messages={'invalid': 'Enter a whole number of days or leads.'}, help_text='The shortest test period an owner may choose: fewer days judge a channel by chance.', validators=[django.core.validators.MinValueValidator(1, 'The minimum test period must be at least 1 day.'), django.core.validators.MaxValueValidator(365)], verbose_name='minimum test period, days'),
        ),
        migrations.AlterField(
            model_name='regulation',
            name='non_target_threshold',
            field=models.DecimalField(decimal_places=4, default=Decimal('0.30'), error_messages={'invalid': 'Enter a decimal number such as 0.30.', 'max_decimal_places': 'Use at most four decimal places.', 'max_digits': 'Use at most four decimal places.'}, help_text='The share of judged leads that may be non-target (outside the audience) before a channel is judged early; a channel threshold below overrides it for one channel.', max_digits=5, verbose_name='acceptable non-target share'),
        ),
        migrations.AlterField(
            model_name='regulation',
            name='review_due_days',
            field=models.PositiveSmallIntegerField(default=7, error_messages={'invalid': 'Enter a whole number of days or leads.'}, help_text='Days a sales head has to file the review, counted from the day it opened.', validators=[django.core.validators.MinValueValidator(1, 'The days allowed to file a review must be at least 1.'), django.core.validators.MaxValueValidator(365)], verbose_name='days to file a review'),
        ),
        migrations.AlterField(
            model_name='regulation',
            name='sync_meeting_every_days',
            field=models.PositiveSmallIntegerField(default=14, error_messages={'invalid': 'Enter a whole number of days or leads.'}, help_text='How often marketing and sales meet over the reviews, wins and open questions.', validators=[django.core.validators.MinValueValidator(1, 'The sync meeting cadence must be at least 1.'), django.core.validators.MaxValueValidator(365)], verbose_name='sync meeting every, days'),
        ),
        migrations.AlterField(
            model_name='review',
            name='author',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reviews', to=settings.AUTH_USER_MODEL, verbose_name='author'),
        ),
        migrations.AlterField(
            model_name='review',
            name='experiment',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reviews', to='experiments.experiment', verbose_name='experiment'),
        ),
        migrations.AlterField(
            model_name='review',
            name='regulation',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='experiments.regulation', verbose_name='regulation version'),
        ),
        migrations.AlterField(
            model_name='reviewunlock',
            name='experiment',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='unlock', to='experiments.experiment', verbose_name='experiment'),
        ),
    ]
