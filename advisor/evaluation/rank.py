"""Which model for which role and stage: candidates ranked by the advice they earn.

For every role × stage asked about, each candidate model is evaluated as the guide
would evaluate it (with its own baseline), and the candidates are ordered by:

1. advice that rests on verified, unflagged scores first, then *provisional* advice
   (unverified or flagged scores), then a stage no score informs (*not assessed*), so
   an unverified or flagged figure never puts a model above verified evidence, even
   when it would earn more autonomy;
2. within each, the autonomy the rulebook grants, most first; a stage no rule decides
   comes after every level;
3. then by the deciding evidence: its level on the rulebook's evidence scale,
   verified and unflagged before weaker, then the score itself;
4. then by model id, so that the order never depends on the rulebook's order.

The deciding evidence of advice that is not provisional is the strongest verified,
unflagged score (the one that alone would decide the same).
Each candidate says whether its deciding score is comparable with the leader's:
the same benchmark, split and harness (agent), both stated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from advisor.evaluation import evidence as ev_model
from advisor.evaluation.engine import evaluate
from advisor.evaluation.results import Evidence, Profile, StageAdvice
from advisor.load.rulebook import Rulebook

#: How a harness or split is written when the source does not say
#: ("unspecified", "unspecified (OpenAI-reported)").
UNSTATED = "unspecified"


def stated(value: str) -> bool:
    """Whether a score's harness (or split) is known."""
    return not value.strip().lower().startswith(UNSTATED)


class Candidate(msgspec.Struct):
    """One model's standing for one role and stage.

    Args:
        model: The model id.
        name: The model's name.
        autonomy: The autonomy level granted, or None (not assessed, or no rule applies).
        assessed: Whether any score informs the stage.
        provisional: Whether the advice rests on unverified or flagged scores.
        evidence: The scores that inform the stage, the deciding ones first.
        decided_by: The scores that set the level (see
            :func:`advisor.evaluation.evidence.deciding_scores`), the one ranked on first.
        comparable: Whether the deciding score can be read against the leader's.
        note: Why it cannot ("rests on a different benchmark ..."), else "".
        difference: The same in a few words ("different harness"), else "".
    """

    model: str
    name: str
    autonomy: str | None
    assessed: bool
    provisional: bool
    evidence: list[Evidence]
    decided_by: list[Evidence] = []
    comparable: bool = True
    note: str = ""
    difference: str = ""

    @property
    def deciding(self) -> Evidence | None:
        """The deciding score the ranking reads, if any."""
        return self.evidence[0] if self.evidence else None


class Ranking(msgspec.Struct):
    """The candidates for one role at one stage, best first."""

    role: str
    stage: str
    candidates: list[Candidate]

    @property
    def leader(self) -> Candidate | None:
        """The first candidate, if any was assessed."""
        first = self.candidates[0] if self.candidates else None
        return first if first is not None and first.assessed else None


def resolve_models(book: Rulebook, names: Sequence[str]) -> list[str]:
    """Model ids from ids given on the command line, each possibly "a,b,c"; every model
    when none is given. Raises InputError naming the closest ids for an unknown one."""
    ids = [book.resolve_model(n) for item in names for n in item.split(",") if n.strip()]
    return list(dict.fromkeys(ids)) or list(book.models)


def rank(
    book: Rulebook,
    *,
    roles: Sequence[str] = (),
    stages: Sequence[str] = (),
    models: Sequence[str] = (),
    verified_only: bool = False,
    top: int | None = None,
) -> list[Ranking]:
    """Rank candidate models for each role × stage (every one when none is given).

    Args:
        book: The rulebook.
        roles: Role ids or aliases (empty: every role).
        stages: Stage ids (empty: every stage).
        models: Candidate model ids, each possibly comma-separated (empty: every model).
        verified_only: Ignore unverified and flagged scores entirely.
        top: Keep only the first ``top`` candidates of each ranking (None: all).

    Raises:
        InputError: an unknown role, stage or model (naming the closest ids).
    """
    role_ids = list(dict.fromkeys(book.resolve_role(r) for r in roles)) or list(book.roles)
    stage_ids = list(dict.fromkeys(book.resolve_stage(s) for s in stages)) or list(book.stages)
    model_ids = resolve_models(book, models)
    found: dict[tuple[str, str], list[Candidate]] = {
        (r, s): [] for r in role_ids for s in stage_ids
    }
    for mid in model_ids:
        result = evaluate(
            book,
            Profile(
                model=mid,
                baseline=book.baseline_for(mid),
                roles=role_ids,
                stages=stage_ids,
                verified_only=verified_only,
            ),
            trace=False,
        )
        name = book.models[mid].name
        for role in result.roles:
            for st in role.stages:
                cand = _candidate(mid, name, st)
                why = ev_model.left_out_text(
                    book, name, mid, st.stage, result.ignored, result.off_split
                )
                if not st.assessed and why:
                    cand.note = f"not assessed: {why}"
                found[(role.role, st.stage)].append(cand)
    rankings = []
    for (role_id, stage_id), cands in found.items():
        cands.sort(key=lambda c: _order(book, c))
        _mark_comparable(book, stage_id, cands)
        rankings.append(Ranking(role_id, stage_id, cands[:top] if top is not None else cands))
    return rankings


