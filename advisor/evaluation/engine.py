"""Evaluate a profile against a rulebook: the advice, and why.

``evaluate`` takes a :class:`Profile` (model, baseline, roles, stages,
answers), looks up the scores with their provenance, computes the derived
metrics, runs every decision table under its hit policy and returns a
:class:`Result` that carries a trace of each decision: the rules that
matched, those the hit policy suppressed, and for near misses the first cell
that failed.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec
import msgspec.structs

from advisor import wording
from advisor.errors import EvaluationError, InputError
from advisor.evaluation import evidence as ev_model
from advisor.evaluation import texts as texts_
from advisor.load.rulebook import TEXT_FIELDS, CompiledRule, CompiledTable, Rulebook, unknown
from advisor.text.sandbox import run_sandboxed

if TYPE_CHECKING:
    from advisor.model.schema import Model, Score


def _plain(record: msgspec.Struct) -> dict[str, Any]:
    """A record's fields as plain data: nested records as mappings, sequences as lists."""
    return msgspec.to_builtins(record)  # type: ignore[no-any-return]


class Profile(msgspec.Struct):
    """What a team asks about.

    Args:
        model: Model id to adopt.
        baseline: Model id to compare with, or None for no comparison.
        roles: Role ids (empty: every role).
        stages: Stage ids (empty: every stage).
        team: Team name, for the guide.
        answers: Answers to other questions, by question id.
        date: The guide's date, YYYY-MM-DD.
        scores: Scores to use instead of the model's (rule tests, what-ifs).
        baseline_scores: Likewise for the baseline.
        near_margin: Margin in pp around a boundary that deciding advice is flagged
            within, for scores without a larger standard error (0: stderr only).
        stale_months: Scores older than this many months before ``date`` are flagged
            as stale (None: never).
    """

    model: str
    baseline: str | None = None
    roles: list[str] = []
    stages: list[str] = []
    team: str = ""
    answers: dict[str, Any] = {}
    date: str = ""
    scores: dict[str, float | None] | None = None
    baseline_scores: dict[str, float | None] | None = None
    near_margin: float = 0.0
    stale_months: int | None = 12
    verified_only: bool = False


class Evidence(msgspec.Struct):
    """A score with its provenance, as shown next to every number."""

    model: str
    benchmark: str
    score: float
    stderr: float | None
    split: str
    agent: str
    date: str
    source: str
    verified: bool
    flags: list[str]
    notes: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain data."""
        return _plain(self)


class ComparisonRow(msgspec.Struct):
    """One benchmark compared between model and baseline."""

    benchmark: str
    model_score: float | None
    baseline_score: float | None
    delta_pp: float | None
    relative_gain_pct: float | None
    model_evidence: Evidence | None
    baseline_evidence: Evidence | None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain data, differences rounded to 2 places (the JSON ``comparison`` rows)."""
        data = _plain(self)
        data["delta_pp"] = _round(self.delta_pp)
        data["relative_gain_pct"] = _round(self.relative_gain_pct)
        return data


class Advice(msgspec.Struct):
    """The outcome of one rule."""

    rule: str
    table: str
    autonomy: str | None
    text: str
    review: str
    time_saved: str
    rationale: str
    sources: list[str]


class NearMiss(msgspec.Struct):
    """A rule that did not match, and the first cell that failed."""

    rule: str
    input: str
    value: Any
    test: str

    def __str__(self) -> str:
        return f"{self.input} = {wording.shown(self.value)} is not in {self.test}"


class Trace(msgspec.Struct):
    """How one table decided for one role/stage (or the whole team)."""

    table: str
    hit_policy: str
    role: str | None
    stage: str | None
    matched: list[str]
    chosen: list[str]
    suppressed: list[str]
    near_misses: list[NearMiss]
    changes: list[str] = []


