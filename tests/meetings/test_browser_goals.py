"""The goals page in Debian's Chromium: the founder corrects a goal's target and deletes another,
confirming first."""

import datetime as dt
from decimal import Decimal

import pytest

from meetings.models import Goal
from meetings.services.goals import goal_create
from tests.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DECEMBER = {"period_start": dt.date(2026, 12, 1), "period_end": dt.date(2027, 1, 1)}


def test_founder_corrects_a_target_and_deletes_a_goal(page, live_server, founder):
    goal_create(by=founder, metric="mql", target=Decimal("40"), **DECEMBER)
    revenue = goal_create(by=founder, metric="revenue", target=Decimal("5000.00"), **DECEMBER)
    log_in(page, live_server, "founder")
    page.get_by_role("link", name="Goals").click()
    page.wait_for_url("**/goals/")

    page.get_by_role("link", name="Edit the goal MQL").click()
    assert page.get_by_label("Target").input_value() == "40"
    page.get_by_label("Target").fill("40.5")
    page.get_by_role("button", name="Save").click()
    assert "give a whole number" in page.locator("#id_target_errors").inner_text()
    page.get_by_label("Target").fill("400")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=The goal is saved.")
    assert "/ 400" in page.locator(".goal-list li", has_text="MQL").inner_text()

    page.get_by_role("link", name="Delete the goal Revenue").click()
    page.wait_for_url(f"**/goals/{revenue.pk}/delete/")
    assert Goal.objects.filter(pk=revenue.pk).exists()  # opening the confirmation deletes nothing
    page.get_by_role("button", name="Delete the goal").click()
    page.wait_for_selector("text=The goal is deleted.")
    assert page.locator(".goal-list li").count() == 1
    assert list(Goal.objects.values_list("metric", "target")) == [("mql", Decimal("400"))]
