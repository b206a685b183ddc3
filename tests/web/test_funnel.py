"""The experiment page's funnel: leads → judged target → MQL → SQL → customers, each step with its
count, its conversion from the previous step and from the leads, and what it lost; as a table beside
the chart and in the chart's tooltips, in the reader's language."""

from fractions import Fraction

import pytest
from django.test import Client
from django.urls import reverse

from experiments.views.funnel import funnel_steps, step_tooltip
from tests.pages import snapshot_for

pytestmark = pytest.mark.django_db

COUNTS = {"leads_total": 248, "judged_leads": 200, "non_target_leads": 50, "mql": 100, "sql": 40, "customers": 10}


def test_each_step_has_its_count_conversions_and_drop_off():
    steps = funnel_steps(COUNTS)
    assert [(s["key"], s["stage"], s["label"], s["count"]) for s in steps] == [
        ("leads_total", "", "Leads", 248),
        ("judged_target", "target", "Judged target", 150),
        ("mql", "mql", "MQL", 100),
        ("sql", "sql", "SQL", 40),
        ("customers", "customer", "Customers", 10),
    ]
    first, target, mql, sql, customers = steps
    assert (first["from_previous"], first["from_first"], first["lost"]) == (None, None, None)
    assert (target["from_previous"], target["from_first"]) == (Fraction(150, 248), Fraction(150, 248))
    assert (target["lost"], target["lost_share"]) == (98, Fraction(98, 248))
    assert (mql["from_previous"], mql["from_first"], mql["lost"]) == (Fraction(2, 3), Fraction(100, 248), 50)
    assert (sql["lost"], sql["lost_share"]) == (60, Fraction(3, 5))
    assert (customers["from_previous"], customers["from_first"]) == (Fraction(1, 4), Fraction(10, 248))


def test_a_step_above_the_one_before_loses_nothing():
    """MQL is counted by its own date: leads may be MQL before sales judge them."""
    steps = funnel_steps({"leads_total": 10, "judged_leads": 2, "non_target_leads": 0, "mql": 5})
    mql = steps[2]
    assert mql["from_previous"] == Fraction(5, 2)
    assert (mql["lost"], mql["lost_share"]) == (None, None)


def test_no_metrics_is_an_empty_funnel_without_division_by_zero():
    steps = funnel_steps(None)
    assert [s["count"] for s in steps] == [0] * 5
    assert all(s["from_previous"] is None and s["from_first"] is None for s in steps)


def test_tooltips_read_as_the_table():
    steps = funnel_steps(COUNTS)
    assert step_tooltip(steps[0]) == []
    assert step_tooltip(steps[2]) == ["From the previous step: 66.7%", "From leads: 40.3%", "Lost: 50 (33.3%)"]


@pytest.mark.parametrize(
    ("language", "row", "tooltip"),
    [
        (
            "en",
            ["Judged target", "150", "60.5%", '98 <span class="muted">(39.5%)</span>'],
            ["From the previous step: 60.5%", "From leads: 60.5%", "Lost: 98 (39.5%)"],
        ),
        (
            "ru",
            ["Оценены как целевые", "150", "60,5\xa0%", '98 <span class="muted">(39,5\xa0%)</span>'],
            ["От предыдущего этапа: 60,5\xa0%", "От лидов: 60,5\xa0%", "Потеряно: 98 (39,5\xa0%)"],
        ),
    ],
)
def test_the_page_shows_the_funnel_as_a_table_in_the_readers_language(
    founder, running_experiment, language, row, tooltip
):
    snapshot_for(running_experiment, **COUNTS)
    client = Client()
    client.force_login(founder)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    response = client.get(reverse("web:experiment-detail", args=[running_experiment.pk]))
    table = response.content.decode().split('id="funnel-table"')[1].split("</table>")[0]
    target = table.split("<tr>")[3]  # after the header and the leads
    link = reverse("web:experiment-leads", args=[running_experiment.pk])
    assert f'<a href="{link}?stage=target">{row[0]}</a>' in target
    for text in row[1:]:
        assert f'<td class="num">{text}</td>' in target
    data = response.context["charts"]["data"]
    assert data["funnel"] == [248, 150, 100, 40, 10]
    assert data["funnelTooltip"][1] == tooltip
    assert data["text"]["funnel"][1] == row[0]
