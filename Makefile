# The two commands a new user needs: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test install lint check browsers fuzz load stop clean-db bench

# Installing runs at the real date even under libfaketime (`faketime DATE make test`, docs/testing.md): a package
# index's TLS certificate is checked against the clock.
REAL_CLOCK := env -u LD_PRELOAD -u FAKETIME

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is required"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(REAL_CLOCK) $(PY) -m pip install --quiet --upgrade pip
	$(REAL_CLOCK) $(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

## Start the platform: embedded PostgreSQL + Redis (unless DATABASE_URL / REDIS_URL are set), migrations,
## demo data, web server on http://HOST:PORT (default 127.0.0.1:8000), Celery worker and beat; the demo logins
## are printed once the server answers. Logs go to var/log/ (`make run VERBOSE=1`: to the terminal). Ctrl-C stops
## everything.
run: install
	$(PY) -m liuzhou_regulation.run

## The whole suite against real PostgreSQL, Redis and Celery workers, plus lint and migration checks. Two test
## processes (pytest-xdist), each with its own test database (a copy of one migrated template) and Celery queue,
## handed tests at most 20 at a time (the longest first, tests/conftest.py); `PYTEST_ARGS=...` replaces that.
PYTEST_ARGS ?= -n 2 --maxschedchunk 20
test: install lint
	DJANGO_ENV=test $(PY) -m pytest -q $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	DJANGO_ENV=test $(PY) manage.py makemigrations --check --dry-run
	$(PY) scripts/rules_index.py --check
	$(VENV)/bin/lint-imports

## Stop the embedded servers if something left them running.
stop: install
	$(PY) -c 'from liuzhou_regulation import runtime; runtime.stop_embedded()'

.PHONY: faults

## Fault drills: kill the Celery worker and stop Redis in the middle of exchange pushes and clock scans (on a
## throwaway redis-server and this target's own test database), then check every batch, lead and deadline.
faults: install
	DJANGO_ENV=test LZ_TEST_DB=$${LZ_TEST_DB:-test_faults} LZ_CELERY_QUEUE=$${LZ_CELERY_QUEUE:-q_faults} \
		$(PY) -m pytest faults -q -s $(PYTEST_ARGS)

## API fuzzing, thorough: schemathesis as every role against gunicorn on a free localhost port and a throwaway
## database (started and stopped here). `make test` runs a bounded version (tests/fuzz).
fuzz: install
	$(PY) -m loadtest.harness fuzz $(FUZZ_ARGS)

## Load: 200 concurrent users' daily work (locust, 60 s) against gunicorn + PostgreSQL with generated data on a
## throwaway database; prints p50/p95 per group of requests and the error count (docs/performance.md).
load: install
	$(PY) -m loadtest.harness load $(LOAD_ARGS)
