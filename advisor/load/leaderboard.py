"""Import a leaderboard (CSV or YAML rows) into a scores file.

A leaderboard row names a benchmark, an agent (harness), a model and a score
with its provenance (``split, date, source``, optional ``stderr``, ``notes``,
``verified``, ``known_leakage``, ``flags``). :func:`import_leaderboard` maps
the benchmark names to the rulebook's ids, checks every row and groups the
rows into model entries; :func:`scores_yaml` writes them as a scores file
(a top-level ``models:`` list) that ``--scores`` accepts.

Model ids are the built-in rulebook's: agent and model without their
parenthesised details (``mini-SWE-agent (bash-only)`` and ``Claude 4.5 Opus
medium (20251101)`` make ``mini-swe-agent-claude-4.5-opus-medium``), and no
agent when it is "unspecified" (``gpt-5.5``); lowercase, ``a-z0-9._-``, at
most 80 characters (a longer one keeps a short hash of the whole). Rows of one
id on different benchmarks are one entry, so importing a leaderboard the
built-in models come from replaces them under ``--scores``. When one model has
scores on several splits of a benchmark (MLE-bench's low, medium, high and
all), each split is its own entry: the split of the whole benchmark ("all")
keeps the plain id, the others add theirs (``...-low``); ``split=`` keeps only
the rows of one split. Rows that would share an entry and a benchmark keep
what tells them apart in their ids and names: the details of their names
(``...-sage-openhands-...`` and ``...-sage-bash-only-...``), else the run
time (``running_time_hours``: ``...-24h``), else the date; rows alike in all
of these get ``-2``, ``-3`` in file order. Rows that cannot be used are skipped and reported with
their location and reason; they never stop the rest.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from advisor import wording
from advisor.errors import InputError
from advisor.load.book import first_few
from advisor.load.rulebook import Rulebook, unknown
from advisor.load.tabular import (
    MAX_BYTES,
    CsvTable,
    decode_text,
    kind_of,
    parse_csv,
    read_csv,
    sniff_kind,
)
from advisor.load.yamlsource import SourceMap, load_yaml, load_yaml_bytes
from advisor.model.dates import parse_date
from advisor.model.ids import slug, split_label
from advisor.model.location import Location

MAX_ID = 80
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_REQUIRED = ("benchmark", "model", "score", "date", "source")
_SHORT = 300  # ShortText in the rulebook schema
_LONG = 4000  # Text in the rulebook schema
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


@dataclass(frozen=True)
class Skipped:
    """A row that was not imported, and why."""

    location: Location
    reason: str
    #: The row names a benchmark the rulebook lacks (``--benchmark`` would take it).
    unknown_benchmark: bool = False

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


@dataclass
class Row:
    """One usable leaderboard row, normalised."""

    location: Location
    benchmark: str
    agent: str
    model: str
    score: float
    stderr: float | None
    split: str
    date: str
    source: str
    verified: bool
    flags: list[str]
    notes: str
    #: The run's time budget (``running_time_hours``), a detail that can tell runs apart.
    hours: str = ""


@dataclass
class Entry:
    """One model entry of the scores file: an agent and model, and its rows."""

    id: str
    name: str
    agent: str
    rows: list[Row] = field(default_factory=list)


@dataclass
class Imported:
    """The outcome of :func:`import_leaderboard`."""

    source: str
    rows: int
    entries: list[Entry]
    skipped: list[Skipped]
    filtered: int = 0
    #: The splits of the rows ``split=`` left out, sorted.
    other_splits: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The scores file's data: ``{"models": [...]}`` in the rulebook format."""
        return {"models": [_entry_data(e) for e in self.entries]}


# --------------------------------------------------------------------------- names and ids


