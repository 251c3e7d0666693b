"""Render a result into a team guide: result -> view model -> Jinja2 template -> text.

Templates (built-in ones in ``templates/``, or a user's ``--template``) only
ever run in Jinja2's sandbox. Each output format has its own escaping:
HTML and Confluence are autoescaped by the environment; Markdown and
MediaWiki templates pass every rulebook text through the format's filter.
"""

from __future__ import annotations

import json
import os
import re
import sys
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from jinja2 import FileSystemLoader, StrictUndefined, TemplateSyntaxError

from advisor import wording
from advisor.errors import AdvisorError, InputError
from advisor.evaluation.evidence import left_out_text, off_split, unassessed_text, wanted
from advisor.load import cache as file_cache
from advisor.load.paths import (
    FileTooBigError,
    NotRegularFileError,
    read_capped,
    read_problem,
)
from advisor.load.resources import builtin_templates
from advisor.model.location import Location
from advisor.rendering.formats import check_format
from advisor.rendering.sources import Sources
from advisor.text.sandbox import (
    CompiledTemplates,
    Sandbox,
    add_filters,
    compile_template,
    run_sandboxed,
    unsafe_error,
    unsafe_use,
)
from advisor.version import __version__

if TYPE_CHECKING:
    from jinja2 import Template

    from advisor.evaluation.results import Evidence, Result
    from advisor.load.rulebook import Rulebook

TEMPLATE_FILES = {
    "md": "guide.md.j2",
    "html": "guide.html.j2",
    "confluence": "guide.confluence.j2",
    "mediawiki": "guide.mediawiki.j2",
}
MAX_TEMPLATE_BYTES = 1024 * 1024


# --------------------------------------------------------------------------- escaping

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")
_ENTITY = re.compile(r"&(?=#?\w+;)")


def md_text(value: Any) -> str:
    """Rulebook text as literal Markdown: markup characters escaped, one line."""
    text = " ".join(str(value).split())
    text = _ENTITY.sub("&amp;", text)
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_cell(value: Any) -> str:
    """Text for a GFM table cell: literal, on one line, a ``|`` never ends the cell."""
    return md_text(value)


def md_url(value: Any) -> str:
    """A URL safe inside ``<...>``; anything but http(s) is shown as plain text."""
    url = href(value)
    return f"<{url}>" if url else md_text(str(value).strip())


def md_anchor(value: Any) -> str:
    """A stable anchor id from an id (letters, digits and dashes)."""
    return re.sub(r"[^a-z0-9-]+", "-", str(value).lower()).strip("-")


#: Characters that are markup anywhere in wikitext, as HTML entities (which
#: MediaWiki shows as the character and never parses as markup).
_MW_ALWAYS = {
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "|": "&#124;",
    "[": "&#91;", "]": "&#93;", "{": "&#123;", "}": "&#125;", "~": "&#126;", "!": "&#33;",
    "=": "&#61;", "_": "&#95;",
}  # fmt: skip
#: Characters that are markup only at the start of a line (lists, indents, rules).
_MW_LEADING = {"*": "&#42;", "#": "&#35;", ":": "&#58;", ";": "&#59;", "-": "&#45;"}


def mediawiki_text(value: Any) -> str:
    """Rulebook text as literal wikitext: one line, every markup character an entity.

    ``|``, ``!`` and ``=`` (table cells, headers, headings), ``[[``/``]]``
    (links), ``{{``/``}}`` (templates, tables), ``''`` (bold, italics),
    ``~~~~`` (signatures), ``<`` (tags, ``<nowiki>``), ``&`` (entities) and
    ``__`` (magic words) are replaced wherever they occur; ``*``, ``#``,
    ``:``, ``;`` and ``-`` only at the start, the one place they are markup
    once newlines are gone.
    """
    text = " ".join(without_forbidden(str(value)).split())
    out = "".join(_MW_ALWAYS.get(c, c) for c in text)
    if out[:1] in _MW_LEADING:
        out = _MW_LEADING[out[0]] + out[1:]
    return out


_HTTP_URL = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)


def href(value: Any) -> str:
    """An http(s) URL fit for a link target (percent-encoded), or "" for anything else.

    Templates link a source only when this is not empty, so ``javascript:``
    and other schemes are shown as text, never followed.
    """
    url = str(value).strip()
    if not _HTTP_URL.match(url):
        return ""
    return quote(url, safe=":/?#[]@!$&'()*+,;=%-._~")


