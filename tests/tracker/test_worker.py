"""The Celery plumbing itself: a real worker on the configured broker reaches the test database."""

import pytest
from celery import shared_task
from django.db import transaction

from experiments.models import Channel


@shared_task(name="tests.create_channel")
def create_channel(slug: str) -> None:
    Channel.objects.get_or_create(slug=slug, defaults={"name": slug.title()})


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_task_enqueued_on_commit_runs_in_a_real_worker(celery_tasks):
    with transaction.atomic():
        transaction.on_commit(lambda: create_channel.delay("from-worker"))

    assert celery_tasks.settle() == [("tests.create_channel", "SUCCESS")]
    assert Channel.objects.filter(slug="from-worker").exists()


def test_the_embedded_broker_never_shows_a_half_written_message(tmp_path, monkeypatch):
    """A worker polling the queue folder takes every file named like a message: the file must
    appear complete, never empty or half-written. kombu's own writer fails this (it creates the
    file under its final name, then serialises and writes the message)."""
    from kombu import Connection
    from kombu.transport import filesystem
    from kombu.utils import json

    from tracker.brokers import filesystem as broker

    visible_while_writing: list[str] = []
    real_dumps = json.dumps  # what both writers call

    def dumps(payload):  # called by either writer while the message is being written
        visible_while_writing.extend(path.name for path in tmp_path.iterdir() if path.name.endswith(".jobs.msg"))
        return real_dumps(payload)

    monkeypatch.setattr(broker, "dumps", dumps)
    monkeypatch.setattr(filesystem, "dumps", dumps)
    options = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path), "store_processed": False}
    transport = "tracker.brokers.filesystem:Transport"
    with Connection("filesystem://", transport=transport, transport_options=options) as connection:
        queue = connection.SimpleQueue("jobs")
        queue.put({"n": 1})
        assert visible_while_writing == []
        assert [path.name.endswith(".jobs.msg") for path in tmp_path.iterdir()] == [True]
        assert queue.get(timeout=60).payload == {"n": 1}  # returns as soon as the message is read
        queue.close()
    # The same check catches kombu's writer.
    with Connection("filesystem://", transport_options=options) as connection:
        queue = connection.SimpleQueue("jobs")
        queue.put({"n": 2})
        assert visible_while_writing != []
        queue.close()
