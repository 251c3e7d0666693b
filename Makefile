# Every set-up step lives here, so a fresh clone needs only `make guide` or `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: guide test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Write TEAM_GUIDE.md from the built-in rulebook (GPT-5.5 against GPT-5.4, all roles).
guide: $(STAMP)
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
