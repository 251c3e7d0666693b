"""Soundness of the evidence model from a user's side: subset scores, deciding scores,
flags in the comparison, --verified-only wording, JSON needs, ties, ML-engineer rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from clitools import ENV, run
from format_parsers import (
    mermaid_xychart,
    parse_confluence,
    parse_html,
    parse_markdown,
    parse_mediawiki,
)

from advisor.cli.app import cli
from advisor.evaluation import rank
from advisor.load.rulebook import load_rulebook, load_scores

pytestmark = pytest.mark.usefixtures("workdir")
LEADERBOARDS = Path(__file__).parent / "fixtures" / "leaderboards"
SUBSETS = ("low", "medium", "high")


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def as_json(*args: str) -> Any:
    return json.loads(ok(*args))


def guide_json(model: str, *args: str) -> Any:
    """The guide's JSON for ``model`` with the defaults."""
    return as_json("guide", "--defaults", "--model", model, *args, "--format", "json", "-o", "-")


def import_mle_bench() -> dict[str, str]:
    """Import the real MLE-bench leaderboard with no flags; model id -> its split."""
    ok("scores", "import", str(LEADERBOARDS / "mle_bench.yaml"), "-o", "mle.yaml")
    models = yaml.safe_load(Path("mle.yaml").read_text(encoding="utf-8"))["models"]
    return {m["id"]: m["scores"][0]["split"] for m in models}


def is_subset(split: str) -> bool:
    return split.split(" ", 1)[0].lower() in SUBSETS


# --------------------------------------------------------------------------- 1: subset scores


def test_subset_scores_set_no_level_and_full_split_rows_still_rank() -> None:
    splits = import_mle_bench()
    assert {is_subset(s) for s in splits.values()} == {True, False}
    data = as_json("rank", "--scores", "mle.yaml", "--format", "json")
    full_assessed = set()
    for ranking in data["rankings"]:
        for c in ranking["candidates"]:
            assert not any(is_subset(e["split"]) for e in c["evidence"]), c
            if c["model"] in splits and is_subset(splits[c["model"]]):
                assert (c["assessed"], c["autonomy"]) == (False, None), c
                assert "Lite subset" in c["note"] or "subset (" in c["note"], c["note"]
            elif c["model"] in splits and c["assessed"]:
                full_assessed.add(c["model"])
        leader = ranking["candidates"][0]
        assert leader["assessed"] and not is_subset(leader["evidence"][0]["split"])
    # The full-split rows still rank, with a level, the top MLE-bench ones among them.
    assert "mlevolve-gemini-3-pro-preview" in full_assessed
    assert {m for m, s in splits.items() if not is_subset(s)} <= full_assessed

    # The same agent on Lite (80.3%) is not recommended; the guide picks a full-split row.
    guide = guide_json("auto", "--scores", "mle.yaml")
    assert guide["model"] in splits and not is_subset(splits[guide["model"]])
    assert guide["shortlist"]["recommended"]["model"] == guide["model"]
    for stage in guide["shortlist"]["stages"]:
        for c in stage["candidates"]:
            assert not (c["model"] in splits and is_subset(splits[c["model"]])), c

    # The Lite row's own guide shows the score with its provenance and says why it
    # decides nothing.
    lite = guide_json("mlevolve-gemini-3-pro-preview-low", "--scores", "mle.yaml")
    stages = [st for r in lite["roles"] for st in r["stages"]]
    assert {(st["assessed"], st["autonomy"]) for st in stages} == {(False, None)}
    [shown] = lite["sources"]
    assert (shown["score"], shown["split"]) == (80.3, "low (=Lite, 22 competitions)")
    [why] = [c["text"] for c in lite["caveats"] if c["kind"] == "split"]
    assert "scored on the Lite subset (22 competitions)" in why
    assert "the bands read the full 75-competition set" in why


