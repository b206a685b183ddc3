"""Pages: login required, role-based buttons, forms wired to services, query counts, formatting."""

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from experiments.models import Experiment, Question, Review
from experiments.services.regulations import regulation_create
from metrics.models import ImportJob, ImportUpload, MetricSnapshot
from tests.factories import ChannelFactory, ExperimentFactory
from tests.pages import snapshot_for
from tests.scenarios import at

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/experiments/",
    "/experiments/new/",
    "/scoreboard/",
    "/imports/",
    "/regulation/",
]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_user_is_sent_to_the_login_page(web_client, url):
    response = web_client(None).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_user_cannot_open_an_experiment(web_client, running_experiment):
    for url in (
        reverse("web:experiment-detail", args=[running_experiment.pk]),
        reverse("web:review-create", args=[running_experiment.pk]),
    ):
        response = web_client(None).get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_login_page_is_open_and_logs_in(web_client, marketer):
    client = web_client(None)
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b'name="username"' in page.content
    response = client.post(reverse("login"), {"username": "alice", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_says_so(web_client, marketer):
    response = web_client(None).post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert b"form-errors" in response.content


# --- Dashboard --------------------------------------------------------------------------------


def test_dashboard_shows_running_experiment_with_progress_lock_and_gauge(web_client, founder, running_experiment):
    response = web_client(founder).get("/")
    html = response.content.decode()
    assert running_experiment.title in html
    assert "Day 5 of 30" in html
    assert "Review locked · 25 days" in html
    assert "20.0%" in html  # the non-target share, 2 of 10 judged
    assert "2 of 10 judged · acceptable 30%" in html
    assert "1,234.50" in html  # CPL as money
    # Founders do not register experiments: no button.
    assert reverse("web:experiment-create") not in html


def test_dashboard_puts_an_ended_test_under_awaiting_review(web_client, sales_head):
    ended = ExperimentFactory(running=True, title="Ended test", start_date=timezone.localdate() - dt.timedelta(days=40))
    html = web_client(sales_head).get("/").content.decode()
    awaiting = html.split('id="awaiting-title"')[1].split('id="running-title"')[0]
    assert ended.title in awaiting
    assert "Review open" in awaiting


def test_dashboard_sums_up_this_month(web_client, founder):
    from metrics.services import leads_upsert

    now = timezone.localtime()
    leads_upsert(
        rows=[
            {"external_id": f"M-{i}", "created_at": now.isoformat(), "is_target": i != 0, "mql_at": now.isoformat()}
            for i in range(3)
        ]
    )
    html = web_client(founder).get("/").content.decode()
    month = html.split('id="month-title"')[1].split("</section>")[0]
    assert f"{now:%B %Y}" in month
    assert "<dt>Leads</dt><dd>3</dd>" in month
    assert "<dt>MQL</dt><dd>3</dd>" in month
    assert "<dt>Non-target share</dt><dd>33.3%</dd>" in month


def test_empty_dashboard_invites_a_marketer_to_register(web_client, marketer):
    html = web_client(marketer).get("/").content.decode()
    assert "No experiment is running." in html
    assert 'href="/experiments/new/">Register a hypothesis' in html
    assert 'id="awaiting-title"' not in html


def test_dashboard_lists_only_my_drafts(web_client, marketer, other_marketer):
    mine = ExperimentFactory(owner=marketer, title="My draft")
    theirs = ExperimentFactory(owner=other_marketer, title="Bob's draft")
    html = web_client(marketer).get("/").content.decode()
    assert mine.title in html
    assert theirs.title not in html


def test_dashboard_query_count_does_not_grow_with_experiments(web_client, founder, count_queries):
    channel = ChannelFactory()
    client = web_client(founder)
    for _ in range(2):
        snapshot_for(ExperimentFactory(running=True, channel=channel), leads_total=3, judged_leads=2)
    few = count_queries(client.get, "/")
    for _ in range(8):
        snapshot_for(ExperimentFactory(running=True), leads_total=3, judged_leads=2)
    assert count_queries(client.get, "/") == few


# --- Experiment list --------------------------------------------------------------------------


def test_list_filters_by_status_and_channel(web_client, founder):
    events = ChannelFactory(name="Events", slug="events")
    ExperimentFactory(title="Draft on events", channel=events)
    ExperimentFactory(title="Running on events", channel=events, running=True)
    ExperimentFactory(title="Running elsewhere", running=True)
    client = web_client(founder)
    html = client.get("/experiments/", {"status": "running", "channel": events.pk}).content.decode()
    assert "Running on events" in html
    assert "Running elsewhere" not in html
    assert "Draft on events" not in html
    assert "No experiment matches" in client.get("/experiments/", {"q": "nothing like this"}).content.decode()


def test_list_with_a_bad_filter_value_is_not_filtered(web_client, founder):
    events = ChannelFactory(name="Events", slug="events")
    ExperimentFactory(title="Draft on events", channel=events)
    ExperimentFactory(title="Running elsewhere", running=True)
    client = web_client(founder)
    for params in ({"status": "lost", "channel": events.pk}, {"channel": "events"}, {"owner": "99999999999999999999"}):
        response = client.get("/experiments/", params)
        assert response.status_code == 200
        assert len(response.context["rows"]) == 2, params
        assert "No experiment matches" not in response.content.decode()


def test_list_paginates_and_keeps_filters_in_page_links(web_client, founder):
    for i in range(23):
        ExperimentFactory(title=f"Hypothesis number {i:02d}")
    client = web_client(founder)
    first = client.get("/experiments/", {"status": "draft"}).content.decode()
    assert "Page 1 of 2" in first
    assert "status=draft&amp;page=2" in first
    second = client.get("/experiments/", {"status": "draft", "page": 2}).content.decode()
    assert second.count("Hypothesis number") == 3


def test_list_query_count_does_not_grow_with_rows(web_client, founder, count_queries):
    client = web_client(founder)
    for _ in range(2):
        # With a snapshot from the start: the status tabs look at the running experiments that have one.
        snapshot_for(ExperimentFactory(running=True), leads_total=5, judged_leads=4, non_target_leads=1)
        ExperimentFactory()
    few = count_queries(client.get, "/experiments/")
    for _ in range(7):
        snapshot_for(ExperimentFactory(running=True), leads_total=5, judged_leads=4, non_target_leads=1)
        ExperimentFactory()
    assert count_queries(client.get, "/experiments/") == few


# --- Experiment page and its buttons --------------------------------------------------------


def _buttons(html: str) -> set[str]:
    found = set()
    for name, marker in (
        ("edit", "/edit/"),
        ("launch", "/launch/"),
        ("cancel", "/cancel/"),
        ("review", "/review/"),
        ("ask", "/questions/"),
    ):
        if marker in html:
            found.add(name)
    return found


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("marketer", {"edit", "launch", "cancel"}),
        ("other_marketer", set()),
        ("marketing_head", {"edit", "launch", "cancel"}),
        ("sales_head", {"ask"}),
        ("founder", {"ask"}),
    ],
)
def test_draft_buttons_follow_the_role(web_client, users, role, expected):
    draft = ExperimentFactory(owner=users["marketer"])
    html = web_client(users[role]).get(reverse("web:experiment-detail", args=[draft.pk])).content.decode()
    assert _buttons(html) == expected


