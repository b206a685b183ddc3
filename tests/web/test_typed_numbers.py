"""The forms read numbers as a person of the page's language types them, show shares as percent,
and word a refusal by the field's label, never by an internal name."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from experiments.models import Experiment
from meetings.models import Goal
from tests.factories import ChannelFactory, ExperimentFactory

pytestmark = pytest.mark.django_db

RUSSIAN = {"HTTP_ACCEPT_LANGUAGE": "ru"}


def _experiment(channel, **fields) -> dict[str, object]:
    return {
        "title": "Вебинары для финансовых директоров",
        "hypothesis": "Если провести вебинары для финдиректоров, то получим SQL дешевле контекста.",
        "channel": channel.pk,
        "utm_campaign": "webinar_cfo",
        "start_date": timezone.localdate().isoformat(),
        "test_period_days": "",
        **fields,
    }


def test_a_russian_marketer_types_amounts_with_spaces_and_shares_as_percent(web_client, marketer):
    client = web_client(marketer)
    data = _experiment(
        ChannelFactory(),
        budget="5 000 000",
        max_cpl="1\u00a0500,50 ₽",
        max_non_target_share="25 %",
        min_mql="1 500",
    )
    response = client.post(reverse("web:experiment-create"), data, **RUSSIAN)
    assert response.status_code == 302, response.context["form"].errors
    experiment = Experiment.objects.get(utm_campaign="webinar_cfo")
    assert experiment.budget == Decimal("5000000")
    assert experiment.targets == {"max_cpl": "1500.50", "max_non_target_share": 0.25, "min_mql": 1500}

    # The draft's form shows them back in Russian notation, the share as percent.
    page = client.get(reverse("web:experiment-edit", args=[experiment.pk]), **RUSSIAN).content.decode()
    assert 'name="budget" value="5000000,00"' in page
    assert 'name="max_cpl" value="1500,50"' in page
    assert 'name="max_non_target_share" value="25"' in page


def test_an_english_marketer_types_thousands_with_commas(web_client, marketer):
    data = _experiment(ChannelFactory(), budget="RUB 5,000,000.00", max_cpl="1,500")
    response = web_client(marketer).post(reverse("web:experiment-create"), data)
    assert response.status_code == 302
    experiment = Experiment.objects.get(utm_campaign="webinar_cfo")
    assert (experiment.budget, experiment.targets) == (Decimal("5000000.00"), {"max_cpl": "1500.00"})


def test_a_number_that_is_none_is_refused_on_its_field_in_the_readers_words(web_client, marketer):
    data = _experiment(ChannelFactory(), budget="пять миллионов", max_non_target_share="250")
    response = web_client(marketer).post(reverse("web:experiment-create"), data, **RUSSIAN)
    errors = response.context["form"].errors
    assert errors["budget"] == ["Введите число, например 1 500 000 или 0,25."]
    assert errors["max_non_target_share"] == ["Введите процент от 0 до 100."]
    assert not Experiment.objects.exists()


GOAL = {"period_start": "2026-12-01", "period_end": "2027-01-01"}


def test_a_share_goal_is_typed_and_shown_as_percent(web_client, founder):
    client = web_client(founder)
    response = client.post(
        reverse("web:goal-list"), {**GOAL, "metric": "non_target_share", "target": "25 %"}, **RUSSIAN
    )
    assert response.status_code == 302, response.context["form"].errors
    goal = Goal.objects.get()
    assert goal.target == Decimal("0.25")
    assert "/ 25\u00a0%" in client.get(reverse("web:goal-list"), **RUSSIAN).content.decode()
    assert "/ 25%" in client.get(reverse("web:goal-list")).content.decode()
    edit = client.get(reverse("web:goal-edit", args=[goal.pk]), **RUSSIAN).content.decode()
    assert 'name="target" value="25"' in edit


def test_a_goal_refusal_names_the_metric_by_its_label(web_client, founder):
    client = web_client(founder)
    over = client.post(reverse("web:goal-list"), {**GOAL, "metric": "non_target_share", "target": "150"}, **RUSSIAN)
    [message] = over.context["form"].errors["target"]
    assert message.startswith("Доля нецелевых — от 0 до 100")
    assert "non_target_share" not in message
    percent = client.post(reverse("web:goal-list"), {**GOAL, "metric": "mql", "target": "40 %"})
    assert percent.context["form"].errors["target"] == ["Only a rate's target is a percent; give this one as a number."]
    assert not Goal.objects.exists()


def test_an_amount_goal_takes_the_currency_and_spaces(web_client, founder):
    response = web_client(founder).post(
        reverse("web:goal-list"), {**GOAL, "metric": "revenue", "target": "5 000 000 руб."}, **RUSSIAN
    )
    assert response.status_code == 302
    assert Goal.objects.get().target == Decimal("5000000")


def test_an_experiment_edit_form_shows_a_stored_share_as_percent(web_client, marketer):
    draft = ExperimentFactory.create(owner=marketer, targets={"max_non_target_share": 0.275})
    page = web_client(marketer).get(reverse("web:experiment-edit", args=[draft.pk])).content.decode()
    assert 'name="max_non_target_share" value="27.5"' in page
