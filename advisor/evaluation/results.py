"""What an evaluation gives back: the profile asked about, the evidence, each piece of
advice with its trace, the caveats and the whole result."""

from __future__ import annotations

from typing import Any

import msgspec

from advisor import wording


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
    """The outcome of one rule; a summary line (``provisional``) that rests on
    unverified or flagged scores: verified, unflagged ones alone would not give it."""

    rule: str
    table: str
    autonomy: str | None
    text: str
    review: str
    time_saved: str
    rationale: str
    sources: list[str]
    provisional: bool = False

    @property
    def shown(self) -> str:
        """The text as every format shows it: marked "(provisional)" when it is."""
        return wording.provisional(self.text) if self.provisional else self.text


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
    ``evidence`` holds the scores that inform the stage, the deciding one first;
    ``deciding`` the scores that set the advice (every one that reaches the stage's
    evidence level, and those the chosen rule tests, such as Terminal-Bench 2.0 >= 60).
    """

    stage: str
    advice: Advice | None
    trace: Trace
    assessed: bool = True
    provisional: bool = False
    evidence: list[Evidence] = []
    deciding: list[Evidence] = []
    #: For a stage not assessed: what would decide it ("a score on MLE-Bench").
    needs: str = ""


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
    #: Scores --verified-only left out (unverified or flagged), the model's and the baseline's.
    ignored: list[Evidence] = []
    #: Scores on a known subset of their benchmark (MLE-Bench Lite): shown, deciding nothing.
    off_split: list[Evidence] = []

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
            "bottom_line": [a.shown for a in self.bottom_line],
            "readings": [a.shown for a in self.readings],
            "comparison": [c.to_dict() for c in self.comparison],
            "metrics": {k: _round(v) for k, v in self.metrics.items()},
            "missing_evidence": self.missing,
            "roles": [
                {
                    "role": r.role,
                    "summary": [a.shown for a in r.summary],
                    "stages": [
                        {
                            "stage": st.stage,
                            "assessed": st.assessed,
                            "needs": st.needs,
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
