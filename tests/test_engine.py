"""The decision engine through the library: metrics, hit policies, missing evidence, coverage."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import msgspec.structs
import pytest
from click.testing import CliRunner
from docpages import DOCS, EXAMPLES, blocks

from advisor import Profile, evaluate, load_rulebook
from advisor.cli.app import cli
from advisor.errors import EvaluationError, InputError
from advisor.evaluation.results import Caveat
from advisor.evaluation.tables import run_table
from advisor.load.rulebook import Rulebook

VOCABULARY = """\
rulebook: {id: test, name: Test rulebook}
autonomy:
  - {id: manual, name: Manual, ai: nothing, human: everything}
  - {id: assist, name: Assist, ai: snippets, human: the work}
  - {id: draft, name: Draft, ai: drafts, human: rework}
  - {id: supervised, name: Supervised, ai: the task, human: reviews}
  - {id: autonomous, name: Autonomous, ai: the task, human: audits}
roles:
  - {id: analyst, name: Analyst, aliases: [an]}
stages:
  - {id: prep, name: Prep}
benchmarks:
  - {id: mle, name: MLE, measures: ML work}
  - {id: tb, name: TB, measures: terminal work}
metrics:
  - {id: delta, formula: delta_pp, benchmark: mle}
  - {id: gain, formula: relative_gain, benchmark: mle}
  - {id: gap, formula: gap, benchmarks: [tb, mle]}
models:
  - id: new
    name: New
    baseline: old
    scores:
      - {benchmark: mle, score: 30, date: "2026", source: s, verified: true}
      - {benchmark: tb, score: 70, date: "2026", source: s, verified: true}
  - id: old
    name: Old
    scores:
      - {benchmark: mle, score: 20, date: "2026", source: s, verified: true}
  - id: zero
    name: Zero
    scores:
      - {benchmark: mle, score: 0, date: "2026", source: s, verified: true}
  - id: bare
    name: Bare
    scores:
      - {benchmark: tb, score: 50, date: "2026", source: s, verified: false}
"""


def stage_table(policy: str, rules: str, extra: str = "") -> str:
    """A stage-advice table with ``policy`` over inputs mle and tb."""
    return f"""\
tables:
  - id: advice
    purpose: stage-advice
    hit_policy: {policy}
{extra}    inputs: [role, stage, mle, tb]
    rules:
{rules}"""


def book_of(tmp_path: Path, tables: str) -> tuple[Rulebook, Path]:
    """A one-file rulebook of the test vocabulary plus ``tables``."""
    path = tmp_path / "book.yaml"
    path.write_text(VOCABULARY + tables, encoding="utf-8")
    return load_rulebook(path), path


def rule_at(path: Path, rule_id: str) -> str:
    """``FILE:LINE:COL`` of a rule's id, found in the text."""
    text = path.read_text(encoding="utf-8")
    index = text.index(f"{{id: {rule_id},") + len("{id: ")
    return f"{path}:{text.count(chr(10), 0, index) + 1}:{index - text.rfind(chr(10), 0, index)}"


FALLBACK = '      - {id: fallback, when: {mle: "-"}, autonomy: manual, text: fallback}\n'


# --------------------------------------------------------------------------- metrics


def test_derived_metrics_of_the_seed_comparison() -> None:
    result = evaluate(load_rulebook(), Profile(model="gpt-5.5", baseline="gpt-5.4"))
    assert result.metrics["mle-bench-delta"] == pytest.approx(13)
    assert result.metrics["mle-bench-gain"] == pytest.approx(13 / 23 * 100)
    assert result.metrics["cli-ml-gap"] == pytest.approx(82.7 - 36)
    data = result.to_dict()
    assert data["metrics"] == {"mle-bench-delta": 13, "mle-bench-gain": 56.52, "cli-ml-gap": 46.7}
    row = data["comparison"][0]
    assert (row["benchmark"], row["delta_pp"], row["relative_gain_pct"]) == ("mle-bench", 13, 56.52)


