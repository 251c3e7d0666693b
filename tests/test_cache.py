"""The speed machinery: the rulebook cache.

Each must give exactly what the slow path gives; the cache must never serve
a stale, corrupt or other-version entry.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from advisor.cli.app import cli
from advisor.errors import AdvisorError, Location, RulebookError
from advisor.evaluation.engine import Profile, evaluate
from advisor.load import cache
from advisor.load.resources import builtin_rules
from advisor.load.rulebook import Rulebook, load_rulebook, rulebook_files
from advisor.rendering.templates import render


@pytest.fixture(autouse=True)
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(folder))
    monkeypatch.delenv("ADVISOR_NO_CACHE", raising=False)
    return folder


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("rulebook-*.cache")) if folder.is_dir() else []


def fresh(paths: Any = None) -> Rulebook:
    """A rulebook loaded without the cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ADVISOR_NO_CACHE", "1")
        return load_rulebook(paths)


def view(book: Rulebook) -> dict[str, Any]:
    """Everything in a rulebook as plain data, to compare a cached one with a fresh one."""

    def dump(obj: Any) -> Any:
        return obj.model_dump()

    return {
        "meta": dump(book.meta),
        "levels": [dump(x) for x in book.levels],
        **{
            sec: {k: dump(v) for k, v in getattr(book, sec).items()}
            for sec in ("roles", "stages", "benchmarks", "sources", "models", "metrics")
        },
        "questions": [dump(q) for q in book.questions],
        "tests": [dump(t) for t in book.tests],
        "tables": [
            {
                "spec": dump(t.spec),
                "kinds": t.input_kinds,
                "loc": t.location,
                "rank": t.priority_rank,
                "rules": [
                    (
                        r.id,
                        r.table_id,
                        r.index,
                        r.tests,
                        r.location,
                        r.cell_locations,
                        {k: v is None for k, v in r.templates.items()},
                        r.spec is t.spec.rules[r.index],
                    )
                    for r in t.rules
                ],
            }
            for t in book.tables
        ],
        "files": book.files,
        "locations": book.locations,
        "changes": book.changes,
        "aliases": book.aliases,
    }


def guide_of(book: Rulebook, fmt: str = "md", **profile: Any) -> str:
    result = evaluate(
        book,
        Profile(**{"model": "gpt-5.5", "baseline": "gpt-5.4", "date": "2026-01-01", **profile}),
    )
    return render(result, book, fmt)


