# Trending Now: two commands matter, `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
UV_VERSION ?= 0.13.9
TORCH_VERSION ?= 2.13.0+cpu
# Where a CPU torch wheel may already lie (pip's find-links on these machines); else it is
# downloaded once from the official CPU index. GPU users: see README "GPU".
TORCH_WHEEL_DIRS ?= $(subst :, ,$(PIP_FIND_LINKS)) $(shell pip config get global.find-links 2>/dev/null)
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu

ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
BOOT := $(ROOT)/.cache/bootstrap
UV := $(BOOT)/bin/uv

# Every tool keeps its state inside the project: nothing is written to $HOME.
export UV_CACHE_DIR := $(ROOT)/.cache/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export XDG_CACHE_HOME := $(ROOT)/.cache/xdg
export XDG_CONFIG_HOME := $(ROOT)/var/xdg-config
export XDG_DATA_HOME := $(ROOT)/var/xdg-data
export AIRFLOW_HOME := $(ROOT)/var/airflow
export DVC_NO_ANALYTICS := 1
export DO_NOT_TRACK := 1
export WANDB_MODE := offline
export WANDB_DIR := $(ROOT)/var/wandb
export WANDB_CACHE_DIR := $(ROOT)/var/wandb/cache
export WANDB_DATA_DIR := $(ROOT)/var/wandb/data
export WANDB_CONFIG_DIR := $(ROOT)/var/wandb/config
export HF_HOME := $(ROOT)/var/hf
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export MPLCONFIGDIR := $(ROOT)/var/mpl
export PATH := $(VENV)/bin:$(PATH)

.PHONY: help run down status test lint format bench install wheels clean reproduce sysdeps frontend

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# Movies to ingest: 700 takes the whole shipped snapshot (621 movies).
MOVIE_LIMIT ?= 700

run: install frontend  ## install, start the local stack, run the pipeline end to end, print the URLs
	trending stack up
	trending dags trigger trending_ingest --conf '{"source": "replay", "movie_limit": $(MOVIE_LIMIT)}'
	trending dags trigger trending_enrich --conf '{"provider": "embedded"}' --timeout 1800
	trending dags trigger trending_train --conf '{"family": "xgb", "fast": false}' --timeout 3600
	trending dags trigger trending_publish --timeout 900
	trending dags trigger trending_monitor --timeout 1800
	trending stack urls

reproduce: install  ## rebuild a registered model and compare: make reproduce MODEL=genre-xgb@v1
	@test -n "$(MODEL)" || { echo "usage: make reproduce MODEL=<name>@<version>"; exit 2; }
	trending reproduce $(MODEL)

down:  ## stop exactly the processes `make run` started
	@if [ -x $(VENV)/bin/trending ]; then trending stack down; else echo "nothing installed"; fi

status:  ## which stack services run
	trending stack status

test: install sysdeps frontend lint infra-lint  ## lint, type-check and run every test (unit, DAG, integration)
	cd frontend && npm test --silent
	pytest -q --timeout=900 tests

lint: install  ## ruff (lint + format check) and mypy on src/
	ruff check .
	ruff format --check .
	mypy src

format: install
	ruff format .
	ruff check --fix .

bench: install  ## benchmarks (full data, tens of minutes); results land in bench/results/
	python bench/ingest_throughput.py
	python bench/train_full.py
	python bench/gate_full.py
	python bench/governance_rollback.py
	python bench/enrich_throughput.py
	python bench/bert_inference.py
	python bench/drift_detection.py
	python bench/api_latency.py
	python bench/api_latency.py --backend postgres --output bench/results/api_latency_postgres.json

# Deployment (docs/deployment.md): Airflow on Celery without Docker, the AWS stack in the local
# emulator, and the infrastructure linters (checkov in its own uv tool environment: it pins
# networkx<2.7, which the project's lock excludes).
DIST_PORT_BASE ?= 8800
CHECKOV_VERSION ?= 3.3.30
CFN_REGIONS := us-east-1 us-east-2 us-west-2 eu-west-1 eu-central-1
.PHONY: run-distributed down-distributed deploy-local infra-lint
run-distributed: install sysdeps  ## Airflow on Celery + PostgreSQL + Redis, two workers (ports 8800+)
	trending distributed up --port-base $(DIST_PORT_BASE)

down-distributed:  ## stop exactly what `make run-distributed` started
	@if [ -x $(VENV)/bin/trending ]; then trending distributed down; else echo "nothing installed"; fi

