# MilliIntell — every set-up step lives here, so a fresh clone needs only
# `make run` (the whole product locally) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The first Python >= 3.11 found (3.12 preferred: it is what Lambda runs).
PYTHON ?= $(shell for p in python3.12 python3.13 python3.11 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
PORT ?= 8000
export PYTHONPATH := $(CURDIR)
export SAM_CLI_TELEMETRY := 0
# Lambda cannot write .pyc files at run time and this machine sets
# PYTHONDONTWRITEBYTECODE; install compiled bytecode so imports stay fast.
export UV_COMPILE_BYTECODE := 1

.PHONY: help
help: ## list the targets
	@grep -E '^[a-zA-Z_%-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# ----------------------------------------------------------------- install
.PHONY: tools
tools:
	@test -n "$(PYTHON)" || { echo "Python 3.11+ is required (python3.12 preferred)"; exit 1; }
	@command -v node >/dev/null || { echo "Node.js 20+ is required"; exit 1; }
	@command -v java >/dev/null || { echo "Java 17 is required (Firestore emulator)"; exit 1; }
	@command -v gcloud >/dev/null || { echo "gcloud with the Cloud Firestore emulator is required"; exit 1; }

$(BIN)/.installed: requirements/dev.lock | tools
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements/dev.lock
	@touch $@

node_modules/.installed: package-lock.json | tools
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The site's own packages (Netlify installs only these).
site/node_modules/.installed: site/package-lock.json
	npm ci --prefix site --no-audit --no-fund --loglevel=error
	@touch $@

# Debian's Chromium for the browser tests and Lighthouse (never a browser
# download: the network reaches only the package registries).
CHROMIUM ?= /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "Chromium is missing: run 'sudo apt-get install -y chromium' (Debian) or set CHROMIUM=/path"; exit 1; \
	fi

.PHONY: install
install: $(BIN)/.installed node_modules/.installed site/node_modules/.installed ## install Python and npm dependencies from the lock files

.PHONY: lock
lock: $(BIN)/.installed ## re-resolve requirements/*.in into the lock files
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 requirements/runtime.in -o requirements/runtime.lock
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 requirements/dev.in -o requirements/dev.lock

# -------------------------------------------------------------------- site
.PHONY: site
site: site/node_modules/.installed ## build the static site into site/dist (Netlify runs this too)
	cd site && npm run --silent build
	bash scripts/netlify_redirects.sh site/dist
	bash scripts/site_config.sh site/dist

.PHONY: openapi
openapi: $(BIN)/.installed ## rewrite site/openapi/*.json and README's access table (after changing a route or model)
	$(BIN)/python scripts/export_openapi.py
	$(BIN)/python -m scripts.access_table

# --------------------------------------------------------------------- run
.PHONY: run
run: install site ## start the whole product locally on http://127.0.0.1:$(PORT)
	$(BIN)/python -m devstack run --port $(PORT)

.PHONY: token
token: ## print a staff ID token for the seeded admin (while make run is up)
	@$(BIN)/python -m devstack token

# -------------------------------------------------------------------- test
.PHONY: lint
lint: $(BIN)/.installed ## ruff, mypy and cfn-lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/cfn-lint template.yaml

.PHONY: test
test: install $(CHROMIUM) site lint ## install what the tests need, lint, and run every test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

.PHONY: bench
bench: install $(CHROMIUM) site ## run every benchmark and print its figures (a missed target exits non-zero)
	-$(BIN)/python bench/cold_start.py
	-$(BIN)/python bench/availability.py
	-$(BIN)/python bench/booking_api.py
	-$(BIN)/python bench/messaging.py
	-$(BIN)/python bench/site_budget.py

# ------------------------------------------------------------------ deploy
# `sam build` runs `make build-<LogicalId>` for each function (BuildMethod: makefile).
build-%:
	$(PYTHON) scripts/sam_build.py $* "$(ARTIFACTS_DIR)"

.PHONY: deploy
deploy: ## build and deploy the functions with SAM (needs AWS credentials and sam)
	sam build
	sam deploy --guided

.PHONY: clean
clean: ## remove installed dependencies and run state
	rm -rf $(VENV) node_modules .run site/dist .aws-sam .pytest_cache .mypy_cache .ruff_cache
