"""The evidence model: which scores inform a stage, and how strong they are.

Each benchmark of a rulebook declares the stages it ``informs`` and reads its
scores in ``bands``, each the evidence of one level of the rulebook's
``evidence`` scale (weakest first). A stage's evidence level is the highest
level any informing score reaches, so a strong score on any benchmark counts,
no level falls as a score rises and adding a score never takes one away. A
stage no available score informs is *not assessed*, which is not "manual".

Scores that are unverified or flagged (``known-leakage``, ``contested``, ...)
are weaker evidence: flagged scores count at most at the highest level whose
``flagged`` is true, and advice that rests on either kind is provisional
(decided in :mod:`advisor.evaluation.engine` by evaluating the stage again
with verified, unflagged scores only).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING

import msgspec

from advisor import wording
from advisor.model.ids import split_label
from advisor.model.schema import Split

if TYPE_CHECKING:
    from advisor.evaluation.results import Evidence
    from advisor.load.rulebook import Rulebook
    from advisor.model.schema import Score


class StageEvidence(msgspec.Struct, frozen=True):
    """What the scores say about one stage.

    Args:
        stage: The stage id.
        level: The evidence level id, or None when no score informs the stage.
        deciding: The score that reaches ``level`` (a verified, unflagged one if
            several do), or None.
        used: Every score that informs the stage, the deciding one first.
        assessed: Whether the stage is assessed: some score informs it (always, in a
            rulebook without an evidence scale, whose tables read raw scores).
    """

    stage: str
    level: str | None
    deciding: Evidence | None
    used: list[Evidence]
    assessed: bool


def is_firm(ev: Evidence) -> bool:
    """Verified and unflagged: evidence that makes no advice provisional."""
    return ev.verified and not ev.flags


def table_scores(book: Rulebook, scores: Mapping[str, Evidence | None]) -> dict[str, float | None]:
    """The raw scores a stage table reads: with an evidence scale, flagged scores count
    only through their (capped) evidence level."""
    return {
        b: (e.score if e is not None and not (book.evidence and e.flags) else None)
        for b, e in scores.items()
    }


def values(scores: Mapping[str, Evidence | None]) -> dict[str, float | None]:
    """The numbers of some scores, by benchmark (None where there is no score)."""
    return {b: (None if e is None else e.score) for b, e in scores.items()}


def summary_scores(
    book: Rulebook, scores: Mapping[str, Evidence | None]
) -> dict[str, float | None]:
    """The scores the summary tables (selection guide, bottom line, readings) read.

    They read raw scores, so a flagged score counts as the lowest score of the band
    its evidence is capped at, as the stage cells count it at that band's level:
    a leakage-flagged 77.8% on MLE-Bench reads as 50 (strong), never as top. The
    texts still quote the score itself.
    """
    out: dict[str, float | None] = {}
    for b, e in scores.items():
        out[b] = None if e is None else e.score
        if e is None or not e.flags or not book.evidence:
            continue
        level = counted_level(book, e)
        if level == band_level(book, b, e.score):
            continue
        floors = [x.at_least for x in book.benchmarks[b].bands if x.level == level]
        out[b] = max((f for f in floors if f <= e.score), default=None)
    return out


def compute_metrics(
    book: Rulebook, model: Mapping[str, float | None], base: Mapping[str, float | None]
) -> tuple[dict[str, float | None], list[str]]:
    """Derived metrics of one view of the scores (raw, capped, firm), and notes for those
    that cannot be computed."""
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


def scored_inputs(
    book: Rulebook, model: Mapping[str, float | None], base: Mapping[str, float | None]
) -> dict[str, float | None]:
    """What a table reads of one view of the scores: the model's scores and the metrics
    derived from them and the baseline's."""
    return {**model, **compute_metrics(book, model, base)[0]}


def firm_inputs(
    book: Rulebook, model: Mapping[str, Evidence | None], base: Mapping[str, Evidence | None]
) -> dict[str, float | None]:
    """:func:`scored_inputs` of verified, unflagged scores alone: what would decide
    without the weaker ones (advice that changes then is provisional)."""
    return scored_inputs(book, values(firm_only(model)), values(firm_only(base)))


