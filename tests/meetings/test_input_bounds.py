"""Goal periods, scoreboard periods and meeting notes: dates in the years 2000..2100 and text without
control characters, on the API, the pages and the admin (400 or a form error, never a 500)."""

import pytest
from django.urls import reverse

from meetings.models import Goal, Meeting

pytestmark = pytest.mark.django_db

RANGE = "Use a date in the years 2000 to 2100."
GOAL = {"metric": "mql", "period_start": "2026-12-01", "period_end": "2027-01-01", "target": "400"}


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"period_start": "9999-12-01", "period_end": "9999-12-31"}, {"period_start", "period_end"}),
        ({"period_start": "0001-01-01", "period_end": "0001-12-31"}, {"period_start", "period_end"}),
        ({"period_end": "2101-01-01"}, {"period_end"}),
    ],
)
def test_a_goal_period_out_of_range_is_a_400(client_for, founder, fields, errors):
    response = client_for(founder).post("/api/v1/goals/", GOAL | fields, format="json")
    assert response.status_code == 400
    assert response.json() == {name: [RANGE] for name in errors}
    assert not Goal.objects.exists()


def test_a_goal_correction_out_of_range_is_a_400(client_for, founder):
    client = client_for(founder)
    goal = client.post("/api/v1/goals/", GOAL, format="json").json()
    response = client.patch(f"/api/v1/goals/{goal['id']}/", {"period_end": "9999-12-31"}, format="json")
    assert response.status_code == 400 and response.json() == {"period_end": [RANGE]}
    assert client.get("/api/v1/goals/").status_code == 200


def test_the_goal_page_and_admin_refuse_a_period_out_of_range(client, founder, admin_user):
    client.force_login(founder)
    page = client.post(reverse("web:goal-list"), GOAL | {"period_start": "0001-01-01"})
    assert page.status_code == 400 and RANGE in page.content.decode()  # the form again, with its errors
    client.force_login(admin_user)
    admin = client.post(reverse("admin:meetings_goal_add"), GOAL | {"period_end": "9999-12-31"})
    assert admin.status_code == 200 and RANGE in admin.content.decode()
    assert not Goal.objects.exists()


@pytest.mark.parametrize("period", [("0001-01-01", "0002-01-01"), ("9999-01-01", "9999-12-31")])
def test_a_scoreboard_period_out_of_range_is_a_400(client_for, client, founder, period):
    date_from, date_to = period
    response = client_for(founder).get(f"/api/v1/scoreboard/?from={date_from}&to={date_to}")
    assert response.status_code == 400
    assert response.json() == {"from": [RANGE], "to": [RANGE]}
    client.force_login(founder)
    page = client.get(reverse("web:scoreboard") + f"?date_from={date_from}&date_to={date_to}")
    assert page.status_code == 200 and RANGE in page.content.decode()


def test_meeting_notes_refuse_control_characters_and_keep_line_breaks(client_for, month, founder):
    client, url = client_for(founder), f"/api/v1/meetings/{month['sync'].pk}/"
    refused = client.patch(url, {"notes": "Agreed\x1b[0m"}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"notes": ["Contains the control character U+001B, which is not allowed here."]}
    assert client.patch(url, {"decisions": "One.\r\n\tTwo."}, format="json").status_code == 200
    assert Meeting.objects.get(pk=month["sync"].pk).decisions == "One.\r\n\tTwo."
