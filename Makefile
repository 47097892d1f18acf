# Two commands matter: `make run` (the portal with demo data on http://127.0.0.1:$PORT) and
# `make test` (the whole suite on SQLite and on PostgreSQL, browser tests included).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
MO := portal/translations/vi/LC_MESSAGES/messages.mo portal/translations/en/LC_MESSAGES/messages.mo

.PHONY: install install-dev run test test-sqlite test-postgres lint system-deps translations clean bench

install: $(VENV)/.runtime translations ## venv with the pinned runtime dependencies, compiled translations

$(VENV)/.runtime: requirements.lock.txt
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock.txt 2>&1 | grep -v "is ignored: it is neither" || true
	@$(BIN)/python -c "import flask, sqlalchemy, psycopg" || { echo "make install: dependency installation failed" >&2; exit 1; }
	touch $@

install-dev: $(VENV)/.dev node_modules/axe-core/axe.min.js

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.lock.txt
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.lock.txt 2>&1 | grep -v "is ignored: it is neither" || true
	@$(BIN)/python -c "import pytest, playwright, aiosmtpd, hypothesis" || { echo "make install-dev: failed" >&2; exit 1; }
	touch $@

node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@test -f $@ || { echo "axe-core was not installed" >&2; exit 1; }
	touch $@

translations: $(MO)

$(MO): $(wildcard portal/translations/*/LC_MESSAGES/messages.po) $(wildcard portal/translations/*/parts/*.po) | $(VENV)/.runtime
	$(BIN)/python -m portal.i18n compile

instance/secret_key:
	@mkdir -p instance && chmod 700 instance
	@umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(48))" > $@
	@echo "generated instance/secret_key (development only; set SECRET_KEY in production)"

run: install instance/secret_key ## migrate, seed the demo on first run, serve with the background worker
	PORTAL_ENV=development $(FLASK) db upgrade
	@if [ ! -f instance/.demo-seeded ]; then PORTAL_ENV=development $(FLASK) demo seed && touch instance/.demo-seeded; fi
	@echo "Portal: http://127.0.0.1:$(PORT)  (Ctrl-C stops everything)"
	@PORTAL_ENV=development $(BIN)/python -m portal.serve --port $(PORT)

system-deps: ## Debian packages the tests need (installed when running as root)
	@.ci/system-deps.sh

lint: install-dev
	$(BIN)/ruff check .

test: system-deps install install-dev ## the whole suite on SQLite and on PostgreSQL, plus ruff
	@chromium --version 2>/dev/null | head -1 || true
	$(BIN)/ruff check .
	@echo "=== test suite on SQLite ==="
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)
	@echo "=== test suite on PostgreSQL ==="
	.ci/with-postgres.sh $(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

test-sqlite: install install-dev
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

test-postgres: system-deps install install-dev
	.ci/with-postgres.sh $(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

bench: install install-dev ## benchmarks (BENCH_ARGS=postgres for PostgreSQL); wrk installed as root
	@.ci/system-deps.sh wrk
	bench/run.sh $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache
