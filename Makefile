# MPP Portal: `make run` starts the demo, `make test` runs the test suite.
# GNU make. Every recipe is one bash script (.ONESHELL) that first loads
# .env, if there is one, without overriding variables already set.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help

# Python 3.11 is required; the plain python3 is fine when it is 3.11+.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.installed-requirements
DEV_STAMP := $(VENV)/.installed-requirements-dev
# The test run: 2 xdist workers measured fastest on a 2-core machine.
PYTEST_WORKERS ?= 2
PORT := 8000

LOAD_ENV := source bin/load-env
# Only where it is asked for: `make run` is a developer's demo and must start
# without a SECRET_KEY. A DEBUG from the environment or .env wins.
DEMO_ENV := export DEBUG="$${DEBUG:-1}"
# WeasyPrint (every PDF, and the pages that import it) needs the Pango library.
PANGO_CHECK := $(PY) -c 'import ctypes.util, sys; ctypes.util.find_library("pango-1.0") or \
	sys.exit("Pango is missing; WeasyPrint needs it for the PDFs. On Debian/Ubuntu: \
	sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0")'
# Without DATABASE_URL the embedded PostgreSQL under var/pgdata is started.
EMBEDDED_UP := if [ -z "$${DATABASE_URL:-}" ]; then \
	echo "DATABASE_URL is not set: starting the embedded PostgreSQL (var/pgdata)"; \
	$(PY) -W ignore -m mpp_portal.embedded up >/dev/null; fi

.PHONY: help venv dev-venv run test lint format migrate seed bench clean stop messages backup restore

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(PY):
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.11 not found (looked for python3.11, python3)"; exit 1; fi
	"$(PYTHON)" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed, found " + sys.version.split()[0])'
	"$(PYTHON)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The stamps are newer than the requirements they installed: editing a
# requirements file makes the next run install again.
$(RUN_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(DEV_STAMP): requirements-dev.txt requirements.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(RUN_STAMP) ## create .venv and install requirements.txt (once)

dev-venv: $(DEV_STAMP) ## .venv plus the test and lint tools

run: venv ## migrate, load the demo, start web + worker + beat on http://localhost:8000
	@$(LOAD_ENV)
	$(DEMO_ENV)
	$(PANGO_CHECK)
	$(EMBEDDED_UP)
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --no-input -v 0
	# English needs the compiled catalogue; msgfmt (gettext) may be missing.
	if command -v msgfmt >/dev/null && compgen -G 'locale/*/LC_MESSAGES/*.po' >/dev/null; then
		$(PY) manage.py compilemessages -v 0 --ignore '.venv/*' --ignore 'var/*'
	fi
	echo
	echo "  MPP Portal is starting: open http://localhost:$(PORT)/"
	echo "  Try the queue (password demo12345 for every account above):"
	echo "   1. display board (public): http://localhost:$(PORT)/antrean/layar/perigo-agung/"
	echo "   2. sign in as kiosk at http://localhost:$(PORT)/akun/masuk/, take a ticket at"
	echo "      http://localhost:$(PORT)/antrean/kios/perigo-agung/ (office hours, WIB)"
	echo "   3. sign in as petugas.dukcapil, call it at http://localhost:$(PORT)/antrean/loket/"
	echo "  admin.mpp also opens the Django admin (/admin/); API docs: /api/v1/docs/"
	echo "  Stop with Ctrl+C; 'make stop' then stops the embedded PostgreSQL."
	echo
	# .env is already loaded above (without overriding the environment);
	# honcho would load it again and let it override, so it gets /dev/null.
	export PATH="$(CURDIR)/$(VENV)/bin:$$PATH"
	exec honcho --env /dev/null start -f Procfile

test: $(DEV_STAMP) ## lint, then the whole test suite (parallel)
	@$(LOAD_ENV)
	$(EMBEDDED_UP)
	$(VENV)/bin/ruff check .
	# make itself exits 2 on any failure; .ci/run reports pytest's own code.
	rm -f var/pytest-exit-code
	status=0
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS) || status=$$?
	mkdir -p var && echo "$$status" > var/pytest-exit-code
	exit "$$status"

lint: $(DEV_STAMP) ## ruff check + format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(DEV_STAMP) ## ruff: fix imports and format
	$(VENV)/bin/ruff check --fix --select I .
	$(VENV)/bin/ruff format .

migrate: venv ## apply migrations
	@$(LOAD_ENV)
	$(DEMO_ENV)
	$(EMBEDDED_UP)
	$(PY) manage.py migrate

seed: venv ## load (or refresh) the demo data only
	@$(LOAD_ENV)
	$(DEMO_ENV)
	$(EMBEDDED_UP)
	$(PY) manage.py seed_demo

bench: $(DEV_STAMP) ## run every bench/*.py, each prints its figures
	@$(LOAD_ENV)
	$(DEMO_ENV)
	$(EMBEDDED_UP)
	$(PY) manage.py migrate --no-input -v 0
	shopt -s nullglob
	scripts=(bench/*.py)
	if [ $${#scripts[@]} -eq 0 ]; then echo "no benchmarks in bench/"; exit 0; fi
	for script in "$${scripts[@]}"; do
		echo "== $$script"
		$(PY) "$$script"
	done

messages: venv ## update locale/*.po from the code and compile them
	@$(LOAD_ENV)
	$(DEMO_ENV)
	$(PY) manage.py makemessages --all --ignore '.venv/*' --ignore 'var/*' --ignore 'staticfiles/*'
	$(PY) manage.py makemessages --all -d djangojs --ignore '.venv/*' --ignore 'static/vendor/*' \
		--ignore 'staticfiles/*' --ignore 'var/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

# The database (pg_dump) and MEDIA_ROOT in one archive; see mpp_portal/backup.py.
backup: venv ## back up database + media to var/backups/ (OUTPUT=file.tar to choose)
	@$(LOAD_ENV)
	$(DEMO_ENV)
	$(EMBEDDED_UP)
	$(PY) -m mpp_portal.backup create $(if $(OUTPUT),--output "$(OUTPUT)")

restore: venv ## restore FILE=backup.tar (FORCE=1 replaces a database with data)
	@$(LOAD_ENV)
	$(DEMO_ENV)
	if [ -z "$(FILE)" ]; then echo "usage: make restore FILE=var/backups/mpp-....tar [FORCE=1]"; exit 2; fi
	$(EMBEDDED_UP)
	$(PY) -m mpp_portal.backup restore "$(FILE)"$(if $(filter 1 yes true,$(FORCE)), --force)

stop: ## stop the embedded PostgreSQL
	@if [ -x $(PY) ]; then $(PY) -W ignore -m mpp_portal.embedded down; fi

clean: stop ## remove .venv, var/ (embedded database, broker), collected static files
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
