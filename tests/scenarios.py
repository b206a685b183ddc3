"""A month of company life for agenda tests: three experiments, their leads, reviews, questions and
goals, and the meetings of December 1st and 15th (Moscow time; regulation v1: sync every 14 days,
founder every 7, threshold 0.30, review due 7 days after the unlock). Registered as a pytest plugin
by tests/conftest.py, so the `month` fixture serves the service, API and page tests alike."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from experiments.models import Experiment
from experiments.services.questions import question_answer, question_ask
from experiments.services.regulations import regulation_create
from experiments.services.reviews import review_file
from experiments.services.unlocks import unlocks_record_due
from meetings.services.goals import goal_create
from meetings.services.meetings import meeting_create_due, meeting_update_notes
from metrics.services import leads_upsert
from tests.factories import ChannelFactory, ExperimentFactory, ImportJobFactory
from tests.pages import snapshot_for

MSK = dt.timezone(dt.timedelta(hours=3))


def at(day: dt.date, hour: int = 12) -> time_machine.travel:
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=MSK), tick=False)


def moment(day: dt.date, hour: int = 12) -> str:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=MSK).isoformat()


def cohort(
    experiment: Experiment, *, day: dt.date, count: int, non_target: int, mql: int, sql: int = 0
) -> list[dict[str, object]]:
    return [
        {
            "external_id": f"{experiment.utm_campaign}-{i}",
            "created_at": moment(day),
            "utm_campaign": experiment.utm_campaign,
            "is_target": i >= non_target,
            "mql_at": moment(day, 13) if i < mql else None,
            "sql_at": moment(day, 14) if i < sql else None,
        }
        for i in range(count)
    ]


REVIEW = {"summary": "Numbers and calls agree.", "loss_reasons": ""}


@pytest.fixture
def month(marketer, sales_head, marketing_head, founder) -> dict[str, Any]:
    """Three experiments and their data; the first meetings on Dec 1, the next on Dec 15."""
    channel = ChannelFactory(slug="partner-mailings", name="Partner mailings")
    with at(dt.date(2026, 11, 5)):
        partner = ExperimentFactory.create(
            running=True,
            owner=marketer,
            channel=channel,
            title="Partner mailings to SMB",
            hypothesis="If we mail partners' SMB customers, then we get qualified leads cheaper.",
            utm_campaign="partner_nov",
            start_date=dt.date(2026, 11, 5),
            test_period_days=30,  # ends on Dec 5
            budget=Decimal("150000.00"),
            targets={"min_mql": 2},
        )
    with at(dt.date(2026, 11, 10)):
        events = ExperimentFactory.create(
            running=True,
            owner=marketer,
            utm_campaign="events_nov",
            start_date=dt.date(2026, 11, 10),
            test_period_days=20,
        )  # ends on Nov 30
    with at(dt.date(2026, 12, 2)):
        students = ExperimentFactory.create(
            running=True,
            owner=marketer,
            utm_campaign="webinar_dec",
            start_date=dt.date(2026, 12, 2),
            test_period_days=30,
        )
    rows = cohort(partner, day=dt.date(2026, 11, 20), count=10, non_target=3, mql=2)
    rows += cohort(students, day=dt.date(2026, 12, 3), count=20, non_target=15, mql=4, sql=1)
    # Three October customers churn on Dec 10: two say it is too expensive, one says nothing.
    for i, reason in enumerate(["Too expensive", " Too expensive ", ""]):
        rows.append(
            {
                "external_id": f"old-{i}",
                "created_at": moment(dt.date(2026, 10, 1)),
                "won_at": moment(dt.date(2026, 10, 2)),
                "revenue": "1000.00",
                "churned_at": moment(dt.date(2026, 12, 10)),
                "churn_reason": reason,
            }
        )
    assert leads_upsert(rows=rows).errors == []

    with at(dt.date(2026, 12, 1), hour=6):
        first_sync = {m.kind: m for m in meeting_create_due()}["sync"]
    with at(dt.date(2026, 12, 1), hour=9):
        unlocks_record_due(experiment_ids=[events.pk])  # the sweep records the period end of Nov 30
    with at(dt.date(2026, 12, 1), hour=11):
        meeting_update_notes(meeting=first_sync, by=sales_head, decisions="Judge partner mailings after Dec 5.")
    with at(dt.date(2026, 12, 4), hour=15):
        review_file(
            experiment=students,
            by=sales_head,
            verdict="not_confirmed",
            summary="Mostly students.",
            loss_reasons="No budget; wrong segment.",
            recommendation="adjust_positioning",
        )
    with at(dt.date(2026, 12, 6), hour=11):
        review_file(experiment=partner, by=sales_head, verdict="confirmed", recommendation="scale", **REVIEW)
    with at(dt.date(2026, 12, 8)):
        open_one = question_ask(experiment=partner, by=sales_head, text="Which partners sent the best leads?")
        answered = question_ask(experiment=students, by=founder, text="Why a webinar?")
        question_answer(question=answered, by=marketing_head, text="To reach students' parents.")
    goal_create(
        by=founder,
        metric="mql",
        target=Decimal("10"),
        period_start=dt.date(2026, 12, 1),
        period_end=dt.date(2027, 1, 1),
    )
    goal_create(
        by=founder,
        metric="revenue",
        target=Decimal("5000.00"),
        period_start=dt.date(2026, 11, 1),
        period_end=dt.date(2026, 12, 1),
    )
    with at(dt.date(2026, 12, 15), hour=6):
        created = {m.kind: m for m in meeting_create_due()}
    return {
        "partner": partner,
        "events": events,
        "students": students,
        "question": open_one,
        "sync": created["sync"],
        "founder": created["founder"],
    }


@pytest.fixture
def company(month, marketer, sales_head, founder, admin_user) -> dict[str, Any]:
    """The month with everything a page can show, at its widest: a running experiment with a long
    Russian title, its leads, targets and metrics in millions; a draft with a long utm_campaign; a
    second regulation version with channel thresholds; a finished import with its error report; a
    share goal. For the pages at phone and desktop widths in both languages."""
    today = timezone.localdate()
    search = ChannelFactory.create(slug="paid-search", name="Контекстная реклама по брендам конкурентов")
    running = ExperimentFactory.create(
        running=True,
        owner=marketer,
        channel=search,
        title="Реклама по брендам конкурентов в регионах: Екатеринбург, Новосибирск, Казань",
        hypothesis="Если показывать рекламу по брендам конкурентов, то получим лиды дешевле общих запросов.",
        utm_campaign="search_competitors_regions",
        start_date=today - dt.timedelta(days=6),
        test_period_days=30,
        budget=Decimal("12500000.00"),
        targets={"max_cpl": "1500.00", "max_non_target_share": 0.3, "min_mql": 1500, "min_revenue": "25000000.00"},
    )
    rows = []
    for day in range(6):
        created = today - dt.timedelta(days=day)
        rows += [
            {
                "external_id": f"search-{day}-{i}",
                "created_at": dt.datetime.combine(created, dt.time(10, i), tzinfo=MSK).isoformat(),
                "utm_campaign": running.utm_campaign,
                "is_target": i % 4 != 0,
            }
            for i in range(8)
        ]
    assert leads_upsert(rows=rows).errors == []
    snapshot_for(
        running,
        leads_total=123456,
        judged_leads=120000,
        non_target_leads=31000,
        non_target_share=0.2583,
        mql=54321,
        sql=12345,
        customers=4321,
        cpl="1234567.89",
        cac="9876543.21",
        romi=1.2345,
        revenue="987654321.00",
        marketing_spend="152415787.50",
        cr_mql_sql=0.2273,
        cr_overall=0.035,
        churn_rate=0.125,
        churn_reasons={"Слишком дорого для небольшой команды": 12, "unspecified": 3},
    )
    snapshot_for(month["partner"], leads_total=10, judged_leads=10, non_target_leads=3, non_target_share=0.3, mql=2)
    draft = ExperimentFactory.create(
        owner=marketer,
        channel=search,
        title="Совместный вебинар с партнёром для финансовых директоров",
        utm_campaign="partner_webinar_cfo_december_2026_regional_campaign_with_a_long_name",
        budget=Decimal("150000.50"),
    )
    regulation_create(
        by=admin_user,
        non_target_threshold=Decimal("0.275"),
        exception_alpha=Decimal("0.01"),
        review_due_days=5,
        channel_thresholds={search.id: Decimal("0.4"), month["partner"].channel_id: Decimal("0.35")},
    )
    imported = ImportJobFactory(created_by=sales_head, language="ru")
    goal_create(
        by=founder,
        metric="non_target_share",
        target=Decimal("0.25"),
        period_start=today.replace(day=1),
        period_end=(today.replace(day=28) + dt.timedelta(days=4)).replace(day=1),
    )
    return {**month, "running": running, "draft": draft, "import": imported}
