"""The rulebook as decision tables, for readers who never open YAML.

``advisor rules export`` turns a :class:`~advisor.load.rulebook.Rulebook` into
plain data (:func:`export_data`, the ``--format json`` output) and renders
that data with the built-in ``rules.<format>.j2`` templates in the same
sandboxed, per-format environments as the guide (:mod:`advisor.rendering.templates`).

Every decision table is shown per role: one row per rule with its conditions
in words ("MLE-Bench ≥ 30% and < 50%; Terminal-Bench 2.0 any"), the autonomy
level, the recommendation as written in the rulebook (template text, not
rendered), review, rationale, rule id and sources. Ordering follows the
rulebook, so the same rulebook always gives the same bytes, and each rule id
has exactly one anchor (``rule-<id>``) so wiki diffs stay small between
editions.
"""

from __future__ import annotations

import json
from typing import Any

from advisor import wording
from advisor.load.rulebook import CompiledRule, CompiledTable, Rulebook
from advisor.model.conditions import Test
from advisor.rendering.formats import check_format
from advisor.rendering.templates import level_views, render_builtin
from advisor.version import __version__

TEMPLATE_FILES = {
    "md": "rules.md.j2",
    "html": "rules.html.j2",
    "confluence": "rules.confluence.j2",
    "mediawiki": "rules.mediawiki.j2",
}

HIT_POLICIES = {
    "unique": "exactly one rule may match",
    "first": "the first matching rule, in the order shown, applies",
    "priority": "of the matching rules, the one with the highest-priority level applies",
    "collect": "every matching rule applies",
}
PURPOSES = {
    "stage-advice": "autonomy and advice for each role and stage",
    "role-summary": "the guide's summary line for each role",
    "bottom-line": "the guide's bottom line",
    "reading": "the guide's reading of the benchmarks",
    "caveat": "caveats printed in every guide",
}
_METRIC_UNITS = {"delta_pp": " pp", "gap": " pp", "relative_gain": "%"}
_BUILTIN_NAMES = {"role": "Role", "stage": "Stage", "model": "Model", "baseline": "Baseline"}


def rule_anchor(rule_id: str) -> str:
    """The one stable anchor of a rule: ``rule-`` and its id (ids are already anchor-safe)."""
    return f"rule-{rule_id}"


def source_anchor(source_id: str) -> str:
    """The stable anchor of a source."""
    return f"source-{source_id}"


# --------------------------------------------------------------------------- conditions in words


def _input_name(book: Rulebook, name: str) -> str:
    if name in _BUILTIN_NAMES:
        return _BUILTIN_NAMES[name]
    if name in book.benchmarks:
        return book.benchmarks[name].name
    if name in book.metrics:
        return book.metrics[name].name or name
    return name


def _unit(book: Rulebook, name: str) -> str:
    if name in book.benchmarks:
        unit = book.benchmarks[name].unit
        return "%" if unit.startswith("%") else (f" {unit}" if unit else "")
    if name in book.metrics:
        return _METRIC_UNITS.get(book.metrics[name].formula, "")
    return ""


def _id_names(book: Rulebook, name: str, ids: frozenset[str]) -> list[str]:
    """Ids of a cell as names, in the rulebook's order (unknown ids last, sorted)."""
    tables: dict[str, dict[str, Any]] = {
        "role": book.roles,
        "stage": book.stages,
        "model": book.models,
        "baseline": book.models,
        "evidence": book.evidence,
    }
    known = tables.get(name, {})
    ordered = [i for i in known if i in ids] + sorted(i for i in ids if i not in known)
    return [known[i].name if i in known else i for i in ordered]


def condition_words(book: Rulebook, name: str, test: Test | None) -> str:
    """One cell in words: "MLE-Bench ≥ 30% and < 50%", "Terminal-Bench 2.0 any"."""
    label = _input_name(book, name)
    if test is None or test.kind == "any":
        return f"{label} any"
    if test.kind == "ids":
        return f"{label} is " + " or ".join(_id_names(book, name, test.ids))
    if test.kind == "bool":
        return f"{label} is {test.describe()}"
    if test.kind == "missing" and book.input_kind(name) != "number":
        return f"{label} not given"
    return f"{label} {test.describe(_unit(book, name))}"


