# civiclake: `make demo` and `make test` set everything up on a fresh machine with Python 3.11.
# uv installs the locked dependencies (uv.lock) in seconds; it is installed through pip if missing.

UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
DEMO_SOURCES ?= demo-sources
LAKE ?= lake

.PHONY: install browser demo test lint format dagster clean bench

install:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen

demo: install
	$(UV) run civiclake demo --out $(DEMO_SOURCES) --lake $(LAKE)

# What each stage costs at a size (communes x years x scale), against the DuckDB floor: prints a table,
# writes bench-output/benchmark-<size>.json and the size's section of docs/benchmarks.md. The default
# size takes a few minutes; ten city-years: `make bench BENCH_YEARS=10 BENCH_SCALE=1` (README, "Benchmarks").
BENCH_COMMUNES ?= brussels
BENCH_YEARS ?= 2
BENCH_SCALE ?= 0.1
BENCH_ARGS ?=

bench: install
	$(UV) run civiclake bench --communes $(BENCH_COMMUNES) --years $(BENCH_YEARS) --scale $(BENCH_SCALE) $(BENCH_ARGS)

# Chromium for the browser tests, from Debian's packages (Playwright's own browser download does not
# work here). Installed only when missing; needs root or sudo, as on CI machines.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		$$SUDO apt-get install -y --no-install-recommends chromium chromium-driver \
		|| { $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends chromium chromium-driver; }; \
	}

test: install browser
	$(UV) run pytest

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .

format: install
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

# The Dagster UI on 127.0.0.1:3000 over the demo configuration (run `make demo` first), with the
# sensor and the schedule running; dagster_home/dagster.yaml allows one run at a time.
dagster: install
	DAGSTER_HOME=$(CURDIR)/dagster_home CIVICLAKE_CONFIG=$(DEMO_SOURCES)/civiclake.yaml CIVICLAKE_LAKE=$(LAKE) \
		$(UV) run dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

clean:
	rm -rf $(DEMO_SOURCES) dbt/target dbt/logs
	find $(LAKE) -mindepth 1 ! -name README.md -exec rm -rf {} +
