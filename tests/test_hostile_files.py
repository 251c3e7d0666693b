"""Broken, odd and unreadable files on every surface that reads a file.

The surfaces are ``rules validate PATH``, ``--rules PATH``, ``--scores FILE``,
``--answers FILE``, ``--template FILE`` and ``scores import FILE``. Each is fed
the same broken files; every answer must be one ``advisor: error:`` line
naming the file (and line and column where there is one), the documented exit
code, no traceback, and no output file left behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from clitools import ENV, YAML_SURFACES, child_env, run

from advisor.cli.app import cli
from advisor.load.resources import builtin_rules

#: Each test runs in its own folder, with its own rulebook cache (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("workdir")

OUT_FILES = ("out.md", "out.yaml")


def failed(result: Result, code: int) -> list[str]:
    """The error lines of a failed run: the exit code, nothing on stdout, no output file."""
    assert result.exit_code == code, (result.exit_code, result.stderr)
    assert result.stdout == ""
    for name in OUT_FILES:
        assert not Path(name).exists(), f"{name} was written by a failed run"
    assert not [p for p in Path(".").iterdir() if p.name.endswith(".tmp")]
    lines = result.stderr.splitlines()
    assert lines
    assert all(line.startswith(("advisor: error: ", "advisor: skipped ")) for line in lines)
    return lines


# --------------------------------------------------------------------------- the surfaces

#: Broken YAML and what every YAML surface says about it (after "FILE:").
BROKEN_YAML: dict[str, tuple[bytes, str]] = {
    "bad indentation": (
        b"models:\n  - id: x\n   name: y\n",
        "3:4: YAML syntax error: did not find expected '-' indicator",
    ),
    "unclosed quote": (
        b'models: "abc\n',
        "2:1: YAML syntax error: found unexpected end of stream",
    ),
    "unclosed flow list": (
        b"models: [a, b\nroles: x\n",
        "2:6: YAML syntax error: did not find expected ',' or ']'",
    ),
    "tab indentation": (
        b"models:\n\t- id: x\n",
        "2:1: YAML syntax error: found character that cannot start any token",
    ),
    "unknown escape": (b'team: "\\q"\n', "1:8: YAML syntax error: found unknown escape character"),
    "not UTF-8": (
        b"team: caf\xe9\n",
        "1:10: not UTF-8 text (byte 0xe9 at line 1, column 10); save the file as UTF-8",
    ),
    "UTF-16 with BOM": (
        "team: x\n".encode("utf-16"),
        "1:1: UTF-16 text, not UTF-8; save the file as UTF-8",
    ),
    "binary": (bytes(range(256)), "1:1: binary file, not YAML text"),
    "NUL byte in text": (b"team: a\x00b\n", "1:8: binary file, not YAML text"),
    "control character": (
        b"team: a\x07b\n",
        "1:8: character U+0007 is not allowed in YAML; remove it",
    ),
    "two documents": (
        b"team: a\n---\nteam: b\n",
        "2:1: several YAML documents in one file; keep one",
    ),
    "duplicate key": (
        b"team: a\nteam: b\n",
        "2:1: duplicate key 'team' (first at {f}:1:1); remove one of them",
    ),
    "python object tag": (
        b"team: !!python/object/apply:os.system ['touch CANARY']\n",
        "1:7: YAML tag '!!python/object/apply:os.system' is not allowed: advisor reads plain "
        "data only",
    ),
    "python name tag on a mapping": (
        b"team: !!python/object/new:os.system {}\n",
        "1:7: YAML tag '!!python/object/new:os.system' is not allowed: advisor reads plain "
        "data only",
    ),
    "local tag": (
        b"team: !foo bar\n",
        "1:7: YAML tag '!foo' is not allowed: advisor reads plain data only",
    ),
    "undefined alias": (
        b"team: *nope\n",
        "1:7: undefined alias '*nope'; define the anchor '&nope' before using it",
    ),
    "alias loop": (
        b"a: &a [*a]\n",
        "1:8: alias '*a' is inside its own anchor (a loop); advisor cannot expand it, "
        "remove the alias",
    ),
    "list as a key": (
        b"? [a, b]\n: c\n",
        "1:3: a list cannot be a mapping key; use text or a number",
    ),
    "date as a key": (
        b"2026-01-01: x\n",
        "1:1: mapping key '2026-01-01' is read as a date; quote it to use it as text",
    ),
    "merge of a scalar": (
        b"a: &a 1\nb:\n  <<: *a\n",
        "1:4: merge key '<<' needs a mapping or a list of mappings, e.g. '<<: *defaults'",
    ),
}


@pytest.mark.parametrize("surface", list(YAML_SURFACES))
@pytest.mark.parametrize("kind", list(BROKEN_YAML))
def test_broken_yaml_is_one_located_line(surface: str, kind: str) -> None:
    argv, code = YAML_SURFACES[surface]
    data, expected = BROKEN_YAML[kind]
    Path("broken.yaml").write_bytes(data)
    lines = failed(run(*argv("broken.yaml")), code)
    assert lines == [f"advisor: error: broken.yaml:{expected.format(f='broken.yaml')}"]
    assert not Path("CANARY").exists()


def test_a_bom_before_valid_yaml_is_ignored_everywhere(workdir: Path) -> None:
    bom = b"\xef\xbb\xbf"
    Path("answers.yaml").write_bytes(bom + b"team: Fraud ML\nroles: [mle]\n")
    result = run("guide", "--defaults", "--answers", "answers.yaml", "-o", "out.md")
    assert result.exit_code == 0, result.stderr
    assert Path("out.md").read_text(encoding="utf-8").startswith("# Fraud ML: adopting GPT-5.5")

    shutil.copytree(builtin_rules(), "rules")
    for f in Path("rules").glob("*.yaml"):
        f.write_bytes(bom + f.read_bytes())
    assert run("rules", "validate", "rules").exit_code == 0

    scores = Path("rules/models.yaml").read_bytes()
    Path("scores.yaml").write_bytes(scores)
    result = run("models", "--scores", "scores.yaml", "--json")
    assert result.exit_code == 0 and '"gpt-5.5"' in result.stdout


# --------------------------------------------------------------------------- empty and wrong shape

RULEBOOK_SHAPE = (
    "a rulebook file is a mapping of sections (autonomy, roles, stages, benchmarks, ...)"
)
LEADERBOARD_SHAPE = (
    "a leaderboard is a YAML list of rows (- benchmark: ..., model: ..., score: ...)"
)
EMPTY_RULEBOOK = (
    "1:1: empty file; a rulebook file is a mapping of sections (autonomy, roles, stages, "
    "benchmarks, ...); add one or remove the file"
)


@pytest.mark.parametrize("surface", ["rules validate", "--rules", "--scores"])
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", EMPTY_RULEBOOK),
        (b"\xef\xbb\xbf", EMPTY_RULEBOOK),
        (b"  \n\n# only a comment\n", EMPTY_RULEBOOK),
        (b"just text\n", f"1:1: {RULEBOOK_SHAPE}, got a str"),
        (b"- a\n- b\n", f"1:1: {RULEBOOK_SHAPE}, got a list"),
        (b"42\n", f"1:1: {RULEBOOK_SHAPE}, got a int"),
    ],
    ids=["empty", "bom only", "comment only", "text", "list", "number"],
)
def test_empty_or_wrong_shape_rulebook_file(surface: str, data: bytes, expected: str) -> None:
    argv, code = YAML_SURFACES[surface]
    Path("x.yaml").write_bytes(data)
    assert failed(run(*argv("x.yaml")), code) == [f"advisor: error: x.yaml:{expected}"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", f"1:1: {LEADERBOARD_SHAPE}, got an empty file"),
        (b"just text\n", f"1:1: {LEADERBOARD_SHAPE}, got a str"),
        (b"team: x\n", f"1:1: {LEADERBOARD_SHAPE}, got a dict"),
    ],
    ids=["empty", "text", "mapping"],
)
def test_empty_or_wrong_shape_leaderboard(data: bytes, expected: str) -> None:
    Path("board.yaml").write_bytes(data)
    lines = failed(run("scores", "import", "board.yaml", "-o", "out.yaml"), 2)
    assert lines == [f"advisor: error: board.yaml:{expected}"]


@pytest.mark.parametrize(
    "data", [b"- a\n- b\n", b"just text\n", b"42\n"], ids=["list", "text", "number"]
)
def test_answers_file_that_is_not_a_mapping(data: bytes) -> None:
    Path("answers.yaml").write_bytes(data)
    lines = failed(run("guide", "--defaults", "--answers", "answers.yaml", "-o", "out.md"), 2)
    assert lines == [
        "advisor: error: answers.yaml:1:1: an answers file is a mapping of question ids to "
        "answers (team: ..., roles: [...])"
    ]


def test_empty_answers_file_means_no_answers() -> None:
    Path("answers.yaml").write_bytes(b"# nothing yet\n")
    result = run("guide", "--defaults", "--answers", "answers.yaml", "-o", "out.md")
    assert result.exit_code == 0, result.stderr
    assert Path("out.md").read_text(encoding="utf-8").startswith("# ML team: adopting GPT-5.5")


# --------------------------------------------------------------------------- missing files, folders

#: surface -> (argv, expected message after "advisor: error: ")
MISSING: dict[str, tuple[list[str], str]] = {
    "rules validate": (["rules", "validate", "nope.yaml"], "nope.yaml: no such file or folder"),
    "--rules": (["models", "--rules", "nope.yaml"], "nope.yaml: no such file or folder"),
    "--scores": (
        ["models", "--scores", "nope.yaml"],
        "nope.yaml: no such scores file",
    ),
    "--answers": (
        ["guide", "--defaults", "--answers", "nope.yaml", "-o", "out.md"],
        "nope.yaml: no such file",
    ),
    "--template": (
        ["guide", "--defaults", "--template", "nope.j2", "-o", "out.md"],
        "nope.j2: no such template file",
    ),
    "scores import": (
        ["scores", "import", "nope.yaml", "-o", "out.yaml"],
        "nope.yaml: no such file",
    ),
}


@pytest.mark.parametrize("surface", list(MISSING))
def test_missing_file(surface: str) -> None:
    argv, expected = MISSING[surface]
    assert failed(run(*argv), 2) == [f"advisor: error: {expected}"]


#: surface -> (argv with the folder "dir.yaml", expected message)
FOLDER: dict[str, tuple[list[str], str]] = {
    "rules validate": (
        ["rules", "validate", "dir.yaml"],
        "dir.yaml: folder holds no .yaml files; point to a rulebook",
    ),
    "--rules": (
        ["models", "--rules", "dir.yaml"],
        "dir.yaml: folder holds no .yaml files; point to a rulebook",
    ),
    "--scores": (
        ["models", "--scores", "dir.yaml"],
        "dir.yaml: is a folder, expected a scores file (YAML)",
    ),
    "--answers": (
        ["guide", "--defaults", "--answers", "dir.yaml", "-o", "out.md"],
        "dir.yaml: is a folder, expected a YAML file",
    ),
    "--template": (
        ["guide", "--defaults", "--template", "dir.yaml", "-o", "out.md"],
        "dir.yaml: is a folder; --template takes a Jinja2 template file",
    ),
    "scores import": (
        ["scores", "import", "dir.yaml", "-o", "out.yaml"],
        "dir.yaml: is a folder; give a leaderboard file (.csv or .yaml)",
    ),
}


@pytest.mark.parametrize("surface", list(FOLDER))
def test_folder_where_a_file_is_expected(surface: str) -> None:
    Path("dir.yaml").mkdir()
    (Path("dir.yaml") / "notes.txt").write_text("not yaml\n")
    argv, expected = FOLDER[surface]
    assert failed(run(*argv), 2) == [f"advisor: error: {expected}"]


def test_a_file_inside_a_file_is_missing() -> None:
    Path("plain").write_text("x\n")
    lines = failed(run("guide", "--defaults", "--answers", "plain/answers.yaml", "-o", "out.md"), 2)
    assert lines == ["advisor: error: plain/answers.yaml: no such file"]
    assert failed(run("rules", "validate", "plain/rules"), 2) == [
        "advisor: error: plain/rules: no such file or folder"
    ]


def test_rulebook_folder_with_one_broken_file_names_that_file() -> None:
    shutil.copytree(builtin_rules(), "rules")
    Path("rules/zz-broken.yaml").write_bytes(b"roles: [\n")
    assert failed(run("rules", "validate", "rules"), 1) == [
        "advisor: error: rules/zz-broken.yaml:2:1: YAML syntax error: did not find expected "
        "node content"
    ]


def test_rulebook_folder_ignores_symlink_loops_fifos_and_other_files() -> None:
    shutil.copytree(builtin_rules(), "rules")
    os.symlink("..", "rules/loop")
    os.symlink("missing.yaml", "rules/dangling.yaml")
    os.mkfifo("rules/pipe.yaml")
    Path("rules/README.txt").write_text("not a rulebook file\n")
    result = run("rules", "validate", "rules")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ok: builtin (6 files, ")


def test_rulebook_file_symlinked_to_a_system_file_is_just_a_bad_file() -> None:
    shutil.copytree(builtin_rules(), "rules")
    os.symlink("/etc/hostname", "rules/host.yaml")
    lines = failed(run("rules", "validate", "rules"), 1)
    assert len(lines) == 1
    assert lines[0].startswith("advisor: error: rules/host.yaml:1:1: ")


# --------------------------------------------------------------------------- permission denied


def _unprivileged() -> None:
    """In the child, before exec: file modes apply even to root.

    The tests run as root, whom a file mode does not stop. Dropping the two
    capabilities that bypass file modes (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH)
    from the bounding set makes the ``advisor`` process root without them.
    """
    if os.geteuid() != 0:
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop, cap_dac_override, cap_dac_read_search = 24, 1, 2
    for cap in (cap_dac_override, cap_dac_read_search):
        if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


#: surface -> (argv for "locked.yaml", exit code, expected message)
DENIED: dict[str, tuple[list[str], int, str]] = {
    "rules validate": (["rules", "validate", "locked.yaml"], 1, "locked.yaml: permission denied"),
    "--rules": (["models", "--rules", "locked.yaml"], 1, "locked.yaml: permission denied"),
    "--scores": (["models", "--scores", "locked.yaml"], 1, "locked.yaml: permission denied"),
    "--answers": (
        ["guide", "--defaults", "--answers", "locked.yaml", "-o", "out.md"],
        2,
        "locked.yaml: permission denied",
    ),
    "--template": (
        ["guide", "--defaults", "--template", "locked.yaml", "-o", "out.md"],
        2,
        "locked.yaml: cannot read template: Permission denied",
    ),
    "scores import": (
        ["scores", "import", "locked.yaml", "-o", "out.yaml"],
        2,
        "locked.yaml: permission denied",
    ),
}


@pytest.mark.parametrize("surface", list(DENIED))
def test_permission_denied(surface: str) -> None:
    # A real chmod 000 file, read by a real advisor process that file modes stop.
    Path("locked.yaml").write_text("team: x\n")
    os.chmod("locked.yaml", 0)
    argv, code, expected = DENIED[surface]
    env = child_env()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "advisor", *argv],
            capture_output=True,
            text=True,
            env=env,
            preexec_fn=_unprivileged,
            timeout=120,
        )
    except subprocess.SubprocessError as exc:  # no way to drop the capabilities here
        pytest.skip(f"cannot run advisor without file-mode override: {exc}")
    assert (proc.returncode, proc.stdout) == (code, ""), proc.stderr
    assert proc.stderr.splitlines() == [f"advisor: error: {expected}"]
    assert not Path("out.md").exists() and not Path("out.yaml").exists()


# --------------------------------------------------------------------------- templates


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"# {{ team }\n", "t.j2:1:1: template syntax error: unexpected '}'"),
        (
            b"{% for x in roles %}\n{{ x }}\n",
            "t.j2:2:1: template syntax error: Unexpected end of "
            "template. Jinja was looking for the following tags: 'endfor' or 'else'. The innermost "
            "block that needs to be closed is 'for'.",
        ),
        (
            b"{{ team\n",
            "t.j2:1:1: template syntax error: unexpected end of template, expected "
            "'end of print statement'.",
        ),
        (
            b"ok\n{% nonsense %}\n",
            "t.j2:2:1: template syntax error: Encountered unknown tag 'nonsense'.",
        ),
        (b"caf\xe9 {{ team }}\n", None),
        (b"{{ team }}\x00\n", None),
        (bytes(range(256)), None),
    ],
    ids=["bad brace", "unclosed for", "unclosed print", "unknown tag", "latin-1", "NUL", "binary"],
)
def test_broken_template(data: bytes, expected: str | None) -> None:
    Path("t.j2").write_bytes(data)
    lines = failed(run("guide", "--defaults", "--template", "t.j2", "-o", "out.md"), 2)
    assert len(lines) == 1
    if expected is not None:
        assert lines[0] == f"advisor: error: {expected}"
    else:
        assert lines[0].startswith("advisor: error: t.j2")
        assert "UTF-8" in lines[0] or "binary" in lines[0]


def test_template_that_uses_an_unknown_variable_is_located() -> None:
    Path("t.j2").write_text("# {{ team }}\n\n{{ no_such_thing.name }}\n")
    lines = failed(run("guide", "--defaults", "--template", "t.j2", "-o", "out.md"), 2)
    assert lines == [
        "advisor: error: t.j2:3:1: template uses an unknown variable: 'no_such_thing' is undefined"
    ]


def test_template_that_fails_while_rendering_is_located() -> None:
    Path("t.j2").write_text("# {{ team }}\n{{ 1 / 0 }}\n")
    lines = failed(run("guide", "--defaults", "--template", "t.j2", "-o", "out.md"), 2)
    assert lines == [
        "advisor: error: t.j2:2:1: template failed: ZeroDivisionError: division by zero"
    ]


def test_template_that_includes_files_cannot_read_outside_the_templates() -> None:
    Path("secret.txt").write_text("SECRET\n")
    for source in (
        "{% include '/etc/passwd' %}",
        "{% include '../secret.txt' %}",
        "{% extends 'secret.txt' %}",
    ):
        Path("t.j2").write_text(source)
        lines = failed(run("guide", "--defaults", "--template", "t.j2", "-o", "out.md"), 2)
        assert len(lines) == 1 and lines[0].startswith("advisor: error: t.j2:1:1: template ")
        assert "SECRET" not in lines[0] and "root:" not in lines[0]


# --------------------------------------------------------------------------- the rulebook cache


@pytest.mark.parametrize("damage", ["random bytes", "truncated", "empty", "a folder"])
def test_a_damaged_rulebook_cache_is_ignored(
    damage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(cache))
    first = CliRunner().invoke(cli, ["rules", "validate"], env=ENV)
    assert first.exit_code == 0
    entries = [p for p in cache.rglob("*") if p.is_file()]
    assert entries, "the first run filled the cache"
    for entry in entries:
        data = entry.read_bytes()
        if damage == "a folder":
            entry.unlink()
            entry.mkdir()
        else:
            entry.write_bytes(
                {"random bytes": os.urandom(len(data)), "truncated": data[:-7], "empty": b""}[
                    damage
                ]
            )
    again = run("rules", "validate")
    assert again.exit_code == 0, again.stderr
    assert again.stdout == first.stdout


def test_a_cache_folder_that_is_a_file_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cache").write_text("not a folder\n")
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    result = run("guide", "--defaults", "-o", "out.md")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "cache").read_text() == "not a folder\n"


def test_a_device_given_as_a_scores_file() -> None:
    assert failed(run("models", "--scores", "/dev/zero"), 1) == [
        "advisor: error: /dev/zero: not a regular file (a named pipe, a device or a socket); "
        "give a file"
    ]


@pytest.mark.parametrize(
    ("argv", "code", "expected"),
    [
        (
            ["diff", "--from", "broken.yaml", "--to", "broken.yaml"],
            1,
            "broken.yaml:2:1: YAML syntax error: did not find expected node content",
        ),
        (
            ["diff", "--rules-from", "broken.yaml", "--rules-to", "broken.yaml"],
            1,
            "broken.yaml:2:1: YAML syntax error: did not find expected node content",
        ),
        (
            ["rules", "lint", "broken.yaml"],
            1,
            "broken.yaml:2:1: YAML syntax error: did not find expected node content",
        ),
        (
            ["rules", "test", "broken.yaml"],
            1,
            "broken.yaml:2:1: YAML syntax error: did not find expected node content",
        ),
        (
            ["rules", "export", "--rules", "broken.yaml"],
            1,
            "broken.yaml:2:1: YAML syntax error: did not find expected node content",
        ),
        (
            ["explain", "--role", "mle", "--model", "gpt-5.5", "--rules", "broken.yaml"],
            1,
            "broken.yaml:2:1: YAML syntax error: did not find expected node content",
        ),
        (["init", "broken.yaml"], 1, "broken.yaml: is a file; give a folder for the rulebook"),
    ],
    ids=["diff scores", "diff rules", "lint", "test", "export", "explain", "init"],
)
def test_other_commands_given_a_broken_file(argv: list[str], code: int, expected: str) -> None:
    Path("broken.yaml").write_text("models: [\n")
    assert failed(run(*argv), code) == [f"advisor: error: {expected}"]
    assert Path("broken.yaml").read_text() == "models: [\n"
