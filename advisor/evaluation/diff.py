"""What changed between two editions of the advice.

:func:`diff_results` compares two results (two scores editions, two
rulebooks, or two models) role by role and stage by stage: the old and new
autonomy level, the rules that gave them, and which input crossed which
boundary of those rules ("mle-bench 23 → 36 crossed 30").
:func:`changes_view` is the "What changed since the last edition" section a
guide includes, as template data (:func:`advisor.rendering.changes.render_changes_md`
writes it); :func:`compare_editions` is the whole of ``advisor diff``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from advisor import wording
from advisor.errors import InputError
from advisor.evaluation import evidence as ev_model
from advisor.evaluation.engine import evaluate
from advisor.evaluation.results import Advice, Profile, Result, StageAdvice
from advisor.load.rulebook import Rulebook
from advisor.model.conditions import Test

SECTION_TITLE = "What changed since the last edition"


@dataclass
class Crossing:
    """An input whose change moved it across a boundary of the rules that decided."""

    input: str
    old: float | None
    new: float | None
    boundaries: list[float] = field(default_factory=list)
    #: the old score comes from a source no primary source corroborates
    old_unverified: bool = False
    #: likewise the new score
    new_unverified: bool = False

    def __str__(self) -> str:
        # Each side carries its own mark, so a verified new score never reads as unverified.
        text = (
            f"{self.input} {_side(self.old, self.old_unverified)}"
            f" → {_side(self.new, self.new_unverified)}"
        )
        if self.boundaries:
            marks = [wording.number(b, 2) for b in self.boundaries]
            text += " crossed " + (
                marks[0] if len(marks) == 1 else ", ".join(marks[:-1]) + " and " + marks[-1]
            )
        return text

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON (``unverified``: either side is; ``text`` marks which)."""
        return {
            "input": self.input,
            "old": self.old,
            "new": self.new,
            "boundaries": self.boundaries,
            "unverified": self.old_unverified or self.new_unverified,
            "text": str(self),
        }


def _side(value: float | None, unverified: bool) -> str:
    """One side of a crossing: "36", "36 (unverified)" or "missing"."""
    return wording.shown(value) + (" (unverified)" if unverified and value is not None else "")


@dataclass(frozen=True)
class AdviceLine:
    """One side of a line of advice, as :func:`diff_results` compares it: the level id
    (None for a summary, where no rule applied and where the stage is not assessed),
    the rules chosen, and whether it is assessed and provisional as the guide reads it
    (a summary is provisional when one of its lines is)."""

    autonomy: str | None
    rules: list[str]
    assessed: bool = True
    provisional: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Change:
    """One role at one stage (``stage`` None: the role's summary), before (``old``) and
    after (``new``), with each side's level as the guide shows it; ``reasons`` says in
    words why the line changed."""

    model: str
    role: str
    role_name: str
    stage: str | None
    stage_name: str
    old: AdviceLine
    new: AdviceLine
    old_level: str
    new_level: str
    crossings: list[Crossing] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    changed: bool = True

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON (the documented ``advisor diff --format json`` rows)."""
        return {
            "model": self.model,
            "role": self.role,
            "stage": self.stage,
            "changed": self.changed,
            "old": self.old.to_dict(),
            "new": self.new.to_dict(),
            "crossings": [c.to_dict() for c in self.crossings],
            "reasons": self.reasons,
        }


# --------------------------------------------------------------------------- comparing results


def diff_results(
    old: Result,
    new: Result,
    book: Rulebook,
    *,
    old_book: Rulebook | None = None,
    include_unchanged: bool = False,
) -> list[Change]:
    """The lines of advice that differ between two results.

    Args:
        old: The earlier result (last edition, old rulebook or old model).
        new: The current result.
        book: The rulebook ``new`` came from (names, rule cells).
        old_book: The rulebook ``old`` came from, when it differs (``--rules-from``).
        include_unchanged: Keep the lines that did not change too (``changed`` False).

    Returns:
        Per role of ``new`` (in order): its summary, then each stage.
    """
    old_book = old_book or book
    model = new.model if old.model == new.model else f"{old.model} → {new.model}"
    old_roles = {r.role: r for r in old.roles}
    out: list[Change] = []
    for role in new.roles:
        before = old_roles.get(role.role)
        if before is None:
            continue
        role_name = _name(book, old_book, "roles", role.role)
        lines: list[tuple[str | None, str, AdviceLine, AdviceLine]] = [
            (None, "Summary", _summary_line(before.summary), _summary_line(role.summary))
        ]
        old_stages = {st.stage: st for st in before.stages}
        for st in role.stages:
            prev = old_stages.get(st.stage)
            if prev is None:
                continue
            stage_name = _name(book, old_book, "stages", st.stage)
            lines.append((st.stage, stage_name, _stage_line(prev), _stage_line(st)))
        for stage, stage_name, was, now in lines:
            changed = was != now
            if not changed and not include_unchanged:
                continue
            change = Change(
                model,
                role.role,
                role_name,
                stage,
                stage_name,
                was,
                now,
                _level(old_book, was, stage),
                _level(book, now, stage),
                changed=changed,
            )
            if changed:
                o_rules, n_rules = was.rules, now.rules
                change.crossings = _crossings(old, new, old_book, book, o_rules, n_rules, stage)
                change.reasons = _evidence_reasons(was, now) + [str(c) for c in change.crossings]
                if not change.reasons:
                    change.reasons = [_rulebook_reason(old_book, book, o_rules, n_rules)]
            out.append(change)
    return out


def _summary_line(summary: Sequence[Advice]) -> AdviceLine:
    return AdviceLine(None, [a.rule for a in summary], True, any(a.provisional for a in summary))


def _stage_line(st: StageAdvice) -> AdviceLine:
    a = st.advice
    return AdviceLine(
        a.autonomy if a else None,
        [a.rule] if a else [],
        st.assessed,
        st.provisional and a is not None,
    )


def _evidence_reasons(was: AdviceLine, now: AdviceLine) -> list[str]:
    """Why a line's evidence reads differently: assessed or not, provisional or not."""
    out = []
    if was.assessed and not now.assessed:
        out.append("not assessed now: no score it may use informs this stage")
    elif now.assessed and not was.assessed:
        out.append("assessed now: a score informs this stage")
    if now.assessed and was.assessed and was.provisional != now.provisional:
        out.append(
            "provisional now: it rests on unverified or flagged scores"
            if now.provisional
            else "no longer provisional: verified, unflagged scores decide it"
        )
    return out


