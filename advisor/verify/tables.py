"""The exact check of decision tables: gaps, overlaps, shadowed and unreachable rules,
autonomy that falls as a score rises, and cells outside an input's domain.

For every table, and for every role × stage the table reads, each numeric
input is split at every boundary any rule uses; the linter then evaluates
one point inside every cell and every boundary point itself (plus a missing
value where one can occur), so every region of the input space is checked
and nothing is left to random sampling.

Evaluation uses bit sets: each candidate rule of a role × stage group is one
bit, each point of an input carries the set of rules whose cell accepts it,
and the rules that apply at a grid point are the AND of those sets. A region
where the AND is empty is a gap for every value of the inputs not yet fixed,
so it is reported once and not walked further.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from advisor.load.rulebook import CompiledTable, Rulebook
from advisor.model.conditions import Test
from advisor.verify.findings import OTHER, OTHER_LABEL, Finding

#: Grid points checked per table and role × stage before lint gives up on it.
MAX_POINTS = 2_000_000
#: Overlapping rules examined per grid point; more rarely adds information.
MAX_OVERLAP_BITS = 8
#: Stands for every value of an input that none of the rules in question tests.
_ANY = object()


# --------------------------------------------------------------------------- input domains


@dataclass
class _Axis:
    """One input of a table other than role and stage, with its domain."""

    name: str
    kind: str  # "number" | "id" | "bool"
    lo: float = -math.inf
    hi: float = math.inf
    can_miss: bool = False
    #: every value an id/bool input can take, when that set is known
    closed: list[Any] | None = None
    #: a higher value must never give a lower autonomy level
    monotone: bool = False


def _axis(book: Rulebook, name: str) -> _Axis:
    if name in book.benchmarks:
        # Scores are percentages and a model may have none.
        return _Axis(name, "number", 0.0, 100.0, can_miss=True, monotone=True)
    if name in book.metrics:
        formula = book.metrics[name].formula
        hi = math.inf if formula == "relative_gain" else 100.0
        return _Axis(name, "number", -100.0, hi, can_miss=True)
    if name == "evidence":
        # The evidence scale, weakest first: stronger evidence must never lower autonomy.
        return _Axis(name, "id", closed=list(book.evidence), monotone=True)
    if name == "model":
        return _Axis(name, "id")
    if name == "baseline":
        return _Axis(name, "id", can_miss=True)
    q = next(q for q in book.questions if q.id == name)
    miss = not q.required
    if q.type == "number":
        lo = -math.inf if q.min is None else float(q.min)
        hi = math.inf if q.max is None else float(q.max)
        return _Axis(name, "number", lo, hi, can_miss=miss)
    if q.type == "confirm":
        return _Axis(name, "bool", can_miss=miss, closed=[False, True])
    closed: list[Any] | None = None
    if q.type == "select" and q.choices:
        closed = [c.value for c in q.choices]
    elif q.type == "select" and q.choices_from in ("roles", "stages"):
        closed = list(book.roles if q.choices_from == "roles" else book.stages)
    return _Axis(name, "id", can_miss=miss, closed=closed)


# --------------------------------------------------------------------------- the exhaustive check


def _bits(mask: int) -> Iterable[int]:
    """Positions of the set bits of ``mask``, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _number_points(axis: _Axis, tests: list[tuple[int, Test]], anym: int) -> list[tuple[Any, int]]:
    """Every boundary and one point inside every cell, each with the rules accepting it."""
    bounds: set[float] = set()
    for _, t in tests:
        for iv in t.intervals:
            for e in (iv.lo, iv.hi):
                if math.isfinite(e) and axis.lo <= e <= axis.hi:
                    bounds.add(e)
    bounds.update(e for e in (axis.lo, axis.hi) if math.isfinite(e))
    b = sorted(bounds)
    values: list[float] = []
    if not b:
        values.append(0.0)
    else:
        if math.isinf(axis.lo):
            values.append(b[0] - 1)
        for j, x in enumerate(b):
            values.append(x)
            if j + 1 < len(b):
                values.append((x + b[j + 1]) / 2)
        if math.isinf(axis.hi):
            values.append(b[-1] + 1)
    # Each rule marks the index ranges its intervals cover with two toggles;
    # a running XOR then gives every point's rule set in one pass.
    toggles = [0] * (len(values) + 1)
    missm = 0
    for k, t in tests:
        bit = 1 << k
        if t.kind == "missing" or t.or_missing:
            missm |= bit
        ranges = []
        for iv in t.intervals:
            a = bisect_left(values, iv.lo) if iv.lo_closed else bisect_right(values, iv.lo)
            z = bisect_right(values, iv.hi) if iv.hi_closed else bisect_left(values, iv.hi)
            if a < z:
                ranges.append((a, z))
        ranges.sort()
        merged: list[list[int]] = []
        for a, z in ranges:  # overlapping intervals of one rule must not cancel out
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], z)
            else:
                merged.append([a, z])
        for a, z in merged:
            toggles[a] ^= bit
            toggles[z] ^= bit
    points: list[tuple[Any, int]] = []
    run = 0
    for j, v in enumerate(values):
        run ^= toggles[j]
        points.append((int(v) if float(v).is_integer() else v, anym | run))
    if axis.can_miss:
        points.append((None, anym | missm))
    return points


