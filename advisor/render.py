"""Render a result into a team guide: result -> view model -> Jinja2 template -> text.

Templates (built-in ones in ``templates/``, or a user's ``--template``) only
ever run in Jinja2's sandbox. Each output format has its own escaping:
HTML and Confluence are autoescaped by the environment; Markdown and
MediaWiki templates pass every rulebook text through the format's filter.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor import __version__, wording
from advisor.errors import AdvisorError, InputError, Location, TemplateSecurityError
from advisor.resources import builtin_templates
from advisor.sandbox import FILTERS

if TYPE_CHECKING:
    from jinja2 import Template
    from jinja2.sandbox import SandboxedEnvironment

    from advisor.engine import Evidence, Result
    from advisor.rulebook import Rulebook

FORMATS = ("md", "html", "confluence", "mediawiki", "json")
TEMPLATE_FILES = {
    "md": "guide.md.j2",
    "html": "guide.html.j2",
    "confluence": "guide.confluence.j2",
    "mediawiki": "guide.mediawiki.j2",
}
EXTENSIONS = {"md": ".md", "html": ".html", "confluence": ".xml", "mediawiki": ".wiki", "json": ".json"}
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
    from urllib.parse import quote

    url = str(value).strip()
    if not re.match(r"^https?://[^\s]+$", url):
        return md_text(url)
    return "<" + quote(url, safe=":/?#[]@!$&'()*+,;=%-._~") + ">"


def md_anchor(value: Any) -> str:
    """A stable anchor id from an id (letters, digits and dashes)."""
    return re.sub(r"[^a-z0-9-]+", "-", str(value).lower()).strip("-")


def format_filters(fmt: str) -> dict[str, Any]:
    """The escaping filters a template of ``fmt`` uses for rulebook text."""
    filters: dict[str, Any] = {"anchor": md_anchor}
    if fmt == "md":
        filters.update(md=md_text, cell=md_cell, url=md_url)
    else:
        # In autoescaped formats the environment escapes; these stay identity
        # so that one custom template can be reused across formats.
        filters.update(md=str, cell=str, url=str)
    return filters


# --------------------------------------------------------------------------- environment


@cache
def environment(fmt: str) -> SandboxedEnvironment:
    """The sandboxed Jinja2 environment for one output format."""
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        loader=FileSystemLoader(str(builtin_templates())),
        autoescape=fmt in ("html", "confluence"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    env.filters.update(format_filters(fmt))
    env.globals["fraction"] = wording.fraction_words
    return env


def load_template(fmt: str, path: str | Path | None = None) -> Template:
    """The built-in template of a format, or a custom template file.

    Raises:
        InputError: the custom template cannot be read.
        AdvisorError: it has a syntax error (located to file:line).
    """
    from jinja2 import TemplateSyntaxError

    env = environment(fmt)
    if path is None:
        return env.get_template(TEMPLATE_FILES[fmt])
    p = Path(path)
    try:
        if p.is_dir():
            raise InputError(f"{p}: is a folder; --template takes a Jinja2 template file")
        if p.stat().st_size > MAX_TEMPLATE_BYTES:
            raise InputError(f"{p}: template is over the {MAX_TEMPLATE_BYTES // 1024} KiB limit")
        source = p.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{p}: no such template file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: template is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read template: {exc.strerror or exc}") from None
    if "\x00" in source:
        raise InputError(f"{p}: binary file, not a template")
    try:
        template = env.from_string(source)
    except TemplateSyntaxError as exc:
        raise AdvisorError(f"template syntax error: {exc.message}", Location(str(p), exc.lineno or 1, 1)) from None
    template.name = str(p)
    return template


def _run(template: Template, context: dict[str, Any], name: str) -> str:
    from jinja2 import TemplateError, UndefinedError
    from jinja2.exceptions import SecurityError

    try:
        return template.render(context)
    except SecurityError as exc:
        raise TemplateSecurityError(f"unsafe template blocked by the sandbox: {exc}", _where(name)) from None
    except UndefinedError as exc:
        raise AdvisorError(f"template uses an unknown variable: {exc.message}", _where(name)) from None
    except TemplateError as exc:
        raise AdvisorError(f"template failed: {exc}", _where(name)) from None
    except (ArithmeticError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        raise AdvisorError(f"template failed: {type(exc).__name__}: {exc}", _where(name)) from None


def _where(name: str) -> Location:
    import sys
    import traceback

    # The template's own line, from the frames Jinja2 maps back to template lines.
    tb = sys.exc_info()[2]
    line = 0
    for frame in traceback.extract_tb(tb):
        if frame.filename == name or frame.filename == "<template>":
            line = frame.lineno or 0
    return Location(name, line, 1 if line else 0)


# --------------------------------------------------------------------------- view model


def _evidence_view(ev: Evidence | None, refs: dict[tuple[str, str], int]) -> dict[str, Any] | None:
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
    sources: list[dict[str, Any]] = []
    refs: dict[tuple[str, str], int] = {}
    for ev in result.evidence:
        key = (ev.source, ev.date)
        if key not in refs:
            refs[key] = len(sources) + 1
            sources.append({"ref": refs[key], "kind": "score", "title": ev.source, "url": "",
                            "date": ev.date, "verified": ev.verified, "supports": []})
        name = models[ev.model].name if ev.model in models else ev.model
        sources[refs[key] - 1]["supports"].append(
            f"{name}, {book.benchmarks[ev.benchmark].name}: {wording.pct(ev.score)}"
            f" ({'verified' if ev.verified else 'unverified'}; split {ev.split}; agent {ev.agent})"
        )
    rule_refs: dict[str, int] = {}

    def rule_sources(ids: list[str]) -> list[int]:
        out = []
        for sid in ids:
            if sid not in rule_refs:
                src = book.sources[sid]
                rule_refs[sid] = len(sources) + 1
                sources.append({"ref": rule_refs[sid], "kind": "rule", "title": src.title,
                                "url": src.url, "date": src.date or "", "verified": src.verified,
                                "supports": [], "note": src.note})
            out.append(rule_refs[sid])
        return out

    levels = {lv.id: {"id": lv.id, "name": lv.name, "ai": lv.ai, "human": lv.human,
                      "rank": i} for i, lv in enumerate(book.levels)}
    roles = []
    for r in result.roles:
        role = book.roles[r.role]
        stages = []
        for st in r.stages:
            a = st.advice
            stages.append({
                "stage": {"id": st.stage, "name": book.stages[st.stage].name},
                "level": levels[a.autonomy] if a and a.autonomy else None,
                "text": a.text if a else "No rule applies: treat as manual.",
                "review": a.review if a else "",
                "time_saved": a.time_saved if a else "",
                "rationale": a.rationale if a else "",
                "rule": a.rule if a else "",
                "sources": rule_sources(a.sources) if a else [],
            })
        roles.append({
            "role": {"id": role.id, "name": role.name, "plural": role.plural or role.name},
            "summary": [s.text for s in r.summary],
            "summary_sources": rule_sources([x for s in r.summary for x in s.sources]),
            "stages": stages,
        })
    for a in result.bottom_line + result.readings:
        rule_sources(a.sources)
    comparison = [
        {
            "benchmark": {"id": c.benchmark, "name": book.benchmarks[c.benchmark].name,
                          "unit": book.benchmarks[c.benchmark].unit},
            "model_score": c.model_score,
            "baseline_score": c.baseline_score,
            "delta_pp": c.delta_pp,
            "relative_gain_pct": c.relative_gain_pct,
            "model_evidence": _evidence_view(c.model_evidence, refs),
            "baseline_evidence": _evidence_view(c.baseline_evidence, refs),
            "note": c.note,
        }
        for c in result.comparison
    ]
    stage_list = [{"id": s, "name": book.stages[s].name}
                  for s in (roles[0]["stages"] and [x["stage"]["id"] for x in roles[0]["stages"]]
                            or [])]
    return {
        "tool": {"name": "advisor", "version": __version__},
        "rulebook": {"id": book.meta.id, "name": book.meta.name, "version": book.meta.version},
        "fragment": fragment,
        "team": result.team,
        "date": result.date,
        "model": model_view(result.model),
        "baseline": model_view(result.baseline),
        "bottom_line": [a.text for a in result.bottom_line],
        "readings": [a.text for a in result.readings],
        "comparison": comparison,
        "selection_guide": [{"role": r["role"], "text": " ".join(r["summary"])} for r in roles],
        "roles": roles,
        "stages": stage_list,
        "levels": list(levels.values()),
        "caveats": [{"kind": c.kind, "text": c.text} for c in result.caveats],
        "missing": [book.benchmarks[b].name for b in result.missing],
        "sources": sources,
        "result": result.to_dict(),
    }


def render(
    result: Result,
    book: Rulebook,
    fmt: str = "md",
    *,
    template: str | Path | None = None,
    fragment: bool = False,
    extra: dict[str, Any] | None = None,
) -> str:
    """Render a result as a guide in one of :data:`FORMATS`.

    Args:
        result: From :func:`advisor.engine.evaluate`.
        book: The rulebook the result came from (names, sources).
        fmt: Output format.
        template: A custom Jinja2 template file, rendered in the sandbox.
        fragment: Leave out the title block (for inclusion into an existing page).
        extra: More context for the template (e.g. ``changes`` since an edition).

    Raises:
        InputError: unknown format or unreadable template.
        TemplateSecurityError: the template tried to escape the sandbox.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "json" and template is None:
        data = result.to_dict()
        if extra:
            data.update({k: v for k, v in extra.items() if k not in data})
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    context = guide_context(book, result, fragment=fragment)
    if extra:
        context.update(extra)
    tpl = load_template("md" if fmt == "json" else fmt, template)
    text = _run(tpl, context, str(template) if template else TEMPLATE_FILES[fmt])
    return text.rstrip("\n") + "\n"
