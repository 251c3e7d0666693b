"""Type confusion: lists for maps, strings for numbers, NaN and infinities,
``yes``/``no`` where ids belong, duplicate keys and ids, keys that look like
pydantic's own names, in rulebooks, scores files, answers, leaderboards and flags.

Every case ends in one located line per problem, saying what was expected and,
where YAML's reading is the surprise, what to write instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from clitools import ENV, run

from advisor.cli.app import cli

#: Each test runs in its own folder, with its own rulebook cache (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("workdir")


def errors(result: Result, code: int) -> list[str]:
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert not Path("out.md").exists()
    return result.stderr.splitlines()


def validate(text: str) -> list[str]:
    """``rules validate`` of one file that extends the built-in rulebook."""
    Path("org.yaml").write_text("extends: builtin\n" + text, encoding="utf-8")
    return errors(run("rules", "validate", "org.yaml"), 1)


# --------------------------------------------------------------------------- rulebook files

YES_NO = "(YAML reads unquoted yes, no, on, off, true and false as true/false: quote it)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "roles:\n  - id: no\n    name: x\n",
            f"org.yaml:3:9: roles.0.id: expected text {YES_NO}, got False",
        ),
        (
            "roles:\n  - id: x\n    name: y\n    aliases: [yes]\n",
            f"org.yaml:5:15: roles.0.aliases.0: expected text {YES_NO}, got True",
        ),
        (
            "roles:\n  - id: 1.5\n    name: x\n",
            "org.yaml:3:9: roles.0.id: expected text (quote it to use it as text), got 1.5",
        ),
        ("roles: {id: x, name: y}\n", "org.yaml:2:8: roles: expected a list, got dict"),
        ("roles: data-scientist\n", "org.yaml:2:8: roles: expected a list, got 'data-scientist'"),
        ("roles:\n  - null\n", "org.yaml:3:5: roles.0: expected a mapping (key: value), got None"),
        (
            "roles:\n  - [id, x]\n",
            "org.yaml:3:5: roles.0: expected a mapping (key: value), got list",
        ),
        ("rulebook: []\n", "org.yaml:2:11: rulebook: expected a mapping (key: value), got list"),
        (
            "roles:\n  - id: x\n    name: {a: b}\n",
            "org.yaml:4:11: roles.0.name: expected text, got dict",
        ),
        (
            "roles:\n  - id: Data Scientist\n    name: x\n",
            "org.yaml:3:9: roles.0.id: expected text matching '^[a-z0-9][a-z0-9._-]*$', "
            "got 'Data Scientist'",
        ),
        ("roles:\n  - {}\n", "org.yaml:3:5: roles.0.id: required key missing"),
    ],
    ids=[
        "no as id",
        "yes as alias",
        "number as id",
        "map for list",
        "text for list",
        "null for map",
        "list for map",
        "list for metadata",
        "map for text",
        "id with spaces",
        "empty map",
    ],
)
def test_wrong_type_in_a_rulebook(text: str, expected: str) -> None:
    lines = validate(text)
    assert lines[0] == f"advisor: error: {expected}"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("{a: b}", "expected true/false, a number, text or a list, got dict"),
        (".nan", "expected a finite number, got nan"),
        (".inf", "expected a finite number, got inf"),
        ("-.inf", "expected a finite number, got -inf"),
    ],
)
def test_a_union_type_is_reported_once(cell: str, expected: str) -> None:
    lines = validate(
        "tables:\n  - id: t\n    purpose: caveat\n    hit_policy: collect\n"
        f"    inputs: [mle-bench]\n    rules:\n      - id: r\n        when: {{mle-bench: {cell}}}\n"
        "        text: hi\n"
    )
    assert lines == [f"advisor: error: org.yaml:9:27: tables.0.rules.0.when.mle-bench: {expected}"]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (
            "yes",
            "expected a number test such as '>= 30', '< 50', '[30..50)' or '-' for any, got True",
        ),
        (
            '"> nan"',
            "cannot read '> nan'; expected a number test such as '>= 30', '< 50', "
            "'[30..50)' or '-' for any",
        ),
        ('"[5..1]"', "empty interval '[5..1]': the lower end must be below the upper"),
        (
            '"[0..1e999]"',
            "cannot read '[0..1e999]'; expected a number test such as '>= 30', "
            "'< 50', '[30..50)' or '-' for any",
        ),
    ],
)
def test_bad_number_cells(cell: str, expected: str) -> None:
    lines = validate(
        "tables:\n  - id: t\n    purpose: caveat\n    hit_policy: collect\n"
        f"    inputs: [mle-bench]\n    rules:\n      - id: r\n        when: {{mle-bench: {cell}}}\n"
        "        text: hi\n"
    )
    assert lines == [f"advisor: error: org.yaml:9:27: rule 'r', mle-bench: {expected}"]


def test_no_as_a_role_cell() -> None:
    lines = validate(
        "tables:\n  - id: t\n    purpose: role-summary\n    hit_policy: collect\n"
        "    inputs: [role]\n    rules:\n      - id: r\n        when: {role: no}\n"
        "        text: hi\n"
    )
    assert lines == [
        "advisor: error: org.yaml:9:22: rule 'r', role: expected an id or a list of ids, got False"
    ]


@pytest.mark.parametrize(
    "key", ["str", "int", "float", "bool", "function-after", "a[0]", "[x]", "list[str]"]
)
def test_keys_named_like_pydantic_union_members(key: str) -> None:
    # Pydantic names union members 'str', 'list[str]', ... in its error locations;
    # such a key in a file was once dropped from the path (an IndexError at the top).
    assert validate(f'"{key}": 1\n') == [
        f"advisor: error: org.yaml:2:1: {key}: unknown key {key!r}; check the spelling "
        "(see 'advisor schema')"
    ]
    assert validate(f'roles:\n  - id: x\n    name: y\n    "{key}": 1\n') == [
        f"advisor: error: org.yaml:5:5: roles.0.{key}: unknown key {key!r}; check the spelling "
        "(see 'advisor schema')"
    ]


def test_a_key_with_a_newline_stays_on_one_line() -> None:
    assert validate('"two\\nlines": 1\n') == [
        "advisor: error: org.yaml:2:1: two\\nlines: unknown key 'two\\nlines'; check the "
        "spelling (see 'advisor schema')"
    ]


def test_duplicate_ids_within_and_across_files() -> None:
    Path("rules").mkdir()
    Path("rules/a.yaml").write_text(
        "extends: builtin\nroles:\n  - {id: r1, name: A}\n  - {id: r1, name: B}\n"
    )
    Path("rules/b.yaml").write_text("roles:\n  - {id: r1, name: C}\n")
    assert errors(run("rules", "validate", "rules"), 1) == [
        "advisor: error: rules/a.yaml:4:10: duplicate role id 'r1' (first at rules/a.yaml:3:10); "
        "ids must be unique",
        "advisor: error: rules/b.yaml:2:10: duplicate role id 'r1' (first at rules/a.yaml:3:10); "
        "ids must be unique",
    ]


def test_duplicate_rule_ids_across_tables() -> None:
    lines = validate(
        "tables:\n"
        "  - id: t1\n    purpose: caveat\n    hit_policy: collect\n    inputs: []\n"
        "    rules:\n      - {id: same, text: a}\n"
        "  - id: t2\n    purpose: caveat\n    hit_policy: collect\n    inputs: []\n"
        "    rules:\n      - {id: same, text: b}\n"
    )
    assert lines == [
        "advisor: error: org.yaml:14:14: duplicate rule id 'same' (also in table 't1')"
    ]


def test_a_role_alias_that_is_another_role() -> None:
    lines = validate("roles:\n  - {id: boss, name: Boss, aliases: [ml-engineer]}\n")
    assert lines == [
        "advisor: error: org.yaml:3:10: role alias 'ml-engineer' is already a role id or alias"
    ]


# --------------------------------------------------------------------------- scores files

SCORE = """\
models:
  - id: acme
    name: Acme
    scores:
      - benchmark: mle-bench
        score: {score}
        date: "2026-01"
        source: s
        verified: {verified}
