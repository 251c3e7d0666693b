"""Impossible dates on every path that reads one: a scores file (``--scores``), a rulebook's
sources and models (``--rules``, ``rules validate``), a leaderboard (``scores import``) and
``--date``. All read dates through one parser (advisor.model.dates), so they agree: a date
is a real calendar date in the digits 0-9, and anything else is refused at its place.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from clitools import run

from advisor.load.resources import builtin_rules

pytestmark = pytest.mark.usefixtures("workdir")

#: Quoted dates YAML keeps as text, and why each is no date.
IMPOSSIBLE = {
    "2019-13-01": "there is no month 13",
    "2026-02-30": "2026-02 has no day 30",
    "2025-02-29": "2025-02 has no day 29",
    "0000-00-00": "there is no year 0000; the calendar starts at 0001",
    "2026-00": "there is no month 00",
}
#: Dates in other digits than 0-9 (Arabic-Indic, full-width, Devanagari).
OTHER_DIGITS = ["٢٠٢٦-٠١-٠١", "２０２６-０１", "२०२६"]

SCORES = """\
models:
  - id: m1
    name: M1
    scores:
      - benchmark: mle-bench
        score: 40
        verified: true
        source: somewhere
        date: "{date}"
"""


def one_error(result, code: int) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == code, (result.exit_code, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("advisor: error: ")
    return lines[0].removeprefix("advisor: error: ")


@pytest.mark.parametrize("date", list(IMPOSSIBLE))
def test_impossible_date_in_a_scores_file_is_refused_at_its_place(date: str) -> None:
    Path("scores.yaml").write_text(SCORES.format(date=date), encoding="utf-8")
    for argv in (
        ["models", "--scores", "scores.yaml"],
        ["guide", "--defaults", "--scores", "scores.yaml", "--model", "m1", "-o", "out.md"],
    ):
        assert one_error(run(*argv), 1) == (
            f"scores.yaml:9:15: models.0.scores.0.date: date '{date}' is not a real date: "
            f"{IMPOSSIBLE[date]}"
        )
    assert not Path("out.md").exists()


@pytest.mark.parametrize("date", OTHER_DIGITS)
def test_digits_of_other_scripts_are_not_a_date(date: str) -> None:
    Path("scores.yaml").write_text(SCORES.format(date=date), encoding="utf-8")
    message = one_error(run("models", "--scores", "scores.yaml"), 1)
    assert message.startswith("scores.yaml:9:15: models.0.scores.0.date: ")


def test_impossible_source_date_in_a_rulebook_is_refused_at_its_place() -> None:
    shutil.copytree(builtin_rules(), "rules")
    Path("rules/more.yaml").write_text(
        "sources:\n  - id: old-paper\n    title: An old paper\n    date: '2024-02-30'\n",
        encoding="utf-8",
    )
    expected = (
        "rules/more.yaml:4:11: sources.0.date: date '2024-02-30' is not a real date: "
        "2024-02 has no day 30"
    )
    assert one_error(run("rules", "validate", "rules"), 1) == expected
    assert one_error(run("models", "--rules", "rules"), 1) == expected


def test_real_dates_still_pass() -> None:
    for date in ("2024-02-29", "2026", "2026-12", "0001-01-01", "9999-12-31"):
        Path("scores.yaml").write_text(SCORES.format(date=date), encoding="utf-8")
        result = run("models", "--scores", "scores.yaml", "--json")
        assert result.exit_code == 0, (date, result.stderr)
        assert f'"date": "{date}"' in result.stdout


@pytest.mark.parametrize("date", [*IMPOSSIBLE, *OTHER_DIGITS])
def test_scores_import_and_scores_files_agree(date: str) -> None:
    # The leaderboard importer skips the row at its place; what it writes always validates.
    Path("board.csv").write_text(
        f"benchmark,agent,model,score,date,source\nmle-bench,A,m1,40,{date},s\n"
        "mle-bench,A,m2,41,2026-01,s\n",
        encoding="utf-8",
    )
    result = run("scores", "import", "board.csv", "-o", "scores.yaml")
    assert result.exit_code == 0, result.stderr
    skipped = [ln for ln in result.stderr.splitlines() if ln.startswith("advisor: skipped ")]
    assert len(skipped) == 1 and skipped[0].startswith(
        f"advisor: skipped board.csv:2:19: date '{date}' is not "
    )
    assert run("models", "--scores", "scores.yaml").exit_code == 0


@pytest.mark.parametrize(
    ("date", "why"),
    [
        ("2026-02-30", "; 2026-02 has no day 30"),
        ("2019-13-01", "; there is no month 13"),
        ("0000-01-01", "; there is no year 0000; the calendar starts at 0001"),
        ("٢٠٢٦-٠١-٠١", " in the digits 0-9"),
    ],
)
def test_date_flag_says_why_a_date_is_none(date: str, why: str) -> None:
    for argv in (
        ["guide", "--defaults", "-o", "out.md"],
        ["batch", "roster.csv", "--out-dir", "."],
    ):
        Path("roster.csv").write_text("team,model\nA,gpt-5.5\n", encoding="utf-8")
        assert one_error(run(*argv, "--date", date), 2) == (
            f"--date {date!r}: expected a date as YYYY-MM-DD{why}"
        )
    assert not Path("out.md").exists() and not Path("a.md").exists()


@pytest.mark.parametrize("date", ["0001-01-01", "0001-12-31", "9999-12-31"])
def test_the_first_and_last_days_of_the_calendar_are_dates(date: str) -> None:
    # Stale evidence is evidence from more than a year before the guide: before 0001-01-01
    # nothing can be, so nothing is stale, and the date is no error.
    result = run("guide", "--defaults", "--date", date, "-o", "out.md")
    assert result.exit_code == 0, result.stderr
    assert f"AI adoption guide by role, {date}," in Path("out.md").read_text(encoding="utf-8")
