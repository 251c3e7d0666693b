"""``--baseline none`` means "compare with nothing" on every command that takes
``--baseline``, as it does in ``advisor guide`` and its questionnaire."""

from __future__ import annotations

import json

import pytest
from clitools import run

pytestmark = pytest.mark.usefixtures("workdir")

COMMANDS = {
    "explain": ["explain", "--role", "mle", "--model", "gpt-5.5", "--json"],
    "diff": ["diff", "--model-from", "gpt-5.4", "--model-to", "gpt-5.5", "--format", "json"],
}


def as_json(*args: str) -> dict:
    result = run(*args)
    assert result.exit_code == 0, result.output
    data: dict = json.loads(result.stdout)
    return data


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("none", ["none", " None "])
def test_baseline_none_is_no_baseline(command: str, none: str) -> None:
    args = COMMANDS[command]
    without = as_json(*args, "--no-baseline")
    assert as_json(*args, "--baseline", none) == without


def test_explain_without_a_baseline_says_so() -> None:
    data = as_json(*COMMANDS["explain"], "--baseline", "none")
    assert data["baseline"] is None
    assert as_json(*COMMANDS["explain"])["baseline"] == "gpt-5.4"


def test_an_unknown_baseline_is_still_an_error_with_suggestions() -> None:
    result = run(*COMMANDS["explain"], "--baseline", "gpt-5.44")
    assert result.exit_code == 2
    assert result.output.startswith("advisor: error: unknown model 'gpt-5.44'; did you mean")