def test_unstated_split_is_read_as_before() -> None:
    # The seed's GPT-5.5 figure has no split: it is read (the golden guide keeps it).
    data = guide_json("gpt-5.5")
    assert not [c for c in data["caveats"] if c["kind"] == "split"]
    assert all(st["assessed"] for r in data["roles"] for st in r["stages"])


def test_rulebook_subsets_need_the_bands_split(tmp_path: Path) -> None:
    book = tmp_path / "book.yaml"
    book.write_text(
        "extends: builtin\n"
        "benchmarks:\n"
        "  - id: mle-bench\n"
        "    name: MLE-Bench\n"
        "    measures: medal rate\n"
        "    informs: [data-processing]\n"
        "    bands: [{at_least: 0, level: low}]\n"
        "    subsets: [{id: low, name: the Lite subset}]\n",
        encoding="utf-8",
    )
    result = run("rules", "lint", str(book))
    assert result.exit_code == 1
    assert "lists 'subsets' but no 'bands_split'" in result.output
    assert result.output.startswith("advisor: error: book.yaml:3:9: benchmark ")
    bad = book.read_text(encoding="utf-8").replace("subsets: [", "subsets: [{id: x, nme: y}, ")
    book.write_text(bad, encoding="utf-8")
    result = run("rules", "lint", str(book))
    assert result.exit_code == 1 and "nme" in result.output


# --------------------------------------------------------------------------- 2: deciding scores


def test_rank_shows_every_score_that_sets_the_level() -> None:
    args = ("rank", "--role", "ml-engineer", "--stage", "data-processing", "--models")
    data = as_json(*args, "gpt-5.5,gpt-5.4", "--format", "json")
    [gpt55] = [c for c in data["rankings"][0]["candidates"] if c["model"] == "gpt-5.5"]
    assert gpt55["autonomy"] == "supervised"
    # Supervised because Terminal-Bench 2.0 >= 60 (the rule reads it), at moderate evidence.
    assert [(e["benchmark"], e["score"]) for e in gpt55["deciding"]] == [
        ("mle-bench", 36.0),
        ("terminal-bench-2", 82.7),
    ]
    [gpt54] = [c for c in data["rankings"][0]["candidates"] if c["model"] == "gpt-5.4"]
    assert [(e["benchmark"], e["score"]) for e in gpt54["deciding"]] == [("mle-bench", 23.0)]

    md = ok(*args, "gpt-5.5", "--format", "md")
    [row] = [line for line in md.splitlines() if line.startswith("| 1 |")]
    cells = [c.strip() for c in row.strip("|").split(" | ")]
    assert "36% on MLE-Bench" in cells[3] and "82.7% on Terminal-Bench 2.0" in cells[3]

    narrow = CliRunner().invoke(cli, [*args, "gpt-5.5"], env={**ENV, "COLUMNS": "80"})
    assert narrow.exit_code == 0, narrow.output
    table = narrow.stdout
    assert max(len(line) for line in table.splitlines()) <= 80
    lines = table.splitlines()
    [header] = [line for line in lines if "Deciding score" in line]
    start, end = header.index("Deciding score"), header.index("Comparable")
    column = " ".join(
        line[start:end].strip() for line in lines[lines.index(header) + 2 :] if line.strip()
    )
    assert column == "36% on MLE-Bench, unverified; 82.7% on Terminal-Bench 2.0, unverified"


# --------------------------------------------------------------------------- 4: --verified-only


def test_verified_only_says_scores_were_ignored_and_not_assessed_is_capitalised() -> None:
    args = ("rank", "--models", "gpt-5.5,codex-cli-gpt-5.4", "--verified-only")
    data = as_json(*args, "--format", "json")
    for ranking in data["rankings"]:
        [c] = [c for c in ranking["candidates"] if c["model"] == "gpt-5.5"]
        assert not c["assessed"]
        assert "were ignored (--verified-only)" in c["note"]
        assert "needs a score" not in c["note"]
    md = ok(*args, "--format", "md")
    levels = {
        line.split(" | ")[2] for line in md.splitlines() if line.startswith("| ") and "—" in line
    }
    assert "Not assessed" in levels and "not assessed" not in levels
    assert "Not assessed" in ok(*args)

    guide = guide_json("gpt-5.5", "--verified-only")
    selection = " ".join(guide["roles"][0]["summary"])
    assert "ignored (--verified-only)" in selection
    assert "its other scores assess" not in selection
    # Its Terminal-Bench score was ignored as well: said so, not that it has no other score.
    assert "its Terminal-Bench 2.0 score was ignored too" in selection
    assert "no other score" not in selection
    # A model with other scores still reads the old way.
    other = guide_json("codex-cli-gpt-5.4", "--verified-only")
    assert "its other scores assess" in " ".join(other["roles"][0]["summary"])


