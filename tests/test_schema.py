"""``advisor schema`` and the committed rules/rulebook.schema.json that editors use."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from advisor.cli.app import cli

RULES = Path(__file__).resolve().parents[1] / "rules"
SCHEMA_FILE = RULES / "rulebook.schema.json"
BUILTIN_YAML = sorted(RULES.glob("*.yaml"))
MODELINE = "# yaml-language-server: $schema=./rulebook.schema.json\n"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_command_matches_the_committed_copy() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    # Regenerate with: advisor schema -o rules/rulebook.schema.json --force
    assert result.stdout == SCHEMA_FILE.read_text(encoding="utf-8")
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert {"rulebook", "models", "tables", "tests"} <= set(schema["properties"])


def test_schema_output_file_is_not_clobbered(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    runner = CliRunner()
    assert runner.invoke(cli, ["schema", "-o", str(target)]).exit_code == 0
    assert target.read_text(encoding="utf-8") == SCHEMA_FILE.read_text(encoding="utf-8")
    target.write_text("{}")
    again = runner.invoke(cli, ["schema", "-o", str(target)])
    assert again.exit_code == 1
    assert again.stderr == (
        f"advisor: error: {target}: already exists; use --force to overwrite it\n"
    )
    assert target.read_text() == "{}"
    assert runner.invoke(cli, ["schema", "-o", str(target), "--force"]).exit_code == 0
    assert target.read_text(encoding="utf-8") == SCHEMA_FILE.read_text(encoding="utf-8")


def test_there_are_built_in_yaml_files() -> None:
    assert [p.name for p in BUILTIN_YAML] == [
        "advice.yaml",
        "guide.yaml",
        "models.yaml",
        "questions.yaml",
        "rulebook.yaml",
        "tests.yaml",
    ]


@pytest.mark.parametrize("path", BUILTIN_YAML, ids=lambda p: p.name)
def test_built_in_file_starts_with_the_schema_modeline(path: Path) -> None:
    with path.open(encoding="utf-8") as fh:
        assert fh.readline() == MODELINE


@pytest.mark.parametrize("path", BUILTIN_YAML, ids=lambda p: p.name)
def test_built_in_file_passes_a_standard_validator(
    path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)
    ]
    assert problems == []


BROKEN = {
    "unknown key": (
        "        autonomy: assist\n        text: Do data processing",
        "        autonmy: assist\n        text: Do data processing",
    ),
    "score above 100": ("        score: 36\n", "        score: 136\n"),
    "score as text": ("        score: 36\n", '        score: "36"\n'),
    "bad id": ("  - id: gpt-5.5\n", "  - id: GPT 5.5\n"),
    "bad hit policy": (
        "    hit_policy: unique\n    inputs: [role, stage,",
        "    hit_policy: any\n    inputs: [role, stage,",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_schema_and_validate_reject_the_same_mistakes(
    case: str,
    tmp_path: Path,
    validator: jsonschema.Draft202012Validator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shutil

    old, new = BROKEN[case]
    shutil.copytree(RULES, tmp_path / "rules")
    [path] = [p for p in (tmp_path / "rules").glob("*.yaml") if old in p.read_text()]
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    assert list(validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8"))))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["rules", "validate", "rules"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"advisor: error: rules/{path.name}:")
