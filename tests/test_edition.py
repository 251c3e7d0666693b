"""Edition files: `advisor guide --save-answers`, `--check` and `--update`, from the CLI with
real files."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest
import yaml
from clitools import run
from markdown_it import MarkdownIt

pytestmark = pytest.mark.usefixtures("workdir")

SCORES = """\
models:
  - id: acme-1
    name: ACME 1
    baseline: gpt-5.4
    scores:
      - {benchmark: mle-bench, score: 28, date: "2026-03", source: our eval, verified: false}
"""
#: An old time for the files, so that a rewrite would show in their mtimes.
LONG_AGO = 1_600_000_000


def save(*extra: str) -> None:
    """A guide of ACME 1 (docs/guide.md) and its edition file (docs/edition.yaml)."""
    Path("scores.yaml").write_text(SCORES, encoding="utf-8")
    Path("docs").mkdir(exist_ok=True)
    result = run(
        "guide", "--defaults", "--model", "acme-1", "--scores", "scores.yaml",
        "-o", "docs/guide.md", "--date", "2026-01-01", "--save-answers", "docs/edition.yaml",
        *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def check(edition: str = "docs/edition.yaml") -> tuple[int, str]:
    result = run("guide", "--check", edition)
    return result.exit_code, result.output


def update(*args: str) -> tuple[int, str]:
    result = run("guide", "--update", "docs/edition.yaml", *args)
    return result.exit_code, result.output


def headings(text: str) -> list[str]:
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    return [t.content for i, t in enumerate(tokens) if i and tokens[i - 1].type == "heading_open"]


def set_score(old: str, new: str) -> None:
    text = Path("scores.yaml").read_text(encoding="utf-8")
    assert f"score: {old}," in text
    Path("scores.yaml").write_text(text.replace(f"score: {old},", f"score: {new},"))


def age(*paths: str) -> dict[str, tuple[int, bytes]]:
    """Set the files' mtimes long ago; their mtimes and bytes, to compare later."""
    for p in paths:
        os.utime(p, (LONG_AGO, LONG_AGO))
    return {p: (os.stat(p).st_mtime_ns, Path(p).read_bytes()) for p in paths}


def state(*paths: str) -> dict[str, tuple[int, bytes]]:
    return {p: (os.stat(p).st_mtime_ns, Path(p).read_bytes()) for p in paths}


# --------------------------------------------------------------------------- the scenario


def test_save_edit_a_score_check_update_check_update():
    save()
    assert check() == (0, "docs/guide.md: up to date (edition of 2026-01-01)\n")

    set_score("28", "36")
    code, out = check()
    assert code == 1
    assert out.count("\n") == 1
    assert out.startswith("docs/guide.md: acme-1 mle-bench score 28 → 36 (scores.yaml:")
    assert out.endswith("; run: advisor guide --update docs/edition.yaml\n")

    code, out = update("--date", "2026-02-01")
    assert (code, out) == (0, "docs/guide.md: updated (edition of 2026-02-01)\n")
    text = Path("docs/guide.md").read_text(encoding="utf-8")
    assert "2026-02-01" in text and "2026-01-01" not in text
    found = headings(text)
    assert found.index("What changed since the last edition") == found.index("Bottom line") + 1
    row = next(line for line in text.splitlines() if line.startswith("| ML engineer | Model sel"))
    assert "Assist (`mle-select-emerging`; provisional)" in row
    assert "Draft (`mle-select-moderate`; provisional)" in row
    assert "mle-bench 28 (unverified) → 36 (unverified) crossed 30" in row

    record = yaml.safe_load(Path("docs/edition.yaml").read_text())["edition"]
    assert record["date"] == "2026-02-01"
    assert [sc["score"] for sc in record["models"][0]["scores"]] == [36]
    assert [sc["score"] for sc in record["since"][0]["scores"]] == [28]

    assert check() == (0, "docs/guide.md: up to date (edition of 2026-02-01)\n")

    before = age("docs/guide.md", "docs/edition.yaml")
    # Nothing changed: nothing is written, whatever the date.
    assert update("--date", "2026-03-01") == (
        0,
        "docs/guide.md: up to date (edition of 2026-02-01)\n",
    )
    assert update() == (0, "docs/guide.md: up to date (edition of 2026-02-01)\n")
    assert state("docs/guide.md", "docs/edition.yaml") == before
    assert sorted(os.listdir("docs")) == ["edition.yaml", "guide.md"]


