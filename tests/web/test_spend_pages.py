"""An experiment's spend on the pages: the list with totals for everyone, adding, correcting and
deleting (after a confirmation) for the owner, the marketing heads and the admins, and for sales
heads their sales spend; input as people type it, refusals in the reader's language."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from metrics.models import MetricSnapshot, Spend
from tests.factories import ExperimentFactory

pytestmark = pytest.mark.django_db

ROLES = ["marketer", "other_marketer", "marketing_head", "sales_head", "founder", "admin"]
MAY_CHANGE = {
    "marketing": {"marketer", "marketing_head", "admin"},
    "sales": {"marketer", "marketing_head", "admin", "sales_head"},
}
ROW = {"date": "2026-12-02", "kind": "marketing", "amount": "1500", "visits": ""}


@pytest.fixture
def experiment(marketer):
    return ExperimentFactory(running=True, owner=marketer, title="Partner mailings to SMB")


def detail_url(experiment) -> str:
    return reverse("web:experiment-detail", args=[experiment.pk])


def add_url(experiment) -> str:
    return reverse("web:spend-list", args=[experiment.pk])


def spend_row(experiment, kind="marketing", amount="1000.00", **extra) -> Spend:
    return Spend.objects.create(experiment=experiment, date=dt.date(2026, 12, 1), amount=amount, kind=kind, **extra)


def section(html: str) -> str:
    return html.split('id="spend"')[1].split("</section>")[0]


# --- who sees what ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_sees_the_spend_with_totals_and_only_those_allowed_get_the_form(web_client, users, experiment, role):
    spend_row(experiment, "marketing", "12500.50", visits=1200, external_id="yd-1")
    spend_row(experiment, "sales", "300.00")
    html = section(web_client(users[role]).get(detail_url(experiment)).content.decode())
    assert "12,500.50" in html and "300.00" in html and "yd-1" in html and "1,200" in html
    assert "Marketing spend" in html and "Sales spend" in html
    assert ('action="' + add_url(experiment) + '"' in html) == (role in MAY_CHANGE["sales"])
    edit_links = html.count(">Edit<")
    assert edit_links == sum(role in MAY_CHANGE[kind] for kind in ("marketing", "sales"))
    assert html.count('data-delete-dialog="spend-delete-dialog"') == edit_links


def test_a_sales_head_is_offered_only_sales_spend(web_client, sales_head, experiment):
    html = section(web_client(sales_head).get(detail_url(experiment)).content.decode())
    kinds = html.split('name="kind"')[1].split("</select>")[0]
    assert "Sales" in kinds and "Marketing" not in kinds


def test_the_spend_page_lists_every_row_a_page_at_a_time(web_client, founder, experiment):
    for day in range(1, 26):
        Spend.objects.create(experiment=experiment, date=dt.date(2026, 12, day), amount="10.00", kind="marketing")
    client = web_client(founder)
    detail = section(client.get(detail_url(experiment)).content.decode())
    assert detail.count("<tr id=") == 10 and "All 25 spend rows" in detail
    assert "250.00" in detail  # the totals are over every row
    first = client.get(add_url(experiment)).content.decode()
    assert first.count("<tr id=") == 10 and "Page 1 of 3" in first
    last = client.get(add_url(experiment), {"page": 3}).content.decode()
    assert last.count("<tr id=") == 5


def test_anonymous_users_are_sent_to_the_login_page(web_client, experiment):
    spend = spend_row(experiment)
    for url in (
        add_url(experiment),
        reverse("web:spend-edit", args=[spend.pk]),
        reverse("web:spend-delete", args=[spend.pk]),
    ):
        response = web_client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("kind", ["marketing", "sales"])
@pytest.mark.parametrize("role", ROLES)
def test_who_may_add_correct_and_delete_on_the_pages(web_client, users, experiment, role, kind):
    client = web_client(users[role])
    allowed = role in MAY_CHANGE[kind]
    added = client.post(add_url(experiment), {**ROW, "kind": kind})
    if allowed:
        assert added.status_code == 302 and added["Location"] == detail_url(experiment) + "#spend"
        assert Spend.objects.get().kind == kind
    else:
        # A sales head may add sales spend only: "marketing" is not among the kinds offered.
        assert added.status_code == (400 if role == "sales_head" else 403)
        assert not Spend.objects.exists()
    spend = Spend.objects.first() or spend_row(experiment, kind)
    edit, delete = reverse("web:spend-edit", args=[spend.pk]), reverse("web:spend-delete", args=[spend.pk])
    assert client.get(edit).status_code == (200 if allowed else 403)
    assert client.get(delete).status_code == (200 if allowed else 403)
    assert client.post(edit, {**ROW, "kind": kind, "amount": "7"}).status_code == (302 if allowed else 403)
    assert Spend.objects.get().amount == Decimal("7.00" if allowed else spend.amount)
    assert client.post(delete).status_code == (302 if allowed else 403)
    assert Spend.objects.exists() is not allowed


def test_an_unknown_row_or_experiment_is_404(web_client, marketer):
    client = web_client(marketer)
    assert client.get(reverse("web:spend-edit", args=[999])).status_code == 404
    assert client.get(reverse("web:spend-list", args=[999])).status_code == 404


# --- adding, correcting, deleting ---------------------------------------------------------------


@pytest.mark.parametrize("typed", ["12 500,50", "12\u00a0500,50", "12,500.50", "12500.50", "12500,5"])
def test_amounts_are_read_as_people_type_them(web_client, marketer, experiment, typed):
    response = web_client(marketer).post(add_url(experiment), {**ROW, "amount": typed, "visits": "1 200"})
    assert response.status_code == 302
    spend = Spend.objects.get()
    assert (spend.amount, spend.visits, spend.created_by) == (Decimal("12500.50"), 1200, marketer)


def test_a_comma_before_three_digits_is_read_by_the_readers_locale(web_client, marketer, experiment):
    client = web_client(marketer)
    client.post(add_url(experiment), {**ROW, "amount": "12,500"})
    client.post(add_url(experiment), {**ROW, "amount": "12,5"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert sorted(Spend.objects.values_list("amount", flat=True)) == [Decimal("12.50"), Decimal("12500.00")]


def test_added_spend_shows_in_the_list_and_the_metrics_are_marked_for_recompute(web_client, marketer, experiment):
    client = web_client(marketer)
    response = client.post(add_url(experiment), {**ROW, "amount": "12 500,50"}, follow=True)
    html = response.content.decode()
    assert "The spend is added" in html
    assert "12,500.50" in section(html)
    assert MetricSnapshot.objects.get(experiment=experiment).dirty_since is not None


def test_a_correction_is_saved_and_goes_back_where_it_came_from(web_client, marketer, experiment):
    spend = spend_row(experiment, visits=5)
    client = web_client(marketer)
    url = reverse("web:spend-edit", args=[spend.pk])
    form = client.get(url, {"next": add_url(experiment) + "?page=1"}).content.decode()
    assert 'value="1,000.00"' in form and 'value="5"' in form  # as the reader's locale writes it
    response = client.post(url, {**ROW, "amount": "1 000,00", "visits": "7", "next": add_url(experiment) + "?page=1"})
    assert response.status_code == 302 and response["Location"] == add_url(experiment) + "?page=1"
    spend.refresh_from_db()
    assert (spend.amount, spend.visits, spend.date) == (Decimal("1000.00"), 7, dt.date(2026, 12, 2))


def test_a_change_never_sends_the_reader_to_another_site(web_client, marketer, experiment):
    spend = spend_row(experiment)
    response = web_client(marketer).post(
        reverse("web:spend-edit", args=[spend.pk]), {**ROW, "next": "https://evil.example/"}
    )
    assert response["Location"] == detail_url(experiment) + "#spend"


def test_a_row_from_another_system_warns_that_its_next_sync_wins(web_client, marketer, experiment):
    spend = spend_row(experiment, external_id="yd-7")
    html = web_client(marketer).get(reverse("web:spend-edit", args=[spend.pk])).content.decode()
    assert "external id yd-7" in html and "replace what you save here" in html


def test_deleting_asks_first_and_deletes_only_on_post(web_client, marketer, experiment):
    spend = spend_row(experiment, amount="12500.50")
    client = web_client(marketer)
    url = reverse("web:spend-delete", args=[spend.pk])
    page = client.get(url).content.decode()
    assert "Delete this spend row?" in page and "12,500.50" in page and 'method="post"' in page
    assert Spend.objects.exists()
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == detail_url(experiment) + "#spend"
    assert not Spend.objects.exists()
    assert MetricSnapshot.objects.get(experiment=experiment).dirty_since is not None


def test_the_page_carries_the_delete_dialog_and_its_script(web_client, marketer, experiment):
    spend_row(experiment)
    html = web_client(marketer).get(detail_url(experiment)).content.decode()
    assert '<dialog id="spend-delete-dialog"' in html
    assert "/static/js/delete-confirm.js" in html
    assert "<script>" not in html  # no inline script (CSP)


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("amount", "-5", "The amount cannot be negative."),
        ("amount", "12.345", "decimal places"),
        ("amount", "twelve", "Enter a number, e.g. 12 500,50."),
        ("amount", "12\x00500", "Enter a number"),
        ("amount", "", "This field is required."),
        ("date", "1999-12-31", "Use a date in the years 2000 to 2100."),
        ("date", "2026-13-01", "Enter a valid date."),
        ("date", "2026-12-02\x00", "Enter a valid date."),
        ("visits", "-1", "greater than or equal to 0"),
        ("visits", "1.5", "Enter a whole number, e.g. 1 200."),
        ("kind", "travel", "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_written(web_client, marketer, experiment, field, value, words):
    response = web_client(marketer).post(add_url(experiment), {**ROW, field: value})
    assert response.status_code == 400
    assert words in " ".join(response.context["spend"]["form"].errors[field])
    assert not Spend.objects.exists()
    assert not MetricSnapshot.objects.filter(experiment=experiment, dirty_since__isnull=False).exists()


def test_refusals_are_in_the_readers_language(web_client, marketer, experiment):
    response = web_client(marketer).post(
        add_url(experiment), {**ROW, "date": "1999-12-31", "amount": "-5"}, HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.status_code == 400
    errors = response.context["spend"]["form"].errors
    assert errors["date"] == ["Укажите дату в пределах 2000–2100 годов."]
    html = response.content.decode()
    assert "Укажите дату в пределах 2000–2100 годов." in html and "Добавить расходы" in html


def test_a_correction_with_bad_input_changes_nothing(web_client, marketer, experiment):
    spend = spend_row(experiment)
    response = web_client(marketer).post(reverse("web:spend-edit", args=[spend.pk]), {**ROW, "amount": "-1"})
    assert response.status_code == 400 and "The amount cannot be negative." in response.content.decode()
    spend.refresh_from_db()
    assert spend.amount == Decimal("1000.00")


# --- cost ---------------------------------------------------------------------------------------


def test_the_query_count_does_not_grow_with_the_rows(web_client, marketer, experiment, count_queries):
    client = web_client(marketer)
    spend_row(experiment, created_by=marketer)
    detail, listing = (
        count_queries(client.get, detail_url(experiment)),
        count_queries(client.get, add_url(experiment)),
    )
    for day in range(2, 12):
        spend_row(experiment, "sales", created_by=marketer, external_id=f"x{day}")
    assert count_queries(client.get, detail_url(experiment)) == detail
    assert count_queries(client.get, add_url(experiment)) == listing
