"""The checks of `make prod-smoke` (tests/prod/smoke.sh), over real HTTP with the standard
library only, against two app instances that share a database and a cache.

    smoke_check.py createdb | dropdb            the scratch database, from SMOKE_BASE_DATABASE_URL
    smoke_check.py check URL_A URL_B --redis-pid PID

Requests carry X-Forwarded-Proto: https and the site's Host, as the TLS proxy in front of the
app would; cookies (Secure, as in production) are kept by hand. Health probes go over plain
HTTP to each instance's own address, as a load balancer's would. Every wait is bounded.
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import re
import signal
import sys
import time
from collections.abc import Callable
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit, urlunsplit

TRACK = "engenharia-de-dados"
PASSWORD = "smoke-pass-123"
# The site's public name, which the proxy passes on to every instance alike (allauth keys
# login limits by it, among other things).
HOST = "trilha.localhost"


class Failed(Exception):
    pass


# --- the scratch database ---------------------------------------------------------------------


def _smoke_database() -> tuple[str, str]:
    """(URL of the server's maintenance database, URL of the scratch database)."""
    base = urlsplit(os.environ["SMOKE_BASE_DATABASE_URL"])
    name = (base.path.lstrip("/") or "trilha") + "_smoke"
    return urlunsplit(base._replace(path="/postgres")), urlunsplit(base._replace(path=f"/{name}"))


def create_database() -> None:
    import psycopg

    maintenance, smoke = _smoke_database()
    name = urlsplit(smoke).path.lstrip("/")
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    print(smoke)


def drop_database() -> None:
    import psycopg

    maintenance, smoke = _smoke_database()
    name = urlsplit(smoke).path.lstrip("/")
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- a small browser --------------------------------------------------------------------------


class Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.text = body.decode("utf-8", errors="replace")

    def json(self) -> dict:
        return json.loads(self.text)


class Browser:
    """One person's cookies, sent to whichever instance a request goes to."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(
        self,
        base: str,
        method: str,
        path: str,
        form: dict | list | None = None,
        https: bool = True,
        timeout: float = 30,
    ) -> Response:
        url = urlsplit(base)
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
        headers = {"Accept-Language": "en"}
        if https:
            headers["X-Forwarded-Proto"] = "https"
            headers["Host"] = HOST
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            origin = f"https://{HOST}"
            headers["Origin"] = origin
            headers["Referer"] = origin + path
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            result = Response(response.status, response.headers, response.read())
        finally:
            connection.close()
        for header in result.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return result

    def get(self, base: str, path: str, **options) -> Response:
        return self.request(base, "GET", path, **options)

    def post(self, base: str, path: str, form: dict | list, **options) -> Response:
        fields = form if isinstance(form, list) else list(form.items())
        fields = [(k, v) for k, v in fields if k != "csrfmiddlewaretoken"]
        fields.append(("csrfmiddlewaretoken", self.cookies.get("csrftoken", "")))
        return self.request(base, "POST", path, fields, **options)


class FormReader(HTMLParser):
    """The fields of the first form holding an input named `wanted`, as a browser submits
    them (checked boxes, selected options, textareas)."""

    def __init__(self, wanted: str) -> None:
        super().__init__()
        self.wanted = wanted
        self.forms: list[list[tuple[str, str]]] = []
        self._form: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = []
        elif self._form is None:
            return
        elif tag == "input" and attr.get("name"):
            kind = attr.get("type", "text")
            if kind in {"checkbox", "radio"} and "checked" not in attr:
                return
            if kind not in {"submit", "button", "file"}:
                self._form.append(
                    (attr["name"], attr.get("value", "on" if kind == "checkbox" else ""))
                )
        elif tag == "select":
            self._select, self._select_value, self._first_option = attr.get("name"), None, None
        elif tag == "option" and self._select:
            value = attr.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in attr:
                self._select_value = value
        elif tag == "textarea":
            self._textarea, self._text = attr.get("name"), []

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._form is None:
            return
        if tag == "select" and self._select:
            value = self._select_value if self._select_value is not None else self._first_option
            self._form.append((self._select, value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self._form.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "form":
            self.forms.append(self._form)
            self._form = None

    def fields(self) -> list[tuple[str, str]]:
        for form in self.forms:
            if any(name == self.wanted for name, _ in form):
                return form
        raise Failed(f"no form with a field {self.wanted!r}")


# --- the checks -------------------------------------------------------------------------------


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)


def wait_for(what: str, test: Callable[[], bool], seconds: float) -> float:
    started = time.monotonic()
    while not test():
        if time.monotonic() - started > seconds:
            raise Failed(f"{what}: not within {seconds:g} s")
        time.sleep(0.5)
    return time.monotonic() - started


def answers(base: str, path: str) -> Callable[[], bool]:
    def test() -> bool:
        try:
            return Browser().get(base, path, timeout=5).status == 200
        except OSError:
            return False

    return test


def log_in(browser: Browser, base: str, username: str, password: str) -> Response:
    expect(browser.get(base, "/accounts/login/").status == 200, "the login page answers")
    return browser.post(base, "/accounts/login/", {"login": username, "password": password})


def run_checks(a: str, b: str, redis_pid: int) -> int:
    checks = 0

    def ok(message: str) -> None:
        nonlocal checks
        checks += 1
        print(f"  ok  {message}", flush=True)

    for base in (a, b):
        seconds = wait_for(f"{base}/healthz", answers(base, "/healthz"), 90)
        health = Browser().get(base, "/healthz", https=False).json()
        expect(health["database"] and health["cache"], f"{base}/healthz: {health}")
        ok(f"{base}/healthz answers 200 over plain HTTP after {seconds:.1f} s: {health}")

    page = Browser().get(a, f"/tracks/{TRACK}/", https=False)
    expect(page.status == 301, f"plain HTTP is redirected, got {page.status}")
    expect(page.headers["Location"].startswith("https://"), page.headers["Location"])
    ok(f"plain HTTP to a page is redirected to {page.headers['Location']}")
    page = Browser().get(a, f"/tracks/{TRACK}/")
    hsts = page.headers.get("Strict-Transport-Security", "")
    expect("max-age=31536000" in hsts, f"HSTS header: {hsts!r}")
    ok(f"HTTPS through the proxy is served with Strict-Transport-Security: {hsts}")

    def diagrams_drawn() -> bool:
        health = Browser().get(b, "/healthz").json()
        return health["render_queue"]["waiting"] == 0 and health["renderer"].get("ok")

    seconds = wait_for("the worker drawing the imported tracks", diagrams_drawn, 180)
    page = Browser().get(b, f"/tracks/{TRACK}/")
    expect('<g class="topic' in page.text, "the track page through B shows the diagram")
    ok(f"the worker drew the imported tracks' diagrams ({seconds:.1f} s); B serves them")

    ana = Browser()
    response = log_in(ana, a, "smoke-ana", PASSWORD)
    expect(response.status == 302, f"login through A: {response.status}")
    expect("sessionid" in ana.cookies, "a session cookie")
    ok(f"smoke-ana logs in through A (302 to {response.headers['Location']})")
    me = ana.get(b, "/me/")
    expect(me.status == 200 and "smoke-ana" in me.text, f"/me/ through B: {me.status}")
    ok("B knows her session: /me/ through B answers 200 with her name")

    keys = re.findall(rf'href="/tracks/{TRACK}/t/([-\w]+)/"', page.text)
    expect(len(keys) > 1, "topic links on the track page")
    key = keys[1]
    response = ana.post(a, f"/tracks/{TRACK}/t/{key}/status/", {"status": "done"})
    expect(response.status in {200, 302}, f"status change through A: {response.status}")
    topic = ana.get(b, f"/tracks/{TRACK}/t/{key}/")
    pressed = re.search(rf'id="status-{key}-done"[^>]*aria-pressed="(\w+)"', topic.text)
    expect(pressed is not None and pressed.group(1) == "true", "B shows the topic as done")
    ok(f"a status set through A (“{key}”: done) shows through B")

    rui = Browser()
    for attempt in range(5):
        response = log_in(rui, a, "smoke-rui", "wrong-password")
        expect(response.status == 200, f"failed login {attempt + 1} through A: {response.status}")
    response = log_in(rui, b, "smoke-rui", PASSWORD)
    limited = response.status == 429 or "Too many failed login attempts" in response.text
    errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.text, re.S)
    expect(
        limited and "sessionid" not in rui.cookies,
        f"the 6th login, through B, is refused: {response.status} {errors}",
    )
    ok("5 failed logins through A → the right password through B is refused: shared limits")

    curator = Browser()
    expect(log_in(curator, a, "smoke-cura", PASSWORD).status == 302, "the curator logs in")
    edit = f"/curate/{TRACK}/t/{key}/edit/"
    reader = FormReader("title")
    reader.feed(curator.get(a, edit).text)
    fields = reader.fields()
    title = f"Smoke {int(time.time())}"
    fields = [(name, title if name == "title" else value) for name, value in fields]
    started = time.monotonic()
    response = curator.post(a, edit, fields)
    took = time.monotonic() - started
    expect(response.status == 302, f"the topic edit through A: {response.status}")
    ok(f"a curator's topic edit through A answers in {took * 1000:.0f} ms (no drawing in it)")

    def redrawn() -> bool:
        page = Browser().get(b, f"/tracks/{TRACK}/").text
        # The drawing itself, not the outline below it, which shows the new title at once.
        viewport = page.partition('class="diagram-viewport"')[2]
        return html.escape(title) in viewport.partition("</svg>")[0]

    seconds = wait_for("the worker redrawing the edited track", redrawn, 60)
    ok(f"the worker redrew it: B's diagram shows “{title}” after {seconds:.1f} s")

    os.kill(redis_pid, signal.SIGTERM)
    for base in (a, b):

        def unavailable(base: str = base) -> bool:
            return Browser().get(base, "/healthz", https=False).status == 503

        wait_for(f"{base}/healthz failing without Redis", unavailable, 30)
        health = Browser().get(base, "/healthz", https=False).json()
        expect(health["cache"] is False and health["database"] is True, str(health))
        ok(f"Redis stopped: {base}/healthz answers 503: {health}")
    return checks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["createdb", "dropdb", "check"])
    parser.add_argument("urls", nargs="*")
    parser.add_argument("--redis-pid", type=int)
    args = parser.parse_args()
    if args.action == "createdb":
        create_database()
        return 0
    if args.action == "dropdb":
        drop_database()
        return 0
    a, b = args.urls
    started = time.monotonic()
    try:
        checks = run_checks(a, b, args.redis_pid)
    except (Failed, OSError, KeyError, ValueError) as error:
        print(f"prod-smoke: FAILED: {error}", file=sys.stderr)
        return 1
    print(f"prod-smoke: OK, {checks} checks in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
