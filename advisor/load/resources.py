"""Where the built-in rulebook and templates live.

In a wheel they are packaged as ``advisor/_data/{rules,templates}``; in an
editable install (or a source checkout) they are the top-level ``rules/`` and
``templates/`` folders next to the package. Looking in both places is what
lets ``pip install .`` and ``pip install -e .`` behave the same.
"""

from __future__ import annotations

import os
from functools import cache

from advisor.model.location import Location

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


@cache
def _builtin_folder() -> str:
    return os.path.join(os.path.realpath(builtin_rules()), "")


def is_builtin(location: Location | None) -> bool:
    """Whether ``location`` is in a file of the built-in rulebook (shipped with advisor)."""
    # By absolute path: the same relative name means another file in another working
    # folder, and a copy of the built-in rulebook must not pass as the built-in one.
    return location is not None and _in_builtin_folder(os.path.abspath(location.file))


@cache
def _in_builtin_folder(path: str) -> bool:
    # Once per file: a batch asks for every rule text of every guide, and resolving the
    # path each time was a tenth of its run.
    return os.path.realpath(path).startswith(_builtin_folder())
