# SimpleCommerceSync — the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
CHROMIUM := /usr/bin/chromium
PG_URL ?= postgres://postgres@127.0.0.1:5432/scs
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
PYTEST_WORKERS ?= auto

.PHONY: run test lint install install-dev browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make run — the product in demo mode on http://127.0.0.1:8000
run: install
	$(BIN)/scs serve --demo --host 127.0.0.1 --port 8000

browser:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

## make test — the whole suite on SQLite, then again on PostgreSQL + Redis when they answer
test: install-dev browser
	@set -e; \
	echo "== Test run 1: SQLite + SqliteHuey =="; \
	$(BIN)/pytest -n $(PYTEST_WORKERS) -p no:cacheprovider tests; \
	if $(BIN)/python -m simplecommercesync.backends_available "$(PG_URL)" "$(REDIS_TEST_URL)"; then \
		echo "== Test run 2: PostgreSQL + Redis (integration tests of the product) =="; \
		TEST_DATABASE_URL="$(PG_URL)" TEST_REDIS_URL="$(REDIS_TEST_URL)" \
			$(BIN)/pytest -n $(PYTEST_WORKERS) -p no:cacheprovider tests/product; \
		echo "Backends tested: SQLite + SqliteHuey, PostgreSQL + Redis."; \
	else \
		echo "Backends tested: SQLite + SqliteHuey only (PostgreSQL at 127.0.0.1:5432 or Redis at 127.0.0.1:6379 did not answer)."; \
	fi

lint: install-dev
	$(BIN)/ruff check src tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
