"""Drawing reports on a terminal with rich (used by the CLI only)."""

from __future__ import annotations

import contextlib
import io
import os
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.markdown import Markdown
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from advisor import wording
from advisor.errors import visible
from advisor.evaluation.diff import side_text
from advisor.evaluation.rank import evidence_words, standing_text
from advisor.evaluation.reports import guide_summary
from advisor.load.rulebook import Rulebook


def console(stderr: bool = False) -> Console:
    """A rich console: colour only on a terminal; NO_COLOR turns off every ANSI style."""
    # rich's own NO_COLOR handling drops colours but keeps bold and italics.
    plain = bool(os.environ.get("NO_COLOR"))
    return Console(
        stderr=stderr,
        highlight=False,
        soft_wrap=False,
        emoji=False,  # ":new:" in an agent's name is text (see _text below)
        color_system=None if plain else "auto",
    )


@contextlib.contextmanager
def progress_bar(console: Console, total: int, what: str) -> Iterator[Callable[[Any], None] | None]:
    """A transient progress bar on a terminal, advanced by the callback it yields;
    None (no bar) elsewhere or when there is nothing to do."""
    if not (console.is_terminal and total):
        yield None
        return
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(what, total=total)
        yield lambda _outcome: bar.advance(task)


def _provenance(ev: dict[str, Any] | None) -> str:
    if not ev:
        return ""
    mark = "verified" if ev["verified"] else "UNVERIFIED"
    err = f"; ± {wording.number(ev['stderr'], 2)}" if ev.get("stderr") is not None else ""
    flags = "".join(f"; FLAG {f}" for f in ev.get("flags") or [])
    notes = f"; note: {ev['notes']}" if ev.get("notes") else ""
    return f"{mark}; date {ev['date']}; agent {ev['agent']}; split {ev['split']}{err}{flags}{notes}"


# Everything drawn here comes from rulebooks, scores files, answers and rosters (model,
# role and team names, agents, rule texts), so it is always drawn as plain Text: never
# read as rich markup (a name such as "[/x]" would raise, "[red]" would style the table)
# or emoji codes (an agent "openhands:new:v1" would show an emoji), and with unprintable
# characters made visible (an escape sequence would recolour or clear the terminal).


def _text(value: str, style: str = "") -> Text:
    return Text(visible(value, keep="\n\t"), style=style)


