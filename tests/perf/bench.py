"""Benchmark of the pages under load (not a test; pytest does not collect it).

    .venv/bin/python -m tests.perf.bench [--users 1000] [--scale] [--soak SECONDS]

DATABASE_URL names a PostgreSQL database; the data set of N learners lives in that database
for 1,000 learners and in `<name>_<N/1000>k` for other sizes, made with `seed_load` when
missing and reused after. The benchmark starts gunicorn (DEBUG off, 2 sync workers) on
127.0.0.1, drives it with wrk from a separate process at 8 and at 32 connections, alternating
rounds of a page with rounds of the baseline (`/ping/`: every middleware, as the same user,
no page) and prints per page: requests/s, p50/p95/p99, errors, the ratio to the baseline,
SQL queries per request and PASS/FAIL against the targets. `--scale` runs 1,000 and 100,000
learners and compares the p95s; at 100,000 it also prints EXPLAIN (ANALYZE, BUFFERS) of the
queries of each page. `--soak SECONDS` instead runs a mix of pages and status changes at 32
connections for that long and samples the workers' memory every 30 s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
WRK = shutil.which("wrk") or "/usr/bin/wrk"
ML = "engenharia-de-machine-learning"
BIG = "bench-600"
TEAM = "bench-team"  # seed_load.TEAM: 200 learners on the ML track
# Tables whose size grows with the learners: a sequential scan of one of them is a finding.
BIG_TABLES = (
    "auth_user",
    "progress_profile",
    "progress_follow",
    "progress_topicprogress",
    "progress_progressevent",
    "progress_note",
    "progress_mentorship",
    "progress_comment",
    "progress_learnertracktally",
    "django_session",
)
# Rows from which a sequential scan of one of those tables is flagged.
BIG_TABLE_ROWS = 10_000
INSIGHTS_LIMIT_MS = 200
SCALE_P95_LIMIT = 1.5


@dataclass
class Page:
    name: str
    path: str
    account: str | None  # key of seed_load.ACCOUNTS, or None for anonymous
    target: float | None  # minimum ratio to the baseline's requests/s
    htmx: bool = False
    # POST bodies sent in turn (a status change), or None for GET.
    bodies: list[str] | None = None


def pages(accounts: dict[str, str], topic_keys: list[str]) -> list[Page]:
    mentee = accounts["learner"]
    panel_key = topic_keys[len(topic_keys) // 2]
    # A learner of its own changes statuses, so that the others' pages stay the same.
    status_bodies = [f"status={status}" for status in ("doing", "done", "todo")]
    return [
        Page("track, anonymous", f"/tracks/{ML}/", None, 0.6),
        Page("track", f"/tracks/{ML}/", "learner", 0.6),
        Page("track, 600 topics", f"/tracks/{BIG}/", "big_learner", 0.3),
        Page("topic panel (htmx)", f"/tracks/{ML}/t/{panel_key}/", "learner", 0.5, htmx=True),
        Page(
            "status change (htmx)",
            f"/tracks/{ML}/t/{panel_key}/status/",
            "changer",
            0.5,
            htmx=True,
            bodies=status_bodies,
        ),
        Page("/me/", "/me/", "learner", 0.4),
        Page("/me/, 10,000 events", "/me/", "heavy", 0.4),
        Page("/mentoring/, 50 mentees", "/mentoring/", "mentor", 0.4),
        Page("mentee's track", f"/mentoring/{mentee}/{ML}/", "mentor", 0.4),
        Page("team heatmap, 200 members", f"/teams/{TEAM}/{ML}/", "lead", 0.3),
        Page("insights", f"/insights/{ML}/", "curator", None),
    ]


# --- databases and data sets ---------------------------------------------------------------


def scale_label(users: int) -> str:
    return f"{users // 1000}k" if users % 1000 == 0 else str(users)


def database_url(base: str, users: int) -> str:
    if users == 1000:
        return base
    parts = urlsplit(base)
    name = parts.path.lstrip("/")
    return urlunsplit(parts._replace(path=f"/{name}_{scale_label(users)}"))


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            print(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=check, text=True)


def prepare(env: dict[str, str], users: int, port: int) -> None:
    ensure_database(env["DATABASE_URL"])
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "createcachetable")
    started = time.monotonic()
    manage(env, "seed_load", "--users", str(users))
    print(f"data set ready in {time.monotonic() - started:.0f} s")
    manage(env, "collectstatic", "--noinput", "-v0")
    render_missing_diagrams(env, port)


def render_missing_diagrams(env: dict[str, str], port: int) -> None:
    """Track pages carry their diagram: draw the benchmark tracks' diagrams once, with a local
    PlantUML, if they are missing and Java and the jar are there."""
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        missing = conn.execute(
            "SELECT slug FROM tracks_track WHERE slug = ANY(%s) AND diagram_id IS NULL",
            [[ML, BIG]],
        ).fetchall()
    if not missing:
        return
    jars = sorted((ROOT / "var" / "plantuml").glob("plantuml-*.jar"))
    if not jars or not shutil.which("java"):
        print("warning: no diagrams (no Java or no PlantUML jar): track pages are lighter")
        return
    server = subprocess.Popen(
        [PYTHON, "manage.py", "plantuml_server", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        render_env = {**env, "PLANTUML_URL": f"http://127.0.0.1:{port}/"}
        manage(render_env, "render_diagrams", "--wait", "90", *[slug for (slug,) in missing])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


# --- the server -----------------------------------------------------------------------------


@contextmanager
def gunicorn(env: dict[str, str], port: int) -> Iterator[subprocess.Popen]:
    server = subprocess.Popen(
        [
            str(Path(PYTHON).with_name("gunicorn")),
            "config.wsgi",
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/ping/", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.3)
        yield server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- sessions and the load generator -------------------------------------------------------


@dataclass
class Identity:
    cookie: str = ""
    csrf: str = ""

    def headers(self, htmx: bool = False) -> dict[str, str]:
        headers = {"Accept-Language": "en"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if self.csrf:
            headers["X-CSRFToken"] = self.csrf
        if htmx:
            headers["HX-Request"] = "true"
        return headers


def sign_in(usernames: dict[str, str]) -> dict[str | None, Identity]:
    """A session per account, made in the database the server reads, and a CSRF token."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    identities: dict[str | None, Identity] = {None: Identity()}
    for account, username in usernames.items():
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        csrf = _get_new_csrf_string()
        cookie = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}"
        identities[account] = Identity(cookie, csrf)
    return identities


