"""The project's own configuration of a third-party app: django-axes under a name in the reader's language."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AxesAppConfig):  # type: ignore[misc]  # django-axes ships no type information
    """django-axes (the log-in lockout) as the admin's index names it; its models have their own words."""

    verbose_name = _("Log-in lockouts")
