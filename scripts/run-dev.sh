#!/usr/bin/env bash
# Serves the TRS sandbox on :5001 and the console on :5000 until Ctrl-C, then stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

.venv/bin/python -m app.sandbox --port 5001 --db instance/trs-sandbox.sqlite &
pids+=($!)
for _ in $(seq 50); do
  curl -fsS http://127.0.0.1:5001/_sandbox/health >/dev/null 2>&1 && break
  sleep 0.2
done

# One outbox worker delivers the console's changes to the sandbox (docs/architecture.md).
.venv/bin/flask --app app trs deliver --forever &
pids+=($!)

echo "Induction Console: http://127.0.0.1:5000 (demo users in README.md, password demo-password)"
.venv/bin/flask --app app run --host 127.0.0.1 --port 5000 &
pids+=($!)
wait -n