def test_sales_head_sees_the_review_link_on_a_running_experiment(web_client, sales_head, running_experiment):
    html = web_client(sales_head).get(reverse("web:experiment-detail", args=[running_experiment.pk])).content.decode()
    assert "Review locked" in html
    assert "Locked: the test period ends on" in html
    assert "/launch/" not in html


def test_experiment_page_shows_targets_against_actuals_and_chart_data(web_client, founder, running_experiment):
    # The final verdicts, once the test period is over (during it the page says on track / behind).
    with at(running_experiment.ends_on + dt.timedelta(days=1)):
        html = web_client(founder).get(reverse("web:experiment-detail", args=[running_experiment.pk])).content.decode()
    assert "Max CPL" in html and "1,500.00" in html and "✓" in html  # 1,234.50 <= 1,500.00
    assert "Min MQL" in html and "✗" in html  # 6 < 100
    assert 'id="chart-data"' in html
    assert '"threshold": 0.3' in html
    # leads → judged target (10 judged - 2 non-target) → MQL → SQL → customers
    assert '"funnel": [12, 8, 6, 3, 1]' in html


def test_experiment_page_says_when_metrics_are_being_updated(web_client, founder, running_experiment):
    url = reverse("web:experiment-detail", args=[running_experiment.pk])
    assert "updating with new data" not in web_client(founder).get(url).content.decode()
    MetricSnapshot.objects.filter(experiment=running_experiment).update(dirty_since=timezone.now())
    assert "updating with new data" in web_client(founder).get(url).content.decode()


