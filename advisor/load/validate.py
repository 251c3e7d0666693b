"""Validate parsed YAML against the rulebook structs, with every problem located.

msgspec stops at the first problem of what it converts, so a rulebook file is
validated a piece at a time: each top-level key on its own and each item of
each section list on its own. Every bad piece gives one problem, located to
file:line:column through the file's :class:`~advisor.load.yamlsource.SourceMap`
and named by its dotted key path (``tables.0.rules.1.autonomy``).
"""

from __future__ import annotations

import math
import re
import types
import typing
from collections.abc import Iterable
from typing import Any, TypeVar

import msgspec
import msgspec.structs

from advisor.errors import AdvisorError, RulebookError
from advisor.load.yamlsource import SourceMap
from advisor.model import schema as s
from advisor.model.dates import date_problem
from advisor.model.location import Location

T = TypeVar("T")

#: Problems reported one by one; the rest are counted.
MAX_SHOWN = 100

YES_NO_HINT = "(YAML reads unquoted yes, no, on, off, true and false as true/false: quote it)"
QUOTE_HINT = "(quote it to use it as text)"

# "Expected `str`, got `int` - at `$.roles[0].name`"; the location part is absent at the root.
_MESSAGE = re.compile(r"(?s)^(?P<what>.*?)(?: - at (?:`key` in )?`(?P<path>\$[^`]*)`)?$")
_STEP = re.compile(r"\.(\w+)|\[(\d+)\]|\[\.\.\.\]")
_WORDS = {
    "str": "text",
    "int": "a whole number",
    "float": "a number",
    "bool": "true/false",
    "array": "a list",
    "object": "a mapping (key: value)",
    "null": "null",
}
_CONSTRAINT = re.compile(r"^Expected `(?P<type>\w+)`(?P<rest>.+)$")
_GOT = re.compile(r"^Expected `(?P<types>[^`]+)`, got `(?P<got>\w+)`$")


class Problems:
    """Collects located problems so that all are reported at once."""

    def __init__(self) -> None:
        self.items: list[AdvisorError] = []
        self.hidden = 0  # problems counted but not collected one by one

    def add(self, message: str, location: Location | None) -> None:
        self.items.append(AdvisorError(message, location))

    def extend(self, errors: Iterable[AdvisorError]) -> None:
        self.items.extend(errors)

    def raise_if_any(self) -> None:
        """Raises a RulebookError with every problem collected, in file order."""
        if self.items:
            self.items.sort(key=lambda e: (e.location or Location(""), e.message))
            n = len(self.items) + self.hidden
            first = self.items[0]
            msg = first.message if n == 1 else f"{first.message} (and {n - 1} more problems)"
            shown = self.items[:MAX_SHOWN]
            if n > len(shown):
                more = "about " if self.hidden else ""
                shown.append(
                    AdvisorError(
                        f"... and {more}{n - len(shown)} more problems; fix these first and "
                        "check again"
                    )
                )
            raise RulebookError(msg, first.location, problems=shown)


def rulebook_file(
    data: dict[Any, Any], smap: SourceMap, problems: Problems
) -> s.RulebookFile | None:
    """``data`` (a mapping read from one file) as a RulebookFile; None after adding its
    problems to ``problems``."""
    parts: dict[str, Any] = {}
    before = len(problems.items) + problems.hidden
    for key, value in data.items():
        item_type = s.SECTION_ITEM.get(key) if isinstance(key, str) else None
        if item_type is not None and type(value) is list:
            items = []
            for i, item in enumerate(value):
                if type(item) is dict and key in ("sources", "models"):
                    item = _dates_as_text(key, item)
                got = checked(item, item_type, smap, (key, i), problems)
                items.append(got)
            parts[key] = items
        else:
            top = checked({key: value}, s.RulebookFile, smap, (), problems)
            if top is not None:
                parts[key] = getattr(top, key)
    if len(problems.items) + problems.hidden > before:
        return None
    return s.RulebookFile(**parts)


def _dates_as_text(section: str, item: dict[Any, Any]) -> dict[Any, Any]:
    # YAML reads an unquoted 2026-02-03 as a date; the format keeps dates as text
    # because leaderboards often give only a month.
    if section == "sources":
        return {**item, "date": s.date_text(item["date"])} if "date" in item else item
    scores = item.get("scores")
    if type(scores) is not list:
        return item
    fixed = [
        {**sc, "date": s.date_text(sc["date"])} if type(sc) is dict and "date" in sc else sc
        for sc in scores
    ]
    return {**item, "scores": fixed}


