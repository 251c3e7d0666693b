"""An organisation's own questions read by its rules: a question nobody answers reads as
its default everywhere, as in ``guide --defaults`` (explain, rank and rule tests used to
find no rule)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clitools import run

pytestmark = pytest.mark.usefixtures("workdir")

BOOK = """\
rulebook: {id: org, name: Org}
extends: builtin
questions:
  - {id: prod_access, type: confirm, prompt: Does the model get production access?, default: false}
roles:
  - {id: platform, name: Platform engineer, description: Runs the ML platform.}
tables:
  - id: stage-advice
    purpose: stage-advice
    hit_policy: unique
    inputs: [role, stage, evidence, terminal-bench-2, prod_access]
    rules:
      - {id: pe-prod, when: {role: platform, prod_access: true}, autonomy: assist,
         text: Keep production changes with people., sources: [seed-review]}
      - {id: pe-sandbox, when: {role: platform, prod_access: false}, autonomy: supervised,
         text: Let it work in a sandbox., sources: [seed-review]}
"""


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def book() -> str:
    Path("org").mkdir()
    Path("org/rulebook.yaml").write_text(BOOK, encoding="utf-8")
    return "org"


def test_explain_and_rank_read_an_unanswered_question_as_its_default(book: str) -> None:
    args = ("--rules", book, "--role", "platform", "--stage", "data-processing")
    data = json.loads(ok("explain", "--model", "gpt-5.5", *args, "--json"))
    chosen = [c["rule"] for t in data["tables"] for c in t["chosen"] if t["stage"]]
    assert chosen == ["pe-sandbox"]
    ranking = json.loads(ok("rank", "--models", "gpt-5.5", *args, "--format", "json"))
    [candidate] = ranking["rankings"][0]["candidates"]
    assert candidate["autonomy"] == "supervised"
    guide = json.loads(ok("guide", "--defaults", "--model", "gpt-5.5", *args,
                          "--format", "json", "-o", "-"))  # fmt: skip
    assert [s["rule"] for s in guide["roles"][0]["stages"]] == ["pe-sandbox"]
    assert guide["answers"]["prod_access"] is False


def test_a_rule_test_without_answers_reads_the_default(book: str) -> None:
    Path("org/tests.yaml").write_text(
        "tests:\n"
        "  - id: pe-default\n"
        "    given: {scores: {mle-bench: 40}}\n"
        "    expect: [{role: platform, stage: data-processing, rule: pe-sandbox}]\n"
        "  - id: pe-prod\n"
        "    given: {scores: {mle-bench: 40}, answers: {prod_access: true}}\n"
        "    expect: [{role: platform, stage: data-processing, rule: pe-prod}]\n",
        encoding="utf-8",
    )
    out = ok("rules", "test", book, "--json")
    outcomes = {o["id"]: o["passed"] for o in json.loads(out)["tests"]}
    assert outcomes["pe-default"] is True and outcomes["pe-prod"] is True


def test_a_rule_test_answering_an_unknown_question_is_a_located_error(book: str) -> None:
    Path("org/tests.yaml").write_text(
        "tests:\n"
        "  - id: pe-typo\n"
        "    given: {scores: {mle-bench: 40}, answers: {prod_acess: true}}\n"
        "    expect: [{role: platform, stage: data-processing, rule: pe-prod}]\n",
        encoding="utf-8",
    )
    result = run("rules", "validate", book)
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line == (
        "advisor: error: org/tests.yaml:2:9: test 'pe-typo': answers: unknown question "
        "'prod_acess'; did you mean prod_access or roles?"
    )
