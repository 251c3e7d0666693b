"""Golden tests: the built-in rulebook reproduces the seed review (GPT-5.5 against GPT-5.4,
all roles) in substance, and guides for models with less evidence state what is missing.

The guides are produced by the real command and read back with markdown-it-py, so the
checks are on what a wiki reader sees, not on the template's exact bytes."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from test_guide import assert_well_formed, rendered_text, tables

from advisor.cli.app import cli

DATE = "2026-11-26"


def make(*args: str) -> str:
    result = CliRunner().invoke(
        cli,
        ["guide", "--defaults", "--date", DATE, "-o", "-", *args],
        env={"COLUMNS": "200", "NO_COLOR": "1", "SOURCE_DATE_EPOCH": None},
        prog_name="advisor",
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.stdout


def norm(text: str) -> str:
    """Compare in substance: one kind of dash and quote, lower case."""
    for a, b in (("–", "-"), ("—", "-"), ("“", '"'), ("”", '"'), ("’", "'")):
        text = text.replace(a, b)
    return " ".join(text.lower().split())


def section(md: str, title: str) -> str:
    """The Markdown of one ``## title`` section."""
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", md, re.M | re.S)
    assert m, f"no section {title!r}"
    return m.group(1)


def table_of(md: str, first_header: str) -> dict:
    [t] = [t for t in tables(md) if t["header"][0] == first_header]
    return t


@pytest.fixture(scope="module")
def seed() -> str:
    return make()


def test_bottom_line_reproduces_the_seed_figures(seed: str) -> None:
    text = norm(rendered_text(section(seed, "Bottom line")))
    assert "gpt-5.5 scores 36% on mle-bench, up 13 percentage points from gpt-5.4's 23%" in text
    assert "about one-third of standard ml engineering tasks" in text
    assert "two-thirds still need human intervention" in text


def test_cross_benchmark_reading(seed: str) -> None:
    text = norm(rendered_text(section(seed, "Bottom line")))
    assert "command-line capability is maturing: 82.7% on terminal-bench 2.0" in text
    assert "replace junior engineers on most standard cli tasks" in text
    assert "ml engineering understanding is catching up: 36%" in text
    assert "the gap is knowledge, not tools" in text
    assert "data distribution understanding, overfitting judgement, experimental design" in text


def test_comparison_table_is_the_seeds(seed: str) -> None:
    t = table_of(seed, "Benchmark")
    assert t["header"] == ["Benchmark", "GPT-5.5", "GPT-5.4", "Difference", "Relative gain"]
    rows = {r[0]: r for r in t["rows"]}
    assert rows["MLE-Bench"] == [
        "MLE-Bench",
        "36% (unverified) [1]",
        "23% (unverified) [1]",
        "+13 pp",
        "+56.5%",
    ]
    assert rows["Terminal-Bench 2.0"] == [
        "Terminal-Bench 2.0",
        "82.7% (unverified) [2]",
        "n/a",
        "n/a",
        "n/a",
    ]


SEED_GUIDE = {
    "Data scientists": ["automate data processing and baseline model training", "30-50%"],
    "ML engineers": [
        "automated ml pipelines",
        "terminal-bench",
        "model selection needs human review",
    ],
    "Tech leads": [
        '36% autonomy means "ai replacing ml engineers" is premature',
        '"ai assisting" is ready',
    ],
    "Students / researchers": ["quick baseline experiments", "experimental design"],
}


def test_selection_guide_is_the_seeds_in_substance(seed: str) -> None:
    t = table_of(section(seed, "Selection guide"), "Role")
    assert t["header"] == ["Role", "How to use"]
    rows = {r[0]: norm(r[1]) for r in t["rows"]}
    assert list(rows) == list(SEED_GUIDE)
    for role, phrases in SEED_GUIDE.items():
        for phrase in phrases:
            assert phrase in rows[role], (role, phrase)


def stage_table(md: str, role: str) -> dict[str, list[str]]:
    t = table_of(section(md, role), "Stage")
    assert t["header"] == [
        "Stage",
        "Autonomy",
        "What to hand over",
        "Needs human review",
        "Time saved",
        "Rule",
    ]
    return {r[0]: r for r in t["rows"]}


