"""The demo company: every status, thousands of leads, loaded through the services, idempotent, in the
installation's language."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from experiments.management.demo_texts import RUSSIAN
from experiments.models import Channel, Experiment, Question, Review
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


@pytest.mark.django_db
def test_seed_demo_speaks_the_installations_language_with_ascii_keys(settings):
    settings.LANGUAGE_CODE = "ru"
    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert Channel.objects.get(slug="partner-mailings").name == "Рассылки партнёров"
    partner = Experiment.objects.get(utm_campaign="partner_smb")
    assert partner.title == "Рассылки партнёров для малого бизнеса"
    assert partner.hypothesis.startswith("Если запустить «Рассылки партнёров")
    assert set(Lead.objects.exclude(disqualify_reason="").values_list("disqualify_reason", flat=True)) <= set(
        RUSSIAN.disqualify_reasons
    )
    assert set(Lead.objects.exclude(churn_reason="").values_list("churn_reason", flat=True)) <= set(
        RUSSIAN.churn_reasons
    )
    assert set(Review.objects.values_list("summary", flat=True)) == {
        RUSSIAN.review_confirmed[0],
        RUSSIAN.review_not_confirmed[0],
    }
    assert set(Question.objects.values_list("text", flat=True)) == {RUSSIAN.question, RUSSIAN.founder_question}
    assert Experiment.objects.get(status="cancelled").cancel_reason == RUSSIAN.cancel_reason
    assert "Сергей Руководитель продаж" in out.getvalue()
    # Keys stay ASCII: user names, slugs and utm_campaign values are what the CRM and the URLs use.
    keys = [
        *Channel.objects.values_list("slug", flat=True),
        *Experiment.objects.values_list("utm_campaign", flat=True),
        *get_user_model().objects.values_list("username", flat=True),
    ]
    assert all(key.isascii() for key in keys)
