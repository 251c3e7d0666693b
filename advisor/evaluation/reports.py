"""Plain-data reports for the inspection commands: models, compare, explain.

Each function returns JSON-ready data; :mod:`advisor.cli.terminal` draws it for
people and ``--json`` prints it as is.
"""

from __future__ import annotations

from typing import Any

from advisor import wording
from advisor.errors import InputError
from advisor.evaluation import evidence as ev_model
from advisor.evaluation.engine import comparison_rows, evaluate, evidence_of
from advisor.evaluation.rank import stated
from advisor.evaluation.results import Evidence, Profile
from advisor.load.rulebook import Rulebook, unknown

#: The kinds of id :func:`ids_of` lists.
ID_KINDS = ("role", "stage", "model", "baseline", "benchmark")


def ids_of(book: Rulebook, kind: str) -> list[tuple[str, str]]:
    """The ids of one kind with their names, in rulebook order (for shell completion).

    Args:
        book: The rulebook.
        kind: One of :data:`ID_KINDS`; a baseline is a model, or ``none``.
    """
    items: dict[str, dict[str, Any]] = {
        "role": book.roles,
        "stage": book.stages,
        "model": book.models,
        "baseline": book.models,
        "benchmark": book.benchmarks,
    }
    out = [(ident, str(item.name)) for ident, item in items[kind].items()]
    if kind == "baseline":
        out.append(("none", "no comparison"))
    return out


def models_table(
    book: Rulebook,
    *,
    benchmark: str | None = None,
    sort: str | None = None,
    verified_only: bool = False,
) -> list[dict[str, Any]]:
    """Models with their scores and the scores' provenance.

    Args:
        book: The rulebook.
        benchmark: Only models with a score on this benchmark, and only that score.
        sort: ``score`` (best evidence first: with ``benchmark`` its score, else the
            strongest score by evidence level, verified before not, then the number),
            ``name``, ``date`` (newest score first), or None: rulebook order, or by
            score with ``benchmark``.
        verified_only: Leave out unverified and flagged scores, and the models left
            with none.

    Raises:
        InputError: an unknown benchmark (naming the closest ids).
    """
    if benchmark is not None:
        benchmark = benchmark.strip().lower()
        if benchmark not in book.benchmarks:
            raise unknown("benchmark", benchmark, list(book.benchmarks))
    wanted = [benchmark] if benchmark is not None else list(book.benchmarks)
    rows = []
    for m in book.models.values():
        found = [e for b in wanted if (e := evidence_of(m, b))]
        if verified_only:
            found = [e for e in found if ev_model.is_firm(e)]
        if (benchmark is not None or verified_only) and not found:
            continue
        rows.append((m, found))
    sort = sort or ("score" if benchmark is not None else None)
    if sort == "score":
        rows.sort(key=lambda r: (_best(book, r[1]), r[0].id))
    elif sort == "name":
        rows.sort(key=lambda r: (r[0].name.casefold(), r[0].id))
    elif sort == "date":
        # Newest first; a stable sort keeps ids in order among equal dates.
        rows.sort(key=lambda r: r[0].id)
        rows.sort(key=lambda r: max((e.date for e in r[1]), default=""), reverse=True)
    return [
        {
            "id": m.id,
            "name": m.name,
            "vendor": m.vendor,
            "agent": m.agent,
            "baseline": m.baseline,
            "scores": [e.to_dict() for e in found],
        }
        for m, found in rows
    ]


def _best(book: Rulebook, found: list[Evidence]) -> tuple[int, bool, float]:
    """A sort key putting the strongest evidence first (negated: sorted ascending)."""
    if not found:
        return (1, True, 0.0)
    scale = list(book.evidence)

    def strength(e: Evidence) -> tuple[int, bool, float]:
        level = ev_model.counted_level(book, e) if scale else None
        return (scale.index(level) if level is not None else -1, ev_model.is_firm(e), e.score)

    level, firm, score = max(strength(e) for e in found)
    return (-level, not firm, -score)


def compare(book: Rulebook, *models: str) -> dict[str, Any]:
    """Scores of two or more models side by side, with provenance and per-cell caveats.

    Every answer has ``models`` and, per benchmark any of them has a score on, a row of
    ``cells`` (one per model, in the order given). With two models it also keeps the
    differences of the first over the second (``model``, ``baseline``, and per row
    ``delta_pp``, ``relative_gain_pct``, the two evidences and a ``note``).

    Raises:
        InputError: fewer than two models, or one named twice.
    """
    if len(models) < 2:
        raise InputError("compare needs at least two models")
    for i, mid in enumerate(models):
        if mid in models[:i]:
            other = "another model" if len(models) == 2 else "other models"
            raise InputError(f"compare {mid} with {other}, not with itself")
    evidence = {
        mid: {x: evidence_of(book.models[mid], x) for x in book.benchmarks} for mid in models
    }
    pair: dict[str, Any] = {}
    if len(models) == 2:
        rows = comparison_rows(book, evidence[models[0]], evidence[models[1]], True)
        pair = {r.benchmark: r.to_dict() for r in rows}
    out_rows = []
    for b, bench in book.benchmarks.items():
        found = [evidence[mid][b] for mid in models]
        if not any(found):
            continue
        row: dict[str, Any] = {"benchmark": b, "name": bench.name, **pair.get(b, {})}
        row["cells"] = [_cell_view(mid, ev, found) for mid, ev in zip(models, found, strict=True)]
        out_rows.append(row)
    head: dict[str, Any] = {"model": models[0], "baseline": models[1]} if len(models) == 2 else {}
    return {**head, "models": list(models), "rows": out_rows}


