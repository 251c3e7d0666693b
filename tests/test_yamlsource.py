"""Tests for advisor.load.yamlsource: plain data, exact locations, and refusing unsafe input."""

from __future__ import annotations

import datetime
import os
import pathlib

import pytest
import yaml

from advisor.errors import YamlError
from advisor.load import yamlsource
from advisor.load.yamlsource import SourceMap, load_yaml, load_yaml_text
from advisor.model.location import Location

HAS_LIBYAML = hasattr(yaml, "CSafeLoader")


@pytest.fixture(autouse=True, params=["libyaml", "python"])
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs every test with the C loader and with the pure-Python fallback."""
    if request.param == "libyaml":
        if not HAS_LIBYAML:
            pytest.skip("PyYAML built without libyaml")
        monkeypatch.setattr(yamlsource, "_LOADER", yaml.CSafeLoader)
    else:
        monkeypatch.setattr(yamlsource, "_LOADER", yaml.SafeLoader)
    return request.param


def write(tmp_path: pathlib.Path, content: str | bytes, name: str = "f.yaml") -> pathlib.Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def load(tmp_path: pathlib.Path, content: str | bytes, **kwargs):
    return load_yaml(write(tmp_path, content), display_name="f.yaml", **kwargs)


def fail(tmp_path: pathlib.Path, content: str | bytes, **kwargs) -> YamlError:
    with pytest.raises(YamlError) as info:
        load(tmp_path, content, **kwargs)
    return info.value


def at(line: int, column: int) -> Location:
    return Location("f.yaml", line, column)


# --- plain data -------------------------------------------------------------


def test_plain_types_match_safe_load(tmp_path):
    text = (
        "s: text\ni: 3\nf: 2.5\nb: true\nn: null\nd: 2026-02-03\n"
        "t: 2026-02-03T10:00:00Z\nq: '2026-02-03'\nl: [1, two, ~]\n1: int key\n"
    )
    data, _ = load(tmp_path, text)
    assert data == yaml.safe_load(text)
    assert isinstance(data["d"], datetime.date)
    assert isinstance(data["t"], datetime.datetime)
    assert data["q"] == "2026-02-03"
    assert 1 in data
    assert list(data) == ["s", "i", "f", "b", "n", "d", "t", "q", "l", 1]


def test_location_file_is_path_as_given_or_display_name(tmp_path):
    path = write(tmp_path, "a: 1\n")
    _, source = load_yaml(path)
    assert source.file == str(path)
    assert source.get(("a",)) == Location(str(path), 1, 4)
    _, source = load_yaml(str(path), display_name="rules/x.yaml")
    assert str(source.get(("a",))) == "rules/x.yaml:1:4"


def test_load_yaml_text(tmp_path):
    data, source = load_yaml_text("a: [1, 2]\n", "inline.yaml")
    assert data == {"a": [1, 2]}
    assert source.get(("a", 1)) == Location("inline.yaml", 1, 8)
    with pytest.raises(YamlError) as info:
        load_yaml_text("a: 1\na: 2\n", "inline.yaml")
    assert info.value.location == Location("inline.yaml", 2, 1)


def test_large_list_loads_with_locations(tmp_path, loader):
    # Speed is measured by benchmarks/run.py, never asserted here (shared, noisy machines).
    text = "items:\n" + "".join(
        f"  - id: item{i}\n    score: {i}\n    tags: [a, b]\n" for i in range(10_000)
    )
    path = write(tmp_path, text)
    data, source = load_yaml(path)
    assert len(data["items"]) == 10_000
    assert source.get(("items", 9_999, "tags", 1)).line == 30_001


# --- locations ----------------------------------------------------------------

NESTED = """\
name: demo
roles:
  - id: engineer
    weight: 0.5
    tags: [a, "b"]
  - id: manager