def mediawiki_href(value: Any) -> str:
    """Like :func:`href`, for ``[URL text]``: no brackets, quotes, braces, ``~`` or ``_``.

    ``~~~`` (signatures) and ``__`` (magic words) are markup even inside a
    link, so ``~`` and ``_`` are percent-encoded too (an equivalent URL).
    """
    url = str(value).strip()
    if not _HTTP_URL.match(url):
        return ""
    return quote(url, safe=":/?#@!$&()*+,;=%-.").replace("~", "%7E").replace("_", "%5F")


_MERMAID_DROP = re.compile(r"[^\w .,:()+/'-]")


def mermaid_label(value: Any) -> str:
    """Text for a double-quoted Mermaid string: one line, no quote or markup characters."""
    return " ".join(_MERMAID_DROP.sub(" ", str(value)).split())


def format_filters(fmt: str) -> dict[str, Any]:
    """The escaping filters a template of ``fmt`` uses for rulebook text."""
    filters: dict[str, Any] = {"anchor": md_anchor, "href": href, "mermaid": mermaid_label}
    if fmt == "md":
        filters.update(md=md_text, cell=md_cell, url=md_url)
    elif fmt == "mediawiki":
        # Not autoescaped: every text goes through the wikitext filter; md and
        # cell mean the same here so that a Markdown-minded template stays safe.
        filters.update(
            mediawiki=mediawiki_text,
            md=mediawiki_text,
            cell=mediawiki_text,
            url=mediawiki_href,
            href=mediawiki_href,
        )
    else:
        # In autoescaped formats the environment escapes; these stay identity
        # so that one custom template can be reused across formats.
        filters.update(md=str, cell=str, url=str)
    return filters


# Characters no HTML, XML or wiki page may contain, even escaped: XML 1.0 forbids
# most C0 controls and lone surrogates; HTML parsers flag C1 controls and the
# noncharacters (U+FDD0..U+FDEF and the last two code points of every plane).
_NONCHARACTERS = "".join(
    chr(plane * 0x10000 + last) for plane in range(17) for last in (0xFFFE, 0xFFFF)
)
# A pattern, compiled on first use: compiling its large classes costs more than a
# whole guide's worth of matching, and printable text (the usual) never needs it.
_FORBIDDEN = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef" + _NONCHARACTERS + "]"


def _finalize(value: Any) -> Any:
    """Clean every value a template prints (before escaping): forbidden characters
    that are whitespace (form feed, NEL, ...) become spaces, the others go."""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return without_forbidden(value)
    return value


def without_forbidden(text: str) -> str:
    """``text`` without forbidden characters; the ones that are whitespace become spaces."""
    if text.isprintable():
        return text  # every forbidden character is unprintable (Cc, Cs or Cn)
    return re.sub(_FORBIDDEN, _replacement, text)


def _replacement(m: re.Match[str]) -> str:
    return " " if m.group().isspace() else ""


# --------------------------------------------------------------------------- levels and charts

#: Confluence status-macro colours and matching HTML backgrounds, from the most
#: cautious level up; a scale with another number of levels is spread over them.
TONES = ("Grey", "Blue", "Yellow", "Green", "Purple")
TONE_COLOURS = {
    "Grey": "#e5e7eb",
    "Blue": "#dbeafe",
    "Yellow": "#fef3c7",
    "Green": "#d1fae5",
    "Purple": "#ede9fe",
}


def level_tone(rank: int, count: int) -> str:
    """The status colour of the level at ``rank`` on a scale of ``count`` levels."""
    if count <= 1:
        return TONES[0]
    return TONES[round(rank * (len(TONES) - 1) / (count - 1))]


def level_views(book: Rulebook) -> list[dict[str, Any]]:
    """The autonomy scale as template data, with its colours."""
    n = len(book.levels)
    out = []
    for i, lv in enumerate(book.levels):
        tone = level_tone(i, n)
        out.append(
            {
                "id": lv.id,
                "name": lv.name,
                "ai": lv.ai,
                "human": lv.human,
                "rank": i,
                "tone": tone,
                "colour": TONE_COLOURS[tone],
            }
        )
    return out


#: How a stage no score informs shows where a level would (every format, overview too).
NOT_ASSESSED = {
    "id": None,
    "name": "Not assessed",
    "ai": "",
    "human": "",
    "rank": "none",
    "tone": "Grey",
    "colour": "#e5e7eb",
}


