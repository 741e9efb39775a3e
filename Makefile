# Tiệm — two commands: `make run` and `make test`. Everything else is a helper of those.
PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

# Local development runs with DEBUG on unless told otherwise (it allows the dev SECRET_KEY).
export DEBUG ?= true
export PATH := $(BIN):$(PATH)

.PHONY: run test install lint migrations-check pytest lock schema messages bench clean

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --base-url http://$(HOST):$(PORT)
	@echo "Starting web ($(HOST):$(PORT)), Celery worker and Celery beat. Ctrl-C stops all three."
	HOST=$(HOST) PORT=$(PORT) $(BIN)/honcho --no-prefix start -f Procfile

test: $(STAMP) lint migrations-check pytest

lint: $(STAMP)
	$(BIN)/ruff check .

migrations-check: $(STAMP)
	$(BIN)/python manage.py makemigrations --check --dry-run

pytest: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

install: $(STAMP)

# (Re)install when the dependency files change. constraints.txt pins every transitive package.
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Tiệm needs Python 3.11 or newer; set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

# Re-pin constraints.txt after changing pyproject.toml.
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^tiem' > constraints.txt

# Regenerate the committed OpenAPI schema (a test fails when it is stale).
schema: $(STAMP)
	$(BIN)/python manage.py spectacular --lang en --validate --fail-on-warn --file docs/openapi.yaml

messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l vi -l en --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages --ignore=.venv

bench: $(STAMP)
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
