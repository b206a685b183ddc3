"""Bounds on what experiments, channels and the regulation accept, on every path (API, pages,
admin): dates in the years 2000..2100, integers within their column (days at most a year), text
without control characters. Each is a 400 or a form error, never a 500."""

from typing import Any

import pytest
from django.urls import reverse

from experiments.models import Channel, Experiment, Regulation
from tests.experiments.test_regulations_admin import FIELDS, _inline
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db

RANGE = "Use a date in the years 2000 to 2100."


@pytest.fixture
def channel():
    return ChannelFactory(slug="ads", name="Ads")


def _experiment(**fields: Any) -> dict[str, Any]:
    return {
        "title": "Partner mailings",
        "hypothesis": "If we mail partners' customers,\nthen we get SMB leads.",
        "channel": "ads",
        "utm_campaign": "partner_dec",
        "start_date": "2026-12-01",
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"start_date": "9999-12-31"}, "start_date", RANGE),  # start + period overflowed: a 500
        ({"start_date": "0001-01-01"}, "start_date", RANGE),
        ({"start_date": "1999-12-31"}, "start_date", RANGE),
        ({"title": "bell\x07"}, "title", "Contains the control character U+0007, which is not allowed here."),
        ({"title": "two\nlines"}, "title", "Contains the control character U+000A, which is not allowed here."),
        ({"hypothesis": "esc\x1b"}, "hypothesis", "Contains the control character U+001B, which is not allowed here."),
        (
            {"utm_campaign": "utm\x7f"},
            "utm_campaign",
            "Contains the control character U+007F, which is not allowed here.",
        ),
    ],
)
def test_an_experiment_out_of_bounds_is_a_400(client_for, marketer, channel, fields, field, message):
    response = client_for(marketer).post("/api/v1/experiments/", _experiment(**fields), format="json")
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert not Experiment.objects.exists()


def test_the_range_ends_and_free_text_line_breaks_are_accepted(client_for, marketer, channel):
    client = client_for(marketer)
    last = client.post("/api/v1/experiments/", _experiment(start_date="2100-12-31"), format="json")
    assert last.status_code == 201 and last.json()["ends_on"] == "2101-01-30"
    first = client.post("/api/v1/experiments/", _experiment(start_date="2000-01-01", utm_campaign="x"), format="json")
    assert first.status_code == 201
    assert client.get("/api/v1/experiments/").status_code == 200


def test_an_edit_to_a_date_out_of_range_is_a_400(client_for, marketer, channel):
    client = client_for(marketer)
    created = client.post("/api/v1/experiments/", _experiment(), format="json").json()
    response = client.patch(f"/api/v1/experiments/{created['id']}/", {"start_date": "9999-12-31"}, format="json")
    assert response.status_code == 400 and response.json() == {"start_date": [RANGE]}


