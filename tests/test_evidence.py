"""The evidence model (issue 14): every benchmark counts for the stages it informs,
"not assessed" is not "manual", weak evidence makes advice provisional.

The acceptance checks run the real command; the properties sweep every subset of
the built-in benchmarks × scores × verified/unverified/flagged through the engine.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import msgspec.structs
import pytest
from click.testing import CliRunner
from format_parsers import parse_html
from hypothesis import given, settings
from hypothesis import strategies as hs

from advisor.cli.app import cli
from advisor.evaluation.engine import Profile, Result, evaluate
from advisor.load.rulebook import Rulebook, load_rulebook
from advisor.model import schema as s

FIXTURES = Path(__file__).parent / "fixtures" / "leaderboards"
LEVELS = ["manual", "assist", "draft", "supervised", "autonomous"]
HANDS_ON = ("data-processing", "training-tuning")
#: How a provisional line ends: the mark after the text, or inside a closing remark.
PROVISIONAL_ENDS = ("(provisional).", "; provisional).")


def run(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args), env={"NO_COLOR": "1"}, prog_name="advisor")
    return result


def guide_json(model: str, *extra: str) -> dict[str, Any]:
    result = run(
        "guide", "--defaults", "--model", model, "--baseline", "none", "--date", "2026-11-26",
        "--format", "json", "-o", "-", *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def stages_of(data: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["role"], st["stage"]): st for r in data["roles"] for st in r["stages"]}


def rank(level: str | None) -> int:
    return -1 if level is None else LEVELS.index(level)


# --------------------------------------------------------------------------- acceptance


@pytest.mark.parametrize("model", ["claude-code-opus-4.6", "codex-cli-gpt-5.4"])
def test_verified_terminal_bench_earns_at_least_assist_for_hands_on_stages(model: str) -> None:
    data = guide_json(model)
    for (role, stage), st in stages_of(data).items():
        if stage in HANDS_ON:
            assert st["assessed"] and rank(st["autonomy"]) >= rank("assist"), (role, stage, st)
            assert st["evidence"][0]["benchmark"] == "terminal-bench-2"
            assert st["evidence"][0]["verified"] is True
            assert not st["provisional"]
        else:
            # Terminal-Bench informs no judgement stage: not assessed, which is not manual.
            assert st["assessed"] is False and st["autonomy"] is None, (role, stage)


def test_gpt_4o_aide_never_outranks_them_where_both_are_assessed() -> None:
    old = stages_of(guide_json("aide-gpt-4o-2024-08-06"))
    for model in ("claude-code-opus-4.6", "codex-cli-gpt-5.4"):
        new = stages_of(guide_json(model))
        both = [k for k in old if old[k]["assessed"] and new[k]["assessed"]]
        assert both
        for k in both:
            assert rank(old[k]["autonomy"]) <= rank(new[k]["autonomy"]), (model, k)


def test_disarray_is_provisional_and_never_autonomous() -> None:
    data = guide_json("disarray-ensemble")
    for k, st in stages_of(data).items():
        assert st["assessed"] and st["provisional"], k
        assert st["autonomy"] != "autonomous", k
        assert st["evidence"][0]["flags"] == ["known-leakage"]
    md = run(
        "guide", "--defaults", "--model", "disarray-ensemble", "--date", "2026-11-26", "-o", "-"
    )
    assert "Supervised (provisional)" in md.stdout
    # The score's notes qualify it and are shown.
    assert "Claude-Opus-4.5, Claude-Sonnet-4.5" in md.stdout


def test_gpt_5_5_verified_only_assesses_nothing_and_says_why() -> None:
    data = guide_json("gpt-5.5", "--verified-only")
    for k, st in stages_of(data).items():
        assert st["assessed"] is False and st["autonomy"] is None and st["evidence"] == [], k
    kinds = {c["kind"]: c["text"] for c in data["caveats"]}
    assert "GPT-5.5 on MLE-Bench (36%, unverified)" in kinds["verified-only"]
    assert "GPT-5.5 on Terminal-Bench 2.0 (82.7%, unverified)" in kinds["verified-only"]
    md = run("guide", "--defaults", "--model", "gpt-5.5", "--verified-only", "-o", "-")
    assert md.exit_code == 0
    assert md.stdout.count("| Not assessed |") >= 4


DISARRAY_UNFLAGGED = """\
models:
  - id: disarray-ensemble
    name: "Ensemble (Disarray)"
    scores:
      - {benchmark: mle-bench, score: 77.78, split: all, agent: Disarray, date: "2026-02-03",
         source: test copy without the flag, verified: true}
