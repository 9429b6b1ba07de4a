# Hourdesk: `make run` serves the app with demo data; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := HOURDESK_ENV=$${HOURDESK_ENV:-development} $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint venv translations messages db clean bench serve-prod

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV) || { echo "venv failed: on Debian run 'apt-get install python3.11-venv'"; exit 1; }
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt voice/requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed translations

# After adding or changing a translatable text: bring it into the Russian catalogue (the one source
# of translations), translate what `make test` reports as untranslated, commit the .po.
messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o $(VENV)/messages.pot .
	$(BIN)/pybabel -q update -i $(VENV)/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete -w 100

# Compiled catalogues are build output (not committed); rebuilt when a .po changes.
translations: $(VENV)/.installed
	@$(BIN)/pybabel compile -q -f -d app/translations 2>/dev/null || $(BIN)/pybabel compile -f -d app/translations

db: venv
	$(FLASK) db upgrade
	@if [ "$$($(FLASK) demo is-empty)" = "empty" ]; then $(FLASK) demo load | head -n 1; fi

# The web server (with live events) and, beside it, the one scheduler process; Ctrl-C stops both.
run: db
	@$(FLASK) demo logins
	@echo "Hourdesk: http://$(HOST):$(PORT)/"
	@$(FLASK) scheduler run & scheduler=$$!; trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) serve --host $(HOST) --port $(PORT)

# The production set-up on this machine: gunicorn (HOURDESK_WEB_PROCESSES, default 2) on PostgreSQL
# and Redis, and the scheduler (deploy/serve-local says what it starts and what it takes from you).
serve-prod: venv
	deploy/serve-local

# The linter (pyproject.toml), then the whole suite on SQLite; again on PostgreSQL when
# HOURDESK_TEST_POSTGRES_URL is set (CI sets it).
test: venv
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q
	@if [ -n "$$HOURDESK_TEST_POSTGRES_URL" ]; then \
	  echo "--- the same suite on PostgreSQL ---"; \
	  HOURDESK_TEST_DATABASE_URL="$$HOURDESK_TEST_POSTGRES_URL" $(BIN)/python -m pytest -q -m "not browser"; \
	fi

lint: venv
	$(BIN)/ruff check .

bench: venv
	$(BIN)/python bench/ticket_list.py

clean:
	rm -rf $(VENV) .pytest_cache
