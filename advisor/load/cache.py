"""A cache of validated inputs, kept as plain data in the user's cache folder.

Two kinds of entry:

* Rulebooks. Loading one validates every file with pydantic, parses every
  cell and prepares every text; for the built-in rulebook that is about
  0.1 s, most of it importing pydantic and building its models, on every
  run. After a successful load the rulebook is saved here as plain data;
  the next load of the same files rebuilds it from that data, without
  pydantic.
* Answers files. Reading one means importing PyYAML, which compiles its
  patterns on import: about a tenth of what a whole ``advisor guide``
  takes once the rulebook comes from the cache. An answers file read before
  (the same bytes, under the same name) is taken from here, without PyYAML.
  Its answers (team names, say) are kept in the cache folder like the
  rulebook; ``ADVISOR_NO_CACHE=1`` keeps nothing.

Safety:

* The cache holds plain data only: strings, numbers, lists and mappings,
  written with :mod:`marshal` (never pickle) after a one-line JSON header;
  reading it never runs code. Rule texts are kept as their source and
  compiled by Jinja2 when first rendered.
* The key hashes the kind of entry, advisor's version, the size and
  modification time of each of advisor's own modules (an edited checkout is
  a new version), the versions of the libraries that validate and parse,
  the working folder (locations are relative to it), and the name and every
  byte of each file read. An ``extends:`` base is checked by the hash of
  each of its files on every hit. Any change is a miss; nothing is trusted
  across versions. Only what loaded without error is kept, and nothing is
  kept if a file named to load changed while it was being read. (An
  ``extends:`` base is hashed just after loading: an edit to it in that
  instant would go unnoticed until the base changes again.)
* Files are written atomically (temporary file, then rename) and carry a
  SHA-256 of their body, checked before the body is read; a file that cannot
  be read, fails its checksum, or does not hold what is expected is ignored
  silently and replaced.
* ``ADVISOR_NO_CACHE=1`` turns the cache off; ``ADVISOR_CACHE_DIR`` moves it
  (default ``$XDG_CACHE_HOME/advisor``, else ``~/.cache/advisor``).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import json
import marshal
import os
import stat
import sys
import tempfile
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from advisor import __version__
from advisor.errors import AdvisorError, Location
from advisor.load.paths import MAX_BYTES  # larger files are not hashed: the loader refuses them
from advisor.load.resources import PACKAGE
from advisor.model.conditions import Interval, Test

if TYPE_CHECKING:
    from advisor.load.rulebook import Rulebook

#: Bumped whenever the layout of a cache file changes.
FORMAT = 2
#: Cache files kept of each kind; the least recently written are removed beyond this.
MAX_ENTRIES = 64
_RULEBOOK = "rulebook-"
_ANSWERS = "answers-"
_SUFFIX = ".cache"
#: marshal's format; it can change between Python versions, which the key covers.
_MARSHAL = 4
_LIBRARIES = ("pydantic", "pydantic_core", "yaml", "jinja2")

# The fields the encoder knows, in order (the decoder builds some records by
# position): a class whose fields change disables the cache until this module
# learns them (see _check_fields).
_FIELDS = {
    "Rulebook": (
        "meta",
        "levels",
        "roles",
        "stages",
        "benchmarks",
        "sources",
        "models",
        "metrics",
        "questions",
        "tables",
        "tests",
        "files",
        "locations",
        "changes",
        "aliases",
    ),
    "CompiledTable": ("spec", "rules", "input_kinds", "location", "priority_rank"),
    "CompiledRule": (
        "spec",
        "table_id",
        "index",
        "tests",
        "templates",
        "location",
        "cell_locations",
    ),
    "RuleChange": ("rule_id", "action", "location", "original"),
    "Test": ("source", "kind", "ids", "boolean", "intervals", "or_missing"),
    "Interval": ("lo", "hi", "lo_closed", "hi_closed"),
    "Location": ("file", "line", "column"),
}


def cache_dir(environ: dict[str, str] | None = None) -> str | None:
    """The cache folder, or None when the cache is turned off."""
    env = os.environ if environ is None else environ
    if env.get("ADVISOR_NO_CACHE", "") not in ("", "0"):
        return None
    if env.get("ADVISOR_CACHE_DIR"):
        return env["ADVISOR_CACHE_DIR"]
    xdg = env.get("XDG_CACHE_HOME", "")
    if xdg and os.path.isabs(xdg):
        return os.path.join(xdg, "advisor")
    home = env.get("HOME") or os.path.expanduser("~")
    if not home or home == "~":
        return None
    return os.path.join(home, ".cache", "advisor")


# --------------------------------------------------------------------------- keys


def _code_fingerprint() -> list[Any]:
    return [__version__, FORMAT, sys.version_info[:2], *_code_files()]


@functools.cache  # the code in memory cannot change while the process runs
def _code_files() -> tuple[list[Any], ...]:
    out: list[list[Any]] = []
    with os.scandir(PACKAGE) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name.endswith(".py"):
                st = entry.stat()
                out.append([entry.name, st.st_size, st.st_mtime_ns])
    from importlib.util import find_spec

    for name in _LIBRARIES:
        spec = find_spec(name)
        origin = spec.origin if spec is not None else None
        if origin and os.path.exists(origin):
            st = os.stat(origin)
            out.append([name, origin, st.st_size, st.st_mtime_ns])
        else:
            out.append([name, None])
    return tuple(out)


def _read_small(path: str | os.PathLike[str]) -> bytes | None:
    """The bytes of a regular file under the size limit, else None."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BYTES:
            return None
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError:
        return None
    return data if len(data) <= MAX_BYTES else None


