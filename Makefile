# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install run test lint mutation clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' 2> $(VENV)/install.log || { cat $(VENV)/install.log; exit 1; }
	@# Our own metadata must install without a deprecation (setuptools dates its removals).
	@if grep -i "deprecat" $(VENV)/install.log; then echo "pip warns of a deprecation (above)"; exit 1; fi
	touch $@

# The local OpenID provider for `make run` and the tests (npm oidc-provider, from the lock file).
deploy/oidc/node_modules/.installed: deploy/oidc/package.json deploy/oidc/package-lock.json
	cd deploy/oidc && npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(BIN)/.installed deploy/oidc/node_modules/.installed

## Engine, mail sink, worker and API with a demo organisation on http://localhost:8000
run: install
	$(BIN)/samtale dev

## Install and run the whole test suite (SQLite, PostgreSQL at 127.0.0.1:5432, Temporal test servers)
test: install
	$(BIN)/python -m pytest -q

## Mutation score of the pure rules (rules, reminders, calendar; see [tool.mutmut]), last line
## mutation_score=0.NN, target >= 0.90. Run by hand like a benchmark: not part of `make test`.
mutation: install
	$(BIN)/python bench/mutation_score.py

## Quality gates CI runs before the tests: ruff (lint, format) and mypy over packages and tests
lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
	$(BIN)/mypy core workflows activities api store samtale org conversation web bench tests

clean:
	rm -rf $(VENV) var .pytest_cache mutants deploy/oidc/node_modules