def ignored_words(ignored: Sequence[Evidence], model: str) -> dict[str, str]:
    """Why each of a model's scores was left out by --verified-only, by benchmark:
    {"mle-bench": "unverified"}."""
    return {e.benchmark: strength_words(e) for e in ignored if e.model == model}


def split_notes(book: Rulebook, off: Sequence[Evidence], model: str) -> dict[str, str]:
    """Why each of a model's scores on a known subset sets no level, by benchmark:
    {"mle-bench": "scored on the Lite subset ...; the bands read ..."}."""
    return {e.benchmark: split_words(book, e) for e in off if e.model == model}


def left_out_text(
    book: Rulebook,
    who: str,
    model: str,
    stage: str,
    ignored: Sequence[Evidence],
    off: Sequence[Evidence] = (),
) -> str:
    """Which scores of ``model`` (named ``who``) that inform a stage were left out:
    ignored by --verified-only (``ignored``) or taken on a subset (``off``, see
    :func:`off_split`); "" when none was."""
    ignored_by, off_by = ignored_words(ignored, model), split_notes(book, off, model)
    names = {b: book.benchmarks[b].name for b in informing(book, stage)}
    parts = []
    left_out = [f"{names[b]} ({ignored_by[b]})" for b in names if b in ignored_by]
    if left_out:
        parts.append(
            f"the scores of {who} that inform it were ignored (--verified-only): "
            f"{', '.join(left_out)}"
        )
    parts += [f"{who}'s {names[b]} score does not count: {off_by[b]}" for b in names if b in off_by]
    return "; ".join(parts)


def unassessed_text(who: str, left_out: str) -> str:
    """Why a stage is not assessed: which scores were left out (``left_out``, from
    :func:`left_out_text`), else "no score of X informs it"."""
    return left_out or f"no score of {who} informs it"


#: Split labels that state no other split: such a score is read (the seed's figures are,
#: and so are the what-if scores of rule tests and ``Profile.scores``, split "given").
_UNSTATED_SPLITS = ("", "unspecified", "unknown", "n-a", "given")


def off_split(book: Rulebook, ev: Evidence | Score) -> Split | None:
    """The split a score was taken on, when its benchmark's bands read another one: a
    known subset, or a split the rulebook does not name (it may be a subset spelt
    otherwise, so it is not read as the full set either); None when the score is read
    (its split is the bands' one, or unstated)."""
    bench = book.benchmarks.get(ev.benchmark)
    if bench is None or bench.bands_split is None:
        return None
    label = split_label(ev.split)
    if label in _UNSTATED_SPLITS or label in (bench.bands_split.id, *bench.bands_split.aliases):
        return None
    known = next((x for x in bench.subsets if label in (x.id, *x.aliases)), None)
    # Named without its own text: a mark goes into chart labels, and the sources show it.
    return known or Split(id=label, name="a split the rulebook does not name")


def split_words(book: Rulebook, ev: Evidence) -> str:
    """Why a score sets no level: "scored on the Lite subset (22 competitions); the bands
    read the full 75-competition set" ("" for a score that is read)."""
    subset = off_split(book, ev)
    bands = book.benchmarks[ev.benchmark].bands_split
    if subset is None or bands is None:
        return ""
    return f"scored on {subset.name}; the bands read {bands.name}"


def on_split(book: Rulebook, scores: Mapping[str, Evidence | None]) -> dict[str, Evidence | None]:
    """The scores the advice reads: those on a known subset other than the bands' split
    taken out, as if their benchmark informed nothing."""
    return {b: (None if e is None or off_split(book, e) else e) for b, e in scores.items()}


def firm_only(scores: Mapping[str, Evidence | None]) -> dict[str, Evidence | None]:
    """The scores with every unverified or flagged one taken out."""
    return {b: (e if e is not None and is_firm(e) else None) for b, e in scores.items()}


def informing(book: Rulebook, stage: str) -> list[str]:
    """The benchmarks whose scores inform ``stage``, in rulebook order."""
    return [b for b, bench in book.benchmarks.items() if stage in bench.informs]