def _key(kind: str, files: Sequence[str | os.PathLike[str]]) -> str | None:
    if cache_dir() is None:
        return None
    try:
        h = hashlib.sha256()
        h.update(json.dumps([kind, _code_fingerprint()]).encode())
        h.update(os.getcwd().encode("utf-8", "surrogateescape"))
        for f in files:
            data = _read_small(f)
            if data is None:
                return None
            name = os.fsencode(f)
            h.update(b"\0file\0%d\0" % len(name) + name + b"\0%d\0" % len(data))
            h.update(data)
    except (OSError, ValueError):  # no working folder, an unreadable package: no cache
        return None
    return h.hexdigest()


def key_for(files: Sequence[str | os.PathLike[str]]) -> str | None:
    """The cache key of a rulebook made of ``files``; None when it cannot be cached or
    the cache is off."""
    return _key("rulebook", files)


def _digest(path: str) -> str | None:
    data = _read_small(path)
    return None if data is None else hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- entries


def _read(prefix: str, key: str) -> Any:
    """The plain data of an entry, or None (no entry, stale, corrupt, or cache off)."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        with open(os.path.join(folder, f"{prefix}{key}{_SUFFIX}"), "rb") as fh:
            raw = fh.read()
    except OSError:
        return None
    head, _, body = raw.partition(b"\n")
    try:
        header = json.loads(head)
    except ValueError:
        return None
    if (
        not isinstance(header, dict)
        or header.get("format") != FORMAT
        or header.get("key") != key
        or header.get("python") != list(sys.version_info[:2])
        or header.get("sha256") != hashlib.sha256(body).hexdigest()
    ):
        return None
    with no_gc():
        return marshal.loads(body)


def _write(prefix: str, key: str, plain: Any) -> bool:
    """Save plain data as an entry, atomically; False when it was not saved."""
    folder = cache_dir()
    if folder is None:
        return False
    with no_gc():
        body = marshal.dumps(plain, _MARSHAL)  # ValueError for anything but plain data
    header = json.dumps(
        {
            "format": FORMAT,
            "key": key,
            "version": __version__,
            "python": list(sys.version_info[:2]),
            "sha256": hashlib.sha256(body).hexdigest(),
        }
    ).encode()
    os.makedirs(folder, mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=_SUFFIX, dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(header + b"\n" + body)
        os.replace(tmp, os.path.join(folder, f"{prefix}{key}{_SUFFIX}"))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _prune(folder, prefix)
    return True


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """The cyclic garbage collector paused: loading, rebuilding or dumping a big
    rulebook makes many objects and no garbage cycles, and the collector passing
    over them again and again costs more than the work itself."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --------------------------------------------------------------------------- rulebooks


