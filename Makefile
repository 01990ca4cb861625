# Kenes: `make run` serves the demo, `make test` runs lint and the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck bench schema clean screenshots translations translations-update

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
	KENES_SECRET_KEY="$${KENES_SECRET_KEY:-$$(cat instance/secret_key)}" $(BIN)/kenes run --host $(HOST) --port $(PORT)

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
