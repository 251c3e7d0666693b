"""Evaluate a profile against a rulebook: the advice, and why.

``evaluate`` takes a :class:`Profile` (model, baseline, roles, stages,
answers), looks up the scores with their provenance, computes the derived
metrics, runs every decision table under its hit policy and returns a
:class:`Result` that carries a trace of each decision: the rules that
matched, those the hit policy suppressed, and for near misses the first cell
that failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
import msgspec.structs

from advisor.errors import EvaluationError, InputError
from advisor.evaluation import evidence as ev_model
from advisor.evaluation import questions
from advisor.evaluation import texts as texts_
from advisor.evaluation.caveats import (
    evidence_caveats,
    general_caveats,
    near_threshold_caveats,
    stale_caveats,
)
from advisor.evaluation.results import (
    Advice,
    ComparisonRow,
    Evidence,
    Profile,
    Result,
    RoleResult,
    StageAdvice,
    Trace,
)
from advisor.evaluation.tables import run_table
from advisor.load.rulebook import TEXT_FIELDS, CompiledRule, CompiledTable, Rulebook, unknown
from advisor.text.sandbox import run_sandboxed

if TYPE_CHECKING:
    from advisor.model.schema import Model, Score


# --------------------------------------------------------------------------- evaluation


def evidence_of(model: Model, benchmark: str) -> Evidence | None:
    """The model's score on a benchmark, with provenance."""
    for sc in model.scores:
        if sc.benchmark == benchmark:
            return _evidence(model.id, sc)
    return None


def _evidence(model_id: str, sc: Score) -> Evidence:
    return Evidence(
        model_id,
        sc.benchmark,
        sc.score,
        sc.stderr,
        sc.split,
        sc.agent,
        sc.date,
        sc.source,
        sc.verified,
        list(sc.flags),
        sc.notes,
    )


def _scores(
    book: Rulebook, model_id: str | None, override: dict[str, float | None] | None
) -> dict[str, Evidence | None]:
    out: dict[str, Evidence | None] = {b: None for b in book.benchmarks}
    if override is not None:
        for b, v in override.items():
            if v is not None:
                out[b] = Evidence(
                    model_id or "given",
                    b,
                    float(v),
                    None,
                    "given",
                    "given",
                    "",
                    "given in the test",
                    True,
                    [],
                )
        return out
    if model_id is not None:
        model = book.models[model_id]
        for b in out:
            out[b] = evidence_of(model, b)
    return out


def _advice(
    book: Rulebook, rule: CompiledRule, context: dict[str, Any], provisional: bool = False
) -> Advice:
    texts = {key: _text(book, rule, key, context) for key in TEXT_FIELDS}
    return Advice(
        rule.id,
        rule.table_id,
        rule.spec.autonomy,
        texts["text"],
        texts["review"],
        texts["time_saved"],
        texts["rationale"],
        list(rule.spec.sources),
        provisional,
    )


def _summary(
    book: Rulebook,
    table: CompiledTable,
    inputs: dict[str, Any],
    firm: dict[str, Any] | None,
    context: dict[str, Any],
    role: str | None = None,
    *,
    trace: bool,
) -> tuple[list[Advice], Trace | None]:
    """A summary table's lines, each provisional when verified, unflagged scores alone
    (``firm``; None when every score is) would not give it, as for the stage cells."""
    chosen, tr = run_table(book, table, inputs, role=role, trace=trace)
    firm_ids: set[str] | None = None
    if firm is not None:
        try:
            firm_ids = {r.id for r in run_table(book, table, firm, role=role, trace=False)[0]}
        except EvaluationError:
            firm_ids = set()
    lines = [
        _advice(book, r, context, firm_ids is not None and r.id not in firm_ids) for r in chosen
    ]
    return lines, tr


def _text(book: Rulebook, rule: CompiledRule, key: str, context: dict[str, Any]) -> str:
    """The text ``key`` of ``rule``, rendered in the sandbox when it uses Jinja2."""
    raw: str = getattr(rule.spec, key)
    location = texts_.text_location(book, rule, key)
    template = texts_.template(raw, location) if raw else None
    if template is None:
        return raw
    return run_sandboxed(template, context, lambda: location).strip()


def _named(obj: Any) -> dict[str, Any]:
    return msgspec.to_builtins(obj) if obj is not None else {}


