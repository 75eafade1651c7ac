# legame: two commands on a fresh machine.
#   make demo   install legame into .venv and run the demo on simulated data
#   make test   install the dev tools (and what the tests need from the system) and run every test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DIR ?= legame-demo

.PHONY: install dev system-deps demo test test-fast lint bench clean

# A stamp per install step, remade when pyproject.toml changes.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

dev: $(VENV)/.installed-dev system-deps

# Java for the Spark engine tests and Chromium for the browser tests; apt-get installs
# them only where missing.
system-deps:
	@bash scripts/system-deps.sh

demo: install
	$(BIN)/legame demo --dir $(DEMO_DIR)

# Two workers (pytest-xdist; an idle one takes tests from the busy one): about 7 minutes on
# 2 cores instead of 11. Every test keeps to its own folder, workspace and port.
test: dev lint
	$(BIN)/python -m pytest -q -n 2 --dist worksteal

# The same without slow, Spark and browser tests: under 2 minutes on 2 cores.
test-fast: dev
	$(BIN)/python -m pytest -q -n 2 --dist worksteal -m "not slow and not spark and not browser"

# Lint, format and types are part of the test command (CI runs `make test`): mypy is strict
# on models/, store/, engine/ and sql/ (pyproject.toml).
lint: dev
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy src/legame

bench: dev
	$(BIN)/legame bench --out bench/results.json

clean:
	rm -rf $(VENV) build dist $(DEMO_DIR) .pytest_cache .ruff_cache .mypy_cache