def _candidate(model_id: str, name: str, st: StageAdvice) -> Candidate:
    deciding = list(st.deciding)
    if not st.provisional:
        # Firm scores alone decide the same: the strongest of them is the one ranked on.
        firm = next((e for e in [*deciding, *st.evidence] if ev_model.is_firm(e)), None)
        if firm is not None:
            deciding = [firm, *(e for e in deciding if e is not firm)]
    used = [*deciding, *(e for e in st.evidence if e not in deciding)]
    autonomy = st.advice.autonomy if st.advice is not None else None
    return Candidate(model_id, name, autonomy, st.assessed, st.provisional, used, deciding)


def _standing(book: Rulebook, c: Candidate) -> int:
    """A candidate's level as a number: not assessed -1, no rule 0, then 1 for the lowest
    level upwards."""
    if not c.assessed:
        return -1
    if c.autonomy is None:
        return 0
    return 1 + book.level_ids.index(c.autonomy)


def _order(book: Rulebook, c: Candidate) -> tuple[Any, ...]:
    """The sort key of a candidate (see the module docstring)."""
    standing = _standing(book, c)
    # Firm advice, then provisional, then not assessed (see the module docstring).
    group = 2 if not c.assessed else int(c.provisional)
    ev = c.deciding
    if ev is None:
        return (group, -standing, 0, True, 0.0, c.model)
    counted = ev_model.counted_level(book, ev) if book.evidence else None
    ev_rank = list(book.evidence).index(counted) + 1 if counted is not None else 0
    return (group, -standing, -ev_rank, not ev_model.is_firm(ev), -ev.score, c.model)


def _mark_comparable(book: Rulebook, stage: str, cands: list[Candidate]) -> None:
    """Fill in each candidate's ``comparable`` and ``note`` against the first one."""
    lead = cands[0].deciding if cands and cands[0].assessed else None
    for i, c in enumerate(cands):
        ev = c.deciding
        if not c.assessed or ev is None:
            c.comparable = False
            # A note saying which scores were left out stays.
            c.note = c.note or f"not assessed: needs {ev_model.wanted(book, stage)}"
            c.difference = "not assessed"
        elif i == 0 or lead is None:
            c.comparable, c.note = True, ""
        else:
            c.difference, c.note = _difference(book, lead, ev)
            c.comparable = not c.note


def _difference(book: Rulebook, lead: Evidence, ev: Evidence) -> tuple[str, str]:
    """Why ``ev`` cannot be read against the leader's ``lead``, in a few words and in
    full ("different harness", "different harness (A; the leader's is B)"); ("", "")
    when it can."""
    if ev.benchmark != lead.benchmark:
        names = book.benchmarks[ev.benchmark].name, book.benchmarks[lead.benchmark].name
        return "different benchmark", (
            f"rests on a different benchmark ({names[0]}, the leader's is {names[1]})"
        )
    if not (stated(ev.agent) and stated(lead.agent)):
        kind = "harness not stated"
        return kind, f"{kind}: scores under different agents can differ by many points"
    if ev.agent != lead.agent:
        kind = "different harness"
        return kind, f"{kind} ({ev.agent}; the leader's is {lead.agent})"
    if ev.split != lead.split:
        kind = "different split"
        return kind, f"{kind} ({ev.split}; the leader's is {lead.split})"
    return "", ""


def evidence_dict(ev: Evidence) -> dict[str, Any]:
    """A score as the ranking JSON shows it."""
    return {
        "benchmark": ev.benchmark,
        "score": ev.score,
        "verified": ev.verified,
        "flags": list(ev.flags),
        "agent": ev.agent,
        "split": ev.split,
    }


