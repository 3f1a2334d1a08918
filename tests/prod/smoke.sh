#!/usr/bin/env bash
# `make prod-smoke`: the production topology on one machine, without Docker. Two gunicorn
# instances on two ports share one PostgreSQL database and one Redis; a PlantUML server draws
# the diagrams for `render_diagrams --worker`. tests/prod/smoke_check.py then drives both
# instances over real HTTP, as a TLS proxy would (X-Forwarded-Proto: https).
#
# Needs DATABASE_URL=postgres://… (a scratch database <name>_smoke is created beside it and
# dropped at the end), redis-server, java and the PlantUML jar. Ports: SMOKE_PORTS (two app
# ports, default "8301 8302"), SMOKE_REDIS_PORT (6391), SMOKE_PLANTUML_PORT (18301).
# Everything started here is stopped on exit, whether the checks passed or not.
set -euo pipefail
cd "$(dirname "$0")/../.."

PY=${PY:-.venv/bin/python}
GUNICORN=${GUNICORN:-.venv/bin/gunicorn}
read -r PORT_A PORT_B <<<"${SMOKE_PORTS:-8301 8302}"
REDIS_PORT=${SMOKE_REDIS_PORT:-6391}
PLANTUML_PORT=${SMOKE_PLANTUML_PORT:-18301}
LOGS=$(mktemp -d /tmp/trilha-prod-smoke.XXXXXX)

case "${DATABASE_URL:-}" in
  postgres://*|postgresql://*) ;;
  *) echo "prod-smoke: set DATABASE_URL=postgres://… (PostgreSQL, as in production)" >&2; exit 2 ;;
esac
command -v redis-server >/dev/null || { echo "prod-smoke: redis-server is not installed" >&2; exit 2; }

pids=()
smoke_db_created=0
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ "$smoke_db_created" = 1 ]; then "$PY" tests/prod/smoke_check.py dropdb || true; fi
  if [ "$status" != 0 ]; then
    echo "prod-smoke: FAILED (exit $status); logs of the processes:" >&2
    for log in "$LOGS"/*.log; do echo "--- $log" >&2; tail -n 40 "$log" >&2; done
  fi
  rm -rf "$LOGS"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export SMOKE_BASE_DATABASE_URL=$DATABASE_URL
DATABASE_URL=$("$PY" tests/prod/smoke_check.py createdb)
smoke_db_created=1
export DATABASE_URL
export DEBUG=0
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY
export ALLOWED_HOSTS=trilha.localhost,127.0.0.1
export BEHIND_TLS_PROXY=1
export CACHE_URL=redis://127.0.0.1:$REDIS_PORT/0
export PLANTUML_URL=http://127.0.0.1:$PLANTUML_PORT/
export PLANTUML_TIMEOUT=10
export LOG_LEVEL=WARNING

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
  >"$LOGS/redis.log" 2>&1 &
pids+=($!)
redis_pid=$!
"$PY" manage.py plantuml_server --port "$PLANTUML_PORT" >"$LOGS/plantuml.log" 2>&1 &
pids+=($!)

echo "prod-smoke: database $(basename "$DATABASE_URL"), Redis :$REDIS_PORT, PlantUML :$PLANTUML_PORT"
"$PY" manage.py migrate --noinput >"$LOGS/migrate.log" 2>&1
"$PY" manage.py collectstatic --noinput >"$LOGS/collectstatic.log" 2>&1
"$PY" manage.py import_track tracks/content >"$LOGS/import.log" 2>&1
"$PY" manage.py shell -c "
from django.contrib.auth import get_user_model
User = get_user_model()
User.objects.create_user('smoke-ana', 'ana@example.com', 'smoke-pass-123')
User.objects.create_user('smoke-rui', 'rui@example.com', 'smoke-pass-123')
User.objects.create_user('smoke-cura', 'cura@example.com', 'smoke-pass-123', is_staff=True, is_superuser=True)
"

"$PY" manage.py render_diagrams --worker --poll 1 >"$LOGS/worker.log" 2>&1 &
pids+=($!)
for port in "$PORT_A" "$PORT_B"; do
  "$GUNICORN" config.wsgi --bind "127.0.0.1:$port" --workers 2 --timeout 30 --no-control-socket \
    --access-logfile - >"$LOGS/gunicorn-$port.log" 2>&1 &
  pids+=($!)
done
echo "prod-smoke: gunicorn on :$PORT_A and :$PORT_B, worker started"

"$PY" tests/prod/smoke_check.py check "http://127.0.0.1:$PORT_A" "http://127.0.0.1:$PORT_B" \
  --redis-pid "$redis_pid"
