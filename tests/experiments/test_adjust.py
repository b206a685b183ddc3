"""Run an adjusted hypothesis: from a reviewed experiment, its owner or a marketing head registers a
new draft filled in from it, with a new utm_campaign to confirm, linked both ways; through the
service, the page and the API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from experiments.models import Experiment
from experiments.services.experiments import (
    adjusted_utm_campaign,
    experiment_adjust,
    experiment_adjusted_values,
    experiment_cancel,
)
from experiments.services.reviews import review_file
from tests.factories import ChannelFactory, ExperimentFactory
from tracker.errors import Conflict

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(marketer, sales_head) -> Experiment:
    """Alice's partner mailings, not confirmed: sales recommend adjusting the positioning."""
    experiment = ExperimentFactory.create(
        running=True,
        owner=marketer,
        title="Partner mailings to SMB",
        hypothesis="If we mail partners' SMB customers, then we get qualified leads.",
        channel=ChannelFactory.create(name="Partner mailings", slug="partner-mailings"),
        utm_campaign="partner_nov",
        start_date=timezone.localdate() - dt.timedelta(days=40),
        test_period_days=30,
        budget=Decimal("150000.00"),
        targets={"max_cpl": "1500.00", "min_mql": 100, "max_non_target_share": 0.3},
    )
    review_file(
        experiment=experiment,
        by=sales_head,
        verdict="not_confirmed",
        summary="Students, not SMB owners.",
        loss_reasons="Wrong segment.",
        recommendation="adjust_positioning",
    )
    experiment.refresh_from_db()
    return experiment


def test_the_draft_starts_from_the_reviewed_hypothesis(reviewed, marketer):
    draft = experiment_adjust(experiment=reviewed, by=marketer)
    assert draft.status == Experiment.Status.DRAFT
    assert (draft.title, draft.hypothesis) == ("Partner mailings to SMB (adjusted)", reviewed.hypothesis)
    assert (draft.channel, draft.budget, draft.targets) == (reviewed.channel, reviewed.budget, reviewed.targets)
    assert (draft.utm_campaign, draft.start_date, draft.test_period_days) == (
        "partner_nov_adj",
        timezone.localdate(),
        30,
    )
    assert (draft.owner, draft.adjusted_from, list(reviewed.adjustments.all())) == (marketer, reviewed, [draft])


def test_what_the_person_changed_replaces_the_suggestion(reviewed, marketing_head):
    draft = experiment_adjust(
        experiment=reviewed, by=marketing_head, utm_campaign="partner_dec_owners", title="Partner mailings to owners"
    )
    assert (draft.utm_campaign, draft.title) == ("partner_dec_owners", "Partner mailings to owners")
    assert draft.owner == marketing_head


def test_the_suggested_utm_campaign_is_free(reviewed, marketer):
    ExperimentFactory.create(utm_campaign="PARTNER_NOV_ADJ")
    cancelled = ExperimentFactory.create(owner=marketer, utm_campaign="partner_nov_adj2")
    experiment_cancel(experiment=cancelled, by=marketer)  # a cancelled one frees its key
    assert adjusted_utm_campaign("partner_nov") == "partner_nov_adj2"
    assert adjusted_utm_campaign(" x " * 200).endswith("_adj")
    assert len(adjusted_utm_campaign("x" * 255)) <= 255


def test_a_long_title_still_fits(reviewed, marketer):
    reviewed.title = "T" * 200
    values = experiment_adjusted_values(experiment=reviewed)
    assert len(values["title"]) == 200 and values["title"].endswith(" (adjusted)")


def test_a_period_the_regulation_no_longer_allows_falls_back_to_its_default(reviewed, admin_user):
    from experiments.services.regulations import regulation_create

    regulation_create(by=admin_user, min_test_period_days=7, default_test_period_days=14, max_test_period_days=20)
    assert experiment_adjusted_values(experiment=reviewed)["test_period_days"] is None
    assert experiment_adjust(experiment=reviewed, by=admin_user).test_period_days == 14


@pytest.mark.parametrize("role", ["other_marketer", "sales_head", "founder"])
def test_only_the_owner_marketing_heads_and_admins_adjust(reviewed, users, role):
    with pytest.raises(PermissionDenied):
        experiment_adjust(experiment=reviewed, by=users[role])
    assert not Experiment.objects.filter(adjusted_from=reviewed).exists()


def test_only_a_reviewed_experiment_is_adjusted(marketer):
    running = ExperimentFactory.create(running=True, owner=marketer)
    with pytest.raises(Conflict) as refused:
        experiment_adjust(experiment=running, by=marketer)
    assert refused.value.code == "not_reviewed"


def test_a_taken_utm_campaign_is_a_field_error(reviewed, marketer):
    ExperimentFactory.create(utm_campaign="taken")
    with pytest.raises(ValidationError) as refused:
        experiment_adjust(experiment=reviewed, by=marketer, utm_campaign="TAKEN")
    assert "utm_campaign" in refused.value.message_dict


def test_an_experiment_cannot_adjust_itself(reviewed):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Experiment.objects.filter(pk=reviewed.pk).update(adjusted_from=reviewed.pk)


# --- The pages --------------------------------------------------------------------------------