# --------------------------------------------------------------------------- 3: flagged marks


def comparison_cell(parsed: Any) -> str:
    [table] = [t for t in parsed.tables if t.header and t.header[0] == "Benchmark"]
    [row] = [r for r in table.rows if r[0] == "MLE-Bench"]
    return str(row[1])


def test_flagged_scores_are_marked_in_the_comparison_and_chart_of_every_format() -> None:
    parsers = {
        "md": parse_markdown,
        "html": parse_html,
        "confluence": parse_confluence,
        "mediawiki": parse_mediawiki,
    }
    for fmt, parse in parsers.items():
        out = f"guide.{fmt}"
        ok("guide", "--defaults", "--model", "disarray-ensemble", "--format", fmt, "-o", out)
        parsed = parse(Path(out).read_text(encoding="utf-8"))
        assert "77.8% (flagged: known-leakage)" in comparison_cell(parsed), fmt
        if fmt == "md":
            [chart] = [body for info, body in parsed.extra["fences"] if info == "mermaid"]
            labels, values = mermaid_xychart(chart)
            assert labels == ["Model (flagged: known-leakage)"] and values == [77.8]
        if fmt == "html":
            assert "77.8% (flagged: known-leakage)" in parsed.text  # the SVG bar's value
    # An unverified score keeps its mark; a verified, unflagged one has none.
    for model, shown in (
        ("gpt-5.5", "36% (unverified) [1]"),
        ("mlevolve-gemini-3-pro-preview", "61.3% [1]"),
    ):
        ok("guide", "--defaults", "--model", model, "-o", "g.md", "--force")
        assert comparison_cell(parse_markdown(Path("g.md").read_text(encoding="utf-8"))) == shown


LITE = """\
models:
  - id: lite-one
    name: Lite One
    scores:
      - {benchmark: mle-bench, score: 80, source: "https://example.org/lite",
         date: "2026-05-01", verified: true, split: "low (=Lite, 22 competitions)"}
"""


def test_a_subset_score_is_marked_and_not_compared_with_a_full_set_score() -> None:
    Path("lite.yaml").write_text(LITE, encoding="utf-8")
    full = "mlevolve-gemini-3-pro-preview"
    args = ("--scores", "lite.yaml", "--model", "lite-one", "--baseline", full)
    ok("guide", "--defaults", *args, "-o", "g.md")
    parsed = parse_markdown(Path("g.md").read_text(encoding="utf-8"))
    [table] = [t for t in parsed.tables if t.header and t.header[0] == "Benchmark"]
    [row] = [r for r in table.rows if r[0] == "MLE-Bench"]
    assert row[1] == "80% (on the Lite subset (22 competitions)) [1]"
    assert row[3:] == ["n/a", "n/a"]  # no difference or gain across splits
    [chart] = [body for info, body in parsed.extra["fences"] if info == "mermaid"]
    assert mermaid_xychart(chart)[0][0] == "Model (on the Lite subset (22 competitions))"
    data = as_json("compare", "lite-one", full, "--scores", "lite.yaml", "--json")
    [mle] = [r for r in data["rows"] if r["benchmark"] == "mle-bench"]
    assert mle["delta_pp"] is None and "different splits" in mle["note"]


# --------------------------------------------------------------------------- 5: JSON needs


