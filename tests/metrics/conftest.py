import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from tests.factories import ChannelFactory, ExperimentFactory


@pytest.fixture
def tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@pytest.fixture
def channel(db):
    return ChannelFactory(slug="partner-mailings", name="Partner mailings")


@pytest.fixture
def experiment(db, channel, marketer):
    return ExperimentFactory(
        running=True,
        channel=channel,
        owner=marketer,
        utm_campaign="partner_dec",
        start_date=dt.date(2026, 12, 1),
        test_period_days=30,
        ends_on=dt.date(2026, 12, 31),
    )


def lead(external_id: str, created_at: str, utm: str = "partner_dec", **extra) -> dict:
    return {"external_id": external_id, "created_at": created_at, "utm_campaign": utm, **extra}


@pytest.fixture(autouse=True)
def _role_groups(request):
    """The role groups and the first regulation come from data migrations; a transactional test
    flushes them, and with --reuse-db the next run would start without them."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    from django.contrib.auth.models import Group

    from experiments.models import Regulation

    if not Regulation.objects.exists():
        Regulation.objects.create(version=1)
    for name in ("marketer", "marketing_head", "sales_head", "founder"):
        Group.objects.get_or_create(name=name)
