"""The demo company: every status, thousands of leads, loaded through the services, idempotent."""

from io import StringIO

import pytest
from django.core.management import call_command

from experiments.models import Experiment, Review
from metrics.models import Lead, MetricSnapshot


@pytest.mark.django_db
def test_seed_demo_loads_a_company_in_every_status_and_runs_twice_without_change():
    out = StringIO()
    call_command("seed_demo", stdout=out)

    statuses = set(Experiment.objects.values_list("status", flat=True))
    assert statuses == {choice.value for choice in Experiment.Status}
    assert Lead.objects.count() >= 5000
    assert Review.objects.count() == 2
    assert MetricSnapshot.objects.filter(computed_at__isnull=False).count() >= 9
    assert "sergey" in out.getvalue() and "demo-tracker-2026" in out.getvalue()

    counts = (Experiment.objects.count(), Lead.objects.count(), Review.objects.count())
    again = StringIO()
    call_command("seed_demo", stdout=again)
    assert "already loaded" in again.getvalue()
    assert (Experiment.objects.count(), Lead.objects.count(), Review.objects.count()) == counts