def _say(console: Console, line: str, style: str = "", *, whole: bool = False) -> None:
    """One line of output, wrapped to the console with a hanging indent so a wrapped line
    stays under its own heading (the later lines of a text of several lines too);
    ``whole`` leaves it unbroken (a path to copy)."""
    # Unprintable characters are shown escaped before wrapping: the wrapper would turn a
    # carriage return or a form feed into a space, unseen.
    line = visible(line, keep="\n\t")
    if not whole:
        parts = line.split("\n")
        indent = " " * (len(parts[0]) - len(parts[0].lstrip(" ")))
        lines = []
        for i, part in enumerate(parts):
            first = indent + "  " if i and indent else ""
            own = " " * (len(part) - len(part.lstrip(" ")))
            lines.append(
                textwrap.fill(
                    part,
                    width=console.width,
                    initial_indent=first,
                    subsequent_indent=(first or own) + "  ",
                    # paths, URLs and ids stay whole: a line runs long rather than split them
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
        line = "\n".join(lines)
    console.print(_text(line, style), soft_wrap=True)


def _table(columns: list[str], title: str | None = None, **options: Any) -> Table:
    """A table whose title and headers are drawn as they are."""
    overflow = options.pop("overflow", "fold")
    table = Table(title=None if title is None else _text(title), **options)
    for col in columns:
        table.add_column(_text(col), overflow=overflow)
    return table


def _compact_table(title: str, padding: Any) -> Table:
    """A table without a frame, a rule under its header only: narrow enough for 80 columns."""
    return Table(
        title=_text(title),
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=padding,
    )


def _row(table: Table, *cells: str) -> None:
    table.add_row(*(_text(c) for c in cells))


def paged(console: Console, draw: Callable[[Console], None]) -> None:
    """Draw on the console; on a terminal, through a pager (``$PAGER``, else ``less``)
    when the drawing is taller than the screen, as git does."""
    if not console.is_terminal:
        draw(console)
        return
    # Drawn first at the terminal's width and with its colours, to count the lines.
    with console.capture() as captured:
        draw(console)
    text = captured.get()
    if text.count("\n") < console.size.height:
        console.file.write(text)
        console.file.flush()
        return
    less_shows_colours()
    click.echo_via_pager(text, color=console.color_system is not None)


def less_shows_colours() -> None:
    """Set ``LESS=FRX`` for the pager when the user has not set LESS, as git does: less then
    shows colours instead of raw escape codes (R), quits when the text fits on one screen
    (F) and leaves it on the terminal (X). A user's own LESS or PAGER is kept."""
    # click sets LESS=-R itself only when asked to decide on colours, which would strip
    # them from any other pager.
    os.environ.setdefault("LESS", "FRX")


def print_models(
    console: Console, book: Rulebook, rows: list[dict[str, Any]], *, long: bool = False
) -> None:
    """Models with their scores, one line per score; ``long`` adds provenance and source."""
    if long:
        columns = ["Model", "Benchmark", "Score", "Provenance", "Source"]
        table = _table(columns, "Models and scores")
    else:
        # Fits 80 columns with whole model ids (to copy into --model): no frame, and the
        # other cells wrap at words.
        longest_id = max((len(m["id"]) for m in rows), default=0)
        table = _compact_table("Models and scores", padding=(0, 1, 0, 0))
        # The other columns take at most 18 + 6 + 14 characters and 6 of gaps.
        room = max(20, console.width - 44)
        table.add_column("Model", min_width=min(longest_id, room), ratio=1, overflow="fold")
        table.add_column("Benchmark", max_width=18, overflow="fold")
        table.add_column("Score", overflow="fold")
        table.add_column("Evidence", max_width=14, overflow="fold")
    for m in rows:
        first = True
        for ev in m["scores"] or [None]:
            label = f"{m['id']}\n{m['name']}" if first else ""
            if ev is None:
                _row(table, label, "-", "-", *(["no scores", ""] if long else ["no scores"]))
            elif long:
                _row(
                    table,
                    label,
                    book.benchmarks[ev["benchmark"]].name,
                    wording.pct(ev["score"]),
                    _provenance(ev),
                    ev["source"],
                )
            else:
                _row(
                    table,
                    label,
                    book.benchmarks[ev["benchmark"]].name,
                    wording.pct(ev["score"]),
                    _strength(ev),
                )
            first = False
    console.print(table)
    if rows and not long:
        _say(console, "Dates, agents, splits and sources: advisor models --long")


def _strength(ev: dict[str, Any]) -> str:
    """A score's standing in a few words: "verified", "UNVERIFIED", "FLAG known-leakage"."""
    marks = ["verified" if ev["verified"] else "UNVERIFIED"]
    marks += [f"FLAG {f}" for f in ev.get("flags") or []]
    return ", ".join(marks)


def print_comparison(console: Console, book: Rulebook, data: dict[str, Any]) -> None:
    """Two models side by side with their differences; more, one column each."""
    if len(data["models"]) != 2:
        print_many(console, book, data)
        return
    m, b = book.models[data["model"]], book.models[data["baseline"]]
    table = _table(
        ["Benchmark", m.name, b.name, "Δ pp", "Relative gain", "Note"], f"{m.name} vs {b.name}"
    )
    for r in data["rows"]:
        _row(
            table,
            r["name"],
            *(_marked_score(c) for c in r["cells"]),
            wording.signed(r["delta_pp"], " pp"),
            wording.signed(r["relative_gain_pct"], "%"),
            r["note"],
        )
    console.print(table)
    shown = [c["evidence"] for r in data["rows"] for c in r["cells"] if c["evidence"]]
    if any(not ev["verified"] or ev["flags"] for ev in shown):
        _say(console, f"  {wording.MARKS_KEY}")
    for r in data["rows"]:
        for who, key in ((m.name, "model_evidence"), (b.name, "baseline_evidence")):
            ev = r[key]
            if ev:
                _say(console, f"  {who} on {r['name']}: {_provenance(ev)} — {ev['source']}")


def print_rankings(console: Console, book: Rulebook, rankings: list[Any]) -> None:
    """``advisor rank``: one table per role × stage, best candidate first."""
    for r in rankings:
        title = f"{book.roles[r.role].name} × {book.stages[r.stage].name}"
        # A few words per cell, to fit 80 columns; --format md and --json say it in full
        # (agent, split, the leader's harness).
        table = _compact_table(title, padding=0)  # the column separator is the one-space gap
        # Room for whole model ids (to copy into --model); the other cells wrap at words.
        longest_id = max((len(c.model) for c in r.candidates), default=0)
        # Ids stay whole when they fit (39 characters at 80 columns): the score column
        # wraps sooner instead. The others take the number, 13 and 10 characters, 4 gaps.
        fixed = len(str(len(r.candidates))) + 13 + 10 + 4
        model_width = min(longest_id, max(14, console.width - fixed - 12))
        score_width = max(10, min(19, console.width - fixed - model_width))
        table.add_column("#", justify="right")
        table.add_column("Model", min_width=model_width, overflow="fold")
        table.add_column("Autonomy", width=13, overflow="fold")
        table.add_column("Deciding score", width=score_width, overflow="fold")
        table.add_column("Comparable", width=10, overflow="fold")
        for i, c in enumerate(r.candidates, 1):
            comparable = "leader" if i == 1 and c.assessed else c.difference or "yes"
            _row(
                table,
                str(i),
                f"{c.name}\n{c.model}",
                standing_text(book, c),
                evidence_words(book, c.decided_by) or "-",
                comparable,
            )
        if not r.candidates:
            _say(console, f"{title}: no candidate models")
            continue
        console.print(table)


def _score_cell(cell: dict[str, Any]) -> str:
    """A compared score with its caveats under it ("unverified", "harness not stated")."""
    if cell["score"] is None:
        return "n/a"
    return "\n".join([wording.pct(cell["score"]), *cell["caveats"]])


def _marked_score(cell: dict[str, Any]) -> str:
    """A compared score with the marks of :data:`advisor.wording.MARKS_KEY`: "36%*"."""
    if cell["score"] is None:
        return "n/a"
    ev = cell["evidence"]
    return wording.pct(cell["score"]) + wording.score_marks(ev["verified"], bool(ev["flags"]))


def print_many(console: Console, book: Rulebook, data: dict[str, Any]) -> None:
    """Several models side by side: each benchmark a row, each model a column, with the
    caveats of each cell under its score, then where each score comes from."""
    names = [book.models[m].name for m in data["models"]]
    table = _table(["Benchmark", *names], " vs ".join(names), show_lines=True)
    for r in data["rows"]:
        _row(table, r["name"], *(_score_cell(c) for c in r["cells"]))
    console.print(table)
    for r in data["rows"]:
        for name, c in zip(names, r["cells"], strict=True):
            if c["evidence"]:
                ev = c["evidence"]
                _say(console, f"  {name} on {r['name']}: {_provenance(ev)} — {ev['source']}")


def print_explanation(console: Console, data: dict[str, Any]) -> None:
    """The trace of ``advisor explain``."""
    base = data["baseline"] or "none"
    _say(console, f"Role {data['role']}, model {data['model']}, baseline {base}")
    unverified = set(data.get("unverified_inputs", []))
    inputs = ", ".join(
        f"{k} = {wording.shown(v)}" + (" (unverified)" if k in unverified else "")
        for k, v in data["inputs"].items()
    )
    _say(console, f"Inputs: {inputs}")
    if data["missing_evidence"]:
        _say(console, "Missing evidence: " + ", ".join(data["missing_evidence"]))
    # Under --verified-only a stage may have scores that inform it, all of them ignored.
    verified_only = any(c["kind"] == "verified-only" for c in data["caveats"])
    unassessed = "no verified, unflagged score" if verified_only else "no score"
    for t in data["tables"]:
        where = f" × {t['stage']}" if t["stage"] else ""
        _say(console, f"\nTable {t['table']}{where} (hit policy {t['hit_policy']})", "bold")
        if t.get("assessed") is False:
            _say(console, f"  not assessed: {unassessed} informs this stage")
        elif not t["chosen"]:
            _say(console, "  no rule applies")
        if t.get("provisional"):
            _say(console, "  provisional: rests on unverified or flagged scores")
        for c in t["chosen"]:
            level = f" → {c['autonomy']}" if c.get("autonomy") else ""
            _say(console, f"  chosen: {c['rule']}{level}")
            # On a line of its own: inline, its break point moved with the install path.
            _say(console, f"    at {c['location']}", whole=True)
            if c.get("text"):
                _say(console, f"    {c['text']}")
        for rid in t["suppressed"]:
            _say(console, f"  suppressed by hit policy: {rid}")
        for nm in t["near_misses"]:
            _say(console, f"  near miss: {nm['rule']}: {nm['why']}")
        for ch in t["changes"]:
            _say(console, f"  organisation change: {ch}")
    if data["caveats"]:
        _say(console, "\nCaveats", "bold")
        for c in data["caveats"]:
            _say(console, f"  {c['kind']}: {c['text']}")


def print_guide_summary(console: Console, book: Rulebook, result: Any, written: Any) -> None:
    """What ``advisor guide`` did: the file and the autonomy per role and stage."""
    headline, rows = guide_summary(book, result, written)
    _say(console, headline)
    if not rows:
        return
    table = _table(rows[0], show_header=True, header_style="bold", overflow="ellipsis")
    for row in rows[1:]:
        _row(table, *row)
    console.print(table)


def show_markdown(console: Console, text: str) -> None:
    """Render Markdown in the terminal, paged when longer than the screen."""
    md = Markdown(text)
    if console.is_terminal and text.count("\n") > console.size.height:
        less_shows_colours()
        with console.pager(styles=True):
            console.print(md)
    else:
        console.print(md)


def print_changes(console: Console, result: Any) -> None:
    """``advisor diff``: one table per model (role and stage, before, now, why), then notes."""
    models: dict[str, list[Any]] = {}
    for c in result.changes:
        models.setdefault(c.model, []).append(c)
    for model, rows in models.items():
        title = (
            f"{model}: {result.old} → {result.new}"
            if len(models) > 1
            else (f"What changed: {result.old} → {result.new}")
        )
        table = _table(["Role, stage", "Before", "Now", "Why"], title, title_justify="left")
        for c in rows:
            why = "\n".join(c.reasons) if c.changed else "unchanged"
            _row(
                table,
                f"{c.role_name}\n{c.stage_name}",
                side_text(c, old=True, sep="\n"),
                side_text(c, old=False, sep="\n"),
                why,
            )
        console.print(table)
    if not any(c.changed for c in result.changes):
        _say(console, "No recommendation changed.")
    if result.added:
        _say(console, "New models (not compared): " + ", ".join(result.added))
    if result.removed:
        _say(console, "Models no longer listed: " + ", ".join(result.removed))


def changes_text(result: Any) -> str:
    """:func:`print_changes` as plain text, for a file: 120 columns, no colour, no trailing
    spaces."""
    out = Console(file=io.StringIO(), width=120, color_system=None, highlight=False, emoji=False)
    print_changes(out, result)
    text = out.file.getvalue()  # type: ignore[attr-defined]
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


def print_batch_summary(console: Console, report: Any, limit: int = 50) -> None:
    """A table of teams and files (only failed rows past ``limit`` rows), then the counts."""
    rows = report.outcomes if len(report.outcomes) <= limit else report.failed
    if rows:
        title = f"Guides in {report.out_dir}" if rows is report.outcomes else "Failed rows"
        table = _table(["Line", "Team", "File", "Result"], title, title_justify="left")
        for o in rows:
            _row(
                table,
                str(o.location.line),
                o.team,
                o.path.name if o.path else "-",
                "written" if o.ok else "failed",
            )
        console.print(table)
    n_failed = len(report.failed)
    _say(
        console,
        f"{len(report.outcomes) - n_failed} written, {n_failed} failed, in {report.out_dir}",
    )