def to_dict(rankings: Sequence[Ranking]) -> dict[str, Any]:
    """The rankings as plain data (the documented ``rank --format json`` shape)."""
    return {
        "rankings": [
            {
                "role": r.role,
                "stage": r.stage,
                "candidates": [
                    {
                        "model": c.model,
                        "name": c.name,
                        "autonomy": c.autonomy,
                        "assessed": c.assessed,
                        "provisional": c.provisional,
                        "evidence": [evidence_dict(e) for e in c.evidence],
                        "deciding": [evidence_dict(e) for e in c.decided_by],
                        "comparable": c.comparable,
                        "note": c.note,
                    }
                    for c in r.candidates
                ],
            }
            for r in rankings
        ]
    }


def evidence_text(book: Rulebook, scores: Sequence[Evidence]) -> str:
    """The deciding scores in words: "76.0% on Terminal-Bench 2.0, agent Codex CLI,
    verified" (or "unverified; flagged known-leakage"), several joined by "; "."""
    parts = []
    for ev in scores:
        strength = ev_model.strength_words(ev) or "verified"
        text = ev_model.basis(book, ev)["text"]
        parts.append(f"{text}, agent {ev.agent}, split {ev.split}, {strength}")
    return "; ".join(parts)


def evidence_words(book: Rulebook, scores: Sequence[Evidence]) -> str:
    """The deciding scores in a few words: "76.0% on Terminal-Bench 2.0, verified",
    several joined by "; "."""
    return "; ".join(
        f"{ev_model.basis(book, ev)['text']}, {ev_model.strength_words(ev) or 'verified'}"
        for ev in scores
    )


def standing_text(book: Rulebook, c: Candidate) -> str:
    """A candidate's level in words: "Supervised", "Draft (provisional)", "Not assessed"."""
    if not c.assessed:
        return "Not assessed"
    if c.autonomy is None:
        return "no rule applies"
    name = book.levels[book.level_rank(c.autonomy)].name
    return f"{name} (provisional)" if c.provisional else name


class Recommendation(msgspec.Struct):
    """The model ``rank`` puts first for a team's roles and stages, and why."""

    model: str
    name: str
    leads: int
    rankings: int
    why: str


class _Tally(msgspec.Struct):
    """One model's standing over a set of rankings (what :func:`recommend` weighs)."""

    name: str
    leads: int = 0
    autonomy: int = 0
    provisional: int = 0
    places: int = 0


def _tallies(book: Rulebook, rankings: Sequence[Ranking]) -> dict[str, _Tally]:
    tally: dict[str, _Tally] = {}
    for r in rankings:
        for place, c in enumerate(r.candidates):
            t = tally.setdefault(c.model, _Tally(c.name))
            t.places += place
            t.autonomy += book.level_rank(c.autonomy) + 1 if c.assessed and c.autonomy else 0
            t.provisional += int(c.provisional)
        if r.leader is not None:
            tally[r.leader.model].leads += 1
    return tally


def order_models(book: Rulebook, rankings: Sequence[Ranking]) -> list[str]:
    """Every candidate model of these rankings, best first, as :func:`recommend` weighs
    them: most rankings led, then fewer provisional stages (so advice resting on
    unverified or flagged scores never comes before verified advice), then more autonomy
    over all of them, then better places (the sum of its places in the rankings), then
    the model id. Pass whole rankings (no ``top``)."""
    tally = _tallies(book, rankings)
    return sorted(
        tally,
        key=lambda m: (
            -tally[m].leads,
            tally[m].provisional,
            -tally[m].autonomy,
            tally[m].places,
            m,
        ),
    )


def recommend(book: Rulebook, rankings: Sequence[Ranking]) -> Recommendation | None:
    """The model ``rank`` puts first for these rankings (None when no model is assessed).

    It is the model that leads the most role × stage rankings. Ties go to the one with
    fewer provisional stages, then to the model granted more autonomy summed over all
    the rankings (a stage not assessed or without a rule counts as none), then to
    better places over all the rankings, then to the first model id in alphabetical
    order. Pass whole rankings (no ``top``).
    """
    tally = _tallies(book, rankings)
    order = order_models(book, rankings)
    if not order or tally[order[0]].leads == 0:
        return None
    best, top = order[0], tally[order[0]]
    if len(rankings) == 1:
        why = "it leads the one role × stage ranking"
    else:
        why = f"it leads {top.leads} of the {len(rankings)} role × stage rankings"
    tied = [m for m in order[1:] if tally[m].leads == top.leads]
    if tied:
        why += f", as many as {_names(tally, tied)}; chosen by {_tie_break(top, tally[tied[0]])}"
    # Within a ranking, a candidate the leader matches on everything but the model id.
    ties: dict[str, int] = {}
    for r in rankings:
        if r.leader is not None and r.leader.model == best:
            key = _order(book, r.leader)[:-1]
            for c in r.candidates[1:]:
                if _order(book, c)[:-1] == key:
                    ties[c.model] = ties.get(c.model, 0) + 1
    if ties:
        everywhere = [m for m, n in ties.items() if n == top.leads]
        if not everywhere:
            where = "on some of them"
        else:
            where = "on it" if top.leads == 1 else "on every one"
        why += (
            f", tied with {_names(tally, everywhere or list(ties))} {where} (same level, "
            "evidence and score); chosen by the model id (alphabetical)"
        )
    return Recommendation(best, top.name, top.leads, len(rankings), why)


