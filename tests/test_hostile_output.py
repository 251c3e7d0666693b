"""Where guides are written, and what hostile text does inside them.

Output paths: a folder, a missing folder, a read-only folder, an existing
file, a symlink, a device or pipe, a name too long, a write that fails half
way (disk full, rename refused) or is interrupted. Each time the existing
guide is left exactly as it was and no temporary file is left behind.

Injection: markup of every output format put in through the command line
(team names, answers files, scores files) comes out as literal text, read
back by a real parser of each format (tests/format_parsers.py).
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import Result
from clitools import advisor_process, child_env, run
from format_parsers import PARSERS, norm, parse_markdown

from advisor.cli.app import Terminated

#: Each test runs in its own folder, with its own rulebook cache (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("workdir")

OLD = "# The team's current guide\n\nhand-edited, must survive\n"


def leftovers(folder: Path | str = ".") -> list[str]:
    """Temporary files a write may have left behind."""
    return [p.name for p in Path(folder).iterdir() if p.name.endswith(".tmp")]


def guide(*extra: str) -> Result:
    return run("guide", "--defaults", *extra)


# --------------------------------------------------------------------------- output paths


def test_output_to_a_folder() -> None:
    Path("wiki").mkdir()
    result = guide("-o", "wiki")
    assert result.exit_code == 1
    assert result.stderr == (
        "advisor: error: wiki: is a folder; give a file name (-o wiki/GUIDE.md)\n"
    )
    assert list(Path("wiki").iterdir()) == []


def test_output_name_ending_with_a_slash_names_a_folder() -> None:
    Path("f.md").write_text(OLD)
    for name in ("f.md/", "new/"):
        result = guide("-o", name, "--force")
        assert result.exit_code == 1
        assert result.stderr == (
            f"advisor: error: {name}: ends with '/', so it names a folder; give a file name\n"
        )
    assert Path("f.md").read_text() == OLD and not Path("new").exists()
    Path("wiki").mkdir()
    assert guide("-o", "wiki/").stderr == (
        "advisor: error: wiki/: is a folder; give a file name (-o wiki/GUIDE.md)\n"
    )


def test_output_path_is_shown_as_given() -> None:
    Path("out").mkdir()
    result = run("guide", "--defaults", "-o", "./out//g.md")
    assert result.exit_code == 0
    assert result.stdout.startswith("Wrote ./out//g.md: 4 roles")
    assert Path("out/g.md").is_file()


def test_output_to_a_missing_folder() -> None:
    result = guide("-o", "nowhere/GUIDE.md")
    assert result.exit_code == 1
    assert result.stderr == (
        "advisor: error: nowhere/GUIDE.md: folder nowhere does not exist; create it first\n"
    )
    assert not Path("nowhere").exists()


def test_existing_guide_is_not_overwritten_without_force() -> None:
    Path("GUIDE.md").write_text(OLD)
    result = guide("-o", "GUIDE.md")
    assert result.exit_code == 1
    assert result.stderr == (
        "advisor: error: GUIDE.md: already exists; use --force to overwrite it\n"
    )
    assert Path("GUIDE.md").read_text() == OLD
    assert leftovers() == []


def test_force_replaces_the_guide_atomically_and_keeps_its_mode() -> None:
    Path("GUIDE.md").write_text(OLD)
    os.chmod("GUIDE.md", 0o640)
    result = guide("-o", "GUIDE.md", "--force")
    assert result.exit_code == 0, result.stderr
    assert Path("GUIDE.md").read_text(encoding="utf-8").startswith("# ML team: adopting GPT-5.5")
    assert Path("GUIDE.md").stat().st_mode & 0o777 == 0o640
    assert leftovers() == []


def test_symlink_to_a_file_elsewhere_is_replaced_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.md").write_text(OLD)
    Path("wiki").mkdir()
    os.symlink(outside / "precious.md", "wiki/GUIDE.md")
    result = guide("-o", "wiki/GUIDE.md")
    assert result.exit_code == 1
    assert result.stderr == (
        "advisor: error: wiki/GUIDE.md: already exists; use --force to overwrite it\n"
    )
    result = guide("-o", "wiki/GUIDE.md", "--force")
    assert result.exit_code == 0, result.stderr
    assert not Path("wiki/GUIDE.md").is_symlink()
    assert Path("wiki/GUIDE.md").read_text(encoding="utf-8").startswith("# ML team")
    assert (outside / "precious.md").read_text() == OLD
    assert leftovers("wiki") == [] and leftovers(outside) == []


def test_dangling_symlink_counts_as_existing() -> None:
    os.symlink("/nonexistent/target.md", "GUIDE.md")
    result = guide("-o", "GUIDE.md")
    assert result.exit_code == 1
    assert "already exists; use --force" in result.stderr
    assert Path("GUIDE.md").is_symlink() and not Path("/nonexistent/target.md").exists()


def test_symlink_to_a_folder_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", "link")
    result = guide("-o", "link", "--force")
    assert result.exit_code == 1
    assert result.stderr == (
        "advisor: error: link: is a folder; give a file name (-o link/GUIDE.md)\n"
    )
    assert list((tmp_path / "real").iterdir()) == []


def test_a_named_pipe_is_written_into_not_replaced() -> None:
    import threading

    os.mkfifo("pipe")
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(Path("pipe").read_bytes()))
    reader.start()
    result = guide("-o", "pipe")
    reader.join(timeout=30)
    assert result.exit_code == 0, result.stderr
    assert received and received[0].startswith(b"# ML team: adopting GPT-5.5")
    assert Path("pipe").is_fifo()
    assert leftovers() == []


def test_a_symlink_to_a_device_is_written_through_not_replaced() -> None:
    # As /dev/stdout is a symlink: replacing it as root would break the system's /dev.
    os.symlink("/dev/null", "null")
    result = guide("-o", "null")
    assert result.exit_code == 0, result.stderr
    assert Path("null").is_symlink() and os.readlink("null") == "/dev/null"
    assert leftovers() == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_a_full_device_as_the_output_file() -> None:
    result = guide("-o", "/dev/full")
    assert result.exit_code == 1
    assert result.stderr == ("advisor: error: /dev/full: write failed: No space left on device\n")


def test_a_name_too_long_for_the_file_system() -> None:
    name = "g" * 300 + ".md"
    for argv in (
        ["guide", "--defaults", "-o", name],
        ["schema", "-o", name],
        ["guide", "--defaults", "-o", "ok.md", "--save-answers", name],
    ):
        result = run(*argv)
        assert result.exit_code == 1, argv
        [line] = result.stderr.splitlines()
        assert line.startswith("advisor: error: ggggg") and line.endswith(
            ".md: cannot write there: File name too long"
        )
        assert len(line) < 1200
    assert not Path("ok.md").exists()


def test_relative_paths_up_the_tree_are_the_users_choice(tmp_path: Path) -> None:
    Path("sub").mkdir()
    os.chdir("sub")
    result = guide("-o", "../up.md")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "up.md").read_text(encoding="utf-8").startswith("# ML team")


@pytest.mark.parametrize(
    ("argv", "target"),
    [
        (["guide", "--defaults", "-o", "GUIDE.md", "--force"], "GUIDE.md"),
        (["guide", "--defaults", "-o", "-", "--save-answers", "GUIDE.md", "--force"], "GUIDE.md"),
        (["schema", "-o", "GUIDE.md", "--force"], "GUIDE.md"),
        (["rules", "export", "-o", "GUIDE.md", "--force"], "GUIDE.md"),
    ],
    ids=["guide", "save-answers", "schema", "rules export"],
)
@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ("fsync", "write failed: No space left on device; the old file is unchanged"),
        ("replace", "write failed: Permission denied; the old file is unchanged"),
        ("mkstemp", "cannot write in .: Read-only file system"),
    ],
    ids=["disk full", "rename refused", "read-only folder"],
)
def test_a_failing_write_leaves_the_old_file_and_no_temporary_file(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], target: str, patch: str, message: str
) -> None:
    Path(target).write_text(OLD)

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def refused(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    if patch == "fsync":
        monkeypatch.setattr(os, "fsync", full)
    elif patch == "replace":
        monkeypatch.setattr(os, "replace", refused)
    else:
        monkeypatch.setattr(tempfile, "mkstemp", read_only)
    result = run(*argv)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"advisor: error: {target}: {message}"
    assert Path(target).read_text() == OLD
    assert leftovers() == []


@pytest.mark.parametrize(
    ("raised", "code", "message"),
    [
        (KeyboardInterrupt, 130, "advisor: interrupted; nothing was written"),
        (Terminated, 143, "advisor: terminated; nothing was written"),
    ],
)
def test_an_interrupted_write_leaves_the_old_file(
    monkeypatch: pytest.MonkeyPatch, raised: type[BaseException], code: int, message: str
) -> None:
    Path("GUIDE.md").write_text(OLD)

    def interrupted(*args: object) -> None:
        raise raised()

    monkeypatch.setattr(os, "fsync", interrupted)
    result = guide("-o", "GUIDE.md", "--force")
    assert result.exit_code == code
    assert result.stderr.strip().splitlines()[-1] == message
    assert Path("GUIDE.md").read_text() == OLD
    assert leftovers() == []


def test_batch_out_dir_that_is_a_file_or_missing() -> None:
    Path("roster.csv").write_text("team,model\nFraud,gpt-5.5\n")
    Path("afile").write_text("x\n")
    result = run("batch", "roster.csv", "--out-dir", "afile")
    assert result.exit_code == 1, result.output
    [line] = [ln for ln in result.stderr.splitlines() if ln.startswith("advisor: error:")]
    assert line.startswith("advisor: error: afile: exists and is not a folder")
    assert Path("afile").read_text() == "x\n"
    # A missing folder is made, as `mkdir -p` would (issue 18).
    result = run("batch", "roster.csv", "--out-dir", "missing/guides")
    assert result.exit_code == 0, result.output
    assert [p.name for p in Path("missing/guides").iterdir()] == ["fraud.md"]


# --------------------------------------------------------------------------- injection

#: Markup of every output format; each fits the built-in team name limit of 80 characters.
PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    ']]><ac:structured-macro ac:name="html"/>',
    "a | b || c |- d",
    "[[Special:Random]] {{SITENAME}} ~~~~ ''it'' '''b'''",
    "`code` *em* _u_ [x](javascript:alert(1)) # h",
    "&amp; &#124; &lt;b&gt; %s {0} {{ team }}",
    "<!-- c --> <![CDATA[x]]> <?php ?>",
]


def hostile_scores(payload: str) -> str:
    quoted = json.dumps(payload)
    return (
        "models:\n"
        "  - id: evil\n"
        f"    name: {quoted}\n"
        f"    agent: {quoted}\n"
        "    baseline: gpt-5.4\n"
        "    scores:\n"
        "      - benchmark: mle-bench\n"
        "        score: 40\n"
        f"        split: {quoted}\n"
        f"        agent: {quoted}\n"
        '        date: "2026-05"\n'
        f"        source: {json.dumps(payload + ' javascript:alert(1)')}\n"
        "        verified: true\n"
        f"        notes: {quoted}\n"
    )


@pytest.mark.parametrize("fmt", ["md", "html", "confluence", "mediawiki"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_markup_in_a_team_name_and_a_scores_file_stays_text(fmt: str, payload: str) -> None:
    Path("evil.yaml").write_text(hostile_scores(payload), encoding="utf-8")
    Path("answers.yaml").write_text(f"team: {json.dumps(payload)}\nmodel: evil\n", encoding="utf-8")
    result = run(
        "guide",
        "--defaults",
        "--answers",
        "answers.yaml",
        "--scores",
        "evil.yaml",
        "--format",
        fmt,
        "-o",
        "out",
    )
    assert result.exit_code == 0, result.stderr
    text = Path("out").read_text(encoding="utf-8")
    parsed = PARSERS[fmt](text)  # fails on scripts, handlers, broken tables or stray markup
    shown = norm(parsed.text)
    assert shown.count(norm(payload)) >= 2, "team and model name both shown as text"
    if fmt == "md":
        tokens = parse_markdown(text).extra["tokens"]
        html = [t for t in tokens if t.type in ("html_block", "html_inline")]
        html += [c for t in tokens for c in (t.children or []) if c.type == "html_inline"]
        assert html == [], html
        links = [c for t in tokens for c in (t.children or []) if c.type == "link_open"]
        assert not [c for c in links if "javascript" in str(c.attrs.get("href", ""))]
    if fmt == "html":
        assert "<script" not in text and "onerror=" not in text.replace("onerror=&", "")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markup_in_json_output_round_trips(payload: str) -> None:
    Path("evil.yaml").write_text(hostile_scores(payload), encoding="utf-8")
    result = run(
        "guide",
        "--defaults",
        "--team",
        payload,
        "--model",
        "evil",
        "--scores",
        "evil.yaml",
        "--format",
        "json",
        "-o",
        "-",
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["team"] == " ".join(payload.split())
    [evidence] = [e for e in data["sources"] if e["model"] == "evil"]
    assert evidence["split"] == payload and evidence["notes"] == payload


def test_markup_in_a_custom_html_template_context_is_escaped() -> None:
    Path("t.j2").write_text("<h1>{{ team }}</h1><p>{{ model.name }}</p>\n")
    payload = PAYLOADS[0]
    result = run(
        "guide",
        "--defaults",
        "--team",
        payload,
        "--format",
        "html",
        "--template",
        "t.j2",
        "-o",
        "-",
    )
    assert result.exit_code == 0, result.stderr
    assert "<script>" not in result.stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result.stdout


def test_markup_in_markdown_table_cells_never_adds_a_column() -> None:
    result = run("guide", "--defaults", "--team", "a | b | c", "--format", "md", "-o", "-")
    assert result.exit_code == 0, result.stderr
    parsed = parse_markdown(result.stdout)  # checks every row's cell count against its header
    assert parsed.tables
    assert "a | b | c" in norm(parsed.text)


def test_batch_file_names_never_leave_the_folder(tmp_path: Path) -> None:
    names = [
        "../../escape",
        "/etc/passwd",
        "..",
        ".",
        ".hidden",
        "CON",
        "a/b\\c",
        "x" * 300,
        "<script>",
        "\u202egnp.exe",
        "Ünïcödé Team",
    ]
    Path("roster.yaml").write_text(
        "".join(f"- team: {json.dumps(n)}\n  model: gpt-5.5\n" for n in names), encoding="utf-8"
    )
    Path("out").mkdir()
    result = run("batch", "roster.yaml", "--out-dir", "out")
    written = sorted(p for p in (tmp_path / "out").rglob("*") if p.is_file())
    outside = sorted(
        p
        for p in tmp_path.rglob("*")
        if p.is_file()
        and "out" not in p.relative_to(tmp_path).parts[:1]
        and p.name not in ("roster.yaml",)
        and ".cache" not in p.parts
    )
    assert outside == [], outside
    for p in written:
        assert p.parent == tmp_path / "out"
        assert not p.name.startswith(".")
        assert len(p.name) <= 255
        assert p.name.isprintable() and "/" not in p.name and "\\" not in p.name
    assert len(written) >= 9, written  # the 300-character name is over the team name limit
    assert result.exit_code == 1


# --------------------------------------------------------------------------- standard output


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
@pytest.mark.parametrize(
    "argv",
    [
        ["guide", "--defaults", "-o", "-"],
        ["schema"],
        ["models", "--json"],
        ["models"],
        ["rules", "export"],
    ],
)
def test_a_full_disk_under_standard_output(argv: list[str]) -> None:
    with open("/dev/full", "w") as full:
        proc = advisor_process(*argv, stdout=full, stderr=subprocess.PIPE)
    assert proc.returncode == 1
    assert proc.stderr == (
        "advisor: error: standard output: write failed: No space left on device\n"
    )


def test_standard_output_closed() -> None:
    proc = advisor_process(
        "guide", "--defaults", "-o", "-", stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1)
    )
    assert proc.returncode == 1
    assert proc.stderr == (
        "advisor: error: standard output is closed; write to a file with -o FILE\n"
    )


PRINTS = "this command prints its result there"


@pytest.mark.parametrize(
    ("argv", "instead"),
    [
        (["models"], PRINTS),
        (["models", "--json"], PRINTS),
        (["compare", "gpt-5.5", "gpt-5.4"], PRINTS),
        (["explain", "--role", "mle", "--model", "gpt-5.5"], PRINTS),
        (["rules", "validate"], PRINTS),
        (["rules", "lint"], PRINTS),
        (["rules", "test"], PRINTS),
        (
            ["diff", "--model-from", "gpt-5.4", "--model-to", "gpt-5.5"],
            "write to a file with -o FILE",
        ),
    ],
)
def test_a_command_whose_result_goes_to_a_closed_standard_output_fails(
    argv: list[str], instead: str
) -> None:
    proc = advisor_process(*argv, stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1))
    assert proc.returncode == 1
    assert proc.stderr == f"advisor: error: standard output is closed; {instead}\n"


def test_a_guide_written_to_a_file_with_standard_output_closed() -> None:
    # The summary has nowhere to go; the guide is written all the same.
    proc = advisor_process(
        "guide", "--defaults", "-o", "g.md", stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1)
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert Path("g.md").read_text(encoding="utf-8").startswith("# ")


def test_questions_with_standard_input_closed() -> None:
    proc = advisor_process(
        "guide",
        "-o",
        "g.md",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: os.close(0),
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("advisor: error: no terminal to ask team, roles, stages")
    assert not Path("g.md").exists()


def test_reader_going_away_stops_quietly() -> None:
    # Four megabytes of guide into a pipe whose reader has gone.
    Path("t.j2").write_text("{% for i in range(40000) %}" + "x" * 99 + "\n{% endfor %}")
    proc = subprocess.Popen(
        [sys.executable, "-m", "advisor", "guide", "--defaults", "--template", "t.j2", "-o", "-"],
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before advisor has written anything: imports take longer
    assert proc.wait(timeout=60) == 1
    assert proc.stderr.read() == ""