def normalise(text: str) -> str:
    """A benchmark name reduced to letters and digits: "MLE-bench" -> "mlebench"."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def benchmark_names(book: Rulebook) -> dict[str, str]:
    """Every spelling the import accepts for a benchmark, normalised, to its id."""
    names: dict[str, str] = {}
    for b in book.benchmarks.values():
        names[normalise(b.id)] = b.id
        names[normalise(b.name)] = b.id
    return names


def fit_id(base: str, suffix: str = "") -> str:
    """``base + suffix`` cut to the id length limit, keeping a hash of the whole."""
    whole = base + suffix
    if len(whole) <= MAX_ID:
        return whole
    # The hash is of the base alone, so the entries of one long name share a prefix.
    digest = hashlib.sha256(base.encode()).hexdigest()[:8]
    keep = MAX_ID - len(suffix) - len(digest) - 1
    return base[:keep].rstrip("-._") + "-" + digest + suffix


# --------------------------------------------------------------------------- reading


def import_leaderboard(
    path: str | os.PathLike[str],
    book: Rulebook,
    *,
    benchmark: str | None = None,
    split: str | None = None,
    display_name: str | None = None,
    kind: str | None = None,
) -> Imported:
    """Read a leaderboard file into model entries.

    Args:
        path: A ``.csv``/``.tsv`` file with a header row, or a ``.yaml``/``.yml``
            list of rows.
        book: The rulebook whose benchmarks rows are mapped to.
        benchmark: Import every row as this benchmark id, whatever it says.
        split: Keep only rows of this split (case-insensitive; "all" matches
            "all (split75, 75 competitions)").
        display_name: Name of the file in locations (default: ``path``).
        kind: ``csv``, ``tsv`` or ``yaml`` whatever the file's name says (default: from it).

    Returns:
        The entries and the skipped rows, each with its location and reason.

    Raises:
        InputError: the file cannot be read or is not a list of rows; ``benchmark``
            is not a benchmark id of the rulebook.
        YamlError: the YAML is invalid or unsafe.
    """
    name = display_name if display_name is not None else os.fsdecode(path)
    _check_benchmark(book, benchmark)
    kind = kind_of(path, name, "a leaderboard", kind)
    if kind == "yaml":
        raw_rows = _yaml_rows(*load_yaml(path, display_name=name, max_bytes=MAX_BYTES))
    else:
        raw_rows = _csv_rows(read_csv(path, name, _DELIMITERS[kind], what=_WHAT, empty=_EMPTY))
    return _import(raw_rows, name, book, benchmark, split)


def import_leaderboard_data(
    data: bytes,
    name: str,
    book: Rulebook,
    *,
    benchmark: str | None = None,
    split: str | None = None,
    kind: str | None = None,
) -> Imported:
    """Read a leaderboard that has no file (standard input) into model entries.

    Args:
        data: The leaderboard's bytes.
        name: How to name it in locations (``<stdin>``).
        book, benchmark, split: As for :func:`import_leaderboard`.
        kind: ``csv``, ``tsv`` or ``yaml`` (default: told from the first line).

    Raises:
        InputError, YamlError: as :func:`import_leaderboard`; also when the kind cannot be told.
    """
    _check_benchmark(book, benchmark)
    kind = kind or sniff_kind(data, name)
    if kind == "yaml":
        raw_rows = _yaml_rows(*load_yaml_bytes(data, name))
    else:
        text = decode_text(data, name, _WHAT)
        raw_rows = _csv_rows(parse_csv(text, name, _DELIMITERS[kind], empty=_EMPTY))
    return _import(raw_rows, name, book, benchmark, split)


_WHAT = "a leaderboard"
_EMPTY = "empty file: expected a header row and one row per score"
_DELIMITERS = {"csv": ",", "tsv": "\t"}
_Where = dict[str, Location]


def _check_benchmark(book: Rulebook, benchmark: str | None) -> None:
    if benchmark is not None and benchmark not in book.benchmarks:
        raise unknown("benchmark", benchmark, list(book.benchmarks))


def _import(
    raw_rows: list[tuple[Location, Any, _Where]],
    name: str,
    book: Rulebook,
    benchmark: str | None,
    split: str | None,
) -> Imported:
    names = benchmark_names(book)
    rows: list[Row] = []
    skipped: list[Skipped] = []
    filtered = 0
    other_splits: set[str] = set()
    for location, data, where in raw_rows:
        try:
            row = _row(location, data, where, names, book, benchmark)
        except _Skip as exc:
            skipped.append(Skipped(exc.location or location, exc.reason, exc.unknown_benchmark))
            continue
        if split is not None and not _split_matches(row.split, split):
            filtered += 1
            other_splits.add(row.split)
            continue
        rows.append(row)
    return Imported(name, len(raw_rows), _entries(rows), skipped, filtered, sorted(other_splits))


def _yaml_rows(data: Any, smap: SourceMap) -> list[tuple[Location, Any, _Where]]:
    if isinstance(data, dict) and "models" in data:
        raise InputError(
            "this is already a scores file ('models:'); use it with --scores as it is",
            smap.locate(("models",)),
        )
    if not isinstance(data, list):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        raise InputError(
            f"a leaderboard is a YAML list of rows (- benchmark: ..., model: ..., score: ...), "
            f"got {got}",
            smap.locate(()),
        )
    out = []
    for i, item in enumerate(data):
        where = {}
        if isinstance(item, dict):
            where = {str(k): smap.locate((i, k)) for k in item}
        out.append((smap.locate((i,)), item, where))
    return out


def _csv_rows(table: CsvTable) -> list[tuple[Location, Any, _Where]]:
    missing = [k for k in ("model", "score", "date", "source") if k not in table.header]
    if missing:
        raise InputError(
            f"the header row has no column {', '.join(repr(m) for m in missing)}; a leaderboard "
            "needs benchmark, agent, model, score, split, date and source",
            table.header_location,
        )
    return [
        (r.location, _TooMany(r.fields, len(table.header)), {})
        if r.fields is not None
        else (r.location, r.values, r.where)
        for r in table.rows
    ]


@dataclass(frozen=True)
class _TooMany:
    got: int
    expected: int


class _Skip(Exception):
    def __init__(
        self, reason: str, location: Location | None = None, unknown_benchmark: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.location = location
        self.unknown_benchmark = unknown_benchmark


# --------------------------------------------------------------------------- one row


def _row(
    location: Location,
    data: Any,
    where: _Where,
    names: dict[str, str],
    book: Rulebook,
    forced: str | None,
) -> Row:
    if isinstance(data, _TooMany):
        raise _Skip(f"row has {data.got} fields but the header has {data.expected}")
    if not isinstance(data, dict):
        raise _Skip(
            f"a row is a mapping of benchmark, agent, model, score, ...; got {type(data).__name__}"
        )
    row = {str(k).strip().lower(): v for k, v in data.items()}

    def at(key: str) -> Location:
        return where.get(key, location)

    for key in _REQUIRED:
        if key == "benchmark" and forced is not None:
            continue
        if _blank(row.get(key)):
            raise _Skip(f"no {key}; every score needs {', '.join(_REQUIRED)}", at(key))

    notes = _text(row, "notes", at, _LONG)
    if forced is not None:
        bench = forced
        given = _text(row, "benchmark", at, _SHORT)
        if given and names.get(normalise(given)) != forced:
            notes = _join(notes, f"imported as {forced} from benchmark {given!r} (--benchmark)")
    else:
        given = _text(row, "benchmark", at, _SHORT)
        found = names.get(normalise(given))
        if found is None:
            known = ", ".join(b.name for b in book.benchmarks.values())
            raise _Skip(
                f"benchmark {given!r} is not in the rulebook (known: {known}); "
                "use --benchmark ID to import it as one of them",
                at("benchmark"),
                unknown_benchmark=True,
            )
        bench = found

    model = _text(row, "model", at, _SHORT)
    agent = _text(row, "agent", at, _SHORT) or "unspecified"
    split = _text(row, "split", at, _SHORT) or "unspecified"
    unit = _text(row, "unit", at, _SHORT)
    if unit and "%" not in unit and "percent" not in unit.lower():
        raise _Skip(f"unit {unit!r} is not a percentage; convert the scores to percent", at("unit"))
    score = _number(row.get("score"), "score", at("score"))
    if score is None:
        raise _Skip("no score", at("score"))
    stderr = _number(row.get("stderr"), "stderr", at("stderr"))
    date = _date(row.get("date"), at("date"))
    source = _text(row, "source", at, _LONG)
    verified = _bool(row.get("verified"), "verified", at("verified"))
    leakage = _bool(row.get("known_leakage"), "known_leakage", at("known_leakage"))
    flags = _flags(row.get("flags"), at("flags"))
    if leakage and "known-leakage" not in flags:
        flags.append("known-leakage")
    hours = _hours(row.get("running_time_hours"), at("running_time_hours"))
    return Row(
        location,
        bench,
        agent,
        model,
        score,
        stderr,
        split,
        date,
        source,
        True if verified is None else verified,
        flags,
        notes,
        hours,
    )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(row: dict[str, Any], key: str, at: Any, limit: int) -> str:
    value = row.get(key)
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise _Skip(
            f"{key} must be text, got a {'mapping' if isinstance(value, dict) else 'list'}", at(key)
        )
    if isinstance(value, bool):
        # YAML reads an unquoted yes, no, on or off as a yes/no value: 'model: no' is False.
        raise _Skip(f"{key} must be text, got a yes/no value; put it in quotes", at(key))
    text = " ".join(str(value).split())
    if len(text) > limit:
        raise _Skip(f"{key} is {len(text)} characters long, over the limit of {limit}", at(key))
    return text


def _number(value: Any, key: str, at: Location) -> float | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise _Skip(f"{key} must be a number, got {value!r}", at)
    if isinstance(value, (int, float)):
        x = float(value)
    elif isinstance(value, str):
        text = value.strip().removesuffix("%").strip()
        try:
            x = float(text)
        except ValueError:
            raise _Skip(f"{key} must be a number, got {value!r}", at) from None
    else:
        raise _Skip(f"{key} must be a number, got a {type(value).__name__}", at)
    if not math.isfinite(x) or not 0 <= x <= 100:
        raise _Skip(f"{key} {value!r} is not a percentage between 0 and 100", at)
    return x


def _hours(value: Any, at: Location) -> str:
    if _blank(value):
        return ""
    x = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if isinstance(value, str):
        try:
            x = float(value.strip())
        except ValueError:
            x = None
    if x is None or not math.isfinite(x) or x < 0:
        raise _Skip(f"running_time_hours must be a number of hours, got {value!r}", at)
    return wording.number(x, 2)


def _date(value: Any, at: Location) -> str:
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()[:10]
    text = str(value).strip()
    try:
        parse_date(text)
    except ValueError as exc:
        raise _Skip(f"date {text!r} is {exc}", at) from None
    return text


def _bool(value: Any, key: str, at: Location) -> bool | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Skip(f"{key} must be true or false, got {value!r}", at)


def _flags(value: Any, at: Location) -> list[str]:
    if _blank(value):
        return []
    items = value if isinstance(value, list) else re.split(r"[;,]", str(value))
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise _Skip(f"flags must be names, got {item!r}", at)
        flag = slug(item) if item.strip() else ""
        if flag and flag not in out:
            out.append(flag)
    return out


def _join(a: str, b: str) -> str:
    return f"{a} ({b})" if a else b


def _split_matches(split: str, wanted: str) -> bool:
    s, w = split.strip().lower(), wanted.strip().lower()
    return s == w or split_label(s) == slug(w) or (s.startswith(w) and not s[len(w)].isalnum())


# --------------------------------------------------------------------------- entries


def _entries(rows: Sequence[Row]) -> list[Entry]:
    """Group rows into model entries with unique, deterministic ids."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(_base(row), []).append(row)
    entries: list[Entry] = []
    used: set[str] = set()
    for base, group in groups.items():
        splits: dict[str, set[str]] = {}
        for row in group:
            splits.setdefault(row.benchmark, set()).add(row.split)
        by_split = any(len(s) > 1 for s in splits.values())
        subgroups: dict[str, list[Row]] = {}
        for row in group:
            subgroups.setdefault(row.split if by_split else "", []).append(row)
        for split, members in subgroups.items():
            # The split that covers the whole benchmark ("all") keeps the plain id.
            label = split_label(split) if by_split else ""
            suffix = f"-{label}" if label and label != "all" else ""
            for variant in _variants(members):
                first = variant.rows[0]
                stem = slug(f"{first.agent} {first.model}") if variant.full else base
                stem += "".join(f"-{part}" for _, part in variant.details)
                # An entry holds one score per benchmark; rows alike in every detail
                # (the same row listed twice) open further entries, numbered.
                for n, slot in enumerate(_slots(variant.rows), start=1):
                    ident = fit_id(stem, suffix + (f"-{n}" if n > 1 else ""))
                    k = 2
                    while ident in used:  # two different names that slug alike
                        ident = fit_id(stem, f"{suffix}-{k}")
                        k += 1
                    used.add(ident)
                    entries.append(Entry(ident, _name(first, variant, split), first.agent, slot))
    return entries