def test_missing_experiment_is_404(web_client, founder):
    assert web_client(founder).get(reverse("web:experiment-detail", args=[999999])).status_code == 404


# --- Register, edit, launch, cancel ----------------------------------------------------------


def _form(channel, **overrides) -> dict:
    data = {
        "title": "Webinars for CFOs",
        "hypothesis": "If we run webinars for CFOs, then we get SQLs cheaper than search.",
        "channel": channel.pk,
        "utm_campaign": "webinar_cfo",
        "start_date": timezone.localdate().isoformat(),
        "test_period_days": "",
        "budget": "50000",
        "max_cpl": "1500",
        "min_mql": "40",
    }
    data.update(overrides)
    return data


def test_marketer_registers_a_draft_through_the_service(web_client, marketer):
    channel = ChannelFactory()
    response = web_client(marketer).post(reverse("web:experiment-create"), _form(channel))
    experiment = Experiment.objects.get(utm_campaign="webinar_cfo")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:experiment-detail", args=[experiment.pk])
    assert experiment.status == Experiment.Status.DRAFT
    assert experiment.owner == marketer
    assert experiment.test_period_days == 30  # the regulation's default
    assert experiment.targets == {"max_cpl": "1500.00", "min_mql": 40}


def test_register_form_shows_the_service_refusal_on_its_field(web_client, marketer):
    channel = ChannelFactory()
    ExperimentFactory(utm_campaign="Webinar_CFO")
    response = web_client(marketer).post(reverse("web:experiment-create"), _form(channel, test_period_days="400"))
    form = response.context["form"]
    assert response.status_code == 200
    assert "7 to 90 days" in " ".join(form.errors["test_period_days"])
    assert "utm_campaign" in form.errors
    assert not Experiment.objects.filter(title="Webinars for CFOs").exists()
    assert 'class="errorlist"' in response.content.decode()


def test_register_form_requires_a_title(web_client, marketer):
    response = web_client(marketer).post(reverse("web:experiment-create"), _form(ChannelFactory(), title=""))
    assert "title" in response.context["form"].errors


def test_sales_head_cannot_open_the_register_form(web_client, sales_head):
    assert web_client(sales_head).get(reverse("web:experiment-create")).status_code == 403


def test_owner_edits_a_draft(web_client, marketer):
    draft = ExperimentFactory(owner=marketer, title="Old title")
    url = reverse("web:experiment-edit", args=[draft.pk])
    client = web_client(marketer)
    assert 'value="Old title"' in client.get(url).content.decode()
    data = _form(draft.channel, title="New title", utm_campaign=draft.utm_campaign, test_period_days="21")
    assert client.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.test_period_days) == ("New title", 21)


def test_editing_a_running_experiment_shows_the_conflict(web_client, marketer, running_experiment):
    url = reverse("web:experiment-edit", args=[running_experiment.pk])
    data = _form(running_experiment.channel, utm_campaign=running_experiment.utm_campaign)
    response = web_client(marketer).post(url, data)
    assert response.status_code == 200
    assert "Only drafts can be edited" in " ".join(response.context["form"].non_field_errors())


