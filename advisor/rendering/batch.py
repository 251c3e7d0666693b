"""One guide per team from a roster: ``advisor batch ROSTER --out-dir DIR``.

A roster is a CSV file with a header row, or a YAML list of mappings (or a
mapping with a ``teams:`` list), one row per team: ``team`` and ``model``,
optionally ``roles`` and ``stages`` (lists, or text separated by ``;`` or
``,``), ``baseline`` and ``format``; any other column answers the rulebook's
question of that id. Every answer is validated like ``advisor guide``'s.

File names come from team names: lowercase letters, digits, ``.``, ``_`` and
``-`` only, no leading dot, so a name can never leave DIR; two teams that
would get the same name get ``-2``, ``-3`` in roster order. A row that fails
is reported with its location and the others are still written.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor import wording
from advisor.errors import AdvisorError, InputError, OutputError
from advisor.evaluation.questionnaire import locate_items, resolve_answers
from advisor.load.paths import path_kind
from advisor.load.rulebook import Rulebook
from advisor.load.tabular import kind_of, read_csv
from advisor.load.yamlsource import load_yaml
from advisor.model.location import Location
from advisor.rendering.formats import EXTENSIONS, check_format
from advisor.rendering.guide import make_guide
from advisor.rendering.output import refuse_same_files, write_text

#: Roster columns that are not questions of the rulebook.
FORMAT_KEY = "format"
LIST_KEYS = ("roles", "stages")
MAX_NAME = 100
WRITERS = 32
_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(10)),
    *(f"lpt{i}" for i in range(10)),
}


@dataclass
class RosterRow:
    """One row of a roster: where it is, and its answers as given."""

    location: Location
    given: dict[str, Any]
    origins: dict[str, str]
    error: str = ""


@dataclass
class Outcome:
    """What happened to one row."""

    location: Location
    team: str
    path: Path | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        """Whether the guide was written."""
        return not self.error


@dataclass
class BatchReport:
    """Every row's outcome, in roster order."""

    out_dir: Path
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        """The rows that were not written."""
        return [o for o in self.outcomes if not o.ok]

    def to_dict(self) -> dict[str, Any]:
        """The documented ``batch --json`` shape: the folder, the counts, one entry per row."""
        failed = len(self.failed)
        return {
            "ok": failed == 0,
            "out_dir": str(self.out_dir),
            "written": len(self.outcomes) - failed,
            "failed": failed,
            "guides": [
                {
                    "location": str(o.location),
                    "line": o.location.line,
                    "team": o.team,
                    "file": o.path.name if o.path is not None else None,
                    "ok": o.ok,
                    "error": o.error or None,
                }
                for o in self.outcomes
            ],
        }


# --------------------------------------------------------------------------- file names


def safe_name(team: str) -> str:
    """A file name stem from a team name that stays inside any folder.

    "Fraud ML" -> "fraud-ml"; "../../etc/passwd" -> "etc-passwd"; "" -> "team".
    """
    text = unicodedata.normalize("NFKD", team).encode("ascii", "ignore").decode().lower()
    stem = re.sub(r"[^a-z0-9._-]+", "-", text)
    stem = re.sub(r"[-._]*-[-._]*", "-", re.sub(r"\.{2,}", ".", stem))
    stem = stem.strip("-._")[:MAX_NAME].rstrip("-._")
    if not stem:
        stem = "team"
    if stem.split(".")[0] in _RESERVED:
        stem = f"team-{stem}"
    return stem