def test_metrics_without_a_baseline_or_a_score_are_missing_not_zero(tmp_path: Path) -> None:
    book, _ = book_of(tmp_path, stage_table("unique", FALLBACK))
    alone = evaluate(book, Profile(model="new"))
    assert alone.metrics == {"delta": None, "gain": None, "gap": 40}
    bare = evaluate(book, Profile(model="bare", baseline="old"))
    assert bare.metrics == {"delta": None, "gain": None, "gap": None}
    assert bare.missing == ["mle"]
    assert (
        Caveat(
            "missing",
            "No MLE score for Bare: advice that reads it falls back to the evidence that exists.",
        )
        in bare.caveats
    )


def test_zero_baseline_gives_a_note_not_a_crash(tmp_path: Path) -> None:
    book, _ = book_of(tmp_path, stage_table("unique", FALLBACK))
    result = evaluate(book, Profile(model="new", baseline="zero"))
    assert result.metrics == {"delta": 30, "gain": None, "gap": 40}
    assert (
        Caveat(
            "metric",
            "relative gain on mle is undefined: the baseline scores 0; read the difference in "
            "percentage points instead",
        )
        in result.caveats
    )
    [row] = [r for r in result.comparison if r.benchmark == "mle"]
    assert (row.delta_pp, row.relative_gain_pct) == (30, None)
    assert row.note == "relative gain undefined: the baseline scores 0"
    json.dumps(result.to_dict())


def test_zero_baseline_with_the_built_in_rules_still_advises() -> None:
    result = evaluate(
        load_rulebook(),
        Profile(
            model="gpt-5.5",
            scores={"mle-bench": 36, "terminal-bench-2": 82.7},
            baseline_scores={"mle-bench": 0},
        ),
    )
    assert result.metrics["mle-bench-gain"] is None
    assert result.metrics["mle-bench-delta"] == 36
    assert all(st.advice is not None for r in result.roles for st in r.stages)
    assert [c.kind for c in result.caveats].count("metric") == 1


# --------------------------------------------------------------------------- hit policies


OVERLAP = (
    '      - {id: low, when: {mle: "< 50"}, autonomy: assist, text: low}\n'
    '      - {id: wide, when: {mle: "[20..100]"}, autonomy: supervised, text: wide}\n'
    '      - {id: high, when: {mle: ">= 50"}, autonomy: autonomous, text: high}\n'
)


def test_unique_with_two_matches_names_both_rules(tmp_path: Path) -> None:
    book, path = book_of(tmp_path, stage_table("unique", OVERLAP))
    assert evaluate(book, Profile(model="old", scores={"mle": 10})).autonomy("analyst", "prep") == (
        "assist"
    )
    with pytest.raises(EvaluationError) as info:
        evaluate(book, Profile(model="new"))
    assert str(info.value) == (
        f"{rule_at(path, 'low')}: rules 'low' ({rule_at(path, 'low')}) and 'wide' "
        f"({rule_at(path, 'wide')}) both apply for analyst × prep in unique table 'advice'; "
        "fix the table (see 'advisor rules lint')"
    )


def test_unique_conflict_through_the_cli_is_one_line(tmp_path: Path) -> None:
    _, path = book_of(tmp_path, stage_table("unique", OVERLAP))
    result = CliRunner().invoke(
        cli, ["explain", "--role", "an", "--model", "new", "--rules", str(path)]
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"advisor: error: {rule_at(path, 'low')}: rules 'low' (")
    assert "Traceback" not in result.output


def test_first_takes_the_first_match_in_order(tmp_path: Path) -> None:
    book, _ = book_of(tmp_path, stage_table("first", OVERLAP))
    result = evaluate(book, Profile(model="new"))
    assert result.autonomy("analyst", "prep") == "assist"
    trace = result.roles[0].stages[0].trace
    assert (trace.matched, trace.chosen, trace.suppressed) == (["low", "wide"], ["low"], ["wide"])
    assert [str(m) for m in trace.near_misses] == ["mle = 30 is not in >= 50"]
    assert evaluate(book, Profile(model="old", scores={"mle": 60})).autonomy("analyst", "prep") == (
        "supervised"
    )