def band_level(book: Rulebook, benchmark: str, score: float) -> str | None:
    """The evidence level a score reads as on its benchmark (None: below every band)."""
    level = None
    for band in book.benchmarks[benchmark].bands:
        if score >= band.at_least:
            level = band.level
    return level


def counted_level(book: Rulebook, ev: Evidence) -> str | None:
    """The level a score counts at: its band, lowered for a flagged score."""
    level = band_level(book, ev.benchmark, ev.score)
    if level is None or not ev.flags:
        return level
    ids = list(book.evidence)
    for i in range(ids.index(level), -1, -1):
        if book.evidence[ids[i]].flagged:
            return ids[i]
    return None


def assess(book: Rulebook, scores: Mapping[str, Evidence | None], stage: str) -> StageEvidence:
    """The evidence level of one stage from a model's scores."""
    if not book.evidence:
        return StageEvidence(stage, None, None, [], True)
    rank = {lv: i for i, lv in enumerate(book.evidence)}
    used: list[tuple[int, bool, Evidence]] = []
    for b in informing(book, stage):
        ev = scores.get(b)
        if ev is None:
            continue
        level = counted_level(book, ev)
        used.append((-1 if level is None else rank[level], is_firm(ev), ev))
    if not used:
        return StageEvidence(stage, None, None, [], False)
    # Strongest first; among equals a firm score decides (stable: rulebook order).
    used.sort(key=lambda u: (-u[0], not u[1]))
    top = used[0][0]
    level = list(book.evidence)[top] if top >= 0 else None
    if level is None:
        # Scores below every band still assess the stage, at the weakest level.
        level = next(iter(book.evidence), None)
    return StageEvidence(stage, level, used[0][2], [u[2] for u in used], True)


def deciding_scores(
    book: Rulebook,
    found: StageEvidence,
    tested: Collection[str],
    scores: Mapping[str, Evidence | None],
) -> list[Evidence]:
    """The scores that set a stage's advice: every informing score that reaches the
    stage's evidence level (when the chosen rule reads ``evidence``), then each score the
    rule tests by benchmark (Terminal-Bench 2.0 >= 60); strongest and firm first.

    Args:
        book: The rulebook.
        found: The stage's evidence, from :func:`assess`.
        tested: The input names the chosen rule's cells test.
        scores: The model's scores the advice read, by benchmark.
    """
    out: list[Evidence] = []
    if "evidence" in tested:
        out = [e for e in found.used if counted_level(book, e) == found.level]
    for name in tested:
        ev = scores.get(name)
        if ev is not None and ev not in out:
            out.append(ev)
    if not out and found.deciding is not None:
        out = [found.deciding]
    return out


def wanted(book: Rulebook, stage: str) -> str:
    """What would decide an unassessed stage: "a score on MLE-Bench or Terminal-Bench 2.0"."""
    names = [book.benchmarks[b].name for b in informing(book, stage)]
    if not names:
        return "a score on a benchmark that informs it (none in this rulebook does)"
    if len(names) == 1:
        return f"a score on {names[0]}"
    return f"a score on {', '.join(names[:-1])} or {names[-1]}"


def basis(book: Rulebook, ev: Evidence | None) -> dict[str, object]:
    """The deciding score as rule texts see it (``basis.text`` reads "36% on MLE-Bench")."""
    if ev is None:
        return {}
    bench = book.benchmarks[ev.benchmark]
    return {
        "benchmark": ev.benchmark,
        "name": bench.name,
        "score": ev.score,
        "unit": bench.unit,
        "verified": ev.verified,
        "flags": list(ev.flags),
        "text": f"{wording.pct(ev.score)} on {bench.name}",
    }


def strength_words(ev: Evidence) -> str:
    """Why a score is weak evidence: "unverified", "flagged known-leakage", or ""."""
    parts = [] if ev.verified else ["unverified"]
    if ev.flags:
        parts.append("flagged " + ", ".join(ev.flags))
    return "; ".join(parts)