def checked(
    data: Any, kind: type[T], smap: SourceMap, at: tuple[Any, ...], problems: Problems
) -> T | None:
    """``data`` (found at key path ``at``) as a ``kind``, or None after adding its problem.

    Past MAX_SHOWN problems, a problem is only counted.
    """
    try:
        value = s.validate(data, kind)
    except msgspec.ValidationError as exc:
        if len(problems.items) >= MAX_SHOWN:
            problems.hidden += 1
        else:
            problems.items.append(located(str(exc), data, kind, smap, at))
        return None
    bad = _not_finite(data, ())
    if bad is not None:
        path, number = bad
        if len(problems.items) >= MAX_SHOWN:
            problems.hidden += 1
        else:
            full = at + path
            problems.add(
                f"{_dotted(full)}: expected a finite number, got {number!r}", smap.locate(full)
            )
        return None
    bad_dates = list(_bad_dates(value))
    for path, problem in bad_dates:
        # The schema checks a date's form; the calendar (no 2026-02-30) is checked here.
        full = at + path
        if len(problems.items) >= MAX_SHOWN:
            problems.hidden += 1
        else:
            problems.add(f"{_dotted(full)}: {problem}", smap.locate(full))
    return None if bad_dates else value


def _bad_dates(value: Any) -> Iterable[tuple[tuple[Any, ...], str]]:
    """The dates of a source or a model's scores that are not real calendar dates."""
    if isinstance(value, s.Source) and value.date is not None:
        problem = date_problem(value.date)
        if problem is not None:
            yield ("date",), problem
    elif isinstance(value, s.Model):
        for j, score in enumerate(value.scores):
            problem = date_problem(score.date)
            if problem is not None:
                yield ("scores", j, "date"), problem


def _not_finite(data: Any, path: tuple[Any, ...]) -> tuple[tuple[Any, ...], float] | None:
    """The first NaN or infinite number in ``data``, with its key path."""
    kind = type(data)
    if kind is float:
        return None if math.isfinite(data) else (path, data)
    if kind is dict:
        pairs: Iterable[tuple[Any, Any]] = data.items()
    elif kind is list:
        pairs = enumerate(data)
    else:
        return None
    for key, value in pairs:
        if type(value) in (float, dict, list):
            found = _not_finite(value, (*path, key))
            if found is not None:
                return found
    return None


def located(
    message: str, data: Any, kind: Any, smap: SourceMap, at: tuple[Any, ...]
) -> AdvisorError:
    """A msgspec validation message as a one-line problem at its place in the file.

    Args:
        message: ``str()`` of the msgspec.ValidationError.
        data: What was validated.
        kind: The type it was validated as.
        smap: The file's source map.
        at: The key path of ``data`` in the file.
    """
    match = _MESSAGE.match(message)
    assert match is not None  # the pattern matches any text
    what = match["what"]
    key_error = " - at `key` in `" in message
    steps: list[Any] = []
    for m in _STEP.finditer(match["path"] or "$"):
        steps.append(m[1] if m[1] is not None else int(m[2]) if m[2] is not None else ...)
    # Follow the path through the data, resolving "[...]" (a value of a mapping,
    # which msgspec does not name) to the first entry that does not validate.
    path: list[Any] = []
    value, tp = data, kind
    for step in steps:
        if step is ...:
            step = _bad_key(value, _inner(tp, ...))
            if step is None:
                break
        tp = _inner(tp, step)
        value = value[step] if _has(value, step) else None
        path.append(step)
    full = at + tuple(path)
    if key_error:
        keys = value if type(value) is dict else {}
        bad = next((k for k in keys if not isinstance(k, str)), None)
        full = full + (bad,)
        if _is_struct(tp):
            return _unknown_key(full, smap)
        return AdvisorError(
            f"{_dotted(full)}: a key here must be text, got {_shown(bad)}",
            smap.key_location(full) or smap.locate(full),
        )
    if what.startswith("Object contains unknown field"):
        name = what.removeprefix("Object contains unknown field `").removesuffix("`")
        return _unknown_key(full + (name,), smap)
    if what.startswith("Object missing required field"):
        name = what.removeprefix("Object missing required field `").removesuffix("`")
        full = full + (name,)
        return AdvisorError(f"{_dotted(full)}: required key missing", smap.locate(full))
    return AdvisorError(
        f"{_dotted(full)}: {_expected(what, tp, value)}, got {_shown(value)}", smap.locate(full)
    )


