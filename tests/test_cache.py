"""The cache of parsed YAML files: a hit gives what parsing gives; the folder is not trusted.

Everything runs through the CLI on real files. An entry holds only parsed data
and positions, under a name that hashes the file's bytes, and what is read
from it is validated again: whatever someone puts in the cache folder can
cost speed, never change advice, hang a run or exhaust its memory.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest
import yaml
from click.testing import CliRunner

import advisor
from advisor.cli.app import cli
from advisor.load import cache
from advisor.load.resources import builtin_rules
from advisor.load.yamlsource import load_yaml

GUIDE = ["guide", "--defaults", "--date", "2026-01-01", "--force"]


@pytest.fixture(autouse=True)
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(folder))
    monkeypatch.delenv("ADVISOR_NO_CACHE", raising=False)
    monkeypatch.chdir(tmp_path)
    return folder


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.msgpack")) if folder.is_dir() else []


def entry_for(folder: Path, file: Path) -> Path:
    """Where the entry of ``file`` lives: the name hashes the versions and the bytes."""
    h = hashlib.sha256()
    for part in (
        cache.FORMAT,
        advisor.__version__.encode(),
        msgspec.__version__.encode(),
        yaml.__version__.encode(),
    ):
        h.update(b"%d\0" % len(part) + part)
    h.update(file.read_bytes())
    return folder / (h.hexdigest() + ".msgpack")


def copy_builtin(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(builtin_rules(), target)
    return target


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI in a child process (so a hang or a memory blow-up cannot take the tests)."""
    return subprocess.run(
        [sys.executable, "-m", "advisor", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )


def guide(out: str = "g.json", *extra: str) -> str:
    result = CliRunner().invoke(cli, [*GUIDE, "--format", "json", "-o", out, *extra])
    assert result.exit_code == 0, result.output
    return Path(out).read_text(encoding="utf-8")


def fresh_guide(out: str, *extra: str) -> str:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ADVISOR_NO_CACHE", "1")
        return guide(out, *extra)


# --------------------------------------------------------------------------- hits


def test_a_warm_run_gives_the_same_guide_as_a_cold_one(cache_folder: Path) -> None:
    cold = fresh_guide("cold.json")
    assert entries(cache_folder) == []
    first = guide("first.json")
    files = sorted(p for p in Path(builtin_rules()).iterdir() if p.suffix == ".yaml")
    assert entries(cache_folder) == sorted(entry_for(cache_folder, f) for f in files)
    stamps = [p.stat().st_mtime_ns for p in entries(cache_folder)]
    assert guide("warm.json") == first == cold
    assert [p.stat().st_mtime_ns for p in entries(cache_folder)] == stamps  # read, not rewritten


def test_entries_are_private_to_the_user(cache_folder: Path) -> None:
    guide()
    assert stat.S_IMODE(cache_folder.stat().st_mode) == 0o700
    for p in entries(cache_folder):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600


def test_locations_from_a_hit_use_the_current_name(tmp_path: Path, cache_folder: Path) -> None:
    rules = copy_builtin(tmp_path)
    assert CliRunner().invoke(cli, ["rules", "validate", "rules"]).exit_code == 0
    (tmp_path / "other").mkdir()
    shutil.copytree(rules, tmp_path / "other" / "copy")  # the same bytes: the same entries
    os.chdir(tmp_path / "other")
    result = CliRunner().invoke(
        cli,
        [
            "explain",
            "--role",
            "ds",
            "--model",
            "gpt-5.4",
            "--stage",
            "data-processing",
            "--rules",
            "copy",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert '"copy/advice.yaml:' in result.stdout and "rules/" not in result.stdout


def test_an_edited_file_is_a_miss(tmp_path: Path, cache_folder: Path) -> None:
    rules = copy_builtin(tmp_path)
    before = guide("a.json", "--rules", str(rules))
    meta = rules / "rulebook.yaml"
    meta.write_text(
        meta.read_text(encoding="utf-8").replace('version: "2026.11"', 'version: "2026.12"', 1),
        encoding="utf-8",
    )
    after = guide("b.json", "--rules", str(rules))
    assert after == before.replace('"version": "2026.11"', '"version": "2026.12"') != before
    assert entry_for(cache_folder, meta).exists()


def test_invalid_files_are_never_cached(tmp_path: Path, cache_folder: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("roles:\n  - id: Not An Id\n    name: x\n", encoding="utf-8")
    for _ in range(2):
        result = CliRunner().invoke(cli, ["rules", "validate", str(bad)])
        assert result.exit_code == 1
        assert "bad.yaml:2:9: roles.0.id: expected text matching" in result.stderr
    assert entries(cache_folder) == []
    answers = tmp_path / "answers.yaml"
    answers.write_text("- a list\n", encoding="utf-8")
    result = CliRunner().invoke(cli, [*GUIDE, "--answers", str(answers), "-o", "g.md"])
    assert result.exit_code == 2
    assert entries(cache_folder)  # the built-in rulebook's files
    assert not entry_for(cache_folder, answers).exists()


def test_data_msgpack_cannot_give_back_is_not_cached(tmp_path: Path, cache_folder: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(builtin_rules(), rules)
    models = rules / "models.yaml"
    # An unquoted date is read by YAML as a date; msgpack would give back text.
    models.write_text(
        models.read_text(encoding="utf-8").replace('date: "2026-04-23"', "date: 2026-04-23", 1),
        encoding="utf-8",
    )
    first = guide("a.json", "--rules", str(rules))
    assert not entry_for(cache_folder, models).exists()
    assert entry_for(cache_folder, rules / "advice.yaml").exists()
    assert guide("b.json", "--rules", str(rules)) == first


def test_old_entries_are_pruned(
    tmp_path: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "MAX_ENTRIES", 8)
    rules = copy_builtin(tmp_path)
    extra = rules / "extra.yaml"
    for i in range(4):
        extra.write_text(f"sources:\n  - {{id: s{i}, title: S{i}}}\n", encoding="utf-8")
        guide(f"{i}.json", "--rules", str(rules))
    assert len(entries(cache_folder)) == 8
    assert entry_for(cache_folder, extra).exists()  # the newest is kept


def test_no_cache_turns_it_off(cache_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_NO_CACHE", "1")
    guide()
    assert not cache_folder.exists()


def test_the_default_folder_is_the_platform_cache_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ADVISOR_CACHE_DIR"}
    env.update(HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "xdg"))
    result = subprocess.run(
        [sys.executable, "-m", "advisor", "rules", "validate"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    if sys.platform.startswith("linux"):
        assert list((tmp_path / "xdg" / "advisor").glob("*.msgpack"))


# --------------------------------------------------------------------------- a hostile folder

OTHER_BOOK = """\
rulebook: {id: evil, name: Evil}
autonomy:
  - {id: autonomous, name: Autonomous, ai: everything, human: nothing}
"""


def plant(target: Path, body: bytes) -> None:
    target.parent.mkdir(mode=0o700, exist_ok=True)
    target.write_bytes(body)
    target.chmod(0o600)


def valid_entry_of(tmp_path: Path, text: str) -> bytes:
    """A well-formed entry, as the cache writes one, of a file holding ``text``."""
    f = tmp_path / "other.yaml"
    f.write_text(text, encoding="utf-8")
    data, smap = load_yaml(f)
    values, keys = smap.positions()
    return msgspec.msgpack.encode(
        cache.Entry(
            data,
            [(list(p), *v) for p, v in values.items()],
            [(list(p), *v) for p, v in keys.items()],
        )
    )


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x00" * 100,
        b"not msgpack at all",
        b"\x93\x01\x02",  # three items, wrong types
        msgspec.msgpack.encode([{"rulebook": 5}, [], []]),  # decodes, but the data is invalid
        msgspec.msgpack.encode(["x", [[["a"], "1", 2]], []]),  # a position that is not a number
        b"\xdd\xff\xff\xff\xff",  # an array claiming four billion items
    ],
    ids=["empty", "zeros", "text", "wrong-types", "invalid-data", "bad-position", "huge-array"],
)
def test_a_corrupt_or_planted_entry_is_a_miss_and_is_replaced(
    cache_folder: Path, body: bytes
) -> None:
    clean = fresh_guide("clean.json")
    advice = Path(builtin_rules()) / "advice.yaml"
    target = entry_for(cache_folder, advice)
    plant(target, body)
    assert guide("g.json") == clean
    assert target.read_bytes() != body  # rewritten with what the file really holds
    assert guide("again.json") == clean


def test_a_valid_entry_of_another_rulebook_under_the_right_name_changes_nothing(
    tmp_path: Path, cache_folder: Path
) -> None:
    clean = fresh_guide("clean.json")
    planted = valid_entry_of(tmp_path, OTHER_BOOK)
    advice = Path(builtin_rules()) / "advice.yaml"
    models = Path(builtin_rules()) / "models.yaml"
    for f in (advice, models):
        plant(entry_for(cache_folder, f), planted)
    # The planted data is validated like fresh YAML: each is a valid rulebook file, but
    # together they do not make a valid rulebook, so every file is read afresh and the
    # entries are replaced. (An entry of this user's that makes a valid rulebook is
    # trusted: whoever can write it as the user can edit the rulebook itself.)
    assert guide("p.json") == clean
    assert entry_for(cache_folder, advice).read_bytes() != planted
    assert guide("again.json") == clean


def test_an_entry_owned_by_someone_else_or_shared_is_not_read(cache_folder: Path) -> None:
    clean = fresh_guide("clean.json")
    advice = Path(builtin_rules()) / "advice.yaml"
    target = entry_for(cache_folder, advice)
    plant(target, b"garbage")
    target.chmod(0o666)  # world-writable entry: still only read if ours, and it is garbage
    assert guide("g.json") == clean


def test_a_valid_entry_owned_by_another_user_is_not_read(
    tmp_path: Path, cache_folder: Path
) -> None:
    if os.getuid() != 0:
        pytest.skip("making a file owned by another user needs root")
    clean = fresh_guide("clean.json")
    models = Path(builtin_rules()) / "models.yaml"
    text = models.read_text(encoding="utf-8").replace("score: 36", "score: 96")
    target = entry_for(cache_folder, models)
    plant(target, valid_entry_of(tmp_path, text))
    os.chown(target, 65534, 65534)
    assert guide("g.json") == clean


def test_a_fifo_in_place_of_an_entry_does_not_hang(cache_folder: Path) -> None:
    advice = Path(builtin_rules()) / "advice.yaml"
    target = entry_for(cache_folder, advice)
    cache_folder.mkdir(mode=0o700)
    os.mkfifo(target, 0o600)
    result = run(*GUIDE, "-o", "g.md", env={"ADVISOR_CACHE_DIR": str(cache_folder)})
    assert result.returncode == 0, result.stderr
    assert Path("g.md").read_text(encoding="utf-8").startswith("# ")
    assert target.is_file()  # replaced by a real entry


@pytest.mark.parametrize("kind", ["dev-zero", "huge-file"])
def test_an_endless_or_huge_entry_is_not_read_into_memory(
    tmp_path: Path, cache_folder: Path, kind: str
) -> None:
    advice = Path(builtin_rules()) / "advice.yaml"
    target = entry_for(cache_folder, advice)
    cache_folder.mkdir(mode=0o700)
    if kind == "dev-zero":
        target.symlink_to("/dev/zero")
    else:
        with open(target, "wb") as fh:
            fh.truncate(cache.MAX_ENTRY * 4)  # sparse: large, costs no disk
        target.chmod(0o600)
    code = (
        "import resource, sys, runpy\n"
        "resource.setrlimit(resource.RLIMIT_AS, (400 * 2**20, 400 * 2**20))\n"
        "sys.argv = ['advisor', *sys.argv[1:]]\n"
        "runpy.run_module('advisor', run_name='__main__')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *GUIDE, "-o", "g.md"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "ADVISOR_CACHE_DIR": str(cache_folder)},
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_a_folder_others_can_write_to_is_not_used(tmp_path: Path, cache_folder: Path) -> None:
    cache_folder.mkdir()
    cache_folder.chmod(0o777)
    advice = Path(builtin_rules()) / "advice.yaml"
    plant(entry_for(cache_folder, advice), valid_entry_of(tmp_path, OTHER_BOOK))
    before = sorted(p.name for p in cache_folder.iterdir())
    clean = fresh_guide("clean.json")
    assert guide("g.json") == clean
    assert sorted(p.name for p in cache_folder.iterdir()) == before  # nothing written either


def test_a_symlinked_folder_is_not_used(tmp_path: Path, cache_folder: Path) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    cache_folder.symlink_to(real)
    guide()
    assert list(real.iterdir()) == []


def test_a_folder_that_vanishes_or_cannot_be_made_only_costs_speed(
    tmp_path: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean = fresh_guide("clean.json")
    assert guide("a.json") == clean
    shutil.rmtree(cache_folder)
    assert guide("b.json") == clean  # made again
    assert entries(cache_folder)
    shutil.rmtree(cache_folder)
    cache_folder.write_text("a file where the folder should be")
    assert guide("c.json") == clean
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "blocked" / "cache"))
    (tmp_path / "blocked").write_text("not a folder")
    assert guide("d.json") == clean


# --------------------------------------------------------------------------- answers files

ANSWERS = "team: Fraud ML\nroles: [ds, mle]\nmodel: gpt-5.5\nbaseline: none\n"


def test_an_answers_file_is_cached_and_a_hit_gives_the_same_guide(
    tmp_path: Path, cache_folder: Path
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(ANSWERS, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ADVISOR_NO_CACHE", "1")
        cold = guide("cold.json", "--answers", str(answers))
    assert guide("a.json", "--answers", str(answers)) == cold
    assert entry_for(cache_folder, answers).exists()
    assert guide("b.json", "--answers", str(answers)) == cold
    plant(entry_for(cache_folder, answers), valid_entry_of(tmp_path, "- not a mapping\n"))
    assert guide("c.json", "--answers", str(answers)) == cold  # in doubt: the file is read


def test_a_bad_answer_from_a_hit_is_located_with_the_current_name(
    tmp_path: Path, cache_folder: Path
) -> None:
    for name in ("one.yaml", "two.yaml"):
        (tmp_path / name).write_text("team: x\nroles: [nobody]\nmodel: gpt-5.5\n")
        result = CliRunner().invoke(cli, [*GUIDE, "--answers", name, "-o", "g.md"])
        assert result.exit_code == 2
        assert f"(from {name}:2:9)" in result.stderr, result.stderr


# --------------------------------------------------------------------------- compiled templates


def md_guide(out: str, cache_dir: Path) -> str:
    result = run(*GUIDE, "-o", out, env={"ADVISOR_CACHE_DIR": str(cache_dir)})
    assert result.returncode == 0, result.stderr
    return Path(out).read_text(encoding="utf-8")


def test_the_guide_template_and_texts_are_compiled_once_and_kept(cache_folder: Path) -> None:
    first = md_guide("first.md", cache_folder)
    [kept] = cache_folder.glob("jinja-md-*.bytecode")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    texts = sorted(cache_folder.glob("jinja-text-*.bytecode"))  # the rule texts it rendered
    assert texts
    written = [f.stat().st_mtime_ns for f in [kept, *texts]]
    assert md_guide("second.md", cache_folder) == first
    # Read, not compiled and written again.
    assert [f.stat().st_mtime_ns for f in [kept, *texts]] == written


@pytest.mark.parametrize("what", ["garbage", "fifo", "symlink"])
def test_a_bad_compiled_template_is_compiled_afresh(cache_folder: Path, what: str) -> None:
    clean = md_guide("clean.md", cache_folder)
    [kept] = cache_folder.glob("jinja-md-*.bytecode")
    kept.unlink()
    if what == "garbage":
        kept.write_bytes(b"j2" + os.urandom(4096))
    elif what == "fifo":
        os.mkfifo(kept)
    else:
        kept.symlink_to("/dev/zero")
    assert md_guide("again.md", cache_folder) == clean  # no hang, no error, same guide
