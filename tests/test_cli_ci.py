"""Conventions for scripts and CI, from the command line: --json on rules validate, rules test
and batch; --format github annotations; rules check; ADVISOR_RULES and ADVISOR_SCORES."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from clitools import advisor_process, complete, run

from advisor.load.resources import builtin_rules
from advisor.load.rulebook import load_rulebook
from advisor.model.location import Location
from advisor.rendering.annotations import escape_data, escape_property, github_annotation

pytestmark = pytest.mark.usefixtures("workdir")

LINT = Path(__file__).parent / "fixtures" / "lint"
OVERLAP = [str(LINT / "common"), str(LINT / "overlap.yaml")]
SCORES = """\
models:
  - id: acme-1
    name: Acme One
    scores:
      - {benchmark: mle-bench, score: 55, source: https://example.org/acme, date: "2026-05",
         verified: true}
"""


def scaffold(folder: str = "rulebook") -> Path:
    """An organisation rulebook from ``advisor init`` (valid, lint-clean, tests passing)."""
    result = run("init", folder)
    assert result.exit_code == 0, result.output
    return Path(folder)


def replace_in(path: Path, old: str, new: str) -> int:
    """Replace ``old`` (once) in a file; the 1-based line it was on."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def broken(folder: str = "rulebook") -> tuple[Path, int]:
    """A scaffolded rulebook with a misspelt key; the file and the key's line."""
    book = scaffold(folder)
    line = replace_in(
        book / "rulebook.yaml", "        autonomy: assist\n", "        autonmy: assist\n"
    )
    return book / "rulebook.yaml", line


# --------------------------------------------------------------------------- rules validate