def _name(book: Rulebook, old_book: Rulebook, section: str, ident: str) -> str:
    for b in (book, old_book):
        item = getattr(b, section).get(ident)
        if item is not None:
            return str(item.name)
    return ident


def _level(book: Rulebook, line: AdviceLine, stage: str | None) -> str:
    """A side's level by name: "Draft", "Not assessed" (side_note marks it provisional)."""
    if stage is None:
        return ""  # a summary has no level
    if not line.assessed:
        return "Not assessed"
    if line.autonomy is None:
        return "no advice"
    return next((lv.name for lv in book.levels if lv.id == line.autonomy), line.autonomy)


def _cells(book: Rulebook, rule_ids: Sequence[str]) -> dict[str, list[Test]]:
    cells: dict[str, list[Test]] = {}
    for rid in rule_ids:
        rule = book.rule(rid)
        if rule is None:
            continue
        for name, test in rule.tests.items():
            if test.kind in ("number", "missing") and book.input_kind(name) == "number":
                cells.setdefault(name, []).append(test)
    return cells


def _crossings(
    old: Result,
    new: Result,
    old_book: Rulebook,
    book: Rulebook,
    old_rules: Sequence[str],
    new_rules: Sequence[str],
    stage: str | None = None,
) -> list[Crossing]:
    cells = _cells(old_book, old_rules)
    for name, tests in _cells(book, new_rules).items():
        cells.setdefault(name, []).extend(tests)
    edges = _band_crossings(old, new, old_book, book, [*old_rules, *new_rules], stage)
    out = []
    old_unverified, new_unverified = (
        {e.benchmark for e in r.evidence if e.model == r.model and not e.verified}
        for r in (old, new)
    )
    for name in sorted({*cells, *edges}, key=lambda n: (n not in book.benchmarks, n)):
        a, b = _num(old.inputs.get(name)), _num(new.inputs.get(name))
        if a == b:
            continue
        tests = [t for t in cells.get(name, []) if t.matches(a) != t.matches(b)]
        if not tests and name not in edges:
            continue
        bounds: list[float] = []
        if a is not None and b is not None:  # from or to "missing" crosses no boundary
            lo, hi = min(a, b), max(a, b)
            bounds = sorted(
                {
                    x
                    for t in tests
                    for iv in t.intervals
                    for x in (iv.lo, iv.hi)
                    if math.isfinite(x) and lo <= x <= hi and iv.contains(a) != iv.contains(b)
                }
                | set(edges.get(name, []))
            )
            if a > b:
                bounds.reverse()
        out.append(Crossing(name, a, b, bounds, name in old_unverified, name in new_unverified))
    return out