def _value_points(axis: _Axis, tests: list[tuple[int, Test]], anym: int) -> list[tuple[Any, int]]:
    if axis.closed is not None:
        values: list[Any] = list(axis.closed)
    else:
        named = sorted({i for _, t in tests for i in t.ids})
        values = [*named, OTHER]
    if axis.can_miss:
        values.append(None)
    return [(v, anym | sum(1 << k for k, t in tests if t.matches(v))) for v in values]


class TableCheck:
    """The exhaustive check of one table over every role × stage it reads."""

    def __init__(self, book: Rulebook, table: CompiledTable, out: list[Finding]) -> None:
        self.book = book
        self.table = table
        self.out = out
        self.rules = table.rules
        self.policy = table.spec.hit_policy
        self.check_gaps = self.policy != "collect" and table.spec.purpose in (
            "stage-advice",
            "role-summary",
        )
        self.axes = [_axis(book, n) for n in table.spec.inputs if n not in ("role", "stage")]
        self.rank = [
            book.level_rank(r.spec.autonomy) if r.spec.autonomy in book.level_ids else None
            for r in self.rules
        ]
        self.monotone = self.policy != "collect" and any(x is not None for x in self.rank)
        self.matched = [False] * len(self.rules)
        self.chosen = [False] * len(self.rules)
        #: rule index -> (example, winner index) where it applied but lost
        self.lost: dict[int, tuple[dict[str, Any], int]] = {}
        self.overlaps: dict[tuple[int, int], dict[str, Any]] = {}
        self.falls: dict[tuple[int, int], tuple[str, dict[str, Any], dict[str, Any]]] = {}

    # -- grouping

    def groups(self) -> list[tuple[dict[str, str], list[int]]]:
        """Role × stage groups (as far as the table reads them) and their candidate rules."""
        spec = self.table.spec
        roles: list[str | None] = list(self.book.roles) if "role" in spec.inputs else [None]
        stages: list[str | None] = list(self.book.stages) if "stage" in spec.inputs else [None]
        index: dict[tuple[str | None, str | None], list[int]] = {
            (r, s): [] for r in roles for s in stages
        }

        def values(test: Test | None, domain: list[str | None]) -> list[str | None]:
            if domain == [None] or test is None or test.kind == "any":
                return domain
            return [v for v in domain if test.matches(v)]

        # Rules are filed under the groups they can apply to, so a group only
        # ever looks at its own candidates.
        for i, rule in enumerate(self.rules):
            for r in values(rule.tests.get("role"), roles):
                for s in values(rule.tests.get("stage"), stages):
                    index[(r, s)].append(i)
        out = []
        for (r, s), cands in index.items():
            where = {}
            if r is not None:
                where["role"] = r
            if s is not None:
                where["stage"] = s
            if self.policy == "priority":
                # Bits in order of preference: the lowest set bit is the winner.
                big = len(self.table.priority_rank)
                cands.sort(
                    key=lambda i: (
                        self.table.priority_rank.get(self.rules[i].spec.autonomy or "", big),
                        i,
                    )
                )
            out.append((where, cands))
        return out

    def run(self) -> None:
        for where, cands in self.groups():
            self.check_group(where, cands)
        self.report()

    # -- one group

    def points(self, axis: _Axis, cands: list[int]) -> list[tuple[Any, int]]:
        anym = 0
        tests: list[tuple[int, Test]] = []
        for k, i in enumerate(cands):
            t = self.rules[i].tests.get(axis.name)
            if t is None or t.kind == "any":
                anym |= 1 << k
            else:
                tests.append((k, t))
        if not tests:
            # No candidate reads this input: one point stands for all its values.
            return [(_ANY, anym)]
        if axis.kind == "number":
            return _number_points(axis, tests, anym)
        return _value_points(axis, tests, anym)

    def check_group(self, where: dict[str, str], cands: list[int]) -> None:
        axes = self.axes
        pts = [self.points(a, cands) for a in axes]
        sizes = [len(p) for p in pts]
        total = math.prod(sizes)
        if total > MAX_POINTS:
            self.out.append(
                Finding(
                    "warning",
                    "lint-limit",
                    f"table {self.table.id!r}{_group_words(where)} has {total} input regions, over "
                    f"the limit of {MAX_POINTS}; split the table to have it checked",
                    (self.table.location,),
                    self.table.id,
                )
            )
            return
        strides = [0] * len(axes)
        acc = 1
        for d in range(len(axes) - 1, -1, -1):
            strides[d] = acc
            acc *= sizes[d]
        levels: list[int | None] | None = [None] * total if self.monotone else None
        winners: list[int] = [-1] * total if self.monotone else []
        matched_bits = 0
        chosen_bits = 0
        gap: list[int] | None = None
        policy = self.policy
        n = len(axes)
        idx: list[int] = []

        def example(indices: list[int]) -> dict[str, Any]:
            ex: dict[str, Any] = dict(where)
            for d, j in enumerate(indices):
                v = pts[d][j][0]
                if v is not _ANY:
                    ex[axes[d].name] = v
            return ex

        def leaf(mask: int, flat: int) -> None:
            nonlocal matched_bits, chosen_bits
            matched_bits |= mask
            several = mask & (mask - 1)
            if policy in ("first", "priority"):
                chosen = mask & -mask
                if several:
                    w = chosen.bit_length() - 1
                    for k in _bits(several):  # every set bit but the winner's
                        if cands[k] not in self.lost:
                            self.lost[cands[k]] = (example(idx), cands[w])
            else:
                chosen = mask
                if several and policy == "unique":
                    ks = list(_bits(mask))[:MAX_OVERLAP_BITS]
                    for a in range(len(ks)):
                        for b in range(a + 1, len(ks)):
                            x, y = sorted((cands[ks[a]], cands[ks[b]]))
                            if (x, y) not in self.overlaps:
                                self.overlaps[(x, y)] = example(idx)
            chosen_bits |= chosen
            if levels is not None and not (policy == "unique" and several):
                w = cands[chosen.bit_length() - 1]
                levels[flat] = self.rank[w]
                winners[flat] = w

        def walk(d: int, mask: int, flat: int) -> None:
            nonlocal gap
            if mask == 0:
                # No rule for any value of the inputs not fixed yet.
                if gap is None:
                    gap = idx + [0] * (n - d)
                return
            if d == n:
                leaf(mask, flat)
                return
            stride = strides[d]
            for j, (_, m) in enumerate(pts[d]):
                idx.append(j)
                walk(d + 1, mask & m, flat + j * stride)
                idx.pop()

        walk(0, (1 << len(cands)) - 1, 0)

        for k in _bits(matched_bits):
            self.matched[cands[k]] = True
        for k in _bits(chosen_bits):
            self.chosen[cands[k]] = True
        if gap is not None and self.check_gaps:
            ex = example(gap)
            self.out.append(
                Finding(
                    "error",
                    "gap",
                    f"no rule of table {self.table.id!r} applies for {describe(ex)}",
                    (self.table.location,),
                    self.table.id,
                    (),
                    (ex,),
                )
            )
        if levels is not None:
            self.check_monotone(pts, sizes, strides, levels, winners, example)

    def check_monotone(
        self,
        pts: list[list[tuple[Any, int]]],
        sizes: list[int],
        strides: list[int],
        levels: list[int | None],
        winners: list[int],
        example: Callable[[list[int]], dict[str, Any]],
    ) -> None:
        total = len(levels)
        for a, axis in enumerate(self.axes):
            if not axis.monotone or pts[a][0][0] is _ANY:
                continue
            n_a = sizes[a] - (1 if axis.can_miss else 0)  # the missing point is last, skipped
            if n_a < 2:
                continue
            stride, block = strides[a], strides[a] * sizes[a]
            for outer in range(0, total, block):
                for base in range(outer, outer + stride):
                    prev = -1
                    for j in range(n_a):
                        flat = base + j * stride
                        lv = levels[flat]
                        if lv is None:
                            continue
                        if prev >= 0:
                            plv = levels[prev]
                            assert plv is not None
                            if lv < plv:
                                key = (winners[prev], winners[flat])
                                if key not in self.falls:
                                    self.falls[key] = (
                                        axis.name,
                                        example(_unflatten(prev, sizes)),
                                        example(_unflatten(flat, sizes)),
                                    )
                        prev = flat

    # -- findings per rule

    def report(self) -> None:
        table, rules, out = self.table, self.rules, self.out
        for (a, b), ex in sorted(self.overlaps.items()):
            ra, rb = rules[a], rules[b]
            out.append(
                Finding(
                    "error",
                    "overlap",
                    f"rules {ra.id!r} and {rb.id!r} both apply for {describe(ex)}; "
                    f"a unique table needs exactly one",
                    (ra.location, rb.location),
                    table.id,
                    (ra.id, rb.id),
                    (ex,),
                )
            )
        for (lo_rule, hi_rule), (name, low, high) in sorted(self.falls.items()):
            r1, r2 = rules[lo_rule], rules[hi_rule]
            out.append(
                Finding(
                    "error",
                    "monotonicity",
                    f"autonomy falls as {name} rises: {describe(low)} gives "
                    f"{r1.spec.autonomy} (rule {r1.id!r}) but {name} = {_value(high[name])} gives "
                    f"{r2.spec.autonomy} (rule {r2.id!r})",
                    (r2.location, r1.location),
                    table.id,
                    (r2.id, r1.id),
                    (low, high),
                )
            )
        for i, rule in enumerate(rules):
            if not self.matched[i]:
                out.append(
                    Finding(
                        "warning",
                        "unreachable",
                        f"rule {rule.id!r} never applies: no role, stage and input values in their "
                        "domains pass all its cells",
                        (rule.location,),
                        table.id,
                        (rule.id,),
                    )
                )
            elif not self.chosen[i]:
                ex, w = self.lost[i]
                winner = rules[w]
                how = "comes first" if self.policy == "first" else "has priority"
                out.append(
                    Finding(
                        "warning",
                        "shadowed",
                        f"rule {rule.id!r} is never chosen: "
                        f"wherever it applies another rule {how}, "
                        f"e.g. {winner.id!r} for {describe(ex)}",
                        (rule.location, winner.location),
                        table.id,
                        (rule.id, winner.id),
                        (ex,),
                    )
                )


