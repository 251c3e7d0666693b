"""`advisor diff` and the library behind it: what changed between two editions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from format_parsers import PARSERS, parse_markdown
from markdown_it import MarkdownIt

from advisor.cli.app import cli
from advisor.evaluation.diff import diff_results
from advisor.evaluation.engine import evaluate
from advisor.evaluation.results import Profile
from advisor.load.rulebook import load_rulebook
from advisor.rendering.changes import render_changes_md

#: Copies of ../shared/data/leaderboards (see its README).
LEADERBOARDS = Path(__file__).parent / "fixtures" / "leaderboards"


def run(*args: str):
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"})
    assert "Traceback" not in result.output
    return result


def diff_json(*args: str) -> dict:
    result = run("diff", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def lines(data: dict) -> dict[tuple[str, str | None, str | None], dict]:
    return {(c["model"], c["role"], c["stage"]): c for c in data["changes"]}


# --------------------------------------------------------------------------- the seed's two models


def test_seed_models_show_which_boundary_each_change_crossed():
    data = diff_json("--model-from", "gpt-5.4", "--model-to", "gpt-5.5")
    got = lines(data)
    key = "gpt-5.4 → gpt-5.5"
    mle = got[(key, "ml-engineer", "data-processing")]
    # Both sides rest on unverified figures: provisional, as the guide marks them (issue 14).
    assert mle["old"] == {
        "autonomy": "draft",
        "rules": ["mle-pipeline-emerging"],
        "assessed": True,
        "provisional": True,
    }
    assert mle["new"] == {
        "autonomy": "supervised",
        "rules": ["mle-pipeline-moderate-cli"],
        "assessed": True,
        "provisional": True,
    }
    # Terminal-Bench matters too: without it the new rule would be a draft again.
    # The seed's figures are unverified, and the reasons say so.
    assert mle["reasons"] == [
        "mle-bench 23 (unverified) → 36 (unverified) crossed 30",
        "terminal-bench-2 missing → 82.7 (unverified)",
    ]
    assert mle["crossings"][0]["unverified"] is True
    tl = got[(key, "tech-lead", "model-selection")]
    assert (tl["old"]["autonomy"], tl["new"]["autonomy"]) == ("manual", "assist")
    assert tl["reasons"] == ["mle-bench 23 (unverified) → 36 (unverified) crossed 30"]
    assert got[(key, "data-scientist", None)]["new"]["rules"] == ["guide-ds-seed"]
    # Students choose models with help at both scores: unchanged, so left out.
    assert (key, "student", "model-selection") not in got
    assert all(c["changed"] for c in data["changes"])


def test_all_keeps_unchanged_lines_and_role_filters():
    data = diff_json(
        "--model-from", "gpt-5.4", "--model-to", "gpt-5.5", "--all", "--role", "student"
    )
    got = lines(data)
    assert {k[2] for k in got} == {
        None,
        "data-processing",
        "model-selection",
        "training-tuning",
        "result-validation",
    }
    same = got[("gpt-5.4 → gpt-5.5", "student", "model-selection")]
    assert same["changed"] is False and same["reasons"] == []
    assert (
        same["old"]
        == same["new"]
        == {
            "autonomy": "assist",
            "rules": ["st-design-moderate"],
            "assessed": True,
            "provisional": True,
        }
    )


def test_markdown_is_a_what_changed_section_with_a_table():
    result = run(
        "diff",
        "--model-from",
        "gpt-5.4",
        "--model-to",
        "gpt-5.5",
        "--role",
        "mle",
        "--format",
        "md",
    )
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("## What changed since the last edition\n")
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    cells = [t.content for t in tokens if t.type == "inline"]
    assert cells[:6] == [
        "What changed since the last edition",
        "Role",
        "Stage",
        "Before",
        "Now",
        "Why",
    ]
    rows = [cells[i : i + 5] for i in range(6, len(cells), 5)]
    assert [
        "ML engineer",
        "Model selection",
        "Assist (`mle-select-emerging`; provisional)",
        "Draft (`mle-select-moderate`; provisional)",
        "mle-bench 23 (unverified) → 36 (unverified) crossed 30",
    ] in rows
    assert len(rows) == 5  # summary and four stages


def test_table_output_and_file_output(tmp_path):
    result = run("diff", "--model-from", "gpt-5.4", "--model-to", "gpt-5.5", "--role", "tl")
    assert result.exit_code == 0, result.output
    assert "What changed: gpt-5.4 → gpt-5.5" in result.stdout
    assert "mle-bench 23 (unverified) → 36 (unverified) crossed 30" in result.stdout
    out = tmp_path / "changes.md"
    result = run(
        "diff", "--model-from", "gpt-5.4", "--model-to", "gpt-5.5", "--format", "md", "-o", str(out)
    )
    assert result.exit_code == 0 and out.read_text().startswith("## What changed")
    again = run(
        "diff", "--model-from", "gpt-5.4", "--model-to", "gpt-5.5", "--format", "md", "-o", str(out)
    )
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_same_model_on_both_sides_changes_nothing():
    data = diff_json("--model-from", "gpt-5.5", "--model-to", "gpt-5.5")
    assert data["changes"] == []
    result = run("diff", "--model-from", "gpt-5.5", "--model-to", "gpt-5.5")
    assert "No recommendation changed." in result.stdout


# --------------------------------------------------------------------------- editions of scores


EDITION_1 = """\
benchmark,agent,model,score,stderr,split,date,source
MLE-bench,Acme,Model X,28.5,1.0,all,2026-01-10,https://example.org/lb
Terminal-Bench 2.0,Acme,Model X,65,,89 tasks,2026-01-10,https://example.org/tb
MLE-bench,Beta,Model Y,55,,all,2026-01-10,https://example.org/lb
MLE-bench,Gone,Model Z,10,,all,2026-01-10,https://example.org/lb
"""


def import_edition(tmp_path: Path, text: str, name: str) -> Path:
    source = tmp_path / f"{name}.csv"
    source.write_text(text)
    out = tmp_path / f"{name}.yaml"
    result = run("scores", "import", str(source), "-o", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_two_imported_csv_editions(tmp_path):
    old = import_edition(tmp_path, EDITION_1, "2026-01")
    new_text = (
        EDITION_1.replace("Model X,28.5", "Model X,31.5").replace(
            "MLE-bench,Gone,Model Z,10,,all,2026-01-10,https://example.org/lb\n", ""
        )
        + "MLE-bench,New,Model W,40,,all,2026-04-01,https://example.org/lb\n"
    )
    new = import_edition(tmp_path, new_text, "2026-04")
    data = diff_json("--from", str(old), "--to", str(new), "--role", "mle")
    assert data["from"] == str(old) and data["to"] == str(new)
    got = lines(data)
    assert {k[0] for k in got} == {"acme-model-x"}  # Model Y did not move
    # Model selection reads MLE-Bench alone: its evidence turns moderate at 30.
    ms = got[("acme-model-x", "ml-engineer", "model-selection")]
    assert (ms["old"]["autonomy"], ms["new"]["autonomy"]) == ("assist", "draft")
    assert ms["reasons"] == ["mle-bench 28.5 → 31.5 crossed 30"]
    assert ms["crossings"][0]["boundaries"] == [30]
    # Pipelines were moderate on Terminal-Bench 2.0's 65 already (issue 14): unchanged.
    assert ("acme-model-x", "ml-engineer", "data-processing") not in got
    assert data["added_models"] == ["new-model-w"]
    assert data["removed_models"] == ["gone-model-z"]
    table = run("diff", "--from", str(old), "--to", str(new), "--role", "mle")
    assert "New models (not compared): new-model-w" in table.stdout
    assert "Models no longer listed: gone-model-z" in table.stdout


def test_two_editions_of_the_shared_mle_bench_leaderboard(tmp_path):
    old = tmp_path / "mle-2026-02.yaml"
    result = run(
        "scores", "import", str(LEADERBOARDS / "mle_bench.yaml"), "--split", "all", "-o", str(old)
    )
    assert result.exit_code == 0, result.output
    # The next edition: FaMou-Agent 2.0 and LoongFlow improve past 70, MLEvolve's rerun
    # drops below 50.
    data = yaml.safe_load(old.read_text())
    scores = {m["id"]: m["scores"][0] for m in data["models"]}
    scores["famou-agent-2.0-gemini-2.5-pro"]["score"] = 72.1
    scores["loongflow-gemini-3-flash-preview"]["score"] = 72.1
    scores["mlevolve-gemini-3-pro-preview"]["score"] = 45.0
    new = tmp_path / "mle-2026-05.yaml"
    new.write_text(yaml.safe_dump(data, sort_keys=False))
    out = diff_json("--from", str(old), "--to", str(new), "--role", "ds")
    got = lines(out)
    # LoongFlow's score is flagged known-leakage: flagged evidence never yields autonomous,
    # so its advice does not change (issue 14).
    assert scores["loongflow-gemini-3-flash-preview"]["flags"] == ["known-leakage"]
    assert {k[0] for k in got} == {
        "famou-agent-2.0-gemini-2.5-pro",
        "mlevolve-gemini-3-pro-preview",
    }
    up = got[("famou-agent-2.0-gemini-2.5-pro", "data-scientist", "data-processing")]
    assert (up["old"]["autonomy"], up["new"]["autonomy"]) == ("supervised", "autonomous")
    assert up["reasons"] == ["mle-bench 59.56 → 72.1 crossed 70"]
    down = got[("mlevolve-gemini-3-pro-preview", "data-scientist", "result-validation")]
    assert (down["old"]["autonomy"], down["new"]["autonomy"]) == ("draft", "assist")
    assert down["reasons"] == ["mle-bench 61.33 → 45 crossed 50"]
    md = run("diff", "--from", str(old), "--to", str(new), "--role", "ds", "--format", "md")
    assert "### famou-agent-2.0-gemini-2.5-pro" in md.stdout


# --------------------------------------------------------------------------- rulebooks


ORG = """\
extends: builtin
tables:
  - id: stage-advice
    purpose: stage-advice
    hit_policy: unique
    inputs: [role, stage, evidence, mle-bench, terminal-bench-2]
    rules:
      - id: mle-select-moderate
        when: {role: ml-engineer, stage: model-selection, mle-bench: "[30..70)"}
        autonomy: assist
        text: Our policy keeps model selection with engineers.
