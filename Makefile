# Two entry points, both idempotent, both creating the virtual environment on first use:
#   make run SCENARIO=scenarios/baota.toml     set up, then run a scenario
#   make test                                  set up, then pass the test suite
VENV ?= .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed-stamp
SCENARIO ?= scenarios/baota.toml
ARGS ?=

.PHONY: setup fonts test test-fast run bench clean

$(STAMP): pyproject.toml sim/__init__.py  # the version lives in sim/__init__.py
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP) fonts

# Chinese figure labels (gridsim plot --lang zh) need a CJK font: Debian's fonts-noto-cjk,
# installed when we are root on a Debian-like machine; otherwise say how to get it.
fonts:
	@if command -v fc-list >/dev/null && fc-list | grep -qi "Noto Sans CJK"; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing fonts-noto-cjk (for --lang zh)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; \
	else echo "note: no CJK font found; for 'gridsim plot --lang zh' install fonts-noto-cjk"; fi

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
