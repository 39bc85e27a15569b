# Two commands set everything up on a fresh Debian machine:
#   make run   - start the server on 127.0.0.1:2402 with the demo application
#   make test  - run the test suite
# Installs are pinned by constraints.txt (`make lock` regenerates it).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install -q -c constraints.txt
RUNTIME := $(VENV)/.runtime
STAMP := $(VENV)/.installed

# Debian packages `make test` installs when missing (as root): the browser for the UI
# tests, PostgreSQL for the scale-out tests, Ghostscript for the PDF/A ghostscript backend,
# Dovecot for the IMAP intake tests (a throwaway server on a high port), systemd-analyze for
# the service unit's check.
export TASKMASTER_TEST_DEBS = chromium postgresql ghostscript dovecot-imapd systemd fonts-liberation

.PHONY: run test test-unit lint typecheck bench clean system-deps lock calibrate-intake

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# What the server needs, nothing more (no test tools).
$(RUNTIME): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e .
	touch $(RUNTIME)

# The server plus the test and lint tools.
$(STAMP): $(RUNTIME) pyproject.toml constraints.txt
	$(PIP) -e '.[dev]'
	touch $(STAMP)

# Debian packages the tests need (CI runs as root); skipped when already present.
system-deps:
	@./.ci/system-deps.sh

run: $(RUNTIME)
	$(BIN)/taskmaster serve

# Lint first (.ci/lint), then the suite; the suite runs even when lint fails (CI shows
# both), and the target fails if either did.
test: $(STAMP) system-deps
	@lint=0; ./.ci/lint || lint=$$?; \
	$(BIN)/pytest -q --durations=15 && exit $$lint

test-unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

# ruff (rules and formatting), mypy strict, hadolint; `make test` and CI run it first.
lint: $(STAMP)
	./.ci/lint

# mypy --strict (pyproject [tool.mypy]) over src, the tests, and the benches: scripts
# that import each other by file name, so they are checked from bench/ as top level.
typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy tests
	MYPYPATH=bench:. $(BIN)/mypy bench/*.py

bench: $(STAMP)
	$(BIN)/python bench/intake.py

# The built-in intake application's shipped calibration (docs/calibration.md): fitted on
# its development samples and 640 generated pages (seeds 5000 and 5001; the benches use
# others), with the same `taskmaster calibrate` any application uses. Rerun it when a
# reader changes its scores; about 30 minutes on 2 cores.
CAL_TRUTH ?= /tmp/taskmaster-intake-truth
calibrate-intake: $(STAMP)
	$(BIN)/python bench/fresh_forms.py $(CAL_TRUTH)/5000 --pages 320 --seed 5000
	$(BIN)/python bench/fresh_forms.py $(CAL_TRUTH)/5001 --pages 320 --seed 5001
	home=$$(mktemp -d) && TASKMASTER_HOME=$$home $(BIN)/taskmaster calibrate intake --fresh \
	    --truth ../shared/forms/intake/samples --truth ../shared/forms/intake/samples_more \
	    --truth $(CAL_TRUTH)/5000 --truth $(CAL_TRUTH)/5001 && \
	cp $$home/calibration/intake.json src/taskmaster/apps/builtin/intake/calibration.json && \
	rm -rf $$home

# Pin what the working .venv has (Python 3.11, `make test` done) for the next install.
lock: $(STAMP)
	{ sed -n '/^#/p' constraints.txt; $(BIN)/pip freeze --exclude-editable; } > constraints.new
	mv constraints.new constraints.txt

clean:
	rm -rf $(VENV) taskmaster-data .pytest_cache