def _band_crossings(
    old: Result,
    new: Result,
    old_book: Rulebook,
    book: Rulebook,
    rules: Sequence[str],
    stage: str | None,
) -> dict[str, list[float]]:
    """Benchmarks whose move across a band edge changed a stage's evidence level.

    Rules that read ``evidence`` see scores only through the bands of the
    benchmarks informing the stage; a benchmark counts when its band changed
    and it decided the stage's level before or after (its edges crossed, or
    none when it appeared or went away).
    """
    reads = any(
        (r := b.rule(rid)) is not None and "evidence" in r.tests
        for b in (old_book, book)
        for rid in rules
    )
    if stage is None or not reads:
        return {}
    sides = []
    for res, bk in ((old, old_book), (new, book)):
        levels = {
            name: ev_model.band_level(bk, name, v)
            if (v := _num(res.inputs.get(name))) is not None
            else None
            for name in ev_model.informing(bk, stage)
        }
        rank = {lv: i for i, lv in enumerate(bk.evidence)}
        top = max((rank[lv] for lv in levels.values() if lv is not None), default=None)
        sides.append((levels, rank, top))
    (old_levels, old_rank, old_top), (new_levels, new_rank, new_top) = sides
    out: dict[str, list[float]] = {}
    for name in dict.fromkeys([*old_levels, *new_levels]):
        before, after = old_levels.get(name), new_levels.get(name)
        if before == after:
            continue
        decided = (before is not None and old_rank[before] == old_top) or (
            after is not None and new_rank[after] == new_top
        )
        if not decided:
            continue
        a, b = _num(old.inputs.get(name)), _num(new.inputs.get(name))
        marks: list[float] = []
        if a is not None and b is not None and name in book.benchmarks:
            lo, hi = min(a, b), max(a, b)
            marks = [x.at_least for x in book.benchmarks[name].bands if lo < x.at_least <= hi]
        out[name] = marks
    return out


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _rulebook_reason(
    old_book: Rulebook, book: Rulebook, old_rules: Sequence[str], new_rules: Sequence[str]
) -> str:
    if old_rules == new_rules:
        return f"rule {', '.join(new_rules)} changed in the rulebook"
    gone = [r for r in old_rules if book.rule(r) is None]
    if gone:
        return f"rule {', '.join(gone)} is no longer in the rulebook"
    before = ", ".join(old_rules) or "no rule"
    after = ", ".join(new_rules) or "no rule"
    return f"the rulebook now chooses {after} instead of {before}"


# --------------------------------------------------------------------------- rendering


def changes_view(
    changes: Sequence[Change],
    *,
    title: str = SECTION_TITLE,
    added: Sequence[str] = (),
    removed: Sequence[str] = (),
) -> dict[str, Any]:
    """The "What changed" section as template data, the same for every format.

    Args:
        changes: From :func:`diff_results`.
        title: The heading.
        added: Models only the new edition lists (``advisor diff``; not compared).
        removed: Models only the last edition listed.

    Returns:
        ``title`` (the heading); ``changed`` (whether any line changed); ``models``:
        per model, ``name`` and ``rows``, each with ``role`` and ``stage`` (names),
        ``before`` and ``now`` (``level``: the level's name, or "Not assessed", empty
        for a summary; ``rules``: rule ids; ``assessed``: false when no rule could run;
        ``note``: "provisional" for a side that is, else empty: templates put it in the
        parenthesis with the rules) and ``why`` (the reasons in words, or
        "unchanged"); ``added`` and ``removed`` (model ids).
    """
    models: dict[str, list[dict[str, Any]]] = {}
    for c in changes:
        models.setdefault(c.model, []).append(
            {
                "role": c.role_name,
                "stage": c.stage_name,
                "before": {
                    "level": c.old_level,
                    "rules": list(c.old.rules),
                    "assessed": c.old.assessed,
                    "note": side_note(c, old=True),
                },
                "now": {
                    "level": c.new_level,
                    "rules": list(c.new.rules),
                    "assessed": c.new.assessed,
                    "note": side_note(c, old=False),
                },
                "why": "; ".join(c.reasons) if c.changed else "unchanged",
            }
        )
    return {
        "title": title,
        "changed": any(c.changed for c in changes),
        "models": [{"name": name, "rows": rows} for name, rows in models.items()],
        "added": list(added),
        "removed": list(removed),
    }


