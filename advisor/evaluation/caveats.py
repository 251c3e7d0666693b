"""Caveats that come with advice: near thresholds, stale evidence, comparisons that do
not compare."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
import msgspec.structs

from advisor import wording
from advisor.errors import EvaluationError, InputError
from advisor.evaluation import evidence as ev_model
from advisor.evaluation.results import (
    Advice,
    Caveat,
    ComparisonRow,
    Evidence,
    Profile,
    RoleResult,
)
from advisor.evaluation.tables import candidates, run_table
from advisor.load.rulebook import CompiledRule, CompiledTable, Rulebook
from advisor.model.dates import DateError, months_before, parse_date


def general_caveats(
    book: Rulebook,
    profile: Profile,
    model_ev: dict[str, Evidence | None],
    base_ev: dict[str, Evidence | None],
    comparison: list[ComparisonRow],
    missing: list[str],
    metric_notes: list[str],
    results: list[RoleResult],
    table_caveats: list[Advice],
    assessed: Mapping[str, ev_model.StageEvidence],
    ignored: list[Evidence],
    off_split: Sequence[Evidence] = (),
) -> list[Caveat]:
    """Unverified and flagged scores, missing evidence (with the stages that go unassessed
    for want of it, from ``assessed``), harness mismatches, metric notes, stages no rule
    covers, benchmark limits and the rulebook's own caveats."""
    out: list[Caveat] = []
    names = {b: x.name for b, x in book.benchmarks.items()}
    for ev in [e for e in model_ev.values() if e] + [e for e in base_ev.values() if e]:
        if not ev.verified:
            out.append(
                Caveat(
                    "unverified",
                    f"{_model_name(book, ev.model)} on {names[ev.benchmark]} "
                    f"({wording.pct(ev.score)}) is unverified: no primary source corroborates it "
                    f"(source: {ev.source}).",
                )
            )
        if "known-leakage" in ev.flags:
            out.append(
                Caveat(
                    "leakage",
                    f"{_model_name(book, ev.model)} on {names[ev.benchmark]} is flagged for known "
                    "test-data leakage; its score may overstate real ability.",
                )
            )
    left_out = ev_model.ignored_words(ignored, profile.model)
    off = ev_model.split_notes(book, off_split, profile.model)
    who = _model_name(book, profile.model)
    for b in missing:
        if b in left_out:
            what = f"{who}'s {names[b]} score was ignored as {left_out[b]} (--verified-only)"
        elif b in off:
            what = f"{who}'s {names[b]} score does not count ({off[b]})"
        else:
            what = f"No {names[b]} score for {who}"
        out.append(Caveat("missing", f"{what}: {_fallback(book, who, b, assessed)}."))
    for row in comparison:
        if (
            row.model_evidence
            and row.baseline_evidence
            and (
                row.model_evidence.agent != row.baseline_evidence.agent
                or row.model_evidence.split != row.baseline_evidence.split
            )
        ):
            out.append(
                Caveat(
                    "harness",
                    f"{names[row.benchmark]}: the two scores come from different agents or splits "
                    f"({row.model_evidence.agent}, {row.model_evidence.split} vs "
                    f"{row.baseline_evidence.agent}, {row.baseline_evidence.split}); "
                    "the same model "
                    "can score very differently under another harness.",
                )
            )
    out.extend(Caveat("metric", n) for n in metric_notes)
    for r in results:
        for st in r.stages:
            if st.advice is None and st.assessed:
                out.append(
                    Caveat(
                        "no-rule",
                        f"No rule gives advice for {book.roles[r.role].name} at "
                        f"{book.stages[st.stage].name}: treat it as manual and fix the rulebook.",
                    )
                )
    shown = {row.benchmark for row in comparison}
    for b, bench in book.benchmarks.items():
        if b in shown:
            out.extend(Caveat("benchmark", f"{bench.name}: {lim}") for lim in bench.limits)
    out.extend(Caveat("rulebook", a.text) for a in table_caveats if a.text)
    return out


def _fallback(
    book: Rulebook, who: str, benchmark: str, assessed: Mapping[str, ev_model.StageEvidence]
) -> str:
    """What advice does without a benchmark's score: falls back on the evidence that remains,
    at the stages some other score still informs; the others are not assessed."""
    informs = [s for s in assessed if benchmark in ev_model.informing(book, s)]
    lost = [book.stages[s].name.lower() for s in informs if not assessed[s].assessed]
    kept = [book.stages[s].name.lower() for s in informs if assessed[s].assessed]
    if not lost:
        return "advice that reads it falls back to the evidence that exists"
    # Say only what is so: no claim that other scores exist, or that they inform a stage.
    gone = (
        f"no score of {who} that this guide uses informs {_and(lost, 'or')}, "
        f"so {'it is' if len(lost) == 1 else 'they are'} not assessed"
    )
    if not kept:
        return gone
    return f"advice for {_and(kept)} falls back to the evidence that exists; {gone}"


def _model_name(book: Rulebook, model_id: str) -> str:
    m = book.models.get(model_id)
    return m.name if m else model_id


