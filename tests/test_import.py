"""`advisor scores import`: leaderboards (the shared files and CSV fixtures) to scores files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from advisor.cli.app import cli
from advisor.evaluation.engine import evaluate
from advisor.evaluation.results import Profile
from advisor.load.rulebook import load_rulebook, load_scores

#: Copies of ../shared/data/leaderboards (see its README).
LEADERBOARDS = Path(__file__).parent / "fixtures" / "leaderboards"
ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def import_to(tmp_path: Path, source: Path, *extra: str, name: str = "out.yaml"):
    out = tmp_path / name
    result = run("scores", "import", str(source), "-o", str(out), *extra)
    return result, out


def models_of(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["models"]


def lines_with(path: Path, text: str) -> list[int]:
    return [i for i, line in enumerate(path.read_text().splitlines(), 1) if line.strip() == text]


# --------------------------------------------------------------------------- shared leaderboards


@pytest.mark.parametrize(
    ("name", "extra", "count"),
    [
        ("mle_bench.yaml", (), 104),
        ("mle_bench.yaml", ("--split", "all"), 26),
        ("terminal_bench_2.yaml", (), 14),
        ("swe_bench_verified.yaml", (), 51),
        # GPT-5.5's MLE-Bench and Terminal-Bench rows are one model, as built in (gpt-5.5).
        ("unverified_claims.yaml", (), 6),
        ("terminal_bench_1.yaml", (), 62),
        ("terminal_bench_1.yaml", ("--benchmark", "terminal-bench-2"), 62),
    ],
)
def test_each_shared_leaderboard_imports_and_every_model_evaluates(tmp_path, name, extra, count):
    result, out = import_to(tmp_path, LEADERBOARDS / name, *extra)
    assert result.exit_code == 0, result.output
    # Every row of every shared file is taken, with no flags (issue 14).
    assert "(0 rows skipped" in result.stderr and "advisor: skipped" not in result.stderr
    models = models_of(out)
    assert len(models) == count
    ids = [m["id"] for m in models]
    assert len(set(ids)) == len(ids)
    assert all(ID.match(i) and len(i) <= 80 for i in ids), ids
    book = load_scores(load_rulebook(), out)
    for ident in ids:
        res = evaluate(book, Profile(model=ident, date="2026-11-01"))
        # Every stage a score informs gets advice; the others are not assessed (issue 14).
        assert all(
            st.advice is not None or not st.assessed for r in res.roles for st in r.stages
        ), ident
    # The file is accepted by --scores on the command line too.
    listed = run("models", "--scores", str(out), "--json")
    assert listed.exit_code == 0, listed.output
    assert ids[0] in listed.stdout


def test_mle_bench_keeps_provenance_and_marks_leakage(tmp_path):
    result, out = import_to(tmp_path, LEADERBOARDS / "mle_bench.yaml", "--split", "all")
    assert result.exit_code == 0, result.output
    assert "78 of other splits left out" in result.stderr
    models = {m["id"]: m for m in models_of(out)}
    loong = models["loongflow-gemini-3-flash-preview"]["scores"][0]
    assert loong == {
        "benchmark": "mle-bench",
        "score": 62.66,
        "stderr": 0.76,
        "split": "all (split75, 75 competitions)",
        "agent": "LoongFlow",
        "date": "2026-02-09",
        "source": "github:openai/mle-bench README.md @ 783b15af77404fbaffe7255b0c4a934b46153389 "
        "(2026-02-26), section 'Leaderboard'",
        "verified": True,
        "flags": ["known-leakage"],
        "notes": "Computed by padding incomplete seeds with failing scores.",
    }
    leaky = [i for i, m in models.items() if "known-leakage" in m["scores"][0].get("flags", [])]
    assert len(leaky) == 2
    # PiEvolve has a 24 h and a 12 h run of the same agent and model: the run time
    # tells them apart, in the id and the name.
    pie = "pievolve-gemini-3-pro-preview"
    assert models[pie + "-24h"]["scores"][0]["score"] == 61.33
    assert models[pie + "-12h"]["scores"][0]["score"] == 52.0
    assert models[pie + "-12h"]["name"] == (
        "Gemini-3-Pro-Preview (PiEvolve (Fractal AI Research), 12 h)"
    )
    # The ensemble's member list is a detail of its name, not of its id.
    disarray = models["disarray-ensemble"]
    assert disarray["name"].startswith("Ensemble (Claude-Opus-4.5, Claude-Sonnet-4.5,")


def test_all_splits_get_the_split_in_the_id(tmp_path):
    result, out = import_to(tmp_path, LEADERBOARDS / "mle_bench.yaml")
    assert result.exit_code == 0, result.output
    ids = [m["id"] for m in models_of(out)]
    loong = [i for i in ids if i.startswith("loongflow-gemini-3-flash-preview")]
    # The split of the whole benchmark ("all") keeps the plain id, as built in.
    base = "loongflow-gemini-3-flash-preview"
    assert loong == [f"{base}-low", f"{base}-medium", f"{base}-high", base]
    disarray = [i for i in ids if i.startswith("disarray-")]
    assert disarray == [f"disarray-ensemble{s}" for s in ("-low", "-medium", "-high", "")]


def tb3(tmp_path: Path) -> Path:
    """The Terminal-Bench 2.x file with its 2.1 rows renamed to a benchmark no rulebook has."""
    text = (LEADERBOARDS / "terminal_bench_2.yaml").read_text()
    source = tmp_path / "tb3.yaml"
    source.write_text(text.replace("benchmark: Terminal-Bench 2.1", "benchmark: Terminal-Bench 3"))
    return source


def test_unknown_benchmarks_are_skipped_with_their_lines(tmp_path):
    source = tb3(tmp_path)
    result, out = import_to(tmp_path, source)
    assert result.exit_code == 0, result.output
    skipped = [line for line in result.stderr.splitlines() if line.startswith("advisor: skipped")]
    rows = lines_with(source, "- benchmark: Terminal-Bench 3")
    assert len(rows) == 14
    where = [s.removeprefix("advisor: skipped ").split(": ")[0] for s in skipped]
    assert where == [f"{source}:{n}:14" for n in rows]
    assert "'Terminal-Bench 3' is not in the rulebook" in skipped[0]
    assert "use --benchmark ID" in skipped[0]
    assert all(m["scores"][0]["benchmark"] == "terminal-bench-2" for m in models_of(out))


def test_terminal_bench_2_1_rows_are_their_own_benchmark(tmp_path):
    result, out = import_to(tmp_path, LEADERBOARDS / "terminal_bench_2.yaml")
    assert result.exit_code == 0, result.output
    models = {m["id"]: m for m in models_of(out)}
    # A model's 2.0 and 2.1 rows are one entry, as the built-in codex-cli-gpt-5.4 is.
    scores = {s["benchmark"]: s["score"] for s in models["codex-cli-gpt-5.4"]["scores"]}
    assert scores == {"terminal-bench-2": 76.0, "terminal-bench-2.1": 77.3}


def test_a_file_of_only_unknown_benchmarks_is_refused(tmp_path):
    # Terminal-Bench 1.0 and 2.1 are built-in benchmarks now (issue 14); "3" is not.
    rows = [r for r in yaml.safe_load(tb3(tmp_path).read_text())]
    only = tmp_path / "only3.yaml"
    only.write_text(yaml.safe_dump([r for r in rows if r["benchmark"] == "Terminal-Bench 3"]))
    result, out = import_to(tmp_path, only)
    assert result.exit_code == 2
    assert result.stderr.count("advisor: skipped") == 14
    assert "nothing to import: all 14 rows were skipped; --benchmark ID" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_split_the_file_lacks_lists_the_splits_it_has(tmp_path):
    # MLE-bench's "Lite" is its "low" split: the user must see what to pass instead.
    result, out = import_to(tmp_path, LEADERBOARDS / "mle_bench.yaml", "--split", "lite")
    assert result.exit_code == 2
    assert result.stderr == (
        f"advisor: error: {LEADERBOARDS / 'mle_bench.yaml'}: nothing to import: no row of the "
        "chosen split (104 rows of other splits); its splits: all (split75, 75 competitions), "
        "high (15 competitions), low (=Lite, 22 competitions), medium (38 competitions); pass "
        "one of them with --split, e.g. --split all\n"
    )
    assert not out.exists()
    # The short name the error suggests is taken.
    result, out = import_to(tmp_path, LEADERBOARDS / "mle_bench.yaml", "--split", "low")
    assert result.exit_code == 0, result.output
    assert {s["split"] for m in models_of(out) for s in m["scores"]} == {
        "low (=Lite, 22 competitions)"
    }


def test_a_file_of_many_splits_lists_twelve(tmp_path):
    board = tmp_path / "board.csv"
    rows = [f"mle-bench,A,m{i},40,2026-01,s,s{i:02}" for i in range(20)]
    board.write_text("benchmark,agent,model,score,date,source,split\n" + "\n".join(rows) + "\n")
    result, _ = import_to(tmp_path, board, "--split", "nope")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    listed = ", ".join(f"s{i:02}" for i in range(12))
    assert f"its splits: {listed}, ...; pass one of them with --split, e.g. --split s00" in line


def test_forced_benchmark_is_noted_on_each_score(tmp_path):
    result, out = import_to(
        tmp_path, LEADERBOARDS / "terminal_bench_1.yaml", "--benchmark", "terminal-bench-2"
    )
    assert result.exit_code == 0, result.output
    models = models_of(out)
    assert all(
        "from benchmark 'Terminal-Bench 1.0' (--benchmark)" in m["scores"][0]["notes"]
        for m in models
    )
    # Goose lists claude-opus-4 twice (two runs): both kept, told apart by their dates.
    ids = [m["id"] for m in models]
    assert "goose-claude-opus-4-2025-07-12" in ids and "goose-claude-opus-4-2025-09-03" in ids


def test_unverified_rows_stay_unverified_and_stdout_is_the_default(tmp_path):
    result = run("scores", "import", str(LEADERBOARDS / "unverified_claims.yaml"))
    assert result.exit_code == 0, result.output
    models = yaml.safe_load(result.stdout)["models"]
    # An unspecified agent adds nothing to the id: the built-in gpt-5.5 and gpt-5.4.
    assert {m["id"] for m in models} == {
        "gpt-5.5",
        "gpt-5.4",
        "claude-opus-4.7",
        "codex-gpt-5.5",
        "vals.ai-harness-gpt-5.5",
        "openai-specialized-harness-gpt-5.4",
    }
    assert all(sc["verified"] is False for m in models for sc in m["scores"])
    again = run("scores", "import", str(LEADERBOARDS / "unverified_claims.yaml"))
    assert again.stdout == result.stdout  # deterministic


# --------------------------------------------------------------------------- CSV fixtures

GOOD_CSV = """\
benchmark,agent,model,score,stderr,unit,split,date,source,known_leakage
MLE-bench,Acme Agent,Model X,41.5,1.2,percent,all,2026-03-01,https://example.org/lb,false
Terminal-Bench 2.0,Acme Agent,Model X,66,,percent,89 tasks,2026-03,https://example.org/tb,
SWE-bench Verified,Other,Model Y,70.2%,,%,bash-only,2025,https://example.org/swe,yes
"""

BAD_CSV = """\
benchmark,agent,model,score,unit,split,date,source,verified
MLE-bench,A,Good One,35,percent,all,2026-03-01,src,
MLE-bench,A,No Score,,percent,all,2026-03-01,src,
MLE-bench,A,Too High,150,percent,all,2026-03-01,src,
MLE-bench,A,Bad Date,30,percent,all,March 2026,src,
Terminal-Bench 9.0,A,Old Bench,30,percent,core,2025-05-01,src,
MLE-bench,A,Fraction,0.3,fraction,all,2026-03-01,src,
MLE-bench,A,Maybe,30,percent,all,2026-03-01,src,maybe
MLE-bench,A,Extra,30,percent,all,2026-03-01,src,,surplus

