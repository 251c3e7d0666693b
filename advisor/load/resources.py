"""Where the built-in rulebook and templates live.

In a wheel they are packaged as ``advisor/_data/{rules,templates}``; in an
editable install (or a source checkout) they are the top-level ``rules/`` and
``templates/`` folders next to the package. Looking in both places is what
lets ``pip install .`` and ``pip install -e .`` behave the same.
"""

from __future__ import annotations

import os
from functools import cache

#: The folder of advisor's own modules (this file is in advisor/load/).
PACKAGE = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


@cache
def data_dir(name: str) -> str:
    """Return the folder of built-in data ``name`` (``rules`` or ``templates``).

    Raises:
        FileNotFoundError: if the installation is broken and neither place exists.
    """
    for candidate in (
        os.path.join(PACKAGE, "_data", name),
        os.path.join(os.path.dirname(PACKAGE), name),
    ):
        if os.path.isdir(candidate):
            return candidate
    raise FileNotFoundError(f"advisor's built-in {name}/ folder is missing; reinstall advisor")


def builtin_rules() -> str:
    """The built-in rulebook folder."""
    return data_dir("rules")


def builtin_templates() -> str:
    """The built-in templates folder."""
    return data_dir("templates")
