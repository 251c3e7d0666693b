"""The documentation does what it says: every shell example in the README and docs/ runs,
every transcript prints what it shows, every example file shown is the file in examples/,
and the command reference is the commands' --help of today."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from cogapp import Cog
from docpages import DOCS, EXAMPLES, ROOT, Block, blocks, page_id, pages, section

from advisor.cli.app import cli

#: Shell blocks are run; console blocks are transcripts ('$ ' lines run, the rest compared).
SHELL = {"sh", "console"}
#: Python blocks (the library's examples) are run too.
RUN = SHELL | {"python"}
#: What the examples run with: the advisor of this test run first on PATH, a fixed date, no
#: colour, the width of a pipe, a cache of their own and no defaults from the user.
EXAMPLE_ENV = {
    "NO_COLOR": "1",
    "COLUMNS": "80",
    "SOURCE_DATE_EPOCH": "1777777777",
    "PYTHONIOENCODING": "utf-8",
}
TIMEOUT = 300


def example_env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
    env.update(EXAMPLE_ENV)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["ADVISOR_CACHE_DIR"] = str(work / ".cache")
    env["HOME"] = str(work)
    return env


def expected_pattern(lines: list[str]) -> re.Pattern[str]:
    """A transcript's output as a pattern: '...' stands for any text in a line, and a line
    that is only '...' for any number of lines."""
    parts = []
    for line in lines:
        if line.strip() == "...":
            parts.append(r"(?:.*\n)*?")
        else:
            parts.append(".*?".join(re.escape(p) for p in line.rstrip().split("...")) + r"\n")
    return re.compile("".join(parts))


def transcript(block: Block) -> list[tuple[str, list[str]]]:
    """The commands of a console block, each with the output lines shown after it."""
    steps: list[tuple[str, list[str]]] = []
    lines = block.text.splitlines()
    i = 0
    while i < len(lines):
        assert lines[i].startswith("$ "), f"{block.where()}: a transcript starts with '$ '"
        command = lines[i][2:]
        while command.endswith("\\"):
            i += 1
            command = command[:-1] + "\n" + lines[i]
        i += 1
        output = []
        while i < len(lines) and not lines[i].startswith("$ "):
            output.append(lines[i])
            i += 1
        steps.append((command, output))
    return steps


def run_in(
    work: Path, argv: list[str], *, merged: bool = False
) -> subprocess.CompletedProcess[str]:
    """``argv`` in ``work`` as a reader runs it: no terminal, the examples' environment;
    ``merged`` puts stderr into stdout, in the order they were written."""
    return subprocess.run(
        argv,
        cwd=work,
        env=example_env(work),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merged else subprocess.PIPE,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def run_block(block: Block, work: Path) -> None:
    if block.lang in {"sh", "python"}:
        argv = ["bash", "-euo", "pipefail", "-c"] if block.lang == "sh" else [sys.executable, "-c"]
        done = run_in(work, [*argv, block.text])
        assert done.returncode == 0, f"{block.where()}: exit {done.returncode}\n{done.stderr}"
        return
    for command, output in transcript(block):
        done = run_in(work, ["bash", "-o", "pipefail", "-c", command], merged=True)
        actual = "".join(line.rstrip() + "\n" for line in done.stdout.splitlines())
        assert expected_pattern(output).fullmatch(actual), (
            f"{block.where()}: '$ {command}' printed:\n{actual}"
        )


@pytest.mark.parametrize("page", pages(), ids=page_id)
def test_shell_examples_run(page: Path, tmp_path: Path) -> None:
    """A page's shell blocks, in order, in one folder holding a copy of examples/ (as a
    reader at the top of a clone has it)."""
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    shutil.copytree(ROOT / "benchmarks", tmp_path / "benchmarks")
    for block in blocks(page):
        if runs(block):
            run_block(block, tmp_path)


def runs(block: Block) -> bool:
    """Whether the example run runs this block: a shell or Python block, not a file shown by
    its title (test_example_files_are_shown_as_they_are checks those) nor marked 'not run'."""
    return block.lang in RUN and not block.title and not block.not_run


def test_few_shell_examples_are_left_out() -> None:
    every = [b for p in pages() for b in blocks(p)]
    left_out = [b for b in every if b.not_run]
    # Only what needs the package index, a wiki, a real terminal or the project's own build.
    assert len(left_out) <= 12, [b.where() for b in left_out]
    assert len([b for b in every if runs(b)]) >= 40


def test_every_command_shown_is_run_or_says_why_not() -> None:
    """An advisor command line in a block the tests do not run must say why it is not."""
    for page in pages():
        for block in blocks(page):
            if block.lang in SHELL or block.not_run:
                continue
            lines = [ln.removeprefix("$ ") for ln in block.text.splitlines()]
            commands = [ln for ln in lines if ln.startswith("advisor ")]
            assert not commands, f"{block.where()}: {commands[0]!r} is not run; use ```sh"


def test_example_files_are_shown_as_they_are() -> None:
    shown = [b for p in pages() for b in blocks(p) if b.title.startswith("examples/")]
    assert len(shown) >= 5
    for block in shown:
        assert block.text == (ROOT / block.title).read_text(encoding="utf-8"), block.where()


def test_no_page_points_outside_the_clone() -> None:
    for page in pages():
        assert "../shared" not in page.read_text(encoding="utf-8"), page_id(page)


def test_every_page_is_in_the_site_navigation() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))

    def files(nav: object) -> list[str]:
        if isinstance(nav, str):
            return [nav]
        if isinstance(nav, dict):
            return [f for value in nav.values() for f in files(value)]
        if isinstance(nav, list):
            return [f for item in nav for f in files(item)]
        return []

    listed = files(config["nav"])
    assert sorted(listed) == sorted(p.name for p in DOCS.glob("*.md"))
    assert len(listed) == len(set(listed))


def test_cli_reference_is_current() -> None:
    """docs/cli.md is the --help of every command; 'make cli-docs' writes it again."""
    status = Cog().main(["cog", "--check", "--verbosity=0", str(DOCS / "cli.md")])
    assert status == 0, "docs/cli.md is stale: run 'make cli-docs'"


# --------------------------------------------------------------------------- CI


def advisor_steps(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("advisor ")]


def run_ci_script(
    work: Path, changes: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """examples/ci.sh in a copy of examples/, with ``changes`` (path -> text) made first."""
    shutil.copytree(EXAMPLES, work)
    for path, text in (changes or {}).items():
        (work / path).write_text(text, encoding="utf-8")
    return run_in(work, ["sh", "ci.sh"])


def test_ci_script_runs_the_workflow_s_steps(tmp_path: Path) -> None:
    workflow = yaml.safe_load((EXAMPLES / "advisor-workflow.yml").read_text(encoding="utf-8"))
    runs_ = [s["run"] for s in workflow["jobs"]["rulebook"]["steps"] if "run" in s]
    script = advisor_steps((EXAMPLES / "ci.sh").read_text(encoding="utf-8"))
    assert [r for r in runs_ if r.startswith("advisor ")] == script
    assert len(script) == 3
    work = tmp_path / "repo"
    done = run_ci_script(work)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "::error" not in done.stdout
    assert '{| class="wikitable"' in (work / "guide.wiki").read_text(encoding="utf-8")
    batch = json.loads((work / "batch.json").read_text(encoding="utf-8"))
    assert batch["ok"] and batch["written"] == 2
    assert sorted(p.name for p in (work / "guides").iterdir()) == ["fraud-ml.md", "vision.html"]


def test_ci_script_stops_at_a_broken_rulebook_with_an_annotation(tmp_path: Path) -> None:
    text = (EXAMPLES / "acme-rules" / "rulebook.yaml").read_text(encoding="utf-8")
    broken = text.replace("autonomy: assist", "autonmy: assist")
    line = broken.splitlines().index("        autonmy: assist") + 1
    work = tmp_path / "repo"
    done = run_ci_script(work, {"acme-rules/rulebook.yaml": broken})
    assert done.returncode == 1
    assert f"::error file=acme-rules/rulebook.yaml,line={line},col=9::" in done.stdout
    assert not (work / "guide.wiki").exists()


# --------------------------------------------------------------------------- JSON keys

#: docs/json.md's sections and a command whose output each describes.
JSON_COMMANDS = {
    "advisor models": ["models", "--json"],
    "advisor compare": ["compare", "gpt-5.5", "gpt-5.4", "--json"],
    "advisor rank": ["rank", "--role", "mle", "--format", "json"],
    "advisor explain": ["explain", "--role", "mle", "--model", "gpt-5.5", "--json"],
    "The guide (format json)": [
        *("guide", "--defaults", "--shortlist", "--since", "examples/acme-scores.yaml"),
        *("--format", "json", "-o", "-"),
    ],
    "advisor diff (format json)": ["diff", "--model-from", "gpt-5.4", "--model-to", "gpt-5.5"]
    + ["--format", "json"],
    "advisor batch (json)": ["batch", "examples/teams.csv", "--out-dir", "g", "--json"],
    "advisor rules validate (json)": ["rules", "validate", "examples/acme-rules", "--json"],
    "advisor rules lint (json)": ["rules", "lint", "examples/acme-rules", "--json"],
    "advisor rules test (json)": ["rules", "test", "examples/acme-rules", "--json"],
    "advisor rules check (json)": ["rules", "check", "examples/acme-rules", "--json"],
    "advisor rules export (format json)": ["rules", "export", "--rules", "examples/acme-rules"]
    + ["--format", "json"],
}
#: Sections a section refers to for the shapes inside its own.
SEE_ALSO = {
    "advisor rules check (json)": [
        "advisor rules validate (json)",
        "advisor rules lint (json)",
        "advisor rules test (json)",
    ],
    "The guide (format json)": ["advisor diff (format json)"],
}
#: Objects whose keys are ids (inputs, metrics, answers, points), not part of the shape.
ID_KEYED = {"inputs", "metrics", "answers", "examples"}


def json_keys(value: object) -> set[str]:
    if isinstance(value, dict):
        own = set(value)
        return own | {k for key, v in value.items() if key not in ID_KEYED for k in json_keys(v)}
    if isinstance(value, list):
        return {k for item in value for k in json_keys(item)}
    return set()


@pytest.mark.parametrize("heading", list(JSON_COMMANDS))
def test_json_output_keys_are_documented(
    heading: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, JSON_COMMANDS[heading], env=EXAMPLE_ENV)
    assert result.exit_code == 0, result.output
    keys = json_keys(json.loads(result.stdout))
    page = DOCS / "json.md"
    text = "".join(section(page, h) for h in [heading, "Evidence", *SEE_ALSO.get(heading, [])])
    missing = sorted(k for k in keys if f"`{k}`" not in text and f'"{k}"' not in text)
    assert not missing, f"docs/json.md '{heading}' does not name {missing}"
