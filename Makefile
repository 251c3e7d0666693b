# Every set-up step lives here, so a fresh clone needs only `make guide` or `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Two install steps in one venv: the package alone for `make guide`, and the package with its
# test tools (the 'test' extra, linters included) for `make test` and `make lint`.
GUIDE_STAMP := $(VENV)/.installed-guide
STAMP := $(VENV)/.installed
DOCS_STAMP := $(VENV)/.installed-docs

.PHONY: guide test lint docs cli-docs wiki-deps bench clean check-charts

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
	$(BIN)/ruff check advisor tests benchmarks hatch_build.py scripts/check-charts
	$(BIN)/ruff format --check advisor tests benchmarks hatch_build.py scripts/check-charts
	$(BIN)/mypy advisor tests
	$(BIN)/lint-imports

## Render the guides' charts in headless Chromium (and the Markdown charts with Mermaid) and
## fail on a Mermaid error or missing or overlapping chart text; screenshots go to
## build/check-charts/. Installs Chromium, npm and Mermaid when missing. Not run in CI.
check-charts: $(STAMP)
	$(BIN)/python scripts/check-charts

$(DOCS_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,docs]'
	touch $@

## Build the documentation site into site/ (CI runs this); a broken link or anchor, or a page
## missing from the navigation, fails the build. (Not --quiet: it hides the warnings that
## --strict counts.)
docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

## Write docs/cli.md again from every command's --help (tests/test_docs.py fails when it is stale).
cli-docs: $(STAMP)
	$(BIN)/cog -r docs/cli.md

## The Debian packages of the real-MediaWiki tests (tests/test_publish_mediawiki.py skips
## without them, saying why). CI runs this before the tests. Installs only what is missing,
## and only as root (or with sudo in CI); anywhere else it says what to install.
WIKI_PACKAGES := mediawiki php-cli php-sqlite3 php-intl php-mbstring php-xml
wiki-deps:
	@if command -v php >/dev/null 2>&1 && [ -f /usr/share/mediawiki/maintenance/install.php ] \
	    && [ "$$(php -m | grep -cixE 'pdo_sqlite|intl|mbstring|xml')" = 4 ]; then \
	  echo "wiki-deps: php and MediaWiki are installed"; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
	  echo "wiki-deps: no apt-get here; the MediaWiki tests will skip"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $(WIKI_PACKAGES) >/dev/null; \
	elif [ "$${CI:-}" = true ] && sudo -n true 2>/dev/null; then \
	  sudo -n apt-get update -qq && sudo -n env DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $(WIKI_PACKAGES) >/dev/null; \
	else \
	  echo "wiki-deps: not root, the MediaWiki tests will skip; as root: apt-get install $(WIKI_PACKAGES)"; \
	fi

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build dist site *.egg-info
