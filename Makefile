# The two commands a new user needs: `make run` and `make test`. Each does its own set-up.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The tests also need the Dask extra (tests/test_recompute_parallel.py); one install
# run installs both, so `make test` does not install again on every run.
TEST_STAMP := $(VENV)/.installed-test
# The packages go in with uv (from PyPI, into the venv): 8 s from a clean venv, against
# 60 s for pip, a minute of every CI run on a clean clone (docs/performance.md, "The
# set-up"). pip installs them when uv cannot be had.
UV := uv>=0.9,<1
RUN_EXTRAS := .[dev]
TEST_EXTRAS := .[dev,distributed]
# Both compile the packages to bytecode as they install them (pip by default, uv when
# asked): where Python may not write its cache (PYTHONDONTWRITEBYTECODE, as in this
# workplace's containers), every process would compile every module it imports, about
# 1.3 s of each command's start, of each test process and of each worker pool's fork
# server (docs/performance.md, eleventh session). The project's own modules are
# compiled by the `bytecode` step below.
define install_packages
	$(BIN)/python -m pip install --quiet '$(UV)' && $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '$(1)' \
		|| $(BIN)/python -m pip install --quiet -e '$(1)'
endef

.PHONY: install bytecode test-bytecode run test test-setup lint-test typecheck-test test-fast lint typecheck system-deps sso-idp browser-deps samples bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(call install_packages,$(RUN_EXTRAS))
	@touch $(STAMP)

$(TEST_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(call install_packages,$(TEST_EXTRAS))
	@touch $(STAMP) $(TEST_STAMP)

# The dashboard on a city-sized LA (about Sunderland's 55,000 children, 3 years). The
# extracts are generated on the first run (too large to commit; a few seconds) into
# data/demo, and loaded into data/scorecard.db while that store is empty; later runs
# reuse both. The committed data/samples (2,000 children) stay for the tests.
DEMO := data/demo
DEMO_ARGS := --children 55000 --years 3 --start 2023-04-01 --las 394 --seed 2026

# The project's own modules as bytecode (0.25 s; a module edited since is compiled again
# in memory when imported, as Python always does).
OWN_CODE := app.py benchmarks loaders metrics scorecard store synthetic
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q -j 0 $(OWN_CODE) > /dev/null

run: install bytecode $(DEMO)/population.csv
	SCORECARD_SAMPLES_DIR=$(DEMO) $(BIN)/scorecard serve

$(DEMO)/population.csv: | $(STAMP)
	@rm -rf $(DEMO).partial
	$(BIN)/scorecard generate --out $(DEMO).partial $(DEMO_ARGS)
	@rm -rf $(DEMO) && mv $(DEMO).partial $(DEMO)

# The whole suite: installs PostgreSQL and Chromium (apt) if missing, starts a
# throwaway PostgreSQL server on loopback, runs lint, types and every test.
# The set-up runs two at a time (`test-setup` with -j2): pip into the venv beside apt,
# then mypy (CPU) beside npm (network); each step is skipped when already done (stamps,
# and ensure-system-deps.sh installs only what is missing). pytest's own schedule is in
# pyproject.toml and tests/conftest.py (docs/performance.md, "The test suite's time").
test:
	$(MAKE) --no-print-directory -j2 --output-sync=target test-setup
	scripts/with-postgres.sh $(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

test-setup: lint-test typecheck-test system-deps sso-idp test-bytecode

test-bytecode: $(TEST_STAMP)
	@$(MAKE) --no-print-directory bytecode

lint-test: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck-test: $(TEST_STAMP)
	$(BIN)/mypy .

# Without the system packages: what runs without PostgreSQL or a browser.
test-fast: $(TEST_STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder -m "not postgres and not browser" $(PYTEST_ARGS)

system-deps:
	scripts/ensure-system-deps.sh

# The single sign-on example's identity provider (deploy/sso/idp, run by
# tests/browser/test_sso_browser.py): its npm packages, exactly as locked.
SSO_IDP := deploy/sso/idp
sso-idp: $(SSO_IDP)/node_modules/.installed

$(SSO_IDP)/node_modules/.installed: $(SSO_IDP)/package.json $(SSO_IDP)/package-lock.json | system-deps
	npm ci --prefix $(SSO_IDP) --no-audit --no-fund --silent
	@touch $@

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy .

samples: install
	$(BIN)/scorecard generate --out data/samples --children 2000 --years 3 --start 2023-04-01 --las 394 --seed 2026

bench: install
	$(BIN)/python benchmarks/ingest.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts $(SSO_IDP)/node_modules
