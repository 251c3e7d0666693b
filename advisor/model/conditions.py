"""Unary tests: the cells of a decision table.

A cell is one of:

* ``-``: any value, including a missing one;
* ``missing``: the value is absent (a model without a score on a benchmark);
* a list of ids (``[data-scientist, student]``) or one id, for id inputs;
* ``true`` / ``false`` for yes/no inputs;
* numeric tests for number inputs, joined by commas (any may hold):
  comparisons (``>= 30``, ``< 50``, ``= 36``), intervals (``[30..50)``,
  ``(0..10]``) or a bare number; ``missing`` in the list also accepts an
  absent value (``< 60, missing``).

Cells are parsed once into :class:`Test` objects, which both the engine (to
match) and the linter (to reason about boundaries exactly) use.
"""

from __future__ import annotations

import math
import re

import msgspec

ANY = "-"
MISSING = "missing"


class Interval(msgspec.Struct, frozen=True, order=True):
    """A numeric interval; ``lo``/``hi`` may be infinite."""

    lo: float
    hi: float
    lo_closed: bool = True
    hi_closed: bool = True

    def contains(self, x: float) -> bool:
        """Whether ``x`` lies in the interval."""
        if x < self.lo or (x == self.lo and not self.lo_closed):
            return False
        return not (x > self.hi or (x == self.hi and not self.hi_closed))

    def describe(self, unit: str = "") -> str:
        """Words a reader of a decision table understands."""
        lo_inf, hi_inf = math.isinf(self.lo), math.isinf(self.hi)
        if self.lo == self.hi:
            return f"= {_num(self.lo)}{unit}"
        parts = []
        if not lo_inf:
            parts.append(f"{'≥' if self.lo_closed else '>'} {_num(self.lo)}{unit}")
        if not hi_inf:
            parts.append(f"{'≤' if self.hi_closed else '<'} {_num(self.hi)}{unit}")
        return " and ".join(parts) if parts else "any"

    def __str__(self) -> str:
        if self.lo == self.hi:
            return f"= {_num(self.lo)}"
        if math.isinf(self.lo) and not math.isinf(self.hi):
            return f"{'<=' if self.hi_closed else '<'} {_num(self.hi)}"
        if math.isinf(self.hi) and not math.isinf(self.lo):
            return f"{'>=' if self.lo_closed else '>'} {_num(self.lo)}"
        left = "[" if self.lo_closed else "("
        right = "]" if self.hi_closed else ")"
        return f"{left}{_num(self.lo)}..{_num(self.hi)}{right}"


def _num(x: float) -> str:
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


class Test(msgspec.Struct, frozen=True, order=True):
    """A parsed cell.

    Exactly one of the families is used: ``any``; ``missing``; ``ids``;
    ``boolean``; ``intervals``. ``or_missing`` marks a number test that also
    accepts a missing value ("< 60, missing").
    """

    source: str
    kind: str  # "any" | "missing" | "ids" | "bool" | "number"
    ids: frozenset[str] = frozenset()
    boolean: bool | None = None
    intervals: tuple[Interval, ...] = ()
    or_missing: bool = False

    def matches(self, value: object) -> bool:
        """Whether ``value`` passes this test (``None`` means missing)."""
        kind = self.kind
        if kind == "any":
            return True
        if value is None:
            return kind == "missing" or self.or_missing
        if kind == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
                return False  # NaN lies in no interval
            return any(iv.contains(value) for iv in self.intervals)
        if kind == "ids":
            return value in self.ids
        if kind == "bool":
            return value is self.boolean
        return False

    def describe(self, unit: str = "") -> str:
        """The test in words, for exported decision tables and traces."""
        if self.kind == "any":
            return "any"
        if self.kind == "missing":
            return "no score"
        if self.kind == "ids":
            return " or ".join(sorted(self.ids))
        if self.kind == "bool":
            return "yes" if self.boolean else "no"
        words = [iv.describe(unit) for iv in self.intervals]
        return " or ".join(words + (["no score"] if self.or_missing else []))


