"""Experiments in Django admin: drafts edited through the services, actions report refusals."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from experiments.models import Experiment
from tests.factories import ChannelFactory, ExperimentFactory


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


def _form(channel, **overrides) -> dict:
    return {
        "title": "Events in Kazan",
        "hypothesis": "If we attend regional events, then we meet SMB owners.",
        "channel": str(channel.id),
        "utm_campaign": " events_kzn ",
        "start_date": "2026-12-01",
        "test_period_days": "",
        "budget": "",
        "targets": "{}",
    } | overrides


@pytest.mark.django_db
def test_admin_registers_a_draft_through_the_service(admin_client_, admin_user):
    channel = ChannelFactory()
    response = admin_client_.post(reverse("admin:experiments_experiment_add"), _form(channel))
    assert response.status_code == 302, response.content.decode()[:3000]
    experiment = Experiment.objects.get()
    assert (experiment.owner, experiment.status, experiment.utm_campaign) == (admin_user, "draft", "events_kzn")
    assert (experiment.test_period_days, experiment.ends_on) == (30, dt.date(2026, 12, 31))


@pytest.mark.django_db
def test_admin_form_shows_service_errors_per_field(admin_client_):
    channel = ChannelFactory()
    ExperimentFactory(utm_campaign="events_kzn")
    response = admin_client_.post(
        reverse("admin:experiments_experiment_add"), _form(channel, utm_campaign="EVENTS_KZN", test_period_days="5")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "allows a test period of 7 to 90 days" in page
    assert "already uses this utm_campaign" in page
    assert Experiment.objects.count() == 1


@pytest.mark.django_db
def test_admin_edits_a_draft_with_history(admin_client_, admin_user):
    experiment = ExperimentFactory()
    url = reverse("admin:experiments_experiment_change", args=[experiment.pk])
    response = admin_client_.post(url, _form(experiment.channel, title="Sharper", test_period_days="14"))
    assert response.status_code == 302
    experiment.refresh_from_db()
    assert (experiment.title, experiment.test_period_days) == ("Sharper", 14)
    assert experiment.ends_on == dt.date(2026, 12, 15)
    assert experiment.history.first().history_user == admin_user


@pytest.mark.django_db
def test_admin_cannot_edit_a_running_experiment(admin_client_):
    experiment = ExperimentFactory(running=True, title="Original")
    url = reverse("admin:experiments_experiment_change", args=[experiment.pk])
    page = admin_client_.get(url)
    assert page.status_code == 200
    assert 'name="title"' not in page.content.decode()  # shown read-only
    assert admin_client_.post(url, _form(experiment.channel, title="Changed")).status_code == 403
    experiment.refresh_from_db()
    assert experiment.title == "Original"


@pytest.mark.django_db
def test_launch_action_launches_drafts_and_reports_refusals(admin_client_):
    draft = ExperimentFactory(title="Draft one")
    running = ExperimentFactory(running=True, title="Already running")
    response = admin_client_.post(
        reverse("admin:experiments_experiment_changelist"),
        {"action": "launch", "_selected_action": [draft.pk, running.pk]},
    )
    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Launched: 1." in texts
    assert any("“Already running”: Only a draft can be launched" in text for text in texts)
    draft.refresh_from_db()
    assert draft.status == "running"
    assert draft.regulation.version == 1


@pytest.mark.django_db
def test_cancel_action(admin_client_):
    draft = ExperimentFactory()
    response = admin_client_.post(
        reverse("admin:experiments_experiment_changelist"), {"action": "cancel", "_selected_action": [draft.pk]}
    )
    assert "Cancelled: 1." in [str(m) for m in get_messages(response.wsgi_request)]
    draft.refresh_from_db()
    assert draft.status == "cancelled"


@pytest.mark.django_db
def test_changelist_shows_the_effective_status(admin_client_):
    ExperimentFactory(running=True, start_date=dt.date(2020, 1, 1), title="Long over")
    page = admin_client_.get(reverse("admin:experiments_experiment_changelist")).content.decode()
    assert "Awaiting review" in page


@pytest.mark.django_db
def test_channel_admin_adds_through_the_service(admin_client_):
    response = admin_client_.post(reverse("admin:experiments_channel_add"), {"name": "Paid search", "slug": "Paid"})
    assert response.status_code == 302
    assert ChannelFactory._meta.model.objects.get(name="Paid search").slug == "paid"


@pytest.mark.django_db
def test_changelist_query_count_does_not_grow(admin_client_, count_queries):
    url = reverse("admin:experiments_experiment_changelist")
    channel = ChannelFactory()
    for i in range(3):
        ExperimentFactory(channel=channel, running=bool(i % 2))
    few = count_queries(admin_client_.get, url)
    assert few <= 30
    for i in range(20):
        ExperimentFactory(channel=channel, running=bool(i % 2))
    assert count_queries(admin_client_.get, url) <= few


@pytest.mark.django_db
def test_channel_admin_renames_through_the_service(admin_client_):
    channel = ChannelFactory(name="Events", slug="events")
    url = reverse("admin:experiments_channel_change", args=[channel.pk])
    assert admin_client_.post(url, {"name": "Regional events"}).status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.slug) == ("Regional events", "events")


@pytest.mark.django_db
def test_channel_admin_form_refuses_a_name_taken_in_another_case(admin_client_):
    ChannelFactory(name="Events", slug="events")
    response = admin_client_.post(reverse("admin:experiments_channel_add"), {"name": "EVENTS", "slug": "events-2"})
    assert response.status_code == 200
    assert "A channel with this name already exists." in response.content.decode()
    assert ChannelFactory._meta.model.objects.count() == 1
