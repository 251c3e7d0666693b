"""Tests for 'advisor init': a scaffold that validates, lints and tests clean as written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import msgspec.structs
import pytest
from click.testing import CliRunner

from advisor.cli.app import cli


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_scaffold_passes_validate_lint_and_test(here: Path) -> None:
    code, out = run("init")
    assert code == 0, out
    assert out.splitlines() == [
        "wrote rulebook/rulebook.yaml",
        "wrote rulebook/tests.yaml",
        "next: advisor rules validate rulebook && advisor rules lint rulebook && "
        "advisor rules test rulebook",
    ]
    code, out = run("rules", "validate", "rulebook")
    assert (code, out.strip()) == (0, "ok: my-org (8 files, 4 tables, 85 rules)")
    code, out = run("rules", "lint", "--json", "rulebook")
    assert code == 0, out
    report = json.loads(out)
    assert report["summary"] == {"error": 0, "warning": 0, "info": 1}
    # The override (the built-in rulebook's own infos are not the organisation's to act on).
    (change,) = report["findings"]
    assert (change["code"], change["rules"]) == ("overridden", ["ds-validate-moderate"])
    assert change["location"].startswith("rulebook/rulebook.yaml:")
    code, out = run("rules", "test", "rulebook", "--coverage-min", "100")
    assert code == 0, out
    # The 45 built-in tests and the scaffold's own.
    assert out.splitlines() == ["47 passed, 0 failed", "coverage: 85 of 85 rules (100.0%)"]


def test_the_example_override_is_what_explain_chooses(here: Path) -> None:
    run("init", "acme", "--id", "acme", "--name", "ACME ML")
    (here / "scores.yaml").write_text(
        "models:\n  - id: m\n    name: M\n    scores:\n"
        "      - {benchmark: mle-bench, score: 40, date: '2026', source: t, verified: true}\n"
    )
    code, out = run(
        "explain",
        "--json",
        "--rules",
        "acme",
        "--scores",
        "scores.yaml",
        "--role",
        "ds",
        "--model",
        "m",
        "--stage",
        "result-validation",
    )
    assert code == 0, out
    (stage,) = [t for t in json.loads(out)["tables"] if t["stage"] == "result-validation"]
    (chosen,) = stage["chosen"]
    assert (chosen["rule"], chosen["autonomy"]) == ("ds-validate-moderate", "assist")
    assert chosen["location"].startswith("acme/rulebook.yaml:")
    assert any(
        c.startswith("ds-validate-moderate overridden at acme/rulebook.yaml:")
        for c in stage["changes"]
    )
    text = (here / "acme" / "rulebook.yaml").read_text()
    assert "  id: acme\n" in text and '  name: "ACME ML"\n' in text
    assert "acme-review-policy" in text
    assert "  - id: acme-ds-validation\n" in (here / "acme" / "tests.yaml").read_text()


def test_refuses_to_overwrite_and_writes_nothing(here: Path) -> None:
    (here / "rulebook").mkdir()
    (here / "rulebook" / "tests.yaml").write_text("tests: []\n")
    code, out = run("init")
    assert code == 1
    assert out.strip() == (
        "advisor: error: rulebook/tests.yaml: already exists; use --force to overwrite the "
        "scaffold's files"
    )
    # No half-written scaffold: the other file was not created either.
    assert sorted(p.name for p in (here / "rulebook").iterdir()) == ["tests.yaml"]
    assert (here / "rulebook" / "tests.yaml").read_text() == "tests: []\n"


def test_force_overwrites_the_scaffold(here: Path) -> None:
    run("init", "r")
    (here / "r" / "rulebook.yaml").write_text("edited\n")
    code, out = run("init", "r", "--force")
    assert code == 0, out
    assert (here / "r" / "rulebook.yaml").read_text().startswith("# My organisation's rulebook\n")
    assert run("rules", "validate", "r")[0] == 0


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--id", "Bad Id"], 2, "--id 'Bad Id': use lowercase letters"),
        (["--name", " "], 2, "--name: give one line"),
    ],
)
def test_bad_options_are_usage_errors(here: Path, args: list[str], code: int, message: str) -> None:
    got, out = run("init", *args)
    assert got == code
    assert message in out
    assert not (here / "rulebook").exists()


def test_a_file_in_the_way_is_refused(here: Path) -> None:
    (here / "taken").write_text("x")
    code, out = run("init", "taken")
    assert code == 1
    assert out.strip() == "advisor: error: taken: is a file; give a folder for the rulebook"


def test_init_from_a_shell(here: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "advisor", "init", "nested/org rules"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == (
        "next: advisor rules validate 'nested/org rules' && advisor rules lint 'nested/org rules'"
        " && advisor rules test 'nested/org rules'"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "advisor", "rules", "test", "nested/org rules"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_pre_commit_hooks_run_advisor_commands(here: Path) -> None:
    import yaml

    hooks = yaml.safe_load((Path(__file__).parents[1] / ".pre-commit-hooks.yaml").read_text())
    ids = ["advisor-check", "advisor-validate", "advisor-lint", "advisor-test"]
    assert [h["id"] for h in hooks] == [*ids, "advisor-guide-check"]
    hooks = hooks[:4]  # the rulebook's; test_edition.py runs advisor-guide-check
    run("init")
    for hook in hooks:
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        # YAML files only (not every file, and the user narrows it with 'files:').
        assert hook["types"] == ["yaml"] and "files" not in hook
        program, *args = hook["entry"].split()
        assert program == "advisor"
        # As the README configures them: the rulebook folder as the argument.
        code, out = run(*args, "rulebook")
        assert code == 0, (hook["id"], out)


def test_the_example_override_changes_only_what_it_says(tmp_path: Path) -> None:
    """The scaffold copies a built-in rule; if that rule changes, the copy must follow."""
    from advisor.load.rulebook import load_rulebook

    result = CliRunner().invoke(cli, ["init", str(tmp_path / "org")])
    assert result.exit_code == 0, result.output
    ours = load_rulebook(tmp_path / "org").rule("ds-validate-moderate")
    builtin = load_rulebook().rule("ds-validate-moderate")
    assert ours is not None and builtin is not None
    mine, theirs = msgspec.structs.asdict(ours.spec), msgspec.structs.asdict(builtin.spec)
    changed = {k for k in mine if mine[k] != theirs[k]}
    assert changed == {"review", "sources"}
    assert set(theirs["sources"]) < set(mine["sources"])
