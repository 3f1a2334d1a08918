"""Lighthouse (npm, driving Debian's chromium) on the track page, a topic page and `/me/`,
signed in: accessibility and best practices at 100 with the desktop and mobile presets."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from progress.models import Status
from progress.services import follow, set_status
from tests.e2e.conftest import CHROMIUM
from tracks.diagrams import render_track_diagram
from tracks.models import Topic, Track

pytestmark = [pytest.mark.e2e, pytest.mark.plantuml, pytest.mark.audit]

LIGHTHOUSE = Path(settings.BASE_DIR) / "node_modules" / ".bin" / "lighthouse"
SLUG = "engenharia-de-machine-learning"
CATEGORIES = ("accessibility", "best-practices")


@pytest.fixture
def signed_in_cookie(db, plantuml, alice) -> str:
    if not LIGHTHOUSE.exists() or not shutil.which("node"):
        if os.environ.get("CI"):
            pytest.fail(f"{LIGHTHOUSE} is missing: run `npm ci`")
        pytest.skip("lighthouse is not installed (npm ci)")
    call_command("import_track", str(Path(settings.BASE_DIR) / "tracks" / "content" / SLUG))
    track = Track.objects.get(slug=SLUG)
    render_track_diagram(track)
    follow(alice, track)
    for topic, status in zip(
        Topic.objects.filter(track=track).order_by("order")[:4],
        [Status.DONE, Status.DOING, Status.SKIPPED, Status.DONE],
        strict=True,
    ):
        set_status(alice, topic, status)
    client = Client()
    client.force_login(alice)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def lighthouse(url: str, cookie: str, preset: str, tmp_path: Path) -> dict:
    report = tmp_path / f"{preset}.json"
    command = [
        str(LIGHTHOUSE),
        url,
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        f"--extra-headers={json.dumps({'Cookie': cookie})}",
        "--output=json",
        f"--output-path={report}",
        "--quiet",
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    subprocess.run(command, check=True, env=env, timeout=240, capture_output=True)
    return json.loads(report.read_text())


def failures(report: dict) -> list[str]:
    return [
        f"{audit['id']}: {audit['title']}"
        for audit in report["audits"].values()
        if audit.get("score") is not None
        and audit["score"] < 1
        and audit.get("scoreDisplayMode") == "binary"
    ]


@pytest.mark.parametrize("preset", ["desktop", "mobile"])
@pytest.mark.parametrize("path", [f"/tracks/{SLUG}/", f"/tracks/{SLUG}/t/{{key}}/", "/me/"])
def test_lighthouse_scores_accessibility_and_best_practices_100(
    live_server, signed_in_cookie, path, preset, tmp_path
):
    key = Topic.objects.filter(track__slug=SLUG, parent__isnull=False).order_by("order")[0].key
    report = lighthouse(live_server.url + path.format(key=key), signed_in_cookie, preset, tmp_path)

    assert report["finalDisplayedUrl"] == live_server.url + path.format(key=key)  # signed in
    scores = {name: report["categories"][name]["score"] for name in CATEGORIES}
    print(path, preset, scores)
    assert scores == {"accessibility": 1, "best-practices": 1}, failures(report)
