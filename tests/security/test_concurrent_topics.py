"""Curators adding the same topic at the same moment each get a topic, never a 500."""

import threading

import pytest
from django.db import connection
from django.test import Client

from tests.conftest import topic
from tracks.models import Topic


@pytest.mark.django_db(transaction=True)
def test_four_simultaneous_add_topic_with_one_title_all_succeed(curator, track, settings):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs row locks (run on PostgreSQL)")
    settings.PLANTUML_URL = ""
    data = {"title": "Feature stores", "parent": topic(track, "serving").pk, "side": "left"}
    barrier = threading.Barrier(4)
    statuses, errors = [], []

    def submit() -> None:
        client = Client()
        client.force_login(curator)
        try:
            barrier.wait()
            statuses.append(client.post("/curate/ml/topics/new/", data).status_code)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert statuses == [302] * 4
    keys = sorted(Topic.objects.filter(track=track, title="Feature stores").values_list("key"))
    assert keys == [
        ("feature-stores",),
        ("feature-stores-2",),
        ("feature-stores-3",),
        ("feature-stores-4",),
    ]
