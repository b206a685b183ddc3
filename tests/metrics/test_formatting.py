"""One number formatter: values rounded once, half up, in the reader's locale, so that one share reads
the same on the page, in the chart's labels, in the agenda and in the e-mail (175 of 248 is 70.6%,
not 70.5% in one place and 70.6% in another)."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from experiments import tasks
from experiments.models import ReviewUnlock
from experiments.services.unlocks import unlocks_record_due
from meetings.agendas import sync_agenda
from meetings.models import Meeting
from metrics import formatting
from metrics.catalog import COUNT, MONEY, RATE
from metrics.services import leads_upsert, snapshots_recompute
from tests.factories import ExperimentFactory
from tests.pages import log_in

if TYPE_CHECKING:
    # django-stubs' name for the test client's response, which carries the template context.
    from django.test.client import _MonkeyPatchedWSGIResponse

SHARE = {"en": "70.6%", "ru": "70,6\xa0%"}  # Russian sets a no-break space before the sign


# --- the formatter -----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("value", [Fraction(175, 248), 175 / 248, "0.7056451612903226", Decimal(175) / 248])
def test_175_of_248_reads_70_6_percent_however_it_is_stored(language, value):
    with translation.override(language):
        assert formatting.percent(value) == SHARE[language]


@pytest.mark.parametrize(
    ("format_", "args", "expected"),
    [
        (formatting.percent, (0.0125,), "1.3%"),  # a float's half (stored as 0.01250000000000000069...)
        (formatting.percent, (Decimal("0.0125"),), "1.3%"),
        (formatting.percent, (0.0175,), "1.8%"),  # banker's rounding: 1.2% above, 1.8% here
        (formatting.percent, (-0.0125,), "-1.3%"),  # half away from zero
        (formatting.percent, (Fraction(1, 8), 0), "13%"),
        (formatting.money, ("2.345",), "RUB\xa02.35"),
        (formatting.money, ("0.005",), "RUB\xa00.01"),
        (formatting.money, ("1234.5",), "RUB\xa01,234.50"),
        (formatting.amount, ("1234.5",), "1,234.50"),
        (formatting.count, (2.5,), "3"),
        (formatting.count, (12345,), "12,345"),
        (formatting.evidence, (17.25,), "17.3"),
        (formatting.evidence, (3.4568,), "3.5"),
        (formatting.evidence, (float("inf"),), "> 1,000,000"),
        (formatting.change_text, (RATE, 0.0125), "+1.3 pp"),
        (formatting.change_text, (MONEY, "-1500"), "−RUB\xa01,500.00"),
        (formatting.change_text, (COUNT, 0), "0"),
        (formatting.exact_percent, (Decimal("0.275"),), "27.5%"),
        (formatting.exact_percent, (Decimal("0.3000"),), "30%"),
        (formatting.css_percent, (Fraction(175, 248),), "70.6"),
        (formatting.api_number, (17.25, 1), "17.3"),
        (formatting.api_percent, (Decimal("0.3"),), "30%"),
    ],
)
def test_halves_round_up_and_every_kind_has_its_format(format_, args, expected):
    assert format_(*args) == expected


def test_no_value_is_a_dash():
    for text in (formatting.percent(None), formatting.money(None), formatting.count(""), formatting.evidence(None)):
        assert text == "—"
    assert formatting.metric_value(None, "romi") == "—"


def test_metric_values_follow_their_kind_in_the_catalog():
    assert formatting.metric_value(Fraction(175, 248), "non_target_share") == "70.6%"
    assert formatting.metric_value("1234.5", "cpl") == "RUB\xa01,234.50"
    assert formatting.metric_value(1234, "leads_total") == "1,234"
    with translation.override("ru"):
        assert formatting.metric_value("1234.5", "cpl") == "1\xa0234,50\xa0₽"


def test_money_is_shown_in_the_configured_currency_in_the_readers_locale(settings):
    settings.CURRENCY = "USD"
    assert formatting.money("150000") == "$150,000.00"
    with translation.override("ru"):
        assert formatting.money("150000") == "150\xa0000,00\xa0$"
    settings.CURRENCY = "EUR"
    with translation.override("ru"):
        assert formatting.money("-12.5") == "-12,50\xa0€"
        assert formatting.change_text(RATE, -0.0125) == "−1,3 п. п."


# --- every surface that shows the share ---------------------------------------------------------


@pytest.fixture
def share_175_of_248(db, marketer):
    """A running experiment with 248 judged leads over four days, 175 of them non-target: the review
    opened early by the exception."""
    experiment = ExperimentFactory.create(
        running=True, owner=marketer, start_date=timezone.localdate() - dt.timedelta(days=5)
    )
    rows = []
    for i in range(248):
        day = experiment.start_date + dt.timedelta(days=i % 4)
        created = dt.datetime.combine(day, dt.time(12), tzinfo=timezone.get_current_timezone())
        rows.append(
            {
                "external_id": f"share-{i}",
                "created_at": created.isoformat(),
                "utm_campaign": experiment.utm_campaign,
                "is_target": i >= 175,
            }
        )
    assert leads_upsert(rows=rows).errors == []
    snapshots_recompute(experiment_ids=[experiment.id])
    unlocks_record_due(experiment_ids=[experiment.id])
    unlock = ReviewUnlock.objects.get(experiment=experiment)
    assert (unlock.reason, unlock.non_target_leads, unlock.judged_leads) == ("exception", 175, 248)
    return experiment


def _page(user, language: str, url: str) -> "_MonkeyPatchedWSGIResponse":
    client = Client()
    client.force_login(user)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    response = client.get(url)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_share_reads_the_same_on_the_page_its_charts_the_agenda_and_the_email(
    share_175_of_248, marketing_head, language, settings
):
    experiment, share = share_175_of_248, SHARE[language]
    truncated = "70.5" if language == "en" else "70,5"

    # The experiment page: the gauge, the lock's sentence, the chart's table and its tooltips.
    response = _page(marketing_head, language, reverse("web:experiment-detail", args=[experiment.pk]))
    html = response.content.decode()
    assert f"<strong>{share}</strong>" in html  # the gauge
    assert f"({share}" in html  # "175 of 248 judged leads are non-target (70.6%, ..."
    assert f"<td>{share}</td>" in html  # the last day of the chart's table
    chart = response.context["charts"]["data"]
    assert chart["cumulativeShareText"][-1] == share
    assert truncated not in html

    # The sync meeting's agenda, on its page.
    today = timezone.localdate()
    agenda = sync_agenda(date_from=today - dt.timedelta(days=14), date_to=today + dt.timedelta(days=1))
    assert agenda["experiments_unlocked"][0]["non_target_share"] == 175 / 248
    meeting = Meeting.objects.create(kind="sync", date=today + dt.timedelta(days=1), agenda=agenda)
    html = _page(marketing_head, language, reverse("web:meeting-detail", args=[meeting.pk])).content.decode()
    assert share in html and truncated not in html

    # The e-mail that the review is open, in the site's language.
    settings.LANGUAGE_CODE = language
    assert tasks.notify_review_unlocked(ReviewUnlock.objects.get(experiment=experiment).pk) is True
    body = mail.outbox[-1].body
    assert f"({share})" in body and truncated not in body


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_chart_tooltips_read_the_share_as_the_page_does(share_175_of_248, page, live_server, founder):
    log_in(page, live_server, "founder")
    page.goto(f"{live_server.url}/experiments/{share_175_of_248.pk}/")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('#chart-share'))")
    tooltip = page.evaluate(
        """() => {
            const chart = Chart.getChart(document.querySelector('#chart-share'));
            const last = chart.data.labels.length - 1, dataset = chart.data.datasets[0];
            const point = {datasetIndex: 0, dataIndex: last, dataset, parsed: {y: dataset.data[last]}};
            return chart.options.plugins.tooltip.callbacks.label(point);
        }"""
    )
    assert tooltip == "Cumulative non-target share: 70.6%"
    assert page.locator("table.sr-only tbody tr td").last.inner_text() == "70.6%"
