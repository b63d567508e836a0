#!/usr/bin/env bash
# The console as a service on this machine: the Procfile (gunicorn web processes, WORKERS delivery
# workers, the reconcile scheduler) under honcho against PostgreSQL, with the TRS sandbox beside
# them. Ctrl-C stops everything; each process shuts down gracefully on the SIGTERM honcho sends.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export DATABASE_URL="${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/induction_console}"
SANDBOX_PORT="${SANDBOX_PORT:-5001}"
export TRS_API_BASE_URL="${TRS_API_BASE_URL:-http://127.0.0.1:$SANDBOX_PORT}"
export RECONCILE_INTERVAL_SECONDS="${RECONCILE_INTERVAL_SECONDS:-3600}"
# One directory where every process counts, so /metrics adds them up; emptied at each start.
export PROMETHEUS_MULTIPROC_DIR="$PWD/instance/metrics"
rm -rf "$PROMETHEUS_MULTIPROC_DIR"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

flask --app app db create
flask --app app db upgrade
flask --app app seed-demo

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
python -m app.sandbox --port "$SANDBOX_PORT" --db instance/trs-sandbox.sqlite &
pids+=($!)

echo "Induction Console: http://127.0.0.1:${PORT:-5000} (demo users in README.md), metrics at /metrics"
honcho start --port "${PORT:-5000}" --concurrency "worker=${WORKERS:-3}"
