# Kenes: `make run` serves the demo, `make test` runs lint and the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
STAMP := $(VENV)/.installed

.PHONY: run serve test lint typecheck bench schema clean screenshots translations translations-update

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

instance/secret_key:
	mkdir -p instance
	$(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(48))' > $@
	chmod 600 $@

run: $(STAMP) translations instance/secret_key
	KENES_SECRET_KEY="$${KENES_SECRET_KEY:-$$(cat instance/secret_key)}" $(BIN)/kenes db upgrade
	KENES_SECRET_KEY="$${KENES_SECRET_KEY:-$$(cat instance/secret_key)}" $(BIN)/kenes seed-demo --if-empty
	KENES_SECRET_KEY="$${KENES_SECRET_KEY:-$$(cat instance/secret_key)}" \
	  KENES_SESSION_COOKIE_SECURE="$${KENES_SESSION_COOKIE_SECURE:-false}" \
	  KENES_REMEMBER_COOKIE_SECURE="$${KENES_REMEMBER_COOKIE_SECURE:-false}" \
	  $(BIN)/kenes run --host $(HOST) --port $(PORT)

# The production shape on one machine (docs/deploy.md): gunicorn, a Celery worker and beat,
# started together by honcho (Procfile), on KENES_DATABASE_URL (PostgreSQL) and KENES_REDIS_URL.
SERVE_PORT ?= 8000
serve: $(STAMP) translations instance/secret_key
	@case "$$KENES_DATABASE_URL" in postgres*) ;; *) echo "serve: set KENES_DATABASE_URL to a PostgreSQL URL (make run serves SQLite)" >&2; exit 2;; esac
	@case "$$KENES_REDIS_URL" in redis*) ;; *) echo "serve: set KENES_REDIS_URL (e.g. redis://127.0.0.1:6379/0)" >&2; exit 2;; esac
	KENES_SECRET_KEY="$${KENES_SECRET_KEY:-$$(cat instance/secret_key)}" $(BIN)/kenes db upgrade
	rm -rf instance/metrics && mkdir -p instance/metrics
	KENES_SECRET_KEY="$${KENES_SECRET_KEY:-$$(cat instance/secret_key)}" \
	  KENES_METRICS_ALLOW="$${KENES_METRICS_ALLOW:-127.0.0.1}" \
	  PROMETHEUS_MULTIPROC_DIR="$(CURDIR)/instance/metrics" HOST=$(HOST) \
	  $(BIN)/honcho start --port $(SERVE_PORT)

# The compiled catalogs (.mo) are build output; the .po files are the source.
translations: $(STAMP)
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

test: $(STAMP) translations lint
	bash scripts/system-deps.sh
	$(BIN)/python -m pytest -q -n 2 $(PYTEST_ARGS)

bench: $(STAMP)
	bash bench/run.sh

# Regenerate the initial migration from the models (only while nothing has been released).
schema: $(STAMP)
	rm -f migrations/versions/*.py /tmp/kenes-schema.sqlite3
	KENES_SECRET_KEY=schema KENES_DATABASE_URL=sqlite:////tmp/kenes-schema.sqlite3 \
	  $(BIN)/kenes db migrate -m "initial schema" --rev-id 0001
	$(BIN)/ruff format migrations/versions

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
