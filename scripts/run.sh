#!/usr/bin/env bash
# `make run`: migrate, load the demo data, then the web server (and, with REDIS_URL,
# a Celery worker and beat). Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-8000}"

if [ -z "${DATABASE_URL:-}" ]; then
  echo "No DATABASE_URL: using the embedded default (SQLite in var/, tasks run in-process)."
fi
mkdir -p var
$PY manage.py migrate --noinput -v0
$PY manage.py load_demo

if docker info >/dev/null 2>&1; then
  echo "Docker engine found: preparing the sandbox image (built once, then cached by hash)."
  $PY manage.py build_sandbox_image --framework pytorch
  # The worker reaches the engine only through the sandbox's socket proxy.
  export SANDBOX_PROXY_SOCKET="${SANDBOX_PROXY_SOCKET:-/run/cert-engine/docker-proxy.sock}"
  SANDBOX_PROXY_LOG=var/docker-proxy.log scripts/docker/ensure_proxy.sh
  export DOCKER_HOST="unix://${SANDBOX_PROXY_SOCKET}"
else
  cat >&2 <<'WARN'
##########################################################################
#  WARNING: no Docker engine answers. Practical submissions will run with  #
#  the LOCAL sandbox backend, which does NOT isolate candidate code.       #
#  Start Docker (scripts/docker/ensure_engine.sh, as root) for the real    #
#  sandbox.                                                                #
##########################################################################
WARN
fi

pids=()
cleanup() {
  trap - INT TERM EXIT
  [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

FLOWER_PORT="${FLOWER_PORT:-5555}"
if [ -n "${REDIS_URL:-}" ]; then
  # -E: task events, so that Flower shows the runs in flight and the retries.
  .venv/bin/celery -A config worker -Q default,sandbox-cpu --concurrency 1 --loglevel INFO -E &
  pids+=($!)
  .venv/bin/celery -A config beat --loglevel INFO --schedule var/celerybeat-schedule &
  pids+=($!)
  # Flower: queues, workers, tasks. Loopback only; FLOWER_BASIC_AUTH=user:password
  # adds a login (set it wherever other people can reach this machine's loopback).
  flower_auth=()
  [ -n "${FLOWER_BASIC_AUTH:-}" ] && flower_auth=(--basic-auth="${FLOWER_BASIC_AUTH}")
  .venv/bin/celery -A config flower --address=127.0.0.1 --port="${FLOWER_PORT}" \
    --persistent=False "${flower_auth[@]}" >var/flower.log 2>&1 &
  pids+=($!)
fi
$PY manage.py runserver "127.0.0.1:${PORT}" --noreload &
pids+=($!)
sleep 2
cat <<EOF2

  认证考试引擎 is running:  http://127.0.0.1:${PORT}/
  API docs:                 http://127.0.0.1:${PORT}/api/docs/
  Operations (committee):   http://127.0.0.1:${PORT}/committee/operations/
  Health:                   http://127.0.0.1:${PORT}/readyz
EOF2
if [ -n "${REDIS_URL:-}" ]; then
  echo "  Flower (queues, workers): http://127.0.0.1:${FLOWER_PORT}/"
fi
cat <<EOF2
  Demo accounts (username / password):
    committee  / committee-demo-2026   (committee, Django admin)
    instructor / instructor-demo-2026
    examiner   / examiner-demo-2026
    candidate  / candidate-demo-2026   (or register a new candidate)
    holder     / holder-demo-2026      (a candidate with a signed certificate)
  Committee, instructor and examiner then ask for a one-time code: add the demo
  authenticator key MNSXE5BNMV4GC3JNMRSW23ZNGIYDENRB to an authenticator app.
  Ctrl-C stops it.

EOF2
wait -n "${pids[@]}"
