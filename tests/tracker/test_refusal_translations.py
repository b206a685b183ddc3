"""Refusals speak the reader's language: a service's sentence is translated when it is raised, in
the request's language (API `Accept-Language`, the page's language), while machine codes and the
numbers beside them stay the same in every language. E-mail notices use the site's language."""

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from experiments.models import Experiment, Notification, Question, Review
from experiments.services import notifications
from metrics.services import leads_upsert
from tests.factories import ExperimentFactory

FIELDS = {
    "verdict": "not_confirmed",
    "summary": "Most leads were students; few could buy.",
    "loss_reasons": "No budget; wrong segment.",
    "recommendation": "adjust_positioning",
}


@pytest.fixture
def locked(db, marketer) -> Experiment:
    """Five days into a 30-day test, 6 of 10 judged leads non-target: evidence 3.46 of the 20 needed."""
    experiment = ExperimentFactory(running=True, owner=marketer, start_date=timezone.localdate() - dt.timedelta(days=5))
    created = dt.datetime.combine(experiment.start_date, dt.time(12), tzinfo=timezone.get_current_timezone())
    rows = [
        {
            "external_id": f"lead-{experiment.pk}-{i}",
            "created_at": created.isoformat(),
            "utm_campaign": experiment.utm_campaign,
            "is_target": i >= 6,
        }
        for i in range(10)
    ]
    assert leads_upsert(rows=rows).errors == []
    return experiment


def russian_lock_sentence(experiment: Experiment) -> str:
    return (
        f"Тестовый период заканчивается {experiment.ends_on.isoformat()}; тогда разбор и откроется, а раньше — "
        "только если доля нецелевых лидов превысит 30% и доказательств будет достаточно (сейчас 3.5 из 20)."
    )


# --- the API ------------------------------------------------------------------------------------


