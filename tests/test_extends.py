"""Organisation rulebooks: an extends / override / disable chain seen by validate, lint,
test and explain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli.app import cli
from advisor.load.resources import builtin_rules

STAGE_TABLE = """
tables:
  - id: stage-advice
    purpose: stage-advice
    hit_policy: unique
    inputs: [role, stage, evidence, terminal-bench-2]
    rules:
"""

ORG = (
    """
rulebook: {id: acme, name: ACME ML rulebook}
extends: builtin
overrides:
  disable: [ds-judgement-top]
sources:
  - {id: acme-policy, title: ACME model-risk policy, date: "2026-10"}
"""
    + STAGE_TABLE
    + """
      - id: tl-validate-top
        when: {role: tech-lead, stage: result-validation, evidence: top}
        autonomy: assist
        text: Sign-off stays with people (model-risk policy); {{ model.name }} may check reports.
        sources: [acme-policy]
      - id: acme-ds-judgement-top
        when: {role: data-scientist, stage: [model-selection, result-validation], evidence: top}
        autonomy: draft
        text: Model choice and validation stay with people (ACME policy); {{ model.name }} drafts.
        sources: [acme-policy]
"""
)

ORG_TESTS = """
tests:
  - id: mle-85-tech-lead
    description: Redefined by ACME, whose policy keeps validation at assist.
    given: {scores: {mle-bench: 85, terminal-bench-2: 70}}
    expect:
      - {role: tech-lead, stage: result-validation, autonomy: assist, rule: tl-validate-top}
      - {role: tech-lead, stage: model-selection, autonomy: supervised, rule: tl-select-top}
  - id: acme-ds-top
    given: {scores: {mle-bench: 85}}
    expect:
      - {role: data-scientist, stage: model-selection, autonomy: draft, rule: acme-ds-judgement-top}
"""

TEAM = (
    """
rulebook: {id: acme-research, name: ACME research team}
extends: ../acme
overrides:
  disable: [read-swe]
"""
    + STAGE_TABLE
    + """
      - id: st-prep-top
        when: {role: student, stage: data-processing, evidence: top}
        autonomy: supervised
        text: Let {{ model.name }} prepare data; check it against the lab's data sheet.
        sources: [acme-policy]
tests:
  - id: bottom-line-gain
    description: Redefined without the SWE-bench reading this team switched off.
    given:
      baseline: gpt-5.4
      scores: {mle-bench: 40, terminal-bench-2: 85, swe-bench-verified: 70}
      baseline_scores: {mle-bench: 30}
    expect:
      - {role: tech-lead, table: bottom-line, rule: bottom-score-up}
      - {role: tech-lead, table: bottom-line, rule: bottom-medal-rate}
      - {role: tech-lead, table: cross-benchmark, rule: read-cli-high}
      - {role: tech-lead, table: cross-benchmark, rule: read-ml-partial}
      - {role: tech-lead, table: cross-benchmark, rule: read-gap-wide}
"""
)

SCORES = """
models:
  - id: top-model
    name: Top model
    scores:
      - {benchmark: mle-bench, score: 85, date: "2026", source: test, verified: true}
      - {benchmark: terminal-bench-2, score: 70, date: "2026", source: test, verified: true}