"""


def summaries(data: dict[str, Any]) -> dict[str, str]:
    return {r["role"]: " ".join(r["summary"]) for r in data["roles"]}


def test_disarray_summaries_are_provisional_and_not_top_band(tmp_path: Path) -> None:
    flagged = guide_json("disarray-ensemble")
    lines = [*flagged["bottom_line"], *summaries(flagged).values()]
    assert lines and all(line.endswith(PROVISIONAL_ENDS) for line in lines), lines
    # The top band's selection-guide line (students: baselines and sweeps run by the
    # model) needs a top score; the flag caps the score at strong, as in the cells.
    assert "run baselines and sweeps" not in summaries(flagged)["student"]
    assert "quick baseline experiments" in summaries(flagged)["student"]
    # The same score without the flag does read as top: the cap is the flag's doing.
    copy = tmp_path / "unflagged.yaml"
    copy.write_text(DISARRAY_UNFLAGGED, encoding="utf-8")
    plain = guide_json("disarray-ensemble", "--scores", str(copy))
    assert "run baselines and sweeps" in summaries(plain)["student"]
    assert not any("(provisional)" in line for line in summaries(plain).values())
    assert any(st["autonomy"] == "autonomous" for st in stages_of(plain).values())
    # Every wiki format shows the mark on the selection guide, as the JSON does.
    md = run("guide", "--defaults", "--model", "disarray-ensemble", "--format", "html", "-o", "-")
    [table] = [t for t in parse_html(md.stdout).tables if t.header == ["Role", "How to use"]]
    assert all(row[1].endswith(PROVISIONAL_ENDS) for row in table.rows), table.rows


def test_the_seed_guide_summaries_are_provisional() -> None:
    seed = guide_json("gpt-5.5")
    for line in [*seed["bottom_line"], *seed["readings"], *summaries(seed).values()]:
        assert line.endswith(PROVISIONAL_ENDS), line


def test_gpt_5_5_verified_only_summaries_say_the_scores_were_ignored() -> None:
    data = guide_json("gpt-5.5", "--verified-only")
    bottom = " ".join(data["bottom_line"] + data["readings"])
    assert "MLE-Bench score was ignored as unverified (--verified-only)" in bottom
    assert "Terminal-Bench 2.0 score was ignored as unverified (--verified-only)" in bottom
    assert "no mle-bench score" not in bottom.lower()
    for text in summaries(data).values():
        assert "MLE-Bench score is unverified and was ignored (--verified-only)" in text
        assert "No MLE-Bench evidence" not in text
    # The ignored figures are quoted nowhere in the advice.
    advice = bottom + " ".join(summaries(data).values())
    advice += " ".join(st["text"] for st in stages_of(data).values())
    assert "36%" not in advice and "82.7%" not in advice
    cell = stages_of(data)[("data-scientist", "model-selection")]
    md = run("guide", "--defaults", "--model", "gpt-5.5", "--verified-only", "-o", "-")
    assert "the scores of GPT-5.5 that inform it were ignored (--verified-only): " in md.stdout
    assert "MLE-Bench (unverified)" in md.stdout
    assert cell["assessed"] is False
    kinds = [c["text"] for c in data["caveats"] if c["kind"] == "missing"]
    assert "GPT-5.5's MLE-Bench score was ignored as unverified (--verified-only)" in kinds[0]


@pytest.mark.parametrize("fmt", ["md", "html", "confluence", "mediawiki"])
def test_not_assessed_and_provisional_show_in_every_wiki_format(fmt: str) -> None:
    out = run(
        "guide", "--defaults", "--model", "claude-code-opus-4.6", "--format", fmt, "-o", "-"
    ).stdout
    assert "Not assessed" in out or "NOT ASSESSED" in out
    seed = run("guide", "--defaults", "--format", fmt, "-o", "-").stdout
    assert "(provisional)" in seed or "(PROVISIONAL)" in seed


def test_verified_only_is_accepted_by_explain_batch_and_diff(tmp_path: Path) -> None:
    out = run("explain", "--role", "ds", "--model", "gpt-5.5", "--verified-only")
    # The stage has scores that inform it; --verified-only ignored them all.
    assert out.exit_code == 0
    assert "not assessed: no verified, unflagged score informs this stage" in out.stdout
    swe_only = "mini-swe-agent-claude-4.5-opus-medium"
    out = run("explain", "--role", "ds", "--model", swe_only, "--stage", "model-selection")
    assert out.exit_code == 0
    assert "not assessed: no score informs this stage" in out.stdout
    roster = tmp_path / "teams.csv"
    roster.write_text("team,model\nA,gpt-5.5\n", encoding="utf-8")
    out = run("batch", str(roster), "--out-dir", str(tmp_path), "--verified-only")
    assert out.exit_code == 0, out.output
    [written] = [p for p in tmp_path.iterdir() if p.suffix == ".md"]
    assert "Not assessed" in written.read_text(encoding="utf-8")
    out = run("diff", "--model-from", "gpt-5.4", "--model-to", "gpt-5.5", "--verified-only")
    assert out.exit_code == 0, out.output


SEED_READINGS = (
    "autonomy means",
    "standard ml engineering tasks",
    "replace junior engineers",
    "the gap is knowledge",
    "save 30",
)


def test_the_seeds_readings_appear_only_in_the_seed_guide() -> None:
    seed = run("guide", "--defaults", "-o", "-").stdout.lower()
    for phrase in SEED_READINGS:
        assert phrase in seed, phrase
    book = load_rulebook()
    for model in book.models:
        if model == "gpt-5.5":
            continue
        text = run("guide", "--defaults", "--model", model, "-o", "-").stdout.lower()
        for phrase in SEED_READINGS:
            assert phrase not in text, (model, phrase)


def test_rule_tests_pass() -> None:
    out = run("rules", "test")
    assert out.exit_code == 0, out.output
    assert "0 failed" in out.output


def test_every_shared_leaderboard_imports_with_no_flags(tmp_path: Path) -> None:
    for path in sorted(FIXTURES.glob("*.yaml")):
        out = run("scores", "import", str(path), "-o", str(tmp_path / path.name))
        assert out.exit_code == 0, (path.name, out.output)
    text = (tmp_path / "terminal_bench_1.yaml").read_text(encoding="utf-8")
    assert "benchmark: terminal-bench-1" in text


def test_lint_reports_uninformed_stages_and_benchmarks_that_inform_nothing(
    tmp_path: Path,
) -> None:
    (tmp_path / "org.yaml").write_text(
        "rulebook: {id: org, name: Org}\n"
        "extends: builtin\n"
        "stages:\n  - {id: deployment, name: Deployment}\n",
        encoding="utf-8",
    )
    out = run("rules", "lint", str(tmp_path))
    assert "uninformed-stage: no benchmark informs stage 'deployment'" in out.output
    # The built-in rulebook's Terminal-Bench 1.0 is reported where it can be changed: in the
    # built-in rulebook's lint, not in every organisation's.
    assert "informs-nothing" not in out.output
    assert "informs-nothing: benchmark 'terminal-bench-1' informs no stage" in (
        run("rules", "lint").output
    )


def test_rules_export_shows_which_benchmarks_inform_which_stage() -> None:
    out = run("rules", "export", "--format", "md", "-o", "-")
    assert out.exit_code == 0, out.output
    assert "Informs" in out.stdout
    assert "Data processing, Model selection, Training & tuning, Result validation" in out.stdout


# --------------------------------------------------------------------------- properties

BOOK = load_rulebook()
BENCHES = ["mle-bench", "terminal-bench-2", "swe-bench-verified"]
STATUS = hs.sampled_from(["verified", "unverified", "flagged"])
SCORE = hs.floats(min_value=0, max_value=100, allow_nan=False).map(lambda x: round(x, 1))
EVIDENCE = hs.dictionaries(hs.sampled_from(BENCHES), hs.tuples(SCORE, STATUS), max_size=3)


def with_model(evidence: dict[str, tuple[float, str]]) -> Rulebook:
    scores = [
        s.Score(
            benchmark=b,
            score=x,
            date="2026-01",
            source="test",
            verified=status != "unverified",
            flags=["known-leakage"] if status == "flagged" else [],
        )
        for b, (x, status) in evidence.items()
    ]
    model = s.Model(id="m", name="M", scores=scores)
    return msgspec.structs.replace(BOOK, models={**BOOK.models, "m": model})


def levels(evidence: dict[str, tuple[float, str]]) -> dict[tuple[str, str], tuple[int, Any]]:
    result: Result = evaluate(with_model(evidence), Profile(model="m"), trace=False)
    return {
        (r.role, st_.stage): (
            rank(st_.advice.autonomy if st_.advice else None) if st_.assessed else -2,
            st_,
        )
        for r in result.roles
        for st_ in r.stages
    }


PROPS = settings(max_examples=60, deadline=None)


@PROPS
@given(evidence=EVIDENCE, bench=hs.sampled_from(BENCHES), rise=SCORE, status=STATUS)
def test_no_level_drops_as_a_score_rises_or_evidence_is_added(
    evidence: dict[str, tuple[float, str]], bench: str, rise: float, status: str
) -> None:
    before = levels(evidence)
    if bench in evidence:
        x, keep = evidence[bench]
        after = levels({**evidence, bench: (min(100.0, x + rise), keep)})
    else:
        after = levels({**evidence, bench: (rise, status)})
    for k, (lv, st_) in before.items():
        # Never un-assessed, never lower.
        assert after[k][0] >= lv, (k, evidence, bench, rise)
        if st_.assessed:
            assert after[k][1].assessed


@PROPS
@given(evidence=EVIDENCE)
def test_weak_evidence_is_provisional_never_above_verified_and_flagged_never_autonomous(
    evidence: dict[str, tuple[float, str]],
) -> None:
    got = levels(evidence)
    verified = levels({b: (x, "verified") for b, (x, _) in evidence.items()})
    unflagged = levels({b: v for b, v in evidence.items() if v[1] != "flagged"})
    firm = all(status == "verified" for _, status in evidence.values())
    for k, (lv, st_) in got.items():
        assert lv <= verified[k][0], (k, evidence)
        if firm:
            assert not st_.provisional, (k, evidence)
        if lv == rank("autonomous"):
            # Autonomy never rests on a flagged score.
            assert unflagged[k][0] == lv, (k, evidence)
        if st_.assessed and st_.evidence and not st_.provisional:
            # Advice that is not provisional is what verified, unflagged scores give.
            firm_only = {b: v for b, v in evidence.items() if v[1] == "verified"}
            assert levels(firm_only)[k][0] == lv, (k, evidence)


def _advice_strings(data: dict[str, Any]) -> list[str]:
    """Every sentence of advice in a guide's JSON: the bottom line, readings, role
    summaries, and each stage's text, review, time saved and rationale."""
    out = [*data["bottom_line"], *data["readings"]]
    for role in data["roles"]:
        out += role["summary"]
        for st in role["stages"]:
            out += [st[k] for k in ("text", "review", "time_saved", "rationale") if st.get(k)]
    return out


def test_advice_quotes_the_seed_figures_only_for_models_that_have_them() -> None:
    """The seed reviewed GPT-5.5 at 36% on MLE-Bench and 82.7% on Terminal-Bench 2.0;
    rule texts may quote those figures only to a model (or its baseline) that has them."""
    checked = 0
    for model in load_rulebook().models.values():
        if not model.scores:
            continue
        data = guide_json(model.id)
        own = {
            x
            for row in data["comparison"]
            for x in (row["model_score"], row["baseline_score"])
            if x is not None
        }
        for figure, text in ((36, "36%"), (82.7, "82.7%")):
            if figure not in own:
                quoted = [t for t in _advice_strings(data) if text in t]
                assert not quoted, (model.id, quoted)
        checked += 1
    assert checked > 20