def test_locked_review_is_refused_in_russian_with_the_same_code_and_numbers(locked, sales_head, client_for):
    url = f"/api/v1/experiments/{locked.pk}/review/"
    response = client_for(sales_head).post(url, FIELDS, format="json", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 409
    body = response.json()
    assert body["detail"] == russian_lock_sentence(locked)
    assert body["code"] == "review_locked"
    assert body["unlocks_on"] == locked.ends_on.isoformat()
    assert body["evidence_needed"] == 20.0
    assert body["evidence"] == pytest.approx(3.4568, abs=0.0001)
    assert not Review.objects.exists()


def test_locked_review_is_refused_in_english_when_english_is_asked_for(locked, sales_head, client_for):
    url = f"/api/v1/experiments/{locked.pk}/review/"
    response = client_for(sales_head).post(url, FIELDS, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"The test period ends on {locked.ends_on.isoformat()}; the review opens then, or earlier if "
        "non-target leads exceed 30% with enough evidence (now 3.5 of 20)."
    )
    assert response.json()["code"] == "review_locked"


def test_refusal_for_too_few_judged_leads_names_the_minimum_in_russian(marketer, sales_head, client_for):
    experiment = ExperimentFactory(running=True, owner=marketer, start_date=timezone.localdate() - dt.timedelta(days=5))
    url = f"/api/v1/experiments/{experiment.pk}/review/"
    response = client_for(sales_head).post(url, FIELDS, format="json", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 409
    assert response.json()["detail"].endswith(
        "(сейчас 1 из 20); для этого также нужно не меньше 10 оценённых лидов, сейчас 0."
    )


def test_permission_refusal_declared_on_the_view_is_russian(locked, marketer, client_for):
    # The permission class's message is set when the module is imported: it must still follow the request.
    url = f"/api/v1/experiments/{locked.pk}/review/"
    response = client_for(marketer).post(url, FIELDS, format="json", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 403
    assert response.json() == {"detail": "Разбор проводят только руководители продаж.", "code": "permission_denied"}
    english = client_for(marketer).post(url, FIELDS, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json() == {"detail": "Only sales heads file reviews.", "code": "permission_denied"}


def test_state_refusal_of_a_launch_is_russian(marketer, client_for):
    running = ExperimentFactory(running=True, owner=marketer)
    response = client_for(marketer).post(f"/api/v1/experiments/{running.pk}/launch/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Запустить можно только черновик, а этот эксперимент в статусе «идёт».",
        "code": "not_draft",
    }


def test_field_errors_of_a_service_and_of_a_serializer_are_russian(admin_user, founder, client_for):
    regulation = client_for(admin_user).post(
        "/api/v1/regulations/", {"non_target_threshold": "1.5"}, format="json", HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert regulation.status_code == 400
    assert regulation.json() == {
        "non_target_threshold": ["Допустимая доля нецелевых должна быть строго больше 0 и меньше 1."]
    }
    # The serializer's message is built when the module is imported, and still follows the request.
    goal = {"metric": "likes", "period_start": "2026-12-01", "period_end": "2027-01-01", "target": "400"}
    for language, start in (("ru", "Выберите один из показателей отделов: "), ("en", "Choose one of the department")):
        response = client_for(founder).post("/api/v1/goals/", goal, format="json", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 400
        assert response.json()["metric"][0].startswith(start), language


# --- the pages ----------------------------------------------------------------------------------


def russian_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(user)
    return client


def test_review_page_shows_the_lock_refusal_in_russian(locked, sales_head):
    response = russian_client(sales_head).post(reverse("web:review-create", args=[locked.pk]), FIELDS)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert list(response.context["form"].non_field_errors()) == [russian_lock_sentence(locked)]
    assert russian_lock_sentence(locked) in html
    assert "The test period ends on" not in html


def test_launch_refusal_is_shown_in_russian_on_the_experiment_page(marketer):
    running = ExperimentFactory(running=True, owner=marketer)
    response = russian_client(marketer).post(reverse("web:experiment-launch", args=[running.pk]), follow=True)
    html = response.content.decode()
    assert "Запустить можно только черновик, а этот эксперимент в статусе «идёт»." in html
    assert "Only a draft can be launched" not in html


# --- notices ------------------------------------------------------------------------------------


@pytest.fixture
def question(marketer, marketing_head, sales_head) -> Question:
    experiment = ExperimentFactory(running=True, owner=marketer, title="Partner mailings")
    return Question.objects.create(experiment=experiment, author=sales_head, text="Which partners sent them?")


def test_notice_is_written_in_the_site_language_whatever_language_is_active(question):
    with translation.override("ru"):  # e.g. a task run right after a Russian request in the same thread
        assert notifications.notification_question_asked(question=question) is True
    assert Notification.objects.get().subject == "A question about “Partner mailings”"
    assert mail.outbox[0].subject == "A question about “Partner mailings”"
    assert mail.outbox[0].body.startswith("A question about the experiment “Partner mailings”:")


def test_notice_is_russian_on_a_russian_site(question, settings):
    settings.LANGUAGE_CODE = "ru"
    with translation.override("en"):
        assert notifications.notification_question_asked(question=question) is True
    assert Notification.objects.get().subject == "Вопрос об «Partner mailings»"
    assert mail.outbox[0].body.startswith("Вопрос об эксперименте «Partner mailings»:")


# --- the code -----------------------------------------------------------------------------------

# Demo data and command output are for developers; settings fail before any language is active.
NOT_USER_FACING = ("/management/", "tracker/settings.py", "/migrations/")
TRANSLATORS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}
# API documentation (OpenAPI) stays in English.
DOCUMENTATION_KEYWORDS = {"help_text", "description", "summary", "operation_id"}
SENTENCE = re.compile(r"[A-Za-z]+ [A-Za-z]+.*[.)]\s*$", re.DOTALL)
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|WHERE|IS NULL)\b")  # statements are not sentences


def untranslated_sentences(source: str) -> list[tuple[int, str]]:
    """Sentence-like string literals and f-strings outside gettext calls, log calls and docstrings."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST, exempt: bool) -> None:
        if isinstance(node, ast.Call):
            func = node.func
            name = getattr(func, "id", None) or getattr(func, "attr", "")
            owner = getattr(getattr(func, "value", None), "id", "")
            exempt = exempt or name in TRANSLATORS or owner in ("logger", "logging")
            visit(func, exempt)
            for argument in node.args:
                visit(argument, exempt)
            for keyword in node.keywords:
                visit(keyword.value, exempt or keyword.arg in DOCUMENTATION_KEYWORDS)
            return
        if not exempt and id(node) not in docstrings:
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value[:1].isupper() and SENTENCE.match(node.value) and not SQL.search(node.value):
                    found.append((node.lineno, node.value))
            elif isinstance(node, ast.JoinedStr):
                text = "".join(part.value for part in node.values if isinstance(part, ast.Constant))
                if SENTENCE.search(text) and not SQL.search(text):
                    found.append((node.lineno, text))
                return
        for child in ast.iter_child_nodes(node):
            visit(child, exempt)

    visit(tree, False)
    return found


def test_the_code_check_finds_an_untranslated_refusal():
    source = 'def f(state):\n    raise Conflict(f"This experiment is {state}.", code="x")\n'
    assert untranslated_sentences(source) == [(2, "This experiment is .")]
    assert untranslated_sentences('raise Conflict(_("This experiment is %(s)s.") % {"s": s}, code="x")\n') == []


def test_sentences_raised_or_built_by_the_apps_are_translatable():
    base = Path(__file__).resolve().parents[2]
    # Every app of the project (a new one is checked without being listed here) and the project package.
    # Installed packages may live inside the project folder (a virtualenv in `.venv`): not ours.
    folders = [
        Path(app.path)
        for app in apps.get_app_configs()
        if Path(app.path).is_relative_to(base) and "site-packages" not in Path(app.path).parts
    ]
    folders.append(base / "tracker")
    assert {folder.name for folder in folders} >= {"experiments", "metrics", "meetings", "tracker"}
    found, scanned = [], 0
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            name = path.relative_to(base).as_posix()
            if any(part in f"/{name}" for part in NOT_USER_FACING):
                continue
            scanned += 1
            found += [f"{name}:{line}: {text}" for line, text in untranslated_sentences(path.read_text("utf-8"))]
    assert scanned > 30
    assert found == [], "wrap these in gettext (named %(placeholders)s) and translate them in locale/ru"


# --- lead data --------------------------------------------------------------------------------


def test_lead_row_errors_follow_the_request_language(marketer, client_for):
    rows = [{"external_id": "x", "created_at": "tomorrow"}, {"external_id": "y", "created_at": "2026-12-02"}]
    russian = client_for(marketer).post("/api/v1/leads/", rows, format="json", HTTP_ACCEPT_LANGUAGE="ru")
    assert russian.status_code == 200 and russian.json()["created"] == 1
    assert russian.json()["errors"][0]["errors"]["created_at"] == [
        "«tomorrow» — не дата и время (ISO 8601, например 2026-12-01T10:30:00+03:00)."
    ]
    english = client_for(marketer).post("/api/v1/leads/", rows[:1], format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["errors"][0]["errors"]["created_at"][0].startswith("“tomorrow” is not a date and time")


def test_a_repeated_spend_id_is_refused_in_russian(marketer, client_for):
    experiment = ExperimentFactory(running=True, owner=marketer)
    row = {"experiment": experiment.pk, "date": "2026-12-02", "amount": "5", "kind": "marketing", "external_id": "a"}
    response = client_for(marketer).post("/api/v1/spend/", [row, row], format="json", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.json()["created"] == 1
    assert response.json()["errors"][0]["errors"]["external_id"] == [
        "Эта строка уже есть под номером 0 в этом запросе; отправляйте каждую строку один раз."
    ]


@pytest.mark.django_db(transaction=True)  # the import's own connections and threads, as in a worker
def test_an_import_reports_in_the_language_of_whoever_uploaded_it(marketer, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from metrics.models import ImportJob
    from metrics.services import import_job_run

    content = b"external_id,created_at\nok,2026-12-02T10:00:00+03:00\nbad,soon\nshort\n"
    upload = SimpleUploadedFile("leads.csv", content, content_type="text/csv")
    response = client_for(marketer).post("/api/v1/imports/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 202
    translation.deactivate()  # the job runs later, in a worker, in no request's language
    import_job_run(job_id=response.json()["id"])
    job = ImportJob.objects.get(id=response.json()["id"])
    assert (job.language, job.rows_ok, job.rows_failed) == ("ru", 1, 2)
    assert [error["errors"] for error in job.errors] == [
        {"created_at": ["«soon» — не дата и время (ISO 8601, например 2026-12-01T10:30:00+03:00)."]},
        {"non_field_errors": ["Ожидалось полей, как в заголовке: 2, найдено: 1."]},
    ]


def test_an_unknown_id_is_not_found_in_the_request_language(marketer, client_for):
    russian = client_for(marketer).get("/api/v1/experiments/999999/", HTTP_ACCEPT_LANGUAGE="ru")
    assert russian.status_code == 404
    assert russian.json() == {"detail": "Страница не найдена.", "code": "not_found"}  # DRF's own words
    english = client_for(marketer).get("/api/v1/experiments/999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json() == {"detail": "Not found.", "code": "not_found"}
