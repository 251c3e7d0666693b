"""The "What changed since the last edition" section, written on its own (``advisor diff
--format md``)."""

from __future__ import annotations

from collections.abc import Sequence

from advisor.evaluation.diff import SECTION_TITLE, Change, changes_view
from advisor.rendering.templates import render_builtin


def render_changes_md(
    changes: Sequence[Change],
    *,
    title: str = SECTION_TITLE,
    level: int = 2,
    added: Sequence[str] = (),
    removed: Sequence[str] = (),
) -> str:
    """The "What changed since the last edition" section in Markdown, as the guide has it
    (``templates/_changes.md.j2``).

    Args:
        changes: From :func:`diff_results`.
        title: The section heading.
        level: Heading level (2: ``##``).
        added: Models only the new edition lists (not compared).
        removed: Models only the last edition listed.

    Returns:
        The heading, then one table per model (a plain sentence when nothing changed),
        then the models added and removed.
    """
    view = changes_view(changes, title=title, added=added, removed=removed)
    context = {"what_changed": view, "level": level}
    return render_builtin("md", "_changes.md.j2", context)
