"""Meeting pages: the list (filtered, paginated, newest first) and one meeting with its agenda,
section by section, from a month of real data; notes and decisions only for the heads and the founder."""

import datetime as dt

import pytest
from django.urls import reverse

from meetings.models import Meeting
from meetings.services.meetings import meeting_create

pytestmark = pytest.mark.django_db


def _meeting(kind: str, day: dt.date) -> Meeting:
    meeting = meeting_create(kind=kind, date=day, date_from=day - dt.timedelta(days=7))
    assert meeting is not None  # None: that meeting existed already
    return meeting


@pytest.mark.parametrize("url", ["/meetings/", "/meetings/1/"])
def test_anonymous_user_is_sent_to_the_login_page(web_client, url):
    response = web_client(None).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_empty_list_explains_where_meetings_come_from(web_client, marketer):
    html = web_client(marketer).get("/meetings/").content.decode()
    assert "No meetings yet." in html
    assert "created on the regulation's cadence" in html
    assert 'href="/regulation/"' in html


def test_list_is_newest_first_and_filters_by_kind(web_client, marketer):
    _meeting("sync", dt.date(2026, 11, 1))
    _meeting("sync", dt.date(2026, 11, 15))
    _meeting("founder", dt.date(2026, 11, 8))
    client = web_client(marketer)
    page = client.get("/meetings/")
    assert [row["meeting"].date for row in page.context["rows"]] == [
        dt.date(2026, 11, 15),
        dt.date(2026, 11, 8),
        dt.date(2026, 11, 1),
    ]
    assert "3 meetings" in page.content.decode()
    founder_only = client.get("/meetings/", {"kind": "founder"})
    assert [row["meeting"].kind for row in founder_only.context["rows"]] == ["founder"]
    assert "No meeting of this kind yet." not in founder_only.content.decode()


def test_list_paginates_and_keeps_the_filter(web_client, marketer):
    start = dt.date(2026, 1, 1)
    for i in range(22):
        Meeting.objects.create(kind="sync", date=start + dt.timedelta(days=i), agenda={})
    client = web_client(marketer)
    first = client.get("/meetings/", {"kind": "sync"}).content.decode()
    assert "Page 1 of 2" in first
    assert "kind=sync&amp;page=2" in first
    second = client.get("/meetings/", {"kind": "sync", "page": 2})
    assert len(second.context["rows"]) == 2


def test_list_query_count_does_not_grow_with_rows(web_client, marketer, count_queries):
    client = web_client(marketer)
    _meeting("sync", dt.date(2026, 11, 1))
    _meeting("founder", dt.date(2026, 11, 1))
    few = count_queries(client.get, "/meetings/")
    for day in range(2, 9):
        _meeting("sync", dt.date(2026, 11, day))
        _meeting("founder", dt.date(2026, 11, day))
    assert count_queries(client.get, "/meetings/") == few


def test_unknown_meeting_is_404(web_client, marketer):
    assert web_client(marketer).get("/meetings/999999/").status_code == 404


# --- The sync agenda, section by section ------------------------------------------------------


def _section(html: str, title_id: str) -> str:
    return html.split(f'id="{title_id}"')[1].split("</section>")[0]


def test_sync_agenda_renders_every_section_from_data(web_client, marketer, month):
    html = web_client(marketer).get(reverse("web:meeting-detail", args=[month["sync"].pk])).content.decode()
    assert "Marketing + sales sync" in html

    followup = _section(html, "followup-title")
    assert "Judge partner mailings after Dec 5." in followup

    unlocked = _section(html, "unlocked-title")
    assert unlocked.index(month["students"].title) < unlocked.index("Partner mailings to SMB")
    assert "Non-target exception" in unlocked and "Test period ended" in unlocked
    assert "75.0%" in unlocked  # 15 of 20 judged leads were non-target
    assert "15 of 20 · acceptable 30%" in unlocked

    reviews = _section(html, "reviews-title")
    assert "Not confirmed" in reviews and "Confirmed" in reviews
    assert "No budget; wrong segment." in reviews  # the loss reasons, so marketing can reposition
    assert "Adjust positioning" in reviews

    wins = _section(html, "wins-title")
    assert "Partner mailings to SMB" in wins
    assert "If we mail partners&#x27; SMB customers" in wins
    assert month["students"].title not in wins

    questions = _section(html, "questions-title")
    assert "Which partners sent the best leads?" in questions
    assert f'href="/experiments/{month["partner"].pk}/#questions"' in questions
    assert "Why a webinar?" not in questions  # answered

    churn = _section(html, "churn-title")
    assert "3 customers churned" in churn
    assert churn.index("Too expensive") < churn.index("unspecified")
    assert '<td class="num">2</td>' in churn

    departments = _section(html, "departments-title")
    assert "Marketing zone" in departments and "Sales zone" in departments
    leads_row = departments.split('<th scope="row">Leads</th>')[1].split("</tr>")[0]
    assert "▲" in leads_row and "+" in leads_row


