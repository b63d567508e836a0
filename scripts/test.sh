#!/usr/bin/env bash
# Every test: lint, then the suite on SQLite and, whenever a server answers, PostgreSQL.
# REQUIRE_POSTGRES=1 (CI) makes a missing PostgreSQL a failure instead of a SQLite-only run.
set -euo pipefail
cd "$(dirname "$0")/.."

if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null \
   || .venv/bin/python -c "import psycopg; psycopg.connect('postgresql://postgres@127.0.0.1:5432/postgres', connect_timeout=3).close()" 2>/dev/null; then
  export TEST_DATABASES=sqlite,postgresql
  echo "PostgreSQL answers on 127.0.0.1:5432: database tests run on SQLite and PostgreSQL."
elif [ "${REQUIRE_POSTGRES:-0}" = 1 ]; then
  echo "PostgreSQL does not answer on 127.0.0.1:5432 and REQUIRE_POSTGRES=1: failing." >&2
  exit 1
else
  export TEST_DATABASES=sqlite
  echo "WARNING: PostgreSQL does not answer on 127.0.0.1:5432: database tests run on SQLite only." >&2
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
start=$(date +%s)
.venv/bin/python -m pytest -n 2 -p no:cacheprovider "$@"
echo "make test: suite took $(( $(date +%s) - start ))s"
