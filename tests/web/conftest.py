"""Fixtures for page tests: a signed-in Django test client and experiments with metrics."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from experiments.models import Experiment
from metrics.models import MetricSnapshot
from tests.factories import ChannelFactory, ExperimentFactory


@pytest.fixture
def web_client() -> Callable[..., Client]:
    """`web_client(user)` -> a Django test client with a session for that user (None: anonymous)."""

    def make(user=None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


def snapshot_for(experiment: Experiment, **data) -> MetricSnapshot:
    """A computed snapshot with the given metrics.md values (the rest empty)."""
    payload = {
        "leads_total": 0,
        "judged_leads": 0,
        "non_target_leads": 0,
        "non_target_share": None,
        "mql": 0,
        "sql": 0,
        "customers": 0,
        "cpl": None,
        "cac": None,
        "romi": None,
        "revenue": "0.00",
        "marketing_spend": "0.00",
        **data,
    }
    snapshot, _ = MetricSnapshot.objects.update_or_create(
        experiment=experiment, defaults={"data": payload, "computed_at": timezone.now()}
    )
    return snapshot


@pytest.fixture
def running_experiment(marketer) -> Experiment:
    """Alice's experiment, 5 days into a 30-day test: locked, 2 of 10 judged leads non-target."""
    experiment = ExperimentFactory(
        running=True,
        owner=marketer,
        title="Partner mailings to SMB",
        channel=ChannelFactory(name="Partner mailings", slug="partner-mailings"),
        start_date=timezone.localdate() - dt.timedelta(days=5),
        test_period_days=30,
        targets={"max_cpl": "1500.00", "min_mql": 100},
    )
    snapshot_for(
        experiment,
        leads_total=12,
        judged_leads=10,
        non_target_leads=2,
        non_target_share=0.2,
        mql=6,
        sql=3,
        customers=1,
        cpl="1234.50",
        romi=0.25,
    )
    return experiment