# --------------------------------------------------------------------------- near-threshold, stale

_EPS = 1e-6


def _outcome(
    book: Rulebook, table: CompiledTable, inputs: dict[str, Any], role: str, stage: str | None
) -> tuple[str, ...] | None:
    """What a table decides: the autonomy level for stage advice, else the chosen rule ids."""
    try:
        chosen, _ = run_table(book, table, inputs, role=role, stage=stage, trace=False)
    except EvaluationError:
        return None
    if stage is not None:
        return tuple(r.spec.autonomy or "" for r in chosen) or ("no advice",)
    return tuple(r.id for r in chosen)


def _boundaries(rules: list[CompiledRule], name: str, lo: float, hi: float) -> list[float]:
    found = {
        x
        for r in rules
        if name in r.tests
        for iv in r.tests[name].intervals
        for x in (iv.lo, iv.hi)
        if lo <= x <= hi
    }
    return sorted(found)


def evidence_caveats(
    book: Rulebook,
    profile: Profile,
    model_ev: Mapping[str, Evidence | None],
    assessed: Mapping[str, ev_model.StageEvidence],
    results: list[RoleResult],
    ignored: list[Evidence],
    off_split: Sequence[Evidence] = (),
) -> list[Caveat]:
    """Stages not assessed, provisional advice, scores left out or on a subset, and
    qualifying notes."""
    out: list[Caveat] = []
    who = _model_name(book, profile.model)
    for sub in off_split:
        out.append(
            Caveat(
                "split",
                f"{_model_name(book, sub.model)} on {book.benchmarks[sub.benchmark].name} "
                f"({wording.pct(sub.score)}) was {ev_model.split_words(book, sub)}, so it sets "
                "no evidence level and decides no advice.",
            )
        )
    if ignored:
        listed = "; ".join(
            f"{_model_name(book, e.model)} on {book.benchmarks[e.benchmark].name} "
            f"({wording.pct(e.score)}, {ev_model.strength_words(e)})"
            for e in ignored
        )
        out.append(
            Caveat(
                "verified-only",
                f"Only verified, unflagged scores are used (--verified-only); ignored: {listed}.",
            )
        )
    for sid, found in assessed.items():
        if not found.assessed:
            why = ev_model.unassessed_text(
                who, ev_model.left_out_text(book, who, profile.model, sid, ignored, off_split)
            )
            out.append(
                Caveat(
                    "not-assessed",
                    # As the stage's table cell says it: a why that ends in "(unverified)"
                    # takes no second parenthesis.
                    f"{book.stages[sid].name} is not assessed: {why}; "
                    f"{ev_model.wanted(book, sid)} would decide it.",
                )
            )
    if any(st.provisional for r in results for st in r.stages):
        out.append(
            Caveat(
                "provisional",
                "Advice marked provisional rests on unverified or flagged scores and would "
                "differ on verified, unflagged scores alone; see --verified-only.",
            )
        )
    for e in model_ev.values():
        if e is not None and e.notes:
            out.append(
                Caveat(
                    "score-note",
                    f"{_model_name(book, e.model)} on {book.benchmarks[e.benchmark].name}: "
                    + wording.sentence(e.notes),
                )
            )
    return out


def near_threshold_caveats(
    book: Rulebook,
    inputs: dict[str, Any],
    model_ev: Mapping[str, Evidence | None],
    base_ev: Mapping[str, Evidence | None],
    results: list[RoleResult],
    margin: float = 0.0,
) -> list[Caveat]:
    """Scores within their stderr (or ``margin``) of a boundary that decides advice.

    A boundary decides when the stage-advice or role-summary table, for a role
    (and stage) of the result, chooses differently on its two sides; the
    boundaries come from the cells of every rule that can apply there.
    """
    stage_table = next((t for t in book.tables if t.scope == "stage"), None)
    tables = [t for t in book.tables if t.scope == "role"] + ([stage_table] if stage_table else [])
    out: list[Caveat] = []
    for bench, ev in model_ev.items():
        if ev is None:
            continue
        m = max(ev.stderr or 0.0, margin)
        if m <= 0:
            continue
        lo, hi = max(ev.score - m, 0.0), min(ev.score + m, 100.0)
        flips: dict[float, list[tuple[str, str | None, tuple[str, ...], tuple[str, ...]]]] = {}
        for r in results:
            for table in tables:
                stages = (
                    [st.stage for st in r.stages if st.assessed] if table is stage_table else [None]
                )
                for stage in stages:
                    rules = candidates(table, r.role, stage)
                    here = {**inputs, "role": r.role}
                    found = _boundaries(rules, bench, lo, hi)
                    if stage is not None:
                        here = _stage_inputs(book, here, model_ev, base_ev, stage)
                        if stage in book.benchmarks[bench].informs:
                            bands = book.benchmarks[bench].bands
                            found = sorted(
                                {*found, *(x.at_least for x in bands if lo <= x.at_least <= hi)}
                            )
                    for b in found:
                        sides = [
                            _outcome(
                                book,
                                table,
                                _moved(book, here, model_ev, base_ev, ev, x, stage),
                                r.role,
                                stage,
                            )
                            for x in (b - _EPS, b, b + _EPS)
                            if 0 <= x <= 100
                        ]
                        # A threshold decides what lies below it and above it differently;
                        # a point test (the seed's "= 36") names a figure, not a threshold.
                        if None in sides or sides[0] == sides[-1]:
                            continue
                        now = _outcome(book, table, here, r.role, stage)
                        other = sides[-1] if ev.score < b else sides[0]
                        if other == now:
                            other = next(s for s in sides if s != now)
                        assert other is not None
                        flips.setdefault(b, []).append((r.role, stage, now or (), other))
        for b, where in sorted(flips.items()):
            out.append(Caveat("near-threshold", _near_text(book, ev, m, b, where)))
    return out


