# SimpleCommerceSync — the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
CHROMIUM := /usr/bin/chromium
PG_URL ?= postgres://postgres@127.0.0.1:5432/scs
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
PYTEST_WORKERS ?= auto
# --strict makes a dependency pip-audit could not look up an error (CI with full PyPI access).
PIP_AUDIT_FLAGS ?=

.PHONY: run test chaos lint install install-dev browser clean

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

.PHONY: bench bench-quick
## make bench — P1–P6 against both emulators (limits ×10): bench/results/latest.json and a table (bench/README.md)
bench: install-dev
	$(BIN)/python -m bench

## make bench-quick — the same scenarios with smaller workloads, a few minutes
bench-quick: install-dev
	$(BIN)/python -m bench --quick

## make chaos — the long randomized crash and fault runs (three seeds of 500 invoices with five
## kill -9 each, fault storms over 500 invoices; on PostgreSQL + Redis also the scale-out run and,
## last, both services restarted mid-run), one test at a time, each run cut off after CHAOS_MINUTES
## (about 25 minutes in all on 2 cores)
CHAOS_TESTS := tests/product/test_chaos_crashes.py tests/product/test_scale_out.py tests/product/test_chaos_faults.py
CHAOS_MINUTES ?= 20
chaos: install-dev
	@set -e; \
	echo "== Chaos run 1: SQLite + SqliteHuey =="; \
	SCS_CHAOS=1 timeout $(CHAOS_MINUTES)m $(BIN)/pytest -p no:cacheprovider -q -s --durations=0 $(CHAOS_TESTS); \
	if $(BIN)/python -m simplecommercesync.backends_available "$(PG_URL)" "$(REDIS_TEST_URL)"; then \
		echo "== Chaos run 2: PostgreSQL + Redis (restarts both services briefly, at the end) =="; \
		SCS_CHAOS=1 TEST_DATABASE_URL="$(PG_URL)" TEST_REDIS_URL="$(REDIS_TEST_URL)" \
			timeout $(CHAOS_MINUTES)m $(BIN)/pytest -p no:cacheprovider -q -s --durations=0 $(CHAOS_TESTS); \
	fi

lint: install-dev
	$(BIN)/ruff check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/bandit -q -c pyproject.toml -r src
	$(BIN)/pip-audit --skip-editable --progress-spinner off $(PIP_AUDIT_FLAGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