def load(key: str) -> Rulebook | None:
    """The cached rulebook for ``key``, or None (no entry, stale, corrupt, or cache off)."""
    try:
        data = _read(_RULEBOOK, key)
        if data is None:
            return None
        for path, digest in data["deps"]:
            if _digest(path) != digest:
                return None
        with no_gc():
            return _decode(data["book"])
    except Exception:  # a missing, unreadable or corrupt cache is a miss, never an error
        return None


def store(key: str, book: Rulebook, files: Sequence[str | os.PathLike[str]]) -> bool:
    """Save ``book`` under ``key``; False when it was not saved (never raises).

    Args:
        key: The key :func:`key_for` gave for ``files``.
        book: The rulebook loaded from ``files``.
        files: The files ``key`` was made from. A hit needs their bytes unchanged
            already, so only the other files of ``book`` (its ``extends:`` bases)
            are hashed again on each hit. Nothing is saved if ``files`` changed
            while the rulebook was loaded.
    """
    try:
        if key_for(files) != key:
            return False  # edited while it was being loaded: the book may be of either version
        keyed = {os.path.abspath(f) for f in files}
        with no_gc():
            plain = {"deps": _deps(book, keyed), "book": _encode(book)}
        return _write(_RULEBOOK, key, plain)
    except Exception:  # a cache that cannot be written only costs speed
        return False


def _deps(book: Rulebook, keyed: set[str]) -> list[list[str]]:
    out = []
    for name in book.files:
        path = os.path.abspath(name)
        if path in keyed:
            continue
        digest = _digest(path)
        if digest is None:
            raise ValueError(f"{name}: cannot hash")
        out.append([path, digest])
    return out


def _prune(folder: str, prefix: str) -> None:
    entries = []
    with os.scandir(folder) as it:
        for e in it:
            if e.name.startswith(prefix) and e.name.endswith(_SUFFIX):
                with contextlib.suppress(OSError):
                    entries.append((e.stat().st_mtime_ns, e.path))
    entries.sort()
    for _, path in entries[: max(0, len(entries) - MAX_ENTRIES)]:
        with contextlib.suppress(OSError):
            os.unlink(path)


# --------------------------------------------------------------------------- answers files

#: An answers file as read: the answers, and where each one is ("file:line:column").
Answers = tuple[dict[str, Any], dict[str, str]]


def answers_key(path: str | os.PathLike[str]) -> str | None:
    """The cache key of the answers file at ``path`` (as named); None when it cannot be
    cached or the cache is off."""
    return _key("answers", [path])


def load_answers(key: str) -> Answers | None:
    """The answers file cached under ``key``, or None (no entry, stale, corrupt, or off)."""
    try:
        data = _read(_ANSWERS, key)
        if not (isinstance(data, list) and len(data) == 2):
            return None
        answers, origins = data
        if (
            isinstance(answers, dict)
            and isinstance(origins, dict)
            and all(isinstance(k, str) for k in answers)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in origins.items())
        ):
            return answers, origins
        return None
    except Exception:  # a missing, unreadable or corrupt cache is a miss, never an error
        return None


def store_answers(key: str, path: str | os.PathLike[str], answers: Answers) -> bool:
    """Save an answers file read from ``path`` under ``key``; False when it was not saved
    (never raises). Nothing is saved if the file changed while it was being read."""
    try:
        if answers_key(path) != key:
            return False
        return _write(_ANSWERS, key, list(answers))
    except Exception:  # data marshal cannot keep (a date, say), a read-only folder: no entry
        return False