def _unknown_key(full: tuple[Any, ...], smap: SourceMap) -> AdvisorError:
    return AdvisorError(
        f"{_dotted(full)}: unknown key {full[-1]!r}; check the spelling (see 'advisor schema')",
        smap.key_location(full) or smap.locate(full),
    )


def _expected(what: str, tp: Any, got: Any) -> str:
    """What was expected, in words, with a hint for YAML's surprises."""
    if what.startswith("Invalid enum value"):
        allowed = [repr(v) for v in _literals(tp)]
        if len(allowed) > 1:
            return "expected " + ", ".join(allowed[:-1]) + " or " + allowed[-1]
        return "expected " + (allowed[0] if allowed else "another value")
    if isinstance(got, float) and not math.isfinite(got):
        return "expected a finite number"
    m = _GOT.match(what)
    if m:
        # An optional key takes null too, which is no more than leaving it out.
        names = [t for t in m["types"].split(" | ") if t != "null"] or ["null"]
        wants = [_WORDS.get(t, t) for t in names]
        text = "expected " + (
            wants[0] if len(wants) == 1 else ", ".join(wants[:-1]) + " or " + wants[-1]
        )
        if "str" in names:
            if isinstance(got, bool):
                text += " " + YES_NO_HINT
            elif isinstance(got, (int, float)):
                text += " " + QUOTE_HINT
        return text
    m = _CONSTRAINT.match(what)
    if m:
        rest = m["rest"].strip()
        rest = re.sub(r"(\d+)\.0\b", r"\1", rest)
        rest = rest.replace("of length <=", "of at most").replace("of length >=", "of at least")
        rest = rest.replace("matching regex", "matching")
        if m["type"] == "str" and rest.startswith("of at"):
            rest += " characters"
        return f"expected {_WORDS.get(m['type'], m['type'])} {rest}"
    return what[:1].lower() + what[1:]


def _shown(got: Any) -> str:
    if isinstance(got, (str, int, float, bool)) or got is None:
        text = repr(got)
        return text if len(text) <= 60 else f"{text[:45]}...{text[-12:]}"
    return type(got).__name__


def _dotted(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path) or "(top)"


def _has(value: Any, step: Any) -> bool:
    if isinstance(step, int) and not isinstance(step, bool):
        return type(value) is list and 0 <= step < len(value)
    return type(value) is dict and step in value


def _bad_key(value: Any, value_type: Any) -> Any:
    """The first key of a mapping whose value is not a ``value_type``."""
    if type(value) is not dict:
        return None
    for key, item in value.items():
        try:
            msgspec.convert(item, value_type, strict=True)
        except msgspec.ValidationError:
            return key
    return None


def _strip(tp: Any) -> list[Any]:
    """The members of a type, without Annotated and None."""
    if typing.get_origin(tp) is typing.Annotated:
        return _strip(typing.get_args(tp)[0])
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return [m for a in typing.get_args(tp) for m in _strip(a)]
    return [] if tp is type(None) else [tp]


def _is_struct(tp: Any) -> bool:
    return any(isinstance(m, type) and issubclass(m, msgspec.Struct) for m in _strip(tp))


def _inner(tp: Any, step: Any) -> Any:
    """The type found at ``step`` (a field name, a list index, or ... for a mapping value)."""
    for member in _strip(tp):
        origin = typing.get_origin(member)
        if (
            isinstance(step, str)
            and isinstance(member, type)
            and issubclass(member, msgspec.Struct)
        ):
            for field in msgspec.structs.fields(member):
                if field.encode_name == step:
                    return field.type
        elif isinstance(step, int) and origin is list:
            return typing.get_args(member)[0]
        elif (step is ... or isinstance(step, str)) and origin is dict:
            return typing.get_args(member)[1]
    return Any


def _literals(tp: Any) -> list[Any]:
    return [
        v for m in _strip(tp) if typing.get_origin(m) is typing.Literal for v in typing.get_args(m)
    ]
