# Two commands do all set-up: `make run` (start the gateway) and `make test` (lint + tests).
# Both create .venv and install the project into it on first use; no root needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pytest-xdist processes: many tests wait on sockets, sleeps and subprocesses, so four
# share two cores well (each has its own Redis, Twilio stub and SQLite files).
TEST_WORKERS ?= 4

.PHONY: run test bench bench-lanes bench-webhook install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/aspirasi run

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)

bench: $(STAMP)
	$(BIN)/python bench/bench_parse.py
	$(BIN)/python bench/bench_webhook.py --disk
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_worker.py
	$(BIN)/python bench/bench_inbox.py
	$(BIN)/python bench/bench_broadcast.py
	$(BIN)/python bench/bench_lanes.py
	$(BIN)/python bench/bench_smsgate.py
	$(BIN)/python bench/bench_usulan.py

bench-webhook: $(STAMP)
	$(BIN)/python bench/bench_webhook.py --disk

bench-lanes: $(STAMP)
	$(BIN)/python bench/bench_lanes.py

clean:
	rm -rf $(VENV) instance test-artifacts