"""


def test_two_rulebooks(tmp_path):
    org = tmp_path / "org"
    org.mkdir()
    (org / "org.yaml").write_text(ORG)
    data = diff_json("--rules-to", str(org), "--model", "gpt-5.5")
    where = [(c["role"], c["stage"]) for c in data["changes"]]
    assert where == [("ml-engineer", "model-selection")]
    [change] = data["changes"]
    assert (change["old"]["autonomy"], change["new"]["autonomy"]) == ("draft", "assist")
    assert change["reasons"] == ["rule mle-select-moderate changed in the rulebook"]
    back = diff_json("--rules-from", str(org), "--model", "gpt-5.5")
    assert back["changes"][0]["new"]["autonomy"] == "draft"


# --------------------------------------------------------------------------- errors and library


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "nothing to compare"),
        (("--model-from", "gpt-5.3", "--model-to", "gpt-5.5"), "unknown model 'gpt-5.3'"),
        (("--from", "missing.yaml"), "missing.yaml"),
        (("--model-from", "gpt-5.4", "--model-to", "gpt-5.5", "--role", "cto"), "unknown role"),
        (("--model-from", "gpt-5.4", "--model-to", "gpt-5.5", "--format", "pdf"), "pdf"),
    ],
)
def test_bad_input_is_a_one_line_error(args, message):
    result = run("diff", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and result.stdout == ""


def test_library_diff_and_markdown_for_the_guide():
    book = load_rulebook()
    old = evaluate(book, Profile(model="gpt-5.4", roles=["ml-engineer"]))
    new = evaluate(book, Profile(model="gpt-5.5", baseline="gpt-5.4", roles=["ml-engineer"]))
    changes = diff_results(old, new, book)
    assert [c.stage for c in changes] == [
        None,
        "data-processing",
        "model-selection",
        "training-tuning",
        "result-validation",
    ]
    # The level by name; the mark goes with the rules ("Assist (rule; provisional)").
    assert (changes[2].old_level, changes[2].old.provisional) == ("Assist", True)
    assert (changes[2].new_level, changes[2].new.provisional) == ("Draft", True)
    text = render_changes_md(changes, level=3)
    assert text.startswith("### What changed since the last edition\n")
    assert render_changes_md(changes, title="Since May").startswith("## Since May\n")
    same = render_changes_md(diff_results(new, new, book))
    assert same == (
        "## What changed since the last edition\n\n"
        "No recommendation changed since the last edition.\n"
    )


# --------------------------------------------------------------------------- evidence (issue 14)

UNVERIFIED_X = """\
models:
  - id: acme-x
    name: X (Acme)
    scores:
      - {benchmark: mle-bench, score: 40, split: all, agent: Acme, date: "2026-01",
         source: a blog, verified: false}
