# Maths Hub CMS. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Links in emails and the sitemap name the address the site is served on.
BASE_URL ?= $(or $(WAGTAILADMIN_BASE_URL),http://127.0.0.1:$(PORT))
# Each run ends with its ten slowest tests (README, "How long the tests take").
PYTEST_ARGS ?= -n auto --durations=10
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: help run install install-dev browser-deps migrate demo lint test test-sqlite test-postgres check bench backup restore clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-15s %s\n", $$1, $$2}'

# The venv's own pip installs these requirements; upgrading it first costs a fresh clone
# another index round trip for nothing.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The stamp files make a second `make run` skip pip when nothing changed.
$(VENV)/.installed: requirements.txt constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

# requirements-dev.txt includes requirements.txt: one pip run installs both (on a fresh
# clone, a second run would resolve every runtime requirement again) and stamps both.
$(VENV)/.installed-dev: requirements.txt requirements-dev.txt constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed ## Create .venv and install the runtime requirements

install-dev: $(VENV)/.installed-dev ## Install what the tests need too

browser-deps: ## Debian's Chromium and the axe-core npm package, for browser tests
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "Installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium; \
	fi
	@if ! command -v npm >/dev/null; then \
		$(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q npm; \
	fi
	@[ -f node_modules/axe-core/axe.min.js ] || npm ci --no-audit --no-fund --loglevel=error

migrate: install ## Apply database migrations
	$(BIN)/python manage.py migrate --noinput

demo: migrate ## Load the demo hub (idempotent: keeps what users changed)
	WAGTAILADMIN_BASE_URL=$(BASE_URL) $(BIN)/python manage.py load_demo

run: demo ## Install, migrate, load the demo and serve on http://127.0.0.1:$(PORT)
	@echo ""
	@echo "  Site:   http://127.0.0.1:$(PORT)/"
	@echo "  Admin:  http://127.0.0.1:$(PORT)/admin/"
	@echo "  Demo logins (password mathshub-demo): admin, editor, hublead, specialist, specialist2, head, head2"
	@echo ""
	@echo "  Emails (applications, decisions, plan approvals) are printed here, in this terminal."
	@echo ""
	WAGTAILADMIN_BASE_URL=$(BASE_URL) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: install-dev ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: install-dev ## Django system checks and the missing-migration check
	DJANGO_SETTINGS_MODULE=cms.settings.test $(BIN)/python manage.py check
	DJANGO_SETTINGS_MODULE=cms.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

test-sqlite: install-dev browser-deps ## The pytest suite on SQLite
	$(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install-dev browser-deps ## The pytest suite on a throwaway PostgreSQL server
	scripts/with-postgres $(BIN)/pytest $(PYTEST_ARGS)

test: lint check test-sqlite test-postgres ## Everything CI runs: lint, checks, the suite on SQLite and PostgreSQL

bench: install-dev ## Throughput benchmarks (not part of `make test`); see bench/README.md
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q wrk; }
	$(BIN)/python bench/run.py

backup: install ## Database dump and media archive into backups/ (timestamped; SQLite or PostgreSQL)
	$(BIN)/python manage.py backup

# `make restore FILE=backups/mathshub-....json`; asks first unless CONFIRM=1.
restore: install ## Restore a backup: make restore FILE=backups/<name>.json [CONFIRM=1]
	@[ -n "$(FILE)" ] || { echo "Say which backup: make restore FILE=backups/<name>.json (ls backups/)"; exit 2; }
	$(BIN)/python manage.py restore "$(FILE)" $(if $(filter 1 yes true,$(CONFIRM)),--yes)

clean: ## Remove the virtualenv, node_modules and the local database
	rm -rf $(VENV) node_modules db.sqlite3