"""


def test_locations_of_nested_values(tmp_path):
    _, source = load(tmp_path, NESTED)
    assert source.get(()) == at(1, 1)
    assert source.get(("name",)) == at(1, 7)
    assert source.get(("roles",)) == at(3, 3)
    assert source.get(("roles", 0)) == at(3, 5)
    assert source.get(("roles", 0, "weight")) == at(4, 13)
    assert source.get(("roles", 0, "tags", 1)) == at(5, 15)
    assert source.get(("roles", 1, "id")) == at(6, 9)
    assert source.get(("roles", 2)) is None
    assert source.get(("nope",)) is None


def test_locations_of_keys(tmp_path):
    _, source = load(tmp_path, NESTED)
    assert source.key_location(("roles",)) == at(2, 1)
    assert source.key_location(("roles", 0, "weight")) == at(4, 5)
    assert source.key_location(("roles", 0)) is None  # a list index has no key
    assert source.key_location(()) is None
    assert source.key_location(("roles", 0, "missing")) is None


def test_locate_uses_longest_existing_prefix(tmp_path):
    _, source = load(tmp_path, NESTED)
    assert source.locate(("roles", 0, "weight")) == at(4, 13)
    assert source.locate(("roles", 0, "missing", "deeper")) == at(3, 5)
    assert source.locate(("roles", 7)) == at(3, 3)
    assert source.locate(("nope",)) == at(1, 1)
    assert source.locate(["roles", 0, "id"]) == at(3, 9)  # any sequence works


def test_locate_falls_back_to_start_of_file():
    assert SourceMap("x.yaml").locate(("a", 1)) == Location("x.yaml", 1, 1)


def test_unicode_columns_count_characters(tmp_path):
    _, source = load(tmp_path, "ééé: [ü, x]\n")
    assert source.get(("ééé", 1)) == at(1, 10)


# --- aliases and merge keys -----------------------------------------------------


def test_aliases_expand_to_independent_copies(tmp_path):
    data, source = load(tmp_path, "base: &b {x: [1, 2]}\nother: *b\n")
    assert data["other"] == data["base"] == {"x": [1, 2]}
    assert data["other"] is not data["base"]
    assert data["other"]["x"] is not data["base"]["x"]
    # Aliased values are located where they are written: at the anchor.
    assert source.get(("other", "x", 1)) == at(1, 18)
    assert source.get(("base", "x", 1)) == at(1, 18)
    assert source.key_location(("other",)) == at(2, 1)


def test_scalar_alias(tmp_path):
    data, _ = load(tmp_path, "a: &v 3\nb: *v\nc: [*v, *v]\n")
    assert data == {"a": 3, "b": 3, "c": [3, 3]}


def test_merge_keys_follow_standard_semantics(tmp_path):
    text = """\
defaults: &defaults
  timeout: 10
  retries: 3
extra: &extra
  retries: 5
  verbose: true
job:
  <<: [*defaults, *extra]
  timeout: 20
  name: build