def test_other_marketer_cannot_edit(web_client, other_marketer, marketer):
    draft = ExperimentFactory(owner=marketer)
    assert web_client(other_marketer).get(reverse("web:experiment-edit", args=[draft.pk])).status_code == 403


def test_owner_launches_and_cancels(web_client, marketer):
    draft = ExperimentFactory(owner=marketer)
    client = web_client(marketer)
    assert client.get(reverse("web:experiment-launch", args=[draft.pk])).status_code == 200  # asks first
    response = client.post(reverse("web:experiment-launch", args=[draft.pk]), follow=True)
    draft.refresh_from_db()
    assert draft.status == Experiment.Status.RUNNING
    assert draft.regulation is not None
    assert "Launched" in response.content.decode()
    again = client.post(reverse("web:experiment-launch", args=[draft.pk]), follow=True)
    assert "Only a draft can be launched" in again.content.decode()
    client.post(reverse("web:experiment-cancel", args=[draft.pk]), {"reason": "The partner withdrew."})
    draft.refresh_from_db()
    assert draft.status == Experiment.Status.CANCELLED


def test_experiment_page_lists_recorded_changes(web_client, marketer):
    draft = ExperimentFactory(owner=marketer, title="Before")
    client = web_client(marketer)
    client.post(
        reverse("web:experiment-edit", args=[draft.pk]),
        _form(draft.channel, title="After", utm_campaign=draft.utm_campaign),
    )
    client.post(reverse("web:experiment-launch", args=[draft.pk]))
    html = client.get(reverse("web:experiment-detail", args=[draft.pk])).content.decode()
    history = html.split('id="history-title"')[1]
    assert "<strong>title</strong>: Before → After" in history
    assert "<strong>status</strong>: Draft → Running" in history
    assert "<strong>regulation version</strong>: — → v1" in history
    assert "Registered as a draft." in history
    assert "alice" in history  # who made the changes: a user without a full name goes by the username


def test_other_marketer_cannot_launch(web_client, other_marketer, marketer):
    draft = ExperimentFactory(owner=marketer)
    response = web_client(other_marketer).post(reverse("web:experiment-launch", args=[draft.pk]))
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == Experiment.Status.DRAFT


# --- Review ------------------------------------------------------------------------------------

REVIEW = {
    "verdict": "not_confirmed",
    "summary": "Leads came from outside our segment.",
    "loss_reasons": "No budget this quarter.",
    "recommendation": "adjust_positioning",
}
CONFIRMED = {"confirmed": "1"}  # the answer of the summary step (a page, or a dialog with the script)


def test_locked_review_page_explains_when_it_opens(web_client, sales_head, running_experiment):
    html = web_client(sales_head).get(reverse("web:review-create", args=[running_experiment.pk])).content.decode()
    ends = running_experiment.ends_on
    assert "Locked: the test period ends on" in html
    assert f"{ends:%b}" in html and str(ends.year) in html
    assert "25 days left" in html
    assert "now 0.2 of 20.0 needed" in html  # E(10, 2, 0.3) = 0.17
    assert '<fieldset class="plain" disabled>' in html


def test_locked_review_is_refused_by_the_service(web_client, sales_head, running_experiment):
    response = web_client(sales_head).post(reverse("web:review-create", args=[running_experiment.pk]), REVIEW)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert f"The test period ends on {running_experiment.ends_on.isoformat()}" in errors
    assert not Review.objects.filter(experiment=running_experiment).exists()


