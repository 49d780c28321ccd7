# Two entry points, both idempotent, both creating the virtual environment on first use:
#   make run SCENARIO=scenarios/baota.toml     set up, then run a scenario
#   make test                                  set up, then pass the test suite
VENV ?= .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed-stamp
SCENARIO ?= scenarios/baota.toml
ARGS ?=

.PHONY: setup test test-fast run bench clean

$(STAMP): pyproject.toml sim/__init__.py  # the version lives in sim/__init__.py
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

test: setup
	$(VENV)/bin/python -m pytest -q

test-fast: setup
	$(VENV)/bin/python -m pytest -q -m "not slow"

run: setup
	$(VENV)/bin/gridsim run $(SCENARIO) $(ARGS)

bench: setup
	$(VENV)/bin/python benchmarks/bench_model.py
	$(VENV)/bin/python benchmarks/bench_sweep.py

clean:
	rm -rf $(VENV) build *.egg-info