def _shown_level(st: Any, level: dict[str, Any] | None) -> dict[str, Any] | None:
    """The level a guide shows for a stage: marked provisional, or Not assessed."""
    if not st.assessed:
        return NOT_ASSESSED
    if level is not None and st.provisional:
        return {**level, "name": f"{level['name']} (provisional)"}
    return level


def not_assessed_text(book: Rulebook, result: Result, stage: str) -> str:
    """Why a stage is not assessed, and what would decide it."""
    model = book.models.get(result.model)
    name = model.name if model else result.model
    left_out = left_out_text(book, name, result.model, stage, result.ignored, result.off_split)
    why = unassessed_text(name, left_out)
    return f"Not assessed: {why}; {wanted(book, stage)} would decide it."


def _num(x: float) -> str:
    return wording.number(x, 2)


#: The short labels of the compared models in charts, which a key spells out.
SERIES_LABELS = ("Model", "Baseline")
#: SVG layout in pixels: short labels, the 0-100 % plot, room for a value after a bar.
_LABEL_W, _PLOT_W, _VALUE_W = 64, 460, 130
_BAR_H, _LINE_H, _GAP = 18, 18, 16
#: Longest name the SVG key shows in full (the rest goes to a tooltip).
_KEY_CHARS = 70


def chart_view(groups: list[dict[str, Any]], series: list[dict[str, Any]]) -> dict[str, Any]:
    """Scores per benchmark as chart data: one chart per benchmark, for Mermaid and SVG.

    Scores on different benchmarks measure different things, so no chart puts them
    side by side: each benchmark gets its own chart (Mermaid) or panel (SVG) with its
    own 0-100 % axis. Bars carry short labels ("Model", "Baseline") that the key
    spells out, so long model names never crowd the labels; values are rounded as
    the comparison table rounds them.

    Args:
        groups: ``{"benchmark": name, "values": [score or None per series],
            "marks": [mark per series]}`` per benchmark, a mark such as "(unverified)" or
            "(flagged: known-leakage)" from :func:`score_mark`, "" for none.
        series: ``{"name": ...}`` per compared model (the model, then the baseline).

    Returns:
        ``key``: ``{"label", "name", "series"}`` per compared model;
        ``charts``: per benchmark with a score, ``{"benchmark", "bars"}``,
        each bar ``{"label", "series", "value", "text"}`` (scores that exist only);
        ``svg``: pixel positions of the panels, one per benchmark.
    """
    key = [
        {"label": SERIES_LABELS[i], "name": s["name"], "series": i} for i, s in enumerate(series)
    ]
    charts = []
    for g in groups:
        bars = [
            {
                "label": f"{SERIES_LABELS[i]} {mark}".strip(),
                "series": i,
                "value": value,
                "text": wording.number(value),
            }
            for i, (value, mark) in enumerate(zip(g["values"], g["marks"], strict=True))
            if value is not None
        ]
        if bars:
            charts.append({"benchmark": g["benchmark"], "bars": bars})
    return {"max": 100, "key": key, "charts": charts, "svg": _svg_layout(groups, key)}


def _svg_layout(groups: list[dict[str, Any]], key: list[dict[str, Any]]) -> dict[str, Any]:
    """Where everything of the SVG chart goes: the key on top, then a panel per
    benchmark (its name, a bar per compared model, its own axis ticks)."""
    left = _LABEL_W + 8
    legend = [
        {
            "series": k["series"],
            "text": f"{k['label']}: "
            + (k["name"] if len(k["name"]) <= _KEY_CHARS else k["name"][: _KEY_CHARS - 1] + "…"),
            "name": k["name"],
            "y": 8 + _LINE_H * i,
            "text_y": 8 + _LINE_H * i + 11,
        }
        for i, k in enumerate(key)
    ]
    y = 8 + _LINE_H * len(key) + _GAP
    panels = []
    for g in groups:
        title_y = y + 12
        top = y + _LINE_H
        bars = []
        for i, (value, mark) in enumerate(zip(g["values"], g["marks"], strict=True)):
            width = 0.0 if value is None else _PLOT_W * value / 100
            shown = wording.pct(value) + (f" {mark}" if mark and value is not None else "")
            bar_y = top + i * _BAR_H
            bars.append(
                {
                    "series": i,
                    "label": key[i]["label"],
                    "label_y": bar_y + _BAR_H - 7,
                    "y": bar_y,
                    "width": _num(round(width, 1)),
                    "height": _BAR_H - 4,
                    "text": shown,
                    "title": f"{g['benchmark']}, {key[i]['name']}: {shown}",
                    "text_x": _num(round(left + width + 4, 1)),
                    "text_y": bar_y + _BAR_H - 7,
                }
            )
        axis_y = top + _BAR_H * len(bars)
        ticks = [
            {"x": _num(left + _PLOT_W * p / 100), "label": f"{p}%"} for p in (0, 25, 50, 75, 100)
        ]
        name = g["benchmark"]
        panels.append(
            {
                "benchmark": name,
                "title": name if len(name) <= _KEY_CHARS else name[: _KEY_CHARS - 1] + "…",
                "title_y": title_y,
                "top": top - 2,
                "axis_y": axis_y,
                "tick_y": axis_y + 13,
                "ticks": ticks,
                "bars": bars,
            }
        )
        y = axis_y + 14 + _GAP
    return {
        "width": left + _PLOT_W + _VALUE_W,
        "height": y - _GAP + 6,
        "label_x": _LABEL_W,
        "left": left,
        "legend": legend,
        "panels": panels,
    }


