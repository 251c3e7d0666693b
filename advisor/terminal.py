"""Drawing reports on a terminal with rich (used by the CLI only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from advisor import wording

if TYPE_CHECKING:
    from advisor.rulebook import Rulebook


def _provenance(ev: dict[str, Any] | None) -> str:
    if not ev:
        return ""
    mark = "verified" if ev["verified"] else "UNVERIFIED"
    err = f"; ± {wording.number(ev['stderr'], 2)}" if ev.get("stderr") is not None else ""
    flags = "".join(f"; FLAG {f}" for f in ev.get("flags") or [])
    return f"{mark}; date {ev['date']}; agent {ev['agent']}; split {ev['split']}{err}{flags}"


def print_models(console: Console, book: Rulebook, rows: list[dict[str, Any]]) -> None:
    """Models with their scores, one line per score."""
    table = Table(title="Models and scores", show_lines=False)
    for col in ("Model", "Benchmark", "Score", "Provenance", "Source"):
        table.add_column(col, overflow="fold")
    for m in rows:
        first = True
        for ev in m["scores"] or [None]:
            label = f"{m['id']}\n{m['name']}" if first else ""
            if ev is None:
                table.add_row(label, "-", "-", "no scores", "")
            else:
                table.add_row(
                    label,
                    book.benchmarks[ev["benchmark"]].name,
                    wording.pct(ev["score"]),
                    _provenance(ev),
                    ev["source"],
                )
            first = False
    console.print(table)


def print_comparison(console: Console, book: Rulebook, data: dict[str, Any]) -> None:
    """Two models side by side."""
    m, b = book.models[data["model"]], book.models[data["baseline"]]
    table = Table(title=f"{m.name} vs {b.name}")
    for col in ("Benchmark", m.name, b.name, "Δ pp", "Relative gain", "Note"):
        table.add_column(col, overflow="fold")
    for r in data["rows"]:
        table.add_row(
            r["name"],
            wording.pct(r["model_score"]),
            wording.pct(r["baseline_score"]),
            wording.signed(r["delta_pp"], " pp"),
            wording.signed(r["relative_gain_pct"], "%"),
            r["note"],
        )
    console.print(table)
    for r in data["rows"]:
        for who, key in ((m.name, "model_evidence"), (b.name, "baseline_evidence")):
            ev = r[key]
            if ev:
                console.print(
                    f"  {who} on {r['name']}: {_provenance(ev)} — {ev['source']}", markup=False
                )


def print_explanation(console: Console, data: dict[str, Any]) -> None:
    """The trace of ``advisor explain``."""
    base = data["baseline"] or "none"
    console.print(f"Role {data['role']}, model {data['model']}, baseline {base}", markup=False)
    unverified = set(data.get("unverified_inputs", []))
    inputs = ", ".join(
        f"{k} = {wording.shown(v)}" + (" (unverified)" if k in unverified else "")
        for k, v in data["inputs"].items()
    )
    console.print(f"Inputs: {inputs}", markup=False)
    if data["missing_evidence"]:
        console.print("Missing evidence: " + ", ".join(data["missing_evidence"]), markup=False)
    for t in data["tables"]:
        where = f" × {t['stage']}" if t["stage"] else ""
        console.print(
            f"\nTable {t['table']}{where} (hit policy {t['hit_policy']})",
            markup=False,
            style="bold",
        )
        if not t["chosen"]:
            console.print("  no rule applies", markup=False)
        for c in t["chosen"]:
            level = f" → {c['autonomy']}" if c.get("autonomy") else ""
            console.print(f"  chosen: {c['rule']}{level}  ({c['location']})", markup=False)
            if c.get("text"):
                console.print(f"    {c['text']}", markup=False)
        for rid in t["suppressed"]:
            console.print(f"  suppressed by hit policy: {rid}", markup=False)
        for nm in t["near_misses"]:
            console.print(f"  near miss: {nm['rule']}: {nm['why']}", markup=False)
        for ch in t["changes"]:
            console.print(f"  organisation change: {ch}", markup=False)
    if data["caveats"]:
        console.print("\nCaveats", markup=False, style="bold")
        for c in data["caveats"]:
            console.print(f"  {c['kind']}: {c['text']}", markup=False)


def print_guide_summary(console: Console, book: Rulebook, result: Any, written: Any) -> None:
    """What ``advisor guide`` did: the file and the autonomy per role and stage."""
    from advisor.reports import guide_summary

    headline, rows = guide_summary(book, result, written)
    console.print(headline, markup=False)
    if not rows:
        return
    table = Table(show_header=True, header_style="bold")
    for name in rows[0]:
        table.add_column(name)
    for row in rows[1:]:
        table.add_row(*row)
    console.print(table)


def show_markdown(console: Console, text: str) -> None:
    """Render Markdown in the terminal, paged when longer than the screen."""
    from rich.markdown import Markdown

    md = Markdown(text)
    if console.is_terminal and text.count("\n") > console.size.height:
        with console.pager(styles=True):
            console.print(md)
    else:
        console.print(md)