_PARENS = re.compile(r"\([^()]*\)")
_NO_AGENT = {"unspecified", ""}


def core(text: str) -> str:
    """A name without its parenthesised details: "Opus 4.5 (20251101)" -> "Opus 4.5"."""
    out, prev = text, None
    while out != prev:
        prev, out = out, _PARENS.sub(" ", out)
    return " ".join(out.split()) or text


def _base(row: Row) -> str:
    """The id of a row's model: agent and model without details; no "unspecified" agent."""
    agent = core(row.agent)
    model = core(row.model)
    return slug(model if slug(agent) in _NO_AGENT else f"{agent} {model}")


@dataclass
class _Variant:
    rows: list[Row]
    full: bool = False  # the id spells agent and model in full, details included
    #: (in the name, in the id): ("24 h", "24h"), ("2025-07-12", "2025-07-12").
    details: tuple[tuple[str, str], ...] = ()


def _repeats(rows: Sequence[Row]) -> bool:
    benches = [r.benchmark for r in rows]
    return len(set(benches)) < len(benches)


def _variants(rows: list[Row]) -> list[_Variant]:
    """Rows told apart where two would share an entry and a benchmark: first by the
    details of their agent and model names, then by run time, then by date."""
    parts = [_Variant(rows)]
    keys = (
        ("full", lambda r: (r.agent.lower(), r.model.lower()), lambda r: ()),
        ("hours", lambda r: r.hours, lambda r: ((f"{r.hours} h", f"{slug(r.hours)}h"),)),
        ("date", lambda r: r.date, lambda r: ((r.date, slug(r.date)),)),
    )
    for kind, key, detail in keys:
        out: list[_Variant] = []
        for part in parts:
            by: dict[Any, list[Row]] = {}
            for r in part.rows:
                by.setdefault(key(r), []).append(r)
            if not _repeats(part.rows) or len(by) == 1:
                out.append(part)
                continue
            for members in by.values():
                full = part.full or kind == "full"
                out.append(_Variant(members, full, part.details + detail(members[0])))
        parts = out
    return parts