def test_department_change_is_coloured_by_which_way_is_good(web_client, marketer, month):
    response = web_client(marketer).get(reverse("web:meeting-detail", args=[month["sync"].pk]))
    marketing = response.context["agenda"]["departments"][0]["rows"]
    by_name = {row["name"]: row for row in marketing}
    change = month["sync"].agenda["departments"]["marketing"]["change"]
    assert change["leads_total"] == 10  # 20 leads after 10
    assert (by_name["leads_total"]["trend"], by_name["leads_total"]["good"]) == ("up", True)
    # More non-target leads is bad news even though the number went up: 75% after 30%.
    assert change["non_target_share"] == pytest.approx(0.45)
    assert (by_name["non_target_share"]["trend"], by_name["non_target_share"]["good"]) == ("up", False)
    assert by_name["non_target_share"]["change"] == "+45.0 pp"


def test_founder_agenda_shows_goals_experiments_and_overdue_reviews(web_client, founder, month):
    html = web_client(founder).get(reverse("web:meeting-detail", args=[month["founder"].pk])).content.decode()
    goals = _section(html, "goals-title")
    agenda_goals = month["founder"].agenda["goals"]
    assert [g["metric"] for g in agenda_goals] == ["mql"]
    assert "MQL" in goals and 'role="progressbar"' in goals
    assert "at least" in goals

    experiments = _section(html, "experiments-title")
    reviewed = experiments.split("Reviewed")[-1]
    assert "Partner mailings to SMB" in reviewed and "Confirmed" in reviewed

    overdue = _section(html, "overdue-title")
    # The events test ended on Nov 30; its review was due on Dec 7.
    [late] = month["founder"].agenda["overdue_reviews"]
    assert (late["experiment"]["title"], late["days_overdue"]) == (month["events"].title, 8)
    assert month["events"].title in overdue and "overdue" in overdue
    assert "Every open review is within its deadline." not in overdue


def test_founder_agenda_without_overdue_reviews_says_so(web_client, founder):
    meeting = _meeting("founder", dt.date(2026, 11, 15))
    assert meeting.agenda["overdue_reviews"] == []
    html = web_client(founder).get(reverse("web:meeting-detail", args=[meeting.pk])).content.decode()
    assert "Every open review is within its deadline." in _section(html, "overdue-title")


# --- Notes and decisions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "can_write"),
    [("marketer", False), ("marketing_head", True), ("sales_head", True), ("founder", True), ("admin", False)],
)
def test_notes_form_only_for_heads_and_founder(web_client, users, role, can_write):
    meeting = _meeting("sync", dt.date(2026, 11, 15))
    html = web_client(users[role]).get(reverse("web:meeting-detail", args=[meeting.pk])).content.decode()
    assert ('name="decisions"' in html) is can_write
    assert ("write the notes and decisions" in html) is not can_write


def test_marketer_cannot_write_notes(web_client, marketer):
    meeting = _meeting("sync", dt.date(2026, 11, 15))
    response = web_client(marketer).post(
        reverse("web:meeting-detail", args=[meeting.pk]), {"notes": "x", "decisions": "y"}
    )
    assert response.status_code == 403
    meeting.refresh_from_db()
    assert (meeting.notes, meeting.decisions) == ("", "")


def test_sales_head_writes_notes_and_decisions(web_client, sales_head):
    meeting = _meeting("sync", dt.date(2026, 11, 15))
    url = reverse("web:meeting-detail", args=[meeting.pk])
    client = web_client(sales_head)
    response = client.post(url, {"notes": "  Talked about CPL.  ", "decisions": "Scale partner mailings."})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.notes, meeting.decisions) == ("Talked about CPL.", "Scale partner mailings.")
    html = client.get(url).content.decode()
    assert "Notes and decisions are saved." in html
    assert "Scale partner mailings." in web_client(sales_head).get("/meetings/").content.decode()


def test_too_long_notes_are_refused_on_their_field(web_client, founder):
    meeting = _meeting("founder", dt.date(2026, 11, 15))
    response = web_client(founder).post(
        reverse("web:meeting-detail", args=[meeting.pk]), {"notes": "n" * 20001, "decisions": "ok"}
    )
    assert response.status_code == 400
    assert "Keep it under 20000 characters" in response.context["form"].errors["notes"][0]
    assert "decisions" not in response.context["form"].errors
    meeting.refresh_from_db()
    assert meeting.decisions == ""


def test_a_meeting_without_an_agenda_says_so(web_client, marketer):
    meeting = Meeting.objects.create(kind="founder", date=dt.date(2026, 11, 15), agenda={})
    response = web_client(marketer).get(reverse("web:meeting-detail", args=[meeting.pk]))
    assert response.status_code == 200
    assert "This meeting has no agenda" in response.content.decode()


def test_the_agenda_reads_in_russian(web_client, marketing_head, month):
    client = web_client(marketing_head)
    client.post(reverse("set_language"), {"language": "ru", "next": "/"})
    html = client.get(reverse("web:meeting-detail", args=[month["sync"].pk])).content.decode()
    assert "Синхронизация маркетинга и продаж, 15 декабря 2026" in html
    for title in ("Открытые разборы", "Проведённые разборы", "Победы", "Открытые вопросы", "Отток"):
        assert title in html
    assert "ушло 3 клиента" in html
    assert "п. п." in html  # rate changes in percentage points
    assert "Сохранить" in html
    listing = client.get("/meetings/").content.decode()
    assert "2 разбора · 1 победа · 1 открытый вопрос" in listing
