"""A fuzz run of the API against its own OpenAPI schema: no input answers 5xx, no answer breaks the schema.

Schemathesis generates requests from `/api/v1/schema/` (valid ones, and ones that break the schema
on purpose) for every GET, POST and PATCH operation and sends them to the WSGI application, as an admin
and as a sales head (token auth), over the data of a month of work. Operations on one object run
twice: with generated ids (mostly unknown: 404) and with the id of an object that exists. The seed
is fixed, so a run is repeatable; the budget keeps it to a few minutes on a busy machine.
"""

import contextlib
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import response_schema_conformance

from meetings.models import Goal
from metrics.models import ImportJob, ImportProfile
from tracker.wsgi import application

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

SEED = 20261201
EXAMPLES = 12  # per operation, role, mode and id choice
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def _existing_ids(month: dict[str, Any]) -> dict[str, int]:
    """The id an operation's `{id}` names when it should exist, by the path's first part."""
    job = ImportJob.objects.create(file="imports/none.csv", original_name="none.csv")
    profile = ImportProfile.objects.create(name="amoCRM", preset="amocrm", headers=["ID", "Этап сделки"])
    return {
        "experiments": month["partner"].pk,
        "goals": Goal.objects.order_by("pk")[0].pk,
        "meetings": month["sync"].pk,
        "questions": month["question"].pk,
        "imports": job.pk,
        "import-profiles": profile.pk,
    }


def _run(operation, *, mode, headers, path_parameters, outcomes: Counter[str], failures: list[str]) -> None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @hypothesis_seed(SEED)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # every failure is collected; none is shrunk
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def examples(case) -> None:
        response = case.call(headers=headers)
        outcomes["examples"] += 1
        outcomes[f"{response.status_code // 100}xx"] += 1
        label = f"{operation.label} [{mode.value}] {case.path_parameters or ''} {case.query or ''}"
        if response.status_code >= 500:
            failures.append(f"{label}: {response.status_code} for body {case.body!r:.300}")
            return
        try:
            case.validate_response(response, checks=[response_schema_conformance])
        except FailureGroup as exc:
            failures.append(f"{label}: {response.status_code} breaks the schema: {exc!s:.600}")

    with contextlib.suppress(Unsatisfiable):  # a fixed id and nothing else to break: no negative example
        examples()


@pytest.fixture
def wsgi_keeps_the_connection() -> Iterator[None]:
    """Requests are served in the test's transaction: like Django's test client, the application
    must not close the database connection when a request ends."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("wsgi_keeps_the_connection")
@pytest.mark.parametrize("role", ["admin", "sales_head"])
def test_no_input_answers_a_server_error_or_breaks_the_schema(role, month, admin_user, sales_head, capsys):
    user = {"admin": admin_user, "sales_head": sales_head}[role]
    headers = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    ids = _existing_ids(month)
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application).include(method=["GET", "POST", "PATCH"])
    outcomes: Counter[str] = Counter()
    failures: list[str] = []
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # the schema itself is broken
        operations.append(result.ok())
    started = time.monotonic()
    for operation in operations:
        choices: list[dict[str, int] | None] = [None]
        if "{id}" in operation.path:
            kind = operation.path.removeprefix("/api/v1/").split("/")[0]
            choices.append({"id": ids[kind]})
        for path_parameters in choices:
            for mode in MODES:
                _run(
                    operation,
                    mode=mode,
                    headers=headers,
                    path_parameters=path_parameters,
                    outcomes=outcomes,
                    failures=failures,
                )
    with capsys.disabled():
        print(
            f"\nfuzz as {role}: {len(operations)} operations, {outcomes['examples']} examples "
            f"({', '.join(f'{k} {v}' for k, v in sorted(outcomes.items()) if k != 'examples')}), "
            f"{len(failures)} failures, {time.monotonic() - started:.0f} s"
        )
    assert not failures, "\n".join(failures)