def lua_string(text: str) -> str:
    return json.dumps(text)


def wrk_script(requests: list[tuple[str, str, dict[str, str], str | None]]) -> str:
    """A wrk script that sends the given requests in turn and prints its figures as JSON."""
    lines = ["local requests = {}"]
    for method, path, headers, body in requests:
        header_table = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items())
        body_lua = lua_string(body) if body is not None else "nil"
        lines.append(
            f"table.insert(requests, wrk.format({lua_string(method)}, {lua_string(path)}, "
            f"{{{header_table}}}, {body_lua}))"
        )
    lines.append(
        """
local counter = 0
function request()
  counter = counter + 1
  return requests[(counter % #requests) + 1]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "p50": %d, "p95": %d, "p99": %d, '
    .. '"status_errors": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
"""
    )
    return "\n".join(lines)


@dataclass
class Round:
    requests: int
    seconds: float
    p50: float
    p95: float
    p99: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_wrk(
    port: int,
    requests: list[tuple[str, str, dict[str, str], str | None]],
    connections: int,
    seconds: float,
) -> Round:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(wrk_script(requests))
    try:
        result = subprocess.run(
            [
                WRK,
                "--threads",
                "2",
                "--connections",
                str(connections),
                "--duration",
                f"{max(1, round(seconds))}s",
                "--timeout",
                "30s",
                "--script",
                script.name,
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
    finally:
        os.unlink(script.name)
    drain(port)
    match = re.search(r"^WRK (\{.*\})$", result.stdout, re.M)
    if not match:
        raise SystemExit(f"wrk failed:\n{result.stdout}\n{result.stderr}")
    data = json.loads(match.group(1))
    return Round(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50=data["p50"] / 1000,
        p95=data["p95"] / 1000,
        p99=data["p99"] / 1000,
        errors=data["status_errors"] + data["socket_errors"],
    )


def drain(port: int) -> None:
    """Wait for the requests still queued from a round: wrk stops sending, but the workers go
    on with what is in the listen queue, which would slow the next round down. The queue is
    served in order, so one more request answers once it is empty."""
    urllib.request.urlopen(f"http://127.0.0.1:{port}/ping/", timeout=300).read()


def page_requests(page: Page, identity: Identity) -> list[tuple[str, str, dict, str | None]]:
    headers = identity.headers(page.htmx)
    if page.bodies:
        form = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
        return [("POST", page.path, form, body) for body in page.bodies]
    return [("GET", page.path, headers, None)]


def check_page(port: int, page: Page, identity: Identity) -> None:
    """One request through the server before measuring: a page that redirects to the log-in
    or fails would measure nothing."""
    method, path, headers, body = page_requests(page, identity)[0]
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body.encode() if body else None,
        headers=headers,
        method=method,
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        status = opener.open(request, timeout=60).status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        raise SystemExit(f"{page.name}: {method} {path} answered {status}, not 200")


# --- in-process measurements ---------------------------------------------------------------


@dataclass
class Queries:
    count: int
    sql_ms: float
    statements: list[str] = field(default_factory=list)
    median_ms: float = 0.0


def measure_in_process(page: Page, usernames: dict[str, str], runs: int = 5) -> Queries:
    """SQL statements of one request through the test client (all middleware), and the median
    time of a few requests."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if page.account:
        client.force_login(get_user_model().objects.get(username=usernames[page.account]))
    headers = {"HX-Request": "true"} if page.htmx else {}

    def send(number: int):
        if page.bodies:
            body = page.bodies[number % len(page.bodies)]
            return client.post(
                page.path, body, content_type="application/x-www-form-urlencoded", headers=headers
            )
        return client.get(page.path, headers=headers)

    send(0)  # warm caches, as the server's workers are
    with CaptureQueriesContext(connection) as captured:
        response = send(1)
    # Read now: the next request empties the connection's log.
    statements = list(captured.captured_queries)
    if response.status_code != 200:
        raise SystemExit(f"{page.name}: {page.path} answered {response.status_code} in process")
    times = []
    for number in range(runs):
        started = time.perf_counter()
        send(number)
        times.append((time.perf_counter() - started) * 1000)
    return Queries(
        count=len(statements),
        sql_ms=sum(float(q["time"]) for q in statements) * 1000,
        statements=[q["sql"] for q in statements],
        median_ms=statistics.median(times),
    )


def explain(page: Page, statements: list[str], out: list[str]) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of each SELECT of a page, and of each statement of CTEs (the
    status change, whose writes are rolled back); returns the findings (sequential scans of
    tables that grow with the learners)."""
    from django.db import connection, transaction

    findings = []
    plans = []
    with connection.cursor() as cursor:
        # A sequential scan of a table of a few rows is the right plan; flag only big ones.
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND reltuples > %s",
            [list(BIG_TABLES), BIG_TABLE_ROWS],
        )
        big_tables = {name for (name,) in cursor.fetchall()}
        for sql in statements:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            with transaction.atomic():
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = [row[0] for row in cursor.fetchall()]
                transaction.set_rollback(True)
            took = next(
                (
                    float(m.group(1))
                    for line in plan
                    if (m := re.search(r"Execution Time: ([\d.]+)", line))
                ),
                0.0,
            )
            scans = sorted(
                {
                    table
                    for line in plan
                    for table in big_tables
                    if re.search(rf"Seq Scan on {table}\b", line)
                }
            )
            plans.append((took, sql, plan, scans))
            findings += [f"{page.name}: Seq Scan on {table} ({took:.1f} ms)" for table in scans]
    out.append(f"\n=== {page.name}: {len(plans)} statements, slowest first")
    for took, sql, plan, scans in sorted(plans, key=lambda item: -item[0]):
        flag = "  <-- Seq Scan on " + ", ".join(scans) if scans else ""
        out.append(f"\n--- {took:.2f} ms{flag}\n{sql[:600]}")
        out.extend("    " + line for line in plan)
    return findings


# --- the run --------------------------------------------------------------------------------


@dataclass
class Result:
    page: Page
    connections: int
    round: Round
    baseline_rps: float
    queries: Queries

    @property
    def ratio(self) -> float:
        return self.round.rps / self.baseline_rps if self.baseline_rps else 0.0

    @property
    def passed(self) -> bool:
        if self.round.errors:
            return False
        if self.page.target is None:
            return self.queries.median_ms < INSIGHTS_LIMIT_MS
        return self.ratio >= self.page.target


def server_env(url: str) -> dict[str, str]:
    """The environment of the server, and of this process: sessions made here must be valid
    there (same SECRET_KEY)."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": "benchmark-only-secret-key-not-for-production-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        # Plain HTTP on loopback, as behind a TLS proxy: no redirect, cookies sent back.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "LOG_LEVEL": "WARNING",
    }


def configure_django(url: str) -> None:
    """Set Django up in this process for the in-process measurements, on the database of
    `url` (again for each scale)."""
    os.environ.update(server_env(url))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import dj_database_url
    import django
    from django.db import connections

    django.setup()
    connections.close_all()
    # The database of `url` with the settings' own connection options, as the server has them.
    settings_dict = connections["default"].settings_dict
    parsed = dj_database_url.parse(url, conn_max_age=settings_dict["CONN_MAX_AGE"])
    parsed["OPTIONS"] = {**parsed.get("OPTIONS", {}), **settings_dict["OPTIONS"]}
    settings_dict.update(parsed)


def bench_scale(args: argparse.Namespace, users: int) -> dict[str, dict[int, Result]]:
    url = database_url(args.database_url, users)
    env = server_env(url)
    print(f"\n##### {users:,} learners ({urlsplit(url).path.lstrip('/')})")
    prepare(env, users, args.port + 8)
    configure_django(url)
    from progress.management.commands.seed_load import ACCOUNTS, LEARNER
    from tracks.models import Topic

    usernames = {**ACCOUNTS, "changer": LEARNER.format(3)}
    keys = list(
        Topic.objects.filter(track__slug=ML, retired=False, parent__isnull=False)
        .order_by("order")
        .values_list("key", flat=True)
    )
    page_list = [page for page in pages(usernames, keys) if not args.only or args.only in page.name]
    identities = sign_in(usernames)

    print("SQL per request (in process, through every middleware):")
    queries = {}
    explained: list[str] = []
    findings: list[str] = []
    for page in page_list:
        queries[page.name] = measure_in_process(page, usernames)
        q = queries[page.name]
        print(
            f"  {page.name:28} {q.count:3} queries, {q.sql_ms:7.1f} ms of SQL, "
            f"{q.median_ms:7.1f} ms per request"
        )
        if args.explain or users >= 100_000:
            findings += explain(page, q.statements, explained)
    if explained:
        path = ROOT / "var" / "bench" / f"explain-{scale_label(users)}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(explained) + "\n")
        print("\nEXPLAIN (ANALYZE, BUFFERS) of every SELECT, slowest first per page:")
        print("\n".join(explained))
        print(f"\n(also in {path.relative_to(ROOT)})")
        print(
            f"Sequential scans of tables that grow with the learners, over {BIG_TABLE_ROWS:,} rows:"
        )
        print("\n".join(f"  {finding}" for finding in findings) or "  none")

    results: dict[str, dict[int, Result]] = {page.name: {} for page in page_list}
    with gunicorn(env, args.port):
        for page in page_list:
            check_page(args.port, page, identities[page.account])
        for connections in args.connections:
            print(f"\n{connections} connections, rounds of {args.seconds:g} s")
            baseline_of: dict[str | None, Round] = {}

            def baseline(account: str | None, connections: int = connections) -> Round:
                ping = Page("baseline", "/ping/", account, None)
                return run_wrk(
                    args.port, page_requests(ping, identities[account]), connections, args.seconds
                )

            for page in page_list:
                before = baseline_of.get(page.account) or baseline(page.account)
                measured = run_wrk(
                    args.port,
                    page_requests(page, identities[page.account]),
                    connections,
                    args.seconds,
                )
                after = baseline(page.account)
                baseline_of[page.account] = after
                base_rps = (before.rps + after.rps) / 2
                result = Result(page, connections, measured, base_rps, queries[page.name])
                results[page.name][connections] = result
                print_result(result, before, after)
    return results


def print_result(result: Result, before: Round, after: Round) -> None:
    r = result.round
    if result.page.target is None:
        target = f"< {INSIGHTS_LIMIT_MS} ms"
        measured = f"{result.queries.median_ms:.0f} ms"
    else:
        target = f">= {result.page.target:.1f}x"
        measured = f"{result.ratio:.2f}x"
    print(
        f"  {result.page.name:28} {r.rps:7.1f} req/s  p50 {r.p50:6.0f}  p95 {r.p95:6.0f}  "
        f"p99 {r.p99:6.0f} ms  errors {r.errors:3}  baseline {before.rps:5.0f}/{after.rps:5.0f}"
        f" req/s  ratio {result.ratio:4.2f}x  {result.queries.count:2} SQL  "
        f"{measured} ({target}) {'PASS' if result.passed else 'FAIL'}"
    )


def print_table(users: int, results: dict[str, dict[int, Result]]) -> None:
    levels = sorted({c for by_level in results.values() for c in by_level})
    print(f"\nSummary, {users:,} learners")
    header = f"| {'page':28} | SQL | " + " | ".join(
        f"{c} conn: req/s, p95 ms, ratio" for c in levels
    )
    print(header + " | result |")
    print("|" + "---|" * (len(levels) + 3))
    for name, by_level in results.items():
        cells = []
        for c in levels:
            r = by_level[c]
            cells.append(f"{r.round.rps:.0f}, {r.round.p95:.0f}, {r.ratio:.2f}x")
        any_result = next(iter(by_level.values()))
        verdict = "PASS" if all(r.passed for r in by_level.values()) else "FAIL"
        if any_result.page.target is None:
            verdict += f" ({any_result.queries.median_ms:.0f} ms per request)"
        print(
            f"| {name:28} | {any_result.queries.count:3} | " + " | ".join(cells) + f" | {verdict} |"
        )


def print_scaling(small: dict[str, dict[int, Result]], large: dict[str, dict[int, Result]]) -> None:
    print(f"\np95 at 100,000 learners vs at 1,000 (target: within {SCALE_P95_LIMIT}x)")
    for name, by_level in large.items():
        cells = []
        ok = True
        for c, result in sorted(by_level.items()):
            before = small[name][c].round.p95
            ratio = result.round.p95 / before if before else 0
            ok &= ratio <= SCALE_P95_LIMIT
            cells.append(f"{c} conn {before:.0f} -> {result.round.p95:.0f} ms ({ratio:.2f}x)")
        print(f"  {name:28} " + "; ".join(cells) + f"  {'PASS' if ok else 'FAIL'}")


def soak(args: argparse.Namespace) -> int:
    users = args.users[0]
    url = database_url(args.database_url, users)
    env = server_env(url)
    prepare(env, users, args.port + 8)
    configure_django(url)
    from progress.management.commands.seed_load import ACCOUNTS, LEARNER
    from tracks.models import Topic

    usernames = {**ACCOUNTS, "changer": LEARNER.format(3)}
    keys = list(
        Topic.objects.filter(track__slug=ML, retired=False, parent__isnull=False)
        .order_by("order")
        .values_list("key", flat=True)
    )
    identities = sign_in(usernames)
    mix = []
    for page in pages(usernames, keys):
        mix += page_requests(page, identities[page.account])
    # A few more status changes than pages: the mix is read-mostly, like the product.
    mix += [r for r in mix if r[0] == "POST"]
    print(f"\nsoak: {args.soak:g} s at 32 connections, {len(mix)} requests in turn")
    with gunicorn(env, args.port) as server:
        workers = worker_pids(server.pid)
        samples: list[tuple[float, list[float]]] = []
        start = time.monotonic()
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(wrk_script(mix))
        load = subprocess.Popen(
            [
                WRK,
                "--threads",
                "2",
                "--connections",
                "32",
                "--duration",
                f"{round(args.soak)}s",
                "--timeout",
                "30s",
                "--script",
                script.name,
                f"http://127.0.0.1:{args.port}",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            while load.poll() is None:
                elapsed = time.monotonic() - start
                samples.append((elapsed, [rss_mib(pid) for pid in workers]))
                print(
                    f"  {elapsed:5.0f} s  worker RSS "
                    + ", ".join(f"{mib:.1f}" for mib in samples[-1][1])
                    + " MiB",
                    flush=True,
                )
                deadline = time.monotonic() + 30
                while load.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.5)
            output = load.communicate(timeout=60)[0]
        finally:
            if load.poll() is None:
                load.kill()
            os.unlink(script.name)
        samples.append((time.monotonic() - start, [rss_mib(pid) for pid in workers]))
        restarted = worker_pids(server.pid) != workers
    match = re.search(r"^WRK (\{.*\})$", output, re.M)
    if not match:
        print(output)
        return 1
    data = json.loads(match.group(1))
    errors = data["status_errors"] + data["socket_errors"]
    seconds = data["duration_us"] / 1e6
    first, last = samples[0][1], samples[-1][1]
    print(
        f"soak: {data['requests']} requests in {seconds:.0f} s "
        f"({data['requests'] / seconds:.1f} req/s), p95 {data['p95'] / 1000:.0f} ms, "
        f"p99 {data['p99'] / 1000:.0f} ms, errors {errors}"
    )
    print(
        "worker RSS first -> last sample: "
        + ", ".join(f"{a:.1f} -> {b:.1f} MiB" for a, b in zip(first, last, strict=False))
        + (" (a worker was restarted)" if restarted else "")
    )
    ok = errors == 0 and not restarted
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--users", type=int, action="append", help="Learners in the data set (default 1000)."
    )
    parser.add_argument(
        "--scale", action="store_true", help="Run at 1,000 and at 100,000 learners and compare."
    )
    parser.add_argument("--seconds", type=float, default=3, help="Length of a round (3 s).")
    parser.add_argument(
        "--connections", type=int, action="append", help="Concurrent connections (8 and 32)."
    )
    parser.add_argument("--port", type=int, default=8201, help="Port of gunicorn (8201).")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN at any scale.")
    parser.add_argument("--only", help="Only the pages whose name contains this.")
    parser.add_argument("--soak", type=float, metavar="SECONDS", help="Soak test instead.")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="PostgreSQL database of the 1,000-learner set (default DATABASE_URL).",
    )
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("set DATABASE_URL (or --database-url) to a PostgreSQL database")
    if not Path(WRK).exists():
        parser.error("wrk is needed: apt-get install wrk")
    args.users = [1000, 100_000] if args.scale else (args.users or [1000])
    args.connections = args.connections or [8, 32]
    if args.soak:
        return soak(args)

    by_scale = {}
    for users in args.users:
        by_scale[users] = bench_scale(args, users)
        print_table(users, by_scale[users])
    if 1000 in by_scale and 100_000 in by_scale:
        print_scaling(by_scale[1000], by_scale[100_000])
    passed = all(
        r.passed for results in by_scale.values() for by in results.values() for r in by.values()
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
