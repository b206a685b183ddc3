import datetime as dt
from typing import Any
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


def lead(external_id: str, created_at: str, utm: str = "partner_dec", **extra: Any) -> dict[str, Any]:
    return {"external_id": external_id, "created_at": created_at, "utm_campaign": utm, **extra}