def check_profile(book: Rulebook, profile: Profile) -> None:
    """Raise InputError for ids the rulebook does not know, and a model compared with
    itself."""
    model = profile.model if profile.scores is not None else book.resolve_model(profile.model)
    base = profile.baseline
    if base is not None and profile.baseline_scores is None and book.resolve_model(base) == model:
        raise InputError(f"the baseline {questions.itself(base)}")
    for r in profile.roles:
        if r not in book.roles:
            book.resolve_role(r)
    for st in profile.stages:
        book.resolve_stage(st)
    for label, given in (("scores", profile.scores), ("baseline scores", profile.baseline_scores)):
        for bench, value in (given or {}).items():
            if bench not in book.benchmarks:
                raise unknown("benchmark", str(bench), list(book.benchmarks))
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not 0 <= value <= 100  # also refuses NaN
            ):
                raise InputError(
                    f"{label}: {bench} must be a percentage from 0 to 100 or missing, got {value!r}"
                )


def _canonical(book: Rulebook, profile: Profile) -> Profile:
    """The profile with ids as the rulebook spells them ("GPT-5.5" -> "gpt-5.5")."""
    model = profile.model if profile.scores is not None else book.resolve_model(profile.model)
    baseline = profile.baseline
    if baseline is not None and profile.baseline_scores is None:
        baseline = book.resolve_model(baseline)
    stages = [book.resolve_stage(st) for st in profile.stages]
    return msgspec.structs.replace(profile, model=model, baseline=baseline, stages=stages)


