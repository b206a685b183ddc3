"""Goals in the admin: a rate's target typed and shown as percent, as on the goals page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from meetings.models import Goal

pytestmark = pytest.mark.django_db

DECEMBER = {"period_start": "2026-12-01", "period_end": "2027-01-01"}


def test_admin_sets_a_share_goal_in_percent_and_shows_it_back(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:meetings_goal_add"), {"metric": "non_target_share", "target": "25 %", **DECEMBER}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    goal = Goal.objects.get()
    assert goal.target == Decimal("0.25")
    change = client.get(reverse("admin:meetings_goal_change", args=[goal.pk])).content.decode()
    assert 'name="target" value="25"' in change
    assert "25%" in client.get(reverse("admin:meetings_goal_changelist")).content.decode()


def test_admin_reads_an_amount_typed_the_russian_way(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:meetings_goal_add"),
        {"metric": "revenue", "target": "5 000 000,50 ₽", **DECEMBER},
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Goal.objects.get().target == Decimal("5000000.50")