def test_the_edition_records_how_the_guide_was_made_relative_to_its_folder():
    save("--format", "mediawiki", "--fragment")
    text = Path("docs/edition.yaml").read_text(encoding="utf-8")
    assert text.startswith("# advisor edition:")
    data = yaml.safe_load(text)
    record = data.pop("edition")
    assert data == {
        "team": "ML team",
        "roles": ["data-scientist", "ml-engineer", "tech-lead", "student"],
        "model": "acme-1",
        "baseline": "gpt-5.4",
        "stages": ["data-processing", "model-selection", "training-tuning", "result-validation"],
    }
    assert record["output"] == "guide.md"
    assert record["scores"] == ["../scores.yaml"]
    assert (record["rules"], record["template"]) == ([], None)
    assert (record["format"], record["fragment"], record["date"]) == (
        "mediawiki",
        True,
        "2026-01-01",
    )
    assert record["rulebook"]["id"] == "builtin"
    assert [m["id"] for m in record["models"]] == ["acme-1", "gpt-5.4"]
    assert record["models"][0]["scores"] == [
        {"benchmark": "mle-bench", "score": 28, "date": "2026-03", "source": "our eval",
         "verified": False}
    ]  # fmt: skip
    # From the edition's own folder, the recorded paths still lead to the files.
    os.chdir("docs")
    assert check("edition.yaml") == (0, "guide.md: up to date (edition of 2026-01-01)\n")