def _slots(rows: list[Row]) -> list[list[Row]]:
    slots: list[list[Row]] = []
    for row in rows:
        free = (s for s in slots if all(r.benchmark != row.benchmark for r in s))
        slot = next(free, None)
        if slot is None:
            slot = []
            slots.append(slot)
        slot.append(row)
    return slots


def _name(first: Row, variant: _Variant, split: str) -> str:
    """ "model (agent, details, split)"; a model without a named agent is just its name."""
    parts = [] if slug(core(first.agent)) in _NO_AGENT else [first.agent]
    parts += [label for label, _ in variant.details] + ([split] if split else [])
    return _cut(first.model + (f" ({', '.join(parts)})" if parts else ""))


def _cut(text: str) -> str:
    return text if len(text) <= _SHORT else text[: _SHORT - 1] + "…"


def _entry_data(entry: Entry) -> dict[str, Any]:
    scores = []
    for r in entry.rows:
        sc: dict[str, Any] = {"benchmark": r.benchmark, "score": r.score}
        if r.stderr is not None:
            sc["stderr"] = r.stderr
        sc.update(split=r.split, agent=r.agent, date=r.date, source=r.source, verified=r.verified)
        if r.flags:
            sc["flags"] = list(r.flags)
        if r.notes:
            sc["notes"] = r.notes
        scores.append(sc)
    return {"id": entry.id, "name": entry.name, "agent": entry.agent, "scores": scores}


