"""The regulation in Django admin: the changelist is the history, "add" writes the next version.
Shares are typed and shown as percent there (30 for 0.30), as on every page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from experiments.models import Regulation
from experiments.services.regulations import regulation_create
from tests.factories import ChannelFactory

FIELDS = {
    "default_test_period_days": "30",
    "min_test_period_days": "7",
    "max_test_period_days": "90",
    "non_target_threshold": "25",
    "exception_min_leads": "10",
    "exception_alpha": "0.05",
    "exception_cooldown_hours": "0",
    "review_due_days": "7",
    "sync_meeting_every_days": "14",
    "founder_meeting_every_days": "7",
}


def _inline(rows: list[tuple[int, str]]) -> dict:
    data = {
        "channel_thresholds-TOTAL_FORMS": str(len(rows)),
        "channel_thresholds-INITIAL_FORMS": "0",
        "channel_thresholds-MIN_NUM_FORMS": "0",
        "channel_thresholds-MAX_NUM_FORMS": "1000",
    }
    for i, (channel_id, share) in enumerate(rows):
        data[f"channel_thresholds-{i}-channel"] = str(channel_id)
        data[f"channel_thresholds-{i}-non_target_threshold"] = share
    return data


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.django_db
def test_adding_through_admin_creates_version_two(admin_client_, admin_user):
    channel = ChannelFactory()
    response = admin_client_.post(reverse("admin:experiments_regulation_add"), FIELDS | _inline([(channel.id, "40")]))
    assert response.status_code == 302, response.content.decode()[:2000]
    new = Regulation.objects.get(version=2)
    assert new.created_by == admin_user
    assert new.non_target_threshold == Decimal("0.25")
    assert new.threshold_for(channel.id) == Decimal("0.4")
    assert Regulation.objects.get(version=1).non_target_threshold == Decimal("0.30")


@pytest.mark.django_db
def test_add_form_starts_from_the_version_in_force(admin_client_, admin_user):
    channel = ChannelFactory()
    regulation_create(by=admin_user, review_due_days=9, channel_thresholds={channel.id: Decimal("0.45")})
    page = admin_client_.get(reverse("admin:experiments_regulation_add")).content.decode()
    assert 'name="review_due_days" value="9"' in page
    assert 'name="channel_thresholds-0-non_target_threshold" value="45"' in page
    assert 'name="non_target_threshold" value="30"' in page


@pytest.mark.django_db
def test_admin_form_refuses_what_the_service_refuses(admin_client_):
    response = admin_client_.post(
        reverse("admin:experiments_regulation_add"), FIELDS | {"min_test_period_days": "45"} | _inline([])
    )
    assert response.status_code == 200
    assert "The minimum test period must not exceed the default test period." in response.content.decode()
    assert Regulation.objects.count() == 1


@pytest.mark.django_db
def test_admin_form_refuses_a_channel_threshold_outside_the_open_unit(admin_client_):
    channel = ChannelFactory()
    response = admin_client_.post(reverse("admin:experiments_regulation_add"), FIELDS | _inline([(channel.id, "150")]))
    assert response.status_code == 200
    assert "Enter a percent above 0 and below 100." in response.content.decode()
    assert Regulation.objects.count() == 1


@pytest.mark.django_db
def test_admin_reads_shares_and_numbers_as_people_type_them(admin_client_):
    channel = ChannelFactory()
    fields = FIELDS | {"non_target_threshold": "27,5 %", "exception_alpha": "0,05", "exception_min_leads": "1 000"}
    response = admin_client_.post(
        reverse("admin:experiments_regulation_add"),
        fields | _inline([(channel.id, "45%")]),
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    new = Regulation.objects.get(version=2)
    assert (new.non_target_threshold, new.exception_alpha, new.exception_min_leads) == (
        Decimal("0.275"),
        Decimal("0.05"),
        1000,
    )
    assert new.threshold_for(channel.id) == Decimal("0.45")


@pytest.mark.django_db
def test_changelist_shows_every_version(admin_client_, admin_user):
    regulation_create(by=admin_user, review_due_days=3)
    page = admin_client_.get(reverse("admin:experiments_regulation_changelist")).content.decode()
    assert "2 regulation versions" in page
    assert admin_user.username in page


@pytest.mark.django_db
def test_existing_versions_are_read_only(admin_client_):
    first = Regulation.objects.get(version=1)
    change_url = reverse("admin:experiments_regulation_change", args=[first.pk])
    assert admin_client_.get(change_url).status_code == 200
    assert admin_client_.post(change_url, FIELDS | {"review_due_days": "1"} | _inline([])).status_code == 403
    delete_url = reverse("admin:experiments_regulation_delete", args=[first.pk])
    assert admin_client_.post(delete_url, {"post": "yes"}).status_code == 403
    first.refresh_from_db()
    assert first.review_due_days == 7