def test_validate_json_of_a_valid_rulebook() -> None:
    result = run("rules", "validate", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["problems"] == []
    assert data["rulebook"]["id"] == "builtin"
    assert data["rulebook"]["rules"] == 85 and data["rulebook"]["files"] == 6


def test_validate_json_locates_every_problem_with_the_text_mode_exit_code() -> None:
    path, line = broken()
    text = run("rules", "validate", "rulebook")
    result = run("rules", "validate", "rulebook", "--json")
    assert result.exit_code == text.exit_code == 1
    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["rulebook"] is None
    [problem] = data["problems"]
    assert (problem["file"], problem["line"], problem["column"]) == (str(path), line, 9)
    assert "unknown key 'autonmy'" in problem["message"]
    # The same problem the text mode prints, split into its parts.
    where = f"{problem['file']}:{problem['line']}:{problem['column']}"
    assert text.stderr == f"advisor: error: {where}: {problem['message']}\n"


def test_validate_json_of_a_missing_path_keeps_exit_2() -> None:
    result = run("rules", "validate", "nowhere", "--json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["problems"] == [
        {"file": None, "line": None, "column": None, "message": "nowhere: no such file or folder"}
    ]


def test_validate_github_annotations_escape_properties_and_data() -> None:
    path, line = broken("a,b:c%d")
    result = run("rules", "validate", "a,b:c%d", "--format", "github")
    assert result.exit_code == 1
    assert result.stderr == ""
    [annotation] = result.stdout.splitlines()
    assert annotation.startswith(f"::error file=a%2Cb%3Ac%25d/rulebook.yaml,line={line},col=9::")
    assert "unknown key 'autonmy'" in annotation
    # A '%' in a message is escaped, and only ':' after the properties ends them.
    assert re.fullmatch(r"::error file=[^:,]+,line=\d+,col=\d+::[^\r\n]+", annotation)


def test_validate_github_on_a_valid_rulebook_prints_the_summary() -> None:
    result = run("rules", "validate", "--format", "github")
    assert (result.exit_code, result.stdout) == (0, "ok: builtin (6 files, 4 tables, 85 rules)\n")


@pytest.mark.parametrize("paths", [["rulebook"], ["nowhere"], ["rulebook", "-"]])
def test_lint_and_test_report_an_invalid_rulebook_as_validate_does(paths: list[str]) -> None:
    """On a rulebook that does not load (a misspelt key: exit 1; a missing path or '-' not
    alone: exit 2), lint and test print validate's JSON document and lint validate's
    annotations, with validate's exit code, instead of a plain error line."""
    broken()
    validate_json = run("rules", "validate", *paths, "--json")
    validate_github = run("rules", "validate", *paths, "--format", "github")
    validate_text = run("rules", "validate", *paths)
    document = json.loads(validate_json.stdout)
    assert document["ok"] is False and document["problems"]
    annotations = validate_github.stdout.splitlines()
    assert annotations and all(a.startswith("::error") for a in annotations)
    for command in ("lint", "test"):
        as_json = run("rules", command, *paths, "--json")
        assert (as_json.exit_code, as_json.stderr) == (validate_json.exit_code, "")
        assert json.loads(as_json.stdout) == document
        text = run("rules", command, *paths)
        assert (text.exit_code, text.stderr) == (validate_text.exit_code, validate_text.stderr)
    github = run("rules", "lint", *paths, "--format", "github")
    assert (github.exit_code, github.stderr) == (validate_github.exit_code, "")
    assert github.stdout.splitlines() == annotations


def test_json_and_github_together_are_bad_usage() -> None:
    for command in ("validate", "lint", "check"):
        result = run("rules", command, "--json", "--format", "github")
        assert result.exit_code == 2
        assert "--json and --format github both print the report; choose one" in result.stderr


def test_workflow_command_escaping() -> None:
    assert escape_data("50% of\r\nrules: a,b") == "50%25 of%0D%0Arules: a,b"
    assert escape_property("dir,x:y%z\n") == "dir%2Cx%3Ay%25z%0A"
    assert github_annotation("warning", "m", Location("f.yaml", 3, 4)) == (
        "::warning file=f.yaml,line=3,col=4::m"
    )
    assert github_annotation("info", "m", Location("f.yaml")) == "::notice file=f.yaml::m"
    assert github_annotation("error", "m", None) == "::error::m"


# --------------------------------------------------------------------------- rules lint


def test_lint_github_annotations_errors_and_warnings() -> None:
    result = run("rules", "lint", *OVERLAP, "--format", "github")
    text = run("rules", "lint", *OVERLAP)
    assert result.exit_code == text.exit_code == 1
    lines = result.stdout.splitlines()
    overlap = str(LINT / "overlap.yaml")
    assert lines[0].startswith(f"::error file={escape_property(overlap)},line=8,col=13::overlap: ")
    assert lines[1].startswith("::warning file=")
    assert "::unused-benchmark: benchmark 'terminal-bench-2'" in lines[1]
    assert lines[2:] == ["lint-fixture: 1 error, 1 warning, 0 info"]
    # The same findings as the text report, one annotation each.
    assert len([t for t in text.stdout.splitlines() if ": error: " in t]) == 1


def test_lint_github_on_a_clean_rulebook() -> None:
    # The built-in rulebook's findings are infos: Terminal-Bench 1.0 and 2.1 inform no stage.
    result = run("rules", "lint", "--format", "github")
    assert result.exit_code == 0
    *notices, summary = result.stdout.splitlines()
    for notice, bench in zip(notices, ["terminal-bench-1", "terminal-bench-2.1"], strict=True):
        assert notice.startswith(f"::notice file={Path(builtin_rules()) / 'rulebook.yaml'},line=")
        assert notice.endswith(
            f"::informs-nothing: benchmark '{bench}' informs no stage: "
            "its scores are shown but decide no stage advice"
        )
    assert summary == "builtin: 0 errors, 0 warnings, 2 info"


def test_lint_github_infos_are_notices() -> None:
    book = scaffold()
    result = run("rules", "lint", "rulebook", "--format", "github")
    assert result.exit_code == 0
    # The built-in rulebook's own infos (Terminal-Bench 1.0 and 2.1 inform no stage) are
    # not the organisation's to act on: its lint leaves them out.
    notice, summary = result.stdout.splitlines()
    assert notice.startswith(f"::notice file={book / 'rulebook.yaml'},line=")
    assert "::overridden: rule 'ds-validate-moderate' is overridden by this rulebook" in notice
    assert summary == "my-org: 0 errors, 0 warnings, 1 info"


# --------------------------------------------------------------------------- rules test


def test_rules_test_json_of_the_built_in_rulebook() -> None:
    result = run("rules", "test", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["ok"], data["rulebook"], data["passed"], data["failed"]) == (
        True,
        "builtin",
        46,
        0,
    )
    assert data["coverage"] == {
        "reached": 85,
        "rules": 85,
        "percent": 100.0,
        "minimum": None,
        "below_minimum": False,
    }
    assert data["unreached"] == []
    assert all(t["passed"] and t["failures"] == [] for t in data["tests"])


def test_rules_test_json_of_a_failing_test_keeps_exit_1() -> None:
    book = scaffold()
    replace_in(book / "tests.yaml", "autonomy: assist,", "autonomy: supervised,")
    text = run("rules", "test", "rulebook")
    result = run("rules", "test", "rulebook", "--json")
    assert result.exit_code == text.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["failed"] == 1
    [failed] = [t for t in data["tests"] if not t["passed"]]
    assert failed["id"] == "my-org-ds-validation"
    assert failed["location"].startswith(str(book / "tests.yaml") + ":")
    [failure] = failed["failures"]
    assert failure["what"] == "data-scientist × result-validation"
    assert failure["expected"] == "autonomy supervised, rule ds-validate-moderate"
    assert failure["actual"] == "autonomy assist, rule ds-validate-moderate"
    assert failure["trace"][0].startswith("trace: table stage-advice")


def test_rules_test_json_below_the_coverage_minimum() -> None:
    result = run("rules", "test", *OVERLAP, "--json", "--coverage-min", "50")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["failed"] == 0
    assert data["coverage"]["below_minimum"] is True and data["coverage"]["minimum"] == 50
    assert [u["rule"] for u in data["unreached"]] == ["low", "high", "no-score"]


# --------------------------------------------------------------------------- rules check


def test_check_of_a_good_rulebook_runs_all_three() -> None:
    scaffold()
    result = run("rules", "check", "rulebook", "--coverage-min", "0")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ok: my-org (")
    assert "my-org: 0 errors, 0 warnings, " in result.stdout
    assert re.search(r"^\d+ passed, 0 failed$", result.stdout, re.M)
    assert re.search(r"^coverage: \d+ of \d+ rules", result.stdout, re.M)


def test_check_reports_an_invalid_rulebook_once() -> None:
    path, line = broken()
    result = advisor_process("rules", "check", "rulebook", capture_output=True)
    assert result.returncode == 1
    assert result.stdout == ""
    [error] = result.stderr.splitlines()
    assert error.startswith(f"advisor: error: {path}:{line}:9: ")
    assert "unknown key 'autonmy'" in error


def test_check_fails_on_a_lint_error_and_on_a_failing_test() -> None:
    lint_error = run("rules", "check", *OVERLAP)
    assert lint_error.exit_code == 1
    assert ": error: overlap: " in lint_error.stdout
    book = scaffold()
    replace_in(book / "tests.yaml", "autonomy: assist,", "autonomy: supervised,")
    failing = run("rules", "check", "rulebook")
    assert failing.exit_code == 1
    assert "FAIL my-org-ds-validation" in failing.stdout


def test_check_github_and_json() -> None:
    annotations = run("rules", "check", *OVERLAP, "--coverage-min", "50", "--format", "github")
    assert annotations.exit_code == 1
    lines = annotations.stdout.splitlines()
    assert [line.split(" ", 1)[0] for line in lines[:3]] == [
        "::error",
        "::warning",
        "::error::coverage",
    ]
    assert lines[3:] == [
        "ok: lint-fixture (2 files, 1 table, 3 rules)",
        "lint-fixture: 1 error, 1 warning, 0 info",
        "0 passed, 0 failed, coverage 0.0%",
    ]
    data = json.loads(run("rules", "check", *OVERLAP, "--json").stdout)
    assert data["ok"] is False
    assert data["validate"]["ok"] is True
    assert data["lint"]["summary"] == {"error": 1, "warning": 1, "info": 0}
    assert data["test"]["ok"] is True  # no tests, no minimum: the tests pass; lint fails
    _, _ = broken()
    invalid = run("rules", "check", "rulebook", "--json")
    assert invalid.exit_code == 1
    data = json.loads(invalid.stdout)
    assert (data["ok"], data["lint"], data["test"]) == (False, None, None)
    assert len(data["validate"]["problems"]) == 1


# --------------------------------------------------------------------------- batch --json


def test_batch_json_summary() -> None:
    Path("teams.csv").write_text(
        "team,roles,model\nFraud ML,ds,gpt-5.5\nBad,cto,gpt-5.5\n", encoding="utf-8"
    )
    result = run("batch", "teams.csv", "--out-dir", "out/guides", "--json")
    assert result.exit_code == 1
    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert data["out_dir"] == str(Path("out/guides").resolve())
    assert (data["ok"], data["written"], data["failed"]) == (False, 1, 1)
    good, bad = data["guides"]
    assert good == {
        "location": "teams.csv:2:1",
        "line": 2,
        "team": "Fraud ML",
        "file": "fraud-ml.md",
        "ok": True,
        "error": None,
    }
    assert (bad["line"], bad["ok"], bad["file"]) == (3, False, None)
    assert "unknown value 'cto'" in bad["error"]
    assert sorted(p.name for p in Path("out/guides").iterdir()) == ["fraud-ml.md"]


# --------------------------------------------------------------------------- environment


def test_advisor_rules_names_the_rulebook_for_every_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ADVISOR_RULES", os.pathsep.join(["", *OVERLAP, ""]))
    validate = run("rules", "validate")
    assert validate.stdout == "ok: lint-fixture (2 files, 1 table, 3 rules)\n"
    assert run("rules", "lint").exit_code == 1
    models = run("models", "--json")
    assert models.exit_code == 0 and json.loads(models.stdout) == []
    # An explicit path or --rules wins over the variable.
    assert run("rules", "validate", str(LINT / "common"), str(LINT / "gap.yaml")).stdout == (
        "ok: lint-fixture (2 files, 1 table, 4 rules)\n"
    )
    builtin = Path(__file__).parents[1] / "rules"
    assert run("rules", "validate", str(builtin)).stdout.startswith("ok: builtin ")
    explain = run("explain", "--rules", str(builtin), "--role", "mle", "--model", "gpt-5.5")
    assert explain.exit_code == 0, explain.output


def test_advisor_scores_adds_models_unless_scores_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    Path("acme.yaml").write_text(SCORES, encoding="utf-8")
    Path("other.yaml").write_text(SCORES.replace("acme-1", "other-1"), encoding="utf-8")
    monkeypatch.setenv("ADVISOR_SCORES", "acme.yaml")
    ids = [m["id"] for m in json.loads(run("models", "--json").stdout)]
    assert "acme-1" in ids
    compare = run("compare", "acme-1", "gpt-5.5")
    assert compare.exit_code == 0, compare.output
    ids = [m["id"] for m in json.loads(run("models", "--json", "--scores", "other.yaml").stdout)]
    assert "other-1" in ids and "acme-1" not in ids
    monkeypatch.setenv("ADVISOR_SCORES", os.pathsep.join(["acme.yaml", "other.yaml"]))
    ids = [m["id"] for m in json.loads(run("models", "--json").stdout)]
    assert {"acme-1", "other-1"} <= set(ids)


def test_a_missing_path_in_a_variable_is_reported_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As a flag's, with the exit code of a flag's, but saying which variable holds it: the
    user did not type that path."""
    monkeypatch.setenv("ADVISOR_SCORES", "missing.yaml")
    from_env = run("models")
    from_flag = run("models", "--scores", "missing.yaml")
    assert from_env.exit_code == from_flag.exit_code == 2
    assert from_flag.stderr == "advisor: error: missing.yaml: no such scores file\n"
    assert from_env.stderr == "advisor: error: ADVISOR_SCORES: missing.yaml: no such scores file\n"
    monkeypatch.delenv("ADVISOR_SCORES")
    monkeypatch.setenv("ADVISOR_RULES", os.pathsep.join([str(LINT / "common"), "/nonexist"]))
    message = "ADVISOR_RULES: /nonexist: no such file or folder"
    for args in (["models"], ["guide", "--defaults", "-o", "g.md"], ["rules", "validate"]):
        result = run(*args)
        assert (result.exit_code, result.stderr) == (2, f"advisor: error: {message}\n"), args
    assert not Path("g.md").exists()
    # The rules commands' JSON and annotations name it too.
    for command in ("validate", "lint", "test"):
        data = json.loads(run("rules", command, "--json").stdout)
        assert [p["message"] for p in data["problems"]] == [message]
    check = run("rules", "check", "--json")
    assert check.exit_code == 2
    assert json.loads(check.stdout)["validate"]["problems"][0]["message"] == message
    github = run("rules", "lint", "--format", "github")
    assert (github.exit_code, github.stdout) == (2, f"::error::{message}\n")
    # A path on the command line wins; the variable is not looked at.
    assert run("rules", "validate", str(LINT / "common"), str(LINT / "gap.yaml")).exit_code == 0
    builtin = str(Path(__file__).parents[1] / "rules")
    assert run("models", "--rules", builtin, "--json").exit_code == 0


def test_the_variables_are_in_the_help() -> None:
    text = " ".join(run("guide", "--help").stdout.split())
    assert "env var: ADVISOR_RULES" in text and "env var: ADVISOR_SCORES" in text
    assert f"paths separated by '{os.pathsep}'" in text


# --------------------------------------------------------------------------- shell completion


#: The built-in rulebook's models, in its order.
MODELS = list(load_rulebook().models)


@pytest.mark.parametrize(
    ("words", "offered"),
    [
        ("advisor guide --role ", ["data-scientist", "ml-engineer", "tech-lead", "student"]),
        ("advisor guide --role m", ["ml-engineer"]),
        (
            "advisor explain --stage ",
            ["data-processing", "model-selection", "training-tuning", "result-validation"],
        ),
        ("advisor explain --model GPT", ["gpt-5.5", "gpt-5.4"]),
        ("advisor guide --baseline ", [*MODELS, "none"]),
        ("advisor compare gpt-5.5 g", [m for m in MODELS if m.startswith("g")]),
        ("advisor diff --model-to ", MODELS),
        (
            "advisor scores import x.csv --benchmark ",
            [
                "mle-bench",
                "terminal-bench-2",
                "swe-bench-verified",
                "terminal-bench-1",
                "terminal-bench-2.1",
            ],
        ),
    ],
)
def test_completion_of_ids_from_the_built_in_rulebook(words: str, offered: list[str]) -> None:
    assert complete(words) == offered


def test_completion_reads_the_rulebook_and_scores_given() -> None:
    Path("acme.yaml").write_text(SCORES, encoding="utf-8")
    rules = " ".join(f"--rules {p}" for p in OVERLAP)
    assert complete(f"advisor explain {rules} --stage ") == ["data-processing", "model-selection"]
    with_acme = [m for m in MODELS if m.startswith("a")] + ["acme-1"]
    assert "acme-1" not in MODELS and len(with_acme) > 1
    assert complete("advisor explain --scores acme.yaml --model a") == with_acme
    assert complete("advisor explain --model a", ADVISOR_SCORES="acme.yaml") == with_acme


def test_completion_with_a_broken_rulebook_offers_nothing_quietly() -> None:
    assert complete("advisor guide --rules nowhere --role ") == []
