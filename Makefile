# The two commands of the README: `make run` (embedded defaults) and `make test` (whole suite).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
PG_URL ?= postgres://postgres@127.0.0.1:5432/onevonebro
REDIS ?= redis://127.0.0.1:6379/0
PYTEST_WORKERS ?= 2

.PHONY: install run test lint check-services up bench clean mutation

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

## Serve on 127.0.0.1:8000 with the embedded defaults (SQLite, in-process jobs and events).
run: install
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py seed_demo
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

## The whole test suite plus lint, the app import contracts (.importlinter) and the migrations
## check, against PostgreSQL and Redis.
test: install check-services
	bash scripts/browser.sh
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-ci} $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check . || true

check-services:
	@bash scripts/services.sh check

## The production topology with honcho: a local Pub/Sub (pubsub), web, worker, beat and consumer,
## EVENT_BACKEND=pubsub, against the local PostgreSQL and Redis. Every port can be overridden:
## make up WEB_PORT=8001 PUBSUB_PORT=8086 WORKER_METRICS_PORT=9111 CONSUMER_METRICS_PORT=9112
WEB_PORT ?= 8000
PUBSUB_PORT ?= 8085
WORKER_METRICS_PORT ?= 9101
CONSUMER_METRICS_PORT ?= 9102
UP_GAME_SERVICE_TOKEN ?= local-game-service-token
up: install check-services
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} REDIS_URL=$${REDIS_URL:-$(REDIS)} \
	PATH=$(CURDIR)/$(BIN):$$PATH CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(REDIS)} SECURE_SSL_REDIRECT=$${SECURE_SSL_REDIRECT:-false} \
	EVENT_BACKEND=pubsub PUBSUB_EMULATOR_HOST=127.0.0.1:$(PUBSUB_PORT) BIND=127.0.0.1:$(WEB_PORT) \
	PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://127.0.0.1:$(WEB_PORT)} \
	WORKER_METRICS_PORT=$(WORKER_METRICS_PORT) CONSUMER_METRICS_PORT=$(CONSUMER_METRICS_PORT) \
	GAME_SERVICE_TOKEN=$${GAME_SERVICE_TOKEN:-$(UP_GAME_SERVICE_TOKEN)} CONSUMER_LOG_INTERVAL=$${CONSUMER_LOG_INTERVAL:-5} \
	sh -c '$(PY) scripts/ensure_database.py && $(PY) manage.py migrate --noinput && $(PY) manage.py collectstatic --noinput -v0 && $(BIN)/honcho start'

clean:
	rm -rf $(VENV) .local db.sqlite3 media staticfiles

## Ranking benchmark (README, Benchmarks): seeds BENCH_SIZES rated players into the separate
## database bench_1v1bro and the Redis namespace "bench", measures, then drops both.
BENCH_SIZES ?= 100000 1000000
BENCH_MATCHES ?= 1000000
.PHONY: bench-ranking
bench-ranking: install check-services
	$(PY) bench/ranking/run.py --sizes $(BENCH_SIZES) --matches $(BENCH_MATCHES)

## Events benchmark (README, Events and matches): consumer throughput with one and two consumer
## processes beside pgbench, relay throughput, POST-to-rating latency; database bench_events_1v1bro.
BENCH_EVENTS_MATCHES ?= 3000
.PHONY: bench-events
bench-events: install check-services
	$(PY) bench/events/run.py --matches $(BENCH_EVENTS_MATCHES)

## HTTP benchmark of the read paths (README, Benchmarks): gunicorn as the Procfile starts it,
## wrk against auth/me, the boards, ratings and the shop beside /healthz and a trivial view.
BENCH_HTTP_SIZES ?= 100000
BENCH_HTTP_SECONDS ?= 10
.PHONY: bench-http
bench-http: install check-services
	$(PY) bench/http/run.py --sizes $(BENCH_HTTP_SIZES) --duration $(BENCH_HTTP_SECONDS)

## Mutation testing (README, Mutation testing): cosmic-ray and the hand-written mutants of
## mutation/handmade.toml over the core modules, each against its own tests; prints every
## survivor and the score per module. Slow (not part of `make test`). MUTATION_ONLY=elo,xp.
MUTATION_ONLY ?=
mutation: install check-services
	$(PY) mutation/run.py $(if $(MUTATION_ONLY),--only $(MUTATION_ONLY))
