"""``advisor rank`` from a user's side: which model for which role and stage (issue 15)."""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from pathlib import Path
from typing import Any

import msgspec
import msgspec.structs
import pexpect
import pytest
from click.testing import CliRunner
from clitools import ENV, run
from docpages import DOCS, section
from format_parsers import parse_markdown

from advisor import wording
from advisor.cli.app import cli
from advisor.errors import InputError
from advisor.evaluation import questionnaire
from advisor.load.rulebook import load_rulebook

pytestmark = pytest.mark.usefixtures("workdir")
LEVELS = ["manual", "assist", "draft", "supervised", "autonomous"]

#: Two models the same but for verification and flags, and one only firm but weaker.
TWINS = """\
models:
  - id: firm-one
    name: Firm One
    scores:
      - {benchmark: mle-bench, score: 55, split: all, agent: aide, date: "2026-01-01",
         source: "https://example.org/a", verified: true}
  - id: leaky-one
    name: Leaky One
    scores:
      - {benchmark: mle-bench, score: 95, split: all, agent: aide, date: "2026-01-01",
         source: "https://example.org/b", verified: true, flags: [known-leakage]}
  - id: claimed-one
    name: Claimed One
    scores:
      - {benchmark: mle-bench, score: 99, split: all, agent: aide, date: "2026-01-01",
         source: "https://example.org/c", verified: false}
  - id: other-harness
    name: Other Harness
    scores:
      - {benchmark: mle-bench, score: 52, split: all, agent: other, date: "2026-01-01",
         source: "https://example.org/d", verified: true}
"""


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return result.stdout


def ranked(*args: str) -> list[dict[str, Any]]:
    data = json.loads(ok("rank", *args, "--format", "json"))
    assert list(data) == ["rankings"]
    return data["rankings"]  # type: ignore[no-any-return]


def standing(c: dict[str, Any]) -> int:
    """Higher is more autonomy; no rule and not assessed lowest."""
    if not c["assessed"]:
        return -2
    return -1 if c["autonomy"] is None else LEVELS.index(c["autonomy"])


def firm(e: dict[str, Any]) -> bool:
    return bool(e["verified"] and not e["flags"])


def test_every_role_and_stage_without_filters() -> None:
    book = load_rulebook(None)
    rankings = ranked()
    assert [(r["role"], r["stage"]) for r in rankings] == [
        (role, stage) for role in book.roles for stage in book.stages
    ]
    assert len(rankings) == 16
    for r in rankings:
        assert sorted(c["model"] for c in r["candidates"]) == sorted(book.models)


def test_ordering_properties_hold_in_every_ranking() -> None:
    for r in ranked():
        cands = r["candidates"]
        # Firm advice, then provisional, then not assessed; by autonomy within each.
        keys = [(2 if not c["assessed"] else int(c["provisional"]), -standing(c)) for c in cands]
        assert keys == sorted(keys), (r["role"], r["stage"])
        for c in cands:
            expected = {"model", "name", "autonomy", "provisional", "evidence", "comparable"}
            assert expected <= set(c)
            if not c["assessed"]:
                assert c["autonomy"] is None and c["evidence"] == [] and not c["comparable"]
            elif not c["provisional"]:
                # Advice that is not provisional is decided by a verified, unflagged score.
                assert firm(c["evidence"][0]), c
        lead = cands[0]
        if lead["assessed"]:
            assert lead["comparable"] is True
            if any(c["assessed"] and not c["provisional"] for c in cands):
                # Weak evidence never tops a ranking above verified evidence.
                assert not lead["provisional"] and firm(lead["evidence"][0])


