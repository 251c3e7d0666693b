"""Tests for 'advisor rules test': outcomes, failure traces and coverage thresholds."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli.app import cli


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


VOCAB = """
rulebook: {id: small, name: Small rulebook}
autonomy:
  - {id: manual, name: Manual, ai: Nothing., human: Everything.}
  - {id: assist, name: Assist, ai: Answers., human: Does the work.}
  - {id: draft, name: Draft, ai: Drafts., human: Reworks.}
roles:
  - {id: analyst, name: Analyst}
stages:
  - {id: prep, name: Preparation}
  - {id: check, name: Checking}
benchmarks:
  - {id: mle-bench, name: MLE-Bench, measures: ML engineering}
sources:
  - {id: paper, title: A paper}
tables:
  - id: stage-advice
    purpose: stage-advice
    hit_policy: unique
    inputs: [role, stage, mle-bench]
    rules:
      - {id: low, when: {mle-bench: "< 50"}, autonomy: assist, sources: [paper]}
      - {id: high, when: {mle-bench: ">= 50"}, autonomy: draft, sources: [paper]}
      - {id: none, when: {mle-bench: missing}, autonomy: manual, sources: [paper]}
"""


def small(tmp_path: Path, tests: str) -> str:
    (tmp_path / "book.yaml").write_text(VOCAB)
    (tmp_path / "tests.yaml").write_text("tests:" + tests)
    return str(tmp_path)


def test_builtin_tests_pass_and_reach_every_rule() -> None:
    code, out = run("rules", "test", "--coverage-min", "100")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "46 passed, 0 failed"
    assert lines[1] == "coverage: 85 of 85 rules (100.0%)"
    assert len(lines) == 2  # nothing unreached to list


def test_failure_shows_expected_actual_and_the_trace(tmp_path: Path) -> None:
    path = small(
        tmp_path,
        """
  - id: wrong
    given: {scores: {mle-bench: 70}}
    expect:
      - {role: analyst, stage: prep, autonomy: assist, rule: low}
      - {role: analyst, stage: check, autonomy: draft, rule: high}
""",
    )
    code, out = run("rules", "test", path)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("FAIL wrong (") and "tests.yaml:2:9)" in lines[0]
    assert lines[1] == (
        "  analyst × prep: expected autonomy assist, rule low; got autonomy draft, rule high"
    )
    assert lines[2] == "    trace: table stage-advice for analyst × prep (hit policy unique)"
    assert "      matched: high" in lines
    assert "      near miss: low: mle-bench = 70 is not in < 50" in lines
    assert "      near miss: none: mle-bench = 70 is not in missing" in lines
    # The passing check of the same test is not shown.
    assert not any("analyst × check" in line for line in lines)
    assert "0 passed, 1 failed" in lines


def test_no_rule_at_all_is_reported_as_such(tmp_path: Path) -> None:
    path = small(
        tmp_path,
        """
  - id: expects-more
    given: {scores: {mle-bench: 10}}
    expect:
      - {role: analyst, stage: prep, rule: low}
      - {role: analyst, stage: prep, autonomy: assist}
      - {role: analyst, table: stage-advice, autonomy: draft}
""",
    )
    code, out = run("rules", "test", path)
    assert code == 1
    # A table expectation without a stage checks every stage.
    assert (
        "  analyst × prep, table stage-advice: expected autonomy draft; got autonomy assist, "
        "rule low" in out.splitlines()
    )
    assert (
        "  analyst × check, table stage-advice: expected autonomy draft; got autonomy "
        "assist, rule low" in out.splitlines()
    )
    assert "0 passed, 1 failed" in out.splitlines()


def test_an_evaluation_error_fails_the_test_not_the_run(tmp_path: Path) -> None:
    path = small(
        tmp_path,
        """
  - id: fine
    given: {scores: {mle-bench: 10}}
    expect:
      - {role: analyst, stage: prep, autonomy: assist}
  - id: clash
    given: {scores: {mle-bench: 50}}
    expect:
      - {role: analyst, stage: prep, autonomy: assist}
