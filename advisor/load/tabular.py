"""Row files people edit in spreadsheets: leaderboards and rosters as CSV, TSV or YAML.

Reading is shared so that both kinds of file fail the same way, with the same
located messages: the file's kind from its name (or, for standard input, from
its first line), a capped UTF-8 read, and CSV rows with the line and column of
every value.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field

from advisor.errors import InputError
from advisor.load.paths import (
    MAX_BYTES,
    FileTooBigError,
    NotRegularFileError,
    path_kind,
    read_capped,
    read_problem,
)
from advisor.model.location import Location


@dataclass
class CsvRow:
    """One data row: its values by (lowercased) header name, and where each stands.

    ``fields`` is set when the row has more non-empty fields than the header names.
    """

    location: Location
    values: dict[str, str] = field(default_factory=dict)
    where: dict[str, Location] = field(default_factory=dict)
    fields: int | None = None


@dataclass
class CsvTable:
    """A CSV file's header (with its location) and its data rows."""

    header: list[str]
    header_location: Location
    rows: list[CsvRow]


# A YAML row file starts with a list item, a flow list, a document marker or a mapping key
# (a scores file, which the readers name as such); a CSV header line has none of these first.
_YAML_START = re.compile(r"(-(\s|$)|\[|---|%|[^,\t\"']*:(\s|$))")


def kind_of(path: str | os.PathLike[str], name: str, what: str, given: str | None = None) -> str:
    """``yaml``, ``csv`` or ``tsv`` from the file's name (or ``given``, when set), after
    checking it is a file.

    A missing file or a folder is named as such before the suffix is looked at.
    """
    try:
        kind = path_kind(path)
    except OSError as exc:
        raise InputError(f"{name}: {read_problem(exc)}") from None
    if kind == "dir":
        raise InputError(f"{name}: is a folder; give {what} file (.csv or .yaml)")
    if kind is None:
        raise InputError(f"{name}: no such file")
    if kind == "other":  # before its name is looked at: /dev/null has no suffix to fix
        raise InputError(f"{name}: {read_problem(NotRegularFileError(path))}")
    if given is not None:
        return given
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    kinds = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv", ".tsv": "tsv"}
    if suffix not in kinds:
        raise InputError(f"{name}: cannot tell the format; name the file .csv, .tsv or .yaml")
    return kinds[suffix]


def sniff_kind(data: bytes, name: str) -> str:
    """``yaml``, ``csv`` or ``tsv`` from the content of a row file that has no file name
    (standard input): its first line that is not blank or a comment.

    Raises:
        InputError: the first line looks like none of them.
    """
    for line in data.decode("utf-8", "replace").lstrip("\ufeff").splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if _YAML_START.match(text):
            return "yaml"
        if "\t" in text:
            return "tsv"
        if "," in text:
            return "csv"
        break
    raise InputError(
        f"{name}: cannot tell whether this is CSV, TSV or YAML; give --input-format csv, tsv "
        "or yaml"
    )


def read_text(path: str | os.PathLike[str], name: str, what: str) -> str:
    """A UTF-8 text file of at most :data:`MAX_BYTES`.

    Raises:
        InputError: missing, a folder, too large, binary or not UTF-8.
    """
    try:
        data = read_capped(path, MAX_BYTES)
    except FileTooBigError as exc:
        raise InputError(f"{name}: {exc}") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a folder; give {what} file (.csv or .yaml)") from None
    except OSError as exc:
        raise InputError(f"{name}: {read_problem(exc)}") from None
    return decode_text(data, name, what)


def decode_text(data: bytes, name: str, what: str) -> str:
    """The text of a row file's bytes.

    Raises:
        InputError: binary or not UTF-8.
    """
    if b"\x00" in data:
        raise InputError(f"binary file, not {what} in CSV", Location(name, 1, 1))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            "not UTF-8 text; save the file as UTF-8", Location(name, line, 1)
        ) from None


def field_columns(line: str, delimiter: str) -> list[int]:
    """1-based start columns of the fields of one CSV line."""
    cols = [1]
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            cols.append(i + 2)
    return cols


def read_csv(
    path: str | os.PathLike[str], name: str, delimiter: str, *, what: str, empty: str
) -> CsvTable:
    """A CSV (or TSV) file with a header row, every value located.

    Blank rows are skipped; a duplicate column name in the header is an error.

    Args:
        path: The file.
        name: How to name it in messages.
        delimiter: ``,`` or a tab.
        what: What the file is ("a roster"), for messages.
        empty: The message when the file has no header row.

    Raises:
        InputError: unreadable, not valid CSV, no header, or a column named twice.
    """
    return parse_csv(read_text(path, name, what), name, delimiter, empty=empty)


def parse_csv(text: str, name: str, delimiter: str, *, empty: str) -> CsvTable:
    """The rows of CSV (or TSV) text read already, as :func:`read_csv` gives them.

    Raises:
        InputError: not valid CSV, no header, or a column named twice.
    """
    lines = text.splitlines()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table: CsvTable | None = None
    last = 0
    try:
        for record in reader:
            start, last = last + 1, reader.line_num
            if not record or all(not c.strip() for c in record):
                continue
            # Columns are exact only for a record on one line (no quoted newlines).
            cols = field_columns(lines[start - 1], delimiter) if start == last else []
            if table is None:
                header = [c.strip().lower() for c in record]
                dup = next((k for i, k in enumerate(header) if k and k in header[:i]), None)
                if dup:
                    at = Location(
                        name, start, cols[header.index(dup, header.index(dup) + 1)] if cols else 1
                    )
                    raise InputError(f"column {dup!r} appears twice in the header", at)
                table = CsvTable(header, Location(name, start, 1), [])
                continue
            row = CsvRow(Location(name, start, 1))
            width = len(table.header)
            if len(record) > width and any(c.strip() for c in record[width:]):
                row.fields = len(record)
            else:
                for j, key in enumerate(table.header):
                    if key:
                        row.values[key] = record[j].strip() if j < len(record) else ""
                        row.where[key] = Location(name, start, cols[j] if j < len(cols) else 1)
            table.rows.append(row)
    except csv.Error as exc:
        raise InputError(f"not valid CSV: {exc}", Location(name, reader.line_num, 1)) from None
    if table is None:
        raise InputError(empty, Location(name, 1, 1))
    return table
