"""Where the built-in rulebook and templates live.

In a wheel they are packaged as ``advisor/_data/{rules,templates}``; in an
editable install (or a source checkout) they are the top-level ``rules/`` and
``templates/`` folders next to the package. Looking in both places is what
lets ``pip install .`` and ``pip install -e .`` behave the same.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """Return the folder of built-in data ``name`` (``rules`` or ``templates``).

    Raises:
        FileNotFoundError: if the installation is broken and neither place exists.
    """
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"advisor's built-in {name}/ folder is missing; reinstall advisor")


def builtin_rules() -> Path:
    """The built-in rulebook folder."""
    return data_dir("rules")


def builtin_templates() -> Path:
    """The built-in templates folder."""
    return data_dir("templates")