def _conditions(book: Rulebook, table: CompiledTable, rule: CompiledRule) -> list[dict[str, Any]]:
    out = []
    for name in table.spec.inputs:
        if name in ("role", "stage"):
            continue
        test = rule.tests.get(name)
        out.append(
            {
                "input": name,
                "name": _input_name(book, name),
                "test": test.source if test else "-",
                "words": condition_words(book, name, test),
            }
        )
    return out


# --------------------------------------------------------------------------- data


def _level(book: Rulebook, level_id: str | None) -> dict[str, Any] | None:
    if level_id is None:
        return None
    lv = book.levels[book.level_rank(level_id)]
    return {"id": lv.id, "name": lv.name, "rank": book.level_rank(level_id)}


def _rule_data(book: Rulebook, table: CompiledTable, rule: CompiledRule) -> dict[str, Any]:
    spec = rule.spec
    role_test = rule.tests.get("role")
    stage_test = rule.tests.get("stage")
    roles = [r for r in book.roles if role_test is None or role_test.matches(r)]
    stages = (
        None
        if "stage" not in table.spec.inputs
        else [s for s in book.stages if stage_test is None or stage_test.matches(s)]
    )
    conditions = _conditions(book, table, rule)
    return {
        "id": rule.id,
        "anchor": rule_anchor(rule.id),
        "table": table.id,
        "roles": roles,
        "stages": stages,
        "stage_names": None if stages is None else [book.stages[s].name for s in stages],
        "conditions": conditions,
        "condition_words": "; ".join(c["words"] for c in conditions) or "always",
        "autonomy": _level(book, spec.autonomy),
        "text": spec.text,
        "review": spec.review,
        "time_saved": spec.time_saved,
        "rationale": spec.rationale,
        "sources": list(spec.sources),
    }


def _table_data(book: Rulebook, table: CompiledTable) -> dict[str, Any]:
    spec = table.spec
    policy = HIT_POLICIES[spec.hit_policy]
    if spec.hit_policy == "priority":
        order = spec.priority or book.level_ids
        names = [book.levels[book.level_rank(x)].name for x in order if x in book.level_ids]
        policy += " (" + ", then ".join(names) + ")"
    return {
        "id": table.id,
        "anchor": f"table-{table.id}",
        "name": spec.name or table.id,
        "description": spec.description,
        "purpose": spec.purpose,
        "purpose_words": PURPOSES[spec.purpose],
        "hit_policy": spec.hit_policy,
        "hit_policy_words": policy,
        "inputs": [{"id": i, "name": _input_name(book, i)} for i in spec.inputs],
        "by_role": "role" in spec.inputs,
        "has_stage": "stage" in spec.inputs,
        "columns": {
            "autonomy": spec.purpose == "stage-advice" or any(r.spec.autonomy for r in table.rules),
            "review": any(r.spec.review for r in table.rules),
            "time_saved": any(r.spec.time_saved for r in table.rules),
            "rationale": any(r.spec.rationale for r in table.rules),
        },
        "rules": [_rule_data(book, table, r) for r in table.rules],
    }