class StageAdvice(msgspec.Struct):
    """Advice for one role at one stage; ``advice`` is None when no rule applied.

    ``assessed`` is false when no score informs the stage (then no rule runs);
    ``provisional`` when the advice rests on unverified or flagged scores;
    ``evidence`` holds the scores that inform the stage, the deciding one first.
    """

    stage: str
    advice: Advice | None
    trace: Trace
    assessed: bool = True
    provisional: bool = False
    evidence: list[Evidence] = []


class RoleResult(msgspec.Struct):
    """Everything for one role."""

    role: str
    summary: list[Advice]
    stages: list[StageAdvice]


class Caveat(msgspec.Struct):
    """Something the reader must keep in mind, by kind (unverified, missing, ...)."""

    kind: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain data."""
        return _plain(self)


class Result(msgspec.Struct):
    """The outcome of :func:`evaluate`."""

    rulebook: str
    rulebook_version: str
    team: str
    date: str
    model: str
    baseline: str | None
    inputs: dict[str, Any]
    metrics: dict[str, float | None]
    comparison: list[ComparisonRow]
    missing: list[str]
    roles: list[RoleResult]
    bottom_line: list[Advice]
    readings: list[Advice]
    caveats: list[Caveat]
    evidence: list[Evidence]
    traces: list[Trace]
    answers: dict[str, Any]

    def autonomy(self, role: str, stage: str) -> str | None:
        """The autonomy level given to ``role`` at ``stage``."""
        for r in self.roles:
            if r.role == role:
                for st in r.stages:
                    if st.stage == stage:
                        return st.advice.autonomy if st.advice else None
        return None

    def to_dict(self) -> dict[str, Any]:
        """The result as plain data (the documented ``--format json`` shape)."""
        return {
            "rulebook": {"id": self.rulebook, "version": self.rulebook_version},
            "team": self.team,
            "date": self.date,
            "model": self.model,
            "baseline": self.baseline,
            "bottom_line": [a.text for a in self.bottom_line],
            "readings": [a.text for a in self.readings],
            "comparison": [c.to_dict() for c in self.comparison],
            "metrics": {k: _round(v) for k, v in self.metrics.items()},
            "missing_evidence": self.missing,
            "roles": [
                {
                    "role": r.role,
                    "summary": [a.text for a in r.summary],
                    "stages": [
                        {
                            "stage": st.stage,
                            "assessed": st.assessed,
                            "provisional": st.provisional,
                            "autonomy": st.advice.autonomy if st.advice else None,
                            "rule": st.advice.rule if st.advice else None,
                            "text": st.advice.text if st.advice else "",
                            "review": st.advice.review if st.advice else "",
                            "time_saved": st.advice.time_saved if st.advice else "",
                            "rationale": st.advice.rationale if st.advice else "",
                            "sources": st.advice.sources if st.advice else [],
                            "evidence": [
                                {
                                    "benchmark": e.benchmark,
                                    "score": e.score,
                                    "verified": e.verified,
                                    "flags": list(e.flags),
                                    "agent": e.agent,
                                    "notes": e.notes,
                                }
                                for e in st.evidence
                            ],
                        }
                        for st in r.stages
                    ],
                }
                for r in self.roles
            ],
            "caveats": [c.to_dict() for c in self.caveats],
            "sources": [e.to_dict() for e in self.evidence],
        }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


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


def compute_metrics(
    book: Rulebook, model: dict[str, float | None], base: dict[str, float | None]
) -> tuple[dict[str, float | None], list[str]]:
    """Derived metrics, and notes for those that cannot be computed."""
    values: dict[str, float | None] = {}
    notes: list[str] = []
    for m in book.metrics.values():
        if m.formula == "gap":
            a, b = (model.get(x) for x in m.benchmarks)
            values[m.id] = None if a is None or b is None else a - b
            continue
        assert m.benchmark is not None
        x, y = model.get(m.benchmark), base.get(m.benchmark)
        if x is None or y is None:
            values[m.id] = None
        elif m.formula == "delta_pp":
            values[m.id] = x - y
        elif y == 0:
            values[m.id] = None
            notes.append(
                f"relative gain on {m.benchmark} is undefined: the baseline scores 0; "
                "read the difference in percentage points instead"
            )
        else:
            values[m.id] = (x - y) / y * 100
    return values, notes


def _candidates(table: CompiledTable, role: str | None, stage: str | None) -> list[CompiledRule]:
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
    for rule in _candidates(table, role, stage):
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


def _advice(book: Rulebook, rule: CompiledRule, context: dict[str, Any]) -> Advice:
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
    )


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
    """Raise InputError for ids the rulebook does not know."""
    if profile.scores is None:
        book.resolve_model(profile.model)
    if profile.baseline is not None and profile.baseline_scores is None:
        book.resolve_model(profile.baseline)
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
    model_scores = {b: (e.score if e else None) for b, e in model_ev.items()}
    base_scores = {b: (e.score if e else None) for b, e in base_ev.items()}
    metrics, metric_notes = compute_metrics(book, model_scores, base_scores)

    inputs: dict[str, Any] = {"model": profile.model, "baseline": profile.baseline}
    inputs.update(model_scores)
    inputs.update(metrics)
    for q in book.questions:
        if q.id in profile.answers and q.id not in inputs:
            inputs[q.id] = profile.answers[q.id]

    comparison = comparison_rows(book, model_ev, base_ev, profile.baseline is not None)
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
        "answers": dict(profile.answers),
        "benchmarks": {b: _named(x) for b, x in book.benchmarks.items()},
    }

    traces: list[Trace] = []
    bottom: list[Advice] = []
    readings: list[Advice] = []
    table_caveats: list[Advice] = []
    by_purpose = {"bottom-line": bottom, "reading": readings, "caveat": table_caveats}
    for table in book.tables:
        if table.scope == "team":
            chosen, tr = run_table(book, table, inputs, trace=trace)
            by_purpose[table.spec.purpose].extend(_advice(book, r, base_ctx) for r in chosen)
            if tr:
                traces.append(tr)

    stage_table = next(t for t in book.tables if t.scope == "stage")
    assessed = {sid: ev_model.assess(book, model_ev, sid) for sid in stages}
    # The stage table reads flagged scores only through their (capped) evidence level.
    unflagged = ev_model.table_scores(book, model_ev)
    firm_ev = ev_model.firm_only(model_ev)
    weak = any(e is not None and firm_ev[b] is None for b, e in model_ev.items())
    firm_inputs = {b: (e.score if e else None) for b, e in firm_ev.items()}
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
                chosen, tr = run_table(book, table, role_inputs, role=role_id, trace=trace)
                summary.extend(_advice(book, r, role_ctx) for r in chosen)
                if tr:
                    traces.append(tr)
        for stage_id in stages:
            found = assessed[stage_id]
            if not found.assessed:
                policy = stage_table.spec.hit_policy
                tr = Trace(stage_table.id, policy, role_id, stage_id, [], [], [], [])
                if trace:
                    traces.append(tr)
                stage_list.append(StageAdvice(stage_id, None, tr, assessed=False))
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
                )
            )
        results.append(RoleResult(role_id, summary, stage_list))

    caveats = _caveats(
        book, profile, model_ev, base_ev, comparison, missing, metric_notes, results, table_caveats
    )
    caveats += evidence_caveats(book, profile, model_ev, assessed, results, ignored)
    caveats += near_threshold_caveats(book, inputs, model_ev, results, profile.near_margin)
    caveats += stale_caveats(book, profile, model_ev, base_ev)
    evidence = [e for e in model_ev.values() if e] + [e for e in base_ev.values() if e]
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
        answers=dict(profile.answers),
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


def evidence_caveats(
    book: Rulebook,
    profile: Profile,
    model_ev: Mapping[str, Evidence | None],
    assessed: Mapping[str, ev_model.StageEvidence],
    results: list[RoleResult],
    ignored: list[Evidence],
) -> list[Caveat]:
    """Stages not assessed, provisional advice, scores left out and qualifying notes."""
    out: list[Caveat] = []
    who = _model_name(book, profile.model)
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
            out.append(
                Caveat(
                    "not-assessed",
                    f"{book.stages[sid].name} is not assessed: no score of {who} informs it "
                    f"({ev_model.wanted(book, sid)} would decide it).",
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
                    f"{e.notes}",
                )
            )
    return out


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
        if m is not None and base is not None:
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


def _caveats(
    book: Rulebook,
    profile: Profile,
    model_ev: dict[str, Evidence | None],
    base_ev: dict[str, Evidence | None],
    comparison: list[ComparisonRow],
    missing: list[str],
    metric_notes: list[str],
    results: list[RoleResult],
    table_caveats: list[Advice],
) -> list[Caveat]:
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
    for b in missing:
        out.append(
            Caveat(
                "missing",
                f"No {names[b]} score for {_model_name(book, profile.model)}: advice that reads it "
                "falls back to the evidence that exists.",
            )
        )
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


def near_threshold_caveats(
    book: Rulebook,
    inputs: dict[str, Any],
    model_ev: Mapping[str, Evidence | None],
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
                    rules = _candidates(table, r.role, stage)
                    here = {**inputs, "role": r.role}
                    found = _boundaries(rules, bench, lo, hi)
                    if stage is not None:
                        here = _stage_inputs(book, here, model_ev, stage)
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
                                _moved(book, here, model_ev, ev, x, stage),
                                r.role,
                                stage,
                            )
                            for x in (b - _EPS, b, b + _EPS)
                            if 0 <= x <= 100
                        ]
                        if None in sides or len(set(sides)) < 2:
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
    ev: Evidence,
    x: float,
    stage: str | None,
) -> dict[str, Any]:
    """The inputs ``here`` with ``ev``'s score moved to ``x`` (and the stage's evidence level)."""
    if stage is None:
        return {**here, ev.benchmark: x}
    return _stage_inputs(
        book, here, {**model_ev, ev.benchmark: msgspec.structs.replace(ev, score=x)}, stage
    )


def _stage_inputs(
    book: Rulebook, inputs: dict[str, Any], model_ev: Mapping[str, Evidence | None], stage: str
) -> dict[str, Any]:
    """A stage table's inputs: unflagged raw scores and the stage's evidence level."""
    unflagged = ev_model.table_scores(book, model_ev)
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
    err = f" ± {wording.number(ev.stderr, 2)}" if ev.stderr else ""
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
        f"{name} {wording.number(ev.score, 2)}{err} is within {wording.number(m, 2)} pp"
        f"{why} of the {wording.number(b, 2)} boundary, so this advice may flip: "
        + "; ".join(parts)
        + "."
    )


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def parse_date(text: str, *, end: bool = False) -> _dt.date:
    """A YYYY, YYYY-MM or YYYY-MM-DD date; ``end`` takes the last day of a partial one.

    Raises:
        ValueError: not such a date.
    """
    parts = text.strip().split("-")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a date: {text!r}")
    year = int(parts[0])
    month = int(parts[1]) if len(parts) > 1 else (12 if end else 1)
    last = _days_in_month(year, month) if 1 <= month <= 12 else 0
    day = int(parts[2]) if len(parts) > 2 else (last if end else 1)
    return _dt.date(year, month, day)


def _days_in_month(year: int, month: int) -> int:
    # Not calendar.monthrange: importing calendar imports locale, a visible share
    # of advisor guide's start-up (issue 7).
    if month == 12:
        return 31
    return (_dt.date(year, month + 1, 1) - _dt.date(year, month, 1)).days


def months_before(day: _dt.date, months: int) -> _dt.date:
    """The same day ``months`` earlier (the month's last day when it is shorter)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = _days_in_month(year, month0 + 1)
    return _dt.date(year, month0 + 1, min(day.day, last))


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
        cutoff = months_before(parse_date(profile.date), profile.stale_months)
    except ValueError:
        raise InputError(f"date {profile.date!r} is not a date as YYYY-MM-DD") from None
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
