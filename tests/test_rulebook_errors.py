"""Broken rulebooks, as a user meets them through ``advisor rules validate``.

Each fixture is a copy of the built-in rules folder with one edit, so the edit
is the only thing wrong. The expected line and column are found by searching
the edited file's text for the edit, never by parsing it as YAML.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from advisor.cli.app import cli
from advisor.load import yamlsource
from advisor.load.resources import builtin_rules

FIRST_RULE = (
    "when: {role: data-scientist, stage: [data-processing, training-tuning], evidence: low}"
)
# The first rule with a number test: ML engineers automate pipelines one level
# earlier with Terminal-Bench 2.0 >= 60.
CLI_RULE = 'evidence: moderate, terminal-bench-2: ">= 60"}'

FIRST_RULE_AUTONOMY = "        autonomy: assist\n        text: Do data processing"
GPT55_MLE_SCORE = "      - benchmark: mle-bench\n        score: 36\n"


@pytest.fixture
def rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the built-in rules in the current folder, shown as ``rules/...``."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(builtin_rules(), tmp_path / "rules")
    return Path("rules")


def edit(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in ``path``."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not unique in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def at(path: Path, needle: str, offset: int = 0) -> str:
    """``FILE:LINE:COL`` of the unique ``needle`` in ``path`` (plus ``offset`` characters)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(needle) == 1, f"{needle!r} is not unique in {path}"
    index = text.index(needle) + offset
    line = text.count("\n", 0, index) + 1
    column = index - text.rfind("\n", 0, index)
    return f"{path.as_posix()}:{line}:{column}"