def test_the_page_form_shows_the_date_refusal_in_russian(client, marketer, channel):
    client.force_login(marketer)
    data = {**_experiment(start_date="9999-12-31"), "channel": channel.pk}
    response = client.post(reverse("web:experiment-create"), data, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    assert "Укажите дату в пределах 2000–2100 годов." in response.content.decode()
    assert not Experiment.objects.exists()


def test_the_page_form_refuses_a_control_character(client, marketer, channel):
    client.force_login(marketer)
    data = {**_experiment(title="bell\x07"), "channel": channel.pk}
    response = client.post(reverse("web:experiment-create"), data)
    assert response.status_code == 200
    assert "U+0007" in response.content.decode()
    assert not Experiment.objects.exists()


def test_the_admin_form_refuses_a_date_out_of_range(client, admin_user, channel):
    client.force_login(admin_user)
    data = {**_experiment(start_date="9999-12-31"), "channel": channel.pk, "targets": "{}"}
    response = client.post(reverse("admin:experiments_experiment_add"), data)
    assert response.status_code == 200
    assert RANGE in response.content.decode()
    assert not Experiment.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"review_due_days": 2147483648}, "review_due_days"),  # smallint: a 500 on PostgreSQL
        ({"review_due_days": 366}, "review_due_days"),
        ({"sync_meeting_every_days": 40000}, "sync_meeting_every_days"),
        ({"founder_meeting_every_days": 10**30}, "founder_meeting_every_days"),
        ({"exception_min_leads": 2147483648}, "exception_min_leads"),
        ({"default_test_period_days": 70000}, "default_test_period_days"),
    ],
)
def test_a_regulation_integer_beyond_its_bound_is_a_400(client_for, admin_user, fields, field):
    response = client_for(admin_user).post("/api/v1/regulations/", fields, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {field}
    assert Regulation.objects.count() == 1


def test_the_regulation_bounds_are_inclusive(client_for, admin_user):
    fields = {"review_due_days": 365, "sync_meeting_every_days": 365, "exception_min_leads": 2147483647}
    response = client_for(admin_user).post("/api/v1/regulations/", fields, format="json")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("value", ["2147483648", "366", "99999999999999999999"])
def test_the_admin_regulation_form_refuses_a_day_count_beyond_a_year(client, admin_user, value):
    client.force_login(admin_user)
    data = FIELDS | {"review_due_days": value} | _inline([])
    response = client.post(reverse("admin:experiments_regulation_add"), data, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    assert "Убедитесь, что это значение меньше либо равно 365." in response.content.decode()
    assert Regulation.objects.count() == 1


@pytest.mark.parametrize("name", ["Ads\x00", "Ads\x01", "Ads\nNews"])
def test_a_channel_name_with_a_control_character_is_a_400(client_for, marketer, name):
    response = client_for(marketer).post("/api/v1/channels/", {"name": name, "slug": "ads"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"name"}
    assert not Channel.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"test_period_days": 2**40}, "test_period_days"),
        ({"budget": "1e20"}, "budget"),
        ({"budget": "99999999999999.99"}, "budget"),
        ({"targets": {"max_cpl": "1e20"}}, "targets"),
    ],
)
def test_experiment_numbers_beyond_their_column_are_a_400(client_for, marketer, channel, fields, field):
    response = client_for(marketer).post("/api/v1/experiments/", _experiment(**fields), format="json")
    assert response.status_code == 400
    assert set(response.json()) == {field}


def test_review_and_question_texts_refuse_control_characters_and_keep_line_breaks(month, client_for, sales_head):
    client, partner = client_for(sales_head), month["partner"]
    amend = f"/api/v1/experiments/{partner.pk}/review/amendments/"
    refused = client.post(amend, {"summary": "ok\x01"}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"summary": ["Contains the control character U+0001, which is not allowed here."]}
    assert client.post(amend, {"summary": "Numbers agree.\r\n\tCalls too."}, format="json").status_code == 201
    ask = f"/api/v1/experiments/{partner.pk}/questions/"
    refused = client.post(ask, {"text": "Why\x0c?"}, format="json")
    assert refused.status_code == 400 and set(refused.json()) == {"text"}
    assert client.post(ask, {"text": "Why these partners?\nAnd when?"}, format="json").status_code == 201


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"date_joined_0": "0001-01-01"}, RANGE),  # stored before year 1 in UTC: the user list broke
        ({"last_login_0": "9999-12-31"}, RANGE),
        ({"first_name": "Al\x07ice"}, "Contains the control character U+0007, which is not allowed here."),
    ],
)
def test_the_user_admin_refuses_out_of_range_dates_and_control_characters(
    client, admin_user, marketer, fields, message
):
    client.force_login(admin_user)
    data = {
        "username": marketer.username,
        "password": marketer.password,
        "is_active": "on",
        "date_joined_0": "2026-12-01",
        "date_joined_1": "10:00:00",
        "last_login_0": "2026-12-01",
        "last_login_1": "11:00:00",
        **fields,
    }
    response = client.post(reverse("admin:auth_user_change", args=[marketer.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200


def test_a_count_target_beyond_an_integer_column_is_a_400(client_for, marketer, channel):
    response = client_for(marketer).post(
        "/api/v1/experiments/", _experiment(targets={"min_mql": 2147483648}), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"targets": ["min_mql may be at most 2,147,483,647."]}


def test_a_cancel_reason_refuses_control_characters_and_keeps_line_breaks(client_for, marketer, channel):
    client = client_for(marketer)
    created = client.post("/api/v1/experiments/", _experiment(), format="json").json()
    url = f"/api/v1/experiments/{created['id']}/cancel/"
    refused = client.post(url, {"reason": "Withdrew\x07"}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"reason": ["Contains the control character U+0007, which is not allowed here."]}
    assert Experiment.objects.get(pk=created["id"]).status == Experiment.Status.DRAFT
    cancelled = client.post(url, {"reason": "The partner withdrew.\r\n\tFor now."}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["cancel_reason"] == "The partner withdrew.\r\n\tFor now."
