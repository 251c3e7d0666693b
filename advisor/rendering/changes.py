"""The "What changed since the last edition" section, written on its own (``advisor diff
--format md``)."""

from __future__ import annotations

from collections.abc import Sequence

from advisor.evaluation.diff import SECTION_TITLE, Change, changes_view
from advisor.rendering.templates import render_builtin


def render_changes_md(
    changes: Sequence[Change], *, title: str = SECTION_TITLE, level: int = 2
) -> str:
    """The "What changed since the last edition" section in Markdown, as the guide has it
    (``templates/_changes.md.j2``).

    Args:
        changes: From :func:`diff_results`.
        title: The section heading.
        level: Heading level (2: ``##``).

    Returns:
        The heading, then one table per model (a plain sentence when nothing changed).
    """
    context = {"what_changed": changes_view(changes, title=title), "level": level}
    return render_builtin("md", "_changes.md.j2", context)
