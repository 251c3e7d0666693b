"""advisor: role-based AI adoption guidance for ML teams, from benchmark evidence.

The library follows one path: :func:`load_rulebook` (YAML to a validated
model), :func:`evaluate` (profile to a result with a trace) and
:func:`render` (result to text). The names below are imported lazily so that
``import advisor`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from advisor.version import __version__

__all__ = ["__version__", "load_rulebook", "evaluate", "Profile", "render", "AdvisorError"]

_LAZY = {
    "load_rulebook": ("advisor.load.rulebook", "load_rulebook"),
    "evaluate": ("advisor.evaluation.engine", "evaluate"),
    "Profile": ("advisor.evaluation.results", "Profile"),
    "render": ("advisor.rendering.templates", "render"),
    "AdvisorError": ("advisor.errors", "AdvisorError"),
}

if TYPE_CHECKING:  # pragma: no cover
    from advisor.errors import AdvisorError
    from advisor.evaluation.engine import evaluate
    from advisor.evaluation.results import Profile
    from advisor.load.rulebook import load_rulebook
    from advisor.rendering.templates import render


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'advisor' has no attribute {name!r}")