def test_guide_json_says_what_would_decide_a_stage_not_assessed() -> None:
    data = guide_json("codex-cli-gpt-5.4")
    needs = {st["stage"]: (st["assessed"], st["needs"]) for st in data["roles"][0]["stages"]}
    assert needs == {
        "data-processing": (True, ""),
        "model-selection": (False, "a score on MLE-Bench"),
        "training-tuning": (True, ""),
        "result-validation": (False, "a score on MLE-Bench"),
    }
    ok("guide", "--defaults", "--model", "codex-cli-gpt-5.4", "-o", "g.md")
    assert "a score on MLE-Bench would decide it" in Path("g.md").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- 6: ties


def test_a_recommendation_decided_by_a_tie_break_says_so() -> None:
    # The built-in MLEvolve and PiEvolve 24 h rows both score a verified 61.33%.
    data = guide_json("auto")
    why = data["shortlist"]["recommended"]["why"]
    assert data["model"] == "mlevolve-gemini-3-pro-preview"
    assert why == (
        "it leads 16 of the 16 role × stage rankings, tied with Gemini-3-Pro-Preview "
        "(PiEvolve (Fractal AI Research), 24 h) on every one (same level, evidence and "
        "score); chosen by the model id (alphabetical)"
    )
    args = ("--role", "mle", "--stage", "model-selection")
    ok("guide", "--defaults", "--model", "auto", *args, "-o", "g.md")
    text = " ".join(Path("g.md").read_text(encoding="utf-8").split())
    assert "recommends Gemini-3-Pro-Preview (MLEvolve) for this team: it leads the one " in text
    assert "the one role × stage ranking, tied with Gemini-3-Pro-Preview (PiEvolve" in text
    assert "on it (same level, evidence and score); chosen by the model id" in text
    assert "1 of the 1" not in text


def test_a_clear_lead_mentions_no_tie(tmp_path: Path) -> None:
    Path("best.yaml").write_text(
        "models:\n"
        "  - id: zz-best\n"
        "    name: ZZ Best\n"
        "    scores:\n"
        "      - {benchmark: mle-bench, score: 66, split: all, agent: a, date: '2026-01-01',\n"
        "         source: 'https://example.org', verified: true}\n",
        encoding="utf-8",
    )
    data = guide_json("auto", "--scores", "best.yaml")
    assert data["model"] == "zz-best"
    assert data["shortlist"]["recommended"]["why"] == (
        "it leads 16 of the 16 role × stage rankings"
    )


def test_a_split_the_rulebook_does_not_name_is_not_read_as_the_full_set() -> None:
    """'MLE-Bench Lite' is the Lite subset spelt otherwise: a split the rulebook does not
    name is not taken for the full set its bands read."""
    Path("odd.yaml").write_text(
        LITE.replace("lite-one", "odd-one").replace(
            "low (=Lite, 22 competitions)", "MLE-Bench Lite"
        ),
        encoding="utf-8",
    )
    data = guide_json("odd-one", "--scores", "odd.yaml")
    stages = [s for r in data["roles"] for s in r["stages"]]
    assert stages and not any(s["assessed"] for s in stages)
    caveats = [c for c in data["caveats"] if c["kind"] == "split"]
    assert caveats and "a split the rulebook does not name" in caveats[0]["text"]


TWO_SCORES = """\
models:
  - id: twoscore
    name: Two Score
    scores:
      - {benchmark: mle-bench, score: 36, source: "https://example.org/a", date: "2026-05-01",
         verified: true, split: all, agent: x}
      - {benchmark: terminal-bench-2, score: 45, source: "https://example.org/a",
         date: "2026-05-01", verified: true, agent: x}
"""


