# ChiHuy — every target bootstraps .venv itself.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run demo worker notify-worker test test-sqlite test-postgres test-browser lint bench messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## make run: the demo on SQLite with real Lai Châu units and demo accounts, on http://$(HOST):$(PORT)/
run: $(STAMP)
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "ChiHuy: http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	$(BIN)/gunicorn config.wsgi:application --bind $(HOST):$(PORT) --workers 2 --threads 4 --access-logfile -

## make worker: runs background tasks (imports, exports, sweeps) from the database queue, and the outbox
## worker that delivers alerts (email, SMS, Zalo, webhook); `make notify-worker` runs the outbox worker alone
worker: $(STAMP)
	$(BIN)/python manage.py notify_worker & trap 'kill $$!' EXIT INT TERM; $(BIN)/python manage.py db_worker

notify-worker: $(STAMP)
	$(BIN)/python manage.py notify_worker

## make test: lint, then the suite on SQLite, then on PostgreSQL when DATABASE_URL or CHIHUY_TEST_DATABASE_URL is set
test: lint test-sqlite test-postgres bench-tiny

test-sqlite: $(STAMP)
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider

test-postgres: $(STAMP)
	@if [ -n "$$CHIHUY_TEST_DATABASE_URL" ]; then \
	  DATABASE_URL="$$CHIHUY_TEST_DATABASE_URL" $(BIN)/python -m pytest -n 2 -p no:cacheprovider; \
	elif [ "$$CHIHUY_REQUIRE_POSTGRES" = "1" ]; then \
	  echo "CHIHUY_REQUIRE_POSTGRES=1 but CHIHUY_TEST_DATABASE_URL is not set" >&2; exit 1; \
	else echo "PostgreSQL: skipped (set CHIHUY_TEST_DATABASE_URL=postgres://… to run the suite on it)"; fi

lint: $(STAMP)
	$(BIN)/ruff check chihuy config tests bench
	$(BIN)/ruff format --check chihuy config tests bench
	$(BIN)/mypy chihuy config
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	CHIHUY_SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-value-for-the-deploy-check-only \
	  DJANGO_SETTINGS_MODULE=config.settings.production $(BIN)/python manage.py check --deploy --fail-level WARNING

## make bench: the benchmarks at full size (CHIHUY_BENCH_SIZE=tiny|small|full)
bench: $(STAMP)
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

bench-tiny: $(STAMP)
	for b in bench/*.py; do CHIHUY_BENCH_SIZE=tiny $(BIN)/python $$b > /dev/null || exit 1; done

messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l en --ignore ".venv/*" --ignore "var/*" --ignore "tests/*" --ignore "bench/*"
	$(BIN)/python manage.py compilemessages --ignore ".venv/*"

clean:
	rm -rf var/static .pytest_cache .mypy_cache .ruff_cache