# --------------------------------------------------------------------------- model stand-ins


class CachedModel:
    """A read-only stand-in for a validated rulebook model, rebuilt from cached data.

    It has the model's fields as attributes and :meth:`model_dump`, which is
    what the engine, the questionnaire and the renderers read.
    """

    _fields: tuple[str, ...] = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise TypeError(f"{type(self).__name__} is frozen")

    def __delattr__(self, name: str) -> None:
        raise TypeError(f"{type(self).__name__} is frozen")

    def model_dump(self) -> dict[str, Any]:
        """The fields as plain data (nested records as dicts), like pydantic's."""
        return {n: _plain(self.__dict__[n]) for n in self._fields}

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self).__name__, *[self.__dict__[n] for n in self._fields]))

    def __repr__(self) -> str:
        fields = ", ".join(f"{n}={self.__dict__[n]!r}" for n in self._fields)
        return f"{type(self).__name__}({fields})"


def _plain(value: Any) -> Any:
    if isinstance(value, CachedModel):
        return value.model_dump()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _shape_of(cls: Any, shapes: dict[str, Any]) -> str:
    """Record the fields of a pydantic model class (and of the models nested in it)."""
    import types
    import typing

    from pydantic import BaseModel

    name = cls.__name__
    if name in shapes:
        if shapes[name]["class"] is not cls:
            raise ValueError(f"two model classes named {name}")
        return name
    entry: dict[str, Any] = {"class": cls, "fields": list(cls.model_fields), "nested": {}}
    shapes[name] = entry

    def is_model(tp: Any) -> bool:
        return isinstance(tp, type) and issubclass(tp, BaseModel)

    def mentions_model(tp: Any) -> bool:
        return is_model(tp) or any(mentions_model(a) for a in typing.get_args(tp))

    for field, info in cls.model_fields.items():
        tp = info.annotation
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin in (typing.Union, types.UnionType):
            rest = [a for a in args if a is not type(None)]
            if len(rest) == 1:
                tp = rest[0]
                origin, args = typing.get_origin(tp), typing.get_args(tp)
            elif any(mentions_model(a) for a in rest):
                raise ValueError(f"{name}.{field}: a union of models cannot be cached")
        if is_model(tp):
            entry["nested"][field] = ["one", _shape_of(tp, shapes)]
        elif origin is list and args and is_model(args[0]):
            entry["nested"][field] = ["list", _shape_of(args[0], shapes)]
        elif origin is dict and len(args) == 2 and is_model(args[1]):
            entry["nested"][field] = ["dict", _shape_of(args[1], shapes)]
        elif mentions_model(tp):
            raise ValueError(f"{name}.{field}: this kind of nested model cannot be cached")
    return name


def _check_fields() -> None:
    from advisor.load.rulebook import CompiledRule, CompiledTable, Rulebook, RuleChange

    for cls in (Rulebook, CompiledTable, CompiledRule, RuleChange, Test, Interval, Location):
        if cls.field_names() != _FIELDS[cls.__name__]:
            raise ValueError(f"{cls.__name__} has fields the cache does not know")


class _Encoder:
    def __init__(self) -> None:
        self.shapes: dict[str, Any] = {}
        self.files: dict[str, int] = {}
        self.tests: dict[Test, int] = {}

    def model(self, obj: Any) -> list[Any]:
        return [_shape_of(type(obj), self.shapes), obj.model_dump()]

    def loc(self, loc: Location | None) -> list[Any] | None:
        if loc is None:
            return None
        fi = self.files.setdefault(loc.file, len(self.files))
        return [fi, loc.line, loc.column]

    def test(self, t: Test) -> int:
        return self.tests.setdefault(t, len(self.tests))


