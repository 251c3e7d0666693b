"""Load a rulebook: YAML files to one validated, cross-checked :class:`Rulebook`.

A rulebook is a file or a folder of YAML files in the format of
:mod:`advisor.model.schema`. Files are validated one by one (so every error keeps
its file, line and column), then merged, then checked for references between
them. Every problem found is reported together in one :class:`RulebookError`.

An organisation rulebook names the rulebook it builds on with ``extends:``
(``builtin`` or a path); its entries replace those with the same id, and
``overrides: {disable: [rule ids]}`` switches rules off.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from advisor.errors import AdvisorError, InputError, Location, RulebookError
from advisor.load.paths import path_kind
from advisor.load.resources import builtin_rules
from advisor.model.conditions import CellError, Test, parse_cell
from advisor.model.records import Record

if TYPE_CHECKING:
    from jinja2 import Template

    from advisor.load.yamlsource import SourceMap
    from advisor.model import schema as s
    from advisor.text.sandbox import LazyText

#: Inputs every table may read besides benchmark, metric and question ids.
BUILTIN_INPUTS = {"role": "id", "stage": "id", "model": "id", "baseline": "id"}
SECTIONS = (
    "autonomy", "roles", "stages", "benchmarks", "sources", "models",
    "metrics", "questions", "tables", "tests",
)  # fmt: skip
MAX_FILES = 200
#: Problems reported one by one; the rest are counted.
MAX_SHOWN = 100
MAX_EXTENDS_DEPTH = 8
#: The fields of a rule that hold text (each may be a Jinja2 text).
TEXT_FIELDS = ("text", "review", "time_saved", "rationale")


class _Deferred(Record):
    """A record that a cached rulebook may build with some fields left unset.

    A rulebook rebuilt by :mod:`advisor.load.cache` leaves the fields a guide never
    reads (rule tests, locations; named in ``_deferred``) unset, with a loader
    in ``_later`` that sets them on the rulebook and every rule at once, the
    first time one of them is read.
    """

    __slots__ = ("_later",)
    _later: Callable[[], None] | None
    _deferred: frozenset[str] = frozenset()

    if not TYPE_CHECKING:  # mypy would take __getattr__ to allow any attribute

        def __getattr__(self, name: str) -> Any:
            # Python calls this only for an attribute that is not set.
            if name in self._deferred:
                try:
                    later = object.__getattribute__(self, "_later")
                except AttributeError:
                    later = None
                if later is not None:
                    later()
                    return object.__getattribute__(self, name)
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


class CompiledRule(_Deferred):
    """A rule ready to evaluate: its cells parsed and its texts compiled.

    ``templates`` holds the compiled texts (a LazyText when read from the cache,
    compiled when first rendered; None for plain text).
    """

    __slots__ = (
        "spec",
        "table_id",
        "index",
        "tests",
        "templates",
        "location",
        "cell_locations",
    )
    _deferred = frozenset({"cell_locations"})
    spec: s.Rule
    table_id: str
    index: int
    tests: dict[str, Test]
    templates: dict[str, Template | LazyText | None]
    location: Location
    cell_locations: dict[str, Location]

    def __init__(
        self,
        spec: s.Rule,
        table_id: str,
        index: int,
        tests: dict[str, Test],
        templates: dict[str, Template | LazyText | None],
        location: Location,
        cell_locations: dict[str, Location],
    ) -> None:
        self.spec = spec
        self.table_id = table_id
        self.index = index
        self.tests = tests
        self.templates = templates
        self.location = location
        self.cell_locations = cell_locations

    @property
    def id(self) -> str:
        return self.spec.id


class CompiledTable(Record):
    """A decision table ready to evaluate.

    ``priority_rank`` maps an autonomy level id to its rank for the priority
    hit policy (lower wins).
    """

    __slots__ = ("spec", "rules", "input_kinds", "location", "priority_rank", "_memo")
    spec: s.Table
    rules: list[CompiledRule]
    input_kinds: dict[str, str]
    location: Location
    priority_rank: dict[str, int]

    def __init__(
        self,
        spec: s.Table,
        rules: list[CompiledRule],
        input_kinds: dict[str, str],
        location: Location,
        priority_rank: dict[str, int] | None = None,
    ) -> None:
        self.spec = spec
        self.rules = rules
        self.input_kinds = input_kinds
        self.location = location
        self.priority_rank = {} if priority_rank is None else priority_rank
        #: indexes the engine builds on first use, by name (not a field)
        self._memo: dict[str, Any] = {}

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def scope(self) -> str:
        """``stage``, ``role`` or ``team``: how often the table is evaluated."""
        return {"stage-advice": "stage", "role-summary": "role"}.get(self.spec.purpose, "team")


class RuleChange(Record):
    """A rule an organisation rulebook overrode or disabled."""

    __slots__ = ("rule_id", "action", "location", "original")
    rule_id: str
    action: str  # "overridden" | "disabled"
    location: Location
    original: Location

    def __init__(self, rule_id: str, action: str, location: Location, original: Location) -> None:
        self.rule_id = rule_id
        self.action = action
        self.location = location
        self.original = original


class Rulebook(_Deferred):
    """A validated rulebook, with the location of everything in it."""

    __slots__ = (
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
        "_by_id",
    )
    _deferred = frozenset({"tests", "locations"})
    _by_id: tuple[dict[str, CompiledRule], list[int]]
    meta: s.Meta
    levels: list[s.Level]
    roles: dict[str, s.Role]
    stages: dict[str, s.Stage]
    benchmarks: dict[str, s.Benchmark]
    sources: dict[str, s.Source]
    models: dict[str, s.Model]
    metrics: dict[str, s.Metric]
    questions: list[s.Question]
    tables: list[CompiledTable]
    tests: list[s.RuleTest]
    files: list[str]
    locations: dict[tuple[str, str], Location]
    changes: list[RuleChange]
    aliases: dict[str, str]

    def __init__(
        self,
        meta: s.Meta,
        levels: list[s.Level],
        roles: dict[str, s.Role],
        stages: dict[str, s.Stage],
        benchmarks: dict[str, s.Benchmark],
        sources: dict[str, s.Source],
        models: dict[str, s.Model],
        metrics: dict[str, s.Metric],
        questions: list[s.Question],
        tables: list[CompiledTable],
        tests: list[s.RuleTest],
        files: list[str],
        locations: dict[tuple[str, str], Location],
        changes: list[RuleChange] | None = None,
        aliases: dict[str, str] | None = None,
    ) -> None:
        self.meta = meta
        self.levels = levels
        self.roles = roles
        self.stages = stages
        self.benchmarks = benchmarks
        self.sources = sources
        self.models = models
        self.metrics = metrics
        self.questions = questions
        self.tables = tables
        self.tests = tests
        self.files = files
        self.locations = locations
        self.changes = [] if changes is None else changes
        self.aliases = {} if aliases is None else aliases

    @property
    def level_ids(self) -> list[str]:
        """Autonomy level ids, from the most cautious up."""
        return [lv.id for lv in self.levels]

    def level_rank(self, level: str) -> int:
        """Position of a level on the autonomy scale (0 = most cautious)."""
        return self.level_ids.index(level)

    def rules(self) -> Iterable[CompiledRule]:
        """Every rule of every table, in order."""
        for table in self.tables:
            yield from table.rules

    def rule(self, rule_id: str) -> CompiledRule | None:
        """The rule with this id, if any."""
        # An index by id (rule tests look up every rule they check), built on first
        # use and again if a table has since been added or gained or lost rules.
        shape = [len(t.rules) for t in self.tables]
        cached = getattr(self, "_by_id", None)
        if cached is None or cached[1] != shape:
            index: dict[str, CompiledRule] = {}
            for r in self.rules():
                index.setdefault(r.id, r)
            cached = self._by_id = (index, shape)
        return cached[0].get(rule_id)

    def where(self, kind: str, ident: str) -> Location | None:
        """The location of the ``kind`` entry with id ``ident``."""
        return self.locations.get((kind, ident))

    def input_kind(self, name: str) -> str | None:
        """``id``, ``number``, ``bool`` or ``text`` for a known input name, else None."""
        if name in BUILTIN_INPUTS:
            return BUILTIN_INPUTS[name]
        if name in self.benchmarks or name in self.metrics:
            return "number"
        for q in self.questions:
            if q.id == name:
                return {"number": "number", "confirm": "bool", "text": "text"}.get(q.type, "id")
        return None

    def resolve_role(self, name: str) -> str:
        """A role id from an id or alias (case-insensitive); raises InputError otherwise."""
        key = name.strip().lower()
        if key in self.roles:
            return key
        if key in self.aliases:
            return self.aliases[key]
        import difflib  # only on this error path: it costs a start-up otherwise

        # Aliases count as near misses but are named by the role they stand for.
        close = difflib.get_close_matches(key, [*self.roles, *self.aliases], n=3, cutoff=0.5)
        ids = list(dict.fromkeys(self.aliases.get(c, c) for c in close))
        if ids:
            raise InputError(f"unknown role {name!r}; did you mean {' or '.join(ids)}?")
        raise unknown("role", name, list(self.roles))

    def resolve_stage(self, name: str) -> str:
        """A stage id; raises InputError naming the closest ids otherwise."""
        key = name.strip().lower()
        if key in self.stages:
            return key
        raise unknown("stage", name, list(self.stages))

    def baseline_for(
        self, model_id: str, baseline: str | None = None, *, no_baseline: bool = False
    ) -> str | None:
        """The baseline to compare ``model_id`` with: none when ``no_baseline``, else
        ``baseline`` (an id, resolved), else the model's own (none for a model given
        only by its scores)."""
        if no_baseline:
            return None
        if baseline is not None:
            return self.resolve_model(baseline)
        model = self.models.get(model_id)
        return model.baseline if model else None

    def resolve_model(self, name: str) -> str:
        """A model id; raises InputError naming the closest ids otherwise."""
        key = name.strip().lower()
        if key in self.models:
            return key
        raise unknown("model", name, list(self.models))


def unknown(kind: str, name: str, known: Sequence[str]) -> InputError:
    """An "unknown X" error that names the closest known ids."""
    import difflib

    close = difflib.get_close_matches(name.strip().lower(), list(known), n=3, cutoff=0.5)
    if close:
        hint = "did you mean " + " or ".join(close) + "?"
    else:
        shown = sorted(known)
        hint = "known: " + ", ".join(shown[:12]) + (", ..." if len(shown) > 12 else "")
    return InputError(f"unknown {kind} {name!r}; {hint}")


# --------------------------------------------------------------------------- loading


class _Problems:
    """Collects located problems so that all are reported at once."""

    def __init__(self) -> None:
        self.items: list[AdvisorError] = []
        self.hidden = 0  # problems counted but not collected one by one

    def add(self, message: str, location: Location | None) -> None:
        self.items.append(AdvisorError(message, location))

    def extend(self, errors: Iterable[AdvisorError]) -> None:
        self.items.extend(errors)

    def raise_if_any(self) -> None:
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


class _File(Record):
    __slots__ = ("path", "data", "smap")
    path: str
    data: s.RulebookFile
    smap: SourceMap

    def __init__(self, path: str, data: s.RulebookFile, smap: SourceMap) -> None:
        self.path = path
        self.data = data
        self.smap = smap


def rulebook_files(paths: Sequence[str | os.PathLike[str]]) -> list[str]:
    """The YAML files that make up a rulebook given as files and/or folders.

    A folder gives every ``.yaml``/``.yml`` file under it, in path order
    (symlinked folders are not entered).

    Raises:
        InputError: a path does not exist, or a folder holds no YAML file.
    """
    out: list[str] = []
    for raw in paths:
        p = os.fspath(raw)
        try:
            kind = path_kind(p)
        except OSError as exc:  # a name too long, say
            raise InputError(f"{p}: cannot read: {exc.strerror or exc}") from None
        if kind == "dir":
            found = sorted(
                (
                    os.path.join(root, name)
                    for root, _dirs, names in os.walk(p)
                    for name in names
                    # As pathlib's suffix: ".yaml" alone is a name, not a suffix.
                    if name.endswith((".yaml", ".yml"))
                    and name not in (".yaml", ".yml")
                    and os.path.isfile(os.path.join(root, name))
                ),
                key=lambda f: f.split(os.sep),  # by folder, then name
            )
            if not found:
                raise InputError(f"{p}: folder holds no .yaml files; point to a rulebook")
            out.extend(found)
        elif kind is not None:
            out.append(p)
        else:
            raise InputError(f"{p}: no such file or folder")
    if len(out) > MAX_FILES:
        raise InputError(f"rulebook has {len(out)} files, over the limit of {MAX_FILES}")
    return out


def _display(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def _pydantic_problems(exc: Any, smap: SourceMap) -> list[AdvisorError]:
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for err in exc.errors(include_url=False, include_context=False):
        groups.setdefault(_real_path(smap, tuple(err["loc"]), err["type"]), []).append(err)
    out = []
    for path, errs in groups.items():
        err = errs[0]
        where = smap.key_location(path) if err["type"] == "extra_forbidden" else None
        where = where or smap.locate(path)
        dotted = ".".join(str(p) for p in path) or "(top)"
        if err["type"] == "extra_forbidden":
            key = path[-1] if path else err["loc"][-1]
            msg = f"{dotted}: unknown key {key!r}; check the spelling (see 'advisor schema')"
        elif err["type"] == "missing":
            msg = f"{dotted}: required key missing"
        else:
            msg = f"{dotted}: {_expected(errs)}, got {_shown(err.get('input'))}"
        out.append(AdvisorError(msg, where))
    return out


def _real_path(smap: SourceMap, loc: tuple[Any, ...], kind: str) -> tuple[Any, ...]:
    """The part of a pydantic error location that is keys and indices of the file.

    Pydantic adds names of union members ('str', 'list[str]', ...) to a location;
    a step is kept only when the file has a value there (or it names a missing key).
    """
    path: tuple[Any, ...] = ()
    for i, step in enumerate(loc):
        if smap.get((*path, step)) is not None or (kind == "missing" and i == len(loc) - 1):
            path = (*path, step)
    return path


_TYPE_WORDS = {
    "model_type": "a mapping (key: value)",
    "dict_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
}


def _expected(errs: list[dict[str, Any]]) -> str:
    """What pydantic expected; the members of a union are named together, once."""
    # A value of the right type that fails a check (range, pattern, NaN) says most.
    specific = [e for e in errs if not e["type"].endswith(("_type", "_parsing"))]
    if specific:
        text = specific[0]["msg"].rstrip(".")
    else:
        wants = list(
            dict.fromkeys(
                _TYPE_WORDS.get(e["type"], e["msg"].rstrip(".").removeprefix("Input should be "))
                for e in errs
            )
        )
        text = "Input should be " + (
            wants[0] if len(wants) == 1 else ", ".join(wants[:-1]) + " or " + wants[-1]
        )
    got = errs[0].get("input")
    if not specific and isinstance(got, bool) and any(e["type"] == "string_type" for e in errs):
        text += " (YAML reads unquoted yes, no, on, off, true and false as true/false: quote it)"
    elif (
        not specific
        and isinstance(got, (int, float))
        and any(e["type"] == "string_type" for e in errs)
    ):
        text += " (quote it to use it as text)"
    return text


def _shown(got: Any) -> str:
    if isinstance(got, (str, int, float, bool)) or got is None:
        text = repr(got)
        return text if len(text) <= 60 else f"{text[:45]}...{text[-12:]}"
    return type(got).__name__


def _read_file(path: str, problems: _Problems) -> _File | None:
    from pydantic import ValidationError

    from advisor.load.yamlsource import load_yaml
    from advisor.model.schema import RulebookFile

    name = _display(path)
    try:
        data, smap = load_yaml(path, display_name=name)
    except AdvisorError as exc:
        problems.extend([exc])
        return None
    if data is None:
        problems.add(
            f"empty file; a rulebook file is a mapping of sections ({', '.join(SECTIONS[:4])}, "
            "...); add one or remove the file",
            Location(name, 1, 1),
        )
        return None
    if not isinstance(data, dict):
        problems.add(
            f"a rulebook file is a mapping of sections ({', '.join(SECTIONS[:4])}, ...), "
            f"got a {type(data).__name__}",
            Location(name, 1, 1),
        )
        return None
    try:
        parsed = RulebookFile.model_validate(data)
    except ValidationError as exc:
        total, hidden = exc.error_count(), 0
        if total > MAX_SHOWN:
            # Each pydantic error costs about a kilobyte: a file of 200,000 bad values
            # would take hundreds of megabytes. The problems shown come from a copy with
            # every list and mapping cut to its first entries.
            try:
                RulebookFile.model_validate(_head(data))
            except ValidationError as short:
                exc, hidden = short, total - short.error_count()
        problems.extend(_pydantic_problems(exc, smap))
        problems.hidden += hidden
        return None
    return _File(name, parsed, smap)


def _head(data: Any) -> Any:
    """``data`` with every list and mapping cut to its first MAX_SHOWN entries."""
    if isinstance(data, list):
        return [_head(x) for x in data[:MAX_SHOWN]]
    if isinstance(data, dict):
        return {k: _head(v) for k, v in list(data.items())[:MAX_SHOWN]}
    return data


def load_rulebook(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
) -> Rulebook:
    """Load, validate and merge a rulebook.

    Args:
        paths: A file, a folder, or several of them; None for the built-in rulebook.

    Returns:
        The validated rulebook.

    Raises:
        RulebookError: with every problem found, each located to file:line:column.
        InputError: a path does not exist.
    """
    if paths is None:
        paths = [builtin_rules()]
    elif isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    from advisor.load import cache

    # A rulebook validated before is rebuilt from the cache (see advisor.load.cache).
    files = rulebook_files(paths)
    key = cache.key_for(files)
    book = cache.load(key) if key else None
    if book is None:
        with cache.no_gc():  # many objects, no cycles: the collector only costs time here
            book = _load(files, chain=())
        if key:
            cache.store(key, book, files)
    return book


def _load(paths: list[str], chain: tuple[str, ...]) -> Rulebook:
    """The rulebook made of ``paths`` (from :func:`rulebook_files`), validated."""
    problems = _Problems()
    files = [f for f in (_read_file(p, problems) for p in paths) if f]
    problems.raise_if_any()

    extends = [(f, f.data.extends) for f in files if f.data.extends]
    base: Rulebook | None = None
    if len(extends) > 1:
        problems.add(
            "only one file of a rulebook may say 'extends:'",
            extends[1][0].smap.locate(("extends",)),
        )
    elif extends:
        f, target = extends[0]
        base = _load_base(f, target or "", chain, problems)
    problems.raise_if_any()
    return _build(files, base, problems)


def _load_base(
    f: _File, target: str, chain: tuple[str, ...], problems: _Problems
) -> Rulebook | None:
    where = f.smap.locate(("extends",))
    if target == "builtin":
        base_path = builtin_rules()
    else:
        base_path = os.path.realpath(os.path.join(os.path.dirname(f.path), target))
        if not os.path.exists(base_path):
            problems.add(f"extends: {target!r} not found (looked at {base_path})", where)
            return None
    key = os.path.realpath(base_path)
    if key in chain or len(chain) >= MAX_EXTENDS_DEPTH:
        problems.add(f"extends: {target!r} makes a cycle or is nested too deep", where)
        return None
    try:
        return _load(rulebook_files([base_path]), chain + (key,))
    except RulebookError as exc:
        problems.extend(exc.problems)
    except InputError as exc:
        problems.add(exc.message, where)
    return None


# --------------------------------------------------------------------------- merging


def _build(files: list[_File], base: Rulebook | None, problems: _Problems) -> Rulebook:
    locs: dict[tuple[str, str], Location] = dict(base.locations) if base else {}
    merged: dict[str, dict[str, Any]] = {sec: {} for sec in SECTIONS}
    if base:
        merged["autonomy"] = {lv.id: lv for lv in base.levels}
        merged["roles"] = dict(base.roles)
        merged["stages"] = dict(base.stages)
        merged["benchmarks"] = dict(base.benchmarks)
        merged["sources"] = dict(base.sources)
        merged["models"] = dict(base.models)
        merged["metrics"] = dict(base.metrics)
        merged["questions"] = {q.id: q for q in base.questions}
        merged["tables"] = {t.id: t.spec for t in base.tables}
        merged["tests"] = {t.id: t for t in base.tests}
    from_base = {sec: set(merged[sec]) for sec in SECTIONS}
    meta = base.meta if base else None
    changes: list[RuleChange] = list(base.changes) if base else []
    kinds = {sec: sec.rstrip("s") for sec in SECTIONS}
    kinds["autonomy"] = "level"

    for f in files:
        if f.data.rulebook is not None:
            if meta is not None and (base is None or meta is not base.meta):
                problems.add("rulebook: metadata given twice", f.smap.locate(("rulebook",)))
            meta = f.data.rulebook
        for sec in SECTIONS:
            for i, item in enumerate(getattr(f.data, sec)):
                where = f.smap.locate((sec, i, "id"))
                key = (kinds[sec], item.id)
                if item.id in merged[sec] and item.id not in from_base[sec]:
                    problems.add(
                        f"duplicate {kinds[sec]} id {item.id!r} (first at {locs[key]}); "
                        "ids must be unique",
                        where,
                    )
                    continue
                if sec == "tables" and item.id in from_base["tables"]:
                    item = _merge_table(merged["tables"][item.id], item, f, i, base, changes)
                    from_base["tables"].discard(item.id)
                merged[sec][item.id] = item
                from_base[sec].discard(item.id)
                locs[key] = where
                if sec == "tables":
                    _record_rule_locations(item, f, i, locs)
                if sec == "models":
                    _record_model_locations(item, f, i, locs)

    if meta is None:
        problems.add(
            "no 'rulebook:' section with id and name; add one to one of the files",
            Location(files[0].path if files else "rulebook", 1, 1),
        )
    disabled = _apply_disables(files, merged, locs, changes, problems)
    if base:
        # The base's table specs still hold the rules it disabled; they stay
        # off here too unless this rulebook defines them again.
        own = {r.id for f in files for t in f.data.tables for r in t.rules}
        disabled |= {c.rule_id for c in base.changes if c.action == "disabled"} - own
    problems.raise_if_any()
    assert meta is not None
    book = Rulebook(
        meta=meta,
        levels=list(merged["autonomy"].values()),
        roles=merged["roles"],
        stages=merged["stages"],
        benchmarks=merged["benchmarks"],
        sources=merged["sources"],
        models=merged["models"],
        metrics=merged["metrics"],
        questions=list(merged["questions"].values()),
        tables=[],
        tests=list(merged["tests"].values()),
        files=(base.files if base else []) + [f.path for f in files],
        locations=locs,
        changes=changes,
    )
    _check(book, merged["tables"], disabled, problems)
    problems.raise_if_any()
    return book


def _record_model_locations(
    model: s.Model, f: _File, mi: int, locs: dict[tuple[str, str], Location]
) -> None:
    if model.baseline is not None:
        locs[("model-baseline", model.id)] = f.smap.locate(("models", mi, "baseline"))
    for j in range(len(model.scores)):
        where = f.smap.locate(("models", mi, "scores", j, "benchmark"))
        locs[("score", f"{model.id}\0{j}")] = where


def _record_rule_locations(
    table: s.Table, f: _File, ti: int, locs: dict[tuple[str, str], Location]
) -> None:
    for ri, rule in enumerate(f.data.tables[ti].rules):
        path = ("tables", ti, "rules", ri)
        # Only rules written in this file get this file's locations.
        if f.smap.get(path) is not None and f.smap.get(path + ("id",)) is not None:
            locs[("rule", rule.id)] = f.smap.locate(path + ("id",))
            for key in rule.when:
                locs[("cell", f"{rule.id}\0{key}")] = f.smap.locate(path + ("when", key))
            for key in TEXT_FIELDS:
                if f.smap.get(path + (key,)) is not None:
                    locs[("text", f"{rule.id}\0{key}")] = f.smap.locate(path + (key,))
            if f.smap.get(path + ("autonomy",)) is not None:
                locs[("autonomy", rule.id)] = f.smap.locate(path + ("autonomy",))
            for si in range(len(rule.sources)):
                locs[("source-ref", f"{rule.id}\0{si}")] = f.smap.locate(path + ("sources", si))


def _merge_table(
    old: s.Table, new: s.Table, f: _File, ti: int, base: Rulebook | None, changes: list[RuleChange]
) -> s.Table:
    """An organisation's table of the same id: its rules replace or extend the base's."""
    by_id = {r.id: r for r in new.rules}
    rules = []
    for r in old.rules:
        if r.id in by_id:
            ri = next(i for i, x in enumerate(new.rules) if x.id == r.id)
            original = base.where("rule", r.id) if base else None
            changes.append(
                RuleChange(
                    r.id,
                    "overridden",
                    f.smap.locate(("tables", ti, "rules", ri, "id")),
                    original or Location("?"),
                )
            )
            rules.append(by_id.pop(r.id))
        else:
            rules.append(r)
    rules.extend(r for r in new.rules if r.id in by_id)
    # Table settings come from the organisation's file when it gives them.
    fields = new.model_dump(exclude_unset=True, exclude={"rules"})
    return old.model_copy(update={**fields, "rules": rules})


def _apply_disables(
    files: list[_File],
    merged: dict[str, dict[str, Any]],
    locs: dict[tuple[str, str], Location],
    changes: list[RuleChange],
    problems: _Problems,
) -> set[str]:
    disabled: set[str] = set()
    all_rules = {r.id for t in merged["tables"].values() for r in t.rules}
    for f in files:
        if f.data.overrides is None:
            continue
        for i, rid in enumerate(f.data.overrides.disable):
            where = f.smap.locate(("overrides", "disable", i))
            if rid not in all_rules:
                problems.add(
                    unknown("rule", rid, sorted(all_rules)).message + " (in disable)", where
                )
                continue
            disabled.add(rid)
            changes.append(RuleChange(rid, "disabled", where, locs.get(("rule", rid), where)))
    return disabled


# --------------------------------------------------------------------------- checks


def _check(
    book: Rulebook, tables: dict[str, s.Table], disabled: set[str], problems: _Problems
) -> None:
    where = book.where
    first = Location(book.files[0] if book.files else "rulebook", 1, 1)
    for sec, items in (
        ("autonomy", book.levels),
        ("roles", book.roles),
        ("stages", book.stages),
        ("benchmarks", book.benchmarks),
    ):
        if len(items) < (2 if sec == "autonomy" else 1):
            problems.add(f"the rulebook defines no {sec}; add a '{sec}:' section", first)

    for role in book.roles.values():
        for alias in role.aliases:
            if alias in book.roles or alias in book.aliases:
                problems.add(
                    f"role alias {alias!r} is already a role id or alias", where("role", role.id)
                )
            book.aliases[alias] = role.id

    for model in book.models.values():
        mloc = where("model", model.id)
        if model.baseline is not None and model.baseline not in book.models:
            problems.add(
                f"model {model.id!r}: "
                + unknown("baseline model", model.baseline, list(book.models)).message,
                where("model-baseline", model.id) or mloc,
            )
        if model.baseline == model.id:
            problems.add(f"model {model.id!r} cannot be its own baseline", mloc)
        seen: set[str] = set()
        for j, sc in enumerate(model.scores):
            if sc.benchmark not in book.benchmarks:
                hint = unknown("benchmark", sc.benchmark, list(book.benchmarks)).message
                problems.add(
                    f"model {model.id!r}: {hint}", where("score", f"{model.id}\0{j}") or mloc
                )
            if sc.benchmark in seen:
                problems.add(
                    f"model {model.id!r} has two scores on {sc.benchmark!r}; keep one per model "
                    "(a different agent or harness is a different model entry)",
                    mloc,
                )
            seen.add(sc.benchmark)

    names: dict[str, str] = {n: "built-in input" for n in BUILTIN_INPUTS}
    for kind, ids in (
        ("benchmark", book.benchmarks),
        ("metric", book.metrics),
        ("question", [q.id for q in book.questions]),
    ):
        for ident in ids:
            if ident in names and not (kind == "question" and ident in ("model", "baseline")):
                problems.add(
                    f"{kind} id {ident!r} clashes with the {names[ident]} of the same name; "
                    "rename it",
                    where(kind, ident),
                )
            names.setdefault(ident, kind)

    for metric in book.metrics.values():
        need = {"delta_pp": 1, "relative_gain": 1, "gap": 2}[metric.formula]
        given = [metric.benchmark] if metric.benchmark else list(metric.benchmarks)
        if len(given) != need or (metric.benchmark and metric.benchmarks):
            what = "'benchmark: ID'" if need == 1 else "'benchmarks: [ID, ID]'"
            problems.add(
                f"metric {metric.id!r}: formula {metric.formula} takes {what}",
                where("metric", metric.id),
            )
        for b in given:
            if b not in book.benchmarks:
                problems.add(
                    unknown("benchmark", b, list(book.benchmarks)).message,
                    where("metric", metric.id),
                )

    _check_questions(book, problems)
    _compile_tables(book, tables, disabled, problems)
    declared = {r.id for t in tables.values() for r in t.rules}
    _check_tests(book, problems, disabled, declared)


def _check_questions(book: Rulebook, problems: _Problems) -> None:
    seen: list[str] = []
    for q in book.questions:
        loc = book.where("question", q.id)
        if q.type in ("select", "checkbox") and not q.choices and not q.choices_from:
            problems.add(
                f"question {q.id!r}: a {q.type} question needs 'choices' or 'choices_from'", loc
            )
        for key in q.when:
            if key not in seen:
                problems.add(
                    f"question {q.id!r}: 'when' refers to {key!r}, "
                    "which is not an earlier question",
                    loc,
                )
        if q.min is not None and q.max is not None and q.min > q.max:
            problems.add(f"question {q.id!r}: min is above max", loc)
        seen.append(q.id)


def _compile_tables(
    book: Rulebook, tables: dict[str, s.Table], disabled: set[str], problems: _Problems
) -> None:
    levels = set(book.level_ids)
    rule_seen: dict[str, str] = {}
    stage_tables = [t for t in tables.values() if t.purpose == "stage-advice"]
    if len(stage_tables) != 1:
        first = Location(book.files[0] if book.files else "rulebook", 1, 1)
        problems.add(
            "a rulebook needs exactly one table with purpose 'stage-advice', "
            f"found {len(stage_tables)}",
            book.where("table", stage_tables[1].id) if len(stage_tables) > 1 else first,
        )
    for table in tables.values():
        tloc = book.where("table", table.id) or Location("rulebook")
        kinds: dict[str, str] = {}
        for name in table.inputs:
            kind = book.input_kind(name)
            if kind is None:
                problems.add(
                    f"table {table.id!r}: unknown input {name!r}; inputs are role, stage, "
                    "model, baseline, benchmark, metric and question ids",
                    tloc,
                )
                continue
            if name == "stage" and table.purpose != "stage-advice":
                problems.add(f"table {table.id!r}: only stage-advice tables can read 'stage'", tloc)
            if name == "role" and table.purpose not in ("stage-advice", "role-summary"):
                problems.add(
                    f"table {table.id!r}: a {table.purpose} table runs once per guide "
                    "and cannot read 'role'",
                    tloc,
                )
            kinds[name] = kind
        rank = {lv: i for i, lv in enumerate(table.priority or book.level_ids)}
        for lv in table.priority:
            if lv not in levels:
                problems.add(
                    unknown("autonomy level", lv, list(levels)).message + " (in priority)", tloc
                )
        compiled = CompiledTable(table, [], kinds, tloc, rank)
        for index, rule in enumerate(table.rules):
            rloc = book.where("rule", rule.id) or tloc
            if rule.id in rule_seen:
                problems.add(
                    f"duplicate rule id {rule.id!r} (also in table {rule_seen[rule.id]!r})", rloc
                )
                continue
            rule_seen[rule.id] = table.id
            if rule.id in disabled:
                continue
            cr = _compile_rule(book, table, index, rule, kinds, rloc, problems)
            if cr is not None:
                compiled.rules.append(cr)
            if table.purpose == "stage-advice" and rule.autonomy is None:
                problems.add(f"rule {rule.id!r}: a stage-advice rule needs 'autonomy'", rloc)
            if rule.autonomy is not None and rule.autonomy not in levels:
                hint = unknown("autonomy level", rule.autonomy, book.level_ids).message
                problems.add(f"rule {rule.id!r}: {hint}", book.where("autonomy", rule.id) or rloc)
            for si, src in enumerate(rule.sources):
                if src not in book.sources:
                    problems.add(
                        unknown("source", src, list(book.sources)).message,
                        book.where("source-ref", f"{rule.id}\0{si}") or rloc,
                    )
        book.tables.append(compiled)


def _compile_rule(
    book: Rulebook,
    table: s.Table,
    index: int,
    rule: s.Rule,
    kinds: dict[str, str],
    rloc: Location,
    problems: _Problems,
) -> CompiledRule | None:
    from advisor.text.sandbox import needs_template, text_template

    ok = True
    tests: dict[str, Test] = {}
    cell_locs: dict[str, Location] = {}
    for name, raw in rule.when.items():
        cloc = book.where("cell", f"{rule.id}\0{name}") or rloc
        cell_locs[name] = cloc
        if name not in table.inputs:
            problems.add(
                f"rule {rule.id!r}: {name!r} is not an input of table {table.id!r} "
                f"(inputs: {', '.join(table.inputs)})",
                cloc,
            )
            ok = False
            continue
        kind = kinds.get(name)
        if kind is None:
            continue
        try:
            test = parse_cell(raw, "id" if kind == "text" else kind)
        except CellError as exc:
            problems.add(f"rule {rule.id!r}, {name}: {exc}", cloc)
            ok = False
            continue
        id_sets: dict[str, dict[str, Any]] = {
            "role": book.roles,
            "stage": book.stages,
            "model": book.models,
            "baseline": book.models,
        }
        known = id_sets.get(name)
        if known is not None:
            for ident in sorted(test.ids):
                if ident not in known:
                    problems.add(
                        f"rule {rule.id!r}: " + unknown(name, ident, list(known)).message, cloc
                    )
                    ok = False
        tests[name] = test
    templates: dict[str, Template | LazyText | None] = {}
    for key in TEXT_FIELDS:
        value = getattr(rule, key)
        if value and needs_template(value):
            tloc = book.where("text", f"{rule.id}\0{key}") or rloc
            try:
                templates[key] = text_template(value, tloc)
            except AdvisorError as exc:
                problems.extend([exc])
                ok = False
        else:
            templates[key] = None
    if not ok:
        return None
    return CompiledRule(rule, table.id, index, tests, templates, rloc, cell_locs)


def _check_tests(
    book: Rulebook,
    problems: _Problems,
    disabled: Iterable[str] = (),
    declared: Iterable[str] = (),
) -> None:
    # A test may still name a rule that an organisation disabled: the test
    # comes from the base rulebook, and 'advisor rules test' skips that check.
    # A rule with errors of its own is reported once, not again as unknown here.
    rule_ids = {r.id for r in book.rules()} | set(disabled) | set(declared)
    table_ids = {t.id for t in book.tables}
    for test in book.tests:
        loc = book.where("test", test.id)
        g = test.given
        for ident in (g.model, g.baseline):
            if ident is not None and ident not in book.models:
                problems.add(
                    f"test {test.id!r}: " + unknown("model", ident, list(book.models)).message, loc
                )
        if g.model is None and not g.scores:
            problems.add(f"test {test.id!r}: 'given' needs a model or scores", loc)
        for b in list(g.scores) + list(g.baseline_scores):
            if b not in book.benchmarks:
                problems.add(
                    f"test {test.id!r}: " + unknown("benchmark", b, list(book.benchmarks)).message,
                    loc,
                )
        for exp in test.expect:
            if exp.role not in book.roles:
                problems.add(
                    f"test {test.id!r}: " + unknown("role", exp.role, list(book.roles)).message, loc
                )
            if exp.stage is not None and exp.stage not in book.stages:
                problems.add(
                    f"test {test.id!r}: " + unknown("stage", exp.stage, list(book.stages)).message,
                    loc,
                )
            if exp.autonomy is not None and exp.autonomy not in book.level_ids:
                problems.add(
                    f"test {test.id!r}: "
                    + unknown("autonomy level", exp.autonomy, book.level_ids).message,
                    loc,
                )
            if exp.rule is not None and exp.rule not in rule_ids:
                problems.add(
                    f"test {test.id!r}: " + unknown("rule", exp.rule, sorted(rule_ids)).message, loc
                )
            if exp.table is not None and exp.table not in table_ids:
                problems.add(
                    f"test {test.id!r}: " + unknown("table", exp.table, sorted(table_ids)).message,
                    loc,
                )


# --------------------------------------------------------------------------- scores overlay


def load_scores(book: Rulebook, path: str | os.PathLike[str]) -> Rulebook:
    """Add the models of a scores file (a top-level ``models:`` list) to a rulebook.

    A model with the id of an existing one replaces it. The scores file is
    validated exactly like the rulebook's own models file.

    Raises:
        RulebookError: the file is invalid; every problem is located.
    """
    try:
        kind = path_kind(path)
    except OSError as exc:  # a name too long, say
        raise InputError(f"{path}: cannot read this scores file: {exc.strerror or exc}") from None
    if kind != "file":
        what = (
            "is a folder, expected a scores file (YAML)"
            if kind == "dir"
            else "is not a regular file, expected a scores file (YAML)"
            if kind == "other"
            else "no such scores file"
        )
        raise InputError(f"{path}: {what}")
    problems = _Problems()
    f = _read_file(os.fspath(path), problems)
    problems.raise_if_any()
    assert f is not None
    extra = [k for k in f.data.model_fields_set if k != "models"]
    for k in sorted(extra):
        problems.add(f"a scores file holds only 'models:'; remove {k!r}", f.smap.key_location((k,)))
    if not f.data.models:
        problems.add(
            "the scores file lists no models; add a 'models:' list", Location(f.path, 1, 1)
        )
    first_at: dict[str, Location] = {}
    for i, m in enumerate(f.data.models):
        loc = f.smap.locate(("models", i, "id"))
        if m.id in first_at:
            problems.add(
                f"duplicate model id {m.id!r} (first at {first_at[m.id]}); ids must be unique", loc
            )
        first_at.setdefault(m.id, loc)
    problems.raise_if_any()
    models = dict(book.models)
    locations = dict(book.locations)
    for i, m in enumerate(f.data.models):
        models[m.id] = m
        locations[("model", m.id)] = f.smap.locate(("models", i, "id"))
    new = book.replace(models=models, locations=locations, files=book.files + [f.path])
    for i, m in enumerate(f.data.models):
        if m.baseline is not None and m.baseline not in models:
            hint = unknown("baseline model", m.baseline, list(models)).message
            problems.add(f"model {m.id!r}: {hint}", f.smap.locate(("models", i, "baseline")))
        for j, sc in enumerate(m.scores):
            if sc.benchmark not in book.benchmarks:
                hint = unknown("benchmark", sc.benchmark, list(book.benchmarks)).message
                problems.add(
                    f"model {m.id!r}: {hint}",
                    f.smap.locate(("models", i, "scores", j, "benchmark")),
                )
    problems.raise_if_any()
    return new