def test_sales_head_files_the_review_once_the_period_ended(web_client, sales_head):
    ended = ExperimentFactory(running=True, start_date=timezone.localdate() - dt.timedelta(days=40))
    client = web_client(sales_head)
    page = client.get(reverse("web:review-create", args=[ended.pk])).content.decode()
    assert "the review is open" in page
    response = client.post(reverse("web:review-create", args=[ended.pk]), {**REVIEW, **CONFIRMED})
    assert response.status_code == 302
    review = Review.objects.get(experiment=ended)
    assert (review.verdict, review.author) == ("not_confirmed", sales_head)
    detail = client.get(reverse("web:experiment-detail", args=[ended.pk])).content.decode()
    assert "Leads came from outside our segment." in detail
    assert "No budget this quarter." in detail


def test_filed_review_is_amended_as_a_new_version(web_client, sales_head):
    ended = ExperimentFactory(running=True, start_date=timezone.localdate() - dt.timedelta(days=40))
    client = web_client(sales_head)
    url = reverse("web:review-create", args=[ended.pk])
    client.post(url, {**REVIEW, **CONFIRMED})
    page = client.get(url)
    assert page.context["form"].initial["summary"] == REVIEW["summary"]
    assert "File the amendment" in page.content.decode()
    unchanged = client.post(url, REVIEW)
    assert "changes nothing" in " ".join(unchanged.context["form"].non_field_errors())
    assert client.post(url, {**REVIEW, "verdict": "inconclusive", **CONFIRMED}).status_code == 302
    versions = list(Review.objects.filter(experiment=ended).order_by("version").values_list("version", "verdict"))
    assert versions == [(1, "not_confirmed"), (2, "inconclusive")]
    detail = client.get(reverse("web:experiment-detail", args=[ended.pk])).content.decode()
    assert detail.index("Version 2 by") < detail.index("Earlier versions") < detail.index("Version 1 by")


def test_review_form_shows_field_errors(web_client, sales_head):
    ended = ExperimentFactory(running=True, start_date=timezone.localdate() - dt.timedelta(days=40))
    response = web_client(sales_head).post(reverse("web:review-create", args=[ended.pk]), {**REVIEW, "summary": ""})
    assert "summary" in response.context["form"].errors


def test_marketer_cannot_file_a_review(web_client, marketer):
    ended = ExperimentFactory(running=True, start_date=timezone.localdate() - dt.timedelta(days=40))
    client = web_client(marketer)
    assert "Only sales heads file reviews" in client.get(reverse("web:review-create", args=[ended.pk])).content.decode()
    assert client.post(reverse("web:review-create", args=[ended.pk]), REVIEW).status_code == 403
    assert not Review.objects.exists()


# --- Questions --------------------------------------------------------------------------------


def test_sales_head_asks_and_marketing_head_answers(web_client, sales_head, marketing_head, running_experiment):
    ask = web_client(sales_head).post(
        reverse("web:question-ask", args=[running_experiment.pk]), {"text": "Why this partner list?"}
    )
    question = Question.objects.get(experiment=running_experiment)
    assert ask.status_code == 302
    assert ask["Location"].endswith(f"#question-{question.pk}")
    head = web_client(marketing_head)
    page = head.get(reverse("web:experiment-detail", args=[running_experiment.pk])).content.decode()
    assert "Why this partner list?" in page
    assert reverse("web:question-answer", args=[question.pk]) in page
    head.post(reverse("web:question-answer", args=[question.pk]), {"text": "To test a new region."})
    question.refresh_from_db()
    assert question.answer == "To test a new region."
    again = head.post(reverse("web:question-answer", args=[question.pk]), {"text": "Twice"}, follow=True)
    assert "answered already" in again.content.decode()


def test_marketing_head_sees_open_questions_on_the_dashboard(web_client, sales_head, marketing_head, founder):
    from experiments.services.questions import question_ask

    experiment = ExperimentFactory(running=True, title="Cold list")
    question = question_ask(experiment=experiment, by=sales_head, text="Where is this list from?")
    html = web_client(marketing_head).get("/").content.decode()
    assert "Questions waiting for your answer" in html
    assert f"/experiments/{experiment.pk}/#question-{question.pk}" in html
    assert "Questions waiting for your answer" not in web_client(founder).get("/").content.decode()


