"""Production shape: /healthz for load balancers, a shared cache from CACHE_URL, HTTPS and
HSTS by default, and `check --deploy` silent with the documented production variables."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import OperationalError, connection

from config.settings import cache_from_url
from tracks.plantuml.local import free_port
from tracks.plantuml.renderer import PROBE_SOURCE, render_svg
from tracks.render_queue import enqueue

BASE_DIR = Path(django_settings.BASE_DIR)

pytestmark = pytest.mark.usefixtures("english")


def redis_cache(url: str) -> dict:
    return {"default": cache_from_url(url)}


# --- /healthz --------------------------------------------------------------------------------


def test_healthz_answers_200_with_what_answered(client, settings, track):
    settings.PLANTUML_URL = ""
    enqueue([track.pk])

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    assert response.json() == {
        "database": True,
        "cache": True,
        "renderer": {"configured": False, "ok": False},
        "render_queue": {"waiting": 1, "failed": 0},
        "status": "ok",
    }


def test_healthz_is_503_when_the_database_does_not_answer(client, settings):
    # A cache of its own: the default one lives in the database and would fail with it.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("gone")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": False, "cache": True, "status": "unavailable"}


def test_healthz_is_503_when_the_cache_does_not_answer(client, db, settings):
    settings.CACHES = redis_cache(f"redis://127.0.0.1:{free_port()}/0")

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": True, "cache": False, "status": "unavailable"}


def test_healthz_follows_a_redis_cache_that_goes_away(client, db, settings, redis_server):
    settings.CACHES = redis_cache(redis_server)
    settings.PLANTUML_URL = ""
    assert client.get("/healthz").status_code == 200

    port = int(redis_server.rsplit(":", 1)[1].split("/")[0])
    cache.set("probe", "x")
    import redis

    redis.Redis(port=port).shutdown(nosave=True)

    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] is False


def test_a_renderer_that_is_down_is_reported_but_pages_still_serve(client, db, settings):
    settings.PLANTUML_URL = f"http://127.0.0.1:{free_port()}/"

    response = client.get("/healthz")

    assert response.status_code == 200
    renderer = response.json()["renderer"]
    assert renderer["configured"] is True
    assert renderer["ok"] is False
    assert "cannot be reached" in renderer["error"]


@pytest.mark.plantuml
def test_a_renderer_that_answers_is_reported_with_its_version(client, db, plantuml):
    render_svg(PROBE_SOURCE)  # Java's first drawing is slow; the probe's bound is short

    response = client.get("/healthz")

    assert response.json()["renderer"] == {"configured": True, "ok": True, "version": "1.2026.8"}


def test_healthz_accepts_only_get_and_head(client, db):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_the_cache_url_must_name_redis():
    with pytest.raises(RuntimeError, match="CACHE_URL"):
        cache_from_url("memcached://127.0.0.1:11211")
    assert cache_from_url("redis://cache:6379/1")["LOCATION"] == "redis://cache:6379/1"


# --- HTTPS ------------------------------------------------------------------------------------


@pytest.fixture
def production_https(settings):
    """The security settings as DEBUG=0 BEHIND_TLS_PROXY=1 makes them."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True


def test_plain_http_is_redirected_to_https_but_healthz_is_not(client, track, production_https):
    page = client.get("/tracks/ml/")
    health = client.get("/healthz")

    assert page.status_code == 301
    assert page["Location"] == "https://testserver/tracks/ml/"
    assert health.status_code == 200


def test_behind_the_tls_proxy_https_requests_are_served_with_hsts(client, track, production_https):
    response = client.get("/tracks/ml/", headers={"X-Forwarded-Proto": "https"})

    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def production_environment(**extra: str) -> dict[str, str]:
    """The variables README's Deployment section documents, nothing else from this process
    (the test run's own DEBUG or DATABASE_URL must not leak in)."""
    keep = {"PATH", "HOME", "LANG", "DATABASE_URL"}
    env = {key: value for key, value in os.environ.items() if key in keep}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="trilha.example.com",
        CSRF_TRUSTED_ORIGINS="https://trilha.example.com",
        BEHIND_TLS_PROXY="1",
        CACHE_URL="redis://cache:6379/0",
        PLANTUML_URL="http://plantuml:8080/",
        **extra,
    )
    return env


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_silent_with_the_production_variables():
    result = check_deploy(production_environment())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_check_deploy_warns_when_https_is_switched_off():
    result = check_deploy(production_environment(SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0"))

    assert result.returncode != 0
    assert "security.W004" in result.stderr
    assert "security.W008" in result.stderr


# --- docker-compose ---------------------------------------------------------------------------


def test_compose_runs_a_proxy_in_front_of_a_scalable_app_with_the_worker_and_redis(tmp_path):
    import shutil

    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed")
    compose = BASE_DIR / "docker-compose.yml"
    services = subprocess.run(
        [binary, "-f", str(compose), "config", "--services"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=True,
    ).stdout.split()

    assert set(services) == {"proxy", "migrate", "app", "worker", "db", "cache", "plantuml"}
    text = compose.read_text()
    app = text[text.index("\n  app:") : text.index("\n  worker:")]
    assert "ports:" not in app  # only the proxy publishes: `--scale app=3` needs no free port
    assert "render_diagrams --worker" in text
    caddyfile = (BASE_DIR / "deploy" / "Caddyfile").read_text()
    assert "name app" in caddyfile and "port 8000" in caddyfile
    # The proxy compresses, so the app does not.
    assert 'COMPRESS_AT_PROXY: "1"' in text
    assert "encode zstd gzip" in caddyfile


def middleware_with(env: dict[str, str]) -> list[str]:
    script = "from django.conf import settings; print(*settings.MIDDLEWARE)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.split()


@pytest.mark.parametrize(("at_proxy", "gzip_here"), [("0", True), ("1", False)])
def test_pages_are_compressed_by_the_app_unless_the_proxy_does_it(at_proxy, gzip_here):
    middleware = middleware_with(production_environment(COMPRESS_AT_PROXY=at_proxy))
    assert ("django.middleware.gzip.GZipMiddleware" in middleware) is gzip_here
    assert "progress.sessionuser.AuthenticationMiddleware" in middleware


def test_a_browser_gets_the_track_page_compressed(client, track):
    response = client.get("/tracks/ml/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
