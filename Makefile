# The two commands: `make demo` and `make test`. Both set up everything they need on a fresh
# Debian machine (run as root, or with sudo available).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHECKOV_VENV := .venv-checkov
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
STAMP := $(VENV)/.installed
# Tests run on TEST_WORKERS pytest-xdist workers: many slow tests wait on subprocesses and pip
# (Prometheus, promtool, checkov, the packaging venvs), so more workers than cores cut the wall
# time; test-fast's tests are CPU-bound: FAST_WORKERS, one per core. 0: one process, no xdist.
# --dist loadgroup: a file's tests stay on one worker, and so do the tests that share a costly
# session fixture; the longest files start first (tests/conftest.py).
TEST_WORKERS ?= 4
FAST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -q -p no:cacheprovider --dist loadgroup

.PHONY: demo test test-fast test-slow test-package check gen check-gen lint bench setup tools \
	check-deploy clean

## demo: compile the example's rules, then run the live demo (agent + Prometheus + outage);
## it ends by writing the HTML error-budget report (build/demo-report.html) and printing its path
demo: setup
	$(BIN)/adk-observe compile-rules examples/support-agent.yaml -o build/demo-rules --emit-tests
	$(BIN)/python -m adk_observe.demo --spec examples/demo-agent.yaml --duration 180 \
	  --report build/demo-report.html

## test: lint, type-check and run every test (promtool, Prometheus, ADK, checkov included) with
## the packaging tests (the wheel in fresh venvs; they need PyPI or a warm pip cache) in one run,
## so that their pip installs overlap the CPU-bound tests
test: setup check
	$(PYTEST) -n $(TEST_WORKERS)

## test-fast: the inner loop: lint, type-check and every test but the slow and packaging ones
test-fast: setup check
	$(PYTEST) -n $(FAST_WORKERS) -m "not slow and not packaging"

## test-slow: only the slow tests (live Prometheus, Alertmanager, checkov, promtool scenarios,
## property tests)
test-slow: setup
	$(PYTEST) -n $(TEST_WORKERS) -m "slow and not packaging"

## check: ruff, ruff format and mypy
check: $(STAMP)
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src
	$(BIN)/mypy

## test-package: build the wheel, install it into fresh venvs (no extras, [deploy], [adk]) and run
## every command on every example, the plain agent and the ADK agent
test-package: setup
	$(PYTEST) -n 2 -m packaging tests/packaging

## gen: regenerate the artifacts of the example service (rules/, dashboards/, deploy/,
## alertmanager/, runbooks/)
GENERATED := rules dashboards deploy alertmanager runbooks
gen: $(STAMP)
	rm -rf $(GENERATED)
	$(BIN)/adk-observe compile-rules examples/support-agent.yaml -o rules --emit-tests
	$(BIN)/adk-observe dashboards examples/support-agent.yaml -o dashboards
	$(BIN)/adk-observe render-deploy examples/support-agent.yaml -o deploy
	$(BIN)/adk-observe alertmanager examples/support-agent.yaml -o alertmanager
	$(BIN)/adk-observe runbooks examples/support-agent.yaml -o runbooks

## check-gen: fail when the committed artifacts are stale
check-gen: gen
	git diff --exit-code -- $(GENERATED)
	test -z "$$(git status --porcelain -- $(GENERATED))"

lint: $(STAMP)
	$(BIN)/adk-observe lint examples/*.yaml

check-deploy: setup
	$(BIN)/adk-observe check-deploy deploy --checkov $(CHECKOV_VENV)/bin/checkov \
	  --crd-schemas ../shared/crd-schemas  # the editable install has our own schemas only

## bench: the compiler, instrumentation, report and fleet benchmarks (results go in bench/RESULTS.md)
bench: $(STAMP)
	$(BIN)/python bench/compile_bench.py
	$(BIN)/python bench/instrument_bench.py
	$(BIN)/python bench/adk_turn_bench.py
	$(BIN)/python bench/plugin_hooks_bench.py
	$(BIN)/python bench/recording_bench.py
	$(BIN)/python bench/report_bench.py
	$(BIN)/python bench/fleet_bench.py
	$(BIN)/python bench/client_bench.py

setup: $(STAMP) $(CHECKOV_VENV)/bin/checkov tools

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[adk,dev,deploy,grpc]'
	touch $@

# checkov pins versions that clash with google-adk's, so it lives in its own venv.
$(CHECKOV_VENV)/bin/checkov:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q --upgrade pip
	$(CHECKOV_VENV)/bin/pip install -q checkov

# promtool and the Prometheus server (and amtool) from Debian, installed only when missing;
# chromium too (the HTML report is checked in a real headless browser).
tools:
	@if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1 \
	    || ! command -v amtool >/dev/null 2>&1; then \
	  echo "installing prometheus and prometheus-alertmanager from Debian"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq prometheus prometheus-alertmanager; \
	fi
	@if ! command -v chromium >/dev/null 2>&1; then \
	  echo "installing chromium from Debian"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; \
	fi

clean:
	rm -rf build $(VENV) $(CHECKOV_VENV)