def test_the_edition_replays_with_answers_and_an_old_answers_file_still_works():
    save()
    again = run(
        "guide", "--answers", "docs/edition.yaml", "--scores", "scores.yaml",
        "--date", "2026-01-01", "-o", "again.md",
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    assert Path("again.md").read_bytes() == Path("docs/guide.md").read_bytes()

    Path("old.yaml").write_text("team: Fraud ML\nroles: [mle]\nmodel: gpt-5.5\nbaseline: none\n")
    old = run("guide", "--answers", "old.yaml", "--defaults", "-o", "old.md")
    assert old.exit_code == 0, old.output
    assert Path("old.md").read_text().startswith("# Fraud ML")
    code, out = check("old.yaml")
    assert code == 2
    assert out == (
        "advisor: error: old.yaml:1:1: no 'edition:' part: this is an answers file; record an "
        "edition with advisor guide --answers old.yaml --save-answers EDITION.yaml\n"
    )


def test_a_hand_edited_guide_is_named_and_not_overwritten_without_force():
    save()
    with open("docs/guide.md", "a", encoding="utf-8") as fh:
        fh.write("\nOur own note.\n")
    code, out = check()
    assert (code, out) == (
        1,
        "docs/guide.md: the guide was edited by hand since advisor wrote it; "
        "run: advisor guide --force --update docs/edition.yaml (the hand edits are lost)\n",
    )
    before = state("docs/guide.md", "docs/edition.yaml")
    code, out = update()
    assert code == 1
    assert "edited by hand" in out and "--force --update" in out
    assert state("docs/guide.md", "docs/edition.yaml") == before
    # The command --check gives runs as written.
    hint = check()[1].split("run: advisor ", 1)[1].split(" (", 1)[0]
    result = run(*shlex.split(hint), "--date", "2026-01-01")
    assert result.exit_code == 0, result.output
    assert "Our own note." not in Path("docs/guide.md").read_text()
    assert check()[0] == 0


def test_a_hand_edit_does_not_hide_a_changed_score():
    save()
    with open("docs/guide.md", "a", encoding="utf-8") as fh:
        fh.write("\nOur own note.\n")
    set_score("28", "36")
    code, out = check()
    assert code == 1
    assert out.startswith("docs/guide.md: the guide was edited by hand since advisor wrote it, ")
    assert "28 → 36" in out and "--force --update" in out


def test_a_missing_guide_is_stale_and_update_writes_it():
    save()
    os.remove("docs/guide.md")
    assert check() == (
        1,
        "docs/guide.md: the guide is missing; run: advisor guide --update docs/edition.yaml\n",
    )
    assert update("--date", "2026-01-05")[0] == 0
    assert check()[0] == 0


def test_a_changed_template_and_rulebook_version_are_named():
    assert run("init", "org").exit_code == 0
    Path("t.md.j2").write_text("# {{ team }}\n", encoding="utf-8")
    Path("docs").mkdir()
    result = run(
        "guide", "--defaults", "--rules", "org", "--template", "t.md.j2", "-o", "docs/guide.md",
        "--date", "2026-01-01", "--save-answers", "docs/edition.yaml",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert check()[0] == 0

    Path("t.md.j2").write_text("# {{ team }}!\n", encoding="utf-8")
    code, out = check()
    assert code == 1
    assert out.startswith("docs/guide.md: the template ../t.md.j2 changed; run: ")
    Path("t.md.j2").write_text("# {{ team }}\n", encoding="utf-8")

    rules = Path("org/rulebook.yaml")
    original = rules.read_text(encoding="utf-8")
    # A rule's text that this template does not print changes nothing in the guide.
    rules.write_text(original.replace("about 10%", "about 20%"), encoding="utf-8")
    assert check()[0] == 0

    rules.write_text(original.replace('version: "1"', 'version: "2"'), encoding="utf-8")
    Path("t.md.j2").write_text("# {{ team }} {{ rulebook.version }}\n", encoding="utf-8")
    code, out = check()
    assert code == 1
    assert out.startswith("docs/guide.md: rulebook my-org 1 is now my-org 2; run: ")


def test_a_changed_rule_is_named_with_its_place():
    assert run("init", "org").exit_code == 0
    Path("docs").mkdir()
    result = run(
        "guide", "--defaults", "--rules", "org", "-o", "docs/guide.md",
        "--date", "2026-01-01", "--save-answers", "docs/edition.yaml",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rules = Path("org/rulebook.yaml")
    rules.write_text(rules.read_text().replace("about 10%", "about 20%"), encoding="utf-8")
    code, out = check()
    assert code == 1
    assert out.startswith("docs/guide.md: rule ds-validate-moderate changed (org/rulebook.yaml:")


# --------------------------------------------------------------------------- bad editions


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda t: t.replace("  output: guide.md", "  output: 3"),
            "docs/edition.yaml:LINE:11: edition.output: expected text (quote it to use it as "
            "text), got 3",
        ),
        (
            lambda t: t.replace("  format: md", "  format: pdf"),
            "docs/edition.yaml:LINE:11: edition.format: expected 'md', 'html', 'confluence', "
            "'mediawiki' or 'json', got 'pdf'",
        ),
        (
            lambda t: t.replace("- ../scores.yaml", "- ../gone.yaml"),
            "docs/edition.yaml:LINE:5: scores path '../gone.yaml' no longer exists",
        ),
        (lambda t: t.replace("\nedition:\n", "\nedition: [\n"), "docs/edition.yaml:LINE:"),
        (
            lambda t: t + "  colour: blue\n",
            "docs/edition.yaml:LINE:3: edition.colour: unknown key 'colour'; check the spelling",
        ),
        (
            lambda t: t.replace("  output: guide.md", "  output: '-'"),
            "docs/edition.yaml:LINE:11: this edition's guide went to stdout",
        ),
    ],
    ids=["output", "format", "scores-path", "yaml", "unknown-key", "stdout"],
)
def test_a_bad_edition_is_one_located_line_and_nothing_is_written(edit, expected):
    save()
    path = Path("docs/edition.yaml")
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    before = age("docs/guide.md", "docs/edition.yaml")
    for args in (["--check", str(path)], ["--update", str(path)]):
        result = run("guide", *args)
        assert result.exit_code == 2, result.output
        [line] = result.output.splitlines()
        head, _, tail = expected.partition("LINE")
        assert line.startswith("advisor: error: " + head), line
        if tail:
            assert tail in line, line
    assert state("docs/guide.md", "docs/edition.yaml") == before


def test_a_missing_edition_file_and_extra_options_are_usage_errors():
    code, out = check("nowhere.yaml")
    assert code == 2 and out.startswith("advisor: error: nowhere.yaml: ")
    assert out.count("\n") == 1
    save()
    result = run("guide", "--check", "docs/edition.yaml", "--team", "X")
    assert result.exit_code == 2
    assert "--team: --check and --update read everything else from the edition file" in (
        result.output
    )
    result = run("guide", "--check", "docs/edition.yaml", "--update", "docs/edition.yaml")
    assert result.exit_code == 2