def test_role_sections_follow_the_seed(seed: str) -> None:
    stages = ["Data processing", "Model selection", "Training & tuning", "Result validation"]
    levels = {"Manual", "Assist", "Draft", "Supervised", "Autonomous"}
    for role in SEED_GUIDE:
        rows = stage_table(seed, role)
        assert list(rows) == stages
        for r in rows.values():
            # Every GPT-5.5 figure is unverified, so all its advice is provisional (issue 14).
            assert r[1].endswith(" (provisional)"), r
            assert r[1].removesuffix(" (provisional)") in levels and r[2] and r[3] and r[4]
            assert re.fullmatch(r"`[a-z0-9-]+`", r[5]), r
    ds = stage_table(seed, "Data scientists")
    for stage in ("Data processing", "Training & tuning"):
        assert ds[stage][1] == "Supervised (provisional)"
        assert "automate data processing and baseline model training" in norm(ds[stage][2])
        assert norm(ds[stage][4]).startswith("30-50%")
    mle = stage_table(seed, "ML engineers")
    assert "automated ml pipelines" in norm(mle["Data processing"][2])
    assert mle["Model selection"][1] in ("Assist (provisional)", "Draft (provisional)")
    assert "needs human review" in norm(mle["Model selection"][2])
    lead = stage_table(seed, "Tech leads")
    assert '"ai replacing ml engineers" is premature' in norm(lead["Model selection"][2])
    assert '"ai assisting" is ready' in norm(lead["Data processing"][2])
    student = stage_table(seed, "Students / researchers")
    assert "quick baseline experiments" in norm(student["Data processing"][2])
    assert "experimental design" in norm(student["Model selection"][2])
    # Nobody hands over judgement at 36%: no stage is autonomous for any role.
    assert not any(
        r[1].startswith("Autonomous")
        for role in SEED_GUIDE
        for r in stage_table(seed, role).values()
    )


def test_caveats_flag_every_unverified_score(seed: str) -> None:
    text = norm(rendered_text(section(seed, "Caveats")))
    for fact in (
        "gpt-5.5 on mle-bench (36%) is unverified",
        "gpt-5.5 on terminal-bench 2.0 (82.7%) is unverified",
        "gpt-5.4 on mle-bench (23%) is unverified",
    ):
        assert fact in text


def test_every_bracketed_number_has_a_source(seed: str) -> None:
    sources = section(seed, "Sources")
    listed = {int(n) for n in re.findall(r"^(\d+)\. ", sources, re.M)}
    cited = {int(n) for n in re.findall(r"\\\[(\d+)\\\]", seed.split("## Sources")[0])}
    assert cited and cited <= listed
    text = norm(rendered_text(sources))
    assert "gpt-5.5, mle-bench: 36% (unverified" in text
    assert "gpt-5.4, mle-bench: 23% (unverified" in text
    assert "gpt-5.5, terminal-bench 2.0: 82.7% (unverified" in text
    assert "2026-04" in text


def test_seed_guide_tables_are_well_formed(seed: str) -> None:
    assert_well_formed(seed)


def test_model_without_terminal_bench_score_says_so() -> None:
    md = make("--model", "gpt-5.4")  # its own baseline: none
    assert_well_formed(md)
    assert md.startswith("# ML team: adopting GPT-5.4\n")
    assert "compared with" not in md
    assert "Missing evidence: Terminal-Bench 2.0." in md
    t = table_of(md, "Benchmark")
    assert t["header"] == ["Benchmark", "GPT-5.4"]
    assert "\n| Benchmark | GPT-5.4 |\n|---|---|\n" in md  # no trailing blanks
    assert t["rows"] == [["MLE-Bench", "23% (unverified) [1]"]]
    text = norm(rendered_text(md))
    assert "gpt-5.4 scores 23% on mle-bench" in text
    assert "there is no terminal-bench 2.0 score for gpt-5.4" in text
    assert "no terminal-bench 2.0 score for gpt-5.4: advice that reads it falls back" in text
    # Every role still gets a full stage table.
    for role in SEED_GUIDE:
        assert len(stage_table(md, role)) == 4


def test_imported_leaderboard_model_guides_with_its_provenance() -> None:
    md = make("--model", "thesis-gpt-5-codex")
    assert_well_formed(md)
    assert md.startswith("# ML team: adopting gpt-5-codex (Thesis)\n")
    assert table_of(md, "Benchmark")["rows"] == [["MLE-Bench", "48.4% [1]"]]  # verified
    assert "Scores marked unverified" not in md  # no mark, so no footnote explaining it
    assert "Missing evidence: Terminal-Bench 2.0." in md
    text = norm(rendered_text(md))
    # A medal rate is read as one, not as the seed's share of tasks completed (issue 14).
    assert "earns a medal in about half of mle-bench's kaggle competitions" in text
    assert "standard ml engineering tasks" not in text
    sources = norm(rendered_text(section(md, "Sources")))
    assert "github:openai/mle-bench readme.md" in sources
    assert "2025-11-10" in sources and "(verified)" in sources
    assert "agent thesis" in sources


def test_comparing_across_harnesses_is_flagged() -> None:
    md = make("--model", "thesis-gpt-5-codex", "--baseline", "gpt-5.5")
    assert_well_formed(md)
    rows = {r[0]: r for r in table_of(md, "Benchmark")["rows"]}
    assert rows["MLE-Bench"][1:] == ["48.4% [1]", "36% (unverified) [2]", "+12.4 pp", "+34.6%"]
    caveats = norm(rendered_text(section(md, "Caveats")))
    assert "mle-bench: the two scores come from different agents or splits" in caveats
