"""Names and texts from data are drawn in the terminal as they are: never as rich markup
or emoji codes, and with control characters made visible.

Team names come from rosters and answers, model names and sources from scores files,
role and stage names from organisation rulebooks. A name like ``[/x]`` used to make rich
raise (a traceback), ``[bold red]`` to style the table, an agent ``openhands:new:v1`` to
show an emoji, and an escape sequence to recolour the terminal.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from clitools import run
from rich.console import Console

#: Each test runs in its own folder, with its own rulebook cache (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("workdir")

CLOSING = "[/x]"
STYLE = "[bold red]loud"

SCORES = f"""\
models:
  - id: evil-1
    name: "{CLOSING} {STYLE}"
    vendor: "[link=https://example.org]Evil[/link]"
    baseline: gpt-5.5
    scores:
      - benchmark: mle-bench
        score: 55
        split: "{CLOSING}"
        agent: "{STYLE}"
        source: "https://example.org/[/x]"
        date: "2026-05-01"
        verified: true
"""


def scores(tmp_path: Path) -> str:
    path = tmp_path / "evil.yaml"
    path.write_text(SCORES, encoding="utf-8")
    return str(path)


def test_batch_table_shows_team_names_as_written(tmp_path: Path) -> None:
    roster = tmp_path / "teams.csv"
    roster.write_text(
        f'team,roles,model\n"{CLOSING}",mle,gpt-5.5\n"{STYLE}",ds,gpt-5.5\n', encoding="utf-8"
    )
    (tmp_path / "out").mkdir()
    result = run("batch", str(roster), "--out-dir", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert f"│ {CLOSING} " in result.output and f"│ {STYLE} " in result.output


def test_models_table_shows_names_and_provenance_as_written(tmp_path: Path) -> None:
    result = run("models", "--long", "--scores", scores(tmp_path))
    assert result.exit_code == 0, result.output
    assert f"{CLOSING} {STYLE}" in result.output
    assert f"agent {STYLE}" in result.output and "https://example.org/[/x]" in result.output


def test_compare_title_and_headers_show_names_as_written(tmp_path: Path) -> None:
    result = run("compare", "evil-1", "gpt-5.5", "--scores", scores(tmp_path))
    assert result.exit_code == 0, result.output
    assert f"{CLOSING} {STYLE} vs GPT-5.5" in result.output


def test_diff_table_shows_names_as_written(tmp_path: Path) -> None:
    old = tmp_path / "[italic]old.yaml"  # a file name cannot hold the "/" of a closing tag
    old.write_text(SCORES, encoding="utf-8")
    new = tmp_path / f"{STYLE}.yaml"
    new.write_text(SCORES.replace("score: 55", "score: 5"), encoding="utf-8")
    result = run("diff", "--from", str(old), "--to", str(new), "--model", "evil-1", "--all")
    assert result.exit_code == 0, result.output
    assert "[italic]old.yaml" in result.output and f"{STYLE}.yaml" in result.output


def test_guide_summary_on_a_terminal_shows_role_and_stage_names_as_written(
    tmp_path: Path,
) -> None:
    import shutil

    from advisor.cli.terminal import print_guide_summary
    from advisor.evaluation.engine import evaluate
    from advisor.evaluation.results import Profile
    from advisor.load.resources import builtin_rules
    from advisor.load.rulebook import load_rulebook

    rules = tmp_path / "rules"
    shutil.copytree(builtin_rules(), rules)
    book_file = rules / "rulebook.yaml"
    text = book_file.read_text(encoding="utf-8")
    text = text.replace("name: Data scientist\n", f'name: "{CLOSING}"\n', 1)
    book_file.write_text(
        text.replace("name: Data processing\n", f'name: "{STYLE}"\n', 1), encoding="utf-8"
    )
    book = load_rulebook(rules)
    result = evaluate(
        book,
        Profile(
            team="T",
            roles=["data-scientist"],
            model="gpt-5.5",
            baseline="gpt-5.4",
            stages=["data-processing"],
        ),
    )
    out = Console(file=io.StringIO(), width=200, color_system=None)
    print_guide_summary(out, book, result, "g.md")
    drawn = out.file.getvalue()  # type: ignore[attr-defined]
    assert f"{CLOSING} " in drawn and STYLE in drawn


EMOJI = """\
models:
  - id: acme-1
    name: "Acme \\e[31mOne"
    baseline: gpt-5.5
    scores:
      - benchmark: mle-bench
        score: 55
        split: "test:a:lite"
        agent: "openhands:new:v1"
        source: https://example.org/acme
        date: "2026-05-01"
        verified: true
"""


def test_emoji_codes_and_escape_sequences_from_data_are_shown_as_text(tmp_path: Path) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(EMOJI, encoding="utf-8")
    compare = run("compare", "acme-1", "gpt-5.5", "--scores", str(path))
    assert compare.exit_code == 0, compare.output
    assert "agent openhands:new:v1; split test:a:lite" in compare.output
    assert "\x1b" not in compare.output and "Acme \\x1b[31mOne" in compare.output
    explain = run("explain", "--role", "mle", "--model", "acme-1", "--scores", str(path))
    assert explain.exit_code == 0, explain.output
    assert "openhands:new:v1" in explain.output and "\x1b" not in explain.output
    models = run("models", "--scores", str(path))
    assert "\x1b" not in models.output and "\\x1b[31mOne" in models.output
    path.write_text(EMOJI.replace("\\e[31m", "\\u202e"), encoding="utf-8")  # right-to-left
    models = run("models", "--scores", str(path))
    assert "\u202e" not in models.output and "Acme \\u202eOne" in models.output


def test_the_guide_headline_shows_the_file_name_as_given() -> None:
    from advisor.cli.terminal import print_guide_summary
    from advisor.evaluation.engine import evaluate
    from advisor.evaluation.results import Profile
    from advisor.load.rulebook import load_rulebook

    book = load_rulebook()
    result = evaluate(
        book,
        Profile(
            team="T",
            roles=["ml-engineer"],
            model="gpt-5.5",
            baseline=None,
            stages=["data-processing"],
        ),
    )
    out = Console(file=io.StringIO(), width=200, color_system=None)  # emoji codes on
    print_guide_summary(out, book, result, ":smile:.md")
    assert out.file.getvalue().startswith("Wrote :smile:.md: 1 role,")  # type: ignore[attr-defined]