def test_check_and_update_ignore_the_rules_and_scores_of_the_environment(monkeypatch):
    # docs/environment.md tells users to export both; the edition file names what made
    # the guide, so the variables must neither be refused nor change the guide.
    save()
    Path("other.yaml").write_text(SCORES.replace("score: 28", "score: 40"), encoding="utf-8")
    Path("rules").mkdir()
    monkeypatch.setenv("ADVISOR_RULES", "rules")
    monkeypatch.setenv("ADVISOR_SCORES", "other.yaml")
    code, out = check()
    assert code == 0, out
    guide = Path("docs/guide.md").read_text(encoding="utf-8")
    code, out = update()
    assert code == 0, out
    assert Path("docs/guide.md").read_text(encoding="utf-8") == guide
    for option in ("--rules", "--scores"):
        result = run("guide", "--check", "docs/edition.yaml", option, "other.yaml")
        assert result.exit_code == 2, result.output
        assert f"{option}: --check and --update read everything else" in result.output


def test_a_broken_scores_file_is_a_located_rulebook_error():
    save()
    Path("scores.yaml").write_text(SCORES.replace("score: 28", "score: high"))
    code, out = check()
    assert code == 1
    assert out.startswith("advisor: error: scores.yaml:6:")


# --------------------------------------------------------------------------- pre-commit


def test_the_pre_commit_hook_checks_the_edition():
    hooks = yaml.safe_load((Path(__file__).parents[1] / ".pre-commit-hooks.yaml").read_text())
    [hook] = [h for h in hooks if h["id"] == "advisor-guide-check"]
    assert hook["pass_filenames"] is False and hook["language"] == "python"
    program, *args = shlex.split(hook["entry"])
    assert program == "advisor"
    save()
    assert run(*args, "docs/edition.yaml").exit_code == 0
    set_score("28", "40")
    stale = run(*args, "docs/edition.yaml")
    assert stale.exit_code == 1
    assert "acme-1 mle-bench score 28 → 40" in stale.output


def test_verified_only_is_recorded_and_replayed() -> None:
    # ACME 1's only score is unverified: with --verified-only nothing is assessed.
    save("--verified-only")
    record = yaml.safe_load(Path("docs/edition.yaml").read_text(encoding="utf-8"))["edition"]
    assert record["verified_only"] is True
    guide = Path("docs/guide.md").read_text(encoding="utf-8")
    assert "Not assessed" in guide and "(provisional)" not in guide
    assert check() == (0, "docs/guide.md: up to date (edition of 2026-01-01)\n")
    code, out = update("--date", "2026-02-01")
    assert code == 0, out
    after = Path("docs/guide.md").read_text(encoding="utf-8")
    assert "Not assessed" in after and "(provisional)" not in after
    # Without the flag, the record says nothing about it, and the advice is provisional.
    save("--force")
    assert "verified_only" not in Path("docs/edition.yaml").read_text(encoding="utf-8")
    assert "(provisional)" in Path("docs/guide.md").read_text(encoding="utf-8")
    assert check()[0] == 0


def test_update_refuses_an_edition_whose_output_is_one_of_its_inputs() -> None:
    save()
    text = Path("docs/edition.yaml").read_text(encoding="utf-8")
    assert "output: guide.md" in text
    Path("docs/edition.yaml").write_text(text.replace("output: guide.md", "output: ../scores.yaml"))
    before = state("scores.yaml", "docs/edition.yaml")
    code, out = update("--force")
    assert code == 2
    assert out.splitlines() == [
        f"advisor: error: output {os.path.join('docs', '..', 'scores.yaml')} and scores "
        f"{os.path.join('docs', '..', 'scores.yaml')} are the same file; choose another for output"
    ]
    assert state("scores.yaml", "docs/edition.yaml") == before


def test_a_recommended_model_is_saved_as_auto_and_replays_to_the_same_guide():
    """'--model auto' (the questionnaire's "Not sure") saves the request, not the model it
    stood for, so --answers gives the same bytes, recommendation and shortlist included."""
    first = run(
        "guide", "--defaults", "--model", "auto", "--date", "2026-01-01",
        "-o", "auto.md", "--save-answers", "auto.yaml",
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    answers = yaml.safe_load(Path("auto.yaml").read_text(encoding="utf-8"))
    assert answers["model"] == "auto"
    again = run("guide", "--answers", "auto.yaml", "--date", "2026-01-01", "-o", "again.md")
    assert again.exit_code == 0, again.output
    assert Path("again.md").read_bytes() == Path("auto.md").read_bytes()
    assert "## Which model for which stage" in Path("auto.md").read_text(encoding="utf-8")
    assert check("auto.yaml") == (0, "auto.md: up to date (edition of 2026-01-01)\n")
