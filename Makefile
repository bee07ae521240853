# Baton: the two commands of the README's quick start, and the ones that help develop.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: serve test lint typecheck pytest docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

serve: $(STAMP)
	@# As root, servers run as the system account `baton` (created once), never as root.
	$(BIN)/baton init --if-needed $$([ "$$(id -u)" = 0 ] && echo --server-account baton)
	$(BIN)/baton serve

test: $(STAMP)
	$(BIN)/ruff check src tests bench docs
	$(BIN)/ruff format --check src tests bench docs
	$(BIN)/mypy
	@# The browser tests drive Debian's chromium (playwright's own browser download is not used).
	@if [ "$$(id -u)" = 0 ] && ! command -v chromium >/dev/null; then apt-get install -y --no-install-recommends chromium >/dev/null || (apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null); fi
	$(BIN)/python -m pytest

docs: $(STAMP)
	$(BIN)/python docs/erd.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