def test_done_when_ml_engineers_data_processing() -> None:
    """The issue's first 'done when': one command answers which models to adopt."""
    (r,) = ranked("--role", "ml-engineer", "--stage", "data-processing")
    assert (r["role"], r["stage"]) == ("ml-engineer", "data-processing")
    cands = r["candidates"]
    lead = cands[0]
    assert lead["assessed"] and not lead["provisional"] and firm(lead["evidence"][0])
    by_id = {c["model"]: c for c in cands}
    # The leakage-flagged ensemble is provisional and below every firm model at its level.
    disarray = by_id["disarray-ensemble"]
    assert disarray["provisional"]
    assert "known-leakage" in disarray["evidence"][0]["flags"]
    at_level = [c["model"] for c in cands if c["autonomy"] == disarray["autonomy"]]
    firm_ids = [m for m in at_level if not by_id[m]["provisional"]]
    assert at_level.index("disarray-ensemble") > max(at_level.index(m) for m in firm_ids)
    # Issue 14: gpt-4o (AIDE) never outranks Opus 4.6 (Claude Code) or GPT-5.4 (Codex CLI).
    ids = [c["model"] for c in cands]
    for strong in ("claude-code-opus-4.6", "codex-cli-gpt-5.4"):
        assert ids.index(strong) < ids.index("aide-gpt-4o-2024-08-06")
    # Comparability with the leader: same benchmark and harness, or said why not.
    for c in cands[1:]:
        ev, lead_ev = c["evidence"][0], lead["evidence"][0]
        if ev["benchmark"] != lead_ev["benchmark"]:
            assert not c["comparable"]
            assert c["note"].startswith("rests on a different benchmark")
        elif ev["agent"] != lead_ev["agent"]:
            assert not c["comparable"] and "harness" in c["note"]


def test_table_names_the_leader_and_the_evidence() -> None:
    out = ok("rank", "--role", "mle", "--stage", "data-processing", "--top", "3")
    assert "ML engineer × Data processing" in out
    assert "leader" in out and "on MLE-Bench" in out
    numbers = [line.split()[0] for line in out.splitlines() if line[:1].isdigit()]
    assert numbers == ["1", "2", "3"]


