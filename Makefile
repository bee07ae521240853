# Baton: the two commands of the README's quick start, and the ones that help develop.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
# The web client is built again whenever one of its sources changes (built files are not kept).
WEB_SOURCES := $(shell find web/src web/index.html web/package.json web/package-lock.json web/vite.config.ts web/tsconfig.json -type f | sort)
WEB_STAMP := web/dist/.built-$(shell cat $(WEB_SOURCES) | sha1sum | cut -c1-12)

.PHONY: serve test web lint typecheck pytest docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

$(WEB_STAMP): $(WEB_SOURCES)
	@# `npm install` from the lock file (it leaves it as it is): `npm ci` refuses a lock file
	@# whose other platforms' optional packages the registry in use does not list.
	cd web && npm install --no-audit --no-fund --loglevel=error && npm run build
	touch $(WEB_STAMP)

web: $(WEB_STAMP)

serve: $(STAMP) $(WEB_STAMP)
	@# As root, servers run as the system account `baton` (created once), never as root.
	$(BIN)/baton init --if-needed $$([ "$$(id -u)" = 0 ] && echo --server-account baton)
	$(BIN)/baton serve

test: $(STAMP) $(WEB_STAMP)
	cd web && npx vitest run
	$(BIN)/ruff check src tests bench docs
	$(BIN)/ruff format --check src tests bench docs
	$(BIN)/mypy
	@# The browser tests drive Debian's chromium (playwright's own browser download is not used).
	@if [ "$$(id -u)" = 0 ] && ! command -v chromium >/dev/null; then apt-get install -y --no-install-recommends chromium >/dev/null || (apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null); fi
	$(BIN)/python -m pytest

docs: $(STAMP)
	$(BIN)/python docs/erd.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache web/node_modules web/dist