def export_data(book: Rulebook) -> dict[str, Any]:
    """The rulebook's vocabulary and decision tables as plain data (``--format json``)."""
    return {
        "rulebook": {
            "id": book.meta.id,
            "name": book.meta.name,
            "version": book.meta.version,
            "description": book.meta.description,
        },
        "levels": [
            {"id": lv.id, "name": lv.name, "ai": lv.ai, "human": lv.human, "rank": i}
            for i, lv in enumerate(book.levels)
        ],
        "roles": [
            {
                "id": r.id,
                "name": r.name,
                "plural": r.plural or r.name,
                "aliases": list(r.aliases),
                "description": r.description,
            }
            for r in book.roles.values()
        ],
        "stages": [
            {"id": s.id, "name": s.name, "description": s.description} for s in book.stages.values()
        ],
        "benchmarks": [
            {
                "id": b.id,
                "name": b.name,
                "measures": b.measures,
                "unit": b.unit,
                "size": b.size,
                "url": b.url,
                "limits": list(b.limits),
                "informs": [book.stages[x].name for x in b.informs if x in book.stages],
                "bands": [{"at_least": band.at_least, "level": band.level} for band in b.bands],
                "reads_as": "; ".join(
                    f"from {wording.number(band.at_least, 2)}%: {band.level}" for band in b.bands
                ),
            }
            for b in book.benchmarks.values()
        ],
        "metrics": [
            {
                "id": m.id,
                "name": m.name or m.id,
                "formula": m.formula,
                "benchmarks": [m.benchmark] if m.benchmark else list(m.benchmarks),
            }
            for m in book.metrics.values()
        ],
        "tables": [_table_data(book, t) for t in book.tables],
        "models": [_model_data(book, m.id) for m in book.models.values()],
        "sources": [
            {
                "id": s.id,
                "anchor": source_anchor(s.id),
                "title": s.title,
                "url": s.url,
                "date": s.date or "",
                "verified": s.verified,
                "note": s.note,
            }
            for s in book.sources.values()
        ],
        "changes": [{"rule": c.rule_id, "action": c.action} for c in book.changes],
    }


def _model_data(book: Rulebook, model_id: str) -> dict[str, Any]:
    m = book.models[model_id]
    base = book.models.get(m.baseline) if m.baseline else None
    return {
        "id": m.id,
        "name": m.name,
        "vendor": m.vendor,
        "agent": m.agent,
        "baseline": {"id": base.id, "name": base.name} if base else None,
        "notes": m.notes,
        "scores": [
            {
                "benchmark": sc.benchmark,
                "benchmark_name": book.benchmarks[sc.benchmark].name
                if sc.benchmark in book.benchmarks
                else sc.benchmark,
                "score": sc.score,
                "stderr": sc.stderr,
                "split": sc.split,
                "agent": sc.agent,
                "date": sc.date,
                "source": sc.source,
                "verified": sc.verified,
                "flags": list(sc.flags),
                "notes": sc.notes,
            }
            for sc in m.scores
        ],
    }


# --------------------------------------------------------------------------- view model


def export_context(book: Rulebook, *, fragment: bool = False) -> dict[str, Any]:
    """Everything a rules template can use: :func:`export_data` plus presentation.

    Adds the levels' colours, each rule's level with its colour, and the
    per-role sections of each table. A rule that applies to several roles is
    listed under each; only its first row carries the anchor, the others link
    to it (``first``).
    """
    data = export_data(book)
    levels = level_views(book)
    source_titles = {s["id"]: s["title"] for s in data["sources"]}
    seen: set[str] = set()
    tables = []
    for table in data["tables"]:
        groups: list[tuple[dict[str, Any] | None, list[dict[str, Any]]]]
        if table["by_role"]:
            groups = [
                (role, [r for r in table["rules"] if role["id"] in r["roles"]])
                for role in data["roles"]
            ]
        else:
            groups = [(None, list(table["rules"]))]
        sections = []
        for role, rules in groups:
            rows = []
            for r in rules:
                rows.append(
                    {
                        **r,
                        "level": levels[r["autonomy"]["rank"]] if r["autonomy"] else None,
                        "first": r["id"] not in seen,
                        "source_list": [
                            {"id": s, "anchor": source_anchor(s), "title": source_titles.get(s, s)}
                            for s in r["sources"]
                        ],
                    }
                )
                seen.add(r["id"])
            sections.append({"role": role, "rules": rows})
        tables.append({**table, "sections": sections})
    return {
        **data,
        "tool": {"name": "advisor", "version": __version__},
        "fragment": fragment,
        "levels": levels,
        "tables": tables,
    }


def render_rules(book: Rulebook, fmt: str = "md", *, fragment: bool = False) -> str:
    """The rulebook as decision tables in one of :data:`advisor.rendering.formats.FORMATS`.

    Raises:
        InputError: unknown format.
        AdvisorError: a template failed (located to the template line).
    """
    check_format(fmt)
    if fmt == "json":
        return json.dumps(export_data(book), indent=2, ensure_ascii=False) + "\n"
    return render_builtin(fmt, TEMPLATE_FILES[fmt], export_context(book, fragment=fragment))