def _encode(book: Rulebook) -> dict[str, Any]:
    _check_fields()
    enc = _Encoder()
    tables = []
    cells: list[dict[str, Any]] = []  # each rule's cell locations, in order
    for table in book.tables:
        rules = []
        for r in table.rules:
            if table.spec.rules[r.index] is not r.spec or r.table_id != table.spec.id:
                raise ValueError("a compiled rule does not match its table")
            texts: dict[str, Any] = {}
            for k, tpl in r.templates.items():
                if tpl is None:
                    texts[k] = None
                else:
                    texts[k] = ["jinja", enc.loc(book.where("text", f"{r.id}\0{k}"))]
            rules.append(
                [
                    r.index,
                    {n: enc.test(t) for n, t in r.tests.items()},
                    texts,
                    enc.loc(r.location),
                ]
            )
            cells.append({n: enc.loc(loc) for n, loc in r.cell_locations.items()})
        tables.append(
            {
                "spec": enc.model(table.spec),
                "rules": rules,
                "kinds": dict(table.input_kinds),
                "loc": enc.loc(table.location),
                "rank": dict(table.priority_rank),
            }
        )
    # What a guide never reads goes into a blob of its own, decoded on first use.
    later = {
        "tests": [enc.model(x) for x in book.tests],
        "locations": [[k, i, *(enc.loc(v) or [])] for (k, i), v in book.locations.items()],
        "cells": cells,
    }
    out = {
        "meta": enc.model(book.meta),
        "levels": [enc.model(x) for x in book.levels],
        "questions": [enc.model(x) for x in book.questions],
        "later": marshal.dumps(later, _MARSHAL),
        "tables": tables,
        "files": list(book.files),
        "changes": [
            [c.rule_id, c.action, enc.loc(c.location), enc.loc(c.original)] for c in book.changes
        ],
        "aliases": dict(book.aliases),
    }
    for sec in ("roles", "stages", "benchmarks", "sources", "models", "metrics"):
        out[sec] = [[k, enc.model(v)] for k, v in getattr(book, sec).items()]
    out["cells"] = [
        [
            t.source,
            t.kind,
            sorted(t.ids),
            t.boolean,
            [[iv.lo, iv.hi, iv.lo_closed, iv.hi_closed] for iv in t.intervals],
            t.or_missing,
        ]
        for t in enc.tests
    ]
    out["filenames"] = list(enc.files)
    out["shapes"] = {
        n: {"fields": s["fields"], "nested": s["nested"]} for n, s in enc.shapes.items()
    }
    return out


class _Decoder:
    def __init__(self, data: dict[str, Any]) -> None:
        self.shapes = data["shapes"]
        self.classes: dict[str, type[CachedModel]] = {}
        self.files = data["filenames"]
        self.tests = [self.test(t) for t in data["cells"]]

    def record(self, name: str, values: dict[str, Any]) -> CachedModel:
        cls = self.classes.get(name)
        shape = self.shapes[name]
        if cls is None:
            cls = type(
                name,
                (CachedModel,),
                {"_fields": tuple(shape["fields"]), "__module__": "advisor.load.cache"},
            )
            self.classes[name] = cls
        if set(values) != set(shape["fields"]):
            raise ValueError(f"{name}: fields do not match")
        if shape["nested"]:
            values = dict(values)
            for field, (kind, sub) in shape["nested"].items():
                v = values[field]
                if v is None:
                    continue
                if kind == "one":
                    values[field] = self.record(sub, v)
                elif kind == "list":
                    values[field] = [self.record(sub, x) for x in v]
                else:
                    values[field] = {k: self.record(sub, x) for k, x in v.items()}
        obj = object.__new__(cls)
        obj.__dict__.update(values)
        return obj

    def model(self, pair: list[Any]) -> Any:
        name, values = pair
        return self.record(name, values)

    def loc(self, raw: list[Any] | None) -> Location | None:
        if raw is None:
            return None
        fi, line, column = raw
        return Location(self.files[fi], line, column)

    def req(self, raw: list[Any]) -> Location:
        loc = self.loc(raw)
        if loc is None:
            raise ValueError("a required location is missing")
        return loc

    def test(self, raw: list[Any]) -> Test:
        source, kind, ids, boolean, intervals, or_missing = raw
        return Test(
            source,
            kind,
            frozenset(ids),
            boolean,
            tuple(Interval(*iv) for iv in intervals),
            or_missing,
        )