def validate(*paths: str | Path) -> Result:
    """Run ``advisor rules validate`` and check it never crashed."""
    result = CliRunner().invoke(cli, ["rules", "validate", *map(str, paths)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def errors(result: Result) -> list[str]:
    """The error lines of a failed validation (exit 1, nothing on stdout)."""
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    return result.stderr.splitlines()


def test_builtin_rules_copy_is_valid(rules: Path) -> None:
    result = validate(rules)
    assert result.exit_code == 0
    assert result.stdout.startswith("ok: builtin (6 files, ")
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("loader", "problem"),
    [
        ("CSafeLoader", "mapping values are not allowed in this context"),
        ("SafeLoader", "mapping values are not allowed here"),
    ],
)
def test_yaml_syntax_error(
    rules: Path, monkeypatch: pytest.MonkeyPatch, loader: str, problem: str
) -> None:
    if not hasattr(yaml, loader):
        pytest.skip("PyYAML built without libyaml")
    monkeypatch.setattr(yamlsource, "_LOADER", getattr(yaml, loader))
    f = rules / "rulebook.yaml"
    edit(f, "  name: advisor built-in rulebook\n", "  name: advisor: built-in rulebook\n")
    assert errors(validate(rules)) == [
        f"advisor: error: {at(f, 'advisor: built-in', 7)}: YAML syntax error: {problem}"
    ]


def test_unknown_key_in_a_rule(rules: Path) -> None:
    f = rules / "advice.yaml"
    edit(f, FIRST_RULE_AUTONOMY, FIRST_RULE_AUTONOMY.replace("autonomy:", "autonmy:"))
    assert errors(validate(rules)) == [
        f"advisor: error: {at(f, 'autonmy')}: tables.0.rules.0.autonmy: unknown key 'autonmy'; "
        "check the spelling (see 'advisor schema')"
    ]


def test_string_where_a_score_belongs(rules: Path) -> None:
    f = rules / "models.yaml"
    edit(f, GPT55_MLE_SCORE, GPT55_MLE_SCORE.replace("36", '"36"'))
    quoted = at(f, 'score: "36"', 7)
    assert errors(validate(rules)) == [
        f"advisor: error: {quoted}: models.0.scores.0.score: expected a number, got '36'"
    ]


def test_duplicate_yaml_key(rules: Path) -> None:
    f = rules / "models.yaml"
    edit(f, GPT55_MLE_SCORE, GPT55_MLE_SCORE + "        score: 37\n")
    both = "score: 36\n        score: 37"
    assert errors(validate(rules)) == [
        f"advisor: error: {at(f, both, both.index('score: 37'))}: duplicate key 'score' "
        f"(first at {at(f, both)}); remove one of them"
    ]


def test_duplicate_role_id_across_two_files(rules: Path) -> None:
    extra = rules / "team-roles.yaml"
    extra.write_text("roles:\n  - id: ml-engineer\n    name: ML engineer (ours)\n")
    assert errors(validate(rules)) == [
        "advisor: error: rules/team-roles.yaml:2:9: duplicate role id 'ml-engineer' "
        f"(first at {at(rules / 'rulebook.yaml', '- id: ml-engineer', 6)}); ids must be unique"
    ]


def test_duplicate_rule_id_across_two_files(rules: Path) -> None:
    f = rules / "guide.yaml"
    copy = "      - {id: ds-hands-on-low, when: {role: student}, text: A copy.}\n"
    edit(f, "      - id: guide-ds-early\n", copy + "      - id: guide-ds-early\n")
    assert errors(validate(rules)) == [
        f"advisor: error: {at(f, 'ds-hands-on-low', 0)}: duplicate rule id 'ds-hands-on-low' "
        "(also in table 'stage-advice')"
    ]


def test_unknown_role_in_a_rule(rules: Path) -> None:
    f = rules / "advice.yaml"
    edit(f, FIRST_RULE, FIRST_RULE.replace("role: data-scientist", "role: data-scientst"))
    assert errors(validate(rules)) == [
        f"advisor: error: {at(f, 'data-scientst')}: rule 'ds-hands-on-low': "
        "unknown role 'data-scientst'; did you mean data-scientist?"
    ]


def test_unknown_stage_in_a_rule(rules: Path) -> None:
    f = rules / "advice.yaml"
    edit(f, FIRST_RULE, FIRST_RULE.replace("[data-processing,", "[data-procesing,"))
    assert errors(validate(rules)) == [
        f"advisor: error: {at(f, '[data-procesing')}: rule 'ds-hands-on-low': "
        "unknown stage 'data-procesing'; did you mean data-processing?"
    ]


def test_unknown_benchmark_in_a_score(rules: Path) -> None:
    f = rules / "models.yaml"
    edit(f, GPT55_MLE_SCORE, GPT55_MLE_SCORE.replace("mle-bench", "mle-bnch"))
    assert errors(validate(rules)) == [
        f"advisor: error: {at(f, 'mle-bnch')}: model 'gpt-5.5': unknown benchmark 'mle-bnch'; "
        "did you mean mle-bench or terminal-bench-2 or terminal-bench-1?"
    ]


def test_unknown_baseline_model(rules: Path) -> None:
    f = rules / "models.yaml"
    edit(f, "    baseline: gpt-5.4\n", "    baseline: gpt-5.44\n")
    assert errors(validate(rules)) == [
        f"advisor: error: {at(f, 'gpt-5.44')}: model 'gpt-5.5': unknown baseline model "
        "'gpt-5.44'; did you mean gpt-5.4 or gpt-5.5 or codex-cli-gpt-5.4?"
    ]


@pytest.mark.parametrize(
    ("score", "message"),
    [
        ("136", "expected a number <= 100, got 136"),
        ("-0.5", "expected a number >= 0, got -0.5"),
        (".nan", "expected a finite number, got nan"),
        (".inf", "expected a finite number, got inf"),
    ],
)
def test_score_outside_0_to_100_or_not_finite(rules: Path, score: str, message: str) -> None:
    f = rules / "models.yaml"
    edit(f, GPT55_MLE_SCORE, GPT55_MLE_SCORE.replace("36", score))
    assert errors(validate(rules)) == [
        f"advisor: error: {at(f, f'score: {score}', 7)}: models.0.scores.0.score: {message}"
    ]


def test_python_object_tag_is_refused_and_never_runs(rules: Path, tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    f = rules / "questions.yaml"
    edit(f, "questions:\n", f'x: !!python/object/apply:os.system ["touch {canary}"]\nquestions:\n')
    assert errors(validate(rules)) == [
        f"advisor: error: {at(f, '!!python')}: YAML tag '!!python/object/apply:os.system' "
        "is not allowed: advisor reads plain data only"
    ]
    assert not canary.exists()


def test_empty_file(rules: Path) -> None:
    (rules / "questions.yaml").write_text("# nothing here yet\n")
    assert errors(validate(rules)) == [
        "advisor: error: rules/questions.yaml:1:1: empty file; a rulebook file is a mapping of "
        "sections (autonomy, roles, stages, benchmarks, ...); add one or remove the file"
    ]


def test_top_level_is_not_a_mapping(rules: Path) -> None:
    (rules / "questions.yaml").write_text("- team\n- roles\n")
    assert errors(validate(rules)) == [
        "advisor: error: rules/questions.yaml:1:1: a rulebook file is a mapping of sections "
        "(autonomy, roles, stages, benchmarks, ...), got a list"
    ]


def test_bad_unary_test_cell(rules: Path) -> None:
    f = rules / "advice.yaml"
    edit(f, CLI_RULE, CLI_RULE.replace('">= 60"', '"[60..30)"'))
    assert errors(validate(rules)) == [
        f"advisor: error: {at(f, '[60..30)', -1)}: rule 'mle-pipeline-moderate-cli', "
        "terminal-bench-2: empty interval '[60..30)': the lower end must be below the upper"
    ]


def test_unreadable_cell(rules: Path) -> None:
    f = rules / "advice.yaml"
    edit(f, CLI_RULE, CLI_RULE.replace('">= 60"', '"about 60"'))
    cell = at(f, '"about 60"}')
    assert errors(validate(rules)) == [
        f"advisor: error: {cell}: rule 'mle-pipeline-moderate-cli', terminal-bench-2: "
        "cannot read 'about 60'; expected a number test such as '>= 30', '< 50', '[30..50)' "
        "or '-' for any"
    ]


def test_unknown_evidence_level_in_a_rule(rules: Path) -> None:
    f = rules / "advice.yaml"
    edit(f, FIRST_RULE, FIRST_RULE.replace("evidence: low", "evidence: lo"))
    assert errors(validate(rules)) == [
        f"advisor: error: {at(f, 'evidence: lo}', 10)}: rule 'ds-hands-on-low': "
        "unknown evidence level 'lo'; did you mean low?"
    ]


def test_unknown_autonomy_level(rules: Path) -> None:
    f = rules / "advice.yaml"
    edit(f, FIRST_RULE_AUTONOMY, FIRST_RULE_AUTONOMY.replace("assist", "asist"))
    assert errors(validate(rules)) == [
        f"advisor: error: {at(f, 'asist')}: rule 'ds-hands-on-low': unknown autonomy level "
        "'asist'; did you mean assist?"
    ]


def test_unknown_input_in_when(rules: Path) -> None:
    f = rules / "advice.yaml"
    edit(f, FIRST_RULE, FIRST_RULE.replace("}", ', mle-bnch: "-"}'))
    assert errors(validate(rules)) == [
        f"advisor: error: {at(f, 'mle-bnch: ', 10)}: rule 'ds-hands-on-low': 'mle-bnch' is not "
        "an input of table 'stage-advice' (inputs: role, stage, evidence, terminal-bench-2)"
    ]


def test_every_problem_is_reported_one_line_each_in_file_order(rules: Path) -> None:
    advice, models = rules / "advice.yaml", rules / "models.yaml"
    edit(advice, FIRST_RULE_AUTONOMY, FIRST_RULE_AUTONOMY.replace("assist", "asist"))
    edit(advice, FIRST_RULE, FIRST_RULE.replace("role: data-scientist", "role: data-scientst"))
    edit(models, "    baseline: gpt-5.4\n", "    baseline: gpt-5.44\n")
    lines = errors(validate(rules))
    assert [line.split(": ")[2] for line in lines] == [
        at(advice, "data-scientst"),
        at(advice, "asist"),
        at(models, "gpt-5.44"),
    ]
    assert all(line.startswith("advisor: error: rules/") for line in lines)


def test_a_single_file_is_validated_as_given(rules: Path) -> None:
    # One file of a folder is not a rulebook on its own: the missing parts are named.
    lines = errors(validate(rules / "models.yaml"))
    assert lines[0] == (
        "advisor: error: rules/models.yaml:1:1: no 'rulebook:' section with id and name; "
        "add one to one of the files"
    )
    assert len(lines) == 1


def test_missing_path_is_bad_usage(rules: Path) -> None:
    result = validate("no-such-rules")
    assert result.exit_code == 2
    assert result.stderr == "advisor: error: no-such-rules: no such file or folder\n"


def test_broken_rulebook_in_rules_option_of_an_evaluating_command(rules: Path) -> None:
    f = rules / "models.yaml"
    edit(f, GPT55_MLE_SCORE, GPT55_MLE_SCORE.replace("36", "136"))
    result = CliRunner().invoke(cli, ["compare", "gpt-5.5", "gpt-5.4", "--rules", str(rules)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"advisor: error: {at(f, 'score: 136', 7)}: models.0.scores.0.score: "
        "expected a number <= 100, got 136\n"
    )


def test_a_broken_rule_named_by_a_rule_test_is_reported_once(rules: Path) -> None:
    (rules / "team-tests.yaml").write_text(
        "tests:\n"
        "  - id: team-low\n"
        "    given: {scores: {mle-bench: 40, terminal-bench-2: 70}}\n"
        "    expect:\n"
        "      - {role: ml-engineer, stage: data-processing, rule: mle-pipeline-moderate-cli}\n"
    )
    f = rules / "advice.yaml"
    edit(f, CLI_RULE, CLI_RULE.replace('">= 60"', '"[60..100"'))
    cell = at(f, '"[60..100"}')
    assert errors(validate(rules)) == [
        f"advisor: error: {cell}: rule 'mle-pipeline-moderate-cli', terminal-bench-2: "
        "cannot read '[60..100'; expected a number test such as '>= 30', '< 50', '[30..50)' "
        "or '-' for any"
    ]


def test_bands_out_of_order_are_one_line_naming_the_two_bands(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "rulebook.yaml").write_text(
        "rulebook: {id: b, name: B}\n"
        "extends: builtin\n"
        "benchmarks:\n"
        "  - id: new-bench\n"
        "    name: New bench\n"
        "    measures: things\n"
        "    informs: [data-processing]\n"
        "    bands:\n"
        "      - {at_least: 0, level: strong}\n"
        "      - {at_least: 50, level: emerging}\n"
        "      - {at_least: 80, level: low}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["rules", "validate", str(tmp_path / "b")])
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert line.endswith(
        "b/rulebook.yaml:4:9: benchmark 'new-bench': bands must rise in both at_least and "
        "level (a higher score never reads as weaker evidence): 'emerging' at 50 follows "
        "'strong' at 0"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("extends: builtn\n", "extends: 'builtn' not found (looked at "),
        (
            "extends: builtin\ntables:\n  - {id: t, purpose: reading, hit_policy: collect,\n"
            "     inputs: [mle-bnch], rules: []}\n",
            "table 't': unknown input 'mle-bnch' (did you mean mle-bench or ",
        ),
    ],
    ids=["extends", "input"],
)
def test_a_misspelt_name_gets_the_closest(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "rulebook.yaml").write_text(
        "rulebook: {id: b, name: B}\n" + text, encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["rules", "validate", str(tmp_path / "b")])
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert expected in line
    if "extends" in expected:
        assert line.endswith("(did you mean builtin?)")
