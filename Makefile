# Cầu Nối — the two commands: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PG_URL ?= postgres://postgres@127.0.0.1:5432/caunoi
PYTEST := $(PY) -m pytest

.PHONY: help demo test lint audit bench install install-test chromium postgres test-sqlite test-postgres test-e2e messages clean

help:
	@echo "make demo   — install, migrate, load units and demo data, run web + worker (Ctrl-C stops)"
	@echo "make test   — install test tools (Chromium too), lint, type-check, test on SQLite, PostgreSQL and in the browser"
	@echo "make lint   — pip-audit, ruff, ruff format --check, mypy"
	@echo "make bench  — run the benchmarks in bench/ and print their figures"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet -e ".[test]"
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test chromium audio-tools gettext

demo: install audio-tools
	$(VENV)/bin/caunoi demo

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "Installing Debian's chromium for the browser tests…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

# Loudspeaker bulletins are spoken by espeak-ng and made Ogg/Vorbis by sox (its Debian package pulls
# libsox-fmt-base, which holds the Ogg/Vorbis format).
.PHONY: audio-tools
audio-tools:
	@if ! command -v espeak-ng >/dev/null || ! command -v sox >/dev/null; then \
		echo "Installing espeak-ng and sox for the loudspeaker bulletins…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng sox >/dev/null; \
	fi

# The translation check runs makemessages, which needs xgettext.
.PHONY: gettext
gettext:
	@if ! command -v xgettext >/dev/null; then \
		echo "Installing gettext for the translation check…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; \
	fi

# PostgreSQL: mandatory when CI is set; elsewhere the PostgreSQL run is skipped if no server answers.
postgres:
	@if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
		for v in $$(ls /etc/postgresql 2>/dev/null); do pg_ctlcluster --skip-systemctl-redirect $$v main start 2>/dev/null || true; done; \
		sleep 2; \
	fi

lint: install-test audit
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	SECRET_KEY=lint-only-not-a-secret $(VENV)/bin/mypy caunoi tests bench

# Known vulnerabilities in every installed dependency: pip-audit asks PyPI's JSON API per release.
# A machine that reaches only a package mirror cannot ask; it says so instead of passing silently.
AUDIT_PROBE := import django, urllib.request; urllib.request.urlopen(f"https://pypi.org/pypi/django/{django.__version__}/json", timeout=10)
audit: install-test
	@if $(PY) -c '$(AUDIT_PROBE)' 2>/dev/null; then \
		$(VENV)/bin/pip-audit --strict --progress-spinner off --skip-editable; \
	else \
		echo "SKIPPED: pip-audit — PyPI's per-release vulnerability data (pypi.org/pypi/<name>/<version>/json) does not answer here."; \
	fi

test-sqlite: install-test
	$(PYTEST) -m "not e2e"

test-postgres: install-test postgres
	@if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
		DATABASE_URL=$(PG_URL) $(PYTEST) -m "not e2e"; \
	elif [ -n "$$CI" ]; then \
		echo "PostgreSQL does not answer on 127.0.0.1:5432, and CI requires the PostgreSQL run." >&2; exit 1; \
	else \
		echo "SKIPPED: PostgreSQL run — no server answers on 127.0.0.1:5432 (set CI=1 to make it mandatory)."; \
	fi

test-e2e: install-test
	$(PYTEST) -m e2e

test: lint test-sqlite test-postgres test-e2e

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-test
	$(PIP) install --quiet -e ".[test,bench]"
	@touch $@

bench: install-test $(VENV)/.installed-bench
	@for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

messages: install
	cd caunoi && ../$(VENV)/bin/django-admin makemessages -l vi -l en --no-obsolete --ignore "static/vendor/*" && ../$(VENV)/bin/django-admin compilemessages

clean:
	rm -rf $(VENV) var build *.egg-info
