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

import contextlib
import gc
import os
from collections.abc import Iterator, Sequence

import msgspec.structs

from advisor.errors import AdvisorError, InputError, RulebookError
from advisor.load import cache
from advisor.load.book import (
    BUILTIN_INPUTS,
    TEXT_FIELDS,
    CompiledRule,
    CompiledTable,
    Rulebook,
    RuleChange,
    closest,
    unknown,
)
from advisor.load.discover import MAX_FILES, display_name, rulebook_files
from advisor.load.merge import SECTIONS, File, build
from advisor.load.paths import STDIN_NAME, path_kind
from advisor.load.resources import builtin_rules, is_builtin
from advisor.load.validate import MAX_SHOWN, Problems, rulebook_file
from advisor.load.yamlsource import load_yaml_bytes
from advisor.model.location import Location

__all__ = [
    "BUILTIN_INPUTS",
    "MAX_EXTENDS_DEPTH",
    "MAX_FILES",
    "MAX_SHOWN",
    "SECTIONS",
    "TEXT_FIELDS",
    "CompiledRule",
    "CompiledTable",
    "RuleChange",
    "Rulebook",
    "load_rulebook",
    "load_rulebook_bytes",
    "load_scores",
    "lost_scores",
    "rulebook_files",
    "unknown",
]

MAX_EXTENDS_DEPTH = 8


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
    files = rulebook_files(paths)
    hits: list[str] = []
    with _collector_paused():
        try:
            return _load(files, chain=(), hits=hits)
        except RulebookError:
            if not hits:
                raise
            # Entries that validated one by one may still not fit together: read every
            # file itself before reporting anything (a cache in doubt is only a miss).
            return _load(files, chain=(), fresh=True)


def load_rulebook_bytes(raw: bytes, name: str = STDIN_NAME) -> Rulebook:
    """Load a rulebook of one file given as its bytes (read from standard input).

    The file is checked as :func:`load_rulebook` checks a file; its locations name
    ``name``, and an ``extends:`` path in it is taken from the working folder.

    Raises:
        RulebookError: with every problem found, each located to name:line:column.
    """
    problems = Problems()
    with _collector_paused():
        try:
            parsed = cache.Parsed(*load_yaml_bytes(raw, name), None)
        except AdvisorError as exc:
            problems.extend([exc])
            problems.raise_if_any()
        f = _validated(name, name, parsed, problems)
        return _assemble([f] if f else [], problems, chain=())


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while a rulebook loads.

    Loading makes many objects and no cycles; the collector passing over them
    again and again took more than the work itself: a 10,000-rule rulebook
    loads in ~0.7 s instead of ~1.6 s from the cache, ~1.5 s instead of
    ~2.2 s without it (the built-in one ~2 ms faster).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_file(
    path: str, problems: Problems, fresh: bool = False, hits: list[str] | None = None
) -> File | None:
    """One rulebook file, validated (through the cache of parsed files); None after
    adding its problems to ``problems``."""
    name = display_name(path)
    try:
        parsed = cache.load(path, name, fresh=fresh)
        found = Problems()
        f = _validated(path, name, parsed, found)
        if f is None and parsed.hit:  # a cache entry in doubt: parse the file itself
            parsed = cache.load(path, name, fresh=True)
            found = Problems()
            f = _validated(path, name, parsed, found)
    except AdvisorError as exc:
        problems.extend([exc])
        return None
    if parsed.hit and hits is not None:
        hits.append(path)
    problems.extend(found.items)
    problems.hidden += found.hidden
    if f is not None:
        cache.store(parsed.entry, parsed.data, parsed.smap)
    return f


def _validated(path: str, name: str, parsed: cache.Parsed, problems: Problems) -> File | None:
    data, smap = parsed.data, parsed.smap
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
    book_file = rulebook_file(data, smap, problems)
    if book_file is None:
        return None
    return File(name, data, book_file, smap)


def _load(
    paths: list[str],
    chain: tuple[str, ...],
    fresh: bool = False,
    hits: list[str] | None = None,
) -> Rulebook:
    """The rulebook made of ``paths`` (from :func:`rulebook_files`), validated; ``fresh``
    parses every file even when the cache has it; the files that came from the cache
    are added to ``hits``."""
    problems = Problems()
    files = [f for f in (_read_file(p, problems, fresh, hits) for p in paths) if f]
    return _assemble(files, problems, chain, fresh, hits)