def evaluate(book: Rulebook, profile: Profile, *, trace: bool = True) -> Result:
    """Evaluate a profile against a rulebook.

    Args:
        book: A rulebook from :func:`advisor.load.rulebook.load_rulebook`.
        profile: The model, baseline, roles, stages and answers.
        trace: Keep the explanation trace (``explain`` needs it; batch jobs may not).

    Raises:
        InputError: an unknown role, stage or model.
        EvaluationError: the rulebook cannot decide (a unique table with two matches).
    """
    check_profile(book, profile)
    profile = _canonical(book, profile)
    roles = [book.resolve_role(r) for r in profile.roles] or list(book.roles)
    stages = list(profile.stages) or list(book.stages)
    model_ev = _scores(book, profile.model, profile.scores)
    base_ev: dict[str, Evidence | None] = (
        _scores(book, profile.baseline, profile.baseline_scores)
        if profile.baseline is not None or profile.baseline_scores is not None
        else {b: None for b in book.benchmarks}
    )
    ignored: list[Evidence] = []
    if profile.verified_only:
        ignored = [
            e for e in [*model_ev.values(), *base_ev.values()] if e and not ev_model.is_firm(e)
        ]
        model_ev, base_ev = ev_model.firm_only(model_ev), ev_model.firm_only(base_ev)
    # Scores on a known subset of a benchmark (MLE-Bench Lite) are shown with their
    # provenance but decide nothing: the bands read another split.
    shown_model, shown_base = model_ev, base_ev
    off_split = [
        e for e in [*model_ev.values(), *base_ev.values()] if e and ev_model.off_split(book, e)
    ]
    model_ev, base_ev = ev_model.on_split(book, model_ev), ev_model.on_split(book, base_ev)
    model_scores = ev_model.values(model_ev)
    base_scores = ev_model.values(base_ev)
    metrics, metric_notes = ev_model.compute_metrics(book, model_scores, base_scores)

    inputs: dict[str, Any] = {"model": profile.model, "baseline": profile.baseline}
    inputs.update(model_scores)
    inputs.update(metrics)
    # An organisation's question nobody answered (explain, rank, a rule test) reads as
    # its default, as in a guide made with --defaults.
    answers = {**profile.answers, **questions.with_defaults(book, profile.answers)}
    for q in book.questions:
        if q.id in answers and q.id not in inputs:
            inputs[q.id] = answers[q.id]

    # Summary tables read flagged scores as the stage cells count them (capped), and the
    # metrics of the raw scores, which their texts quote ("up 5 pp"); a line is provisional
    # when verified, unflagged scores (and their metrics) alone would choose another.
    summary_inputs = {**inputs, **ev_model.summary_scores(book, model_ev)}
    firm_summary: dict[str, Any] | None = None
    if any(
        e is not None and not ev_model.is_firm(e) for e in [*model_ev.values(), *base_ev.values()]
    ):
        firm_summary = {**inputs, **ev_model.firm_inputs(book, model_ev, base_ev)}

    comparison = comparison_rows(book, shown_model, shown_base, profile.baseline is not None)
    # Missing evidence is what the advice itself would have read.
    read = {name for t in book.tables if t.scope != "team" for name in t.spec.inputs}
    missing = [b for b in book.benchmarks if b in read and model_scores[b] is None]

    model = book.models.get(profile.model)
    baseline = book.models.get(profile.baseline) if profile.baseline else None
    base_ctx = {
        "team": profile.team,
        "date": profile.date,
        "model": _named(model) or {"id": profile.model, "name": profile.model},
        "baseline": _named(baseline) if baseline else _unnamed_baseline(profile),
        "scores": model_scores,
        "baseline_scores": base_scores,
        "metrics": metrics,
        "answers": answers,
        "benchmarks": {b: _named(x) for b, x in book.benchmarks.items()},
        # Why --verified-only left out a score of the model, by benchmark ("unverified").
        "ignored": ev_model.ignored_words(ignored, profile.model),
        # Why a score of the model on a known subset sets no level, by benchmark.
        "off_split": ev_model.split_notes(book, off_split, profile.model),
    }

    traces: list[Trace] = []
    bottom: list[Advice] = []
    readings: list[Advice] = []
    table_caveats: list[Advice] = []
    by_purpose = {"bottom-line": bottom, "reading": readings, "caveat": table_caveats}
    for table in book.tables:
        if table.scope == "team":
            lines, tr = _summary(book, table, summary_inputs, firm_summary, base_ctx, trace=trace)
            by_purpose[table.spec.purpose].extend(lines)
            if tr:
                traces.append(tr)

    stage_table = next(t for t in book.tables if t.scope == "stage")
    assessed = {sid: ev_model.assess(book, model_ev, sid) for sid in stages}
    # The stage table reads flagged scores only through their (capped) evidence level.
    # A metric is derived from the scores the stage table reads: a flagged score counts
    # only through its capped evidence level, never through a gain computed from it.
    unflagged = ev_model.scored_inputs(
        book, ev_model.table_scores(book, model_ev), ev_model.table_scores(book, base_ev)
    )
    firm_ev = ev_model.firm_only(model_ev)
    weak = any(
        e is not None and not ev_model.is_firm(e) for e in [*model_ev.values(), *base_ev.values()]
    )
    firm_inputs = ev_model.firm_inputs(book, model_ev, base_ev)
    firm = {sid: ev_model.assess(book, firm_ev, sid) for sid in stages}
    # The same for every role: made once (texts cannot change them; the sandbox is immutable).
    named_stages = {sid: _named(book.stages[sid]) for sid in stages}
    named_levels = {lv.id: _named(lv) for lv in book.levels}
    results: list[RoleResult] = []
    for role_id in roles:
        role = book.roles[role_id]
        role_inputs = {**inputs, "role": role_id}
        role_ctx = {**base_ctx, "role": _named(role)}
        summary: list[Advice] = []
        stage_list: list[StageAdvice] = []
        for table in book.tables:
            if table.scope == "role":
                lines, tr = _summary(
                    book,
                    table,
                    {**summary_inputs, "role": role_id},
                    None if firm_summary is None else {**firm_summary, "role": role_id},
                    role_ctx,
                    role_id,
                    trace=trace,
                )
                summary.extend(lines)
                if tr:
                    traces.append(tr)
        for stage_id in stages:
            found = assessed[stage_id]
            if not found.assessed:
                policy = stage_table.spec.hit_policy
                tr = Trace(stage_table.id, policy, role_id, stage_id, [], [], [], [])
                if trace:
                    traces.append(tr)
                needs = ev_model.wanted(book, stage_id)
                stage_list.append(StageAdvice(stage_id, None, tr, assessed=False, needs=needs))
                continue
            st_inputs = {
                **role_inputs,
                **unflagged,
                "stage": stage_id,
                "evidence": found.level,
            }
            chosen, tr = run_table(
                book, stage_table, st_inputs, role=role_id, stage=stage_id, trace=True
            )
            assert tr is not None
            if trace:
                traces.append(tr)
            provisional = weak and _rests_on_weak(
                book,
                stage_table,
                {**role_inputs, **firm_inputs, "stage": stage_id, "evidence": firm[stage_id].level},
                firm[stage_id].assessed,
                chosen,
                role_id,
                stage_id,
            )
            ctx = {
                **role_ctx,
                "stage": named_stages[stage_id],
                "basis": ev_model.basis(book, found.deciding),
            }
            if chosen:
                level = book.levels[book.level_rank(chosen[0].spec.autonomy or "")]
                ctx["level"] = named_levels[level.id]
            stage_list.append(
                StageAdvice(
                    stage_id,
                    _advice(book, chosen[0], ctx) if chosen else None,
                    tr,
                    provisional=provisional,
                    evidence=found.used,
                    deciding=ev_model.deciding_scores(
                        book, found, chosen[0].tests if chosen else {}, model_ev
                    ),
                )
            )
        results.append(RoleResult(role_id, summary, stage_list))

    caveats = general_caveats(
        book,
        profile,
        shown_model,
        shown_base,
        comparison,
        missing,
        metric_notes,
        results,
        table_caveats,
        assessed,
        ignored,
        off_split,
    )
    caveats += evidence_caveats(book, profile, shown_model, assessed, results, ignored, off_split)
    caveats += near_threshold_caveats(book, inputs, model_ev, base_ev, results, profile.near_margin)
    caveats += stale_caveats(book, profile, shown_model, shown_base)
    evidence = [e for e in shown_model.values() if e] + [e for e in shown_base.values() if e]
    return Result(
        rulebook=book.meta.id,
        rulebook_version=book.meta.version,
        team=profile.team,
        date=profile.date,
        model=profile.model,
        baseline=profile.baseline,
        inputs=inputs,
        metrics=metrics,
        comparison=comparison,
        missing=missing,
        roles=results,
        bottom_line=bottom,
        readings=readings,
        caveats=caveats,
        evidence=evidence,
        traces=traces,
        answers=answers,
        ignored=ignored,
        off_split=off_split,
    )


