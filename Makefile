# Two commands set everything up on a fresh Debian machine:
#   make run   - start the server on 127.0.0.1:2402 with the demo application
#   make test  - run the test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Debian packages `make test` installs when missing (as root): the browser for the UI
# tests, PostgreSQL for the scale-out tests, Ghostscript for the PDF/A ghostscript backend,
# Dovecot for the IMAP intake tests (a throwaway server on a high port).
export TASKMASTER_TEST_DEBS = chromium postgresql ghostscript dovecot-imapd

.PHONY: run test test-unit lint typecheck bench clean system-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# Debian packages the tests need (CI runs as root); skipped when already present.
system-deps:
	@./.ci/system-deps.sh

run: $(STAMP)
	$(BIN)/taskmaster serve

test: $(STAMP) system-deps
	$(BIN)/pytest -q --durations=15

test-unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/intake.py

clean:
	rm -rf $(VENV) taskmaster-data .pytest_cache