def test_priority_defaults_to_the_most_cautious_level(tmp_path: Path) -> None:
    book, _ = book_of(tmp_path, stage_table("priority", OVERLAP))
    assert evaluate(book, Profile(model="new")).autonomy("analyst", "prep") == "assist"
    # At 60, 'wide' (supervised) and 'high' (autonomous) both match: supervised wins.
    at_60 = evaluate(book, Profile(model="old", scores={"mle": 60}))
    assert at_60.autonomy("analyst", "prep") == "supervised"
    trace = at_60.roles[0].stages[0].trace
    assert (trace.chosen, trace.suppressed) == (["wide"], ["high"])


def test_priority_follows_an_explicit_order(tmp_path: Path) -> None:
    order = "    priority: [autonomous, supervised, draft, assist, manual]\n"
    book, _ = book_of(tmp_path, stage_table("priority", OVERLAP, order))
    assert evaluate(book, Profile(model="new")).autonomy("analyst", "prep") == "supervised"
    assert (
        evaluate(book, Profile(model="old", scores={"mle": 60})).autonomy("analyst", "prep")
        == "autonomous"
    )


def test_collect_keeps_every_match_in_order(tmp_path: Path) -> None:
    summary = """\
  - id: summary
    purpose: role-summary
    hit_policy: collect
    inputs: [role, mle, tb]
    rules:
      - {id: s-any, when: {mle: "-"}, text: "{{ model.name }} scores {{ scores.mle | pct }}"}
      - {id: s-cli, when: {tb: ">= 60"}, text: strong at the terminal}
      - {id: s-weak, when: {mle: "< 10"}, text: weak at ML}
"""
    book, _ = book_of(tmp_path, stage_table("unique", FALLBACK) + summary)
    result = evaluate(book, Profile(model="new"))
    assert [a.text for a in result.roles[0].summary] == ["New scores 30%", "strong at the terminal"]
    assert result.to_dict()["roles"][0]["summary"] == ["New scores 30%", "strong at the terminal"]


def test_missing_cells(tmp_path: Path) -> None:
    rules = (
        "      - {id: no-mle, when: {mle: missing}, autonomy: manual, text: none}\n"
        '      - {id: some, when: {mle: "[0..60)", tb: "< 60, missing"}, autonomy: draft}\n'
        '      - {id: some-cli, when: {mle: "[0..60)", tb: ">= 60"}, autonomy: supervised}\n'
        '      - {id: lots, when: {mle: ">= 60"}, autonomy: autonomous, text: a}\n'
    )
    book, _ = book_of(tmp_path, stage_table("unique", rules))

    def chosen(**scores: float | None) -> str | None:
        result = evaluate(book, Profile(model="m", scores=scores))
        advice = result.roles[0].stages[0].advice
        return advice.rule if advice else None

    assert chosen(tb=50) == "no-mle"
    assert chosen(mle=None, tb=None) == "no-mle"
    assert chosen(mle=30) == "some"  # tb missing
    assert chosen(mle=30, tb=50) == "some"
    assert chosen(mle=30, tb=60) == "some-cli"
    assert chosen(mle=60) == "lots"
    result = evaluate(book, Profile(model="m", scores={"mle": 30}))
    assert "tb = missing is not in >= 60" in [str(m) for m in result.traces[-1].near_misses]


def test_no_rule_applies_is_a_caveat_not_a_crash(tmp_path: Path) -> None:
    rules = '      - {id: only-high, when: {mle: ">= 50"}, autonomy: supervised, text: x}\n'
    book, _ = book_of(tmp_path, stage_table("unique", rules))
    result = evaluate(book, Profile(model="new"))
    assert result.autonomy("analyst", "prep") is None
    assert (
        Caveat(
            "no-rule",
            "No rule gives advice for Analyst at Prep: treat it as manual and fix the rulebook.",
        )
        in result.caveats
    )
    assert result.to_dict()["roles"][0]["stages"][0]["autonomy"] is None