def _rests_on_weak(
    book: Rulebook,
    table: CompiledTable,
    firm_inputs: dict[str, Any],
    firm_assessed: bool,
    chosen: list[CompiledRule],
    role: str,
    stage: str,
) -> bool:
    """Whether verified, unflagged scores alone would decide the stage otherwise."""
    if not firm_assessed:
        return True
    try:
        firm_chosen, _ = run_table(book, table, firm_inputs, role=role, stage=stage, trace=False)
    except EvaluationError:
        return True
    levels = [r.spec.autonomy for r in chosen[:1]]
    return levels != [r.spec.autonomy for r in firm_chosen[:1]]


def _unnamed_baseline(profile: Profile) -> dict[str, str] | None:
    # Scores given without a model entry (rule tests, what-ifs) still have a name.
    if profile.baseline is None and profile.baseline_scores is None:
        return None
    name = profile.baseline or "the baseline"
    return {"id": profile.baseline or "baseline", "name": name}


def comparison_rows(
    book: Rulebook,
    model_ev: dict[str, Evidence | None],
    base_ev: dict[str, Evidence | None],
    has_baseline: bool,
) -> list[ComparisonRow]:
    rows = []
    for b in book.benchmarks:
        m, base = model_ev[b], base_ev[b]
        if m is None and base is None:
            continue
        delta = gain = None
        note = ""
        subsets = (
            (ev_model.off_split(book, m), ev_model.off_split(book, base))
            if m is not None and base is not None
            else (None, None)
        )
        if subsets[0] != subsets[1]:
            # A subset's medal rate and the full set's are different measures.
            note = "different splits (one is on a subset): not compared"
        elif m is not None and base is not None:
            delta = m.score - base.score
            if base.score == 0:
                note = "relative gain undefined: the baseline scores 0"
            else:
                gain = delta / base.score * 100
            if m.agent != base.agent:
                note = note or f"different agents/harnesses: {m.agent} vs {base.agent}"
        elif has_baseline:
            who = "baseline" if m is not None else "model"
            note = f"no {who} score: not compared"
        rows.append(
            ComparisonRow(
                b, m.score if m else None, base.score if base else None, delta, gain, m, base, note
            )
        )
    return rows
