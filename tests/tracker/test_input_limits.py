"""Limits that hold for every request before a view reads it: JSON nesting depth, unpaired
surrogates, control characters in query strings. Each is a 400 with a plain sentence, never a 500."""

import json
from typing import Any

import pytest
from django.urls import reverse

from tracker.parsers import MAX_DEPTH, nesting_exceeds

DEEP = "[" * 100_000 + "]" * 100_000
NESTED_OBJECTS = '{"a":' * 5_000 + "1" + "}" * 5_000


def _posts(month: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(method, url, role allowed to send it) for every API write that reads a JSON body."""
    partner, question = month["partner"], month["question"]
    return [
        ("post", "/api/v1/auth/token/", "anonymous"),
        ("post", "/api/v1/channels/", "admin"),
        ("post", "/api/v1/experiments/", "admin"),
        ("patch", f"/api/v1/experiments/{partner.pk}/", "admin"),
        ("post", f"/api/v1/experiments/{partner.pk}/questions/", "sales_head"),
        ("post", f"/api/v1/experiments/{partner.pk}/review/", "sales_head"),
        ("post", f"/api/v1/experiments/{partner.pk}/review/amendments/", "sales_head"),
        ("post", f"/api/v1/questions/{question.pk}/answer/", "marketing_head"),
        ("post", "/api/v1/goals/", "founder"),
        ("post", "/api/v1/leads/", "admin"),
        ("post", "/api/v1/spend/", "admin"),
        ("post", "/api/v1/regulations/", "admin"),
        ("patch", f"/api/v1/meetings/{month['sync'].pk}/", "founder"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("body", [DEEP, NESTED_OBJECTS], ids=["arrays", "objects"])
def test_deeply_nested_json_is_refused_on_every_write(month, users, client_for, body):
    for method, url, role in _posts(month):
        client = client_for(users[role])
        response = getattr(client, method)(url, body, content_type="application/json")
        assert response.status_code == 400, (url, response.status_code)
        assert response.json() == {
            "detail": f"The JSON body is nested more than {MAX_DEPTH} levels deep; send flatter data.",
            "code": "parse_error",
        }


@pytest.mark.django_db
def test_the_depth_refusal_speaks_russian(client_for, admin_user):
    response = client_for(admin_user).post(
        "/api/v1/leads/", DEEP, content_type="application/json", HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Тело JSON")


@pytest.mark.django_db
def test_an_unpaired_surrogate_is_refused_and_a_pair_is_text(client_for, admin_user):
    client = client_for(admin_user)
    lone = '[{"external_id": "x\\ud800", "created_at": "2026-12-02T10:00:00+03:00"}]'
    response = client.post("/api/v1/leads/", lone, content_type="application/json")
    assert response.status_code == 400
    assert "surrogate" in response.json()["detail"]
    pair = '[{"external_id": "smile\\ud83d\\ude00", "created_at": "2026-12-02T10:00:00+03:00"}]'
    assert client.post("/api/v1/leads/", pair, content_type="application/json").json()["created"] == 1


def test_nesting_is_measured_outside_strings():
    assert not nesting_exceeds("[" * 64 + "]" * 64, 64)
    assert nesting_exceeds("[" * 65 + "]" * 65, 64)
    assert nesting_exceeds('[{"a": [{"b": [[[]]]}]}]', 6)
    assert not nesting_exceeds('[{"a": [{"b": [[[]]]}]}]', 7)
    assert not nesting_exceeds(json.dumps(["[" * 1000, {"k": "{{{\\"}]), 64)
    assert not nesting_exceeds(json.dumps([{"row": i} for i in range(10_000)]), 2)
    assert not nesting_exceeds("[]]]", 2)  # not JSON: the parser says why
    assert nesting_exceeds("[[[", 2)  # as far as it goes, too deep


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/experiments/?channel=%00",
        "/api/v1/experiments/?owner=%00",
        "/api/v1/leads/?external_id=%00",
        "/api/v1/leads/?utm_campaign=a%01b",
        "/api/v1/scoreboard/?from=2026-12-01&to=2027-01-01&channel=%00",
        "/api/v1/meetings/?kind=%1b",
        "/api/v1/spend/?experiment=1%0a",
        "/api/v1/goals/?page=%7f",
        "/api/v1/leads/?%00=1",
    ],
)
def test_a_control_character_in_an_api_query_is_a_400(client_for, admin_user, url):
    response = client_for(admin_user).get(url)
    assert response.status_code == 400
    (messages,) = response.json().values()
    assert messages[0].startswith("Contains ")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/experiments/?q=%00",
        "/experiments/?channel=%00",
        "/meetings/?kind=%00",
        "/scoreboard/?channel=%00",
        "/admin/experiments/experiment/?q=%00",
        "/admin/auth/user/?q=%00",
    ],
)
def test_a_control_character_in_a_page_query_is_a_400_page(client, admin_user, url):
    client.force_login(admin_user)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 400
    assert "Содержит символ NUL" in response.content.decode()


def test_a_page_names_the_refused_parameter(client, db):
    response = client.get(reverse("login") + "?next=%01")
    assert response.status_code == 400
    assert "The query parameter “next”: Contains the control character U+0001" in response.content.decode()


@pytest.mark.django_db
def test_a_cookie_with_a_control_character_is_ignored(client, marketer):
    client.cookies["sessionid"] = "abcdefgh\x00ij"  # a NUL in a session key could not be looked up
    assert client.get("/api/v1/leads/").status_code == 401
    assert client.get(reverse("web:dashboard")).status_code == 302  # to the login page
    client.cookies.clear()
    client.force_login(marketer)
    client.cookies["tracker_note"] = "bell\x07"
    assert client.get(reverse("web:dashboard")).status_code == 200