# --------------------------------------------------------------------------- built-in coverage


@pytest.fixture(scope="module")
def builtin() -> Rulebook:
    return load_rulebook()


def test_builtin_rules_have_no_holes(builtin: Rulebook) -> None:
    # The whole pipeline, every table, for every subset of the benchmarks that inform
    # stages: a stage some score informs is assessed and has advice; a stage none
    # informs is not assessed and has none (issue 14); each role has a selection-guide line.
    everyone = {(r, s) for r in builtin.roles for s in builtin.stages}
    assert len(everyone) == 16
    grid = [*range(0, 101, 10), None]
    for mle in grid:
        for tb in grid:
            for swe in (None, 0, 45, 100):
                scores = {"mle-bench": mle, "terminal-bench-2": tb, "swe-bench-verified": swe}
                informed = {
                    stage
                    for b, score in scores.items()
                    if score is not None
                    for stage in builtin.benchmarks[b].informs
                }
                at = f"at {mle}/{tb}/{swe}"
                result = evaluate(builtin, Profile(model="gpt-5.5", scores=scores), trace=False)
                got = set()
                for r in result.roles:
                    assert r.summary, f"no selection-guide line for {r.role} {at}"
                    for st in r.stages:
                        assert st.assessed == (st.stage in informed), (r.role, st.stage, at)
                        if st.assessed:
                            assert st.advice is not None, f"hole: {r.role} × {st.stage} {at}"
                        else:
                            assert st.advice is None, (r.role, st.stage, at)
                        got.add((r.role, st.stage))
                assert got == everyone
                assert not [c for c in result.caveats if c.kind == "no-rule"]
    # MLE-Bench informs every stage; Terminal-Bench 2.0 and SWE-bench Verified the
    # pipeline stages (data processing, training & tuning) at least.
    assert set(builtin.benchmarks["mle-bench"].informs) == set(builtin.stages)
    for b in ("terminal-bench-2", "swe-bench-verified"):
        assert {"data-processing", "training-tuning"} <= set(builtin.benchmarks[b].informs)


def test_higher_evidence_never_lowers_autonomy(builtin: Rulebook) -> None:
    # The stage table alone, at every evidence level and every whole Terminal-Bench 2.0
    # score (the one raw score it reads): exactly one rule applies at every point (unique
    # table), and autonomy never falls as the evidence or the score rises. How scores map
    # to evidence levels is swept end to end in test_evidence.py.
    [table] = [t for t in builtin.tables if t.scope == "stage"]
    assert "evidence" in table.spec.inputs
    levels = list(builtin.evidence)
    assert levels == ["low", "emerging", "moderate", "strong", "top"]
    tbs: list[int | None] = [None, *range(101)]
    for role in builtin.roles:
        for stage in builtin.stages:
            rank: dict[tuple[str, int | None], int] = {}
            for level in levels:
                for tb in tbs:
                    inputs = {
                        "role": role,
                        "stage": stage,
                        "evidence": level,
                        "terminal-bench-2": tb,
                    }
                    chosen, _ = run_table(
                        builtin, table, inputs, role=role, stage=stage, trace=False
                    )
                    assert len(chosen) == 1, (role, stage, level, tb)
                    rank[(level, tb)] = builtin.level_rank(chosen[0].spec.autonomy or "")
            for tb in tbs:
                for weak, strong in zip(levels, levels[1:], strict=False):
                    assert rank[(strong, tb)] >= rank[(weak, tb)], (role, stage, weak, strong, tb)
            for level in levels:
                for lo, hi in zip(tbs[1:], tbs[2:], strict=False):
                    assert rank[(level, hi)] >= rank[(level, lo)], (role, stage, level, lo, hi)
                # No score counts as below every score.
                assert rank[(level, 0)] >= rank[(level, None)], (role, stage, level)