def copy_builtin(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(builtin_rules(), target)
    return target


# --------------------------------------------------------------------------- hits


def test_second_load_is_a_hit_and_equals_a_fresh_load(cache_folder: Path) -> None:
    first = load_rulebook()
    assert type(first.meta).__module__ == "advisor.model.schema"  # validated with pydantic
    assert len(entries(cache_folder)) == 1
    second = load_rulebook()
    assert type(second.meta).__module__ == "advisor.load.cache"  # rebuilt from the cache
    assert view(second) == view(first) == view(fresh())


def test_a_hit_gives_the_same_guides_and_json(cache_folder: Path) -> None:
    load_rulebook()
    hit = load_rulebook()
    assert type(hit.meta).__module__ == "advisor.load.cache"
    slow = fresh()
    for fmt in ("md", "json"):
        assert guide_of(hit, fmt) == guide_of(slow, fmt)
    for profile in (
        {"model": "gpt-5.4", "baseline": None},
        {"model": "gpt-5.5", "roles": ["mle"]},
        {"scores": {"mle-bench": 12.5}, "model": "x", "baseline": None},
    ):
        a, b = evaluate(hit, Profile(**profile)), evaluate(slow, Profile(**profile))
        assert a.to_dict() == b.to_dict()
        assert [
            (t.table, t.matched, t.chosen, [str(n) for n in t.near_misses]) for t in a.traces
        ] == [(t.table, t.matched, t.chosen, [str(n) for n in t.near_misses]) for t in b.traces]


def unread(obj: Any) -> bool:
    """Whether a cached rulebook or rule still holds its unread part (tests, locations)."""
    return object.__getattribute__(obj, "_later") is not None


def test_a_guide_never_reads_rule_tests_or_locations_and_they_load_on_first_use(
    cache_folder: Path,
) -> None:
    load_rulebook()
    hit = load_rulebook()
    rules = list(hit.rules())
    guide_of(hit)
    assert unread(hit) and all(unread(r) for r in rules)
    assert hit.where("rule", "ds-hands-on-low") == fresh().where("rule", "ds-hands-on-low")
    assert not unread(hit) and not any(unread(r) for r in rules)  # all at once
    assert view(hit) == view(fresh())
    # Any other first use fills them too; an unknown attribute is still an error.
    again = load_rulebook()
    first_rule = next(iter(again.rules()))
    fresh_rule = fresh().rule(first_rule.id)
    assert fresh_rule is not None and first_rule.cell_locations == fresh_rule.cell_locations
    assert not unread(again)
    with pytest.raises(AttributeError, match="'Rulebook' object has no attribute 'nope'"):
        again.nope  # type: ignore[attr-defined]  # noqa: B018


def test_only_a_deferred_field_loads_the_unread_part(cache_folder: Path) -> None:
    load_rulebook()
    hit = load_rulebook()
    rule = next(iter(hit.rules()))
    assert not hasattr(hit, "nope") and not hasattr(rule, "__deepcopy__")
    assert unread(hit) and unread(rule)


def test_fields_in_another_order_than_the_encoder_knows_mean_no_entry(
    cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The decoder builds intervals by position: a reordered class must not be cached.
    monkeypatch.setitem(cache._FIELDS, "Interval", ("hi", "lo", "lo_closed", "hi_closed"))
    load_rulebook()
    assert entries(cache_folder) == []


def test_a_field_assigned_before_the_first_read_keeps_its_value(cache_folder: Path) -> None:
    load_rulebook()
    hit = load_rulebook()
    rule = next(iter(hit.rules()))
    hit.locations = {}
    rule.cell_locations = {"role": Location("mine.yaml", 1, 1)}
    assert hit.tests  # the first read fills what is still unset...
    assert hit.locations == {}  # ...and nothing that was assigned
    assert rule.cell_locations == {"role": Location("mine.yaml", 1, 1)}
    assert next(r for r in hit.rules() if r is not rule).cell_locations


def rewrite_entry(entry: Path, edit: Any) -> None:
    """Change an entry's data with ``edit(data)`` and give it a matching checksum."""
    import hashlib
    import marshal

    head, _, body = entry.read_bytes().partition(b"\n")
    data = marshal.loads(body)
    edit(data)
    body = marshal.dumps(data)
    header = json.loads(head)
    header["sha256"] = hashlib.sha256(body).hexdigest()
    entry.write_bytes(json.dumps(header).encode() + b"\n" + body)


def test_a_damaged_unread_part_is_a_clear_error(cache_folder: Path) -> None:
    import marshal

    load_rulebook()
    [entry] = entries(cache_folder)
    # The unread part of a real entry, holding fewer rules than the rulebook (with a
    # valid checksum: only a bug could write that).
    rewrite_entry(
        entry,
        lambda data: data["book"].update(
            later=marshal.dumps({"tests": [], "locations": [], "cells": []})
        ),
    )
    hit = load_rulebook()
    assert type(hit.meta).__module__ == "advisor.load.cache"
    with pytest.raises(AdvisorError, match="cache entry is damaged.*ADVISOR_NO_CACHE=1"):
        hit.tests  # noqa: B018


def test_records_behave_like_the_models_they_stand_for(cache_folder: Path) -> None:
    load_rulebook()
    hit, slow = load_rulebook(), fresh()
    model, expected = hit.models["gpt-5.5"], slow.models["gpt-5.5"]
    assert model.model_dump() == expected.model_dump()
    assert type(model.scores[0]).__name__ == "Score" and model.scores[0].benchmark
    assert repr(model).startswith("Model(id='gpt-5.5', ")
    with pytest.raises(TypeError):
        model.name = "changed"  # type: ignore[misc]
    dumped = model.model_dump()
    dumped["scores"].clear()  # a dump is a copy
    assert model.scores


def test_cli_output_is_the_same_from_the_cache(tmp_path: Path, cache_folder: Path) -> None:
    runner = CliRunner()
    args = ["guide", "--defaults", "--date", "2026-01-01", "-o", "-"]
    cold = runner.invoke(cli, args, env={"ADVISOR_NO_CACHE": "1"})
    first = runner.invoke(cli, args)
    [entry] = entries(cache_folder)
    written = entry.stat().st_mtime_ns
    warm = runner.invoke(cli, args)
    assert cold.exit_code == first.exit_code == warm.exit_code == 0, warm.output
    assert cold.stdout == first.stdout == warm.stdout
    assert entries(cache_folder) == [entry]
    assert entry.stat().st_mtime_ns == written  # a hit: a miss would have rewritten it


# --------------------------------------------------------------------------- invalidation


def test_editing_a_file_is_a_miss(tmp_path: Path, cache_folder: Path) -> None:
    rules = copy_builtin(tmp_path)
    load_rulebook(rules)
    assert type(load_rulebook(rules).meta).__module__ == "advisor.load.cache"
    advice = rules / "advice.yaml"
    advice.write_text(
        advice.read_text(encoding="utf-8").replace(
            "Do data processing and training yourself;", "Edited, do it yourself;", 1
        ),
        encoding="utf-8",
    )
    edited = load_rulebook(rules)
    assert type(edited.meta).__module__ == "advisor.model.schema"
    edited_rule = edited.rule("ds-hands-on-low")
    assert edited_rule is not None and edited_rule.spec.text.startswith("Edited, do it yourself;")
    assert view(load_rulebook(rules)) == view(fresh(rules))


def test_adding_a_file_is_a_miss(tmp_path: Path, cache_folder: Path) -> None:
    rules = copy_builtin(tmp_path)
    load_rulebook(rules)
    (rules / "more.yaml").write_text(
        "sources:\n  - {id: extra-source, title: An extra source}\n", encoding="utf-8"
    )
    assert "extra-source" in load_rulebook(rules).sources


def test_editing_an_extended_base_is_a_miss(tmp_path: Path, cache_folder: Path) -> None:
    base = copy_builtin(tmp_path)
    org = tmp_path / "org.yaml"
    org.write_text("rulebook: {id: org, name: Org}\nextends: rules\n", encoding="utf-8")
    assert load_rulebook(org).meta.id == "org"
    assert type(load_rulebook(org).meta).__module__ == "advisor.load.cache"
    models = base / "models.yaml"
    models.write_text(
        models.read_text(encoding="utf-8").replace("name: GPT-5.5", "name: GPT-5.5 (edited)", 1),
        encoding="utf-8",
    )
    book = load_rulebook(org)
    assert book.models["gpt-5.5"].name == "GPT-5.5 (edited)"
    assert view(book) == view(fresh(org))


def test_another_advisor_version_never_reads_the_entry(
    cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_rulebook()
    [entry] = entries(cache_folder)
    monkeypatch.setattr(cache, "__version__", "99.0.0")
    assert type(load_rulebook().meta).__module__ == "advisor.model.schema"
    assert len(entries(cache_folder)) == 2
    # Even an entry renamed to the new key is refused: its header names the old key.
    key = cache.key_for(rulebook_files([builtin_rules()]))
    assert key is not None
    shutil.copy(entry, cache_folder / f"rulebook-{key}.cache")
    assert cache.load(key) is None


def test_another_cache_format_never_reads_the_entry(
    cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_rulebook()
    monkeypatch.setattr(cache, "FORMAT", cache.FORMAT + 1)
    assert type(load_rulebook().meta).__module__ == "advisor.model.schema"


def test_the_working_folder_is_part_of_the_key(
    tmp_path: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Locations are written relative to the working folder.
    rules = copy_builtin(tmp_path)
    monkeypatch.chdir(tmp_path)
    first = load_rulebook(Path("rules"))
    monkeypatch.chdir(rules)
    second = load_rulebook(Path("."))
    assert first.files[0].startswith("rules/") and not second.files[0].startswith("rules/")
    assert len(entries(cache_folder)) == 2


# --------------------------------------------------------------------------- corruption


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: b"",
        lambda raw: raw[: len(raw) // 2],
        lambda raw: b"not json at all\n{}",
        lambda raw: raw.replace(b"ds-hands-on-low", b"ds-hands-on-lox", 1),  # checksum fails
        lambda raw: b"\xff\xfe" + raw,
    ],
)
def test_a_corrupt_entry_is_ignored_and_replaced(cache_folder: Path, damage: Any) -> None:
    load_rulebook()
    [entry] = entries(cache_folder)
    entry.write_bytes(damage(entry.read_bytes()))
    book = load_rulebook()
    assert type(book.meta).__module__ == "advisor.model.schema"
    assert view(book) == view(fresh())
    assert type(load_rulebook().meta).__module__ == "advisor.load.cache"  # rewritten


def test_an_entry_with_a_valid_checksum_but_the_wrong_shape_is_ignored(cache_folder: Path) -> None:
    load_rulebook()
    [entry] = entries(cache_folder)
    # A rule index that does not exist.
    rewrite_entry(entry, lambda data: data["book"]["tables"][0]["rules"][0].__setitem__(0, 10_000))
    book = load_rulebook()
    assert type(book.meta).__module__ == "advisor.model.schema"  # ignored: loaded from the files
    assert view(book) == view(fresh())
    assert type(load_rulebook().meta).__module__ == "advisor.load.cache"  # and replaced


def test_an_unwritable_cache_folder_only_costs_speed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(blocker / "cache"))
    assert load_rulebook().meta.id == "builtin"
    assert load_rulebook().meta.id == "builtin"


def test_entries_hold_plain_data_only(cache_folder: Path) -> None:
    import marshal

    load_rulebook()
    [entry] = entries(cache_folder)
    head, _, body = entry.read_bytes().partition(b"\n")
    header, data = json.loads(head), marshal.loads(body)
    assert header["format"] == cache.FORMAT and header["version"] and header["python"]
    assert set(data) == {"deps", "book"}

    def plain(value: Any) -> bool:
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return value is None or isinstance(value, (str, int, float, bool))

    # What a guide never reads is a blob of its own, marshalled the same way.
    later = data["book"].pop("later")
    assert isinstance(later, bytes)
    assert plain(data) and plain(marshal.loads(later))  # no code objects, tuples or sets


# --------------------------------------------------------------------------- switches


def test_no_cache_turns_it_off(cache_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_NO_CACHE", "1")
    load_rulebook()
    assert type(load_rulebook().meta).__module__ == "advisor.model.schema"
    assert not cache_folder.exists()


def test_cache_folder_follows_xdg_and_home() -> None:
    assert cache.cache_dir({"ADVISOR_CACHE_DIR": "/c"}) == "/c"
    assert cache.cache_dir({"XDG_CACHE_HOME": "/x", "HOME": "/h"}) == "/x/advisor"
    assert cache.cache_dir({"XDG_CACHE_HOME": "relative", "HOME": "/h"}) == "/h/.cache/advisor"
    assert cache.cache_dir({"HOME": "/h"}) == "/h/.cache/advisor"
    assert cache.cache_dir({"HOME": "/h", "ADVISOR_NO_CACHE": "1"}) is None
    assert cache.cache_dir({"HOME": "/h", "ADVISOR_NO_CACHE": "0"}) == "/h/.cache/advisor"


def test_invalid_rulebooks_are_never_cached(tmp_path: Path, cache_folder: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("rulebook: {id: bad, name: Bad}\nroles: [{id: r}]\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(RulebookError):
            load_rulebook(bad)
    assert entries(cache_folder) == []


def test_a_value_the_cache_cannot_keep_means_no_entry(tmp_path: Path, cache_folder: Path) -> None:
    rules = copy_builtin(tmp_path)
    (rules / "dated.yaml").write_text(
        "tests:\n  - id: dated\n    given: {model: gpt-5.5, answers: {since: 2026-01-02}}\n"
        "    expect: [{role: data-scientist}]\n",
        encoding="utf-8",
    )
    for _ in range(2):
        book = load_rulebook(rules)
        assert type(book.meta).__module__ == "advisor.model.schema"
    assert entries(cache_folder) == []


def test_old_entries_are_pruned(
    tmp_path: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "MAX_ENTRIES", 2)
    rules = copy_builtin(tmp_path)
    extra = rules / "extra.yaml"
    for i in range(4):
        extra.write_text(f"sources:\n  - {{id: s{i}, title: S{i}}}\n", encoding="utf-8")
        load_rulebook(rules)
    assert len(entries(cache_folder)) == 2


# --------------------------------------------------------------------------- answers files

ANSWERS = "team: Fraud ML\nroles: [ds, mle]\nmodel: gpt-5.5\nbaseline: none\n"


def answer_entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("answers-*.cache")) if folder.is_dir() else []


def read_answers(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, bool]:
    """Read an answers file; also say whether it came from the cache (PyYAML untouched)."""
    from advisor.evaluation import questionnaire
    from advisor.load import yamlsource

    calls = []
    real = yamlsource.load_yaml

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(yamlsource, "load_yaml", counting)
    got = questionnaire.load_answers_file(path)
    monkeypatch.setattr(yamlsource, "load_yaml", real)
    return got, not calls


def test_an_answers_file_read_before_comes_from_the_cache(
    tmp_path: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(ANSWERS, encoding="utf-8")
    first, cached = read_answers(path, monkeypatch)
    assert not cached and len(answer_entries(cache_folder)) == 1
    again, cached = read_answers(path, monkeypatch)
    assert cached and again == first
    assert first[1]["roles"] == f"{path}:2:8"


def test_an_edited_or_renamed_answers_file_is_a_miss(
    tmp_path: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(ANSWERS, encoding="utf-8")
    read_answers(path, monkeypatch)
    path.write_text(ANSWERS.replace("Fraud ML", "Risk ML"), encoding="utf-8")
    (answers, _), cached = read_answers(path, monkeypatch)
    assert not cached and answers["team"] == "Risk ML"
    # The same bytes under another name: locations name the file, so it is read again.
    other = tmp_path / "other.yaml"
    other.write_text(ANSWERS.replace("Fraud ML", "Risk ML"), encoding="utf-8")
    (_, origins), cached = read_answers(other, monkeypatch)
    assert not cached and origins["team"] == f"{other}:1:7"


def test_bad_answers_files_are_never_cached_and_fail_every_time(
    tmp_path: Path, cache_folder: Path
) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(cli, ["guide", "--answers", str(path), "-o", "-"])
        assert result.exit_code == 2
        assert f"{path}:1:1: an answers file is a mapping" in result.output
    assert answer_entries(cache_folder) == []


def test_answers_marshal_cannot_keep_are_read_every_time(
    tmp_path: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(ANSWERS + "when: 2026-01-01\n", encoding="utf-8")
    for _ in range(2):
        (answers, _), cached = read_answers(path, monkeypatch)
        assert not cached and str(answers["when"]) == "2026-01-01"
    assert answer_entries(cache_folder) == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[:-3],  # truncated
        lambda raw: raw.replace(b"Fraud", b"Frauf", 1),  # checksum fails
        lambda raw: b"not json\n" + raw.partition(b"\n")[2],
    ],
)
def test_a_corrupt_answers_entry_is_ignored_and_replaced(
    tmp_path: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch, damage: Any
) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(ANSWERS, encoding="utf-8")
    first, _ = read_answers(path, monkeypatch)
    [entry] = answer_entries(cache_folder)
    entry.write_bytes(damage(entry.read_bytes()))
    again, cached = read_answers(path, monkeypatch)
    assert not cached and again == first
    assert read_answers(path, monkeypatch) == (first, True)


def test_an_answers_entry_of_the_wrong_shape_is_ignored(
    tmp_path: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(ANSWERS, encoding="utf-8")
    read_answers(path, monkeypatch)
    key = cache.answers_key(path)
    assert key is not None and cache.load_answers(key) is not None  # the good entry is read
    wrongs: list[Any] = [[{1: "x"}, {}], [{}, {"team": 3}], {"a": 1}, [[], {}]]
    for wrong in wrongs:
        assert cache._write("answers-", key, wrong)
        assert cache.load_answers(key) is None


def test_an_answers_file_edited_while_it_is_read_is_not_cached(
    tmp_path: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from advisor.load import yamlsource

    path = tmp_path / "answers.yaml"
    path.write_text(ANSWERS, encoding="utf-8")
    real = yamlsource.load_yaml

    def read_then_edit(*args: Any, **kwargs: Any) -> Any:
        got = real(*args, **kwargs)
        path.write_text(ANSWERS + "# edited meanwhile\n", encoding="utf-8")
        return got

    monkeypatch.setattr(yamlsource, "load_yaml", read_then_edit)
    from advisor.evaluation.questionnaire import load_answers_file

    load_answers_file(path)
    assert answer_entries(cache_folder) == []


def test_answers_entries_are_pruned_apart_from_rulebooks(
    tmp_path: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "MAX_ENTRIES", 2)
    load_rulebook()
    for i in range(4):
        path = tmp_path / f"answers-{i}.yaml"
        path.write_text(ANSWERS, encoding="utf-8")
        read_answers(path, monkeypatch)
    assert len(answer_entries(cache_folder)) == 2
    assert len(entries(cache_folder)) == 1


# --------------------------------------------------------------------------- what start-up imports

PROBE = """
import json, sys
from advisor.cli.app import main
code = 0
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"modules": sorted({m.split(".")[0] for m in sys.modules}), "code": code}),
      file=sys.stderr)
"""


#: Modules a warm run does without.
HEAVY = {"pydantic", "rich", "questionary", "dataclasses", "calendar", "yaml"}


def imported_heavy(tmp_path: Path, *args: str, heavy: set[str] = HEAVY) -> list[str]:
    import os
    import subprocess
    import sys

    env = {**os.environ, "ADVISOR_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    got = json.loads(proc.stderr.strip().splitlines()[-1])
    assert got["code"] in (0, None), proc.stderr  # the command itself worked
    return sorted(set(got["modules"]) & heavy)


def test_a_hit_reads_each_file_once(
    tmp_path: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The key holds every byte of the files it was made from; only extends: bases
    # are read and hashed again on a hit.
    rules = copy_builtin(tmp_path)
    org = tmp_path / "org.yaml"
    org.write_text("rulebook: {id: org, name: Org}\nextends: rules\n", encoding="utf-8")
    load_rulebook(org)
    reads: list[str] = []
    real = cache._read_small

    def counting(path: Any) -> bytes | None:
        reads.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(cache, "_read_small", counting)
    assert type(load_rulebook(org).meta).__module__ == "advisor.load.cache"
    assert sorted(reads) == sorted(["org.yaml", *(p.name for p in rules.glob("*.yaml"))])


def test_a_rulebook_edited_while_it_loads_is_not_cached(
    tmp_path: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from advisor.load import rulebook

    rules = copy_builtin(tmp_path)
    advice = rules / "advice.yaml"
    original = advice.read_text(encoding="utf-8")
    real_load = rulebook._load

    def load_then_edit(*args: Any, **kwargs: Any) -> Rulebook:
        book = real_load(*args, **kwargs)
        advice.write_text(original + "\n# edited meanwhile\n", encoding="utf-8")
        return book

    monkeypatch.setattr(rulebook, "_load", load_then_edit)
    load_rulebook(rules)
    assert entries(cache_folder) == []


def test_help_imports_nothing_heavy(tmp_path: Path) -> None:
    assert imported_heavy(tmp_path, "--help") == []


def test_a_guide_from_answers_with_a_warm_cache_needs_neither_pydantic_rich_nor_yaml(
    tmp_path: Path,
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "team: T\nmodel: gpt-5.5\nbaseline: gpt-5.4\nroles: [mle]\nstages: [data-processing]\n",
        encoding="utf-8",
    )
    args = ("guide", "--answers", str(answers), "-o", str(tmp_path / "g.md"), "--force")
    first = imported_heavy(tmp_path, *args)  # the first run validates and parses YAML
    assert "pydantic" in first and "yaml" in first
    (tmp_path / "g.md").unlink()  # the guide below is the warm run's own
    assert imported_heavy(tmp_path, *args) == []
    assert (tmp_path / "g.md").read_text(encoding="utf-8").startswith("# T: adopting GPT-5.5")