class CellError(ValueError):
    """A cell that is not a valid unary test; the message says what is expected."""


# Patterns, not compiled ones: re compiles them on first use, which a cached
# rulebook never reaches (compiling at import is a share of start-up, issue 7).
_CMP = r"^(<=|>=|<|>|=|==)?\s*(-?\d+(?:\.\d+)?)$"
_IVL = r"^([\[(\]])\s*(-?\d+(?:\.\d+)?)\s*\.\.\s*(-?\d+(?:\.\d+)?)\s*([\])\[])$"
_NUMERIC_HELP = "a number test such as '>= 30', '< 50', '[30..50)' or '-' for any"


def parse_number_cell(text: str) -> tuple[Interval, ...]:
    """Parse a comma-separated list of numeric tests into intervals."""
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            raise CellError(f"empty test in {text!r}; expected {_NUMERIC_HELP}")
        m = re.match(_IVL, part)
        if m:
            left, lo_s, hi_s, right = m.groups()
            lo, hi = float(lo_s), float(hi_s)
            # '[a..b[' and ']a..b]' are the ISO spellings of open ends.
            iv = Interval(lo, hi, left == "[", right == "]")
            if lo > hi or (lo == hi and not (iv.lo_closed and iv.hi_closed)):
                raise CellError(f"empty interval {part!r}: the lower end must be below the upper")
            out.append(iv)
            continue
        m = re.match(_CMP, part)
        if not m:
            raise CellError(f"cannot read {part!r}; expected {_NUMERIC_HELP}")
        op, n_s = m.groups()
        n = float(n_s)
        inf = math.inf
        out.append(
            {
                None: Interval(n, n),
                "=": Interval(n, n),
                "==": Interval(n, n),
                "<": Interval(-inf, n, False, False),
                "<=": Interval(-inf, n, False, True),
                ">": Interval(n, inf, False, False),
                ">=": Interval(n, inf, True, False),
            }[op]
        )
    return tuple(out)


def parse_cell(raw: object, kind: str) -> Test:
    """Parse a raw YAML cell for an input of ``kind`` ("id", "number", "bool", "text").

    Raises:
        CellError: when the cell cannot be read for that kind of input.
    """
    if isinstance(raw, str) and raw.strip() == ANY:
        return Test(ANY, "any")
    if isinstance(raw, str) and raw.strip() == MISSING:
        return Test(MISSING, "missing")
    if kind == "number":
        if isinstance(raw, bool):
            raise CellError(f"expected {_NUMERIC_HELP}, got {raw!r}")
        if isinstance(raw, (int, float)):
            if not math.isfinite(raw):
                raise CellError("a test cannot use NaN or infinity")
            return Test(str(raw), "number", intervals=(Interval(float(raw), float(raw)),))
        if isinstance(raw, str):
            parts = [p.strip() for p in raw.split(",")]
            or_missing = MISSING in parts
            rest = ",".join(p for p in parts if p != MISSING)
            return Test(
                raw.strip(), "number", intervals=parse_number_cell(rest), or_missing=or_missing
            )
        raise CellError(f"expected {_NUMERIC_HELP}, got a {type(raw).__name__}")
    if kind == "bool":
        if isinstance(raw, bool):
            return Test(str(raw).lower(), "bool", boolean=raw)
        raise CellError("expected true, false or '-'")
    # id and text inputs: one value or a list of values.
    values = raw if isinstance(raw, list) else [raw]
    if not values:
        raise CellError("an empty list matches nothing; use '-' for any")
    names: list[str] = []
    for v in values:
        if not isinstance(v, str) or not v.strip():
            raise CellError(f"expected an id or a list of ids, got {v!r}")
        names.append(v.strip())
    ids = frozenset(names)
    return Test(", ".join(sorted(ids)), "ids", ids=ids)
