"""Safe YAML loading that remembers where every value came from.

:func:`load_yaml` turns one YAML file into plain Python data plus a
:class:`SourceMap`, so that later checks can point at the exact line and
column of a bad value. Everything a hostile or broken file can do (object
tags, alias bombs, deep nesting, huge or binary files) ends as a located
:class:`~advisor.errors.YamlError` instead of a crash, a hang or code running.

Loading happens in three passes over the text:

1. an event scan that rejects unsafe tags, extra documents, undefined or
   recursive aliases, and measures how large and deep the data becomes once
   every alias is expanded, all before anything is built;
2. PyYAML composition into nodes with marks;
3. a walk over the nodes that builds fresh dicts and lists and records the
   location of every value and key.
"""

from __future__ import annotations

import gc
import os
import re
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from advisor.errors import YamlError
from advisor.load.paths import MAX_BYTES, FileTooBigError, read_capped, read_problem
from advisor.model.location import Location

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "SourceMap",
    "load_yaml",
    "load_yaml_bytes",
    "load_yaml_text",
    "read_yaml_bytes",
]

MAX_DEPTH = 64
#: About 130 MB while loading: 2.5 times a 10,000-rule rulebook, 90 times the built-in one.
MAX_NODES = 250_000

# Looked up at call time so tests can exercise the pure-Python fallback.
_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_CORE = "tag:yaml.org,2002:"
_STR = _CORE + "str"
_SEQ = _CORE + "seq"
_MAP = _CORE + "map"
_MERGE = _CORE + "merge"
_VALUE = _CORE + "value"
_TIMESTAMP = _CORE + "timestamp"

_SCALAR_TAGS = frozenset(
    _CORE + name for name in ("null", "bool", "int", "float", "str", "timestamp", "merge")
)
_KEY_TYPES = (str, int, float, bool, type(None))

# Stateless constructors, so one shared instance serves every load.
_CONSTRUCTOR = SafeConstructor()
_SCALAR_BUILDERS = {
    _CORE + "null": SafeConstructor.construct_yaml_null,
    _CORE + "bool": SafeConstructor.construct_yaml_bool,
    _CORE + "int": SafeConstructor.construct_yaml_int,
    _CORE + "float": SafeConstructor.construct_yaml_float,
    _CORE + "timestamp": SafeConstructor.construct_yaml_timestamp,
}
_SCALAR_KINDS = {
    _CORE + "null": "null",
    _CORE + "bool": "true/false value",
    _CORE + "int": "integer",
    _CORE + "float": "number",
    _CORE + "timestamp": "date",
}

# Characters YAML forbids in a stream (the YAML 1.1 printable set, negated).
_NON_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_UTF8_BOM = b"\xef\xbb\xbf"


class SourceMap:
    """Maps a key path (tuple of str keys / int indices) to the Location of the value there.

    The empty path ``()`` is the document root. A value reached through an
    alias or a merge key is located where it is written, i.e. at the anchor.

    Attributes:
        file: The file name used in every returned :class:`Location`.
        dates: How many YAML timestamps (unquoted dates) were read as dates.
    """

    __slots__ = ("file", "_values", "_keys", "dates")

    def __init__(
        self,
        file: str,
        values: dict[tuple, tuple[int, int]] | None = None,
        keys: dict[tuple, tuple[int, int]] | None = None,
    ) -> None:
        self.file = file
        self._values = values if values is not None else {}
        self._keys = keys if keys is not None else {}
        self.dates = 0

    def get(self, path: tuple) -> Location | None:
        """Returns the location of the value at exactly ``path``, or None."""
        pos = self._values.get(tuple(path))
        return None if pos is None else Location(self.file, *pos)

    def locate(self, path: tuple) -> Location:
        """Returns the location of the longest existing prefix of ``path``.

        Falls back to line 1, column 1 of the file, so a caller always has
        somewhere to point (e.g. for a required key that is missing).
        """
        path = tuple(path)
        values = self._values
        for end in range(len(path), -1, -1):
            pos = values.get(path[:end])
            if pos is not None:
                return Location(self.file, *pos)
        return Location(self.file, 1, 1)

    def key_location(self, path: tuple) -> Location | None:
        """Returns the location of the mapping key that leads to ``path``, or None."""
        pos = self._keys.get(tuple(path))
        return None if pos is None else Location(self.file, *pos)

    def positions(self) -> tuple[dict[tuple, tuple[int, int]], dict[tuple, tuple[int, int]]]:
        """The (line, column) of every value and of every key, by key path."""
        return self._values, self._keys

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"SourceMap({self.file!r}, {len(self._values)} values)"