MLE-bench,A,Unverified,12,percent,all,2026-03-01,"a, quoted source",false
"""


def write(tmp_path: Path, text: str | bytes, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def test_csv_rows_become_grouped_model_entries(tmp_path):
    source = write(tmp_path, GOOD_CSV, "lb.csv")
    result, out = import_to(tmp_path, source)
    assert result.exit_code == 0, result.output
    models = models_of(out)
    assert [m["id"] for m in models] == ["acme-agent-model-x", "other-model-y"]
    x = models[0]
    assert x["name"] == "Model X (Acme Agent)"
    assert [s["benchmark"] for s in x["scores"]] == ["mle-bench", "terminal-bench-2"]
    assert x["scores"][0]["stderr"] == 1.2 and "stderr" not in x["scores"][1]
    assert x["scores"][1]["date"] == "2026-03"
    y = models[1]["scores"][0]
    assert y["score"] == 70.2 and y["flags"] == ["known-leakage"] and y["date"] == "2025"
    book = load_scores(load_rulebook(), out)
    res = evaluate(book, Profile(model="acme-agent-model-x"))
    assert res.autonomy("ml-engineer", "data-processing") == "supervised"


def test_bad_csv_rows_are_reported_and_the_rest_imported(tmp_path):
    source = write(tmp_path, BAD_CSV, "bad.csv")
    result, out = import_to(tmp_path, source)
    assert result.exit_code == 0, result.output
    skipped = [
        line.removeprefix("advisor: skipped ")
        for line in result.stderr.splitlines()
        if line.startswith("advisor: skipped")
    ]
    assert skipped == [
        f"{source}:3:22: no score; every score needs benchmark, model, score, date, source",
        f"{source}:4:22: score '150' is not a percentage between 0 and 100",
        f"{source}:5:37: date 'March 2026' is not YYYY, YYYY-MM or YYYY-MM-DD",
        f"{source}:6:1: benchmark 'Terminal-Bench 9.0' is not in the rulebook (known: MLE-Bench, "
        "Terminal-Bench 2.0, SWE-bench Verified, Terminal-Bench 1.0, Terminal-Bench 2.1); use "
        "--benchmark ID to "
        "import it as one of them",
        f"{source}:7:26: unit 'fraction' is not a percentage; convert the scores to percent",
        f"{source}:8:49: verified must be true or false, got 'maybe'",
        f"{source}:9:1: row has 10 fields but the header has 9",
    ]
    models = models_of(out)
    assert [m["id"] for m in models] == ["a-good-one", "a-unverified"]
    assert models[1]["scores"][0]["verified"] is False
    assert models[1]["scores"][0]["source"] == "a, quoted source"
    assert "2 scores as 2 models" in result.stderr and "7 rows skipped" in result.stderr


def test_same_agent_and_model_twice_is_told_apart(tmp_path):
    text = (
        GOOD_CSV.splitlines()[0]
        + "\n"
        + "\n".join(
            f"MLE-bench,Acme,Model X,{s},,percent,all,2026-0{i},src,"
            for i, s in enumerate((30, 40), 1)
        )
    )
    result, out = import_to(tmp_path, write(tmp_path, text, "twice.csv"))
    assert result.exit_code == 0, result.output
    # Two runs that differ only in their date keep it in their ids and names.
    assert [(m["id"], m["name"], m["scores"][0]["score"]) for m in models_of(out)] == [
        ("acme-model-x-2026-01", "Model X (Acme, 2026-01)", 30.0),
        ("acme-model-x-2026-02", "Model X (Acme, 2026-02)", 40.0),
    ]
    # Rows alike in every detail (the same row listed twice) are numbered in file order.
    same = text.replace("2026-02", "2026-01")
    result, out = import_to(tmp_path, write(tmp_path, same, "same.csv"), name="same.yaml")
    assert result.exit_code == 0, result.output
    assert [m["id"] for m in models_of(out)] == ["acme-model-x", "acme-model-x-2"]


def test_names_that_slug_alike_get_distinct_ids(tmp_path):
    text = (
        GOOD_CSV.splitlines()[0] + "\nMLE-bench,Acme,GPT 5,30,,%,all,2026,src,\n"
        "MLE-bench,Acme,GPT/5,31,,%,all,2026,src,\n"
    )
    result, out = import_to(tmp_path, write(tmp_path, text, "alike.csv"))
    assert result.exit_code == 0, result.output
    assert [m["id"] for m in models_of(out)] == ["acme-gpt-5", "acme-gpt-5-2"]


def test_a_missing_column_is_an_error_at_the_header(tmp_path):
    source = write(tmp_path, "benchmark,agent,model,score\nMLE-bench,A,M,30\n", "cols.csv")
    result, out = import_to(tmp_path, source)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"advisor: error: {source}:1:1: the header row has no column 'date', 'source'"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("latin.csv", b"benchmark,model,score,date,source\nMLE,\xe9,1,2026,s\n", "2:1: not UTF-8"),
        ("empty.csv", "", "1:1: empty file"),
        ("map.yaml", "benchmark: MLE-bench\n", "a leaderboard is a YAML list of rows"),
        ("scores.yaml", "models: []\n", "this is already a scores file"),
        ("tags.yaml", "- !!python/object:os.system {}\n", "f"),
        ("lb.txt", "x", "cannot tell the format"),
    ],
)
def test_unreadable_files_are_one_line_errors(tmp_path, name, content, message):
    result, _ = import_to(tmp_path, write(tmp_path, content, name))
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("advisor: error: ") and message in lines[0]


def test_no_such_file_and_unknown_forced_benchmark(tmp_path):
    result, _ = import_to(tmp_path, tmp_path / "nope.csv")
    assert result.exit_code == 2 and "no such file" in result.stderr
    source = write(tmp_path, GOOD_CSV, "lb.csv")
    result, _ = import_to(tmp_path, source, "--benchmark", "mle-bench-lite")
    assert result.exit_code == 2 and "unknown benchmark 'mle-bench-lite'" in result.stderr
    assert "did you mean mle-bench" in result.stderr


def test_yaml_row_errors_point_at_the_value(tmp_path):
    text = (
        "- benchmark: MLE-bench\n  model: M\n  agent: A\n  score: high\n  date: 2026-01-02\n"
        "  source: s\n"
        "- benchmark: MLE-bench\n  model: N\n  agent: A\n  score: 20\n  date: 2026-01-02\n"
        "  source: s\n  known_leakage: true\n"
        "- just text\n"
    )
    source = write(tmp_path, text, "rows.yaml")
    result, out = import_to(tmp_path, source)
    assert result.exit_code == 0, result.output
    assert f"{source}:4:10: score must be a number, got 'high'" in result.stderr
    assert f"{source}:14:3: a row is a mapping" in result.stderr
    [model] = models_of(out)
    assert model["id"] == "a-n" and model["scores"][0]["date"] == "2026-01-02"
    assert model["scores"][0]["flags"] == ["known-leakage"]


def test_output_is_not_clobbered_without_force(tmp_path):
    source = write(tmp_path, GOOD_CSV, "lb.csv")
    out = write(tmp_path, "keep me\n", "out.yaml")
    result = run("scores", "import", str(source), "-o", str(out))
    assert result.exit_code == 1 and "already exists; use --force" in result.stderr
    assert out.read_text() == "keep me\n"
    result = run("scores", "import", str(source), "-o", str(out), "--force")
    assert result.exit_code == 0, result.output
    assert models_of(out)[0]["id"] == "acme-agent-model-x"


# ------------------------------------------------------------------ one model, one identity

SHARED = sorted(p.name for p in LEADERBOARDS.glob("*.yaml"))


def listed_models(*scores: Path) -> list[dict]:
    args = [x for path in scores for x in ("--scores", str(path))]
    result = run("models", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def same_row(sc: dict) -> tuple:
    """What makes two listed scores the same leaderboard row."""
    return (sc["benchmark"], sc["score"], sc["agent"], sc["split"], sc["date"], sc["stderr"])


def assert_each_row_once(models: list[dict]) -> None:
    holders: dict[tuple, list[str]] = {}
    for m in models:
        for sc in m["scores"]:
            holders.setdefault(same_row(sc), []).append(m["id"])
    twice = {row: ids for row, ids in holders.items() if len(ids) > 1}
    assert not twice, twice


@pytest.mark.parametrize("name", SHARED)
def test_an_imported_leaderboard_replaces_the_built_in_entries(tmp_path, name):
    result, out = import_to(tmp_path, LEADERBOARDS / name)
    assert result.exit_code == 0, result.output
    builtin = {m["id"]: m for m in listed_models()}
    imported = {m["id"] for m in models_of(out)}
    overlaid = listed_models(out)
    assert_each_row_once(overlaid)
    # Every built-in entry whose rows the file holds has the id the import gives them.
    rows_in_file = {same_row(sc) for m in overlaid if m["id"] in imported for sc in m["scores"]}
    for ident, m in builtin.items():
        if any(same_row(sc) in rows_in_file for sc in m["scores"]):
            assert ident in imported, (ident, name)
    assert len(overlaid) == len(builtin) + len(imported - set(builtin))


def test_every_leaderboard_at_once_lists_each_row_once(tmp_path):
    outs = []
    for name in SHARED:
        result, out = import_to(tmp_path, LEADERBOARDS / name, name=f"{name}.scores.yaml")
        assert result.exit_code == 0, result.output
        outs.append(out)
    overlaid = listed_models(*outs)
    assert_each_row_once(overlaid)
    builtin = {m["id"] for m in listed_models()}
    # Every built-in model is one of the leaderboards' rows, so each was replaced.
    imported = {m["id"] for out in outs for m in models_of(out)}
    assert builtin <= imported
    assert len(overlaid) == len(imported)


def test_an_overlaid_model_keeps_its_vendor_and_baseline(tmp_path):
    result, out = import_to(tmp_path, LEADERBOARDS / "unverified_claims.yaml")
    assert result.exit_code == 0, result.output
    gpt55 = next(m for m in listed_models(out) if m["id"] == "gpt-5.5")
    assert gpt55["vendor"] == "OpenAI" and gpt55["baseline"] == "gpt-5.4"
    assert [(s["benchmark"], s["score"]) for s in gpt55["scores"]] == [
        ("mle-bench", 36.0),
        ("terminal-bench-2", 82.7),
    ]
    guide = run("guide", "--defaults", "--scores", str(out), "--format", "json", "-o", "-")
    assert guide.exit_code == 0, guide.output
    data = json.loads(guide.stdout)
    assert data["model"] == "gpt-5.5" and data["baseline"] == "gpt-5.4"


def test_the_header_names_no_schema_file_that_is_not_there(tmp_path, monkeypatch):
    """No editor modeline pointing at a ./rulebook.schema.json beside the output (there is
    none); the comment's own instruction writes a schema the imported file passes."""
    import jsonschema

    monkeypatch.chdir(tmp_path)
    result, out = import_to(tmp_path, LEADERBOARDS / "terminal_bench_2.yaml")
    assert result.exit_code == 0, result.output
    comments = [line for line in out.read_text(encoding="utf-8").splitlines() if line[:1] == "#"]
    assert not any("$schema" in line for line in comments)
    [hint] = [line for line in comments if "advisor schema" in line]
    command = re.search(r"'advisor (schema -o [\w.]+)'", hint)
    assert command is not None
    written = run(*command.group(1).split())
    assert written.exit_code == 0, written.output
    schema = json.loads((tmp_path / "rulebook.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(yaml.safe_load(out.read_text(encoding="utf-8")), schema)


def test_an_overlaid_model_drops_the_notes_about_its_old_scores(tmp_path):
    """gpt-5.4's built-in note says it has no Terminal-Bench 2.0 figure; a scores file that
    gives it one replaces the scores, so the note goes, and the vendor stays."""
    scores = tmp_path / "scores.yaml"
    scores.write_text(
        "models:\n"
        "  - id: gpt-5.4\n"
        "    name: GPT-5.4\n"
        "    scores:\n"
        "      - {benchmark: terminal-bench-2, score: 70, date: '2026-05-01',\n"
        "         source: 'https://example.org/tb', verified: true}\n",
        encoding="utf-8",
    )

    def gpt54(*args: str) -> dict:
        result = run("rules", "export", "--format", "json", "-o", "-", *args)
        assert result.exit_code == 0, result.output
        return next(m for m in json.loads(result.stdout)["models"] if m["id"] == "gpt-5.4")

    assert "No Terminal-Bench 2.0 figure" in gpt54()["notes"]
    overlaid = gpt54("--scores", str(scores))
    assert not overlaid["notes"] and overlaid["vendor"] == "OpenAI"