# --------------------------------------------------------------------------- environment


@cache
def environment(fmt: str, limited: bool = False) -> Sandbox:
    """The sandboxed Jinja2 environment for one output format.

    Args:
        fmt: The output format.
        limited: True for custom templates, whose renders run under the sandbox's limits
            (time, memory, output); the built-in templates skip them.
    """
    folder = None if limited else file_cache.folder()
    env = Sandbox(
        limited=limited,
        loader=FileSystemLoader(builtin_templates()),
        bytecode_cache=CompiledTemplates(folder, fmt) if folder else None,
        autoescape=fmt in ("html", "confluence"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    add_filters(env)
    env.filters.update(format_filters(fmt))
    return env


def load_template(fmt: str, path: str | os.PathLike[str] | None = None) -> Template:
    """The built-in template of a format, or a custom template file.

    Raises:
        InputError: the custom template cannot be read.
        AdvisorError: it has a syntax error (located to file:line).
    """
    if path is None:
        return environment(fmt).get_template(TEMPLATE_FILES[fmt])
    p = Path(path)
    try:
        source = read_capped(p, MAX_TEMPLATE_BYTES).decode("utf-8-sig")
    except FileTooBigError:
        raise InputError(
            f"{p}: template is over the {MAX_TEMPLATE_BYTES // 1024} KiB limit"
        ) from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a folder; --template takes a Jinja2 template file") from None
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(f"{p}: no such template file") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{p}: template is not UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from None
    except NotRegularFileError as exc:
        raise InputError(f"{p}: {read_problem(exc)}") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read template: {exc.strerror or exc}") from None
    if "\x00" in source:
        raise InputError(f"{p}: binary file, not a template")
    return _compiled_template(fmt, str(p), source)


@lru_cache(maxsize=16)
def _compiled_template(fmt: str, name: str, source: str) -> Template:
    # Checked and compiled once per text: a batch renders one template for every row
    # (a failure raises, and is not kept).
    env = environment(fmt, limited=True)
    try:
        tree = env.parse(source)  # once, for the check and the compiler
        unsafe = unsafe_use(source, env, tree)
        if unsafe is None:
            template = compile_template(env, tree, "template", Location(name))
    except TemplateSyntaxError as exc:  # the compiler raises some too (an unknown filter)
        raise AdvisorError(
            f"template syntax error: {exc.message}", Location(name, exc.lineno or 1, 1)
        ) from None
    if unsafe is not None:
        raise unsafe_error(unsafe[1], Location(name, unsafe[0], 1))
    template.name = name
    return template


def render_builtin(fmt: str, name: str, context: dict[str, Any]) -> str:
    """Render the built-in template ``name`` in the environment of ``fmt``.

    Raises:
        AdvisorError: the template failed, located to its line.
    """
    text = _run(environment(fmt).get_template(name), context, name)
    return text.rstrip("\n") + "\n"


def _run(template: Template, context: dict[str, Any], name: str) -> str:
    return run_sandboxed(template, context, lambda: _where(name), subject="template")


def _where(name: str) -> Location:
    # The template's own line, from the frames Jinja2 maps back to template lines.
    tb = sys.exc_info()[2]
    line = 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in (name, "<template>"):
            line = tb.tb_lineno or 0
        tb = tb.tb_next
    return Location(name, line, 1 if line else 0)


# --------------------------------------------------------------------------- view model


def score_mark(book: Rulebook, ev: Evidence | None) -> str:
    """How a score is marked next to its number: "(unverified)", "(flagged: known-leakage)",
    "(on the Lite subset (22 competitions))", several of them, or "" for a verified,
    unflagged score on the split its benchmark's bands read (or none)."""
    if ev is None:
        return ""
    parts = [] if ev.verified else ["unverified"]
    if ev.flags:
        parts.append("flagged: " + ", ".join(ev.flags))
    subset = off_split(book, ev)
    if subset is not None:
        parts.append(f"on {subset.name}")
    return f"({'; '.join(parts)})" if parts else ""


def score_notes(result: Result) -> list[str]:
    """What the marks of the comparison's scores mean, for the marks it shows alone."""
    shown = [e for c in result.comparison for e in (c.model_evidence, c.baseline_evidence) if e]
    notes = []
    if any(not e.verified for e in shown):
        notes.append(
            "Scores marked unverified come from secondary pages that no primary source "
            "corroborates."
        )
    flags = sorted({f for e in shown for f in e.flags})
    if flags:
        notes.append(f"Scores marked flagged carry a flag ({', '.join(flags)}); see the caveats.")
    return notes


def selection_scope(book: Rulebook, stages: list[dict[str, str]]) -> str:
    """What the selection guide's lines cover when the guide is about some stages only:
    they read a role's work as a whole; "" when the guide covers every stage."""
    if not stages or len(stages) == len(book.stages):
        return ""
    names = ", ".join(s["name"] for s in stages)
    return (
        "These lines are about each role's work as a whole; the autonomy below is for "
        f"the {'stage' if len(stages) == 1 else 'stages'} this guide covers: {names}."
    )


def no_comparison_text(book: Rulebook, result: Result) -> str:
    """Why the comparison has no row: whose scores --verified-only ignored, who has none
    (so a guide "compared with" a baseline says what became of the baseline's scores)."""
    if not result.ignored:
        return "No scores to compare."
    ignored, none = [], []
    for mid in dict.fromkeys(m for m in (result.model, result.baseline) if m):
        name = book.models[mid].name if mid in book.models else mid
        n = sum(e.model == mid for e in result.ignored)
        if n:
            ignored.append(f"{name}'s {'score' if n == 1 else 'scores'}")
        else:
            none.append(f"{name} has no score")
    verb = "was" if len(ignored) == 1 and ignored[0].endswith("score") else "were"
    text = f"{' and '.join(ignored)} {verb} ignored (--verified-only)"
    return f"No scores to compare: {' and '.join([text, *none])}."


def _evidence_view(
    book: Rulebook, ev: Evidence | None, refs: dict[tuple[str, str], int]
) -> dict[str, Any] | None:
    if ev is None:
        return None
    return {
        "score": ev.score,
        "stderr": ev.stderr,
        "split": ev.split,
        "agent": ev.agent,
        "date": ev.date,
        "source": ev.source,
        "verified": ev.verified,
        "flags": ev.flags,
        "mark": score_mark(book, ev),
        "ref": refs[(ev.source, ev.date)],
    }


def guide_context(book: Rulebook, result: Result, *, fragment: bool = False) -> dict[str, Any]:
    """Everything a guide template can use, as plain data."""
    models = book.models

    def model_view(mid: str | None) -> dict[str, Any] | None:
        if mid is None:
            return None
        m = models.get(mid)
        return {"id": mid, "name": m.name if m else mid, "agent": m.agent if m else ""}

    # Sources: numbered in order of first use; the scores first, then rule sources.
    listed = Sources(book)
    refs = {(ev.source, ev.date): listed.score(ev) for ev in result.evidence}
    rule_sources = listed.rules

    levels = {lv["id"]: lv for lv in level_views(book)}
    roles: list[dict[str, Any]] = []
    for r in result.roles:
        role = book.roles[r.role]
        stages = []
        for st in r.stages:
            a = st.advice
            stages.append(
                {
                    "stage": {"id": st.stage, "name": book.stages[st.stage].name},
                    "level": _shown_level(st, levels[a.autonomy] if a and a.autonomy else None),
                    "assessed": st.assessed,
                    "provisional": st.provisional,
                    "text": (
                        a.text
                        if a
                        else not_assessed_text(book, result, st.stage)
                        if not st.assessed
                        else "No rule applies: treat as manual."
                    ),
                    "review": a.review if a else "",
                    "time_saved": a.time_saved if a else "",
                    "rationale": a.rationale if a else "",
                    "rule": a.rule if a else "",
                    "sources": rule_sources(a.sources) if a else [],
                }
            )
        rule_sources([x for s in r.summary for x in s.sources])  # numbered, not shown
        roles.append(
            {
                "role": {"id": role.id, "name": role.name, "plural": role.plural or role.name},
                "summary": [s.shown for s in r.summary],
                "stages": stages,
            }
        )
    for a in result.bottom_line + result.readings:
        rule_sources(a.sources)
    comparison = [
        {
            "benchmark": {
                "id": c.benchmark,
                "name": book.benchmarks[c.benchmark].name,
                "unit": book.benchmarks[c.benchmark].unit,
            },
            "model_score": c.model_score,
            "baseline_score": c.baseline_score,
            "delta_pp": c.delta_pp,
            "relative_gain_pct": c.relative_gain_pct,
            "model_evidence": _evidence_view(book, c.model_evidence, refs),
            "baseline_evidence": _evidence_view(book, c.baseline_evidence, refs),
            "note": c.note,
        }
        for c in result.comparison
    ]
    stage_list = [
        {"id": s, "name": book.stages[s].name}
        for s in (roles[0]["stages"] and [x["stage"]["id"] for x in roles[0]["stages"]] or [])
    ]
    compared = [m for m in (model_view(result.model), model_view(result.baseline)) if m]
    n = len(compared)
    chart = chart_view(
        [
            {
                "benchmark": book.benchmarks[c.benchmark].name,
                "values": [c.model_score, c.baseline_score][:n],
                "marks": [score_mark(book, e) for e in (c.model_evidence, c.baseline_evidence)][:n],
            }
            for c in result.comparison
        ],
        compared,
    )
    overview = {
        "stages": stage_list,
        "rows": [{"role": r["role"], "levels": [st["level"] for st in r["stages"]]} for r in roles],
    }
    return {
        "tool": {"name": "advisor", "version": __version__},
        "rulebook": {"id": book.meta.id, "name": book.meta.name, "version": book.meta.version},
        "fragment": fragment,
        "chart": chart,
        "overview": overview,
        "team": result.team,
        "date": result.date,
        "model": model_view(result.model),
        "baseline": model_view(result.baseline),
        "bottom_line": [a.shown for a in result.bottom_line],
        "readings": [a.shown for a in result.readings],
        "comparison": comparison,
        "no_comparison": no_comparison_text(book, result),
        "score_notes": score_notes(result),
        "selection_guide": [{"role": r["role"], "text": " ".join(r["summary"])} for r in roles],
        "selection_scope": selection_scope(book, stage_list),
        "roles": roles,
        "stages": stage_list,
        "levels": list(levels.values()),
        "caveats": [{"kind": c.kind, "text": c.text} for c in result.caveats],
        "missing": [book.benchmarks[b].name for b in result.missing],
        "sources": listed.items,
        "result": result.to_dict(),
    }


#: Context for templates only: the JSON result already has it as data ("changes").
TEMPLATE_ONLY = frozenset({"what_changed"})


def render(
    result: Result,
    book: Rulebook,
    fmt: str = "md",
    *,
    template: str | os.PathLike[str] | None = None,
    fragment: bool = False,
    extra: dict[str, Any] | None = None,
) -> str:
    """Render a result as a guide in one of :data:`FORMATS`.

    Args:
        result: From :func:`advisor.evaluation.engine.evaluate`.
        book: The rulebook the result came from (names, sources).
        fmt: Output format.
        template: A custom Jinja2 template file, rendered in the sandbox.
        fragment: Leave out the title block (for inclusion into an existing page).
        extra: More context for the template (e.g. ``changes`` since an edition).

    Raises:
        InputError: unknown format or unreadable template.
        TemplateSecurityError: the template tried to escape the sandbox.
    """
    check_format(fmt)
    if fmt == "json" and template is None:
        data = result.to_dict()
        if extra:
            data.update(
                {k: v for k, v in extra.items() if k not in data and k not in TEMPLATE_ONLY}
            )
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    context = guide_context(book, result, fragment=fragment)
    if extra:
        context.update(extra)
    tpl = load_template("md" if fmt == "json" else fmt, template)
    text = _run(tpl, context, str(template) if template else TEMPLATE_FILES[fmt])
    if not text.strip():
        # An empty page pushed to a wiki would replace a real guide with nothing.
        raise InputError(f"{template or TEMPLATE_FILES[fmt]}: the template rendered nothing")
    return text.rstrip("\n") + "\n"
