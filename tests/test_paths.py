"""advisor.load.paths: what a path names, as the readers and writers of files see it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from advisor.load.paths import path_kind, read_fd_capped


def test_each_kind_of_path(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    (tmp_path / "dir").mkdir()
    os.mkfifo(tmp_path / "fifo")
    os.symlink("file", tmp_path / "to-file")
    os.symlink("dir", tmp_path / "to-dir")
    os.symlink("nothing", tmp_path / "dangling")
    os.symlink("loop", tmp_path / "loop")
    assert path_kind(tmp_path / "file") == "file"
    assert path_kind(str(tmp_path / "dir")) == "dir"
    assert path_kind(tmp_path / "fifo") == "other"
    assert path_kind("/dev/null") == "other"
    assert path_kind(tmp_path / "to-file") == "file"
    assert path_kind(tmp_path / "to-dir") == "dir"
    for absent in ("missing", "dangling", "loop", "file/below", "a\0b"):
        assert path_kind(os.path.join(tmp_path, absent)) is None, absent


def test_without_following_a_symlink_is_a_link(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    os.symlink("file", tmp_path / "to-file")
    os.symlink("nothing", tmp_path / "dangling")
    assert path_kind(tmp_path / "to-file", follow=False) == "link"
    assert path_kind(tmp_path / "dangling", follow=False) == "link"
    assert path_kind(tmp_path / "file", follow=False) == "file"
    assert path_kind(tmp_path / "missing", follow=False) is None


def test_a_name_too_long_is_an_error_not_absence(tmp_path: Path) -> None:
    with pytest.raises(OSError) as info:
        path_kind(tmp_path / ("x" * 300))
    assert "too long" in str(info.value)


def test_a_rulebook_folder_lists_its_yaml_files_as_pathlib_would(tmp_path: Path) -> None:
    from advisor.load.rulebook import rulebook_files

    rules = tmp_path / "rules"
    for name in (
        "a.yaml",
        "a-b.yaml",
        "A.yml",
        "a/b.yaml",
        "a/c/d.yaml",
        "a0.yaml",
        ".h.yaml",
        ".yaml",
        "notes.txt",
        "x.yaml.bak",
        "z/.yml",
        "..yaml",
        "...yml",
        "y.",
        "v.yaml.",
    ):
        (rules / name).parent.mkdir(parents=True, exist_ok=True)
        (rules / name).write_text("{}", encoding="utf-8")
    (rules / "dir.yaml").mkdir()
    os.symlink("..", rules / "loop")  # a symlinked folder is not entered
    os.symlink("a.yaml", rules / "link.yaml")
    os.symlink("missing.yaml", rules / "dangling.yaml")
    os.mkfifo(rules / "pipe.yaml")
    # The oracle: what the loader listed with pathlib before (rglob, suffix, is_file, sort).
    expected = sorted(p for p in rules.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    for given in (str(rules), str(rules) + "/", rules):
        got = rulebook_files([given])
        assert [Path(p) for p in got] == expected, given
    assert [os.path.relpath(p, rules) for p in rulebook_files([rules])] == [
        "...yml",
        "..yaml",
        ".h.yaml",
        "A.yml",
        "a/b.yaml",
        "a/c/d.yaml",
        "a-b.yaml",
        "a.yaml",
        "a0.yaml",
        "link.yaml",
    ]


@pytest.mark.parametrize("said", [0, 10, 5000, 300_000])
@pytest.mark.parametrize("real", [0, 10, 5000, 300_000])
def test_a_capped_read_gets_the_whole_file_whatever_size_fstat_said(
    tmp_path: Path, said: int, real: int
) -> None:
    """The size hint only sizes the first read: a file that grew (or shrank) since fstat is
    still read to its end, and never past the cap."""
    path = tmp_path / "f"
    data = bytes(range(256)) * (real // 256) + b"x" * (real % 256)
    path.write_bytes(data)
    fd = os.open(path, os.O_RDONLY)
    try:
        assert read_fd_capped(fd, 1_000_000, said) == data
    finally:
        os.close(fd)
    fd = os.open(path, os.O_RDONLY)
    try:
        # over a cap of 100 bytes: at most 101 come back, so the caller knows it is too big
        assert read_fd_capped(fd, 100, said) == data[:101]
    finally:
        os.close(fd)
