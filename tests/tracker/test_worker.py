"""The Celery plumbing itself: a real worker on the configured broker reaches the test database."""

import time

import pytest
from celery import shared_task
from django.db import transaction

from experiments.models import Channel


@shared_task(name="tests.create_channel")
def create_channel(slug: str) -> None:
    Channel.objects.get_or_create(slug=slug, defaults={"name": slug.title()})


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_task_enqueued_on_commit_runs_in_a_real_worker(celery_worker):
    with transaction.atomic():
        transaction.on_commit(lambda: create_channel.delay("from-worker"))

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not Channel.objects.filter(slug="from-worker").exists():
        time.sleep(0.1)
    assert Channel.objects.filter(slug="from-worker").exists()