def test_empty_question_shows_the_field_error(web_client, sales_head, running_experiment):
    response = web_client(sales_head).post(reverse("web:question-ask", args=[running_experiment.pk]), {"text": ""})
    assert response.status_code == 400
    assert "text" in response.context["question_form"].errors


def test_marketer_cannot_ask(web_client, marketer, running_experiment):
    response = web_client(marketer).post(reverse("web:question-ask", args=[running_experiment.pk]), {"text": "Hm?"})
    assert response.status_code == 403
    assert not Question.objects.exists()


# --- Scoreboard, imports, regulation -----------------------------------------------------------


def test_scoreboard_shows_both_zones_for_the_period(web_client, founder):
    client = web_client(founder)
    html = client.get("/scoreboard/").content.decode()
    assert "Marketing zone" in html and "Sales zone" in html
    assert "No leads or spend in this period." in html
    only_channel = client.get("/scoreboard/", {"channel": ""})
    assert only_channel.context["form"].is_valid()
    assert only_channel.context["form"].cleaned_data["date_from"] == timezone.localdate().replace(day=1)
    bad = client.get("/scoreboard/", {"date_from": "2026-12-01", "date_to": "2026-11-01"})
    assert "date_to" in bad.context["form"].errors


def test_scoreboard_narrows_to_one_channel(web_client, founder):
    from metrics.services import leads_upsert

    events = ChannelFactory(name="Events", slug="events")
    search = ChannelFactory(name="Paid search", slug="paid-search")
    now = timezone.localtime().isoformat()
    leads_upsert(
        rows=[
            {"external_id": "E-1", "created_at": now, "channel": "events"},
            {"external_id": "S-1", "created_at": now, "channel": "paid-search"},
            {"external_id": "S-2", "created_at": now, "channel": "paid-search"},
        ]
    )
    client = web_client(founder)
    everything = client.get("/scoreboard/").content.decode()
    by_channel = everything.split("By channel")[1]
    assert events.name in by_channel and search.name in by_channel
    only = client.get(
        "/scoreboard/",
        {
            "date_from": timezone.localdate().replace(day=1),
            "date_to": timezone.localdate() + dt.timedelta(days=1),
            "channel": "paid-search",
        },
    ).content.decode()
    marketing = only.split('id="zone-m"')[1].split("</section>")[0]
    assert '<th scope="row">Leads</th><td class="num">2' in marketing.replace("\n", "")
    assert events.name not in only.split("By channel")[1]


def test_csv_upload_leads_to_its_preview(web_client, sales_head):
    csv = b"external_id,created_at,utm_campaign\nL-1,2026-11-01T10:00:00+03:00,partner_dec\n"
    response = web_client(sales_head).post(
        reverse("web:import-list"),
        {"file": SimpleUploadedFile("leads.csv", csv, content_type="text/csv"), "kind": "leads"},
    )
    upload = ImportUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:import-preview", args=[upload.token]) + "?kind=leads"
    assert upload.original_name == "leads.csv" and upload.created_by == sales_head
    assert not ImportJob.objects.exists()  # nothing is imported before the preview is confirmed


def test_empty_csv_shows_the_service_error(web_client, marketer):
    response = web_client(marketer).post(
        reverse("web:import-list"), {"file": SimpleUploadedFile("empty.csv", b"", content_type="text/csv")}
    )
    assert response.status_code == 400
    assert "file" in response.context["form"].errors
    assert not ImportJob.objects.exists() and not ImportUpload.objects.exists()


def test_founder_cannot_import(web_client, founder):
    csv = SimpleUploadedFile("leads.csv", b"external_id\nx\n", content_type="text/csv")
    assert web_client(founder).post(reverse("web:import-list"), {"file": csv}).status_code == 403
    assert "Upload an export" not in web_client(founder).get(reverse("web:import-list")).content.decode()


