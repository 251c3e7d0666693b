"""Near-threshold and stale evidence: the caveats `explain` and the guide show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli.app import cli
from advisor.errors import InputError
from advisor.evaluation.engine import evaluate
from advisor.evaluation.results import Profile
from advisor.load.rulebook import load_rulebook, load_scores
from advisor.model.dates import months_before, parse_date


def scores_file(tmp_path: Path, *scores: str, name: str = "near.yaml") -> Path:
    body = "\n".join(f"      - {{{s}, source: test, verified: true}}" for s in scores)
    path = tmp_path / name
    path.write_text(f"models:\n  - id: near\n    name: Near Model\n    scores:\n{body}\n")
    return path


def run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    return result


def caveats(result, kind: str) -> list[str]:
    assert result.exit_code == 0, result.output
    return [c["text"] for c in json.loads(result.stdout)["caveats"] if c["kind"] == kind]


def explain(path: Path, *extra: str) -> list[str]:
    result = run(
        "explain", "--role", "mle", "--model", "near", "--scores", str(path), "--json", *extra
    )
    return caveats(result, "near-threshold")


# --------------------------------------------------------------------------- near-threshold


def test_a_score_within_its_stderr_of_a_deciding_boundary_is_flagged(tmp_path):
    path = scores_file(
        tmp_path,
        'benchmark: mle-bench, score: 29.5, stderr: 1.3, date: "2026-05"',
        'benchmark: terminal-bench-2, score: 70, date: "2026-05"',
    )
    # Model selection reads MLE-Bench alone: 30 moves it from emerging to moderate.
    [text] = explain(path, "--stage", "model-selection")
    assert text == (
        "MLE-Bench 29.5% ± 1.3 pp is within 1.3 pp of the 30% boundary, so this advice may flip: "
        "ML engineers: the role summary, model selection (assist → draft)."
    )
    # Data processing is already moderate on Terminal-Bench 2.0's 70 (issue 14: any informing
    # benchmark counts), so MLE-Bench crossing 30 cannot flip it: only the summary may.
    assert explain(path, "--stage", "data-processing") == [
        "MLE-Bench 29.5% ± 1.3 pp is within 1.3 pp of the 30% boundary, so this advice may flip: "
        "ML engineers: the role summary."
    ]


def test_a_boundary_that_keeps_the_level_flips_only_the_summary(tmp_path):
    # Without a Terminal-Bench score, pipelines are drafts on both sides of 30.
    path = scores_file(tmp_path, 'benchmark: mle-bench, score: 29.5, stderr: 1.3, date: "2026-05"')
    assert explain(path, "--stage", "data-processing") == [
        "MLE-Bench 29.5% ± 1.3 pp is within 1.3 pp of the 30% boundary, so this advice may flip: "
        "ML engineers: the role summary."
    ]


def test_the_notice_is_in_the_guide(tmp_path):
    path = scores_file(tmp_path, 'benchmark: mle-bench, score: 30.4, stderr: 0.5, date: "2026-05"')
    result = run(
        "guide",
        "--defaults",
        "--scores",
        str(path),
        "--model",
        "near",
        "--baseline",
        "none",
        "--role",
        "ds",
        "--date",
        "2026-06-01",
        "-o",
        "-",
    )
    assert result.exit_code == 0, result.output
    assert (
        "MLE-Bench 30.4% ± 0.5 pp is within 0.5 pp of the 30% boundary, so this advice may flip: "
        "Data scientists: the role summary, data processing and training & tuning "
        "(supervised → draft), model selection (draft → assist)."
    ) in result.stdout


def test_only_boundaries_that_decide_are_flagged(tmp_path):
    # Terminal-Bench 61 ± 2 is near 60, but at MLE-Bench 55 (strong evidence, above what
    # Terminal-Bench can add) no ML engineer rule decides on it.
    high = scores_file(
        tmp_path,
        'benchmark: mle-bench, score: 55, date: "2026-05"',
        'benchmark: terminal-bench-2, score: 61, stderr: 2, date: "2026-05"',
    )
    assert explain(high) == []
    # At MLE-Bench 20 it decides: 60 is where Terminal-Bench 2.0 reads as moderate evidence
    # for the pipeline stages, where ML engineers automate them, and where their summary
    # line speaks of the command-line strength.
    low = scores_file(
        tmp_path,
        'benchmark: mle-bench, score: 20, date: "2026-05"',
        'benchmark: terminal-bench-2, score: 61, stderr: 2, date: "2026-05"',
        name="low.yaml",
    )
    assert explain(low) == [
        "Terminal-Bench 2.0 61% ± 2 pp is within 2 pp of the 60% boundary, "
        "so this advice may flip: "
        "ML engineers: the role summary, data processing and training & tuning "
        "(supervised → draft)."
    ]
    # At MLE-Bench 36 it decides between supervised and draft pipelines.
    mid = scores_file(
        tmp_path,
        'benchmark: mle-bench, score: 36, date: "2026-05"',
        'benchmark: terminal-bench-2, score: 61, stderr: 2, date: "2026-05"',
        name="mid.yaml",
    )
    assert explain(mid) == [
        "Terminal-Bench 2.0 61% ± 2 pp is within 2 pp of the 60% boundary, "
        "so this advice may flip: "
        "ML engineers: the role summary, data processing and training & tuning "
        "(supervised → draft)."
    ]


def test_no_notice_far_from_a_boundary_or_without_stderr(tmp_path):
    far = scores_file(tmp_path, 'benchmark: mle-bench, score: 40, stderr: 3, date: "2026-05"')
    assert explain(far) == []
    assert (
        caveats(run("explain", "--role", "mle", "--model", "gpt-5.5", "--json"), "near-threshold")
        == []
    )


def test_a_configured_margin_applies_without_stderr():
    book = load_rulebook()
    result = evaluate(
        book, Profile(model="gpt-5.5", baseline="gpt-5.4", roles=["tech-lead"], near_margin=6.5)
    )
    texts = [c.text for c in result.caveats if c.kind == "near-threshold"]
    assert texts == [
        "MLE-Bench 36% is within 6.5 pp (the configured margin) of the 30% boundary, so this "
        "advice may flip: Tech leads: the role summary, "
        "model selection and result validation (assist → manual)."
    ]
    # Data processing and training stay moderate on Terminal-Bench 2.0's 82.7, and the seed's
    # "= 36" reading is a figure, not a threshold: neither is flagged.
    smaller = evaluate(book, Profile(model="gpt-5.5", near_margin=5.9))
    assert not [c for c in smaller.caveats if c.kind == "near-threshold"]


# --------------------------------------------------------------------------- stale


def guide_caveats(date: str, *extra: str) -> list[str]:
    result = run("guide", "--defaults", "--format", "json", "--date", date, "-o", "-", *extra)
    return caveats(result, "stale")


def test_scores_older_than_a_year_are_stale_with_a_fixed_date():
    assert guide_caveats("2027-05-01") == [
        "GPT-5.5 on MLE-Bench (36%) dates from 2026-04, more than 12 months before this guide "
        "(2027-05-01); newer results may change the advice.",
        "GPT-5.5 on Terminal-Bench 2.0 (82.7%) dates from 2026-04-23, more than 12 months "
        "before this guide (2027-05-01); newer results may change the advice.",
        "GPT-5.4 on MLE-Bench (23%) dates from 2026-04, more than 12 months before this guide "
        "(2027-05-01); newer results may change the advice.",
    ]


def test_a_month_only_date_counts_as_its_last_day():
    # 2026-04 is stale only once the guide is more than 12 months past 2026-04-30;
    # 2026-04-23 (Terminal-Bench) from 2027-04-24 on.
    assert guide_caveats("2027-04-23") == []
    [tb] = guide_caveats("2027-04-30")
    assert tb.startswith("GPT-5.5 on Terminal-Bench 2.0 (82.7%) dates from 2026-04-23")
    assert len(guide_caveats("2027-05-01")) == 3
    assert guide_caveats("2026-11-01") == []


def test_the_stale_age_is_a_profile_setting(tmp_path):
    book = load_scores(
        load_rulebook(),
        scores_file(tmp_path, 'benchmark: mle-bench, score: 40, date: "2026-01-15"'),
    )

    def stale(**kw) -> list[str]:
        res = evaluate(book, Profile(model="near", date="2026-07-20", **kw))
        return [c.text for c in res.caveats if c.kind == "stale"]

    assert stale() == []
    assert stale(stale_months=6) == [
        "Near Model on MLE-Bench (40%) dates from 2026-01-15, more than 6 months before this "
        "guide (2026-07-20); newer results may change the advice."
    ]
    assert stale(stale_months=None) == []
    with pytest.raises(InputError, match="not a date as YYYY-MM-DD"):
        evaluate(book, Profile(model="near", date="20 July"))


def test_dates_and_months():
    assert parse_date("2024-02", end=True).isoformat() == "2024-02-29"
    assert parse_date("2025", end=True).isoformat() == "2025-12-31"
    assert parse_date("2025").isoformat() == "2025-01-01"
    assert months_before(parse_date("2026-03-31"), 1).isoformat() == "2026-02-28"
    assert months_before(parse_date("2026-01-15"), 12).isoformat() == "2025-01-15"
    with pytest.raises(ValueError):
        parse_date("2025-13")
