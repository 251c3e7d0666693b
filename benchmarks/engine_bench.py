"""Engine throughput: advisor's decision tables against zen-engine (GoRules) on the same table.

A compiled advisor table is translated cell by cell into a JDM decision
graph (input node -> decision table -> output node) whose rules output the
rule id and the autonomy level. Both engines then evaluate the same random
cases; before any timing, every case must give the same rule ids in both
(zen's ``first`` stands in for ``unique``, which zen does not have: a
unique table has at most one match, so both return the same rule).
"""

from __future__ import annotations

import json
import math
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from advisor.evaluation.tables import run_table
from advisor.load.rulebook import CompiledTable, Rulebook
from advisor.model.conditions import Interval, Test

#: One case: role, stage and the inputs advisor reads (benchmark scores by id).
Case = tuple[str, str, dict[str, Any]]


def field_name(name: str) -> str:
    """An input name as a zen field (zen reads ``a-b`` as a subtraction)."""
    return name.replace("-", "_").replace(".", "_")


def _num(x: float) -> str:
    return repr(float(x)) if not float(x).is_integer() else str(int(x))


def _interval(iv: Interval) -> str:
    # zen's unary syntax: interval literals and comparisons; no parentheses.
    lo_inf, hi_inf = math.isinf(iv.lo), math.isinf(iv.hi)
    if lo_inf and hi_inf:
        return "$ != null"
    if iv.lo == iv.hi:
        return f"== {_num(iv.lo)}"
    if lo_inf:
        return f"{'<=' if iv.hi_closed else '<'} {_num(iv.hi)}"
    if hi_inf:
        return f"{'>=' if iv.lo_closed else '>'} {_num(iv.lo)}"
    left, right = "[" if iv.lo_closed else "(", "]" if iv.hi_closed else ")"
    return f"{left}{_num(iv.lo)}..{_num(iv.hi)}{right}"


def zen_cell(test: Test | None) -> str:
    """A unary test as a zen unary expression ('' matches anything)."""
    if test is None or test.kind == "any":
        return ""
    if test.kind == "missing":
        return "$ == null"
    if test.kind == "ids":
        return ", ".join(json.dumps(i) for i in sorted(test.ids))
    if test.kind == "bool":
        return "true" if test.boolean else "false"
    alts = [_interval(iv) for iv in test.intervals]
    if test.or_missing:
        alts.insert(0, "null")
    return ", ".join(alts)


def jdm(table: CompiledTable) -> dict[str, Any]:
    """The JDM decision graph of one advisor table."""
    policy = "collect" if table.spec.hit_policy == "collect" else "first"
    inputs = [
        {"id": f"in_{field_name(n)}", "name": n, "field": field_name(n)} for n in table.spec.inputs
    ]
    rules = []
    for r in table.rules:
        row = {"_id": r.id}
        for n in table.spec.inputs:
            row[f"in_{field_name(n)}"] = zen_cell(r.tests.get(n))
        row["out_rule"] = json.dumps(r.id)
        row["out_autonomy"] = json.dumps(r.spec.autonomy or "")
        rules.append(row)
    return {
        "nodes": [
            {"id": "request", "type": "inputNode", "name": "request", "position": {"x": 0, "y": 0}},
            {
                "id": "table",
                "type": "decisionTableNode",
                "name": table.id,
                "position": {"x": 300, "y": 0},
                "content": {
                    "hitPolicy": policy,
                    "inputs": inputs,
                    "outputs": [
                        {"id": "out_rule", "name": "rule", "field": "rule"},
                        {"id": "out_autonomy", "name": "autonomy", "field": "autonomy"},
                    ],
                    "rules": rules,
                },
            },
            {
                "id": "response",
                "type": "outputNode",
                "name": "response",
                "position": {"x": 600, "y": 0},
            },
        ],
        "edges": [
            {"id": "e1", "sourceId": "request", "targetId": "table", "type": "edge"},
            {"id": "e2", "sourceId": "table", "targetId": "response", "type": "edge"},
        ],
    }


def make_cases(book: Rulebook, table: CompiledTable, n: int, seed: int = 1) -> list[Case]:
    """Random cases over the table's roles, stages and score ranges (5% scores missing)."""
    rng = random.Random(seed)
    roles, stages = list(book.roles), list(book.stages)
    numeric = [name for name in table.spec.inputs if book.input_kind(name) == "number"]
    out = []
    for _ in range(n):
        role, stage = rng.choice(roles), rng.choice(stages)
        inputs: dict[str, Any] = {"role": role, "stage": stage}
        for name in numeric:
            inputs[name] = None if rng.random() < 0.05 else round(rng.uniform(0, 100), 2)
        out.append((role, stage, inputs))
    return out


def zen_context(case: Case) -> dict[str, Any]:
    """The context zen evaluates for a case (a missing score is left out)."""
    return {field_name(k): v for k, v in case[2].items() if v is not None}


def advisor_ids(book: Rulebook, table: CompiledTable, case: Case, trace: bool = False) -> list[str]:
    """The rule ids advisor chooses for a case."""
    role, stage, inputs = case
    chosen, _ = run_table(book, table, inputs, role=role, stage=stage, trace=trace)
    return [r.id for r in chosen]


def zen_ids(response: dict[str, Any]) -> list[str]:
    """The rule ids in a zen response (first: one object or none; collect: a list)."""
    result = response["result"]
    if isinstance(result, list):
        return [r["rule"] for r in result]
    return [result["rule"]] if result.get("rule") else []


def check_same(book: Rulebook, table: CompiledTable, decision: Any, cases: Sequence[Case]) -> int:
    """Assert both engines choose the same rules for every case; the number of matches."""
    matches = 0
    for case in cases:
        ours = advisor_ids(book, table, case)
        theirs = zen_ids(decision.evaluate(zen_context(case)))
        if ours != theirs:
            raise AssertionError(f"engines disagree on {case}: advisor {ours}, zen {theirs}")
        matches += len(ours)
    return matches


@dataclass
class Throughput:
    """Evaluations per second, one figure per timed round."""

    name: str
    rates: list[float]

    @property
    def rate(self) -> float:
        """Median evaluations per second."""
        return statistics.median(self.rates)


def _timed(fn: Callable[[], int]) -> float:
    start = time.perf_counter()
    n = fn()
    return n / (time.perf_counter() - start)


def throughput(
    book: Rulebook,
    table: CompiledTable,
    decision: Any,
    cases: Sequence[Case],
    zen_cases: Sequence[Case],
    rounds: int,
) -> dict[str, Throughput]:
    """Interleaved rounds of advisor (without and with trace) and zen on the same cases."""
    contexts = [zen_context(c) for c in zen_cases]

    def adv(trace: bool) -> Callable[[], int]:
        def go() -> int:
            for role, stage, inputs in cases:
                run_table(book, table, inputs, role=role, stage=stage, trace=trace)
            return len(cases)

        return go

    def zen() -> int:
        evaluate = decision.evaluate
        for ctx in contexts:
            evaluate(ctx)
        return len(contexts)

    runs = {"advisor": adv(False), "advisor (trace)": adv(True), "zen-engine": zen}
    out = {name: Throughput(name, []) for name in runs}
    for fn in runs.values():  # warm-up: indexes, caches, first-call costs
        fn()
    rng = random.Random(3)
    for _ in range(rounds):
        order = list(runs)
        rng.shuffle(order)
        for name in order:
            out[name].rates.append(_timed(runs[name]))
    return out
