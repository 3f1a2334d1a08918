"""The benchmark's pages exist and answer as the benchmark expects (it is not run here)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from progress.management.commands.seed_load import ACCOUNTS, LEARNER
from tests.perf import bench
from tracks.models import Topic

User = get_user_model()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="seed_load needs PostgreSQL")
def test_every_benchmark_page_answers_200_on_the_seeded_data(client, db):
    call_command("seed_load", users=20)
    usernames = {**ACCOUNTS, "changer": LEARNER.format(3)}
    keys = list(
        Topic.objects.filter(track__slug=bench.ML, parent__isnull=False)
        .order_by("order")
        .values_list("key", flat=True)
    )
    pages = bench.pages(usernames, keys)
    assert len(pages) == 11
    for page in pages:
        client.logout()
        if page.account:
            client.force_login(User.objects.get(username=usernames[page.account]))
        headers = {"HX-Request": "true"} if page.htmx else {}
        if page.bodies:
            for body in page.bodies:
                response = client.post(
                    page.path,
                    body,
                    content_type="application/x-www-form-urlencoded",
                    headers=headers,
                )
                assert response.status_code == 200, (page.name, body)
        else:
            response = client.get(page.path, headers=headers)
            assert response.status_code == 200, page.name


def test_baseline_page_is_tiny_and_never_cached(client, alice):
    client.force_login(alice)
    response = client.get("/ping/")
    assert response.status_code == 200
    assert response.content == b"pong"
    assert "no-cache" in response["Cache-Control"]
    assert client.post("/ping/").status_code == 405


def test_wrk_script_sends_requests_in_turn_with_their_headers():
    script = bench.wrk_script(
        [
            ("GET", "/a/", {"Cookie": 'x="1"'}, None),
            ("POST", "/b/", {}, "status=done"),
        ]
    )
    assert 'wrk.format("GET", "/a/", {["Cookie"] = "x=\\"1\\""}, nil)' in script
    assert 'wrk.format("POST", "/b/", {}, "status=done")' in script
    assert "latency:percentile(95)" in script


def test_each_scale_has_its_own_database():
    base = "postgres://postgres@127.0.0.1:5432/trilha_bench"
    assert bench.database_url(base, 1000) == base
    assert bench.database_url(base, 100_000) == base + "_100k"