def test_the_button_is_for_the_owner_and_marketing_heads_of_a_reviewed_experiment(web_client, users, reviewed):
    url = reverse("web:experiment-adjust", args=[reviewed.pk])
    detail = reverse("web:experiment-detail", args=[reviewed.pk])
    shown = {role: url in web_client(users[role]).get(detail).content.decode() for role in users if role != "anonymous"}
    assert shown == {
        "marketer": True,
        "other_marketer": False,
        "marketing_head": True,
        "sales_head": False,
        "founder": False,
        "admin": True,
    }
    assert web_client(users["sales_head"]).get(url).status_code == 403
    running = ExperimentFactory.create(running=True, owner=users["marketer"])
    assert (
        url.replace(str(reviewed.pk), str(running.pk))
        not in web_client(users["marketer"]).get(reverse("web:experiment-detail", args=[running.pk])).content.decode()
    )


def test_the_form_is_filled_in_and_asks_to_check_the_utm_campaign(web_client, marketer, reviewed):
    response = web_client(marketer).get(reverse("web:experiment-adjust", args=[reviewed.pk]))
    html = response.content.decode()
    assert "Run an adjusted hypothesis" in html
    assert "Check the utm_campaign:" in html
    assert 'value="partner_nov_adj"' in html
    assert 'value="Partner mailings to SMB (adjusted)"' in html
    assert 'name="max_non_target_share" value="30"' in html  # a share is typed as percent
    assert f'href="/experiments/{reviewed.pk}/"' in html


def test_posting_the_form_registers_the_draft_and_links_both_pages(web_client, marketer, reviewed):
    client = web_client(marketer)
    form = {
        "title": "Partner mailings to owners",
        "hypothesis": "If we mail partners' owner lists, then we reach buyers.",
        "channel": reviewed.channel_id,
        "utm_campaign": "partner_owners",
        "start_date": timezone.localdate().isoformat(),
        "test_period_days": "30",
        "max_cpl": "1500",
    }
    response = client.post(reverse("web:experiment-adjust", args=[reviewed.pk]), form)
    draft = Experiment.objects.get(adjusted_from=reviewed)
    assert response.status_code == 302 and response["Location"] == f"/experiments/{draft.pk}/"
    assert (draft.utm_campaign, draft.targets) == ("partner_owners", {"max_cpl": "1500.00"})

    html = client.get(response["Location"]).content.decode()
    assert "The adjusted hypothesis is saved as a draft." in html
    assert f'<a href="/experiments/{reviewed.pk}/">#{reviewed.pk} Partner mailings to SMB</a>' in html
    history = html.split('id="history-title"')[1]
    assert "It adjusts the hypothesis of" in history

    source = client.get(reverse("web:experiment-detail", args=[reviewed.pk])).content.decode()
    assert "Adjusted hypotheses" in source
    assert f'<a href="/experiments/{draft.pk}/">#{draft.pk} Partner mailings to owners</a>' in source
    assert "An adjusted hypothesis was registered:" in source.split('id="history-title"')[1]


def test_a_refused_utm_campaign_is_shown_on_its_field(web_client, marketer, reviewed):
    ExperimentFactory.create(utm_campaign="taken")
    response = web_client(marketer).post(
        reverse("web:experiment-adjust", args=[reviewed.pk]),
        {
            "title": "Again",
            "hypothesis": "Again.",
            "channel": reviewed.channel_id,
            "utm_campaign": "taken",
            "start_date": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 200
    assert "already uses this utm_campaign" in response.content.decode()
    assert not Experiment.objects.filter(adjusted_from=reviewed).exists()


def test_a_running_experiment_sends_back_to_its_page(web_client, marketer):
    running = ExperimentFactory.create(running=True, owner=marketer)
    response = web_client(marketer).get(reverse("web:experiment-adjust", args=[running.pk]), follow=True)
    assert "Only a reviewed experiment can be run again as an adjusted hypothesis." in response.content.decode()


# --- The API ----------------------------------------------------------------------------------


def test_api_adjusts_with_the_suggestions_or_what_is_sent(client_for, marketer, reviewed):
    client = client_for(marketer)
    response = client.post(f"/api/v1/experiments/{reviewed.pk}/adjust/", {}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["utm_campaign"], body["adjusted_from"]) == ("draft", "partner_nov_adj", reviewed.pk)
    sent = client.post(
        f"/api/v1/experiments/{reviewed.pk}/adjust/", {"utm_campaign": "partner_dec", "budget": "90000"}, format="json"
    )
    assert sent.status_code == 201
    assert (sent.json()["utm_campaign"], sent.json()["budget"]) == ("partner_dec", "90000.00")
    source = client.get(f"/api/v1/experiments/{reviewed.pk}/").json()
    assert source["adjustments"] == [body["id"], sent.json()["id"]]
    assert source["adjusted_from"] is None


@pytest.mark.parametrize(("role", "status"), [("other_marketer", 403), ("sales_head", 403), ("anonymous", 401)])
def test_api_refuses_who_may_not_adjust(client_for, users, reviewed, role, status):
    response = client_for(users[role]).post(f"/api/v1/experiments/{reviewed.pk}/adjust/", {}, format="json")
    assert response.status_code == status


def test_api_refuses_an_experiment_that_is_not_reviewed_with_a_409_in_the_readers_language(client_for, marketer):
    running = ExperimentFactory.create(running=True, owner=marketer)
    client = client_for(marketer)
    response = client.post(f"/api/v1/experiments/{running.pk}/adjust/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "not_reviewed"
    russian = client.post(
        f"/api/v1/experiments/{running.pk}/adjust/", {}, format="json", HTTP_ACCEPT_LANGUAGE="ru"
    ).json()
    assert russian["code"] == "not_reviewed" and "разобранному" in russian["detail"]


def test_api_field_errors_are_400(client_for, marketer, reviewed):
    response = client_for(marketer).post(
        f"/api/v1/experiments/{reviewed.pk}/adjust/", {"test_period_days": "a month"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"test_period_days"}
