# Every set-up step lives here, so a fresh clone needs only `make guide` or `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Two install steps in one venv: the package alone for `make guide`, and the package with its
# test tools (the 'test' extra, linters included) for `make test` and `make lint`.
GUIDE_STAMP := $(VENV)/.installed-guide
STAMP := $(VENV)/.installed

.PHONY: guide test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(GUIDE_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

## Write TEAM_GUIDE.md from the built-in rulebook (GPT-5.5 against GPT-5.4, all roles).
guide: $(GUIDE_STAMP)
	$(BIN)/advisor guide --defaults --force -o TEAM_GUIDE.md

## Run the test suite (this is what CI runs).
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

## Lint the package and its tests (CI runs this after the tests); the linters are pinned
## in the 'test' extra.
lint: $(STAMP)
	$(BIN)/ruff check advisor tests benchmarks hatch_build.py
	$(BIN)/ruff format --check advisor tests benchmarks hatch_build.py
	$(BIN)/mypy advisor tests
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info
