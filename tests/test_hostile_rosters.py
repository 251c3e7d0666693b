"""Rosters for ``advisor batch`` and leaderboards for ``advisor scores import``:
broken CSV and YAML, wrong shapes and types, alias bombs, sizes.

A bad file is one located error (exit 2, nothing written); a bad row is
reported with its location while the good rows still go through (exit 1 for
batch, a "skipped" line for import); nothing ends in a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from clitools import BOMB, limited, run

#: Each test runs in its own folder, with its own rulebook cache (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("workdir")

HOSTILE = Path(__file__).parent / "fixtures" / "hostile_inputs"
BOARD = "benchmark,agent,model,score,date,source\n"


@pytest.fixture(autouse=True)
def out_folder(workdir: Path) -> Path:
    (workdir / "out").mkdir()
    return workdir / "out"


def batch(name: str, data: bytes | str) -> Result:
    Path(name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return run("batch", name, "--out-dir", "out")


def written() -> list[str]:
    return sorted(p.name for p in Path("out").iterdir())


def error_lines(result: Result) -> list[str]:
    return [ln for ln in result.stderr.splitlines() if ln.startswith("advisor: error: ")]


# --------------------------------------------------------------------------- rosters: files


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        (
            "r.csv",
            b"",
            "r.csv:1:1: empty roster: expected a header row (team,roles,model,...) "
            "and a row per team",
        ),
        (
            "r.csv",
            b"team,model,team\nA,gpt-5.5,B\n",
            "r.csv:1:12: column 'team' appears twice in the header",
        ),
        ("r.csv", b"team;model\nA;gpt-5.5\n", "r.csv:1:1: the header row has no 'team' column"),
        ("r.csv", b"team,model\nA\x00,gpt-5.5\n", "r.csv:1:1: binary file, not a roster in CSV"),
        (
            "r.csv",
            b"team,model\ncaf\xe9,gpt-5.5\n",
            "r.csv:2:1: not UTF-8 text; save the file as UTF-8",
        ),
        (
            "r.csv",
            b'team,model\n"' + b"x" * 200_000 + b'",gpt-5.5\n',
            "r.csv:2:1: not valid CSV: field larger than field limit (131072)",
        ),
        (
            "r.yaml",
            b"teams: 5\n",
            "r.yaml:1:8: a roster is a list of teams (- team: ..., model: ..., roles: [...])",
        ),
        (
            "r.yaml",
            b"a: 1\n",
            "r.yaml:1:1: a roster is a list of teams (- team: ..., model: ..., roles: [...])",
        ),
        (
            "r.yaml",
            b"- team: [\n",
            "r.yaml:2:1: YAML syntax error: did not find expected node content",
        ),
        (
            "r.yaml",
            b"- team: !!python/object/apply:os.system ['touch CANARY']\n",
            "r.yaml:1:9: YAML tag '!!python/object/apply:os.system' is not allowed: advisor reads "
            "plain data only",
        ),
    ],
    ids=[
        "empty",
        "duplicate column",
        "semicolons",
        "NUL",
        "latin-1",
        "huge field",
        "teams not a list",
        "mapping",
        "broken YAML",
        "python tag",
    ],
)
def test_a_broken_roster_is_one_located_error(name: str, data: bytes, expected: str) -> None:
    result = batch(name, data)
    assert result.exit_code == 2
    assert error_lines(result) == [f"advisor: error: {expected}"]
    assert written() == []
    assert not Path("CANARY").exists()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["batch", "nope.csv", "--out-dir", "out"], "nope.csv: no such file"),
        (["batch", "nope", "--out-dir", "out"], "nope: no such file"),
        (["batch", "out", "--out-dir", "out"], "out: is a folder; give a roster file"),
        (["scores", "import", "nope"], "nope: no such file"),
        (["scores", "import", "out"], "out: is a folder; give a leaderboard file"),
        (["batch", "r" * 300 + ".csv", "--out-dir", "out"], "rrrrr"),
        (["scores", "import", "b" * 300 + ".csv"], "bbbbb"),
    ],
    ids=[
        "roster missing",
        "roster without suffix missing",
        "roster folder",
        "leaderboard missing",
        "leaderboard folder",
        "roster name too long",
        "leaderboard name too long",
    ],
)
def test_a_file_that_is_missing_or_a_folder(argv: list[str], expected: str) -> None:
    result = run(*argv)
    assert result.exit_code == 2
    [line] = error_lines(result)
    assert line.startswith(f"advisor: error: {expected}")


def test_a_bom_and_crlf_roster_works() -> None:
    result = batch("r.csv", b"\xef\xbb\xbfteam,model\r\nBOM Team,gpt-5.5\r\n")
    assert result.exit_code == 0, result.stderr
    assert written() == ["bom-team.md"]


def test_an_alias_bomb_roster_fails_fast_in_bounded_memory() -> None:
    Path("r.yaml").write_bytes((HOSTILE / "billion_laughs.yaml").read_bytes())

    proc = limited("batch", "r.yaml", "--out-dir", "out")
    assert proc.returncode == 2
    assert proc.stderr == f"advisor: error: r.yaml:7:16: {BOMB}\n"
    assert written() == []


# --------------------------------------------------------------------------- rosters: rows


def test_bad_rows_are_located_and_the_good_ones_written() -> None:
    result = batch(
        "r.yaml",
        (
            "- team: no\n  model: gpt-5.5\n"
            "- team: X\n  model: [gpt-5.5]\n"
            "- team: Y\n  model: gpt-5.5\n  roles: {a: 1}\n"
            "- just text\n"
            "- team: Z\n  model: gpt-5.5\n  nonsense: 1\n"
            "- team: Good\n  model: gpt-5.5\n"
            "- team: Odd format\n  model: gpt-5.5\n  format: pdf\n"
        ),
    )
    assert result.exit_code == 1
    assert error_lines(result) == [
        "advisor: error: r.yaml:1:3: question 'team' (from r.yaml:1:9): expected text, got a "
        "yes/no value; put the answer in quotes",
        "advisor: error: r.yaml:3:3: question 'model' (from r.yaml:4:10): expected one value, "
        "got a list; allowed: gpt-5.5, gpt-5.4, disarray-ensemble, loongflow-gemini-3-flash-"
        "preview, mlevolve-gemini-3-pro-preview, pievolve-gemini-3-pro-preview-24h, famou-agent-"
        "2.0-gemini-2.5-pro, ml-master-2.0-deepseek-v3.2-speciale, thesis-gpt-5-codex, operand-"
        "ensemble-gpt-5, r-d-agent-gpt-5, aira-dojo-o3, aide-o1-preview, aide-gpt-4o-2024-08-06, "
        "codex-cli-gpt-5.3-codex, ...",
        "advisor: error: r.yaml:5:3: question 'roles' (from r.yaml:7:10): expected a list of "
        "values, got a mapping; allowed: data-scientist, ml-engineer, tech-lead, student",
        "advisor: error: r.yaml:8:3: a roster row is a mapping (team: ..., model: ...)",
        "advisor: error: r.yaml:9:3: no question 'nonsense' (in r.yaml:11:13); questions: team, "
        "roles, stages, model, baseline",
        "advisor: error: r.yaml:14:3: unknown format 'pdf' (from r.yaml:16:11); choose one of "
        "md, html, confluence, mediawiki, json",
    ]
    assert written() == ["good.md"]


def test_csv_rows_with_too_many_fields_or_an_unclosed_quote() -> None:
    result = batch("r.csv", 'team,model\nA,gpt-5.5,extra\nB,gpt-5.5\n"C,gpt-5.5\n')
    assert result.exit_code == 1
    lines = error_lines(result)
    assert lines[0] == "advisor: error: r.csv:2:1: row has 3 fields but the header has 2"
    assert lines[1].startswith("advisor: error: r.csv:4:1: ")
    assert written() == ["b.md"]


def test_teams_with_the_same_file_name_get_numbered() -> None:
    result = batch("r.csv", "team,model\nA team,gpt-5.5\na-team,gpt-5.5\nA  TEAM,gpt-5.5\n")
    assert result.exit_code == 0, result.stderr
    assert written() == ["a-team-2.md", "a-team-3.md", "a-team.md"]


# --------------------------------------------------------------------------- leaderboards


def imported(name: str, data: str | bytes) -> Result:
    Path(name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return run("scores", "import", name, "-o", "out/scores.yaml")


def skipped(result: Result) -> list[str]:
    return [
        ln.removeprefix("advisor: skipped ")
        for ln in result.stderr.splitlines()
        if ln.startswith("advisor: skipped ")
    ]


def test_leaderboard_values_of_the_wrong_kind_are_skipped_with_their_place() -> None:
    result = imported(
        "b.csv",
        BOARD
        + (
            "mle-bench,A,m1,nan,2026,s\n"
            "mle-bench,A,m2,inf,2026,s\n"
            "mle-bench,A,m3,1e400,2026,s\n"
            "mle-bench,A,m4,101,2026,s\n"
            "mle-bench,A,m5,high,2026,s\n"
            "mle-bench,A,m6,40,2026-13-01,s\n"
            "mle-bench,A,m7,40,2026,\n"
            "mle-bench,A,ok,40,2026,s\n"
        ),
    )
    assert result.exit_code == 0, result.stderr
    assert skipped(result) == [
        "b.csv:2:16: score 'nan' is not a percentage between 0 and 100",
        "b.csv:3:16: score 'inf' is not a percentage between 0 and 100",
        "b.csv:4:16: score '1e400' is not a percentage between 0 and 100",
        "b.csv:5:16: score '101' is not a percentage between 0 and 100",
        "b.csv:6:16: score must be a number, got 'high'",
        "b.csv:7:19: date '2026-13-01' is not a real date: there is no month 13",
        "b.csv:8:24: no source; every score needs benchmark, model, score, date, source",
    ]
    text = Path("out/scores.yaml").read_text(encoding="utf-8")
    assert "id: a-ok" in text and "m1" not in text


def test_leaderboard_yaml_type_confusion() -> None:
    result = imported(
        "b.yaml",
        (
            "- {benchmark: mle-bench, agent: A, model: no, score: 40, date: 2026-01-01, "
            "source: s}\n"
            "- {benchmark: mle-bench, agent: [x], model: m, score: 40, date: 2026, source: s}\n"
            "- {benchmark: mle-bench, agent: A, model: m, score: yes, date: 2026, source: s}\n"
            "- {benchmark: mle-bench, agent: A, model: m, score: .nan, date: 2026, source: s}\n"
            "- {benchmark: mle-bench, agent: A, model: m, score: 40, date: 2026, source: s,"
            " verified: maybe}\n"
            "- just a string\n"
            "- {benchmark: mle-bench, agent: A, model: fine, score: 40, date: 2026, source: s}\n"
        ),
    )
    assert result.exit_code == 0, result.stderr
    reasons = skipped(result)
    assert reasons[0] == "b.yaml:1:43: model must be text, got a yes/no value; put it in quotes"
    assert reasons[1] == "b.yaml:2:33: agent must be text, got a list"
    assert len(reasons) == 6
    text = Path("out/scores.yaml").read_text(encoding="utf-8")
    assert "id: a-fine" in text and "False" not in text


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("b.csv", b"", "b.csv:1:1: empty file: expected a header row and one row per score"),
        ("b.csv", b"mle-bench,A\x00,m\n", "b.csv:1:1: binary file, not a leaderboard in CSV"),
        (
            "b.csv",
            b"benchmark,model\ncaf\xe9,x\n",
            "b.csv:2:1: not UTF-8 text; save the file as UTF-8",
        ),
        ("b.txt", b"x\n", "b.txt: cannot tell the format; name the file .csv, .tsv or .yaml"),
        (
            "b.yaml",
            b"models: []\n",
            "b.yaml:1:9: this is already a scores file ('models:'); use it with --scores as it is",
        ),
    ],
    ids=["empty", "NUL", "latin-1", "unknown suffix", "already a scores file"],
)
def test_a_broken_leaderboard_is_one_located_error(name: str, data: bytes, expected: str) -> None:
    result = imported(name, data)
    assert result.exit_code == 2
    assert error_lines(result) == [f"advisor: error: {expected}"]
    assert not Path("out/scores.yaml").exists()


def test_leaderboard_markup_stays_data() -> None:
    result = imported(
        "b.csv",
        BOARD
        + (
            '=HYPERLINK("http://x"),A,m,40,2026,s\n'
            "mle-bench,<script>alert(1)</script>,m,40,2026,javascript:alert(1)\n"
        ),
    )
    assert result.exit_code == 0, result.stderr
    import yaml

    data = yaml.safe_load(Path("out/scores.yaml").read_text(encoding="utf-8"))
    [model] = data["models"]
    assert model["agent"] == "<script>alert(1)</script>"
    assert model["scores"][0]["source"] == "javascript:alert(1)"
    assert skipped(result)[0].startswith(
        "b.csv:2:1: benchmark '=HYPERLINK(\"http://x\")' is not in the rulebook"
    )


def test_a_roster_over_the_size_limit() -> None:
    with open("r.csv", "w") as f:
        f.write("team,model\n")
        f.write("A team with a long name,gpt-5.5\n" * 200_000)
    result = run("batch", "r.csv", "--out-dir", "out")
    assert result.exit_code == 2
    assert error_lines(result) == ["advisor: error: r.csv: file is 6.1 MB, over the 5 MB limit"]
    assert written() == []


def test_nothing_to_import_points_at_the_reasons() -> None:
    result = imported("b.csv", BOARD + "mle-bench,A,m,high,2026,s\nmle-bench,A,m,40,2026\n")
    assert result.exit_code == 2
    assert error_lines(result) == [
        "advisor: error: b.csv: nothing to import: all 2 rows were skipped; the reason for each "
        "row is given above"
    ]
    result = imported("c.csv", BOARD + "no-such-bench,A,m,40,2026,s\n")
    assert error_lines(result)[0].endswith("--benchmark ID imports rows of another benchmark")