""",
    )
    # Both bands now include 50: the unique table cannot decide there.
    (tmp_path / "book.yaml").write_text(VOCAB.replace('"< 50"', '"<= 50"'))
    code, out = run("rules", "test", path)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("FAIL clash (")
    assert lines[1].startswith("  error: ") and "rules 'low'" in lines[1]
    assert "both apply for analyst × prep in unique table 'stage-advice'" in lines[1]
    assert "1 passed, 1 failed" in lines


@pytest.mark.parametrize(
    ("minimum", "code"),
    [
        ("0", 0),
        ("66.6", 0),
        ("66.66", 0),
        ("66.67", 1),
        ("100", 1),
    ],
)
def test_coverage_threshold_is_exact(tmp_path: Path, minimum: str, code: int) -> None:
    path = small(
        tmp_path,
        """
  - id: two-of-three
    given: {scores: {mle-bench: 10}}
    expect:
      - {role: analyst, stage: prep, rule: low}
      - {role: analyst, stage: check, rule: low}
  - id: missing-score
    given: {scores: {mle-bench: null}}
    expect:
      - {role: analyst, stage: prep, rule: none}
""",
    )
    got, out = run("rules", "test", path, "--coverage-min", minimum)
    assert got == code, out
    lines = out.splitlines()
    assert lines[0] == "2 passed, 0 failed"
    # 2 of 3 is 66.666...%: shown as 66.6%, never rounded up to 66.7%.
    assert lines[1] == "coverage: 2 of 3 rules (66.6%)"
    assert lines[2] == "rules no test reaches:"
    assert lines[3].endswith(": high (table stage-advice)") and "book.yaml:" in lines[3]
    if code:
        assert lines[-1] == f"coverage 66.6% is below the minimum of {float(minimum):g}%"


def test_coverage_min_must_be_a_percentage() -> None:
    result = CliRunner().invoke(cli, ["rules", "test", "--coverage-min", "120"])
    assert result.exit_code == 2
    assert "120" in result.output


def test_given_scores_replace_the_models_one_benchmark_at_a_time(tmp_path: Path) -> None:
    # gpt-5.5 scores 82.7 on Terminal-Bench 2.0; the test moves only MLE-Bench.
    (tmp_path / "org.yaml").write_text("""
rulebook: {id: org, name: Org}
extends: builtin
tests:
  - id: gpt-5.5-at-40
    given: {model: gpt-5.5, scores: {mle-bench: 40}}
    expect:
      - {role: ml-engineer, stage: data-processing, autonomy: supervised,
         rule: mle-pipeline-moderate-cli}
  - id: gpt-5.5-at-40-without-cli
    given: {model: gpt-5.5, scores: {mle-bench: 40, terminal-bench-2: null}}
    expect:
      - {role: ml-engineer, stage: data-processing, autonomy: draft, rule: mle-pipeline-moderate}
""")
    code, out = run("rules", "test", str(tmp_path / "org.yaml"))
    assert code == 0, out
    assert out.splitlines()[0] == "48 passed, 0 failed"


def test_an_expectation_on_a_stage_of_a_role_table_fails_clearly(tmp_path: Path) -> None:
    (tmp_path / "org.yaml").write_text(
        """
rulebook: {id: org, name: Org}
extends: builtin
tests:
  - id: confused
    given: {scores: {mle-bench: 40}}
    expect:
      - {role: student, stage: prep, table: selection-guide, rule: guide-st-seed}
""".replace("stage: prep", "stage: data-processing")
    )
    code, out = run("rules", "test", str(tmp_path / "org.yaml"))
    assert code == 1
    assert ("table 'selection-guide' does not run per stage; drop 'stage'") in out


def test_999_of_1000_rules_is_99_9_percent_and_fails_100(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "gen_rulebook", Path(__file__).parents[1] / "benchmarks" / "gen_rulebook.py"
    )
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    # 1000 rules: 25 roles × 4 stages, ten 10-point MLE-Bench bands each.
    gen.write_rulebook(tmp_path / "book.yaml", 1000, bands=10)
    tests = ["tests:"]
    for band in range(10):
        tests += [
            f"  - id: band-{band}",
            f"    given: {{scores: {{mle-bench: {band * 10 + 5}}}}}",
            "    expect:",
        ]
        for group in range(100):
            if (band, group) != (0, 0):  # leave exactly one rule unreached
                role, stage = divmod(group, 4)
                tests.append(
                    f"      - {{role: role-{role}, stage: stage-{stage}, rule: g{group}-b{band}}}"
                )
    (tmp_path / "tests.yaml").write_text("\n".join(tests) + "\n")
    code, out = run("rules", "test", str(tmp_path), "--coverage-min", "100")
    lines = out.splitlines()
    assert lines[:2] == ["10 passed, 0 failed", "coverage: 999 of 1000 rules (99.9%)"]
    assert lines[3].endswith(": g0-b0 (table stage-advice)")
    assert lines[-1] == "coverage 99.9% is below the minimum of 100%"
    assert code == 1
    code, _ = run("rules", "test", str(tmp_path), "--coverage-min", "99.9")
    assert code == 0