def _moved(
    book: Rulebook,
    here: dict[str, Any],
    model_ev: Mapping[str, Evidence | None],
    base_ev: Mapping[str, Evidence | None],
    ev: Evidence,
    x: float,
    stage: str | None,
) -> dict[str, Any]:
    """The inputs ``here`` with ``ev``'s score moved to ``x``, and what follows from it:
    the metrics derived from it and the stage's evidence level."""
    if stage is None:
        scores = {**ev_model.values(model_ev), ev.benchmark: x}
        return {**here, **ev_model.scored_inputs(book, scores, ev_model.values(base_ev))}
    moved = {**model_ev, ev.benchmark: msgspec.structs.replace(ev, score=x)}
    return _stage_inputs(book, here, moved, base_ev, stage)


def _stage_inputs(
    book: Rulebook,
    inputs: dict[str, Any],
    model_ev: Mapping[str, Evidence | None],
    base_ev: Mapping[str, Evidence | None],
    stage: str,
) -> dict[str, Any]:
    """A stage table's inputs: unflagged raw scores, the metrics derived from them, and
    the stage's evidence level."""
    unflagged = ev_model.scored_inputs(
        book, ev_model.table_scores(book, model_ev), ev_model.table_scores(book, base_ev)
    )
    level = ev_model.assess(book, model_ev, stage).level
    return {**inputs, **unflagged, "stage": stage, "evidence": level}


def _near_text(
    book: Rulebook,
    ev: Evidence,
    m: float,
    b: float,
    where: list[tuple[str, str | None, tuple[str, ...], tuple[str, ...]]],
) -> str:
    name = book.benchmarks[ev.benchmark].name
    err = f" ± {wording.number(ev.stderr, 2)} pp" if ev.stderr else ""
    why = "" if ev.stderr is not None and ev.stderr >= m else " (the configured margin)"
    by_role: dict[str, dict[str, list[str]]] = {}
    for role, stage, old, new in where:
        change = f" ({', '.join(old)} → {', '.join(new)})" if stage else ""
        place = book.stages[stage].name.lower() if stage else "the role summary"
        by_role.setdefault(role, {}).setdefault(change, []).append(place)
    parts = []
    for role, changes in by_role.items():
        items = [_and(places) + change for change, places in changes.items()]
        parts.append(f"{book.roles[role].plural or book.roles[role].name}: {', '.join(items)}")
    return (
        f"{name} {wording.number(ev.score, 2)}%{err} is within {wording.number(m, 2)} pp"
        f"{why} of the {wording.number(b, 2)}% boundary, so this advice may flip: "
        + "; ".join(parts)
        + "."
    )


def _and(items: list[str], word: str = "and") -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} " + items[-1]


def stale_caveats(
    book: Rulebook,
    profile: Profile,
    model_ev: Mapping[str, Evidence | None],
    base_ev: Mapping[str, Evidence | None],
) -> list[Caveat]:
    """Scores dated more than ``profile.stale_months`` before the guide's date.

    A partial date (2025-05) counts as its last day, so a score is never called
    stale on a guess. Without a guide date nothing is flagged.

    Raises:
        InputError: the profile's date is not YYYY-MM-DD.
    """
    if not profile.date or profile.stale_months is None:
        return []
    try:
        cutoff = months_before(parse_date(profile.date, full=True), profile.stale_months)
    except DateError as exc:
        why = f"; {exc.why}" if exc.why else ""
        raise InputError(f"date {profile.date!r} is not a date as YYYY-MM-DD{why}") from None
    out: list[Caveat] = []
    for ev in [e for e in model_ev.values() if e] + [e for e in base_ev.values() if e]:
        try:
            dated = parse_date(ev.date, end=True)
        except ValueError:
            continue
        if dated < cutoff:
            out.append(
                Caveat(
                    "stale",
                    f"{_model_name(book, ev.model)} on {book.benchmarks[ev.benchmark].name} "
                    f"({wording.pct(ev.score)}) dates from {ev.date}, more than "
                    f"{profile.stale_months} months before this guide ({profile.date}); newer "
                    "results may change the advice.",
                )
            )
    return out
