"""Lint of rule texts: variables a text cannot use, and lookups of benchmarks, metrics and
questions the rulebook does not have."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from jinja2 import meta, nodes

from advisor.errors import TemplateLimitError
from advisor.evaluation.questions import CORE_QUESTIONS
from advisor.load.resources import is_builtin
from advisor.load.rulebook import TEXT_FIELDS, Rulebook
from advisor.text.sandbox import needs_template, text_environment, under_limits
from advisor.verify.findings import Finding

_TEAM_NAMES = frozenset(
    {
        "team",
        "date",
        "model",
        "baseline",
        "scores",
        "baseline_scores",
        "metrics",
        "answers",
        "benchmarks",
        "ignored",
        "off_split",
    }
)
#: Names a rule text can use, by how often its table runs (see the engine's contexts).
SCOPE_NAMES = {
    "team": _TEAM_NAMES,
    "role": _TEAM_NAMES | {"role"},
    "stage": _TEAM_NAMES | {"role", "stage", "level", "basis"},
}


def check_texts(book: Rulebook, out: list[Finding]) -> set[str]:
    """Check rule texts' variables and constant lookups; return the benchmark ids that
    texts reading scores or benchmarks spell out (``scores['x']``, ``scores.get('x')``,
    ``{% for b in ['x'] %}``)."""
    env = text_environment()
    globals_ = set(env.globals)
    parsed: dict[str, Any] = {}  # the same text is often used by many rules
    looked_up: set[str] = set()
    keyed: dict[str, tuple[str, Collection[str]]] = {
        "scores": ("benchmark", book.benchmarks),
        "baseline_scores": ("benchmark", book.benchmarks),
        "benchmarks": ("benchmark", book.benchmarks),
        "ignored": ("benchmark", book.benchmarks),
        "off_split": ("benchmark", book.benchmarks),
        "metrics": ("metric", book.metrics),
        # The core answers reach texts as variables of their own (team, model, ...).
        "answers": ("question", {q.id for q in book.questions} - CORE_QUESTIONS),
    }
    benchmark_names = {n for n, (kind, _) in keyed.items() if kind == "benchmark"}
    for table in book.tables:
        known = SCOPE_NAMES[table.scope] | globals_
        for rule in table.rules:
            for key in TEXT_FIELDS:
                text = getattr(rule.spec, key)
                if not text or not needs_template(text):
                    continue
                loc = book.where("text", f"{rule.id}\0{key}") or rule.location
                if text not in parsed:
                    parsed[text] = _analysed(env, text, loc)
                if isinstance(parsed[text], TemplateLimitError):
                    out.append(
                        Finding(
                            "error",
                            "text-limit",
                            f"rule {rule.id!r}, {key}: {parsed[text].message}",
                            (loc,),
                            table.id,
                            (rule.id,),
                        )
                    )
                    continue
                ast, undeclared = parsed[text]
                for name in sorted(undeclared - known):
                    out.append(
                        Finding(
                            "error",
                            "unknown-variable",
                            f"rule {rule.id!r}, {key}: unknown variable {name!r}; a {table.scope}"
                            f" text can use {', '.join(sorted(SCOPE_NAMES[table.scope]))}",
                            (loc,),
                            table.id,
                            (rule.id,),
                        )
                    )
                if any(n.name in benchmark_names for n in ast.find_all(nodes.Name)):
                    # Scores are read here, perhaps through a loop or a variable
                    # ({% for b in ['x'] %}{{ scores[b] }}): every benchmark id the text
                    # spells out counts as used.
                    looked_up.update(
                        c.value
                        for c in ast.find_all(nodes.Const)
                        if isinstance(c.value, str) and c.value in book.benchmarks
                    )
                for node in ast.find_all((nodes.Getitem, nodes.Getattr, nodes.Call)):
                    lookup = _constant_lookup(node, keyed)
                    if lookup is None:
                        continue
                    name, ident, shown = lookup
                    kind, ids = keyed[name]
                    if ident in ids:
                        continue
                    problem = (
                        "is not there: 'answers' holds an organisation's own questions; "
                        "texts get team, model and baseline as variables of their own, and "
                        "role and stage in role and stage tables"
                        if name == "answers" and ident in CORE_QUESTIONS
                        else f"names no {kind} of this rulebook"
                    )
                    out.append(
                        Finding(
                            "error",
                            "unknown-variable",
                            f"rule {rule.id!r}, {key}: {shown} {problem}",
                            (loc,),
                            table.id,
                            (rule.id,),
                        )
                    )
    return looked_up


def _analysed(env: Any, text: str, where: Any) -> tuple[Any, set[str]] | TemplateLimitError:
    """A text's syntax tree and the variables it reads; a text from a file other than the
    built-in rulebook's is analysed under the limits, since finding its variables
    compiles it, constant parts (``'x' * 10**10``) included."""
    ast = env.parse(text)
    if is_builtin(where):
        return ast, meta.find_undeclared_variables(ast)
    try:
        return ast, under_limits(lambda: meta.find_undeclared_variables(ast), "text", where)
    except TemplateLimitError as exc:
        return exc


#: Methods of the mappings texts get, which ``name.attr`` may call rather than look up.
_DICT_METHODS = frozenset({"get", "items", "keys", "values"})


def _constant_lookup(node: Any, keyed: Collection[str]) -> tuple[str, str, str] | None:
    """``(name, key, as written)`` for ``name['key']``, ``name.key`` or
    ``name.get('key', ...)`` with ``name`` one of ``keyed``; None for anything else."""
    if isinstance(node, nodes.Getitem):
        target, arg = node.node, node.arg
        shown = "{}[{!r}]"
    elif isinstance(node, nodes.Getattr):
        if not (isinstance(node.node, nodes.Name) and node.node.name in keyed):
            return None
        if node.attr in _DICT_METHODS:
            return None  # scores.get(...), scores.items(): a method, not a key
        return node.node.name, node.attr, f"{node.node.name}.{node.attr}"
    elif (
        isinstance(node, nodes.Call)
        and isinstance(node.node, nodes.Getattr)
        and node.node.attr == "get"
        and node.args
    ):
        target, arg = node.node.node, node.args[0]
        shown = "{}.get({!r})"
    else:
        return None
    if not (
        isinstance(target, nodes.Name)
        and target.name in keyed
        and isinstance(arg, nodes.Const)
        and isinstance(arg.value, str)
    ):
        return None
    return target.name, arg.value, shown.format(target.name, arg.value)
