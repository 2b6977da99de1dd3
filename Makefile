# Two commands do everything on a fresh clone: `make demo` and `make test` (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo test lint messages chromium mailserver pgclient bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP) messages

# Translations are compiled from the committed .po files (GNU gettext's msgfmt).
messages: $(STAMP)
	@command -v msgfmt >/dev/null || scripts/apt-install.sh gettext
	cd dangol && ../$(BIN)/dangol compilemessages -v0

chromium:
	@command -v chromium >/dev/null || scripts/apt-install.sh chromium

# `dangol backup`/`restore` on PostgreSQL run pg_dump and pg_restore (docs/operations.md).
pgclient:
	@command -v pg_dump >/dev/null || scripts/apt-install.sh postgresql-client

# The service desk's IMAP tests start their own dovecot on loopback.
mailserver:
	@test -x /usr/sbin/dovecot || scripts/apt-install.sh dovecot-imapd

demo: setup
	$(BIN)/dangol migrate -v1
	$(BIN)/dangol demo --reset

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup chromium mailserver pgclient lint
	$(BIN)/dangol makemigrations --check --dry-run -v1
	scripts/test.sh

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) var
