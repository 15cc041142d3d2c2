# Passerelle: `make run` serves the app, `make test` runs the suite; both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
# `make serve` listens on PORT when it is given (environment or command line), else on 8000.
SERVE_PORT := $(if $(filter environment command,$(firstword $(origin PORT))),$(PORT),8000)
# One gunicorn worker per core (at least 2): requests are CPU-bound, and on 2 cores 4 workers queued
# (make load at 100k: suggestions p95 337 ms with 4, 212 ms with 2).
WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ "$$n" -lt 2 ] && n=2; echo $$n)
# The bundled model loads from site-packages; nothing may be fetched from a model hub.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run serve load test setup bench lint translations catalogues browser replicate

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# Seed, embed and propose in one process; each step does nothing when nothing changed.
setup: $(BIN)/.installed catalogues
	$(FLASK) setup --demo

# The .po catalogues are in git; the compiled .mo files are not (gitignored), so setup compiles them
# (only when a catalogue changed).
CATALOGUES := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
catalogues: $(CATALOGUES:.po=.mo)

app/translations/%/LC_MESSAGES/messages.mo: app/translations/%/LC_MESSAGES/messages.po $(BIN)/.installed
	$(BIN)/pybabel compile -d app/translations -l $* --statistics

# After changing visible strings: extract them, merge into messages.po, then translate the new entries.
translations: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l --no-location --sort-output --project=Passerelle \
		-o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-wrap --no-fuzzy-matching

# The end-to-end test drives Debian's Chromium; install it when missing (as root), else say how.
browser:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the end-to-end test..."; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; \
	else \
		echo "The end-to-end test needs Chromium at /usr/bin/chromium."; \
		echo "Install it with: sudo apt-get install chromium chromium-driver"; \
		exit 1; \
	fi

# axe-core (npm, pinned in package-lock.json) for the accessibility check of the browser suite.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# Where mails go: the SMTP server of PASSERELLE_SMTP_URL, else .eml files in instance/mail/.
MAIL_TARGET = $(if $(PASSERELLE_SMTP_URL),the SMTP server of PASSERELLE_SMTP_URL,.eml files in $(CURDIR)/instance/mail/ (set PASSERELLE_SMTP_URL to send them))

# The mail worker runs beside the server (scripts/with_worker.py) and stops with it.
run: setup
	@echo "Passerelle on http://127.0.0.1:$(PORT)/ : log in with one of the demo accounts above."
	@echo "Mails (invitations, reset links, notifications) go to $(MAIL_TARGET)."
	PASSERELLE_BASE_URL=$${PASSERELLE_BASE_URL:-http://127.0.0.1:$(PORT)} \
		$(BIN)/python scripts/with_worker.py $(FLASK) run --host 127.0.0.1 --port $(PORT)

# Production server: gunicorn, WORKERS processes on the one SQLite file (WAL, busy timeout). No
# --preload: each worker imports the app after the fork, so no database connection crosses a fork.
serve: setup
	@echo "Passerelle (gunicorn, $(WORKERS) workers) on http://127.0.0.1:$(SERVE_PORT)/ : log in with a demo account above."
	@echo "Mails go to $(MAIL_TARGET)."
	PASSERELLE_BASE_URL=$${PASSERELLE_BASE_URL:-http://127.0.0.1:$(SERVE_PORT)} \
		$(BIN)/python scripts/with_worker.py \
		$(BIN)/gunicorn --bind 127.0.0.1:$(SERVE_PORT) --workers $(WORKERS) --access-logfile - wsgi:app

# Continuous replication of the database to a folder (or an S3-compatible store): deploy/litestream.yml.
# Run it beside `make serve`; restore with `litestream restore` (README, "Running in production").
replicate: $(BIN)/.installed
	PASSERELLE_DATABASE="$$(realpath -m "$${PASSERELLE_DATABASE:-data/passerelle.db}")" \
	PASSERELLE_REPLICA="$$(realpath -m "$${PASSERELLE_REPLICA:-data/replica}")" \
		$(BIN)/litestream replicate -config deploy/litestream.yml

# Load test, by hand (about 90 s): 20 users against `make serve`'s gunicorn on a copy of the database.
# LOAD_ARGS="--real-hash" uses the production password cost; see `scripts/load.py --help`.
load: setup
	$(BIN)/python scripts/load.py --workers $(WORKERS) $(LOAD_ARGS)

test: setup browser node_modules/.installed
	$(BIN)/python -m pytest

# Every figure of issue 14, then a table against the targets (README, `make bench`); the 10k and 100k
# databases are made from the set-up's embedded seed database unless BENCH_ARGS gives --db10k/--db100k.
# BENCH_ARGS=--quick stops at 10k organisations.
bench: setup
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check app models tests bench scripts
	$(BIN)/ruff format --check app models tests bench scripts