"""


def editions(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(UNVERIFIED_X, encoding="utf-8")
    new.write_text(UNVERIFIED_X.replace("verified: false", "verified: true"), encoding="utf-8")
    return old, new


def test_a_score_verified_since_ends_provisional_advice(tmp_path):
    old, new = editions(tmp_path)
    got = lines(diff_json("--from", str(old), "--to", str(new), "--role", "ds"))
    dp = got[("acme-x", "data-scientist", "data-processing")]
    assert dp["old"] == {
        "autonomy": "supervised",
        "rules": ["ds-hands-on-moderate"],
        "assessed": True,
        "provisional": True,
    }
    assert dp["new"] == {**dp["old"], "provisional": False}
    assert dp["reasons"] == ["no longer provisional: verified, unflagged scores decide it"]
    md = run("diff", "--from", str(old), "--to", str(new), "--role", "ds", "--format", "md")
    assert md.exit_code == 0, md.output
    rows = [r for r in parse_markdown(md.stdout).tables[0].rows if r[1] == "Data processing"]
    assert [c.replace("`", "") for c in rows[0][2:4]] == [
        "Supervised (ds-hands-on-moderate; provisional)",
        "Supervised (ds-hands-on-moderate)",
    ]


def test_a_stage_not_assessed_shows_as_not_assessed(tmp_path):
    old, new = editions(tmp_path)
    # --verified-only ignores the old edition's score: nothing informs any stage there.
    args = ("--from", str(old), "--to", str(new), "--role", "ds", "--verified-only")
    got = lines(diff_json(*args))
    ms = got[("acme-x", "data-scientist", "model-selection")]
    assert ms["old"] == {"autonomy": None, "rules": [], "assessed": False, "provisional": False}
    assert ms["new"]["assessed"] is True and ms["new"]["autonomy"] == "draft"
    assert ms["reasons"][0] == "assessed now: a score informs this stage"
    md = run("diff", *args, "--format", "md")
    assert md.exit_code == 0, md.output
    [table] = parse_markdown(md.stdout).tables
    before = {r[1]: r[2] for r in table.rows}
    assert before["Model selection"] == "Not assessed"
    assert "no rule" not in md.stdout
    shown = run("diff", *args)  # the terminal table
    assert shown.exit_code == 0, shown.output
    assert "Not assessed" in shown.stdout and "no rule" not in shown.stdout
    # And the other way round: the newer edition's score set aside.
    back = lines(diff_json("--from", str(new), "--to", str(old), "--role", "ds", "--verified-only"))
    gone = back[("acme-x", "data-scientist", "model-selection")]
    assert gone["new"]["assessed"] is False
    assert gone["reasons"][0] == "not assessed now: no score it may use informs this stage"


@pytest.mark.parametrize("fmt", ["html", "confluence", "mediawiki"])
def test_the_guide_what_changed_section_shows_not_assessed(tmp_path, fmt):
    old, new = editions(tmp_path)
    out = tmp_path / f"g.{fmt}"
    result = run(
        "guide", "--defaults", "--scores", str(new), "--model", "acme-x", "--baseline", "none",
        "--since", str(old), "--verified-only", "--format", fmt, "-o", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    parsed = PARSERS[fmt](out.read_text(encoding="utf-8"))
    [table] = [t for t in parsed.tables if t.header == ["Role", "Stage", "Before", "Now", "Why"]]
    row = next(r for r in table.rows if r[:2] == ["Data scientist", "Model selection"])
    assert row[2].strip() == "Not assessed"
    assert row[3].strip().startswith("Draft (")


# ------------------------------------------------------------------- models added and removed


def _score(model: str, name: str, score: int, verified: bool) -> str:
    return (
        f"  - id: {model}\n    name: {name}\n    scores:\n"
        f"      - {{benchmark: mle-bench, score: {score}, source: https://example.org/acme,"
        f' date: "2026-05", verified: {str(verified).lower()}}}\n'
    )


def test_every_format_lists_models_added_and_removed_and_marks_a_summary_alike(tmp_path):
    """Two scores files that differ in models: the table, Markdown and JSON all name the
    model only the new file has and the one only the old had; a provisional summary row
    reads "its rules (provisional)" in each, never "Provisional" as if it were a level."""
    old, new = tmp_path / "A.yaml", tmp_path / "B.yaml"
    old.write_text(
        "models:\n" + _score("acme-1", "Acme One", 20, True) + _score("acme-old", "Old", 10, True),
        encoding="utf-8",
    )
    new.write_text(
        "models:\n" + _score("acme-1", "Acme One", 45, False) + _score("acme-new", "New", 50, True),
        encoding="utf-8",
    )
    args = ("diff", "--from", str(old), "--to", str(new), "--role", "mle")
    data = diff_json(*args[1:])
    assert (data["added_models"], data["removed_models"]) == (["acme-new"], ["acme-old"])
    summary = lines(data)[("acme-1", "ml-engineer", None)]
    assert (summary["old"]["provisional"], summary["new"]["provisional"]) == (False, True)
    old_rule, new_rule = summary["old"]["rules"][0], summary["new"]["rules"][0]

    md = run(*args, "--format", "md")
    assert md.exit_code == 0, md.output
    parsed = parse_markdown(md.stdout)
    [table] = parsed.tables
    row = next(r for r in table.rows if r[:2] == ["ML engineer", "Summary"])
    assert [c.replace("`", "") for c in row[2:4]] == [old_rule, f"{new_rule} (provisional)"]
    assert "New models (not compared): acme-new" in parsed.text
    assert "Models no longer listed: acme-old" in parsed.text

    shown = run(*args)  # the terminal table (COLUMNS=200: no wrapping)
    assert shown.exit_code == 0, shown.output
    # A row is two lines: role and stage, each side's rules, then the provisional mark.
    shown_lines = shown.stdout.splitlines()
    at = next(i for i, line in enumerate(shown_lines) if "│ Summary" in line)
    first, second = (
        [c.strip() for c in shown_lines[i].strip("│ ").split("│")] for i in (at - 1, at)
    )
    assert first[:3] == ["ML engineer", old_rule, new_rule]
    assert second[:3] == ["Summary", "", "(provisional)"]
    assert "Provisional" not in shown.stdout
    assert "New models (not compared): acme-new" in shown.stdout
    assert "Models no longer listed: acme-old" in shown.stdout


@pytest.mark.parametrize("fmt", ["md", "html", "confluence", "mediawiki"])
def test_the_guide_what_changed_section_marks_a_provisional_summary_after_its_rules(tmp_path, fmt):
    old, new = editions(tmp_path)  # the old edition's only score was unverified
    out = tmp_path / f"g.{fmt}"
    result = run(
        "guide", "--defaults", "--scores", str(new), "--model", "acme-x", "--baseline", "none",
        "--role", "ds", "--since", str(old), "--format", fmt, "-o", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    parsed = PARSERS[fmt](out.read_text(encoding="utf-8"))
    [table] = [t for t in parsed.tables if t.header == ["Role", "Stage", "Before", "Now", "Why"]]
    row = next(r for r in table.rows if r[:2] == ["Data scientist", "Summary"])
    before, now = (c.replace("`", "").strip() for c in row[2:4])
    assert before.endswith(" (provisional)") and not before.startswith("Provisional")
    assert now and "provisional" not in now.lower()


# ------------------------------------------------------------ which side of a change is unverified

VERIFIED_52 = """\
models:
  - id: gpt-5.5
    name: GPT-5.5
    baseline: gpt-5.4
    scores:
      - {benchmark: mle-bench, score: 52, date: "2026-06", source: https://example.org/v,
         verified: true}
