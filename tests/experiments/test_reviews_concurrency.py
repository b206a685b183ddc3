"""Many sales heads filing at the same moment: exactly one review, the others told why."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from experiments.models import Experiment, Review, ReviewUnlock
from experiments.services.reviews import review_file
from tests.concurrency import WAIT_SECONDS
from tests.factories import ExperimentFactory, UserFactory
from tracker.errors import Conflict

FILERS = 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_filings_give_exactly_one_review(marketer):
    from django.contrib.auth.models import Group

    group = Group.objects.get(name="sales_head")
    heads = [UserFactory(username=f"head{i}") for i in range(FILERS)]
    for head in heads:
        head.groups.add(group)
    experiment = ExperimentFactory(
        running=True, owner=marketer, start_date=timezone.localdate() - dt.timedelta(days=40), test_period_days=30
    )
    barrier = threading.Barrier(FILERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def file(head) -> None:
        try:
            barrier.wait(timeout=WAIT_SECONDS)
            review_file(
                experiment=Experiment.objects.get(pk=experiment.pk),
                by=head,
                verdict="inconclusive",
                summary=f"Filed by {head.username}",
                recommendation="continue_testing",
            )
            outcome = "filed"
        except Conflict as exc:
            outcome = exc.code
        except Exception as exc:  # reported below: any other error is a failure of the race handling
            outcome = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=file, args=(head,)) for head in heads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_SECONDS)

    assert sorted(outcomes) == ["already_reviewed"] * (FILERS - 1) + ["filed"]
    assert Review.objects.filter(experiment=experiment).count() == 1
    assert ReviewUnlock.objects.filter(experiment=experiment).count() == 1
    experiment.refresh_from_db()
    assert experiment.status == Experiment.Status.REVIEWED