"""
    data, source = load(tmp_path, text)
    assert data["job"] == {"timeout": 20, "retries": 3, "verbose": True, "name": "build"}
    assert list(data["job"]) == ["timeout", "retries", "verbose", "name"]
    assert "<<" not in data["job"]
    assert source.get(("job", "timeout")) == at(9, 12)
    assert source.get(("job", "retries")) == at(3, 12)  # from the first source
    assert source.key_location(("job", "verbose")) == at(6, 3)


def test_merge_of_a_single_mapping_and_nested_merges(tmp_path):
    text = "a: &a {x: 1, y: 1}\nb: &b {<<: *a, y: 2}\nc: {<<: *b, z: 3}\n"
    data, _ = load(tmp_path, text)
    assert data["c"] == {"x": 1, "y": 2, "z": 3}


def test_merge_needs_mappings(tmp_path):
    err = fail(tmp_path, "a: 1\nb:\n  <<: [1, 2]\n")
    assert err.message.startswith("merge key '<<' needs a mapping or a list of mappings")
    assert err.location == at(3, 7)


def test_two_merge_keys_are_duplicates(tmp_path):
    err = fail(tmp_path, "a: &a {x: 1}\nb:\n  <<: *a\n  <<: *a\n")
    assert err.message == "duplicate key '<<' (first at f.yaml:3:3); remove one of them"
    assert err.location == at(4, 3)


def test_undefined_alias(tmp_path):
    err = fail(tmp_path, "a: 1\nb: *nope\n")
    assert err.message.startswith("undefined alias '*nope'")
    assert err.location == at(2, 4)


def test_recursive_alias_is_refused_quickly(tmp_path):
    err = fail(tmp_path, "a: &a\n  - x\n  - *a\n")
    assert "alias '*a' is inside its own anchor" in err.message
    assert err.location == at(3, 5)


def test_recursive_merge_is_refused(tmp_path):
    err = fail(tmp_path, "a: &a\n  x: 1\n  <<: *a\n")
    assert "inside its own anchor" in err.message
    assert err.location == at(3, 7)


def billion_laughs(levels: int = 9, width: int = 10) -> str:
    lines = ["lol0: &lol0 [" + ", ".join(['"lol"'] * width) + "]"]
    for level in range(1, levels):
        refs = ", ".join([f"*lol{level - 1}"] * width)
        lines.append(f"lol{level}: &lol{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_fails_fast(tmp_path):
    text = billion_laughs()
    err = fail(tmp_path, text)
    assert err.message.startswith(
        f"YAML document expands to more than {yamlsource.MAX_NODES} nodes (alias bomb?)"
    )
    # Pointed at the alias that crosses the budget.
    line = text.splitlines()[err.location.line - 1]
    assert line[err.location.column - 1 :].startswith("*lol")


def test_node_budget_counts_alias_expansions(tmp_path, monkeypatch):
    # root 1 + key 1 + [1, 2, 3] 4 + key 1 + list 1 + two copies 8 = 16 nodes
    text = "a: &a [1, 2, 3]\nb: [*a, *a]\n"
    monkeypatch.setattr(yamlsource, "MAX_NODES", 16)
    assert load(tmp_path, text)[0] == {"a": [1, 2, 3], "b": [[1, 2, 3], [1, 2, 3]]}
    monkeypatch.setattr(yamlsource, "MAX_NODES", 15)
    err = fail(tmp_path, text)
    assert err.message.startswith("YAML document expands to more than 15 nodes")
    assert err.location == at(2, 9)


# --- depth ----------------------------------------------------------------------


def test_nesting_at_the_limit_is_fine(tmp_path):
    data, _ = load(tmp_path, "[" * 64 + "]" * 64)
    for _ in range(63):
        data = data[0]
    assert data == []


def test_nesting_beyond_the_limit_fails_at_the_deep_value(tmp_path):
    err = fail(tmp_path, "[" * 65 + "]" * 65)
    assert err.message.startswith("nested deeper than 64 levels")
    assert err.location == at(1, 65)


def test_block_nesting_beyond_the_limit(tmp_path):
    text = "".join("  " * level + "k:\n" for level in range(64)) + "  " * 64 + "k: v\n"
    err = fail(tmp_path, text)
    assert err.message.startswith("nested deeper than 64 levels")
    assert err.location == at(65, 129)


def test_very_deep_nesting_fails_fast_without_crashing(tmp_path):
    # libyaml's composer recurses in C and crashes the interpreter on input like this.
    err = fail(tmp_path, "[" * 200_000 + "]" * 200_000)
    assert err.location == at(1, 65)


def test_alias_expansion_counts_towards_depth(tmp_path):
    text = "a: &a " + "[" * 63 + "]" * 63 + "\nb: [*a]\n"
    err = fail(tmp_path, text)
    assert err.message.startswith("nested deeper than 64 levels (through alias '*a')")
    assert err.location == at(2, 5)


# --- tags ------------------------------------------------------------------------


def test_python_object_tag_runs_nothing(tmp_path):
    canary = tmp_path / "canary"
    text = f"ok: 1\nx: !!python/object/apply:os.system ['touch {canary}']\n"
    err = fail(tmp_path, text)
    assert err.message == (
        "YAML tag '!!python/object/apply:os.system' is not allowed: advisor reads plain data only"
    )
    assert err.location == at(2, 4)
    assert not canary.exists()
    # The same document would run the command under an unsafe loader.
    yaml.unsafe_load(text)
    assert canary.exists()


@pytest.mark.parametrize(
    ("text", "shown", "column"),
    [
        ("a: !foo 1\n", "!foo", 4),
        ("a: !!binary aGVsbG8=\n", "!!binary", 4),
        ("a: !!python/name:os.system\n", "!!python/name:os.system", 4),
        ("a: !!set {x, y}\n", "!!set", 4),
        ("a: !<tag:example.com,2000:x> 1\n", "!<tag:example.com,2000:x>", 4),
        ("? !!python/tuple [1, 2]\n: v\n", "!!python/tuple", 3),
    ],
)
def test_other_tags_are_refused(tmp_path, text, shown, column):
    err = fail(tmp_path, text)
    assert err.message == f"YAML tag '{shown}' is not allowed: advisor reads plain data only"
    assert err.location == at(1, column)


def test_core_tags_are_fine(tmp_path):
    data, _ = load(tmp_path, "a: !!str 12\nb: !!int '7'\nc: !!map {x: !!seq [1]}\nd: ! 5\n")
    assert data == {"a": "12", "b": 7, "c": {"x": [1]}, "d": 5}


def test_core_tag_on_the_wrong_kind_of_node(tmp_path):
    err = fail(tmp_path, "a: 1\nx: !!str {a: 1}\n")
    assert err.message == "YAML tag '!!str' cannot be used on a mapping; remove the tag"
    assert err.location == at(2, 4)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!int abc\n", "'abc' is not a valid integer; quote it to keep it as text"),
        ("a: 2026-02-30\n", "'2026-02-30' is not a valid date; quote it to keep it as text"),
    ],
)
def test_invalid_scalars(tmp_path, text, message):
    err = fail(tmp_path, text)
    assert err.message == message
    assert err.location == at(1, 4)


def test_bare_merge_and_value_indicators_are_text(tmp_path):
    assert load(tmp_path, "a: =\nb: <<\n")[0] == {"a": "=", "b": "<<"}


# --- keys --------------------------------------------------------------------


def test_duplicate_keys(tmp_path):
    err = fail(tmp_path, "a: 1\nb:\n  x: 1\n  y: 2\n  x: 3\n")
    assert err.message == "duplicate key 'x' (first at f.yaml:3:3); remove one of them"
    assert err.location == at(5, 3)


def test_keys_equal_after_construction_are_duplicates(tmp_path):
    err = fail(tmp_path, "1: a\n0x1: b\n")
    assert err.message.startswith("duplicate key '0x1' (first at f.yaml:1:1)")
    assert err.location == at(2, 1)


def test_explicit_key_overriding_merged_key_is_not_a_duplicate(tmp_path):
    data, _ = load(tmp_path, "a: &a {x: 1}\nb: {<<: *a, x: 2}\n")
    assert data["b"] == {"x": 2}


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("? [a, b]\n: 1\n", "a list cannot be a mapping key; use text or a number", 3),
        ("? {a: b}\n: 1\n", "a mapping cannot be a mapping key; use text or a number", 3),
        (
            "2026-01-01: x\n",
            "mapping key '2026-01-01' is read as a date; quote it to use it as text",
            1,
        ),
    ],
)
def test_bad_keys(tmp_path, text, message, column):
    err = fail(tmp_path, text)
    assert err.message == message
    assert err.location == at(1, column)


# --- syntax and documents --------------------------------------------------------


def test_syntax_error_is_located(tmp_path):
    err = fail(tmp_path, "a: 1\nkey: value: other\n")
    assert err.message.startswith("YAML syntax error: mapping values are not allowed")
    assert err.location == at(2, 11)


def test_unclosed_flow_sequence(tmp_path):
    err = fail(tmp_path, "a: [1, 2\nb: 3\n")
    assert err.message.startswith("YAML syntax error: ")
    assert err.location.line >= 2


@pytest.mark.parametrize(
    ("text", "line"),
    [("a: 1\n---\nb: 2\n", 2), ("a: 1\n---\n", 2), ("---\na: 1\n--- b\n", 3)],
)
def test_several_documents_are_refused(tmp_path, text, line):
    err = fail(tmp_path, text)
    assert err.message == "several YAML documents in one file; keep one"
    assert err.location == at(line, 1)


def test_one_explicit_document_is_fine(tmp_path):
    assert load(tmp_path, "---\na: 1\n...\n")[0] == {"a": 1}


@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n# and another\n", "\ufeff"])
def test_empty_file_gives_none(tmp_path, content):
    data, source = load(tmp_path, content)
    assert data is None
    assert source.file == "f.yaml"
    assert source.locate(("anything",)) == at(1, 1)


# --- encoding ----------------------------------------------------------------------


def test_bom_is_accepted_and_stripped(tmp_path):
    data, source = load(tmp_path, b"\xef\xbb\xbfa: 1\nb: [x]\n")
    assert data == {"a": 1, "b": ["x"]}
    assert list(data) == ["a", "b"]
    assert source.get(("a",)) == at(1, 4)


@pytest.mark.parametrize(
    ("content", "byte", "line", "column"),
    [
        (b"a: 1\nb: 2\nc: x\xff\n", "0xff", 3, 5),
        (b"name: caf\xe9\n", "0xe9", 1, 10),
        ("éé: ".encode() + b"\xc3(\n", "0xc3", 1, 5),
    ],
)
def test_non_utf8_bytes(tmp_path, content, byte, line, column):
    err = fail(tmp_path, content)
    assert err.message == (
        f"not UTF-8 text (byte {byte} at line {line}, column {column}); save the file as UTF-8"
    )
    assert err.location == at(line, column)


def test_utf16_is_named(tmp_path):
    err = fail(tmp_path, "a: 1\n".encode("utf-16"))
    assert err.message == "UTF-16 text, not UTF-8; save the file as UTF-8"


@pytest.mark.parametrize(
    ("content", "line", "column"),
    [(b"a: 1\nb: x\x00y\n", 2, 5), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 3, 1)],
)
def test_nul_byte_means_binary(tmp_path, content, line, column):
    err = fail(tmp_path, content)
    assert err.message == "binary file, not YAML text"
    assert err.location == at(line, column)


def test_control_character_is_refused(tmp_path):
    err = fail(tmp_path, "a: 1\nb: \x07\n")
    assert err.message == "character U+0007 is not allowed in YAML; remove it"
    assert err.location == at(2, 4)


def test_nul_in_text_input():
    with pytest.raises(YamlError, match="binary file, not YAML text"):
        load_yaml_text("a: \x00", "t.yaml")


# --- files -------------------------------------------------------------------------


def test_size_limit(tmp_path):
    err = fail(tmp_path, "a: " + "x" * 297 + "\n", max_bytes=100)
    assert err.message == "file is 301 B, over the 100 B limit"
    assert err.location == Location("f.yaml")
    assert str(err) == "f.yaml: file is 301 B, over the 100 B limit"


def test_size_at_the_limit_is_fine(tmp_path):
    assert load(tmp_path, "a: 1\n", max_bytes=5)[0] == {"a": 1}


def test_default_size_limit_checks_stat_before_reading(tmp_path):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as handle:
        handle.truncate(int(6.2 * 1024 * 1024))  # sparse: nothing is written
    with pytest.raises(YamlError) as info:
        load_yaml(path)
    assert info.value.message == "file is 6.2 MB, over the 5 MB limit"


def test_read_is_capped_when_stat_understates_the_size(tmp_path, monkeypatch):
    path = write(tmp_path, "a: " + "x" * 200 + "\n")
    real_stat = os.stat

    class SmallStat:
        def __init__(self, real):
            self.st_mode = real.st_mode
            self.st_size = 10

    monkeypatch.setattr(yamlsource.os, "stat", lambda p: SmallStat(real_stat(p)))
    with pytest.raises(YamlError, match="over the 100 B limit"):
        load_yaml(path, max_bytes=100)


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(YamlError) as info:
        load_yaml(path)
    assert info.value.message == "no such file"
    assert info.value.location == Location(str(path))


def test_directory(tmp_path):
    with pytest.raises(YamlError) as info:
        load_yaml(tmp_path)
    assert info.value.message == "is a folder, expected a YAML file"
    assert info.value.location == Location(str(tmp_path))


def test_permission_denied(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root can read files whatever their mode")
    path = write(tmp_path, "a: 1\n")
    path.chmod(0)
    try:
        with pytest.raises(YamlError) as info:
            load_yaml(path)
    finally:
        path.chmod(0o644)
    assert info.value.message == "permission denied"
    assert info.value.location == Location(str(path))


def test_permission_denied_on_open(tmp_path, monkeypatch):
    path = write(tmp_path, "a: 1\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    from advisor.load import paths

    monkeypatch.setattr(paths.os, "open", refuse)  # the capped read opens it
    with pytest.raises(YamlError) as info:
        load_yaml(path, display_name="x.yaml")
    assert info.value.message == "permission denied"
    assert info.value.location == Location("x.yaml")