"""


def test_a_crossing_marks_only_the_unverified_side(tmp_path):
    """The built-in GPT-5.5 scores (unverified 36) against a verified 52: every format of
    `advisor diff` and of the guide's What changed section marks the old 36, never the 52."""
    new = tmp_path / "new.yaml"
    new.write_text(VERIFIED_52, encoding="utf-8")
    builtin = str(Path(__file__).parents[1] / "rules" / "models.yaml")
    args = ("--from", builtin, "--to", str(new), "--model", "gpt-5.5", "--role", "ds")
    wanted = "mle-bench 36 (unverified) → 52 crossed 50"
    data = diff_json(*args)
    dp = lines(data)[("gpt-5.5", "data-scientist", "data-processing")]
    mle = next(x for x in dp["crossings"] if x["input"] == "mle-bench")
    assert mle["unverified"] is True  # either side is, as documented; the text says which
    assert mle["text"] == wanted
    assert "terminal-bench-2 82.7 (unverified) → missing" in dp["reasons"]
    md = run("diff", *args, "--format", "md")
    assert md.exit_code == 0, md.output
    [table] = parse_markdown(md.stdout).tables
    why = next(r[4] for r in table.rows if r[1] == "Data processing")
    assert wanted in why and "52 crossed 50 (unverified)" not in why
    shown = run("diff", *args)
    assert shown.exit_code == 0, shown.output
    assert wanted in shown.stdout and "(unverified)" not in shown.stdout.replace(
        "36 (unverified)", ""
    ).replace("82.7 (unverified)", "")
    for fmt in ("md", "html", "json"):
        out = tmp_path / f"guide.{fmt}"
        result = run(
            "guide", "--defaults", "--scores", str(new), "--since", builtin, "--role", "ds",
            "--format", fmt, "-o", str(out),
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        text = out.read_text(encoding="utf-8")
        if fmt == "json":
            got = {x["text"] for c in json.loads(text)["changes"] for x in c["crossings"]}
        else:
            [t] = [t for t in PARSERS[fmt](text).tables if t.header[-1] == "Why"]
            got = {part.strip() for r in t.rows for part in r[4].split(";")}
        assert wanted in got, (fmt, got)
        assert not any(g.endswith("(unverified)") for g in got if "→ 52" in g), got