def load_yaml(
    path: str | os.PathLike,
    *,
    display_name: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> tuple[Any, SourceMap]:
    """Loads one YAML file safely.

    Args:
        path: The file to read.
        display_name: Name to use in locations and errors; defaults to ``path``.
        max_bytes: Files larger than this are refused unread.

    Returns:
        The plain data (None for an empty file) and its source map.

    Raises:
        YamlError: The file cannot be read, is not UTF-8 YAML text, or is unsafe.
    """
    name = display_name if display_name is not None else os.fsdecode(path)
    return load_yaml_bytes(read_yaml_bytes(path, name, max_bytes), name)


def read_yaml_bytes(path: str | os.PathLike, name: str, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a YAML file, at most ``max_bytes`` of them.

    Raises:
        YamlError: The file cannot be read or is too large (located at ``name``).
    """
    return _read_capped(path, name, max_bytes)


def load_yaml_bytes(data: bytes, name: str) -> tuple[Any, SourceMap]:
    """Loads YAML from the bytes of a file, with the same checks as :func:`load_yaml`."""
    return load_yaml_text(_decode(data, name), name)


def load_yaml_text(text: str, name: str) -> tuple[Any, SourceMap]:
    """Loads YAML from a string, with the same checks as :func:`load_yaml`.

    Args:
        text: The YAML text; a leading BOM is ignored.
        name: File name to use in locations and errors.

    Returns:
        The plain data (None for an empty document) and its source map.

    Raises:
        YamlError: The text is not valid, safe, single-document YAML.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    bad = _NON_PRINTABLE.search(text)
    if bad is not None:
        where = Location(name, *_text_position(text, bad.start()))
        char = bad.group()
        if char == "\x00":
            raise YamlError("binary file, not YAML text", where)
        raise YamlError(f"character U+{ord(char):04X} is not allowed in YAML; remove it", where)

    # The node tree is large and acyclic; generational GC passes over it
    # while it grows cost several times the parsing itself.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse(text, name)
    finally:
        if gc_was_enabled:
            gc.enable()


def _read_capped(path: str | os.PathLike, name: str, max_bytes: int) -> bytes:
    where = Location(name)
    try:
        return read_capped(path, max_bytes)
    except FileTooBigError as exc:
        raise YamlError(str(exc), where) from None
    except IsADirectoryError:
        raise YamlError("is a folder, expected a YAML file", where) from None
    except OSError as exc:
        raise YamlError(read_problem(exc), where) from None


def _decode(data: bytes, name: str) -> str:
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise YamlError("UTF-16 text, not UTF-8; save the file as UTF-8", Location(name, 1, 1))
    nul = data.find(b"\x00")
    if nul >= 0:
        raise YamlError("binary file, not YAML text", Location(name, *_byte_position(data, nul)))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _byte_position(data, exc.start)
        raise YamlError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at line {line}, column {column}); "
            "save the file as UTF-8",
            Location(name, line, column),
        ) from None


def _byte_position(data: bytes, index: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, index) + 1
    # Columns count characters, like YAML marks do, not bytes.
    column = len(data[line_start:index].decode("utf-8", "replace")) + 1
    return data.count(b"\n", 0, index) + 1, column