def _assemble(
    files: list[File],
    problems: Problems,
    chain: tuple[str, ...],
    fresh: bool = False,
    hits: list[str] | None = None,
) -> Rulebook:
    """The rulebook of the files read (and of the one they extend), or every problem."""
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
        base = _load_base(f, target or "", chain, problems, fresh, hits)
    problems.raise_if_any()
    return build(files, base, problems)


def _load_base(
    f: File,
    target: str,
    chain: tuple[str, ...],
    problems: Problems,
    fresh: bool,
    hits: list[str] | None,
) -> Rulebook | None:
    where = f.smap.locate(("extends",))
    if target == "builtin":
        base_path = builtin_rules()
    else:
        # A file from standard input has no folder: its name has none, so the working one.
        base_path = os.path.realpath(os.path.join(os.path.dirname(f.path), target))
        if not os.path.exists(base_path):
            near = " (did you mean builtin?)" if closest(target, ["builtin"]) else ""
            problems.add(f"extends: {target!r} not found (looked at {base_path}){near}", where)
            return None
    key = os.path.realpath(base_path)
    if key in chain or len(chain) >= MAX_EXTENDS_DEPTH:
        problems.add(f"extends: {target!r} makes a cycle or is nested too deep", where)
        return None
    try:
        return _load(rulebook_files([base_path]), chain + (key,), fresh, hits)
    except RulebookError as exc:
        problems.extend(exc.problems)
    except InputError as exc:
        problems.add(exc.message, where)
    return None


#: The fields of a model that describe it rather than its scores. Its notes are about its
#: scores ("no Terminal-Bench figure under this harness"), so new scores do not keep them.
_DESCRIPTIVE = ("vendor", "baseline")


def load_scores(book: Rulebook, path: str | os.PathLike[str]) -> Rulebook:
    """Add the models of a scores file (a top-level ``models:`` list) to a rulebook.

    A model with the id of an existing one replaces it, keeping the vendor and
    baseline the file does not give (not its notes, which are about the old scores).
    The scores file is validated exactly like the rulebook's own models file.

    Raises:
        RulebookError: the file is invalid; every problem is located.
    """
    try:
        kind = path_kind(path)
    except OSError as exc:  # a name too long, say
        raise InputError(f"{path}: cannot read this scores file: {exc.strerror or exc}") from None
    if kind == "dir":
        raise InputError(f"{path}: is a folder, expected a scores file (YAML)")
    if kind is None:
        raise InputError(f"{path}: no such scores file")
    # A named pipe or a device is refused by the one check of every read (load.paths).
    problems = Problems()
    f = _read_file(os.fspath(path), problems)
    problems.raise_if_any()
    assert f is not None
    extra = [k for k in f.raw if k != "models"]
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
        old = models.get(m.id)
        if old is not None:
            # The same model with new scores: what the file leaves out (an imported
            # leaderboard knows no vendor or baseline) stays as it was.
            given = set(f.raw["models"][i])
            kept = {k: getattr(old, k) for k in _DESCRIPTIVE if k not in given}
            m = msgspec.structs.replace(m, **kept)
        models[m.id] = m
        locations[("model", m.id)] = f.smap.locate(("models", i, "id"))
    new = msgspec.structs.replace(
        book, models=models, locations=locations, files=book.files + [f.path]
    )
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


def lost_scores(before: Rulebook, after: Rulebook) -> list[str]:
    """What a scores file's entries drop of those they replace, one note per entry.

    An entry replaces all the scores of the model it names, so a one-score file for a
    built-in model silently loses the model's other benchmarks; each note names them.

    Args:
        before: The rulebook the scores file was loaded onto.
        after: What :func:`load_scores` made of it.
    """
    notes = []
    for ident, model in after.models.items():
        old = before.models.get(ident)
        if old is None or old is model:
            continue  # a new model, or one the scores file does not name
        kept = {sc.benchmark for sc in model.scores}
        lost = [b for b in dict.fromkeys(sc.benchmark for sc in old.scores) if b not in kept]
        if not lost:
            continue
        was = before.locations.get(("model", ident))
        whose = "the built-in entry" if was is None or is_builtin(was) else f"the entry at {was}"
        names = " and ".join([", ".join(lost[:-1]), lost[-1]] if len(lost) > 1 else lost)
        which = f"its {names} score is" if len(lost) == 1 else f"its {names} scores are"
        notes.append(
            f"{after.locations[('model', ident)]}: {ident} replaces {whose}; {which} no longer "
            f"used (list every score in the entry to keep {'it' if len(lost) == 1 else 'them'})"
        )
    return notes