def test_table_fits_80_columns_with_whole_ids() -> None:
    """At 80 columns, in all 16 rankings (numbers of two digits, provisional levels,
    other benchmarks), no cell is cut: every header, every "(provisional)" and every id
    (the longest built-in one has 37 characters) is whole, to copy into --model."""
    result = CliRunner().invoke(cli, ["rank"], env={**ENV, "COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    headers = [line.split() for line in lines if line.lstrip().startswith("#")]
    assert headers == [["#", "Model", "Autonomy", "Deciding", "score", "Comparable"]] * 16
    rankings = ranked()
    cands = [c for r in rankings for c in r["candidates"]]
    words = result.stdout.split()
    assert words.count("(provisional)") == sum(c["provisional"] for c in cands)
    assert max(len(c["model"]) for c in cands) >= 36
    for c in cands:
        assert c["model"] in words, c["model"]
    assert words.count("leader") == 16 and "harness" in words and "benchmark" in words


def test_verified_only_assesses_nothing_from_unverified_figures() -> None:
    rankings = ranked("--verified-only")
    assessed = 0
    for r in rankings:
        for c in r["candidates"]:
            assert all(firm(e) for e in c["evidence"]), c
            assert not c["provisional"]
            assessed += c["assessed"]
    assert assessed  # something was still assessed, from verified figures
    # GPT-5.5's figures are unverified: with --verified-only it is assessed nowhere.
    gpt55 = [c for r in rankings for c in r["candidates"] if c["model"] == "gpt-5.5"]
    assert len(gpt55) == 16 and not any(c["assessed"] for c in gpt55)


def test_weak_evidence_never_tops_firm_evidence(tmp_path: Path) -> None:
    scores = tmp_path / "twins.yaml"
    scores.write_text(TWINS, encoding="utf-8")
    models = "firm-one,leaky-one,claimed-one,other-harness"
    rankings = ranked("--scores", str(scores), "--models", models, "--role", "ml-engineer")
    more_autonomy_below = False
    for r in rankings:
        cands = {c["model"]: c for c in r["candidates"]}
        order = [c["model"] for c in r["candidates"]]
        firm_one = cands["firm-one"]
        assert cands["leaky-one"]["provisional"] and cands["claimed-one"]["provisional"]
        # Flagged evidence never yields autonomous advice, however high the score.
        assert cands["leaky-one"]["autonomy"] != "autonomous"
        for weak in ("leaky-one", "claimed-one"):
            # Below firm evidence, even where the weak figure earns more autonomy.
            assert order.index(weak) > order.index("firm-one"), (r["stage"], order)
            more_autonomy_below |= standing(cands[weak]) > standing(firm_one)
        # The same benchmark, split and harness as the leader: comparable; else why not.
        assert cands["other-harness"]["comparable"] is False
        assert "different harness" in cands["other-harness"]["note"]
        assert all(cands[m]["comparable"] for m in ("firm-one", "leaky-one", "claimed-one"))
    # The case that matters: a weak figure that would earn more autonomy still comes after.
    assert more_autonomy_below
    # Data processing: all four at the same level, so the firm one leads.
    assert rankings[0]["stage"] == "data-processing"
    assert rankings[0]["candidates"][0]["model"] == "firm-one"


def test_models_filter_and_top() -> None:
    rankings = ranked("--models", "gpt-5.5,gpt-5.4", "--models", "claude-code-opus-4.6",
                      "--top", "2")  # fmt: skip
    for r in rankings:
        assert len(r["candidates"]) == 2
        assert {c["model"] for c in r["candidates"]} <= {
            "gpt-5.5",
            "gpt-5.4",
            "claude-code-opus-4.6",
        }


def test_markdown_is_one_table_per_ranking() -> None:
    out = ok("rank", "--role", "ml-engineer", "--role", "ds", "--format", "md", "--top", "5")
    parsed = parse_markdown(out)
    assert len(parsed.tables) == 8
    for table in parsed.tables:
        assert table.header == [
            "#",
            "Model",
            "Autonomy",
            "Deciding evidence",
            "Comparable with the leader",
        ]
        assert table.column("#") == ["1", "2", "3", "4", "5"]
    first = parsed.tables[0]
    assert first.rows[0][4] == "leader"
    assert "Data scientist × Data processing" in parsed.text


def test_the_order_the_markdown_states_is_the_order_it_shows() -> None:
    """Verified advice comes before provisional advice whatever the autonomy, and the
    page says so: an Assist row above a "Supervised (provisional)" one."""
    out = ok("rank", "--role", "ds", "--stage", "data-processing", "--format", "md")
    parsed = parse_markdown(out)
    assert parsed.text.startswith(
        "Which model for which role and stage\nVerified advice first, then provisional, then "
        "not assessed; within each, by the autonomy the rulebook grants, then by the "
        "deciding evidence."
    )
    [table] = parsed.tables
    levels = table.column("Autonomy")
    tiers = [2 if x == "Not assessed" else int("(provisional)" in x) for x in levels]
    assert tiers == sorted(tiers) and 0 in tiers and 1 in tiers
    firm = [x for x, t in zip(levels, tiers, strict=True) if t == 0]
    provisional = [x for x, t in zip(levels, tiers, strict=True) if t == 1]
    # The first provisional row has more autonomy than the last verified one.
    assert firm[-1] == "Assist" and provisional[0] == "Supervised (provisional)"


def test_output_is_deterministic() -> None:
    assert ok("rank", "--format", "json") == ok("rank", "--format", "json")


@pytest.mark.parametrize(
    ("args", "closest"),
    [
        (["--role", "ml-enginer"], "ml-engineer"),
        (["--stage", "data-processin"], "data-processing"),
        (["--models", "gpt-5.5,gpt-5.44"], "gpt-5.4"),
    ],
)
def test_unknown_ids_exit_2_with_the_closest(args: list[str], closest: str) -> None:
    result = run("rank", *args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and closest in lines[0], lines


def test_an_unknown_model_after_a_comma_and_a_space_is_named_without_the_space() -> None:
    result = run("rank", "--models", "gpt-5.5, gpt-5.44")
    assert result.exit_code == 2
    assert result.stderr == (
        "advisor: error: unknown model 'gpt-5.44'; did you mean gpt-5.4 or gpt-5.5 or "
        "codex-cli-gpt-5.4?\n"
    )


def test_top_must_be_positive() -> None:
    assert run("rank", "--top", "0").exit_code == 2


def test_docs_example_is_what_the_command_prints() -> None:
    text = section(DOCS / "models.md", "Which model for which stage")
    [example] = re.findall(r"```markdown\n(.*?)```", text, re.S)
    assert ok(*shlex.split(re.findall(r"^advisor (rank .*)$", text, re.M)[0])) == example


# --------------------------------------------------------------------------- compare A B C ...


def test_compare_takes_three_models_each_a_column() -> None:
    ids = ["codex-cli-gpt-5.4", "claude-code-opus-4.6", "gpt-5.5"]
    data = json.loads(ok("compare", *ids, "--json"))
    assert data["models"] == ids
    assert "baseline" not in data and "model" not in data
    rows = {r["benchmark"]: r for r in data["rows"]}
    assert list(rows) == ["mle-bench", "terminal-bench-2"]
    tb = rows["terminal-bench-2"]
    assert [c["model"] for c in tb["cells"]] == ids
    assert [c["score"] for c in tb["cells"]] == [76, 58, 82.7]
    codex, opus, gpt55 = tb["cells"]
    # The row mixes harnesses: each cell names its own; GPT-5.5's is not stated.
    assert codex["caveats"] == ["harness Codex CLI"]
    assert opus["caveats"] == ["harness Claude Code"]
    assert gpt55["caveats"] == ["harness not stated", "unverified"]
    assert gpt55["evidence"]["verified"] is False
    mle = rows["mle-bench"]["cells"]
    assert [c["score"] for c in mle] == [None, None, 36]
    assert mle[0]["caveats"] == ["no score"]
    # Alone in its row, GPT-5.5's MLE-Bench score has nothing to be compared with.
    assert mle[2]["caveats"] == ["unverified"]


def test_compare_table_of_three_shows_scores_and_caveats_per_cell() -> None:
    out = ok("compare", "aide-o1-preview", "disarray-ensemble", "aira-dojo-o3")
    assert (
        out.splitlines()[0].strip() == "o1-preview (AIDE) vs Ensemble (Disarray) vs o3 (AIRA-dojo)"
    )
    assert "flagged known-leakage" in out and "harness AIDE" in out
    assert "Δ pp" not in out  # differences are for two models
    assert out.count("on MLE-Bench: verified") == 3


def test_compare_of_two_keeps_its_differences_and_gains_the_cells() -> None:
    data = json.loads(ok("compare", "gpt-5.5", "gpt-5.4", "--json"))
    assert (data["model"], data["baseline"], data["models"]) == (
        "gpt-5.5",
        "gpt-5.4",
        ["gpt-5.5", "gpt-5.4"],
    )
    mle = data["rows"][0]
    assert (mle["delta_pp"], mle["relative_gain_pct"]) == (13, 56.52)
    assert [c["score"] for c in mle["cells"]] == [36, 23]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["gpt-5.5", "gpt-5.4", "gpt-5.5"], "compare gpt-5.5 with other models, not with itself"),
        (["gpt-5.5", "gpt-5.4", "gpt-5.44"], "did you mean"),
    ],
)
def test_compare_errors_for_several_models(args: list[str], message: str) -> None:
    result = run("compare", *args)
    assert result.exit_code == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr


# --------------------------------------------------------------------------- models


def listed(*args: str) -> list[dict[str, Any]]:
    return json.loads(ok("models", *args, "--json"))  # type: ignore[no-any-return]


def _benchmarks(model: Any) -> set[str]:
    return {s.benchmark for s in model.scores}


def test_models_benchmark_lists_only_models_with_that_score_best_first() -> None:
    data = listed("--benchmark", "terminal-bench-2")
    assert data
    scores = [m["scores"] for m in data]
    assert all(len(s) == 1 and s[0]["benchmark"] == "terminal-bench-2" for s in scores)
    book = load_rulebook(None)
    having = [
        m.id
        for m in book.models.values()
        if any(s.benchmark == "terminal-bench-2" for s in m.scores)
    ]
    assert sorted(m["id"] for m in data) == sorted(having)
    # Best first: a verified, unflagged score before weaker ones at the same evidence level.
    values = [s[0]["score"] for s in scores if s[0]["verified"] and not s[0]["flags"]]
    assert values == sorted(values, reverse=True)


def test_models_verified_only_drops_unverified_and_flagged_scores() -> None:
    data = listed("--verified-only")
    ids = [m["id"] for m in data]
    assert "gpt-5.5" not in ids and "gpt-5.4" not in ids  # only unverified figures
    for m in data:
        assert m["scores"] and all(s["verified"] and not s["flags"] for s in m["scores"])
    assert "disarray-ensemble" not in ids  # its one score is flagged known-leakage


