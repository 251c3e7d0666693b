"""``advisor rank --format md``: the rankings as Markdown tables for wikis."""

from __future__ import annotations

from collections.abc import Sequence

from advisor.evaluation.rank import Ranking, evidence_text, standing_text
from advisor.load.rulebook import Rulebook
from advisor.rendering.templates import md_cell, md_text


def rank_markdown(book: Rulebook, rankings: Sequence[Ranking], *, verified_only: bool) -> str:
    """One section per role × stage, each a GFM table of its candidates, best first."""
    lines = ["# Which model for which role and stage", ""]
    lines.append(
        "Verified advice first, then provisional, then not assessed; within each, by the "
        "autonomy the rulebook grants, then by the deciding evidence."
        + (" Unverified and flagged scores are ignored." if verified_only else "")
    )
    for r in rankings:
        title = f"{book.roles[r.role].name} × {book.stages[r.stage].name}"
        lines += ["", f"## {md_text(title)}", ""]
        if not r.candidates:
            lines.append("No candidate models.")
            continue
        lines.append("| # | Model | Autonomy | Deciding evidence | Comparable with the leader |")
        lines.append("|---:|---|---|---|---|")
        for i, c in enumerate(r.candidates, 1):
            comparable = "yes" if c.comparable else f"no: {c.note}"
            if i == 1 and c.assessed:
                comparable = "leader"
            cells = [
                str(i),
                md_cell(f"{c.name} — {c.model}"),
                md_cell(standing_text(book, c)),
                md_cell(evidence_text(book, c.decided_by) or "-"),
                md_cell(comparable),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
