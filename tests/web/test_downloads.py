"""The scoreboard and a meeting's agenda as CSV and XLSX files, the way the experiment list downloads:
the numbers of the page, typed, with text a spreadsheet never runs as a formula."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting
from metrics.services import leads_upsert
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.fixture
def leads_this_month():
    ChannelFactory.create(name="Events", slug="events")
    ChannelFactory.create(name="=Paid search", slug="paid-search")
    now = timezone.localtime()
    leads_upsert(
        rows=[
            {"external_id": "E-1", "created_at": now.isoformat(), "channel": "events", "is_target": False},
            {"external_id": "S-1", "created_at": now.isoformat(), "channel": "paid-search", "is_target": True},
            {"external_id": "S-2", "created_at": now.isoformat(), "channel": "paid-search", "mql_at": now.isoformat()},
        ]
    )


def test_scoreboard_downloads_every_channel_with_every_number(web_client, founder, leads_this_month):
    client = web_client(founder)
    html = client.get("/scoreboard/").content.decode()
    first = timezone.localdate().replace(day=1)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    query = f"date_from={first.isoformat()}&amp;date_to={tomorrow.isoformat()}"
    assert f'href="/scoreboard/export.csv?{query}"' in html  # the period shown, defaults included

    header, *rows = _csv(client.get("/scoreboard/export.csv"))
    assert header[:5] == ["Channel", "From", "To (not included)", "Leads", "Judged leads"]
    assert "Cost per lead (CPL)" in header and "Churn rate" in header and "Churn reasons" not in header
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert list(by_name) == ["All channels", "Events", "'=Paid search"]
    assert by_name["All channels"]["Leads"] == "3"
    assert by_name["All channels"]["From"] == first.isoformat()
    assert by_name["Events"]["Non-target share"] == "1.0000"
    assert by_name["'=Paid search"]["MQL"] == "1"
    assert by_name["'=Paid search"]["Cost per lead (CPL)"] == "0.00"  # no spend yet
    assert by_name["'=Paid search"]["Customer acquisition cost (CAC)"] == ""  # no customer: no ratio, not zero


def test_scoreboard_xlsx_keeps_the_channel_filter(web_client, founder, leads_this_month):
    response = web_client(founder).get("/scoreboard/export.xlsx", {"channel": "events"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == ["All channels", "Events"]
    leads = header.index("Leads")
    assert sheet.cell(2, leads + 1).value == 1
    assert sheet.cell(2, header.index("Non-target share") + 1).number_format == "0.0%"


def test_scoreboard_download_of_a_bad_period_is_a_400_that_says_why(web_client, founder):
    response = web_client(founder).get("/scoreboard/export.csv", {"date_from": "2026-12-01", "date_to": "2026-11-01"})
    assert response.status_code == 400
    assert "The end of the period must come after its start." in response.content.decode()


def test_sync_agenda_downloads_section_by_section(web_client, marketer, month):
    meeting = month["sync"]
    client = web_client(marketer)
    html = client.get(reverse("web:meeting-detail", args=[meeting.pk])).content.decode()
    assert f'href="/meetings/{meeting.pk}/export.xlsx"' in html
    response = client.get(f"/meetings/{meeting.pk}/export.csv")
    assert response["Content-Disposition"] == 'attachment; filename="meeting-2026-12-15-sync.csv"'
    header, *rows = _csv(response)
    assert header == ["Section", "Item", "Detail", "Value", "Before", "Change", "Target", "Date", "Note"]
    sections = list(dict.fromkeys(row[0] for row in rows))
    assert sections == [
        "Reviews opened",
        "Reviews filed",
        "Wins",
        "Open questions",
        "Churn",
        "Churn reasons",
        "Marketing zone",
        "Sales zone",
    ]
    opened = {row[1]: row for row in rows if row[0] == "Reviews opened"}
    students = opened[month["students"].title]
    assert students[2] == "Non-target exception · Reviewed" and students[3:7] == ["0.7500", "", "", "0.3000"]
    filed = [row for row in rows if row[0] == "Reviews filed"]
    assert [row[2] for row in filed] == [
        "Not confirmed · Recommendation: Adjust positioning",
        "Confirmed · Recommendation: Scale",
    ]
    assert filed[0][8] == "Mostly students."
    assert ["Churn reasons", "Too expensive", "", "2", "", "", "", "", ""] in rows
    leads = next(row for row in rows if row[0] == "Marketing zone" and row[1] == "Leads")
    assert leads[3:6] == ["20", "10", "10"]
    share = next(row for row in rows if row[0] == "Marketing zone" and row[1] == "Non-target share")
    assert share[3:6] == ["0.7500", "0.3000", "0.4500"]


def test_founder_agenda_downloads_as_a_workbook(web_client, founder, month):
    response = web_client(founder).get(f"/meetings/{month['founder'].pk}/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    goal = next(row for row in rows if row[0] == "Goals")
    assert goal[1] == "MQL" and goal[6] == 10  # the target, a number
    overdue = next(row for row in rows if row[0] == "Overdue reviews")
    assert overdue[1] == month["events"].title and overdue[3] == 8
    assert overdue[7] == dt.datetime(2026, 12, 7)
    assert {row[0] for row in rows} >= {"Marketing zone", "Sales zone", "Started", "Reviewed"}


def test_a_meeting_without_an_agenda_has_nothing_to_download(web_client, marketer):
    meeting = Meeting.objects.create(kind="sync", date=dt.date(2026, 1, 1), agenda={})
    assert web_client(marketer).get(f"/meetings/{meeting.pk}/export.csv").status_code == 404
    assert web_client(marketer).get("/meetings/999999/export.csv").status_code == 404
    assert web_client(None).get(f"/meetings/{meeting.pk}/export.csv").status_code == 302
