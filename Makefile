# The two commands: `make demo` and `make test`. Everything else is a helper for them.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEMO_ENV := DEBUG=1 OPPFOLGING_DEMO=1 ALLOW_SYNTHETIC_IDS=1 DATABASE_URL=$${DATABASE_URL:-sqlite:///$(CURDIR)/var/demo.sqlite3}

.PHONY: demo test install install-test browser lint clean messages

$(BIN)/python:
	@py=$$(scripts/find-python) && $$py -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

demo: install
	mkdir -p var
	$(DEMO_ENV) $(BIN)/oppfolging migrate --no-input
	$(DEMO_ENV) $(BIN)/oppfolging demo
	@echo "Oppfølging runs on http://127.0.0.1:$(PORT)/ — sign in as any demo user listed there."
	$(DEMO_ENV) $(BIN)/oppfolging db_worker --interval 2 & worker=$$!; \
	  $(DEMO_ENV) $(BIN)/oppfolging scheduler --interval 300 >/dev/null & scheduler=$$!; \
	  trap "kill $$worker $$scheduler 2>/dev/null" EXIT INT TERM; \
	  $(DEMO_ENV) $(BIN)/oppfolging runserver 127.0.0.1:$(PORT)

# Debian's chromium drives the browser tests; install it when missing and we may.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then \
	    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing and cannot be installed here: browser tests will be skipped"; fi; \
	fi

lint: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	DATABASE_URL=sqlite:///:memory: $(BIN)/oppfolging makemigrations --check --dry-run

test: install-test browser lint
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# English is filled by hand in its .po. Nynorsk is filled from JSON files of translations
# (scripts/fill_catalogue.py): scripts/nn_additions.json, kept in the repository, and any given in
# NN_JSON (`make messages NN_JSON="a.json b.json"`). Entries already translated are kept; the
# script lists what is still missing.
NN_JSON ?=
messages: install
	$(BIN)/pip install --quiet polib
	cd src/oppfolging && ../../$(BIN)/oppfolging makemessages -l en -l nn --no-location
	-$(BIN)/python scripts/fill_catalogue.py scripts/nn_additions.json $(NN_JSON)
	cd src/oppfolging && ../../$(BIN)/oppfolging compilemessages

clean:
	rm -rf $(VENV) var