# --------------------------------------------------------------------------- writing


def scores_yaml(imported: Imported) -> str:
    """The scores file text for an import: a header comment and a ``models:`` list.

    Raises:
        InputError: no row could be imported (each skipped row is in ``imported.skipped``).
    """
    if not imported.entries:
        why = f"all {imported.rows} rows were skipped" if imported.rows else "it has no rows"
        if imported.filtered:
            # Name the splits the file has, since the one wanted may go by another name
            # there ("lite" is "low (=Lite, 22 competitions)" in MLE-bench's file); a few,
            # as an unknown id's error lists known ids, for a file with a split per row.
            splits = imported.other_splits
            why = (
                f"no row of the chosen split ({imported.filtered} rows of other splits); its "
                f"splits: {first_few(splits)}; pass one of them with --split, "
                f"e.g. --split {split_label(splits[0])}"
            )
        hint = ""
        if any(skip.unknown_benchmark for skip in imported.skipped):
            hint = "; --benchmark ID imports rows of another benchmark"
        elif imported.skipped:
            hint = "; the reason for each row is given above"
        raise InputError(f"nothing to import: {why}{hint}", Location(imported.source))
    n_scores = sum(len(e.rows) for e in imported.entries)
    # No yaml-language-server modeline: the schema file it would name is not beside the
    # output; the comment says how to write one, as `advisor init`'s files do.
    head = (
        f"# Scores imported by 'advisor scores import' from {Path(imported.source).name}:\n"
        f"# {wording.count(len(imported.entries), 'model')}, {wording.count(n_scores, 'score')}; "
        f"{wording.count(len(imported.skipped), 'row')} skipped. Use with --scores.\n"
        "# 'advisor schema -o rulebook.schema.json' writes the JSON Schema for editors.\n"
    )
    body = yaml.safe_dump(
        imported.to_dict(),
        sort_keys=False,
        allow_unicode=True,
        width=4096,
        default_flow_style=False,
    )
    return head + body