def test_models_sort_by_name_and_date() -> None:
    names = [m["name"].casefold() for m in listed("--sort", "name")]
    assert names == sorted(names)
    newest = [max(s["date"] for s in m["scores"]) for m in listed("--sort", "date")]
    assert newest == sorted(newest, reverse=True)
    # Without --sort, rulebook order (as before).
    assert [m["id"] for m in listed()] == list(load_rulebook(None).models)


def test_models_table_fits_80_columns_with_provenance_in_long() -> None:
    result = CliRunner().invoke(cli, ["models"], env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[-1] == "Dates, agents, splits and sources: advisor models --long"
    assert "chaobro.com" not in result.stdout and "verified, FLAG" in result.stdout
    # Every model id is whole (to copy into --model), and so is every word of a cell.
    words = result.stdout.split()
    for model in load_rulebook(None).models:
        assert model in words, model
    assert words.count("known-leakage") == 2
    long = CliRunner().invoke(cli, ["models", "--long"], env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert "Source" in long.stdout and "UNVERIFIED;" in long.stdout


def test_models_unknown_benchmark_exits_2_with_the_closest() -> None:
    result = run("models", "--benchmark", "mle-bnch")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "advisor: error: unknown benchmark 'mle-bnch'; did you mean mle-bench"
        " or terminal-bench-2 or terminal-bench-1?"
    ]


def test_long_output_goes_through_the_pager_on_a_terminal(tmp_path: Path) -> None:
    """As git does: on a terminal, output taller than the screen goes to $PAGER."""
    env = {**os.environ, "PAGER": "tee paged.txt", "TERM": "xterm-256color", "NO_COLOR": "1"}
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "advisor", "models"],
        cwd=str(tmp_path),
        env=env,
        dimensions=(30, 100),
        encoding="utf-8",
        timeout=60,
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    paged = (tmp_path / "paged.txt").read_text(encoding="utf-8")
    assert paged.count("\n") > 30 and "Models and scores" in paged
    # A short listing is printed straight to the terminal: no pager.
    (tmp_path / "paged.txt").unlink()
    child = pexpect.spawn(
        sys.executable,
        ["-m", "advisor", "models", "--benchmark", "swe-bench-verified"],
        cwd=str(tmp_path),
        env=env,
        dimensions=(30, 100),
        encoding="utf-8",
        timeout=60,
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and "SWE-bench Verified" in child.before
    assert not (tmp_path / "paged.txt").exists()


# --------------------------------------------------------------------------- guide --model auto


def guide_out(*args: str) -> str:
    result = run("guide", "--defaults", *args, "-o", "-", "--date", "2026-06-01")
    assert result.exit_code == 0, result.output
    return result.stdout


def aggregate_leader(rankings: list[dict[str, Any]]) -> str:
    """The model leading the most rankings (the tests' own count, ties by autonomy)."""
    leads: dict[str, int] = {}
    for r in rankings:
        if r["candidates"][0]["assessed"]:
            leads[r["candidates"][0]["model"]] = leads.get(r["candidates"][0]["model"], 0) + 1
    top = max(leads.values())
    [only] = [m for m, n in leads.items() if n == top]  # no tie in the built-in data
    return only


def test_guide_model_auto_adopts_the_model_rank_puts_first_with_the_shortlist() -> None:
    """The issue's 'done when': advisor guide --defaults --model auto."""
    out = guide_out("--model", "auto")
    expected = aggregate_leader(ranked())
    name = load_rulebook(None).models[expected].name
    parsed = parse_markdown(out)
    assert out.splitlines()[0] == f"# ML team: adopting {name}"
    section = out.split("## Which model for which stage\n", 1)[1].split("\n## ", 1)[0]
    assert f"puts **{name}** first" in section and "This guide is for" not in section
    # A pointer under the bottom line says why this model, and where the others are.
    head = out.split("## Model comparison", 1)[0]
    assert f"`advisor rank` recommends {name} for this team: it leads " in head
    assert "(#which-model-for-which-stage)" in head
    # The section comes after the advice for each role, before the caveats.
    headings = [h for h in out.splitlines() if h.startswith("## ")]
    at = headings.index("## Which model for which stage")
    assert headings[at - 1] == "## Students / researchers" and headings[at + 1] == "## Caveats"
    # One compact table: the top 3 per stage for the team's roles together.
    [table] = [t for t in parsed.tables if t.header[-1] == "Comparable with #1"]
    assert table.header == [
        "Stage",
        "#",
        "Model",
        "Autonomy",
        "Deciding score",
        "Comparable with #1",
    ]
    assert len(table.rows) == 4 * 3
    assert table.column("#") == ["1", "2", "3"] * 4
    firsts = [row for row in table.rows if row[1] == "1"]
    assert [row[2] for row in firsts] == [name] * 4
    assert all(row[5] == "-" for row in firsts)
    # Scores from another harness are marked as not comparable with the first.
    assert "no: different harness" in table.column("Comparable with #1")
    # With one role, the first of each stage is what that role's ranking puts first.
    data = json.loads(guide_out("--model", "auto", "--role", "mle", "--format", "json"))
    firsts_mle = [s["candidates"][0]["model"] for s in data["shortlist"]["stages"]]
    assert firsts_mle == [r["candidates"][0]["model"] for r in ranked("--role", "mle")]


def test_guide_model_auto_follows_the_team_roles_stages_and_verified_only() -> None:
    args = ["--role", "mle", "--stage", "data-processing", "--verified-only"]
    data = json.loads(guide_out("--model", "auto", *args, "--format", "json"))
    expected = aggregate_leader(ranked(*args))
    assert data["model"] == expected
    short = data["shortlist"]
    assert short["recommended"]["model"] == expected and short["model"] == expected
    assert short["roles"] == [{"id": "ml-engineer", "name": "ML engineer"}]
    [s] = short["stages"]
    assert s["stage"]["id"] == "data-processing"
    assert len(s["candidates"]) == 3
    assert all(not c["provisional"] for c in s["candidates"])
    assert [c["model"] for c in s["candidates"]] == [
        c["model"] for c in ranked(*args)[0]["candidates"][:3]
    ]


def test_guide_shortlist_with_an_explicit_model_in_every_format() -> None:
    from format_parsers import PARSERS

    for fmt, parse in PARSERS.items():
        out = guide_out("--model", "gpt-5.5", "--shortlist", "--role", "ds", "--format", fmt)
        parsed = parse(out)
        assert "Which model for which stage" in parsed.text, fmt
        assert "This guide is for GPT-5.5." in " ".join(parsed.text.split()), fmt
        [table] = [t for t in parsed.tables if t.header and t.header[-1] == "Comparable with #1"]
        assert len(table.rows) == 4 * 3, fmt
        assert "Other models per stage" in parsed.text, fmt
    plain = guide_out("--model", "gpt-5.5", "--role", "ds")
    assert "Which model for which stage" not in plain  # only when asked for


def test_model_auto_in_an_answers_file(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("team: T\nmodel: auto\nroles: [student]\n", encoding="utf-8")
    data = json.loads(guide_out("--answers", str(tmp_path / "a.yaml"), "--format", "json"))
    assert data["model"] == aggregate_leader(ranked("--role", "student"))
    assert "shortlist" in data


def test_recommend_breaks_ties_by_autonomy_then_provisional_then_id(tmp_path: Path) -> None:
    from advisor.evaluation import rank
    from advisor.load.rulebook import load_scores

    twins = TWINS.replace("id: firm-one", "id: zz-firm").replace("name: Firm One", "name: Z")
    twins += """\
  - id: aa-firm
    name: A
    scores:
      - {benchmark: mle-bench, score: 55, split: all, agent: aide, date: "2026-01-01",
         source: "https://example.org/a", verified: true}
"""
    (tmp_path / "t.yaml").write_text(twins, encoding="utf-8")
    book = load_scores(load_rulebook(None), tmp_path / "t.yaml")
    rankings = rank.rank(
        book, roles=["ml-engineer"], stages=["data-processing"], models=["zz-firm,aa-firm"]
    )
    rec = rank.recommend(book, rankings)
    assert rec is not None and rec.model == "aa-firm"  # same everything: the first id
    assert rankings[0].candidates[0].model == "aa-firm"
    # No evidence at all: nothing to recommend, and --model auto says so.
    (tmp_path / "none.yaml").write_text("models:\n  - {id: bare, name: Bare}\n", encoding="utf-8")
    bare = load_scores(book, tmp_path / "none.yaml")
    assert rank.recommend(bare, rank.rank(bare, models=["bare"])) is None
    only_bare = msgspec.structs.replace(bare, models={"bare": bare.models["bare"]})
    with pytest.raises(InputError, match="no model has evidence for these roles and stages"):
        questionnaire.Recommending(only_bare).pick({"roles": ["ml-engineer"]})


@pytest.mark.parametrize("verified_only", [False, True])
def test_an_edition_of_a_shortlist_guide_stays_current(tmp_path: Path, verified_only: bool) -> None:
    guide = str(tmp_path / "guide.md")
    edition = str(tmp_path / "edition.yaml")
    strict = ["--verified-only"] if verified_only else []
    made = run("guide", "--defaults", "--model", "auto", "--role", "mle", "-o", guide,
               "--save-answers", edition, *strict)  # fmt: skip
    assert made.exit_code == 0, made.output
    text = Path(edition).read_text(encoding="utf-8")
    assert "\n  shortlist: true\n" in text
    assert ("\n  verified_only: true\n" in text) is verified_only
    # The request is saved: --answers replays the same guide, and --update recommends again.
    assert "\nmodel: auto\n" in text
    checked = run("guide", "--check", edition)
    assert checked.exit_code == 0, checked.output
    assert "up to date" in checked.stdout


def test_the_summary_counts_one_role_in_the_singular(tmp_path: Path) -> None:
    """A fix of issue 15: the summary of a one-role guide said "1 roles"."""
    result = run("guide", "--defaults", "--role", "mle", "-o", str(tmp_path / "g.md"))
    assert result.exit_code == 0, result.output
    assert f"Wrote {tmp_path / 'g.md'}: 1 role, model gpt-5.5 vs gpt-5.4" in result.stdout


def test_counts_of_one_are_singular_wherever_advisor_counts(tmp_path: Path) -> None:
    """A fix of issue 15: "1 roles" had siblings ("1 rows skipped", "1 tables", ...)."""
    assert [wording.count(n, "role") for n in (0, 1, 2)] == ["0 roles", "1 role", "2 roles"]
    one = run(
        "guide",
        "--defaults",
        "--model",
        "auto",
        "--role",
        "mle",
        "--stage",
        "data-processing",
        "-o",
        "-",
    )
    assert one.exit_code == 0, one.output
    # One ranking reads "the one", not "1 of the 1".
    assert "it leads the one role × stage ranking" in one.stdout
    assert "1 of the 1" not in one.stdout


CLAIM = """\
models:
  - id: claimy
    name: Claimy
    scores:
      - {benchmark: mle-bench, score: 90, split: all, date: "2026-01-01",
         source: "https://example.org/claim", verified: false}
"""


def test_an_unverified_claim_is_neither_first_nor_recommended(tmp_path: Path) -> None:
    """An unverified 90% would earn the most autonomy, yet verified evidence comes first in
    every ranking, and --model auto adopts a model with verified evidence."""
    scores = tmp_path / "claim.yaml"
    scores.write_text(CLAIM, encoding="utf-8")
    for r in ranked("--scores", str(scores)):
        order = [c["model"] for c in r["candidates"]]
        firm_models = [
            c["model"] for c in r["candidates"] if c["assessed"] and not c["provisional"]
        ]
        if firm_models:
            assert order.index("claimy") > order.index(firm_models[-1]), (r["role"], r["stage"])
    result = run(
        "guide", "--defaults", "--model", "auto", "--scores", str(scores),
        "--format", "json", "-o", "-",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    recommended = json.loads(result.stdout)["shortlist"]["recommended"]["model"]
    assert recommended == "mlevolve-gemini-3-pro-preview"