def _cell_view(model: str, ev: Evidence | None, row: list[Evidence | None]) -> dict[str, Any]:
    """One model's score on one benchmark, with what to keep in mind when reading it
    against the others in its row (harness, split, verification, flags)."""
    if ev is None:
        return {"model": model, "score": None, "evidence": None, "caveats": ["no score"]}
    present = [e for e in row if e is not None]
    caveats = []
    if len(present) > 1:
        if not stated(ev.agent):
            caveats.append("harness not stated")
        elif len({e.agent for e in present}) > 1:
            caveats.append(f"harness {ev.agent}")
        if len({e.split for e in present}) > 1:
            caveats.append(f"split {ev.split}")
    if not ev.verified:
        caveats.append("unverified")
    caveats += [f"flagged {f}" for f in ev.flags]
    return {"model": model, "score": ev.score, "evidence": ev.to_dict(), "caveats": caveats}


def guide_summary(book: Rulebook, result: Any, written: Any) -> tuple[str, list[list[str]]]:
    """What ``advisor guide`` did: a headline, then the autonomy by role and stage as rows
    (the first row is the header; no rows without roles)."""
    where = f"Wrote {written}" if written is not None else "Wrote the guide to stdout"
    n = len(result.roles)
    headline = f"{where}: {wording.count(n, 'role')}, model {result.model}" + (
        f" vs {result.baseline}" if result.baseline else ""
    )
    if not result.roles:
        return headline, []
    rows = [["Role", *[book.stages[st.stage].name for st in result.roles[0].stages]]]
    rows += [
        [
            book.roles[r.role].name,
            *[_cell(st) for st in r.stages],
        ]
        for r in result.roles
    ]
    return headline, rows


def _cell(st: Any) -> str:
    """A stage's autonomy in the terminal summary: "supervised (provisional)", "not assessed"."""
    if not st.assessed:
        return "not assessed"
    level = (st.advice.autonomy if st.advice else "no rule") or ""
    return f"{level} (provisional)" if st.provisional else level


def guide_summary_lines(book: Rulebook, result: Any, written: Any) -> list[str]:
    """:func:`guide_summary` as plain text, for output that is not a terminal (the CLI
    prints the same table with rich on a terminal)."""
    headline, rows = guide_summary(book, result, written)
    if not rows:
        return [headline]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [headline] + [
        "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def explain(
    book: Rulebook,
    *,
    role: str,
    model: str,
    baseline: str | None = None,
    no_baseline: bool = False,
    stage: str | None = None,
    scores: dict[str, float | None] | None = None,
    verified_only: bool = False,
) -> dict[str, Any]:
    """Why each piece of advice for one role was given.

    Returns:
        Inputs, derived metrics, missing evidence, and per table the rules that
        matched, the winner(s), those suppressed by the hit policy, near misses
        with the first failing cell, and rules an organisation changed.
    """
    role_id = book.resolve_role(role)
    stage_id = book.resolve_stage(stage) if stage else None
    model_id = book.resolve_model(model) if scores is None else model
    base_id = book.baseline_for(model_id, baseline, no_baseline=no_baseline)
    result = evaluate(
        book,
        Profile(
            model=model_id,
            baseline=base_id,
            roles=[role_id],
            stages=[stage_id] if stage_id else [],
            scores=scores,
            verified_only=verified_only,
        ),
    )
    advice = {(st.stage): st.advice for r in result.roles for st in r.stages}
    status = {st.stage: st for r in result.roles for st in r.stages}
    tables: list[dict[str, Any]] = []
    for tr in result.traces:
        if tr.role not in (None, role_id):
            continue
        chosen = []
        if tr.stage is not None and advice.get(tr.stage) is not None:
            a = advice[tr.stage]
            assert a is not None
            chosen.append(
                {
                    "rule": a.rule,
                    "autonomy": a.autonomy,
                    "text": a.text,
                    "location": str(book.where("rule", a.rule) or ""),
                }
            )
        else:
            chosen = [
                {"rule": rid, "location": str(book.where("rule", rid) or "")} for rid in tr.chosen
            ]
        tables.append(
            {
                "table": tr.table,
                "hit_policy": tr.hit_policy,
                "stage": tr.stage,
                "matched": tr.matched,
                "chosen": chosen,
                "suppressed": tr.suppressed,
                "near_misses": [
                    {
                        "rule": nm.rule,
                        "input": nm.input,
                        "value": nm.value,
                        "test": nm.test,
                        "why": str(nm),
                    }
                    for nm in tr.near_misses
                ],
                "changes": tr.changes,
            }
        )
        if tr.stage is not None and tr.stage in status:
            st = status[tr.stage]
            tables[-1]["assessed"] = st.assessed
            tables[-1]["provisional"] = st.provisional
            tables[-1]["evidence"] = [
                {
                    "benchmark": e.benchmark,
                    "score": e.score,
                    "verified": e.verified,
                    "flags": list(e.flags),
                    "agent": e.agent,
                }
                for e in st.evidence
            ]
    return {
        "role": role_id,
        "model": model_id,
        "baseline": base_id,
        "inputs": {
            k: round(v, 2) if isinstance(v, float) else v
            for k, v in result.inputs.items()
            if k not in ("model", "baseline")
        },
        "metrics": {k: (None if v is None else round(v, 2)) for k, v in result.metrics.items()},
        "missing_evidence": result.missing,
        "unverified_inputs": sorted(
            e.benchmark for e in result.evidence if e.model == model_id and not e.verified
        ),
        "tables": tables,
        "caveats": [c.to_dict() for c in result.caveats],
    }
