"""`advisor guide --since`: a "What changed since the last edition" section."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from format_parsers import PARSERS, norm
from markdown_it import MarkdownIt

from advisor.cli.app import cli

LAST_EDITION = """\
models:
  - id: gpt-5.5
    name: GPT-5.5
    baseline: gpt-5.4
    scores:
      - {benchmark: mle-bench, score: 28, date: "2026-03", source: an earlier edition,
         verified: false}
"""


def run(tmp_path, *args):
    last = tmp_path / "last.yaml"
    last.write_text(LAST_EDITION, encoding="utf-8")
    return CliRunner().invoke(
        cli,
        ["guide", "--defaults", "--date", "2026-11-26", "--since", str(last), *args],
        catch_exceptions=False,
    )


def test_since_adds_the_changes_section(tmp_path):
    out = tmp_path / "guide.md"
    result = run(tmp_path, "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    headings = [
        t.content for i, t in enumerate(tokens) if i and tokens[i - 1].type == "heading_open"
    ]
    assert (
        headings.index("What changed since the last edition") == headings.index("Bottom line") + 1
    )
    row = next(
        line for line in text.splitlines() if line.startswith("| Data scientist | Data processing")
    )
    assert "Draft (`ds-hands-on-emerging`; provisional)" in row
    assert "Supervised (`ds-hands-on-moderate`; provisional)" in row
    assert "mle-bench 28 (unverified) → 36 (unverified) crossed 30" in row


def test_without_since_there_is_no_changes_section(tmp_path):
    result = CliRunner().invoke(cli, ["guide", "--defaults", "--date", "2026-11-26", "-o", "-"])
    assert result.exit_code == 0
    assert "What changed" not in result.stdout


def test_since_in_json_gives_the_changes_as_data(tmp_path):
    result = run(tmp_path, "--format", "json", "-o", "-")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    [mle] = [
        c
        for c in data["changes"]
        if c["changed"] and c["role"] == "ml-engineer" and c["stage"] == "model-selection"
    ]
    assert mle["old"] == {
        "autonomy": "assist",
        "rules": ["mle-select-emerging"],
        "assessed": True,
        "provisional": True,
    }
    assert mle["new"] == {
        "autonomy": "draft",
        "rules": ["mle-select-moderate"],
        "assessed": True,
        "provisional": True,
    }
    assert mle["reasons"] == ["mle-bench 28 (unverified) → 36 (unverified) crossed 30"]
    assert "changes_md" not in data


def test_since_with_a_broken_file_is_a_located_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("models:\n  - id: gpt-5.5\n    nme: x\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["guide", "--defaults", "--since", str(bad), "-o", "-"])
    assert result.exit_code == 1
    assert f"{bad}:3:5: " in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("fmt", ["md", "html", "confluence", "mediawiki"])
def test_since_adds_the_section_in_every_wiki_format(tmp_path, fmt):
    out = tmp_path / f"guide.{fmt}"
    result = run(tmp_path, "--format", fmt, "-o", str(out))
    assert result.exit_code == 0, result.output
    parsed = PARSERS[fmt](out.read_text(encoding="utf-8"))  # the format's real parser
    assert "What changed since the last edition" in norm(parsed.text)
    [table] = [t for t in parsed.tables if t.header == ["Role", "Stage", "Before", "Now", "Why"]]
    row = next(r for r in table.rows if r[:2] == ["Data scientist", "Data processing"])
    before, now, why = (norm(c).replace("`", "") for c in row[2:])
    assert (before, now) == (
        "Draft (ds-hands-on-emerging; provisional)",
        "Supervised (ds-hands-on-moderate; provisional)",
    )
    assert "mle-bench 28 (unverified) → 36 (unverified) crossed 30" in why


def test_show_of_another_format_keeps_the_section(tmp_path):
    result = run(tmp_path, "--format", "html", "--show", "-o", str(tmp_path / "g.html"))
    assert result.exit_code == 0, result.output
    assert "What changed since the last edition" in result.output


def test_scores_and_since_are_laid_over_the_same_rulebook_apart(tmp_path):
    # --scores and --since each overlay the one rulebook loaded; neither sees the other.
    new = tmp_path / "new.yaml"
    new.write_text(
        LAST_EDITION.replace("score: 28", "score: 44").replace(
            "an earlier edition", "a newer edition"
        ),
        encoding="utf-8",
    )
    result = run(tmp_path, "--scores", str(new), "--format", "json", "-o", "-")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    crossings = {x["text"] for c in data["changes"] for x in c["crossings"]}
    wanted = "mle-bench 28 (unverified) → 44 (unverified)"
    assert any(t.startswith(wanted) for t in crossings), crossings