def test_seed_selection_guide_levels(builtin: Rulebook) -> None:
    result = evaluate(builtin, Profile(model="gpt-5.5", baseline="gpt-5.4"))
    got = {
        (r.role, st.stage): (st.advice.rule, st.advice.autonomy)
        for r in result.roles
        for st in r.stages
        if st.advice
    }
    assert got == {
        ("data-scientist", "data-processing"): ("ds-hands-on-moderate", "supervised"),
        ("data-scientist", "model-selection"): ("ds-select-moderate", "draft"),
        ("data-scientist", "training-tuning"): ("ds-hands-on-moderate", "supervised"),
        ("data-scientist", "result-validation"): ("ds-validate-moderate", "assist"),
        ("ml-engineer", "data-processing"): ("mle-pipeline-moderate-cli", "supervised"),
        ("ml-engineer", "model-selection"): ("mle-select-moderate", "draft"),
        ("ml-engineer", "training-tuning"): ("mle-pipeline-moderate-cli", "supervised"),
        ("ml-engineer", "result-validation"): ("mle-validate-moderate", "draft"),
        ("tech-lead", "data-processing"): ("tl-delivery-moderate", "draft"),
        ("tech-lead", "model-selection"): ("tl-judgement-moderate", "assist"),
        ("tech-lead", "training-tuning"): ("tl-delivery-moderate", "draft"),
        ("tech-lead", "result-validation"): ("tl-judgement-moderate", "assist"),
        ("student", "data-processing"): ("st-baseline-moderate", "supervised"),
        ("student", "model-selection"): ("st-design-moderate", "assist"),
        ("student", "training-tuning"): ("st-baseline-moderate", "supervised"),
        ("student", "result-validation"): ("st-validate-moderate", "assist"),
    }


def test_library_ids_are_matched_like_the_cli_matches_them(builtin: Rulebook) -> None:
    result = evaluate(
        builtin,
        Profile(model="GPT-5.5", baseline="GPT-5.4", roles=["MLE"], stages=["Model-Selection"]),
    )
    assert (result.model, result.baseline) == ("gpt-5.5", "gpt-5.4")
    assert [(r.role, [st.stage for st in r.stages]) for r in result.roles] == [
        ("ml-engineer", ["model-selection"])
    ]
    assert result.autonomy("ml-engineer", "model-selection") == "draft"
    with pytest.raises(
        InputError,
        match=r"^unknown stage 'modelselection'; did you mean "
        r"model-selection\?$",
    ):
        evaluate(builtin, Profile(model="gpt-5.5", stages=["modelselection"]))


def test_library_example_runs(tmp_path: Path) -> None:
    [code] = [b.text for b in blocks(DOCS / "library.md") if "acme-scores" in b.text]
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "draft",
        "56.52",
        "data-processing supervised mle-pipeline-moderate-cli",
        "model-selection draft mle-select-moderate",
        "training-tuning supervised mle-pipeline-moderate-cli",
        "result-validation draft mle-validate-moderate",
        "13.0",
        "supervised 19.0",
    ]
    # The comments in the example say what it prints.
    shown = [
        line.split("#")[-1].strip()
        for line in code.splitlines()
        if line.startswith("print(") and "#" in line
    ]
    assert shown == ["draft", "56.52", "13.0", "supervised 19.0"]


def test_rule_lookup_by_id_matches_a_scan_and_follows_added_rules() -> None:
    from advisor.load.rulebook import load_rulebook

    book = load_rulebook()
    for r in book.rules():
        assert book.rule(r.id) is next(x for x in book.rules() if x.id == r.id)
    assert book.rule("no-such-rule") is None
    first = book.tables[0].rules[0]
    added = msgspec.structs.replace(
        first, spec=msgspec.structs.replace(first.spec, id="added-later")
    )
    book.tables[0].rules.append(added)
    assert book.rule("added-later") is added