class Names:
    """Hands out file names in one folder, never the same one twice."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, stem: str, ext: str) -> str:
        """``stem + ext``, or ``stem-2 + ext``, ... if taken."""
        name, n = f"{stem}{ext}", 2
        while name in self.used:
            name, n = f"{stem}-{n}{ext}", n + 1
        self.used.add(name)
        return name


def target_in(out_dir: Path, name: str) -> Path:
    """``out_dir / name``, refusing anything that is not a plain name inside it.

    Raises:
        OutputError: the name has a separator or is a special name, or the
            place is a link or a folder.
    """
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise OutputError(f"refusing the file name {name!r}")
    path = out_dir / name
    if path.parent != out_dir:
        raise OutputError(f"refusing {name!r}: not inside {out_dir}")
    if path.is_symlink():
        raise OutputError(f"{path}: is a symbolic link; refusing to write through it")
    return path


def out_folder(out_dir: str | os.PathLike[str]) -> Path:
    """The folder to write guides into, created with its parents if it does not exist (as
    ``mkdir -p`` does), as an absolute path.

    Raises:
        OutputError: something that is not a folder is there, or the folder cannot be made.
    """
    folder = Path(out_dir)
    try:
        kind = path_kind(folder)
        if kind is None:
            folder.mkdir(parents=True, exist_ok=True)
        elif kind != "dir":
            raise OutputError(f"{folder}: exists and is not a folder; give a folder for --out-dir")
    except FileExistsError:
        # A dangling symbolic link, or a file in the way of a parent.
        raise OutputError(
            f"{folder}: cannot create the folder: a file or a broken link is in the way"
        ) from None
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the folder: {exc.strerror or exc}") from None
    return folder.resolve()


# --------------------------------------------------------------------------- reading a roster


def read_roster(
    path: str | os.PathLike[str], *, display_name: str | None = None
) -> list[RosterRow]:
    """The rows of a roster file (CSV with a header, or YAML).

    Raises:
        InputError: the file cannot be read, or is not a roster at all.
        YamlError: invalid or unsafe YAML.
    """
    name = display_name if display_name is not None else os.fsdecode(path)
    kind = kind_of(path, name, "a roster")
    if kind == "yaml":
        rows = _yaml_rows(path, name)
    else:
        rows = _csv_rows(path, name, "\t" if kind == "tsv" else ",")
    if not rows:
        # An empty roster is almost always the wrong file; exiting 0 would hide that.
        raise InputError(f"{name}: the roster lists no teams; add one row per team")
    return rows


def _yaml_rows(path: str | os.PathLike[str], name: str) -> list[RosterRow]:
    data, smap = load_yaml(path, display_name=name)
    prefix: tuple[Any, ...] = ()
    if isinstance(data, dict) and set(data) == {"teams"}:
        data, prefix = data["teams"], ("teams",)
    if not isinstance(data, list):
        raise InputError(
            "a roster is a list of teams (- team: ..., model: ..., roles: [...])",
            smap.locate(prefix),
        )
    rows = []
    for i, item in enumerate(data):
        loc = smap.locate(prefix + (i,))
        if not isinstance(item, dict):
            rows.append(RosterRow(loc, {}, {}, "a roster row is a mapping (team: ..., model: ...)"))
            continue
        given: dict[str, Any] = {}
        origins: dict[str, str] = {}
        for key, value in item.items():
            k = str(key).strip().lower()
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            given[k] = value
            origins[k] = str(smap.locate(prefix + (i, key)))
            locate_items(origins, k, value, smap, prefix + (i, key))
        rows.append(RosterRow(loc, given, origins))
    return rows


def _csv_rows(path: str | os.PathLike[str], name: str, delimiter: str) -> list[RosterRow]:
    table = read_csv(
        path,
        name,
        delimiter,
        what="a roster",
        empty="empty roster: expected a header row (team,roles,model,...) and a row per team",
    )
    if "team" not in table.header:
        raise InputError("the header row has no 'team' column", table.header_location)
    rows: list[RosterRow] = []
    for r in table.rows:
        if r.fields is not None:
            fields = wording.count(r.fields, "field")
            problem = f"row has {fields} but the header has {len(table.header)}"
            rows.append(RosterRow(r.location, {}, {}, problem))
            continue
        given = {k: v for k, v in r.values.items() if v}
        rows.append(RosterRow(r.location, given, {k: str(r.where[k]) for k in given}))
    return rows


# --------------------------------------------------------------------------- running


def _answers_of(book: Rulebook, row: RosterRow) -> tuple[dict[str, Any], str]:
    given = dict(row.given)
    fmt = str(given.pop(FORMAT_KEY, "")).strip().lower()
    for key in ("team", "model"):
        if key not in given:
            raise InputError(f"no {key}; every roster row needs team and model")
    for key in LIST_KEYS:
        if isinstance(given.get(key), str):
            given[key] = [v.strip() for v in re.split(r"[;,|]", given[key]) if v.strip()]
    answers = resolve_answers(book, given, use_defaults=True, origins=row.origins)
    return answers, fmt


def run_batch(
    book: Rulebook,
    rows: list[RosterRow],
    out_dir: str | os.PathLike[str],
    *,
    date: str,
    fmt: str = "md",
    force: bool = False,
    template: str | Path | None = None,
    progress: Callable[[Outcome], None] | None = None,
    verified_only: bool = False,
    inputs: Sequence[tuple[str, str | None]] = (),
) -> BatchReport:
    """Write one guide per roster row into ``out_dir``.

    Args:
        book: The rulebook, loaded once for all rows.
        rows: From :func:`read_roster`.
        out_dir: The folder; it is created, with its parents, if it does not exist.
        date: The guides' date (YYYY-MM-DD).
        fmt: Format of rows that name none.
        force: Replace existing files.
        template: A custom template for every guide.
        progress: Called after each row with its outcome.
        inputs: (flag, path) of the files the run reads (roster, template, ...): a row
            whose guide would be one of them fails.

    Raises:
        OutputError: ``out_dir`` exists and is not a folder, or cannot be created.
    """
    folder = out_folder(out_dir)
    report = BatchReport(folder)
    names = Names()
    pending: list[tuple[Outcome, Future[str | None]]] = []

    def settle(block: bool) -> None:
        # Outcomes are reported in roster order as their writes finish.
        while pending and (block or pending[0][1].done()):
            outcome, future = pending.pop(0)
            try:
                written = future.result()
                outcome.path = Path(written) if written is not None else None
            except AdvisorError as exc:
                outcome.error = str(exc)
            if progress is not None:
                progress(outcome)

    # Rendering is CPU work; the writes wait on the disk (fsync), so they overlap.
    pool = ThreadPoolExecutor(max_workers=WRITERS)
    try:
        for row in rows:
            team = str(row.given.get("team", "")).strip()
            outcome = Outcome(row.location, team)
            report.outcomes.append(outcome)
            try:
                if row.error:
                    raise InputError(row.error)
                answers, row_fmt = _answers_of(book, row)
                outcome.team = team = str(answers.get("team", team))
                row_fmt = row_fmt or fmt
                check_format(row_fmt, row.origins.get(FORMAT_KEY, ""))
                path = target_in(folder, names.take(safe_name(team), EXTENSIONS[row_fmt]))
                refuse_same_files([("--out-dir", str(path))], inputs)
                guide = make_guide(
                    book,
                    answers,
                    date=date,
                    fmt=row_fmt,
                    template=template,
                    verified_only=verified_only,
                )
            except AdvisorError as exc:
                outcome.error = exc.message if exc.location is None else str(exc)
                done: Future[str | None] = Future()
                done.set_result(None)
                pending.append((outcome, done))
            else:
                pending.append((outcome, pool.submit(write_text, path, guide.text, force=force)))
            settle(block=False)
        settle(block=True)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return report
