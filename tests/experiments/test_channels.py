"""Channels: created by marketers, marketing heads and admins; names and slugs unique."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from experiments.models import Channel
from experiments.services.channels import channel_create


@pytest.mark.django_db
def test_channel_create_trims_and_lowercases_the_slug(marketer):
    channel = channel_create(by=marketer, name="  Partner mailings ", slug="Partner-Mailings")
    assert (channel.name, channel.slug) == ("Partner mailings", "partner-mailings")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["sales_head", "founder"])
def test_sales_heads_and_founders_do_not_add_channels(users, role):
    with pytest.raises(PermissionDenied):
        channel_create(by=users[role], name="Events", slug="events")
    assert not Channel.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "slug", "field"),
    [
        ("", "events", "name"),
        ("Events", "", "slug"),
        ("Events", "two words", "slug"),
        ("x" * 101, "events", "name"),
        ("EVENTS", "other", "name"),
        ("Other", "events", "slug"),
    ],
)
def test_invalid_or_taken_names_and_slugs_are_refused(marketer, name, slug, field):
    channel_create(by=marketer, name="Events", slug="events")
    with pytest.raises(ValidationError) as refused:
        channel_create(by=marketer, name=name, slug=slug)
    assert field in refused.value.message_dict
    assert Channel.objects.count() == 1


@pytest.mark.django_db
def test_channel_api_lists_and_creates(marketer, client_for):
    client = client_for(marketer)
    created = client.post("/api/v1/channels/", {"name": "Paid search", "slug": "paid-search"}, format="json")
    assert created.status_code == 201
    assert created.json() == {"id": created.json()["id"], "name": "Paid search", "slug": "paid-search"}
    listed = client.get("/api/v1/channels/").json()
    assert listed["count"] == 1
    assert listed["results"] == [created.json()]


@pytest.mark.django_db
def test_channel_api_duplicate_slug_is_400(marketer, client_for):
    client = client_for(marketer)
    client.post("/api/v1/channels/", {"name": "Paid search", "slug": "paid-search"}, format="json")
    response = client.post("/api/v1/channels/", {"name": "Paid search 2", "slug": "paid-search"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"slug": ["A channel with this slug already exists."]}


@pytest.mark.django_db
def test_channel_list_query_count_does_not_grow(marketer, client_for, count_queries):
    client = client_for(marketer)
    channel_create(by=marketer, name="Events", slug="events")
    few = count_queries(client.get, "/api/v1/channels/")
    assert few <= 5
    for i in range(20):
        channel_create(by=marketer, name=f"Channel {i}", slug=f"channel-{i}")
    assert count_queries(client.get, "/api/v1/channels/") <= few
    assert client.get("/api/v1/channels/").json()["count"] == 21


@pytest.mark.django_db
def test_rename_keeps_the_slug_and_refuses_a_taken_name(marketer, sales_head):
    from experiments.services.channels import channel_rename

    events = channel_create(by=marketer, name="Events", slug="events")
    channel_create(by=marketer, name="Paid search", slug="paid-search")
    renamed = channel_rename(channel=events, by=marketer, name=" Regional events ")
    assert (renamed.name, renamed.slug) == ("Regional events", "events")
    assert channel_rename(channel=events, by=marketer, name="REGIONAL EVENTS").name == "REGIONAL EVENTS"
    with pytest.raises(ValidationError) as refused:
        channel_rename(channel=events, by=marketer, name="paid search")
    assert refused.value.message_dict == {"name": ["A channel with this name already exists."]}
    with pytest.raises(PermissionDenied):
        channel_rename(channel=events, by=sales_head, name="Mine")