def _decode(data: dict[str, Any]) -> Rulebook:
    from advisor.load.rulebook import CompiledRule, CompiledTable, Rulebook, RuleChange
    from advisor.text.sandbox import LazyText

    dec = _Decoder(data)
    tables = []
    rules_in_order: list[CompiledRule] = []
    for t in data["tables"]:
        spec = dec.model(t["spec"])
        rules = []
        for index, tests, texts, loc in t["rules"]:
            rspec = spec.rules[index]
            rloc = dec.req(loc)
            templates: dict[str, Any] = {}
            for k, v in texts.items():
                if v is None:
                    templates[k] = None
                else:
                    templates[k] = LazyText(getattr(rspec, k), dec.loc(v[1]) or rloc)
            rule = CompiledRule(
                rspec,
                spec.id,
                index,
                {n: dec.tests[i] for n, i in tests.items()},
                templates,
                rloc,
                {},
            )
            rules.append(rule)
        rules_in_order += rules
        tables.append(CompiledTable(spec, rules, t["kinds"], dec.req(t["loc"]), t["rank"]))

    def by_id(sec: str) -> dict[str, Any]:
        return {k: dec.model(v) for k, v in data[sec]}

    book = Rulebook(
        meta=dec.model(data["meta"]),
        levels=[dec.model(x) for x in data["levels"]],
        roles=by_id("roles"),
        stages=by_id("stages"),
        benchmarks=by_id("benchmarks"),
        sources=by_id("sources"),
        models=by_id("models"),
        metrics=by_id("metrics"),
        questions=[dec.model(x) for x in data["questions"]],
        tables=tables,
        tests=[],
        files=list(data["files"]),
        locations={},
        changes=[RuleChange(a, b, dec.req(c), dec.req(d)) for a, b, c, d in data["changes"]],
        aliases=dict(data["aliases"]),
    )
    blob = data["later"]
    if not isinstance(blob, bytes):
        raise ValueError("no later part")

    def fill() -> None:
        # Rule tests and locations, which a guide never reads, on first use.
        try:
            _fill(later=marshal.loads(blob))
        except Exception as exc:  # checked by SHA-256 when read: only a bug gets here
            raise AdvisorError(
                f"the rulebook cache entry is damaged ({type(exc).__name__}); "
                "run again with ADVISOR_NO_CACHE=1, or delete the cache folder"
            ) from None
        book._later = None
        for rule in rules_in_order:
            rule._later = None

    def _fill(later: dict[str, Any]) -> None:
        # A field assigned before the first read keeps the value it was given.
        with no_gc():
            if _unset(book, "tests"):
                book.tests = [dec.model(x) for x in later["tests"]]
            if _unset(book, "locations"):
                book.locations = {
                    (kind, ident): Location(dec.files[fi], line, column)
                    for kind, ident, fi, line, column in later["locations"]
                }
            if len(later["cells"]) != len(rules_in_order):
                raise ValueError("cell locations do not match the rules")
            for rule, cells in zip(rules_in_order, later["cells"], strict=True):
                if _unset(rule, "cell_locations"):
                    rule.cell_locations = {n: dec.req(c) for n, c in cells.items()}

    del book.tests, book.locations
    book._later = fill
    for rule in rules_in_order:
        del rule.cell_locations
        rule._later = fill
    return book


def _unset(obj: Any, name: str) -> bool:
    try:
        object.__getattribute__(obj, name)
    except AttributeError:
        return True
    return False
