"""The questionnaire as data, from the command line: the built-in questions, an
organisation's own questions (number, yes/no, conditional), and how answers from
files and flags are validated exactly like typed ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from advisor.cli.app import cli
from advisor.load.resources import builtin_rules

FIXTURES = Path(__file__).parent / "fixtures" / "guide"
ORG = str(FIXTURES / "org-questions.yaml")
DATE = "2026-11-26"


@pytest.fixture(autouse=True)
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def guide(*args: str) -> Result:
    result = CliRunner().invoke(
        cli,
        ["guide", "--date", DATE, *args],
        env={"COLUMNS": "200", "NO_COLOR": "1", "SOURCE_DATE_EPOCH": None},
        input="",
        prog_name="advisor",
    )
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def answers_after(*args: str) -> dict[str, Any]:
    """The answers advisor settled on, as --save-answers writes them."""
    result = guide(*args, "-o", "-", "--save-answers", "saved.yaml", "--force")
    assert result.exit_code == 0, result.stderr
    saved = yaml.safe_load(Path("saved.yaml").read_text())
    assert saved.pop("edition")["output"] == "-"  # the edition's record; the rest are answers
    return saved  # type: ignore[no-any-return]


def answers_file(tmp_path: Path, text: str) -> str:
    (tmp_path / "a.yaml").write_text(text)
    return str(tmp_path / "a.yaml")


def test_builtin_questionnaire_is_short_and_its_ids_are_the_interface() -> None:
    data = yaml.safe_load((Path(builtin_rules()) / "questions.yaml").read_text())
    ids = [q["id"] for q in data["questions"]]
    assert ids == ["team", "roles", "stages", "model", "baseline"]
    assert len(ids) <= 7
    assert all(q["prompt"] for q in data["questions"])


def test_organisation_questions_take_their_defaults() -> None:
    saved = answers_after("--rules", ORG, "--defaults")
    assert list(saved) == ["team", "roles", "stages", "model", "baseline", "team_size", "regulated"]
    assert (saved["team_size"], saved["regulated"]) == (8.0, False)


def test_condition_met_asks_the_follow_up(tmp_path: Path) -> None:
    path = answers_file(tmp_path, "regulated: yes\nregulator: FDA\n")
    saved = answers_after("--rules", ORG, "--defaults", "--answers", path)
    assert (saved["regulated"], saved["regulator"]) == (True, "fda")


def test_condition_met_but_no_default_is_an_error_under_defaults(tmp_path: Path) -> None:
    path = answers_file(tmp_path, "regulated: true\n")
    result = guide("--rules", ORG, "--defaults", "--answers", path, "-o", "g.md")
    assert result.exit_code == 2
    assert "no default for regulator" in result.stderr and "--answers FILE" in result.stderr
    assert not (tmp_path / "g.md").exists()


def test_answer_to_a_question_whose_condition_fails_is_dropped(tmp_path: Path) -> None:
    path = answers_file(tmp_path, "regulated: 'no'\nregulator: fca\n")
    saved = answers_after("--rules", ORG, "--defaults", "--answers", path)
    assert saved["regulated"] is False
    assert "regulator" not in saved


def test_an_answer_that_is_not_used_is_noted(tmp_path: Path) -> None:
    path = answers_file(tmp_path, "regulated: 'no'\nregulator: fca\n")
    result = guide("--rules", ORG, "--defaults", "--answers", path, "-o", "g.md")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (
        f"advisor: note: the answer to 'regulator' (in {path}:2:12) is not used: the question "
        "applies only when regulated is yes\n"
    )
    used = answers_file(tmp_path, "regulated: 'yes'\nregulator: fca\n")
    assert guide("--rules", ORG, "--defaults", "--answers", used, "-o", "h.md").stderr == ""


def test_the_note_spells_out_every_condition(tmp_path: Path) -> None:
    rules = tmp_path / "org.yaml"
    rules.write_text(
        "extends: builtin\nquestions:\n"
        "  - {id: team_size, type: number, prompt: How many?, default: 8}\n"
        "  - id: platform\n    type: text\n    prompt: Which platform?\n"
        "    when: {roles: [ml-engineer, tech-lead], team_size: '>= 10'}\n",
        encoding="utf-8",
    )
    path = answers_file(tmp_path, "roles: [ds]\nplatform: k8s\n")
    result = guide("--rules", str(rules), "--defaults", "--answers", path, "-o", "g.md")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.endswith(
        "is not used: the question applies only when roles is ml-engineer or tech-lead and "
        "team_size is >= 10\n"
    )


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            "team_size: 1000",
            "question 'team_size' (from {f}:1:12): 1000 is out of range; allowed: 1 to 500",
        ),
        ("team_size: 0", "0 is out of range; allowed: 1 to 500"),
        ("team_size: lots", "expected a number, got 'lots'"),
        ("team_size: .nan", "expected a finite number"),
        ("team_size: true", "expected a finite number, got True"),
        ("regulated: maybe", "question 'regulated' (from {f}:1:12): expected yes or no"),
        ("regulated: true\nregulator: sec", "unknown value 'sec'; allowed: fca, fda"),
    ],
)
def test_organisation_answers_are_validated(tmp_path: Path, answer: str, expected: str) -> None:
    path = answers_file(tmp_path, answer + "\n")
    result = guide("--rules", ORG, "--defaults", "--answers", path, "-o", "g.md")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert expected.format(f=path) in lines[0]
    assert not (tmp_path / "g.md").exists()


@pytest.mark.parametrize(("raw", "value"), [("'12'", 12.0), ("12", 12.0), ("2.5e1", 25.0)])
def test_numbers_are_read_from_text_and_numbers(tmp_path: Path, raw: str, value: float) -> None:
    path = answers_file(tmp_path, f"team_size: {raw}\n")
    assert answers_after("--rules", ORG, "--defaults", "--answers", path)["team_size"] == value


def test_organisation_answers_reach_templates_and_json(tmp_path: Path) -> None:
    path = answers_file(tmp_path, "team_size: 12\nregulated: yes\nregulator: fca\n")
    (tmp_path / "t.j2").write_text(
        "{{ team }}: {{ answers.team_size | int }} people"
        "{% if answers.regulated %}, regulated by {{ answers.regulator }}{% endif %}\n"
    )
    result = guide("--rules", ORG, "--defaults", "--answers", path, "--template", "t.j2", "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "ML team: 12 people, regulated by fca\n"
    data = json.loads(
        guide("--rules", ORG, "--defaults", "--answers", path, "--format", "json", "-o", "-").stdout
    )
    assert data["answers"]["team_size"] == 12.0 and data["answers"]["regulator"] == "fca"


def test_unreadable_condition_is_a_located_rulebook_error(tmp_path: Path) -> None:
    result = guide("--rules", str(FIXTURES / "bad-when.yaml"), "--defaults", "-o", "g.md")
    assert result.exit_code == 1
    assert (
        "bad-when.yaml:7:9: question 'regulator': cannot read its condition on 'regulated'"
        in result.stderr
    )
    assert not (tmp_path / "g.md").exists()


def test_flag_and_file_answers_fail_the_same_way(tmp_path: Path) -> None:
    by_flag = guide("--defaults", "--role", "wizard", "-o", "g.md")
    by_file = guide(
        "--defaults", "--answers", answers_file(tmp_path, "roles: [wizard]\n"), "-o", "g.md"
    )
    assert by_flag.exit_code == by_file.exit_code == 2
    tail = "unknown value 'wizard'; allowed: data-scientist, ml-engineer, tech-lead, student\n"
    assert by_flag.stderr.endswith(tail) and by_file.stderr.endswith(tail)
    assert (
        "(from --role)" in by_flag.stderr
        and "(from " + str(tmp_path / "a.yaml") + ":1:9)" in by_file.stderr
    )


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("roles: [ds, wizard]\n", "1:13", "unknown value 'wizard'"),
        ("roles:\n  - tl\n  - ds\n  - wizard\n", "4:5", "unknown value 'wizard'"),
        (
            "stages: [model-selection, 3]\n",
            "1:27",
            "expected a list of values, got the number 3 in the list",
        ),
        ("roles: ds, wizard\n", "1:8", "unknown value 'wizard'"),  # text: the answer itself
    ],
)
def test_a_bad_item_of_a_list_answer_is_located_at_the_item(
    tmp_path: Path, text: str, where: str, message: str
) -> None:
    path = answers_file(tmp_path, text)
    for _ in range(2):  # the second run reads the answers file from the cache
        result = guide("--defaults", "--answers", path, "-o", "g.md")
        assert result.exit_code == 2
        assert f"(from {path}:{where}): {message}" in result.stderr, result.stderr


def test_a_flag_replacing_a_list_answer_is_located_at_the_flag(tmp_path: Path) -> None:
    path = answers_file(tmp_path, "roles: [ds, wizard]\n")
    result = guide("--defaults", "--answers", path, "--role", "tl", "--role", "wiz", "-o", "g.md")
    assert result.exit_code == 2
    assert "question 'roles' (from --role): unknown value 'wiz'" in result.stderr


@pytest.mark.parametrize(
    ("text", "roles"),
    [
        ("roles: ds, mle\n", ["data-scientist", "ml-engineer"]),
        ("roles: [DS, Tech-Leads, phd]\n", ["data-scientist", "tech-lead", "student"]),
        ("roles: [student, ds, student]\n", ["data-scientist", "student"]),
    ],
)
def test_role_answers_take_aliases_lists_and_comma_text(
    tmp_path: Path, text: str, roles: list[str]
) -> None:
    path = answers_file(tmp_path, text)
    assert answers_after("--defaults", "--answers", path)["roles"] == roles


def test_model_ids_are_matched_case_insensitively(tmp_path: Path) -> None:
    path = answers_file(tmp_path, "model: GPT-5.5\nbaseline: None\n")
    saved = answers_after("--defaults", "--answers", path)
    assert (saved["model"], saved["baseline"]) == ("gpt-5.5", "none")


@pytest.mark.parametrize(
    ("args", "key", "value"),
    [
        (["--model", "gpt-5-codex (Thesis)"], "model", "thesis-gpt-5-codex"),
        (["--rules", ORG, "--answers", "labels.yaml"], "regulator", "fda"),
        (["--stage", "MODEL SELECTION"], "stages", ["model-selection"]),
    ],
)
def test_choices_can_be_named_by_their_label(
    tmp_path: Path, args: list[str], key: str, value: Any
) -> None:
    (tmp_path / "labels.yaml").write_text(
        "regulated: yes\nregulator: food and drug administration\n"
    )
    assert answers_after("--defaults", *args)[key] == value
