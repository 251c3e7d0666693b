"""One file under two names, names as long as the file system allows, and what a failed
write says.

Every pair of paths a command writes, or reads and writes, is compared by file identity
(device and inode): another spelling, a symlinked folder or a hard link is refused before
any work, with one line, even with ``--force``, and nothing is clobbered. Temporary files
have short names of their own, so any name the folder takes for the target works.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from clitools import run

pytestmark = pytest.mark.usefixtures("workdir")

OLD = "# precious, must survive\n"
ANSWERS = "team: Fraud ML\nroles: [ml-engineer]\nmodel: gpt-5.5\n"


def refused(result, code: int = 2) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == code, (result.exit_code, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert not [p for p in Path(".").rglob("*") if p.name.endswith(".tmp")]
    return lines[0]


def test_save_answers_into_the_guide_through_a_symlinked_folder() -> None:
    Path("real").mkdir()
    Path("link").symlink_to("real")
    Path("real/G.md").write_text(OLD)
    line = refused(
        run("guide", "--defaults", "-o", "real/G.md", "--save-answers", "link/G.md", "--force")
    )
    assert line == (
        "advisor: error: -o real/G.md and --save-answers link/G.md are the same file; "
        "choose another for -o"
    )
    assert Path("real/G.md").read_text() == OLD


def test_save_answers_into_the_guide_when_neither_exists_yet() -> None:
    Path("real").mkdir()
    Path("link").symlink_to("real")
    refused(run("guide", "--defaults", "-o", "real/G.md", "--save-answers", "link/G.md"))
    assert list(Path("real").iterdir()) == []


def test_save_answers_into_a_hard_link_of_the_guide() -> None:
    Path("G.md").write_text(OLD)
    os.link("G.md", "other-name.yaml")
    refused(
        run("guide", "--defaults", "-o", "G.md", "--save-answers", "other-name.yaml", "--force")
    )
    assert Path("G.md").read_text() == OLD and Path("other-name.yaml").read_text() == OLD


@pytest.mark.parametrize("flag", ["--answers", "--template", "--scores", "--since", "--rules"])
@pytest.mark.parametrize("how", ["hard link", "symlinked folder", "same name"])
def test_the_guide_over_one_of_its_inputs(flag: str, how: str) -> None:
    content = {
        "--answers": ANSWERS,
        "--template": "# {{ team }}\n",
        "--scores": "models: []\n",
        "--since": "models: []\n",
    }.get(flag)
    if flag == "--rules":
        Path("input.yaml").write_bytes(
            Path(__file__).parents[1].joinpath("rules", "guide.yaml").read_bytes()
        )
        content = Path("input.yaml").read_text()
    else:
        Path("input.yaml").write_text(content)  # type: ignore[arg-type]
    Path("dir").mkdir()
    Path("alias").symlink_to(".")
    if how == "hard link":
        os.link("input.yaml", "dir/out.md")
        out = "dir/out.md"
    elif how == "symlinked folder":
        out = "alias/input.yaml"
    else:
        out = "./input.yaml"
    extra = [] if flag == "--answers" else ["--defaults"]
    line = refused(run("guide", *extra, flag, "input.yaml", "-o", out, "--force"))
    assert line == (
        f"advisor: error: -o {out} and {flag} input.yaml are the same file; choose another for -o"
    )
    assert Path("input.yaml").read_text() == content
    assert Path(out).read_text() == content


def test_batch_refuses_to_write_a_guide_over_its_roster_or_template() -> None:
    Path("out").mkdir()
    Path("roster.csv").write_text("team,model\nA,gpt-5.5\nB,gpt-5.5\n")
    Path("t.j2").write_text("# {{ team }}\n")
    os.link("roster.csv", "out/a.md")  # the guide of team A would be the roster itself
    os.link("t.j2", "out/b.md")  # and team B's, the template
    result = run("batch", "roster.csv", "--out-dir", "out", "--template", "t.j2", "--force")
    assert result.exit_code == 1
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("advisor: error:")]
    assert errors == [
        f"advisor: error: roster.csv:2:1: --out-dir {Path('out/a.md').resolve()} and roster "
        "roster.csv are the same file; choose another for --out-dir",
        f"advisor: error: roster.csv:3:1: --out-dir {Path('out/b.md').resolve()} and "
        "--template t.j2 are the same file; choose another for --out-dir",
    ]
    assert Path("roster.csv").read_text() == "team,model\nA,gpt-5.5\nB,gpt-5.5\n"
    assert Path("out/a.md").samefile("roster.csv") and Path("out/b.md").samefile("t.j2")


def test_scores_import_and_diff_and_export_refuse_their_inputs() -> None:
    Path("board.csv").write_text(
        "benchmark,agent,model,score,date,source\nmle-bench,A,m1,40,2026-01,s\n"
    )
    Path("s.yaml").write_text("models: []\n")
    os.link("board.csv", "board-copy.yaml")
    os.link("s.yaml", "s-copy.yaml")
    cases = [
        ["scores", "import", "board.csv", "-o", "board-copy.yaml", "--force"],
        ["diff", "--from", "s.yaml", "--to", "s.yaml", "-o", "s-copy.yaml", "--force"],
        ["rules", "export", "--scores", "s.yaml", "-o", "s-copy.yaml", "--force"],
    ]
    for argv in cases:
        line = refused(run(*argv))
        assert "are the same file" in line, argv
    assert Path("board-copy.yaml").read_text().startswith("benchmark,")
    assert Path("s-copy.yaml").read_text() == "models: []\n"


# --------------------------------------------------------------------------- long names


@pytest.mark.parametrize("argv", [["guide", "--defaults"], ["schema"], ["rules", "export"]])
def test_the_longest_name_the_folder_takes_is_written(argv: list[str]) -> None:
    name = "a" * 247 + ".md"  # 250 bytes: the file system takes up to 255
    Path(name).write_text("x")  # the folder does take it
    Path(name).unlink()
    result = run(*argv, "-o", name)
    assert result.exit_code == 0, result.stderr
    assert Path(name).stat().st_size > 100
    assert [p.name for p in Path(".").iterdir() if not p.name.startswith(".cache")] == [name]


# --------------------------------------------------------------------------- messages


def test_a_failed_write_of_a_new_file_does_not_speak_of_an_old_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    line = refused(run("guide", "--defaults", "-o", "new.md"), 1)
    assert (
        line == "advisor: error: new.md: write failed: No space left on device; no file was written"
    )
    assert not Path("new.md").exists()