"""


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """acme extends builtin; acme-research extends acme by a relative path."""
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "rulebook.yaml").write_text(ORG)
    (tmp_path / "acme" / "tests.yaml").write_text(ORG_TESTS)
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "rulebook.yaml").write_text(TEAM)
    (tmp_path / "scores.yaml").write_text(SCORES)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_chain_validates(chain: Path) -> None:
    code, out = run("rules", "validate", "team")
    assert code == 0, out
    # 6 built-in files, 2 of acme, 1 of the team; 85 rules, 2 disabled, 1 added:
    # the rule acme disabled stays disabled in the team's rulebook that extends it.
    assert out.strip() == "ok: acme-research (9 files, 4 tables, 84 rules)"


def test_chain_lints_clean_and_reports_every_change(chain: Path) -> None:
    code, out = run("rules", "lint", "--json", "team")
    assert code == 0, out
    report = json.loads(out)
    assert report["summary"] == {"error": 0, "warning": 0, "info": 4}
    # The built-in rulebook's own infos (Terminal-Bench 1.0 and 2.1 inform no stage) are not
    # the organisation's to act on.
    assert not [f for f in report["findings"] if f["code"] == "informs-nothing"]
    changes = {(f["code"], f["rules"][0]): f["locations"] for f in report["findings"]}
    acme, team = chain / "acme" / "rulebook.yaml", chain / "team" / "rulebook.yaml"
    assert changes[("disabled", "ds-judgement-top")][0] == (
        f"acme/rulebook.yaml:{line_of(acme, 'disable: [ds-judgement-top')}:13"
    )
    assert changes[("overridden", "tl-validate-top")][0] == (
        f"acme/rulebook.yaml:{line_of(acme, 'id: tl-validate-top')}:13"
    )
    assert changes[("disabled", "read-swe")][0] == (
        f"team/rulebook.yaml:{line_of(team, 'disable: [read-swe')}:13"
    )
    assert changes[("overridden", "st-prep-top")][0] == (
        f"team/rulebook.yaml:{line_of(team, 'id: st-prep-top')}:13"
    )
    # The second location is where the rule came from: the built-in rulebook.
    advice = Path(builtin_rules()) / "advice.yaml"
    assert changes[("overridden", "st-prep-top")][1].endswith(
        f"rules/advice.yaml:{line_of(advice, 'id: st-prep-top')}:13"
    )
    assert all(f["severity"] == "info" for f in report["findings"])


def test_chain_tests_pass_with_full_coverage(chain: Path) -> None:
    code, out = run("rules", "test", "team", "--coverage-min", "100")
    assert code == 0, out
    lines = out.splitlines()
    # Built-in expectations naming the rule acme disabled are skipped, and listed.
    assert lines[0] == (
        "skipped expectations naming disabled rules: mle-85-data-scientist (ds-judgement-top)"
    )
    # 45 built-in tests (two redefined) and one of acme's own.
    assert lines[1:] == ["47 passed, 0 failed", "coverage: 84 of 84 rules (100.0%)"]


def test_explain_shows_the_organisations_changes(chain: Path) -> None:
    code, out = run(
        "explain",
        "--rules",
        "team",
        "--scores",
        "scores.yaml",
        "--role",
        "tech-lead",
        "--model",
        "top-model",
        "--stage",
        "result-validation",
    )
    assert code == 0, out
    acme = chain / "acme" / "rulebook.yaml"
    assert "  chosen: tl-validate-top → assist\n    at acme/rulebook.yaml:" in out
    assert (
        f"  organisation change: tl-validate-top overridden at acme/rulebook.yaml:"
        f"{line_of(acme, 'id: tl-validate-top')}:13"
    ) in out
    assert "  organisation change: st-prep-top overridden at team/rulebook.yaml:" in out
    code, out = run(
        "explain",
        "--json",
        "--rules",
        "team",
        "--scores",
        "scores.yaml",
        "--role",
        "tech-lead",
        "--model",
        "top-model",
        "--stage",
        "result-validation",
    )
    tables = {t["table"]: t for t in json.loads(out)["tables"]}
    assert any(
        c.startswith("read-swe disabled at team/rulebook.yaml:")
        for c in tables["cross-benchmark"]["changes"]
    )
    # A data scientist's judgement stage: acme's rule replaces the one it disabled.
    code, out = run(
        "explain",
        *("--rules", "team", "--scores", "scores.yaml", "--role", "data-scientist"),
        *("--model", "top-model", "--stage", "model-selection"),
    )
    assert code == 0, out
    assert "  chosen: acme-ds-judgement-top → draft\n    at acme/rulebook.yaml:" in out
    assert (
        "  organisation change: ds-judgement-top disabled at acme/rulebook.yaml:"
        f"{line_of(acme, 'disable: [ds-judgement-top')}:13"
    ) in out


def test_inherited_test_broken_by_an_override_says_how_to_fix_it(chain: Path) -> None:
    # Without acme's redefinition, the built-in test still expects draft.
    (chain / "acme" / "tests.yaml").write_text(
        ORG_TESTS.split("  - id: acme-ds-top")[0].replace("mle-85-tech-lead", "acme-top-lead")
    )
    code, out = run("rules", "test", "acme")
    assert code == 1
    lines = out.splitlines()
    i = lines.index(next(line for line in lines if line.startswith("FAIL mle-85-tech-lead")))
    assert "rules/tests.yaml:" in lines[i]
    assert lines[i + 1] == (
        "  tech-lead × result-validation: expected autonomy draft, rule "
        "tl-validate-top; got autonomy assist, rule tl-validate-top"
    )
    note = next(line for line in lines[i:] if line.startswith("    note:"))
    assert note.startswith("    note: rule 'tl-validate-top' is overridden at acme/rulebook.yaml:")
    assert note.endswith(
        "redefine test 'mle-85-tech-lead' in your rulebook with the new expectation"
    )
    assert "46 passed, 1 failed" in lines  # 46 built-in tests and acme's renamed one


def test_disabling_without_a_replacement_leaves_a_gap(chain: Path) -> None:
    (chain / "acme" / "rulebook.yaml").write_text(ORG.split("sources:")[0] + "sources: []\n")
    (chain / "acme" / "tests.yaml").unlink()
    code, out = run("rules", "lint", "--json", "acme")
    assert code == 1
    gaps = [f for f in json.loads(out)["findings"] if f["code"] == "gap"]
    assert [g["examples"][0] for g in gaps] == [
        {"role": "data-scientist", "stage": "model-selection", "evidence": "top"},
        {"role": "data-scientist", "stage": "result-validation", "evidence": "top"},
    ]


def test_an_override_that_lowers_autonomy_at_higher_scores_fails_lint(chain: Path) -> None:
    (chain / "team" / "rulebook.yaml").write_text(
        TEAM.replace("autonomy: supervised", "autonomy: assist")
    )
    code, out = run("rules", "lint", "team")
    assert code == 1
    team = chain / "team" / "rulebook.yaml"
    expected = (
        f"team/rulebook.yaml:{line_of(team, 'id: st-prep-top')}:13: error: monotonicity: "
        "autonomy falls as evidence rises: student × data-processing at evidence = strong "
        "gives supervised (rule 'st-baseline-moderate') but evidence = top gives assist "
        "(rule 'st-prep-top')"
    )
    assert any(line.startswith(expected) for line in out.splitlines()), out


def test_restated_inputs_without_evidence_is_one_line_at_the_organisations_file(
    chain: Path,
) -> None:
    # A rulebook written before the evidence model restates the stage table's old inputs.
    acme = chain / "acme" / "rulebook.yaml"
    acme.write_text(
        ORG.replace(
            "inputs: [role, stage, evidence, terminal-bench-2]",
            "inputs: [role, stage, mle-bench, terminal-bench-2]",
        )
    )
    for args in (["rules", "validate", "acme"], ["guide", "--defaults", "--rules", "acme"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1, result.output
        assert result.stdout == ""
        assert result.stderr == (
            f"advisor: error: acme/rulebook.yaml:{line_of(acme, 'inputs: [role')}:13: "
            "table 'stage-advice': inputs leave out 'evidence', which 45 inherited rules read "
            "(first 'ds-hands-on-low'); add it to inputs: "
            "[role, stage, evidence, terminal-bench-2, mle-bench]\n"
        )
    # Dropping an input no inherited rule reads is the organisation's choice.
    acme.write_text(
        ORG.replace(
            "inputs: [role, stage, evidence, terminal-bench-2]",
            "inputs: [role, stage, evidence, terminal-bench-2, swe-bench-verified]",
        )
    )
    assert run("rules", "validate", "acme")[0] == 0
    # The team restates the table without it again: acme's rules do not read it either.
    assert run("rules", "validate", "team")[0] == 0


def test_extends_cycle_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "r.yaml").write_text("rulebook: {id: a, name: A}\nextends: ../b\n")
    (tmp_path / "b" / "r.yaml").write_text("rulebook: {id: b, name: B}\nextends: ../a\n")
    result = CliRunner().invoke(cli, ["rules", "lint", str(tmp_path / "a")])
    assert result.exit_code == 1
    assert "r.yaml:2:10: extends: '../" in result.output
    assert "makes a cycle or is nested too deep" in result.output


def test_an_override_given_twice_is_a_located_error(tmp_path: Path) -> None:
    """Two rules of one id in a restated table: the second used to win silently, while
    lint's "overridden" note pointed at the first."""
    rule = (
        "      - id: tl-validate-top\n"
        "        when: {role: tech-lead, stage: result-validation, evidence: top}\n"
        "        autonomy: {level}\n"
        "        text: Sign-off stays with people.\n"
        "        sources: [seed-review]\n"
    )
    (tmp_path / "org").mkdir()
    (tmp_path / "org" / "rulebook.yaml").write_text(
        "rulebook: {id: org, name: Org}\n"
        "extends: builtin\n"
        "tables:\n"
        "  - id: stage-advice\n"
        "    purpose: stage-advice\n"
        "    hit_policy: unique\n"
        "    inputs: [role, stage, evidence, terminal-bench-2]\n"
        "    rules:\n" + rule.replace("{level}", "assist") + rule.replace("{level}", "draft"),
        encoding="utf-8",
    )
    for command in ("validate", "lint"):
        result = CliRunner().invoke(cli, ["rules", command, str(tmp_path / "org")])
        assert result.exit_code == 1
        [line] = result.output.splitlines()
        assert line.endswith(
            "org/rulebook.yaml:14:13: duplicate rule id 'tl-validate-top' in table "
            f"'stage-advice' (first at {tmp_path / 'org' / 'rulebook.yaml'}:9:13)"
        ), line