"""


@pytest.mark.parametrize(
    ("score", "verified", "expected"),
    [
        ('"36"', "true", "score: expected a number, got '36'"),
        (".nan", "true", "score: expected a finite number, got nan"),
        (".inf", "true", "score: expected a finite number, got inf"),
        ("-1", "true", "score: expected a number >= 0, got -1"),
        ("101", "true", "score: expected a number <= 100, got 101"),
        ("1_000", "true", "score: expected a number <= 100, got 1000"),
        ("yes", "true", "score: expected a number, got True"),
        ("[36]", "true", "score: expected a number, got list"),
        ("~", "true", "score: expected a number, got None"),
        ("36", '"yes"', "verified: expected true/false, got 'yes'"),
        ("36", "2026-01-01", "verified: expected true/false, got date"),
    ],
)
def test_wrong_type_in_a_scores_file(score: str, verified: str, expected: str) -> None:
    Path("s.yaml").write_text(SCORE.format(score=score, verified=verified))
    lines = errors(run("models", "--scores", "s.yaml"), 1)
    assert len(lines) == 1
    line = 6 if expected.startswith("score") else 9
    column = 16 if expected.startswith("score") else 19
    assert lines[0] == f"advisor: error: s.yaml:{line}:{column}: models.0.scores.0.{expected}"


def test_duplicate_model_ids_in_a_scores_file() -> None:
    Path("s.yaml").write_text("models:\n  - {id: acme, name: A}\n  - {id: acme, name: B}\n")
    lines = errors(run("models", "--scores", "s.yaml"), 1)
    assert lines == [
        "advisor: error: s.yaml:3:10: duplicate model id 'acme' (first at s.yaml:2:10); ids "
        "must be unique"
    ]


# --------------------------------------------------------------------------- answers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "roles: {a: 1}\n",
            "question 'roles' (from a.yaml:1:8): expected a list of values, "
            "got a mapping; allowed: data-scientist, ml-engineer, tech-lead, student",
        ),
        ("team: [1, 2]\n", "question 'team' (from a.yaml:1:7): expected text, got a list"),
        (
            "stages: 5\n",
            "question 'stages' (from a.yaml:1:9): expected a list of values, got "
            "the number 5; allowed: data-processing, model-selection, training-tuning, "
            "result-validation",
        ),
        ("team: null\n", "question 'team' (from a.yaml:1:7): an answer is required"),
        (
            "roles: []\n",
            "question 'roles' (from a.yaml:1:8): choose at least one; allowed: "
            "data-scientist, ml-engineer, tech-lead, student",
        ),
        ("1: x\n", "a.yaml:1:1: answer key 1 is not a question id"),
        ("true: x\n", "a.yaml:1:1: answer key True is not a question id"),
        (
            "unknown: 1\n",
            "no question 'unknown' (in a.yaml:1:10); questions: team, roles, stages, "
            "model, baseline",
        ),
    ],
)
def test_wrong_type_in_an_answers_file(text: str, expected: str) -> None:
    Path("a.yaml").write_text(text)
    lines = errors(run("guide", "--defaults", "--answers", "a.yaml", "-o", "out.md"), 2)
    assert lines == [f"advisor: error: {expected}"]


@pytest.mark.parametrize(
    ("text", "where", "got"),
    [
        ("model: no\n", "'model' (from a.yaml:1:8)", "expected one value, got a yes/no value"),
        ("model: yes\n", "'model' (from a.yaml:1:8)", "expected one value, got a yes/no value"),
        (
            "baseline: off\n",
            "'baseline' (from a.yaml:1:11)",
            "expected one value, got a yes/no value",
        ),
        (
            "roles: [yes, no]\n",
            "'roles' (from a.yaml:1:9)",
            "expected a list of values, got a yes/no value in the list",
        ),
        ("model: 5.5\n", "'model' (from a.yaml:1:8)", "expected one value, got the number 5.5"),
        (
            "model: 2026-01-01\n",
            "'model' (from a.yaml:1:8)",
            "expected one value, got the date 2026-01-01",
        ),
        ("model: .nan\n", "'model' (from a.yaml:1:8)", "expected one value, got the number .nan"),
        ("team: .inf\n", "'team' (from a.yaml:1:7)", "expected text, got the number .inf"),
        ("team: -.inf\n", "'team' (from a.yaml:1:7)", "expected text, got the number -.inf"),
        ("team: no\n", "'team' (from a.yaml:1:7)", "expected text, got a yes/no value"),
    ],
)
def test_yaml_reading_an_answer_as_something_else_is_explained(
    text: str, where: str, got: str
) -> None:
    Path("a.yaml").write_text(text)
    [line] = errors(run("guide", "--defaults", "--answers", "a.yaml", "-o", "out.md"), 2)
    assert line.startswith(f"advisor: error: question {where}: {got}; put the answer in quotes")


def test_a_number_is_a_fine_team_name() -> None:
    Path("a.yaml").write_text("team: 42\n")
    assert run("guide", "--defaults", "--answers", "a.yaml", "-o", "out.md").exit_code == 0
    assert Path("out.md").read_text(encoding="utf-8").startswith("# 42: adopting")


def test_a_bom_and_crlf_answers_file_works() -> None:
    Path("a.yaml").write_bytes(b"\xef\xbb\xbfteam: Fraud ML\r\nroles: [mle]\r\n")
    result = run("guide", "--defaults", "--answers", "a.yaml", "-o", "out.md")
    assert result.exit_code == 0, result.stderr
    assert Path("out.md").read_text(encoding="utf-8").startswith("# Fraud ML: adopting")


# --------------------------------------------------------------------------- flags


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["--role", "no"],
            "question 'roles' (from --role): unknown value 'no'; allowed: "
            "data-scientist, ml-engineer, tech-lead, student",
        ),
        (
            ["--role", ""],
            "question 'roles' (from --role): unknown value ''; allowed: "
            "data-scientist, ml-engineer, tech-lead, student",
        ),
        (
            ["--stage", "training"],
            "question 'stages' (from --stage): unknown value 'training'; "
            "did you mean training-tuning? allowed: data-processing, model-selection, "
            "training-tuning, result-validation",
        ),
        (["--team", "   "], "question 'team' (from --team): an answer is required"),
        (
            ["--date", "2026-02-30"],
            "--date '2026-02-30': expected a date as YYYY-MM-DD; 2026-02 has no day 30",
        ),
        (["--date", "26-01-01"], "--date '26-01-01': expected a date as YYYY-MM-DD"),
        (["--date", "2026-1-1"], "--date '2026-1-1': expected a date as YYYY-MM-DD"),
    ],
)
def test_bad_flag_values(argv: list[str], expected: str) -> None:
    lines = errors(run("guide", "--defaults", *argv, "-o", "out.md"), 2)
    assert lines == [f"advisor: error: {expected}"]


@pytest.mark.parametrize(
    ("epoch", "why"),
    [
        ("soon", "expected seconds since 1970 as a non-negative integer"),
        ("1e10", "expected seconds since 1970 as a non-negative integer"),
        ("-99999999999999", "expected seconds since 1970 as a non-negative integer"),
        ("99999999999999999999", "out of range (after the year 9999)"),
    ],
)
def test_bad_source_date_epoch(epoch: str, why: str) -> None:
    result = CliRunner().invoke(
        cli, ["guide", "--defaults", "-o", "out.md"], env={**ENV, "SOURCE_DATE_EPOCH": epoch}
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"advisor: error: SOURCE_DATE_EPOCH={epoch!r}: {why}; unset it or fix it\n"
    )
    assert not Path("out.md").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["guide", "--format", "pdf"],
        ["guide", "--no-such-flag"],
        ["batch"],
        ["compare", "gpt-5.5"],
        ["explain", "--model", "gpt-5.5"],
        ["no-such-command"],
    ],
)
def test_usage_errors_exit_2_with_a_hint(argv: list[str]) -> None:
    result = run(*argv)
    assert result.exit_code == 2
    assert "Error:" in result.stderr
    assert "--help" in result.stderr
    assert not Path("out.md").exists()
