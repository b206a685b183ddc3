"""One bad cell is one row's error: dates outside 2000..2100, numbers int() cannot read and control
characters are refused per row (JSON) and per line (CSV), never for the whole request or import, and
nothing stored can break a later read."""

import pytest

from metrics.models import ImportJob, Lead, Spend
from metrics.services import leads_upsert
from tests.metrics.conftest import lead
from tests.metrics.test_import import run

pytestmark = pytest.mark.django_db

C = "2026-12-02T10:00:00+03:00"
RANGE = "Use a date in the years 2000 to 2100."
# Cells that once ended a whole request or import in a 500, or were stored and broke the lead list.
BAD_CELLS = [
    ("won_at", "9999-12-31T23:00:00-12:00", RANGE),  # year 10000 in UTC
    ("created_at", "0001-01-01T00:00:00", RANGE),  # naive: a BC date in UTC
    ("created_at", "0001-01-01T00:00:00+03:00", RANGE),
    ("mql_at", "2101-01-01T00:00:00+03:00", RANGE),
    ("created_at", "1999-12-31T23:59:59+03:00", RANGE),
    ("orders", "²", "“²” is not a whole number."),
    ("orders", "--5", "“--5” is not a whole number."),
    ("orders", "9" * 5000, "Too large."),  # int() refuses more than 4,300 digits
    ("external_id", "n\x00ul", "Contains a NUL character, which text fields cannot hold."),
    ("external_id", "bell\x07", "Contains the control character U+0007, which is not allowed here."),
    ("customer_id", "c\x1b[31m", "Contains the control character U+001B, which is not allowed here."),
    ("utm_campaign", "tab\there", "Contains the control character U+0009, which is not allowed here."),
    ("churn_reason", "del\x7f", "Contains the control character U+007F, which is not allowed here."),
    ("disqualify_reason", "c1\x85", "Contains the control character U+0085, which is not allowed here."),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_CELLS)
def test_a_bad_cell_is_a_row_error_and_the_other_rows_are_stored(client_for, marketer, field, value, message):
    bad = {**lead("bad", C), field: value}
    response = client_for(marketer).post("/api/v1/leads/", [lead("good-1", C), bad, lead("good-2", C)], format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], [e["index"] for e in body["errors"]]) == (2, [1])
    assert body["errors"][0]["errors"] == {field: [message]}
    assert set(Lead.objects.values_list("external_id", flat=True)) == {"good-1", "good-2"}
    assert client_for(marketer).get("/api/v1/leads/").status_code == 200


def test_the_range_ends_are_accepted_and_read_back(client_for, marketer):
    rows = [
        lead("first", "2000-01-01T00:00:00+14:00"),  # still 1999 in UTC
        lead("last", "2100-12-31T23:59:59-12:00", won_at="2100-12-31T23:59:59-12:00"),  # 2101 in UTC
        lead("naive", "2000-01-01T00:00:00"),
    ]
    assert leads_upsert(rows=rows).errors == []
    listed = client_for(marketer).get("/api/v1/leads/")
    assert listed.status_code == 200
    assert {row["external_id"] for row in listed.json()["results"]} == {"first", "last", "naive"}


def test_free_text_keeps_tabs_and_line_breaks(marketer):
    reason = "too expensive\tfor now\r\nand later"
    assert leads_upsert(rows=[lead("t", C, disqualify_reason=reason)]).errors == []
    assert Lead.objects.get().disqualify_reason == reason


@pytest.mark.parametrize(("field", "value", "message"), BAD_CELLS)
def test_a_bad_cell_is_a_line_error_and_the_import_goes_on(marketer, field, value, message):
    if field == "utm_campaign":
        value = "vertical\x0btab"  # a tab would split the CSV field; another control character
        message = "Contains the control character U+000B, which is not allowed here."
    columns = ["external_id", "created_at", field] if field not in ("external_id", "created_at") else [field]
    header = ",".join(dict.fromkeys(["external_id", "created_at", *columns]))
    cells = {"external_id": "bad", "created_at": C, field: value}
    line = ",".join(f'"{cells[name]}"' for name in dict.fromkeys(["external_id", "created_at", *columns]))
    job = run(
        f"{header}\nok-1,{C}{',' * (header.count(',') - 1)}\n{line}\nok-2,{C}{',' * (header.count(',') - 1)}\n",
        marketer,
    )
    assert job.status == ImportJob.Status.DONE, job.failure
    assert (job.rows_total, job.rows_ok, job.rows_failed) == (3, 2, 1)
    assert job.errors[0]["line"] == 3 and job.errors[0]["errors"] == {field: [message]}
    assert set(Lead.objects.values_list("external_id", flat=True)) == {"ok-1", "ok-2"}


def test_a_nul_in_an_external_id_is_reported_escaped(marketer):
    job = run(f"external_id,created_at\nok,{C}\nn\x00ul,{C}\n", marketer)
    assert job.status == ImportJob.Status.DONE and job.failure == ""
    assert job.errors == [
        {
            "line": 3,
            "external_id": "n\\u0000ul",
            "errors": {"external_id": ["Contains a NUL character, which text fields cannot hold."]},
        }
    ]
    assert list(Lead.objects.values_list("external_id", flat=True)) == ["ok"]


def test_a_header_naming_a_control_character_twice_fails_with_a_readable_message(marketer):
    job = run(f"external_id,created_at,a\x00,a\x00\nok,{C},,\n", marketer)
    assert job.status == ImportJob.Status.FAILED
    assert "a\\u0000" in job.failure


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"date": "9999-12-31"}, "date", RANGE),
        ({"date": "1999-12-31"}, "date", RANGE),
        ({"experiment": "99999999999999999999"}, "experiment", "No experiment with the id “99999999999999999999”."),
        ({"experiment": 99999999999999999999}, "experiment", "No experiment with the id “99999999999999999999”."),
        ({"experiment": "²"}, "experiment", "No experiment with the id “²”."),
        ({"visits": "--5"}, "visits", "“--5” is not a whole number."),
        ({"visits": 2147483648}, "visits", "Too large."),
        ({"external_id": "s\x01"}, "external_id", "Contains the control character U+0001, which is not allowed here."),
    ],
)
def test_a_bad_spend_cell_is_a_row_error(client_for, marketer, experiment, row, field, message):
    good = {"experiment": experiment.pk, "date": "2026-12-02", "amount": "10.00", "kind": "marketing"}
    response = client_for(marketer).post("/api/v1/spend/", [good, {**good, **row}], format="json")
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 1
    assert [(e["index"], e["errors"]) for e in response.json()["errors"]] == [(1, {field: [message]})]
    assert Spend.objects.count() == 1


def test_an_id_beyond_any_column_filters_nothing(client_for, marketer, experiment):
    reader = client_for(marketer)
    assert reader.get("/api/v1/spend/?experiment=99999999999999999999").json()["count"] == 0
    assert reader.get("/api/v1/spend/?experiment=²").status_code == 200
    assert reader.get("/api/v1/experiments/?owner=99999999999999999999").json()["count"] == 0
    assert reader.get("/api/v1/experiments/?owner=²").json()["count"] == 0
