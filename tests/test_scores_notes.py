"""A --scores entry replaces the model entry of the same id, scores and all: the scores
the old entry had and the new one lacks are named in one note on stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clitools import complete, run

pytestmark = pytest.mark.usefixtures("workdir")


ONE_SCORE = """\
models:
  - id: gpt-5.5
    name: GPT-5.5
    scores:
      - {benchmark: mle-bench, score: 50, date: "2026-04", source: our eval, verified: true}
"""
LOST = (
    "advisor: note: new.yaml:2:9: gpt-5.5 replaces the built-in entry; its terminal-bench-2 "
    "score is no longer used (list every score in the entry to keep it)\n"
)


def test_a_scores_entry_that_drops_built_in_scores_gets_one_note_on_stderr() -> None:
    Path("new.yaml").write_text(ONE_SCORE, encoding="utf-8")
    args = ("--defaults", "--model", "gpt-5.5", "--scores", "new.yaml")
    result = run("guide", *args, "-o", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# ")  # the guide alone on stdout
    assert [ln + "\n" for ln in result.stderr.splitlines() if "note" in ln] == [LOST]
    # JSON stays clean; diff, which loads --scores onto both editions, says it once.
    listed = run("models", "--json", "--scores", "new.yaml")
    assert json.loads(listed.stdout) and listed.stderr == LOST
    compared = run(
        "diff", "--model-from", "gpt-5.4", "--model-to", "gpt-5.5", "--scores", "new.yaml"
    )
    assert compared.exit_code == 0 and compared.stderr == LOST


def test_no_note_when_a_scores_entry_keeps_every_benchmark_and_the_entry_of_a_file() -> None:
    both = ONE_SCORE + (
        '      - {benchmark: terminal-bench-2, score: 80, date: "2026-04", source: x, '
        "verified: true}\n"
    )
    Path("both.yaml").write_text(both, encoding="utf-8")
    Path("new.yaml").write_text(ONE_SCORE, encoding="utf-8")
    assert run("models", "--json", "--scores", "both.yaml").stderr == ""
    # A second file replacing the first one's entry names where that entry was.
    result = run("models", "--json", "--scores", "both.yaml", "--scores", "new.yaml")
    assert result.stderr == LOST.replace("the built-in entry", "the entry at both.yaml:2:9")


def test_completion_prints_no_note() -> None:
    # A shell reads completions from stdout and shows stderr in the user's prompt.
    Path("new.yaml").write_text(ONE_SCORE, encoding="utf-8")
    assert "gpt-5.5" in complete("advisor guide --scores new.yaml --model gpt-5.")