def test_the_shortlist_shows_the_scores_that_decided_any_of_the_roles() -> None:
    """ML engineers' rule also tests Terminal-Bench 2.0, the other roles' do not: the
    shortlist row for the team's roles shows both scores, not the first role's alone."""
    Path("two.yaml").write_text(TWO_SCORES, encoding="utf-8")
    data = as_json(
        "rank", "--scores", "two.yaml", "--models", "twoscore",
        "--stage", "data-processing", "--format", "json",
    )  # fmt: skip
    deciding = {
        r["role"]: [e["benchmark"] for e in r["candidates"][0]["deciding"]]
        for r in data["rankings"]
    }
    assert deciding["data-scientist"] == ["mle-bench"]
    assert deciding["ml-engineer"] == ["mle-bench", "terminal-bench-2"]
    book = load_scores(load_rulebook(), "two.yaml")
    rankings = rank.rank(book, stages=["data-processing"], models=["twoscore"])
    [row] = rank.shortlist(book, rankings, model="twoscore")["stages"][0]["candidates"]
    assert row["evidence"] == "36% on MLE-Bench, verified; 45% on Terminal-Bench 2.0, verified"


# --------------------------------------------------------------------------- metrics


DELTA_BOOK = """\
extends: builtin
roles:
  - {id: delta-watcher, name: Delta watcher, description: Reads the gain over the baseline.}
tables:
  - id: stage-advice
    purpose: stage-advice
    hit_policy: unique
    inputs: [role, stage, evidence, terminal-bench-2, mle-bench-delta]
    rules:
      - {id: dw-big-gain, when: {role: delta-watcher, mle-bench-delta: ">= 20"},
         autonomy: autonomous, text: A big gain.}
      - {id: dw-small-gain, when: {role: delta-watcher, mle-bench-delta: "< 20"},
         autonomy: assist, text: A small gain.}
      - {id: dw-no-gain, when: {role: delta-watcher, mle-bench-delta: missing},
         autonomy: draft, text: No gain to read.}
"""


def delta_scores(**fields: str) -> str:
    """A scores file: a baseline at 30% and model 'm' at 80% on MLE-Bench with ``fields``,
    and a verified 60% on Terminal-Bench 2.0 so that its stages stay assessed without it."""
    extra = "".join(f", {k}: {v}" for k, v in fields.items())
    return (
        "models:\n"
        "  - id: m\n"
        "    name: M\n"
        "    scores:\n"
        "      - {benchmark: mle-bench, score: 80, source: 'https://example.org/m',\n"
        f"         date: '2026-05-01', split: all{extra}}}\n"
        "      - {benchmark: terminal-bench-2, score: 60, source: 'https://example.org/m',\n"
        "         date: '2026-05-01', verified: true}\n"
        "  - id: base\n"
        "    name: Base\n"
        "    scores:\n"
        "      - {benchmark: mle-bench, score: 30, source: 'https://example.org/b',\n"
        "         date: '2026-05-01', verified: true, split: all}\n"
    )


def delta_cells(scores: str) -> dict[str, tuple[str, bool]]:
    Path("book.yaml").write_text(DELTA_BOOK, encoding="utf-8")
    Path("scores.yaml").write_text(scores, encoding="utf-8")
    data = guide_json(
        "m", "--baseline", "base", "--role", "delta-watcher",
        "--rules", "book.yaml", "--scores", "scores.yaml",
    )  # fmt: skip
    [role] = data["roles"]
    return {s["stage"]: (s["rule"], s["provisional"]) for s in role["stages"]}


def test_a_metric_never_brings_back_a_flagged_score() -> None:
    """A gain over the baseline computed from a leakage-flagged score is not read by the
    stage table, which reads flagged scores only through their capped evidence level."""
    cells = delta_cells(delta_scores(verified="true", flags="[known-leakage]"))
    assert {rule for rule, _ in cells.values()} == {"dw-no-gain"}
    clean = delta_cells(delta_scores(verified="true"))
    assert set(clean.values()) == {("dw-big-gain", False)}


def test_a_metric_from_an_unverified_score_makes_the_advice_provisional() -> None:
    """Verified scores alone give no gain to read, so advice resting on the gain is
    provisional (the firm check used to keep the gain of the unverified score)."""
    cells = delta_cells(delta_scores(verified="false"))
    assert set(cells.values()) == {("dw-big-gain", True)}