def _names(tally: dict[str, _Tally], models: Sequence[str]) -> str:
    """ "A", "A and B": models by name."""
    named = [tally[m].name for m in models]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def _tie_break(best: _Tally, rival: _Tally) -> str:
    """What decided between two models leading as many rankings, in words."""
    if best.provisional != rival.provisional:
        return "fewer provisional stages"
    if best.autonomy != rival.autonomy:
        return "more autonomy over all the rankings"
    if best.places != rival.places:
        return "better places over all the rankings"
    return "the model id (alphabetical), every other tie-break being equal"


def shortlist(
    book: Rulebook, rankings: Sequence[Ranking], *, model: str, top: int = 3
) -> dict[str, Any]:
    """The guide's "Which model for which stage" section as plain data (JSON and templates):
    per stage, the ``top`` models for the team's roles together, best first.

    A stage's models are ordered as :func:`order_models` orders them over that stage's
    rankings (one per role); each shows the autonomy it earns (a range when the roles
    differ), its deciding score, and whether that score can be read against the first
    model's.

    Args:
        book: The rulebook.
        rankings: Whole rankings for the team's roles and stages.
        model: The model the guide is for.
        top: Models shown per stage.
    """
    rec = recommend(book, rankings)
    by_stage: dict[str, list[Ranking]] = {}
    for r in rankings:
        by_stage.setdefault(r.stage, []).append(r)
    stages = []
    for stage, group in by_stage.items():
        found: dict[str, dict[str, Candidate]] = {}
        for r in group:
            for c in r.candidates:
                found.setdefault(c.model, {})[r.role] = c
        shown = [found[m] for m in order_models(book, group)[:top]]
        first = next(iter(shown[0].values())) if shown else None
        lead = first if first is not None and first.assessed else None
        stages.append(
            {
                "stage": {"id": stage, "name": book.stages[stage].name},
                "candidates": [_short_candidate(book, cands, lead) for cands in shown],
            }
        )
    roles = list(dict.fromkeys(r.role for r in rankings))
    return {
        "title": "Which model for which stage",
        "model": model,
        "recommended": None if rec is None else msgspec.to_builtins(rec),
        "top": top,
        "roles": [{"id": r, "name": book.roles[r].name} for r in roles],
        "stages": stages,
    }


def _short_candidate(
    book: Rulebook, by_role: dict[str, Candidate], lead: Candidate | None
) -> dict[str, Any]:
    """One model at one stage over the team's roles (``by_role``: its candidate for each),
    against the stage's first model ``lead``."""
    cands = list(by_role.values())
    # The score that sets the stage's evidence level is the same for every role; a
    # role's rule may test more (Terminal-Bench for ML engineers), so all are shown.
    c = cands[0]
    ev = c.deciding
    decided_by = {e.benchmark: e for x in cands for e in x.decided_by}
    if not c.assessed or ev is None:
        comparable, note = False, c.note
    elif lead is None or lead.model == c.model or lead.deciding is None:
        comparable, note = True, ""
    else:
        note = _difference(book, lead.deciding, ev)[0]
        comparable = not note
    levels = {standing_text(book, x): _standing(book, x) for x in cands}
    shown = sorted(levels, key=lambda text: levels[text])
    return {
        "model": c.model,
        "name": c.name,
        "level": shown[0] if len(shown) == 1 else f"{shown[0]} to {shown[-1]}, by role",
        "levels": [{"role": r, "level": standing_text(book, x)} for r, x in by_role.items()],
        "provisional": any(x.provisional for x in cands),
        "evidence": evidence_words(book, list(decided_by.values())),
        "comparable": comparable,
        "note": note,
    }
