# Kenes: `make run` serves the demo, `make test` runs lint and the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# Two stamps: `make run`/`serve` need the runtime dependencies only (RUN_STAMP); `make test` and
# `make lint` add the dev extras (STAMP). Both install the exact versions of the lock files.
RUN_STAMP := $(VENV)/.installed-run
STAMP := $(VENV)/.installed
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock

.PHONY: run serve test lint typecheck bench schema clean screenshots translations translations-update lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e .
	touch $@

$(STAMP): pyproject.toml $(LOCK) $(DEV_LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(LOCK) -c $(DEV_LOCK) -e '.[dev]'
	touch $@ $(RUN_STAMP)

# Re-pin the lock files from the packages installed in .venv (after `pip install -U ...` and a
# green `make test`): requirements.lock for the runtime, requirements-dev.lock for the dev extras.
lock: $(STAMP)
	$(BIN)/python scripts/lock.py

# Two secrets, each kept across runs: the session secret, and the key of the anonymised ids in
# analyses and exports (its own, so that rotating the session secret leaves the ids unchanged).
instance/secret_key instance/analysis_id_key:
	mkdir -p instance
	$(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(48))' > $@
	chmod 600 $@

KEYS := KENES_SECRET_KEY="$${KENES_SECRET_KEY:-$$(cat instance/secret_key)}" \
	KENES_ANALYSIS_ID_KEY="$${KENES_ANALYSIS_ID_KEY:-$$(cat instance/analysis_id_key)}"

run: $(RUN_STAMP) translations instance/secret_key instance/analysis_id_key
	$(KEYS) $(BIN)/kenes db upgrade
	$(KEYS) $(BIN)/kenes seed-demo --if-empty
	$(KEYS) KENES_SESSION_COOKIE_SECURE="$${KENES_SESSION_COOKIE_SECURE:-false}" \
	  KENES_REMEMBER_COOKIE_SECURE="$${KENES_REMEMBER_COOKIE_SECURE:-false}" \
	  $(BIN)/kenes run --host $(HOST) --port $(PORT)

# The production shape on one machine (docs/deploy.md): gunicorn, a Celery worker and beat,
# started together by honcho (Procfile), on KENES_DATABASE_URL (PostgreSQL) and KENES_REDIS_URL.
SERVE_PORT ?= 8000
serve: $(RUN_STAMP) translations instance/secret_key instance/analysis_id_key
	@case "$$KENES_DATABASE_URL" in postgres*) ;; *) echo "serve: set KENES_DATABASE_URL to a PostgreSQL URL (make run serves SQLite)" >&2; exit 2;; esac
	@case "$$KENES_REDIS_URL" in redis*) ;; *) echo "serve: set KENES_REDIS_URL (e.g. redis://127.0.0.1:6379/0)" >&2; exit 2;; esac
	$(KEYS) $(BIN)/kenes db upgrade
	rm -rf instance/metrics && mkdir -p instance/metrics
	$(KEYS) \
	  KENES_METRICS_ALLOW="$${KENES_METRICS_ALLOW:-127.0.0.1}" \
	  PROMETHEUS_MULTIPROC_DIR="$(CURDIR)/instance/metrics" HOST=$(HOST) \
	  $(BIN)/honcho start --port $(SERVE_PORT)

# The compiled catalogs (.mo) are build output; the .po files are the source.
translations: $(RUN_STAMP)
	$(BIN)/pybabel -q compile -d consult/translations

# For developers: re-extract the English strings and merge them into the ru/kk catalogs.
translations-update: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --project=Kenes \
	  --copyright-holder=Kenes -o consult/translations/messages.pot .
	$(BIN)/pybabel -q update -i consult/translations/messages.pot -d consult/translations

lint: $(STAMP)
	$(BIN)/ruff check consult debate tests bench
	$(BIN)/ruff format --check consult debate tests bench
	$(BIN)/mypy debate consult
	$(BIN)/lint-imports --no-logo --no-cache

# System packages (Chromium, Pango, HarfBuzz subset, DejaVu fonts) are installed by .ci/run
# (scripts/system-deps.sh) or by hand (README.md): `make test` never runs a package manager.
test: $(STAMP) translations lint
	$(BIN)/python -m pytest -q -n 2 $(PYTEST_ARGS)

bench: $(STAMP)
	bash bench/run.sh

# Regenerate the initial migration from the models (only while nothing has been released).
schema: $(STAMP)
	rm -f migrations/versions/*.py /tmp/kenes-schema.sqlite3
	KENES_SECRET_KEY=schema KENES_ANALYSIS_ID_KEY=schema KENES_DATABASE_URL=sqlite:////tmp/kenes-schema.sqlite3 \
	  $(BIN)/kenes db migrate -m "initial schema" --rev-id 0001
	$(BIN)/ruff format migrations/versions

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