def side_text(change: Change, *, old: bool, sep: str = " ") -> str:
    """One side of a change as plain text: "Draft (mle-pipeline-emerging)", "Not assessed",
    provisional "Draft (mle-pipeline-emerging; provisional)" and for a summary
    "guide-mle-seed-no-cli (provisional)"; ``sep`` goes before the parenthesis."""
    side, level = (change.old, change.old_level) if old else (change.new, change.new_level)
    if not side.assessed:
        return level
    ids = ", ".join(side.rules) if side.rules else "no rule"
    note = side_note(change, old)
    if level:
        return f"{level}{sep}({ids}{'; ' + note if note else ''})"
    return f"{ids}{sep}({note})" if note else ids


def side_note(change: Change, old: bool) -> str:
    """The mark "provisional" for a side resting on unverified or flagged scores; it goes
    in the parenthesis after the level with the rules ("Draft (rule; provisional)"), or,
    for a summary, which has no level, after its rules."""
    side = change.old if old else change.new
    return "provisional" if side.provisional else ""


# --------------------------------------------------------------------------- editions


@dataclass
class Side:
    """One side of a comparison: a rulebook and the model(s) evaluated in it."""

    book: Rulebook
    label: str


@dataclass
class Comparison:
    """The outcome of :func:`compare_editions`."""

    old: str
    new: str
    changes: list[Change]
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``advisor diff --format json``."""
        return {
            "from": self.old,
            "to": self.new,
            "changes": [c.to_dict() for c in self.changes],
            "added_models": self.added,
            "removed_models": self.removed,
        }


def file_models(book: Rulebook) -> list[str]:
    """Ids of the models the last scores file loaded into ``book`` defines."""
    if not book.files:
        return []
    last = book.files[-1]
    return [m for m in book.models if (loc := book.where("model", m)) and loc.file == last]


def compare_editions(
    old: Side,
    new: Side,
    pairs: Sequence[tuple[str, str]],
    *,
    baseline: str | None = None,
    no_baseline: bool = False,
    roles: Sequence[str] = (),
    stages: Sequence[str] = (),
    include_unchanged: bool = False,
    verified_only: bool = False,
) -> Comparison:
    """Evaluate each (old model, new model) pair on its side and diff the results.

    Args:
        old: The earlier rulebook (with its scores).
        new: The current rulebook (with its scores).
        pairs: Model ids to compare: old side's id, new side's id.
        baseline: Baseline for both sides (default: each model's own).
        no_baseline: Compare with nothing.
        roles: Role ids or aliases (empty: every role).
        stages: Stage ids (empty: every stage).
        include_unchanged: Keep unchanged lines.
        verified_only: Ignore unverified and flagged scores on both sides.

    Raises:
        InputError: an unknown model, role or stage.
    """
    changes: list[Change] = []
    for old_id, new_id in pairs:
        results = []
        for side, ident in ((old, old_id), (new, new_id)):
            book = side.book
            mid = book.resolve_model(ident)
            profile = Profile(
                model=mid,
                baseline=book.baseline_for(mid, baseline, no_baseline=no_baseline),
                roles=[book.resolve_role(r) for r in roles],
                stages=[book.resolve_stage(s) for s in stages],
                verified_only=verified_only,
            )
            results.append(evaluate(book, profile, trace=False))
        changes += diff_results(
            results[0], results[1], new.book, old_book=old.book, include_unchanged=include_unchanged
        )
    return Comparison(old.label, new.label, changes)


def model_pairs(
    old: Rulebook,
    new: Rulebook,
    *,
    model_from: str | None,
    model_to: str | None,
    model: str | None,
    old_file: bool,
    new_file: bool,
    default: str | None,
) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """Which models ``advisor diff`` compares, and those only one side has.

    With a model named (``--model``, ``--model-from``, ``--model-to``) that one
    pair; else with scores files every model they define; else the default model.

    Raises:
        InputError: no model to compare.
    """
    if model_from or model_to or model:
        a = model_from or model or default
        b = model_to or model or default
        if a is None or b is None:
            raise InputError("name the models to compare: --model, or --model-from and --model-to")
        return [(a, b)], [], []
    if old_file or new_file:
        ids = file_models(new) if new_file else []
        ids += [m for m in (file_models(old) if old_file else []) if m not in ids]
        pairs = [(m, m) for m in ids if m in old.models and m in new.models]
        added = [m for m in ids if m not in old.models]
        removed = [m for m in ids if m not in new.models]
        return pairs, added, removed
    if default is None:
        raise InputError("name the model to compare with --model")
    return [(default, default)], [], []