def _text_position(text: str, index: int) -> tuple[int, int]:
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def _clip(text: str, limit: int = 60) -> str:
    """A value quoted in a message: one line, long ones cut in the middle."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else f"{text[: limit - 20]}...{text[-17:]}"


def _at(name: str, mark: Any) -> Location:
    if mark is None:
        return Location(name)
    return Location(name, mark.line + 1, mark.column + 1)


def _parse(text: str, name: str) -> tuple[Any, SourceMap]:
    loader_class = _LOADER
    try:
        _scan(loader_class(text), name)
        root = yaml.compose(text, Loader=loader_class)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if "maximum nesting depth" in problem and loader_class is not yaml.SafeLoader:
            # libyaml's scanner reads ahead through flow collections and hits its own
            # limit first; the pure-Python scanner finds where ours is crossed.
            _scan(yaml.SafeLoader(text), name)
            raise _too_deep(name, mark) from None
        raise YamlError(f"YAML syntax error: {problem}", _at(name, mark)) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML syntax error: {exc}", Location(name)) from None
    source = SourceMap(name)
    if root is None:
        return None, source
    builder = _Builder(name, source)
    return builder.value(root, ()), source


def _show_tag(tag: str) -> str:
    if tag.startswith(_CORE):
        return "!!" + tag[len(_CORE) :]
    if tag.startswith("!"):
        return tag
    return f"!<{tag}>"


def _check_tag(tag: str | None, allowed: frozenset[str], kind: str, name: str, mark: Any) -> None:
    if tag is None or tag == "!" or tag in allowed:
        return
    if tag in _SCALAR_TAGS or tag in (_SEQ, _MAP):
        raise YamlError(
            f"YAML tag '{_show_tag(tag)}' cannot be used on {kind}; remove the tag",
            _at(name, mark),
        )
    raise YamlError(
        f"YAML tag '{_show_tag(tag)}' is not allowed: advisor reads plain data only",
        _at(name, mark),
    )


_SEQ_TAGS = frozenset([_SEQ])
_MAP_TAGS = frozenset([_MAP])


def _scan(loader: Any, name: str) -> None:
    """Checks the event stream before anything is composed or built.

    Nothing here expands an alias: each anchor's expanded size and height
    are computed once when it closes, so an alias bomb is caught after a few
    hundred events, and nesting that would crash libyaml's recursive
    composer is refused first.
    """
    max_nodes, max_depth = MAX_NODES, MAX_DEPTH
    total = 0  # nodes the document expands to so far
    documents = 0
    # One frame per open collection: [deepest level reached inside, total before it, anchor id].
    frames: list[list] = []
    anchors: dict[str, int] = {}  # anchor name -> id of its latest definition
    shapes: dict[int, tuple[int, int]] = {}  # definition id -> (expanded size, height)
    open_anchors: set[int] = set()
    definitions = 0
    aliases = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            kind = type(event)
            if kind is ScalarEvent:
                _check_tag(event.tag, _SCALAR_TAGS, "a text value", name, event.start_mark)
                total += 1
                if event.anchor is not None:
                    definitions += 1
                    anchors[event.anchor] = definitions
                    shapes[definitions] = (1, 0)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if kind is MappingStartEvent:
                    _check_tag(event.tag, _MAP_TAGS, "a mapping", name, event.start_mark)
                else:
                    _check_tag(event.tag, _SEQ_TAGS, "a list", name, event.start_mark)
                depth = len(frames) + 1
                if depth > max_depth:
                    raise _too_deep(name, event.start_mark)
                anchor_id = None
                if event.anchor is not None:
                    definitions += 1
                    anchor_id = anchors[event.anchor] = definitions
                    open_anchors.add(anchor_id)
                frames.append([depth, total, anchor_id])
                total += 1
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                reached, before, anchor_id = frames.pop()
                if frames and frames[-1][0] < reached:
                    frames[-1][0] = reached
                if anchor_id is not None:
                    open_anchors.discard(anchor_id)
                    shapes[anchor_id] = (total - before, reached - len(frames))
            elif kind is AliasEvent:
                aliases += 1
                anchor_id = anchors.get(event.anchor)
                if anchor_id is None:
                    raise YamlError(
                        f"undefined alias '*{event.anchor}'; define the anchor "
                        f"'&{event.anchor}' before using it",
                        _at(name, event.start_mark),
                    )
                if anchor_id in open_anchors:
                    raise YamlError(
                        f"alias '*{event.anchor}' is inside its own anchor (a loop); "
                        "advisor cannot expand it, remove the alias",
                        _at(name, event.start_mark),
                    )
                size, height = shapes[anchor_id]
                total += size
                if height:
                    reached = len(frames) + height
                    if reached > max_depth:
                        raise _too_deep(name, event.start_mark, event.anchor)
                    if frames and frames[-1][0] < reached:
                        frames[-1][0] = reached
            elif kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise YamlError(
                        "several YAML documents in one file; keep one",
                        _at(name, event.start_mark),
                    )
            if total > max_nodes:
                raise _too_many(name, event.start_mark, aliases)
    finally:
        loader.dispose()


def _too_many(name: str, mark: Any, aliases: int) -> YamlError:
    # Only aliases can make a file under the size limit this large; without one the file
    # simply holds too many values.
    if aliases:
        return YamlError(
            f"YAML document expands to more than {MAX_NODES} nodes (alias bomb?); "
            "use fewer aliases",
            _at(name, mark),
        )
    return YamlError(
        f"YAML document has more than {MAX_NODES:,} values, the limit; split it or "
        "keep fewer entries",
        _at(name, mark),
    )


def _too_deep(name: str, mark: Any, alias: str | None = None) -> YamlError:
    through = f" (through alias '*{alias}')" if alias is not None else ""
    return YamlError(
        f"nested deeper than {MAX_DEPTH} levels{through}; flatten the data",
        _at(name, mark),
    )


class _Builder:
    """Builds plain data from composed nodes and fills a source map.

    Every visit builds new objects, so a value reached through two aliases
    yields two independent copies, each located at its anchor.
    """

    __slots__ = ("name", "source", "values", "keys", "count", "merge_memo")

    def __init__(self, name: str, source: SourceMap) -> None:
        self.name = name
        self.source = source
        self.values = source._values
        self.keys = source._keys
        self.count = 0
        self.merge_memo: dict[int, dict] = {}

    def value(self, node: Any, path: tuple) -> Any:
        mark = node.start_mark
        self.values[path] = (mark.line + 1, mark.column + 1)
        self.count += 1
        if self.count > MAX_NODES:  # the scan bounds this; kept as a second line of defence
            raise _too_many(self.name, mark, aliases=1)
        kind = type(node)
        if kind is ScalarNode:
            return self.scalar(node)
        if kind is SequenceNode:
            value = self.value
            return [value(item, (*path, index)) for index, item in enumerate(node.value)]
        if kind is MappingNode:
            keys = self.keys
            result = {}
            for key, (key_node, value_node) in self.pairs(node).items():
                sub = (*path, key)
                key_mark = key_node.start_mark
                keys[sub] = (key_mark.line + 1, key_mark.column + 1)
                result[key] = self.value(value_node, sub)
            return result
        raise YamlError(f"unexpected YAML node {kind.__name__}", _at(self.name, mark))

    def scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag == _STR:
            return node.value
        build = _SCALAR_BUILDERS.get(tag)
        if build is None:
            if tag in (_MERGE, _VALUE):
                # A bare '<<' or '=' outside a key is meant as text.
                return node.value
            raise YamlError(
                f"YAML tag '{_show_tag(tag)}' is not allowed: advisor reads plain data only",
                _at(self.name, node.start_mark),
            )
        try:
            if tag == _TIMESTAMP:
                self.source.dates += 1
            return build(_CONSTRUCTOR, node)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
            raise YamlError(
                f"'{_clip(node.value)}' is not a valid {_SCALAR_KINDS[tag]}; "
                "quote it to keep it as text",
                _at(self.name, node.start_mark),
            ) from None

    def key(self, node: Any) -> Any:
        if type(node) is not ScalarNode:
            what = "list" if type(node) is SequenceNode else "mapping"
            raise YamlError(
                f"a {what} cannot be a mapping key; use text or a number",
                _at(self.name, node.start_mark),
            )
        key = self.scalar(node)
        if not isinstance(key, _KEY_TYPES):
            raise YamlError(
                f"mapping key '{_clip(node.value)}' is read as a {_SCALAR_KINDS[node.tag]}; "
                "quote it to use it as text",
                _at(self.name, node.start_mark),
            )
        return key

    def pairs(self, node: MappingNode) -> dict[Any, tuple[Any, Any]]:
        """Returns key -> (key node, value node) in order, with merge keys applied.

        Merged keys take the place of the ``<<`` entry; keys written in the
        mapping itself win over merged ones, and earlier merge sources win
        over later ones.
        """
        out: dict[Any, tuple[Any, Any]] = {}
        explicit: set = set()
        merge_node = None
        for key_node, value_node in node.value:
            if type(key_node) is ScalarNode and key_node.tag == _MERGE:
                if merge_node is not None:
                    raise self.duplicate(key_node, merge_node)
                merge_node = key_node
                for source in self.merge_sources(value_node):
                    for key, pair in self.merged_pairs(source).items():
                        if key not in out:
                            out[key] = pair
                continue
            key = self.key(key_node)
            if key in explicit:
                raise self.duplicate(key_node, out[key][0])
            explicit.add(key)
            out[key] = (key_node, value_node)
        return out

    def merged_pairs(self, node: MappingNode) -> dict[Any, tuple[Any, Any]]:
        # Anchored defaults are usually merged many times; resolve them once.
        found = self.merge_memo.get(id(node))
        if found is None:
            found = self.merge_memo[id(node)] = self.pairs(node)
        return found

    def merge_sources(self, node: Any) -> list[MappingNode]:
        if type(node) is MappingNode:
            return [node]
        if type(node) is SequenceNode:
            for item in node.value:
                if type(item) is not MappingNode:
                    break
            else:
                return list(node.value)
        raise YamlError(
            "merge key '<<' needs a mapping or a list of mappings, e.g. '<<: *defaults'",
            _at(self.name, node.start_mark),
        )

    def duplicate(self, node: ScalarNode, first: ScalarNode) -> YamlError:
        return YamlError(
            f"duplicate key '{_clip(node.value)}' (first at {_at(self.name, first.start_mark)}); "
            "remove one of them",
            _at(self.name, node.start_mark),
        )
