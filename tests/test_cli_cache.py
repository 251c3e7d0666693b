"""`advisor cache path` and `advisor cache clear`, on a real cache folder (ADVISOR_CACHE_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from clitools import advisor_process, run

pytestmark = pytest.mark.usefixtures("workdir")


def cache_dir() -> Path:
    return Path(os.environ["ADVISOR_CACHE_DIR"])


def fill_cache() -> list[str]:
    """A run that leaves parsed rulebook files and compiled templates in the cache; their names."""
    # A process of its own: this one keeps its template environment, and the folder of
    # its compiled templates, from the first test that rendered a guide.
    result = advisor_process(
        "guide", "--defaults", "-o", "guide.md", "--force", capture_output=True
    )
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in cache_dir().iterdir())
    assert any(n.endswith(".msgpack") for n in names)
    assert any(n.endswith(".bytecode") for n in names)
    return names


def test_cache_path_prints_the_folder_in_use() -> None:
    result = run("cache", "path")
    assert result.exit_code == 0
    assert result.stdout == f"{cache_dir()}\n"
    fill_cache()
    assert run("cache", "path").stdout == f"{cache_dir()}\n"


def test_a_relative_cache_folder_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # It would make a new cache in every working folder (every checkout a CI job runs in).
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ADVISOR_CACHE_DIR", "relcache")
    result = run("cache", "path")
    assert result.exit_code == 1
    assert "ADVISOR_CACHE_DIR is not an absolute path" in result.stderr
    assert run("guide", "--defaults", "-o", "g.md").exit_code == 0
    assert not (tmp_path / "relcache").exists()


def test_cache_path_says_why_the_cache_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_NO_CACHE", "1")
    result = run("cache", "path")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"advisor: the cache is off: ADVISOR_NO_CACHE is set ({cache_dir()})\n"
    monkeypatch.delenv("ADVISOR_NO_CACHE")
    cache_dir().mkdir(mode=0o700)
    cache_dir().chmod(0o777)
    shared = run("cache", "path")
    assert shared.exit_code == 1
    assert "the cache is off: others can write to the folder" in shared.stderr
    # advisor itself does not use it either: nothing is written there.
    assert run("models").exit_code == 0
    assert list(cache_dir().iterdir()) == []


def test_cache_path_refuses_a_symlinked_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "real").mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "link"))
    result = run("cache", "path")
    assert result.exit_code == 1
    assert "the cache is off: the folder is a symlink" in result.stderr
    cleared = run("cache", "clear")
    assert cleared.exit_code == 1
    assert (
        cleared.stderr
        == f"advisor: error: {tmp_path / 'link'}: not cleared: the folder is a symlink\n"
    )


def test_cache_clear_removes_only_advisors_files(tmp_path: Path) -> None:
    names = fill_cache()
    folder = cache_dir()
    (folder / ".tmp-abc12_yz").write_bytes(b"left by an interrupted write")
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    outside = tmp_path / "precious.msgpack"
    outside.write_bytes(b"not the cache's")
    (folder / "link.msgpack").symlink_to(outside)
    (folder / "sub.msgpack").mkdir()
    result = advisor_process("cache", "clear", capture_output=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"removed {len(names) + 1} cache files from {folder}\n"
    assert sorted(p.name for p in folder.iterdir()) == ["link.msgpack", "notes.txt", "sub.msgpack"]
    assert (folder / "link.msgpack").is_symlink()
    assert outside.read_bytes() == b"not the cache's"
    # Nothing left to clear is not an error; advisor fills the cache again as before.
    again = run("cache", "clear")
    assert (again.exit_code, again.stdout) == (0, f"nothing to clear in {folder}\n")
    assert fill_cache()


def test_cache_clear_of_a_missing_folder_and_with_the_cache_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = run("cache", "clear")
    assert (result.exit_code, result.stdout) == (0, f"nothing to clear in {cache_dir()}\n")
    assert not cache_dir().exists()  # clearing makes no folder
    fill_cache()
    monkeypatch.setenv("ADVISOR_NO_CACHE", "1")
    off = run("cache", "clear")
    assert off.exit_code == 0
    assert off.stdout.startswith("removed ")
    assert list(cache_dir().iterdir()) == []


def test_cache_clear_refuses_a_folder_others_can_write(tmp_path: Path) -> None:
    fill_cache()
    before = sorted(cache_dir().iterdir())
    cache_dir().chmod(0o777)
    result = run("cache", "clear")
    assert result.exit_code == 1
    assert result.stderr == (
        f"advisor: error: {cache_dir()}: not cleared: others can write to the folder\n"
    )
    assert sorted(cache_dir().iterdir()) == before


def test_cache_is_listed_under_maintenance() -> None:
    help_text = run("--help").stdout
    assert "Maintenance:\n  cache  Show or clear advisor's cache of parsed files." in help_text


def test_cache_clear_removes_older_versions_files_and_nothing_named_alike(tmp_path: Path) -> None:
    """The rulebook-*/answers-* entries (JSON, then .cache) and temporary files of earlier
    advisor versions go too; the folder may be shared, so a file that merely looks like
    advisor's (another length of hash, another prefix) stays."""
    folder = cache_dir()
    folder.mkdir(mode=0o700, parents=True)
    digest = "0123456789abcdef" * 4
    older = [
        f"rulebook-{digest}.json",
        f"rulebook-{digest}.cache",
        f"answers-{digest}.cache",
        ".tmp-k2j4h5g_.cache",
        ".tmp-q9w8e7r6.json",
    ]
    alike = [
        "notes.msgpack",
        f"{digest[:40]}.msgpack",
        f"rulebook-{digest}.yaml",
        "rulebook-mine.cache",
        f"other-{digest}.cache",
        ".tmp-mine",
        "jinja-md-notes.bytecode",
        "README",
    ]
    for name in older + alike:
        (folder / name).write_bytes(b"x")
    result = advisor_process("cache", "clear", capture_output=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"removed {len(older)} cache files from {folder}\n"
    assert sorted(p.name for p in folder.iterdir()) == sorted(alike)
