"""Running one decision table: the rules that apply to a role and stage, the hit policy,
and the trace that says why (matched, suppressed, near misses)."""

from __future__ import annotations

from typing import Any

from advisor.errors import EvaluationError
from advisor.evaluation.results import NearMiss, Trace
from advisor.load.rulebook import CompiledRule, CompiledTable, Rulebook


def candidates(table: CompiledTable, role: str | None, stage: str | None) -> list[CompiledRule]:
    # Rules are indexed by role and stage once per table, so a lookup only
    # scans the rules that can apply to this role and stage.
    cache: dict[tuple[str | None, str | None], list[CompiledRule]] = table._memo.setdefault(
        "index", {}
    )
    key = (role, stage)
    hit = cache.get(key)
    if hit is None:
        hit = [
            r
            for r in table.rules
            if ("role" not in r.tests or r.tests["role"].matches(role))
            and ("stage" not in r.tests or r.tests["stage"].matches(stage))
        ]
        cache[key] = hit
    return hit


def run_table(
    book: Rulebook,
    table: CompiledTable,
    inputs: dict[str, Any],
    role: str | None = None,
    stage: str | None = None,
    trace: bool = True,
) -> tuple[list[CompiledRule], Trace | None]:
    """Evaluate one decision table.

    Returns:
        The winning rules (one, or several under ``collect``) and, if asked, the trace.

    Raises:
        EvaluationError: a ``unique`` table has more than one matching rule.
    """
    matched: list[CompiledRule] = []
    misses: list[NearMiss] = []
    for rule in candidates(table, role, stage):
        failed = None
        for name, test in rule.tests.items():
            if name in ("role", "stage"):
                continue
            if not test.matches(inputs.get(name)):
                failed = (name, test)
                break
        if failed is None:
            matched.append(rule)
        elif trace:
            misses.append(NearMiss(rule.id, failed[0], inputs.get(failed[0]), failed[1].source))
    policy = table.spec.hit_policy
    if policy == "collect":
        chosen = matched
    elif not matched:
        chosen = []
    elif policy == "unique":
        if len(matched) > 1:
            a, b = matched[0], matched[1]
            where = f" for {role}" + (f" × {stage}" if stage else "") if role else ""
            raise EvaluationError(
                f"rules {a.id!r} ({a.location}) and {b.id!r} ({b.location}) both apply{where} "
                f"in unique table {table.id!r}; fix the table (see 'advisor rules lint')",
                a.location,
            )
        chosen = matched
    elif policy == "priority":
        big = len(table.priority_rank)
        chosen = [
            min(
                matched,
                key=lambda r: (table.priority_rank.get(r.spec.autonomy or "", big), r.index),
            )
        ]
    else:  # first
        chosen = [matched[0]]
    if not trace:
        return chosen, None
    chosen_ids = [r.id for r in chosen]
    own = table._memo.get("own")
    if own is None:
        own = table._memo["own"] = {r.id for r in table.spec.rules}
    changes = [f"{c.rule_id} {c.action} at {c.location}" for c in book.changes if c.rule_id in own]
    tr = Trace(
        table.id,
        policy,
        role,
        stage,
        [r.id for r in matched],
        chosen_ids,
        [r.id for r in matched if r.id not in chosen_ids],
        misses,
        changes,
    )
    return chosen, tr
