# Experiment Tracker — `make run` for the demo, `make test` for the whole suite, `make serve` in production.
# All work on a fresh machine with Python 3.11; DATABASE_URL / REDIS_URL switch to PostgreSQL / Redis.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: setup run demo migrate serve test test-fast lint format browser messages load-test clean help

# DEBUG is off unless set: the tests, the checks and the demo's set-up turn it on (and so do the targets they depend on).
demo migrate messages test test-fast lint: export DEBUG = true
# The demo is served as in production, DEBUG off, so that a wrong address shows the friendly 404 page,
# over plain HTTP on this machine (DEMO, tracker/settings.py). `DEBUG=true make run` shows Django's
# debug pages instead.
run: export DEBUG ?= false
run: export DEMO = true

help:
	@echo "make run    set up, load demo data, run web + Celery worker + beat on http://127.0.0.1:$(PORT)"
	@echo "make test   set up and run the whole test suite (lint, migrations check, pytest)"
	@echo "make serve  production: migrate, collect static files, gunicorn + worker + beat (DEBUG off;"
	@echo "            SECRET_KEY and ALLOWED_HOSTS required, see README.md)"
	@echo "make test-fast  the quick loop: pytest in parallel, without the Celery worker and browser tests"
	@echo "make load-test  20 users on every page of the production server, PostgreSQL with 1M leads"
	@echo "            (a scratch database, DATABASE_URL; see benchmarks/README.md)"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

migrate: setup
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

run: demo
	@echo "Starting web, worker and beat; stop everything with Ctrl-C."
	PATH="$(abspath $(BIN)):$$PATH" PORT=$(PORT) $(BIN)/honcho start -f Procfile

# Production: DEBUG off whatever the environment says; settings refuse to start without SECRET_KEY
# and ALLOWED_HOSTS. The deploy check prints its warnings; an error stops here.
serve: export DEBUG = false
serve: setup
	$(BIN)/python manage.py check --deploy
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput
	PATH="$(abspath $(BIN)):$$PATH" PORT=$(PORT) $(BIN)/honcho start -f Procfile.prod

# mypy is strict except for the modules in pyproject.toml's baseline (errors to fix).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Browser tests drive Debian's Chromium; install it when missing and allowed to.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "Chromium is not installed: browser tests will be skipped (apt-get install chromium)."; fi; }

messages: setup
	$(BIN)/python manage.py compilemessages --ignore=.venv

# pytest exits 5 when it collected no tests; that is reported, not hidden as a crash.
test: setup browser lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	TRACKER_VAR_DIR="$${TRACKER_VAR_DIR:-var/test}" $(BIN)/pytest --create-db $(PYTEST_ARGS); \
		rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$rc

# The quick loop while working: pytest in TEST_WORKERS processes (pytest-xdist; each has its own
# test database, files and Celery queue), without the tests that start a real Celery worker or
# Chromium. No lint and no migrations check: `make test` runs everything before a commit.
TEST_WORKERS ?= auto
test-fast: setup
	TRACKER_VAR_DIR="$${TRACKER_VAR_DIR:-var/test}" $(BIN)/pytest -n $(TEST_WORKERS) \
		-m 'not worker and not browser' $(PYTEST_ARGS)

# The load test fills a scratch PostgreSQL database (DATABASE_URL, default tracker_load), serves it as
# `make serve` does and runs Locust against it; LOAD_ARGS="--duration 60 --rebuild" and so on.
load-test: setup
	DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tracker_load}" $(BIN)/python benchmarks/load.py $(LOAD_ARGS)

clean:
	rm -rf var/test var/broker .pytest_cache
