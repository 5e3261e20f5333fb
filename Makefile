# Rapport: `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
HOST   ?= 127.0.0.1
PORT   ?= 8000
LOCAL_REDIS ?= redis://127.0.0.1:6379/0
# The suite runs on this many processes (pytest-xdist); CI has 2 cores.
TEST_WORKERS ?= 2

.PHONY: run serve test checks test-postgres format bench mutmut worker beat migrate seed clean \
        messages compilemessages \
        system-deps-run system-deps-test system-deps-postgres system-deps-i18n

## run: set up everything, load demo data and serve on http://127.0.0.1:8000 (SQLite, eager Celery)
run: $(VENV)/.installed
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py migrate --noinput
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py seed_demo
	@echo "Serving Rapport on http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	env -u DATABASE_URL -u REDIS_URL DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

## serve: serve with the configuration from your environment (DATABASE_URL, REDIS_URL, ...)
serve: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py runserver $(HOST):$(PORT)

## test: everything the tests need, the checks (migrations, lint, format, templates, the layers of
## the import contract), then the whole suite (SQLite)
test: $(VENV)/.installed-dev system-deps-test checks
	env -u DATABASE_URL -u REDIS_URL $(VENV)/bin/pytest -n $(TEST_WORKERS) --dist worksteal

## checks: migrations up to date, ruff (lint and format), djLint, and the import contract
checks: $(VENV)/.installed-dev
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint --lint templates
	$(VENV)/bin/lint-imports

## test-postgres: the whole suite on a throw-away PostgreSQL cluster
test-postgres: $(VENV)/.installed-dev system-deps-test system-deps-postgres
	env -u REDIS_URL scripts/with-postgres.sh $(VENV)/bin/pytest -n $(TEST_WORKERS) --dist worksteal -m "not browser"

## bench: the benchmarks in bench/ on a throw-away PostgreSQL (BENCH_SCALE=0.1 for a quick run)
bench: $(VENV)/.installed-dev system-deps-test system-deps-postgres
	env -u REDIS_URL scripts/with-postgres.sh $(PY) -m bench.run

## mutmut: mutation testing of the hashing and verification code against the tests that pin it
## (README "Mutation testing"); the functions of chain.py and verified.py that hash and verify
MUTMUT_TARGETS := 'accesslog.merkle.*' 'accesslog.note.*' 'verifier.rapport_verify.*' \
	'accesslog.chain.x_canonical_values*' 'accesslog.chain.x_canonical_bytes*' \
	'accesslog.chain.x_compute_hash*' 'accesslog.chain.x_verify_chain*' 'accesslog.verified.x__walk*' \
	'accesslog.chain.x__utc_text*' 'accesslog.chain.x_row_hash*' 'accesslog.chain.x_event_rows*' \
	'accesslog.chain.x__batch_rows*' 'accesslog.chain.x__check_links*'
mutmut: $(VENV)/.installed-dev
	rm -rf mutants
	env -u DATABASE_URL -u REDIS_URL RAPPORT_HYPOTHESIS_EXAMPLES=20 \
		$(VENV)/bin/mutmut run --max-children $(TEST_WORKERS) $(MUTMUT_TARGETS)
	$(VENV)/bin/mutmut results

## messages: collect every marked string into locale/es/LC_MESSAGES/django.po (then translate the
## new entries and run `make compilemessages`; tests/clinic/test_i18n.py fails on any left out)
messages: $(VENV)/.installed system-deps-i18n
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py makemessages -l es --no-obsolete \
		--ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles

## compilemessages: compile the .po files into the .mo files Django reads (committed)
compilemessages: $(VENV)/.installed system-deps-i18n
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py compilemessages --ignore=.venv

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## worker / beat: Celery against a local Redis (REDIS_URL, default redis://127.0.0.1:6379/0)
worker: $(VENV)/.installed
	REDIS_URL=$${REDIS_URL:-$(LOCAL_REDIS)} $(VENV)/bin/celery -A clinic worker --loglevel=INFO \
		--concurrency=2 --without-gossip --without-mingle --without-heartbeat

beat: $(VENV)/.installed
	REDIS_URL=$${REDIS_URL:-$(LOCAL_REDIS)} $(VENV)/bin/celery -A clinic beat --loglevel=INFO \
		--schedule=$(VENV)/celerybeat-schedule

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput

seed: $(VENV)/.installed
	$(PY) manage.py seed_demo

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles .pytest_cache

# --- setup -----------------------------------------------------------------------------------

$(VENV)/.installed: requirements.txt | system-deps-run
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

system-deps-run:
	@scripts/ensure-system-packages.sh python3-venv=python3-venv

system-deps-test:
	@scripts/ensure-system-packages.sh redis-server=redis-server /usr/bin/chromium=chromium \
		msgfmt=gettext

system-deps-i18n:
	@scripts/ensure-system-packages.sh msgfmt=gettext xgettext=gettext

system-deps-postgres:
	@scripts/ensure-system-packages.sh initdb=postgresql runuser=util-linux
