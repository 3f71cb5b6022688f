# Learner Portal — `make run` starts the site with demo data; `make test` runs every check;
# `make bench` measures speed and memory against their floors (README → Benchmarks).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The address the site is opened at: passkeys (WebAuthn) refuse an IP address, so the loopback is named localhost.
SITE_HOST := $(if $(filter 127.0.0.1,$(HOST)),localhost,$(HOST))

# Development values; production reads its own from the environment (see README).
# The encryption key is for development only: production sets its own PORTAL_ENCRYPTION_KEYS.
# To try a key rotation in development: `make run PORTAL_ENCRYPTION_KEYS=<new>,<this one>`.
PORTAL_ENCRYPTION_KEYS ?= Drmx57uB719anU_7ivvfimUQ8pHqx71FUqAxpbj4FB0=
# runserver starts a thread per request: persistent connections would pile up, one per thread.
DEV_ENV = DJANGO_DEBUG=1 DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost PORTAL_BASE_URL=http://$(SITE_HOST):$(PORT) \
  PORTAL_ENCRYPTION_KEYS=$(PORTAL_ENCRYPTION_KEYS) DJANGO_CONN_MAX_AGE=0
TEST_ENV := DJANGO_SETTINGS_MODULE=learnerportal.test_settings

# The first interpreter >= 3.12 among the usual names and pyenv's versions.
define FIND_PYTHON
for candidate in python3.13 python3.12 python3 \
    $$(pyenv root 2>/dev/null)/versions/3.1[2-9]*/bin/python3 $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3; do \
  if command -v "$$candidate" >/dev/null 2>&1 && \
     "$$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
    echo "$$candidate"; break; \
  fi; \
done
endef

# Whether the Redis at REDIS_PING_URL answers (the tests' and the benchmarks' cache).
export REDIS_PING := import os, redis; redis.Redis.from_url(os.environ["REDIS_PING_URL"], socket_connect_timeout=2).ping()

# Sets DATABASE_URL for the rest of a recipe line (starts a local server if it has to).
DATABASE := export DATABASE_URL="$$($(PY) -m learnerportal.dev_database)" && [ -n "$$DATABASE_URL" ]

.PHONY: run test bench screenshots venv lint format clean catalogs catalogs-check

# The message catalogs (locale/ and <app>/locale/): .mo files compiled from the .po files with polib, no GNU
# gettext needed; run, test and bench do it before Django starts. catalogs-check (needs GNU gettext's xgettext)
# fails on an untranslated or fuzzy entry, or on a catalog makemessages would change.
catalogs: venv
	@$(TEST_ENV) $(PY) manage.py compile_catalogs -v 0

catalogs-check: catalogs
	@$(TEST_ENV) $(PY) manage.py check_catalogs

venv: $(VENV)/.installed

# Development and tests install requirements-dev.txt (which includes requirements.txt); production installs
# requirements.txt alone.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@python="$$($(FIND_PYTHON))"; \
	if [ -z "$$python" ]; then \
	  echo "Learner Portal needs Python 3.12 or newer, and none was found." >&2; \
	  echo "Install it (e.g. 'pyenv install 3.12' or your system's python3.12 package) and run make again." >&2; \
	  exit 1; \
	fi; \
	if [ ! -x "$(PY)" ]; then echo "Creating $(VENV) with $$python"; "$$python" -m venv "$(VENV)"; fi
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt 2>&1 | grep -v "^WARNING: Location" || true
	@$(PY) -c "import django, pytest" && touch $@

run: venv catalogs
	@set -e; export $(DEV_ENV); $(DATABASE); \
	$(PY) manage.py migrate --noinput -v 0; \
	mkdir -p "$${DJANGO_MEDIA_ROOT:-var/media}"; \
	$(PY) manage.py seed_demo; \
	$(PY) manage.py db_worker --no-startup-delay & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	echo; echo "  Learner Portal is starting at http://$(SITE_HOST):$(PORT)/  (Ctrl+C stops it and its task worker)"; echo; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: venv catalogs
	@set -e; export $(TEST_ENV); $(DATABASE); \
	echo "== ruff"; $(VENV)/bin/ruff check .; $(VENV)/bin/ruff format --check .; \
	echo "== import contracts (.importlinter: the floors of DESIGN.md, no cycles)"; $(VENV)/bin/lint-imports --no-cache; \
	echo "== manage.py check / makemigrations --check"; \
	$(PY) manage.py check --fail-level WARNING; \
	$(PY) manage.py makemigrations --check --dry-run; \
	echo "== message catalogs complete and current (0 untranslated or fuzzy; makemessages would change none)"; $(PY) manage.py check_catalogs; \
	echo "== OpenAPI schema (drf-spectacular --validate --fail-on-warn)"; \
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null; \
	REDIS_PING_URL="$${TEST_REDIS_URL:-redis://127.0.0.1:6379}" $(PY) -c "$$REDIS_PING" 2>/dev/null || { echo "The tests need Redis on 127.0.0.1:6379 (or TEST_REDIS_URL):" \
	  "apt-get install redis-server, or start it with redis-server --daemonize yes (.ci/run does)." >&2; exit 1; }; \
	echo "== pytest"; $(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

# Refresh the README's pictures in docs/screenshots/ (demo data, desktop and phone, Chromium).
screenshots: venv
	@set -e; export $(TEST_ENV); $(DATABASE); \
	$(VENV)/bin/pytest -m screenshots accounts/tests/test_docs_screenshots.py -q; \
	echo "docs/screenshots/ refreshed:"; ls docs/screenshots

# Benchmarks: own database (<name>_bench, data loaded once), production settings; writes bench/results.json.
# The load generator lives in a virtualenv of its own: its gevent must not reach the app's or pytest's.
BENCH_TOOLS := $(VENV)/bench-tools
bench: venv catalogs $(BENCH_TOOLS)/.installed
	@set -e; $(DATABASE); \
	REDIS_PING_URL="$${REDIS_URL:-redis://127.0.0.1:6379/0}" $(PY) -c "$$REDIS_PING" 2>/dev/null || { \
	  echo "The benchmarks need Redis on 127.0.0.1:6379 (or REDIS_URL): apt-get install redis-server." >&2; exit 1; }; \
	BENCH_LOCUST=$(BENCH_TOOLS)/bin/locust $(PY) -m bench

$(BENCH_TOOLS)/.installed: bench/requirements.txt $(VENV)/.installed
	@[ -x "$(BENCH_TOOLS)/bin/python" ] || $(PY) -m venv "$(BENCH_TOOLS)"
	@$(BENCH_TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt 2>&1 | grep -v "^WARNING: Location" || true
	@$(BENCH_TOOLS)/bin/locust --version >/dev/null && touch $@

lint: venv
	@$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/lint-imports --no-cache

format: venv
	@$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache .ruff_cache
	find locale */locale -name '*.mo' -delete 2>/dev/null || true
