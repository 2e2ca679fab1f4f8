# The two commands of the README: `make run` and `make test`. Nothing else is needed on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test test-fast lint bench-inflight bench-local bench-polling bench-search clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## Start the web server and both django-q2 clusters on http://$(HOST):$(PORT); Ctrl-C stops all.
run: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

## Install test dependencies (Chromium from Debian when missing) and run the whole suite.
test: $(VENV)/.dev
	@bash scripts/ensure-system-packages.sh
	$(PY) -m pytest

## The edit loop: everything but the browser, worker-cluster and local-engine tests (about a minute).
test-fast: $(VENV)/.dev
	$(PY) -m pytest -m "not browser and not cluster and not engine"

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench-inflight: $(VENV)/.dev
	$(PY) bench/inflight.py

bench-local: $(VENV)/.dev
	@bash scripts/ensure-system-packages.sh espeak-ng
	$(PY) bench/local_engine.py

## Full-text search over 10,000 transcripts (1M segments), SQLite and the local PostgreSQL (~6 min).
bench-search: $(VENV)/.dev
	$(PY) bench/search.py

bench-polling: $(VENV)/.dev
	$(PY) bench/status_polling.py

clean:
	rm -rf $(VENV) staticfiles test-artifacts .pytest_cache
