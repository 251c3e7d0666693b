"""Merge the files of a rulebook (and its ``extends:`` base) and check what they refer to.

Entries of an organisation rulebook replace those of its base with the same
id; a table of the same id keeps the base's rules it does not replace.
After merging, every reference (a rule's role, a model's baseline, a test's
rule) is checked and every table compiled; all problems are collected.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec
import msgspec.structs

from advisor import wording
from advisor.load.book import (
    BUILTIN_INPUTS,
    TEXT_FIELDS,
    CompiledRule,
    CompiledTable,
    Rulebook,
    RuleChange,
    closest,
    unknown,
)
from advisor.load.validate import Problems
from advisor.load.yamlsource import SourceMap
from advisor.model import schema as s
from advisor.model.conditions import CellError, Test, parse_cell
from advisor.model.location import Location

SECTIONS = s.SECTIONS


class File(msgspec.Struct):
    """One validated rulebook file: its name, data as read, structs and source map."""

    path: str
    raw: dict[Any, Any]
    data: s.RulebookFile
    smap: SourceMap


def build(files: list[File], base: Rulebook | None, problems: Problems) -> Rulebook:
    """The rulebook made of ``files`` over ``base``; raises RulebookError with every problem."""
    return _build(files, base, problems)


def _build(files: list[File], base: Rulebook | None, problems: Problems) -> Rulebook:
    locs: dict[tuple[str, str], Location] = dict(base.locations) if base else {}
    merged: dict[str, dict[str, Any]] = {sec: {} for sec in SECTIONS}
    if base:
        merged["autonomy"] = {lv.id: lv for lv in base.levels}
        merged["roles"] = dict(base.roles)
        merged["stages"] = dict(base.stages)
        merged["benchmarks"] = dict(base.benchmarks)
        merged["evidence"] = dict(base.evidence)
        merged["sources"] = dict(base.sources)
        merged["models"] = dict(base.models)
        merged["metrics"] = dict(base.metrics)
        merged["questions"] = {q.id: q for q in base.questions}
        merged["tables"] = {t.id: t.spec for t in base.tables}
        merged["tests"] = {t.id: t for t in base.tests}
    from_base = {sec: set(merged[sec]) for sec in SECTIONS}
    meta = base.meta if base else None
    changes: list[RuleChange] = list(base.changes) if base else []
    kinds = {sec: sec.rstrip("s") for sec in SECTIONS}
    kinds["autonomy"] = "level"
    kinds["evidence"] = "evidence level"

    for f in files:
        if f.data.rulebook is not None:
            if meta is not None and (base is None or meta is not base.meta):
                problems.add("rulebook: metadata given twice", f.smap.locate(("rulebook",)))
            meta = f.data.rulebook
        for sec in SECTIONS:
            for i, item in enumerate(getattr(f.data, sec)):
                where = f.smap.locate((sec, i, "id"))
                key = (kinds[sec], item.id)
                if item.id in merged[sec] and item.id not in from_base[sec]:
                    problems.add(
                        f"duplicate {kinds[sec]} id {item.id!r} (first at {locs[key]}); "
                        "ids must be unique",
                        where,
                    )
                    continue
                if sec == "tables" and item.id in from_base["tables"]:
                    item = _merge_table(
                        merged["tables"][item.id], item, f, i, base, changes, problems
                    )
                    from_base["tables"].discard(item.id)
                merged[sec][item.id] = item
                from_base[sec].discard(item.id)
                locs[key] = where
                if sec == "tables":
                    _record_rule_locations(item, f, i, locs)
                if sec == "models":
                    _record_model_locations(item, f, i, locs)

    if meta is None:
        problems.add(
            "no 'rulebook:' section with id and name; add one to one of the files",
            Location(files[0].path if files else "rulebook", 1, 1),
        )
    disabled = _apply_disables(files, merged, locs, changes, problems)
    if base:
        # The base's table specs still hold the rules it disabled; they stay
        # off here too unless this rulebook defines them again.
        own = {r.id for f in files for t in f.data.tables for r in t.rules}
        disabled |= {c.rule_id for c in base.changes if c.action == "disabled"} - own
    problems.raise_if_any()
    assert meta is not None
    book = Rulebook(
        meta=meta,
        levels=list(merged["autonomy"].values()),
        roles=merged["roles"],
        stages=merged["stages"],
        benchmarks=merged["benchmarks"],
        sources=merged["sources"],
        models=merged["models"],
        metrics=merged["metrics"],
        questions=list(merged["questions"].values()),
        tables=[],
        tests=list(merged["tests"].values()),
        files=(base.files if base else []) + [f.path for f in files],
        locations=locs,
        changes=changes,
        evidence=merged["evidence"],
    )
    _check(book, merged["tables"], disabled, problems)
    problems.raise_if_any()
    return book


def _record_model_locations(
    model: s.Model, f: File, mi: int, locs: dict[tuple[str, str], Location]
) -> None:
    if model.baseline is not None:
        locs[("model-baseline", model.id)] = f.smap.locate(("models", mi, "baseline"))
    for j in range(len(model.scores)):
        where = f.smap.locate(("models", mi, "scores", j, "benchmark"))
        locs[("score", f"{model.id}\0{j}")] = where


def _record_rule_locations(
    table: s.Table, f: File, ti: int, locs: dict[tuple[str, str], Location]
) -> None:
    for ri, rule in enumerate(f.data.tables[ti].rules):
        path = ("tables", ti, "rules", ri)
        # Only rules written in this file get this file's locations.
        if f.smap.get(path) is not None and f.smap.get(path + ("id",)) is not None:
            locs[("rule", rule.id)] = f.smap.locate(path + ("id",))
            for key in rule.when:
                locs[("cell", f"{rule.id}\0{key}")] = f.smap.locate(path + ("when", key))
            for key in TEXT_FIELDS:
                if f.smap.get(path + (key,)) is not None:
                    locs[("text", f"{rule.id}\0{key}")] = f.smap.locate(path + (key,))
            if f.smap.get(path + ("autonomy",)) is not None:
                locs[("autonomy", rule.id)] = f.smap.locate(path + ("autonomy",))
            for si in range(len(rule.sources)):
                locs[("source-ref", f"{rule.id}\0{si}")] = f.smap.locate(path + ("sources", si))


def _merge_table(
    old: s.Table,
    new: s.Table,
    f: File,
    ti: int,
    base: Rulebook | None,
    changes: list[RuleChange],
    problems: Problems,
) -> s.Table:
    """An organisation's table of the same id: its rules replace or extend the base's."""
    first: dict[str, int] = {}
    for ri, r in enumerate(new.rules):
        if r.id in first:
            where = f.smap.locate(("tables", ti, "rules", first[r.id], "id"))
            problems.add(
                f"duplicate rule id {r.id!r} in table {new.id!r} (first at {where})",
                f.smap.locate(("tables", ti, "rules", ri, "id")),
            )
        first.setdefault(r.id, ri)
    by_id = {r.id: r for r in new.rules}
    rules = []
    for r in old.rules:
        if r.id in by_id:
            ri = next(i for i, x in enumerate(new.rules) if x.id == r.id)
            original = base.where("rule", r.id) if base else None
            changes.append(
                RuleChange(
                    r.id,
                    "overridden",
                    f.smap.locate(("tables", ti, "rules", ri, "id")),
                    original or Location("?"),
                )
            )
            rules.append(by_id.pop(r.id))
        else:
            rules.append(r)
    rules.extend(r for r in new.rules if r.id in by_id)
    # Table settings come from the organisation's file when it gives them.
    raw = f.raw["tables"][ti]
    given = {fi.name: getattr(new, fi.name) for fi in msgspec.structs.fields(new) if fi.name in raw}
    given["rules"] = rules
    if "inputs" in raw:
        _check_restated_inputs(old, new, rules, f, ti, problems)
    return msgspec.structs.replace(old, **given)


def _check_restated_inputs(
    old: s.Table, new: s.Table, rules: list[s.Rule], f: File, ti: int, problems: Problems
) -> None:
    """One line at the organisation's ``inputs`` when it drops inputs inherited rules read.

    Without it, every inherited rule reading such an input (the built-in stage
    table's 'evidence', say) would be reported, located in the built-in files.
    """
    own = {r.id for r in new.rules}
    readers: dict[str, list[str]] = {}
    for r in rules:
        if r.id in own:
            continue
        for name in r.when:
            if name not in new.inputs:
                readers.setdefault(name, []).append(r.id)
    if not readers:
        return
    dropped = [n for n in old.inputs if n in readers] + sorted(set(readers) - set(old.inputs))
    suggested = [n for n in old.inputs if n in new.inputs or n in readers]
    suggested += [n for n in new.inputs if n not in suggested]
    count = len({rid for ids in readers.values() for rid in ids})
    first = readers[dropped[0]][0]
    problems.add(
        f"table {new.id!r}: inputs leave out {' and '.join(map(repr, dropped))}, which "
        f"{count} inherited rule{'s' if count != 1 else ''} read (first {first!r}); add "
        f"{'it' if len(dropped) == 1 else 'them'} to inputs: [{', '.join(suggested)}]",
        f.smap.locate(("tables", ti, "inputs")),
    )


def _apply_disables(
    files: list[File],
    merged: dict[str, dict[str, Any]],
    locs: dict[tuple[str, str], Location],
    changes: list[RuleChange],
    problems: Problems,
) -> set[str]:
    disabled: set[str] = set()
    all_rules = {r.id for t in merged["tables"].values() for r in t.rules}
    for f in files:
        if f.data.overrides is None:
            continue
        for i, rid in enumerate(f.data.overrides.disable):
            where = f.smap.locate(("overrides", "disable", i))
            if rid not in all_rules:
                problems.add(
                    unknown("rule", rid, sorted(all_rules)).message + " (in disable)", where
                )
                continue
            disabled.add(rid)
            changes.append(RuleChange(rid, "disabled", where, locs.get(("rule", rid), where)))
    return disabled


def _check(
    book: Rulebook, tables: dict[str, s.Table], disabled: set[str], problems: Problems
) -> None:
    where = book.where
    first = Location(book.files[0] if book.files else "rulebook", 1, 1)
    for sec, items in (
        ("autonomy", book.levels),
        ("roles", book.roles),
        ("stages", book.stages),
        ("benchmarks", book.benchmarks),
    ):
        if len(items) < (2 if sec == "autonomy" else 1):
            problems.add(f"the rulebook defines no {sec}; add a '{sec}:' section", first)

    for role in book.roles.values():
        for alias in role.aliases:
            if alias in book.roles or alias in book.aliases:
                problems.add(
                    f"role alias {alias!r} is already a role id or alias", where("role", role.id)
                )
            book.aliases[alias] = role.id

    for model in book.models.values():
        mloc = where("model", model.id)
        if model.baseline is not None and model.baseline not in book.models:
            problems.add(
                f"model {model.id!r}: "
                + unknown("baseline model", model.baseline, list(book.models)).message,
                where("model-baseline", model.id) or mloc,
            )
        if model.baseline == model.id:
            problems.add(f"model {model.id!r} cannot be its own baseline", mloc)
        seen: set[str] = set()
        for j, sc in enumerate(model.scores):
            if sc.benchmark not in book.benchmarks:
                hint = unknown("benchmark", sc.benchmark, list(book.benchmarks)).message
                problems.add(
                    f"model {model.id!r}: {hint}", where("score", f"{model.id}\0{j}") or mloc
                )
            if sc.benchmark in seen:
                problems.add(
                    f"model {model.id!r} has two scores on {sc.benchmark!r}; keep one per model "
                    "(a different agent or harness is a different model entry)",
                    mloc,
                )
            seen.add(sc.benchmark)

    names: dict[str, str] = {n: "built-in input" for n in BUILTIN_INPUTS}
    for kind, ids in (
        ("benchmark", book.benchmarks),
        ("metric", book.metrics),
        ("question", [q.id for q in book.questions]),
    ):
        for ident in ids:
            if ident in names and not (kind == "question" and ident in ("model", "baseline")):
                problems.add(
                    f"{kind} id {ident!r} clashes with the {names[ident]} of the same name; "
                    "rename it",
                    where(kind, ident),
                )
            names.setdefault(ident, kind)

    for metric in book.metrics.values():
        need = {"delta_pp": 1, "relative_gain": 1, "gap": 2}[metric.formula]
        given = [metric.benchmark] if metric.benchmark else list(metric.benchmarks)
        if len(given) != need or (metric.benchmark and metric.benchmarks):
            what = "'benchmark: ID'" if need == 1 else "'benchmarks: [ID, ID]'"
            problems.add(
                f"metric {metric.id!r}: formula {metric.formula} takes {what}",
                where("metric", metric.id),
            )
        for b in given:
            if b not in book.benchmarks:
                problems.add(
                    unknown("benchmark", b, list(book.benchmarks)).message,
                    where("metric", metric.id),
                )

    _check_evidence(book, problems)
    _check_questions(book, problems)
    _compile_tables(book, tables, disabled, problems)
    declared = {r.id for t in tables.values() for r in t.rules}
    _check_tests(book, problems, disabled, declared)


def _check_evidence(book: Rulebook, problems: Problems) -> None:
    """Benchmarks inform known stages and read their scores in ascending bands."""
    rank = {lv: i for i, lv in enumerate(book.evidence)}
    for bench in book.benchmarks.values():
        loc = book.where("benchmark", bench.id)
        for stage in bench.informs:
            if stage not in book.stages:
                hint = unknown("stage", stage, list(book.stages)).message
                problems.add(f"benchmark {bench.id!r}: {hint} (in informs)", loc)
        if bench.informs and not bench.bands:
            problems.add(
                f"benchmark {bench.id!r} informs stages but has no 'bands' saying how its "
                "scores are read",
                loc,
            )
        prev: s.Band | None = None
        for band in bench.bands:
            if band.level not in rank:
                hint = unknown("evidence level", band.level, list(book.evidence)).message
                problems.add(f"benchmark {bench.id!r}: {hint} (in bands)", loc)
                continue
            if prev is not None and not (
                band.at_least > prev.at_least and rank[band.level] > rank[prev.level]
            ):
                # Once: every later band would be compared with a band already out of order.
                problems.add(
                    f"benchmark {bench.id!r}: bands must rise in both at_least and level "
                    f"(a higher score never reads as weaker evidence): {_band(band)} follows "
                    f"{_band(prev)}",
                    loc,
                )
                break
            prev = band
        _check_splits(bench, loc, problems)


def _band(band: s.Band) -> str:
    return f"'{band.level}' at {wording.number(band.at_least)}"


def _check_splits(bench: s.Benchmark, loc: Location | None, problems: Problems) -> None:
    """Subsets need the split the bands read, and no split name may mean two splits."""
    if bench.subsets and bench.bands_split is None:
        problems.add(
            f"benchmark {bench.id!r} lists 'subsets' but no 'bands_split' saying which split "
            "its bands read",
            loc,
        )
    seen: set[str] = set()
    for split in [*([bench.bands_split] if bench.bands_split else []), *bench.subsets]:
        for name in [split.id, *split.aliases]:
            if name in seen:
                problems.add(
                    f"benchmark {bench.id!r}: split name {name!r} is given twice "
                    "(in bands_split or subsets)",
                    loc,
                )
            seen.add(name)


def _check_questions(book: Rulebook, problems: Problems) -> None:
    seen: list[str] = []
    for q in book.questions:
        loc = book.where("question", q.id)
        if q.type in ("select", "checkbox") and not q.choices and not q.choices_from:
            problems.add(
                f"question {q.id!r}: a {q.type} question needs 'choices' or 'choices_from'", loc
            )
        for key in q.when:
            if key not in seen:
                problems.add(
                    f"question {q.id!r}: 'when' refers to {key!r}, "
                    "which is not an earlier question",
                    loc,
                )
        if q.min is not None and q.max is not None and q.min > q.max:
            problems.add(f"question {q.id!r}: min is above max", loc)
        seen.append(q.id)


def _compile_tables(
    book: Rulebook, tables: dict[str, s.Table], disabled: set[str], problems: Problems
) -> None:
    levels = set(book.level_ids)
    rule_seen: dict[str, str] = {}
    stage_tables = [t for t in tables.values() if t.purpose == "stage-advice"]
    if len(stage_tables) != 1:
        first = Location(book.files[0] if book.files else "rulebook", 1, 1)
        problems.add(
            "a rulebook needs exactly one table with purpose 'stage-advice', "
            f"found {len(stage_tables)}",
            book.where("table", stage_tables[1].id) if len(stage_tables) > 1 else first,
        )
    for table in tables.values():
        tloc = book.where("table", table.id) or Location("rulebook")
        kinds: dict[str, str] = {}
        for name in table.inputs:
            kind = book.input_kind(name)
            if kind is None:
                known = [
                    *BUILTIN_INPUTS, *book.benchmarks, *book.metrics,
                    *(q.id for q in book.questions),
                ]  # fmt: skip
                near = closest(name, known)
                hint = f" (did you mean {' or '.join(near)}?)" if near else ""
                problems.add(
                    f"table {table.id!r}: unknown input {name!r}{hint}; inputs are role, "
                    "stage, model, baseline, benchmark, metric and question ids",
                    tloc,
                )
                continue
            if name in ("stage", "evidence") and table.purpose != "stage-advice":
                problems.add(
                    f"table {table.id!r}: only stage-advice tables can read {name!r}", tloc
                )
            if name == "role" and table.purpose not in ("stage-advice", "role-summary"):
                problems.add(
                    f"table {table.id!r}: a {table.purpose} table runs once per guide "
                    "and cannot read 'role'",
                    tloc,
                )
            kinds[name] = kind
        rank = {lv: i for i, lv in enumerate(table.priority or book.level_ids)}
        for lv in table.priority:
            if lv not in levels:
                problems.add(
                    unknown("autonomy level", lv, list(levels)).message + " (in priority)", tloc
                )
        compiled = CompiledTable(table, [], kinds, tloc, rank)
        for index, rule in enumerate(table.rules):
            rloc = book.where("rule", rule.id) or tloc
            if rule.id in rule_seen:
                problems.add(
                    f"duplicate rule id {rule.id!r} (also in table {rule_seen[rule.id]!r})", rloc
                )
                continue
            rule_seen[rule.id] = table.id
            if rule.id in disabled:
                continue
            cr = _compile_rule(book, table, index, rule, kinds, rloc, problems)
            if cr is not None:
                compiled.rules.append(cr)
            if table.purpose == "stage-advice" and rule.autonomy is None:
                problems.add(f"rule {rule.id!r}: a stage-advice rule needs 'autonomy'", rloc)
            if rule.autonomy is not None and rule.autonomy not in levels:
                hint = unknown("autonomy level", rule.autonomy, book.level_ids).message
                problems.add(f"rule {rule.id!r}: {hint}", book.where("autonomy", rule.id) or rloc)
            for si, src in enumerate(rule.sources):
                if src not in book.sources:
                    problems.add(
                        unknown("source", src, list(book.sources)).message,
                        book.where("source-ref", f"{rule.id}\0{si}") or rloc,
                    )
        book.tables.append(compiled)


def _compile_rule(
    book: Rulebook,
    table: s.Table,
    index: int,
    rule: s.Rule,
    kinds: dict[str, str],
    rloc: Location,
    problems: Problems,
) -> CompiledRule | None:
    ok = True
    tests: dict[str, Test] = {}
    cell_locs: dict[str, Location] = {}
    for name, raw in rule.when.items():
        cloc = book.where("cell", f"{rule.id}\0{name}") or rloc
        cell_locs[name] = cloc
        if name not in table.inputs:
            problems.add(
                f"rule {rule.id!r}: {name!r} is not an input of table {table.id!r} "
                f"(inputs: {', '.join(table.inputs)})",
                cloc,
            )
            ok = False
            continue
        kind = kinds.get(name)
        if kind is None:
            continue
        try:
            test = parse_cell(raw, "id" if kind == "text" else kind)
        except CellError as exc:
            problems.add(f"rule {rule.id!r}, {name}: {exc}", cloc)
            ok = False
            continue
        id_sets: dict[str, dict[str, Any]] = {
            "role": book.roles,
            "stage": book.stages,
            "model": book.models,
            "baseline": book.models,
            "evidence": book.evidence,
        }
        known = id_sets.get(name)
        if known is not None:
            label = "evidence level" if name == "evidence" else name
            for ident in sorted(test.ids):
                if ident not in known:
                    problems.add(
                        f"rule {rule.id!r}: " + unknown(label, ident, list(known)).message, cloc
                    )
                    ok = False
        tests[name] = test
    if not ok:
        return None
    return CompiledRule(rule, table.id, index, tests, rloc, cell_locs)


def _check_tests(
    book: Rulebook,
    problems: Problems,
    disabled: Iterable[str] = (),
    declared: Iterable[str] = (),
) -> None:
    # A test may still name a rule that an organisation disabled: the test
    # comes from the base rulebook, and 'advisor rules test' skips that check.
    # A rule with errors of its own is reported once, not again as unknown here.
    rule_ids = {r.id for r in book.rules()} | set(disabled) | set(declared)
    table_ids = {t.id for t in book.tables}
    questions = [q.id for q in book.questions]
    for test in book.tests:
        loc = book.where("test", test.id)
        g = test.given
        for ident in (g.model, g.baseline):
            if ident is not None and ident not in book.models:
                problems.add(
                    f"test {test.id!r}: " + unknown("model", ident, list(book.models)).message, loc
                )
        if g.model is None and not g.scores:
            problems.add(f"test {test.id!r}: 'given' needs a model or scores", loc)
        for key in g.answers:
            if key not in questions:
                problems.add(
                    f"test {test.id!r}: answers: " + unknown("question", key, questions).message,
                    loc,
                )
        for b in list(g.scores) + list(g.baseline_scores):
            if b not in book.benchmarks:
                problems.add(
                    f"test {test.id!r}: " + unknown("benchmark", b, list(book.benchmarks)).message,
                    loc,
                )
        for exp in test.expect:
            if exp.role not in book.roles:
                problems.add(
                    f"test {test.id!r}: " + unknown("role", exp.role, list(book.roles)).message, loc
                )
            if exp.stage is not None and exp.stage not in book.stages:
                problems.add(
                    f"test {test.id!r}: " + unknown("stage", exp.stage, list(book.stages)).message,
                    loc,
                )
            if exp.autonomy is not None and exp.autonomy not in book.level_ids:
                problems.add(
                    f"test {test.id!r}: "
                    + unknown("autonomy level", exp.autonomy, book.level_ids).message,
                    loc,
                )
            if exp.rule is not None and exp.rule not in rule_ids:
                problems.add(
                    f"test {test.id!r}: " + unknown("rule", exp.rule, sorted(rule_ids)).message, loc
                )
            if exp.table is not None and exp.table not in table_ids:
                problems.add(
                    f"test {test.id!r}: " + unknown("table", exp.table, sorted(table_ids)).message,
                    loc,
                )