def test_import_report_lists_errors_per_line(web_client, marketer):
    job = ImportJob.objects.create(
        file="imports/x.csv",
        original_name="x.csv",
        status=ImportJob.Status.DONE,
        progress=1,
        rows_total=3,
        rows_ok=2,
        rows_failed=1,
        errors=[{"line": 3, "errors": {"created_at": ["Enter a valid date/time."]}}],
    )
    html = web_client(marketer).get(reverse("web:import-detail", args=[job.pk])).content.decode()
    assert "Enter a valid date/time." in html
    assert '<td class="num">3</td>' in html


def test_import_error_report_downloads_as_csv_that_spreadsheets_read_as_text(web_client, marketer, client):
    errors = [
        {"line": 3, "external_id": "=HYPERLINK(1)", "errors": {"created_at": ["Not a date.", "Again."]}},
        {"line": 7, "external_id": "crm-7", "errors": {"revenue": ["Must not be negative."], "orders": ["Too large."]}},
    ]
    job = ImportJob.objects.create(file="imports/x.csv", original_name="x.csv", status="done", errors=errors)
    url = reverse("web:import-errors-csv", args=[job.pk])
    assert url in web_client(marketer).get(reverse("web:import-detail", args=[job.pk])).content.decode()
    response = web_client(marketer).get(url)
    assert response["Content-Type"].startswith("text/csv")
    assert f"import-{job.pk}-errors.csv" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    header, *rows = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    assert header == ["Line", "external_id", "Field", "Problem"]
    assert sorted(rows) == [  # a line's fields in the order the database keeps them
        ["3", "'=HYPERLINK(1)", "created_at", "Not a date. Again."],
        ["7", "crm-7", "orders", "Too large."],
        ["7", "crm-7", "revenue", "Must not be negative."],
    ]
    assert client.get(url).status_code == 302  # signed-in users only


def test_imports_list_query_count_does_not_grow(web_client, marketer, count_queries):
    client = web_client(marketer)
    ImportJob.objects.create(file="imports/a.csv", created_by=marketer)
    few = count_queries(client.get, reverse("web:import-list"))
    for i in range(6):
        ImportJob.objects.create(file=f"imports/{i}.csv", created_by=marketer)
    assert count_queries(client.get, reverse("web:import-list")) == few


def test_regulation_page_shows_current_and_history(web_client, founder, admin_user):
    regulation_create(by=admin_user, non_target_threshold="0.25")
    html = web_client(founder).get(reverse("web:regulation")).content.decode()
    assert "In force: version 2" in html
    assert "25%" in html
    assert "v1" in html
    assert "acceptable non-target share" in html  # what version 2 changed


def test_regulation_page_query_count_does_not_grow_with_versions(web_client, founder, admin_user, count_queries):
    channel = ChannelFactory()
    client = web_client(founder)
    regulation_create(by=admin_user, review_due_days=5, channel_thresholds={channel.pk: "0.4"})
    few = count_queries(client.get, reverse("web:regulation"))
    for days in range(6, 12):
        regulation_create(by=admin_user, review_due_days=days)
    html = client.get(reverse("web:regulation")).content.decode()
    assert "In force: version 8" in html
    assert count_queries(client.get, reverse("web:regulation")) == few


# --- Language ----------------------------------------------------------------------------------


def test_language_switch_to_russian(web_client, marketer, running_experiment):
    client = web_client(marketer)
    response = client.post(reverse("set_language"), {"language": "ru", "next": "/"}, follow=True)
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert "Панель" in html
    assert "В тестовом периоде" in html
    detail = client.get(reverse("web:experiment-detail", args=[running_experiment.pk])).content.decode()
    assert "Гипотеза" in detail and "Блокировка" in detail


def test_e_mails_link_to_the_experiment_page(running_experiment, settings):
    from experiments.services.notifications import experiment_url

    settings.SITE_URL = "https://tracker.example.com/"
    assert experiment_url(running_experiment) == f"https://tracker.example.com/experiments/{running_experiment.pk}/"