deploy-local: install  ## deploy infra/ into the local AWS emulator (moto), then bootstrap it
	trending infra deploy-local

CHECK_JSONSCHEMA_VERSION ?= 0.39.0
TOOL_RUN = $(UV) tool run --python $(PYTHON) --from
infra-lint: install | $(UV)  ## cfn-lint + checkov (CloudFormation, Dockerfile, CI) + workflow schema
	cfn-lint --regions $(CFN_REGIONS) -- infra/cloudformation/*.yaml
	$(TOOL_RUN) checkov==$(CHECKOV_VERSION) checkov --quiet --compact --skip-download \
	  -d infra -d .github --framework cloudformation github_actions
	$(TOOL_RUN) checkov==$(CHECKOV_VERSION) checkov --quiet --compact --skip-download \
	  -f Dockerfile --framework dockerfile
	$(TOOL_RUN) check-jsonschema==$(CHECK_JSONSCHEMA_VERSION) check-jsonschema \
	  --builtin-schema vendor.github-workflows .github/workflows/*.yml

# Debian packages the tests drive for real: the browser, PostgreSQL, Redis, and docker-compose
# (which validates the compose file; there is no Docker engine here). Installed only if missing.
SYSDEPS_BINS := /usr/bin/chromium:chromium /usr/lib/postgresql/15/bin/pg_ctl:postgresql \
  /usr/bin/redis-server:redis-server /usr/bin/docker-compose:docker-compose \
  /usr/bin/node:nodejs /usr/bin/npm:npm
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
sysdeps:  ## Debian packages for the browser, PostgreSQL and Redis tests (apt, only what is missing)
	@missing=""; for pair in $(SYSDEPS_BINS); do \
	  bin="$${pair%%:*}"; pkg="$${pair##*:}"; \
	  if [ "$$pkg" = postgresql ]; then ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && continue; \
	  elif [ -x "$$bin" ] || command -v "$${bin##*/}" >/dev/null; then continue; fi; \
	  missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get install -y --no-install-recommends $$missing >/dev/null || \
	  { $(SUDO) apt-get update >/dev/null && $(SUDO) apt-get install -y --no-install-recommends $$missing >/dev/null; }; \
	fi

# The D3 web app: `npm ci` when the lock file changes, `npm run build` when a source does; the
# API serves frontend/dist at /. npm keeps its cache inside the project.
FRONTEND_SOURCES := frontend/index.html frontend/build.mjs frontend/package.json \
  $(shell find frontend/src frontend/public -type f 2>/dev/null)
frontend: frontend/dist/index.html  ## build the web app into frontend/dist (npm ci + npm run build)

frontend/node_modules/.installed: frontend/package-lock.json frontend/package.json
	cd frontend && npm_config_cache=$(ROOT)/.cache/npm npm ci --no-audit --no-fund
	touch $@

frontend/dist/index.html: frontend/node_modules/.installed $(FRONTEND_SOURCES)
	cd frontend && npm run build --silent
	touch $@

install: $(VENV)/.installed  ## create the virtualenv from the lock file (offline from PyPI only)

$(VENV)/.installed: uv.lock pyproject.toml | wheels $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	touch $@

$(UV):
	$(PYTHON) -m venv $(BOOT)
	$(BOOT)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The CPU build of torch, placed where pyproject's flat index `wheels/torch` expects it; the
# lock file pins its sha256, so a different file is refused at install time.
wheels: wheels/torch/.ok
wheels/torch/.ok:
	mkdir -p wheels/torch
	@whl="torch-$(TORCH_VERSION)-cp311-cp311-manylinux_2_28_x86_64.whl"; \
	for d in $(TORCH_WHEEL_DIRS); do \
	  d="$${d#file://}"; \
	  if [ -f "$$d/$$whl" ]; then echo "torch CPU wheel from $$d"; cp "$$d/$$whl" wheels/torch/; break; fi; \
	done; \
	if [ ! -f "wheels/torch/$$whl" ]; then \
	  echo "downloading $$whl from $(TORCH_CPU_INDEX)"; \
	  $(PYTHON) -m pip download --no-deps --only-binary=:all: --index-url $(TORCH_CPU_INDEX) \
	    -d wheels/torch "torch==$(TORCH_VERSION)"; \
	fi
	touch $@

clean: down  ## remove the virtualenv, caches and local state (not the shipped data)
	rm -rf $(VENV) .cache var wheels data/raw data/validated data/quarantine \
	  frontend/node_modules frontend/dist
