"""The company's days: a local date starts at midnight in the configured time zone (TIME_ZONE)."""

import datetime as dt

from django.utils import timezone


def local_midnight(day: dt.date) -> dt.datetime:
    """The moment `day` starts in TIME_ZONE: where a cohort, a window or a test period begins."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())
