"""Numbers in words: percentages, percentage points and plain fractions."""

from __future__ import annotations

import math

#: Marks after a score in compact lists and tables; :data:`MARKS_KEY` explains them.
UNVERIFIED_MARK, FLAGGED_MARK = "*", "!"
MARKS_KEY = f"{UNVERIFIED_MARK} unverified, {FLAGGED_MARK} flagged score"


def score_marks(verified: bool, flagged: bool) -> str:
    """The marks of a score: "" for a verified, unflagged one, else "*", "!" or "*!"."""
    return ("" if verified else UNVERIFIED_MARK) + (FLAGGED_MARK if flagged else "")


_FRACTIONS = [
    (0.05, "almost none"),
    (0.1, "one-tenth"),
    (0.2, "one-fifth"),
    (0.25, "one-quarter"),
    (1 / 3, "one-third"),
    (0.4, "two-fifths"),
    (0.5, "half"),
    (0.6, "three-fifths"),
    (2 / 3, "two-thirds"),
    (0.75, "three-quarters"),
    (0.8, "four-fifths"),
    (0.9, "nine-tenths"),
    (0.95, "almost all"),
]


def fraction_words(percent: float | None) -> str:
    """The plain fraction closest to a percentage: 36 -> "one-third", 64 -> "two-thirds".

    Ties go to the smaller fraction, so the wording never overstates a score.
    """
    if percent is None or not math.isfinite(percent):
        return "an unknown share"
    if percent <= 0:
        return "none"
    if percent >= 100:
        return "all"
    share = percent / 100
    return min(_FRACTIONS, key=lambda f: (abs(f[0] - share), f[0]))[1]


def number(x: float | None, digits: int = 1) -> str:
    """A number without trailing zeros: 36.0 -> "36", 82.70 -> "82.7"."""
    if x is None:
        return "n/a"
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def provisional(text: str) -> str:
    """A summary line marked provisional: "X scores 36%." -> "X scores 36% (provisional).";
    a line that ends in a parenthesis gets the mark inside it: "(a reading)." ->
    "(a reading; provisional).", never two parentheses in a row."""
    body = text.rstrip()
    end = "." if body.endswith(".") else ""
    body = body.removesuffix(end)
    if body.endswith(")"):
        return f"{body[:-1]}; provisional){end}"
    return f"{body} (provisional){end}"


def sentence(text: str) -> str:
    """Text from data as a sentence: stripped, with a full stop unless it already ends one
    ("an ensemble of A and B" -> "an ensemble of A and B.")."""
    body = " ".join(text.split())
    return body if not body or body.endswith((".", "!", "?")) else body + "."


def shown(value: object) -> str:
    """An input value as traces print it: numbers to two decimals, None as "missing"."""
    if value is None:
        return "missing"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number(value, 2)
    return str(value)


def pct(x: float | None, digits: int = 1) -> str:
    """A percentage: 36 -> "36%"."""
    return "n/a" if x is None else f"{number(x, digits)}%"


def signed(x: float | None, unit: str = "", digits: int = 1) -> str:
    """A signed difference: 13 -> "+13 pp" with unit " pp"."""
    if x is None:
        return "n/a"
    text = number(x, digits)
    return (text if text.startswith("-") or text == "0" else "+" + text) + unit


def count(n: int, noun: str, plural: str = "") -> str:
    """A count with its noun: 1 -> "1 role", 2 -> "2 roles" (``plural`` when not noun + s)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