def _unflatten(flat: int, sizes: list[int]) -> list[int]:
    out = [0] * len(sizes)
    for d in range(len(sizes) - 1, -1, -1):
        flat, out[d] = divmod(flat, sizes[d])
    return out


def _value(v: Any) -> str:
    if v is None:
        return "missing"
    if v is OTHER:
        return OTHER_LABEL
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _group_words(where: dict[str, str]) -> str:
    parts = [where[k] for k in ("role", "stage") if k in where]
    return f" for {' × '.join(parts)}" if parts else ""


def describe(point: dict[str, Any]) -> str:
    """An input point in words: ``ml-engineer × model-selection at mle-bench = 49.5``."""
    head = " × ".join(str(point[k]) for k in ("role", "stage") if k in point)
    rest = ", ".join(f"{k} = {_value(v)}" for k, v in point.items() if k not in ("role", "stage"))
    if head and rest:
        return f"{head} at {rest}"
    return head or rest or "every input"


# --------------------------------------------------------------------------- per-cell checks


def check_cells(book: Rulebook, out: list[Finding]) -> None:
    axes: dict[str, _Axis] = {}
    for table in book.tables:
        for rule in table.rules:
            for name, test in rule.tests.items():
                if name in ("role", "stage") or test.kind in ("any", "missing"):
                    continue
                axis = axes.get(name) or axes.setdefault(name, _axis(book, name))
                loc = rule.cell_locations.get(name, rule.location)
                if test.kind == "number":
                    outside = [
                        e
                        for iv in test.intervals
                        for e in (iv.lo, iv.hi)
                        if math.isfinite(e) and not axis.lo <= e <= axis.hi
                    ]
                    if outside:
                        out.append(
                            Finding(
                                "warning",
                                "outside-domain",
                                f"rule {rule.id!r}: {name} cell {test.source!r} uses "
                                f"{_value(outside[0])}, outside {_domain(axis)}",
                                (loc,),
                                table.id,
                                (rule.id,),
                            )
                        )
                elif axis.closed is not None:
                    strange = sorted(v for v in test.ids if v not in axis.closed)
                    if strange:
                        out.append(
                            Finding(
                                "warning",
                                "unknown-value",
                                f"rule {rule.id!r}: {name} is never {strange[0]!r}; its values are "
                                + ", ".join(_value(v) for v in axis.closed),
                                (loc,),
                                table.id,
                                (rule.id,),
                            )
                        )


def _domain(axis: _Axis) -> str:
    lo = "-∞" if math.isinf(axis.lo) else _value(float(axis.lo))
    hi = "∞" if math.isinf(axis.hi) else _value(float(axis.hi))
    return f"the domain {lo}..{hi} of {axis.name}"
