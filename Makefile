# The two commands a newcomer needs: `make run` and `make test`. Each installs what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
ASSETS := static/govuk/govuk-frontend.min.css

.PHONY: help setup run up test lint format bench bench-import sandbox

help:
	@echo "make run    set up and serve the console on :5000 and the TRS sandbox on :5001"
	@echo "make up     the same as a service: PostgreSQL, gunicorn, WORKERS=3 delivery workers, scheduler"
	@echo "make test   set up and run every test (SQLite, PostgreSQL when a server answers, Chromium)"
	@echo "make lint   ruff"

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

# GOV.UK Frontend comes from the pinned npm package, copied at setup, never committed.
$(ASSETS): node_modules/.package-lock.json
	rm -rf static/govuk
	cp -r node_modules/govuk-frontend/dist/govuk static/govuk

setup: $(VENV)/.installed $(ASSETS)

# Another apt process (unattended upgrades, a second checkout's setup) may hold the dpkg lock: wait for
# it for up to ten minutes rather than fail.
APT_GET := apt-get -o DPkg::Lock::Timeout=600

/usr/bin/chromium:
	$(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq chromium

run: setup
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	bash scripts/run-dev.sh

# The Procfile under honcho against PostgreSQL (127.0.0.1:5432 unless DATABASE_URL says otherwise).
up: setup
	WORKERS=$(WORKERS) bash scripts/up.sh

WORKERS ?= 3

sandbox: setup
	$(PY) -m app.sandbox --port 5001

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: setup /usr/bin/chromium
	bash scripts/test.sh

$(VENV)/.bench-installed: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $@

# Every figure in one table (pages on both databases, rules, delivery, reconcile).
bench: setup $(VENV)/.bench-installed
	$(PY) bench/web_bench.py --postgres

bench-import: setup
	$(PY) bench/import_bench.py --postgres
