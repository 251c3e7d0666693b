"""The inspection commands from a user's side: models, compare, explain, --scores, help."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner, Result

from advisor.cli.app import cli
from advisor.load.resources import builtin_rules

WIDE = {"COLUMNS": "320", "NO_COLOR": None, "FORCE_COLOR": None}

ACME = """\
models:
  - id: acme-1
    name: Acme One
    vendor: Acme
    baseline: gpt-5.5
    scores:
      - benchmark: mle-bench
        score: 55
        split: all
        agent: acme-agent
        source: https://example.org/acme-1
        date: "2026-05-01"
        verified: true
      - benchmark: terminal-bench-2
        score: 70.5
        stderr: 1.2
        split: "2.0"
        agent: acme-agent
        source: https://example.org/acme-1
        date: "2026-05-01"
        verified: true
"""


@pytest.fixture(autouse=True)
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run every command from an empty folder, as a user of an installed advisor would."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> Result:
    """Invoke the CLI with a wide, colourless terminal; never a traceback."""
    result = CliRunner().invoke(cli, list(args), env=WIDE, prog_name="advisor")
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def ok(*args: str) -> str:
    """Stdout of a command that must succeed with nothing on stderr."""
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return result.stdout


def as_json(*args: str) -> Any:
    """The parsed stdout of a ``--json`` command (which must be JSON and nothing else)."""
    return json.loads(ok(*args, "--json"))


def fails(code: int, *args: str) -> str:
    """The single error line of a command that must fail with ``code``."""
    result = run(*args)
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def rule_location(rule_id: str, file: str = "advice.yaml") -> str:
    """Where a built-in rule's id is written, found by searching the file's text."""
    path = Path(builtin_rules()) / file
    text = path.read_text(encoding="utf-8")
    needle = f"- id: {rule_id}\n"
    assert text.count(needle) == 1
    index = text.index(needle) + len("- id: ")
    line = text.count("\n", 0, index) + 1
    return f"{path}:{line}:{index - text.rfind(chr(10), 0, index)}"


def table_rows(text: str, first_cell: str) -> list[str]:
    """The cells of the rich table row that starts with ``first_cell``."""
    for line in text.splitlines():
        cells = [c.strip() for c in line.replace("┃", "│").split("│")]
        if len(cells) > 2 and cells[1] == first_cell:
            return cells[1:-1]
    raise AssertionError(f"no row {first_cell!r} in:\n{text}")


# --------------------------------------------------------------------------- compare


def test_compare_json_reproduces_the_seed_figures() -> None:
    data = as_json("compare", "gpt-5.5", "gpt-5.4")
    assert (data["model"], data["baseline"]) == ("gpt-5.5", "gpt-5.4")
    rows = {r["benchmark"]: r for r in data["rows"]}
    assert list(rows) == ["mle-bench", "terminal-bench-2"]
    mle = rows["mle-bench"]
    assert (mle["name"], mle["model_score"], mle["baseline_score"]) == ("MLE-Bench", 36, 23)
    assert (mle["delta_pp"], mle["relative_gain_pct"], mle["note"]) == (13, 56.52, "")
    assert mle["model_evidence"]["verified"] is False
    assert mle["baseline_evidence"]["verified"] is False
    tb = rows["terminal-bench-2"]
    assert (tb["model_score"], tb["baseline_score"], tb["delta_pp"]) == (82.7, None, None)
    assert tb["relative_gain_pct"] is None
    assert tb["baseline_evidence"] is None
    assert tb["note"] == "no baseline score: not compared"


def test_compare_table_shows_points_and_relative_gain() -> None:
    out = ok("compare", "gpt-5.5", "gpt-5.4")
    assert out.splitlines()[0].strip() == "GPT-5.5 vs GPT-5.4"
    assert table_rows(out, "Benchmark") == [
        "Benchmark",
        "GPT-5.5",
        "GPT-5.4",
        "Δ pp",
        "Relative gain",
        "Note",
    ]
    # Both scores are unverified, marked as the key under the table says.
    assert table_rows(out, "MLE-Bench") == ["MLE-Bench", "36%*", "23%*", "+13 pp", "+56.5%", ""]
    assert table_rows(out, "Terminal-Bench 2.0") == [
        "Terminal-Bench 2.0",
        "82.7%*",
        "n/a",
        "n/a",
        "n/a",
        "no baseline score: not compared",
    ]
    # A score's notes qualify it, so they come with its provenance (issue 14).
    flat = " ".join(out.split())
    assert "┘ * unverified, ! flagged score GPT-5.5 on MLE-Bench:" in flat
    assert (
        "GPT-5.5 on MLE-Bench: UNVERIFIED; date 2026-04; agent unspecified; split unspecified; "
        "note: Not on the openai/mle-bench leaderboard @783b15a; possibly the system-card "
        "MLE-bench subset (30 competitions), unconfirmed. — " in flat
    )
    assert (
        "GPT-5.4 on MLE-Bench: UNVERIFIED; date 2026-04; agent unspecified; split unspecified — "
        in flat
    )


def test_compare_with_a_zero_baseline_explains_the_missing_relative_gain(tmp_path: Path) -> None:
    scores = tmp_path / "zero.yaml"
    scores.write_text(ACME.replace("id: acme-1", "id: acme-0").replace("score: 55", "score: 0"))
    out = ok("compare", "gpt-5.5", "acme-0", "--scores", str(scores))
    assert table_rows(out, "MLE-Bench") == [
        "MLE-Bench",
        "36%*",
        "0%",
        "+36 pp",
        "n/a",
        "relative gain undefined: the baseline scores 0",
    ]


# --------------------------------------------------------------------------- models


def test_models_json_gives_provenance_for_every_score() -> None:
    text = (Path(builtin_rules()) / "models.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)["models"]
    data = as_json("models")
    assert [m["id"] for m in data] == [m["id"] for m in raw]
    for shown, written in zip(data, raw, strict=True):
        for s, w in zip(shown["scores"], written["scores"], strict=True):
            assert s["benchmark"] == w["benchmark"]
            assert set(s) == {
                "model",
                "benchmark",
                "score",
                "stderr",
                "split",
                "agent",
                "date",
                "source",
                "verified",
                "flags",
                "notes",
            }
            assert s["model"] == shown["id"]
            assert (s["score"], s["source"], s["date"], s["verified"]) == (
                w["score"],
                w["source"],
                str(w["date"]),
                w["verified"],
            )
            assert s["split"] == w.get("split", "unspecified")
            assert s["agent"] == w.get("agent", "unspecified")
    gpt55 = data[0]
    assert [(s["benchmark"], s["score"], s["verified"]) for s in gpt55["scores"]] == [
        ("mle-bench", 36, False),
        ("terminal-bench-2", 82.7, False),
    ]
    assert gpt55["baseline"] == "gpt-5.4"


def test_models_table_marks_unverified_scores() -> None:
    # Provenance moved to --long (issue 15: the default table fits 80 columns).
    out = ok("models", "--long")
    row = table_rows(out, "gpt-5.5")
    assert row[:3] == ["gpt-5.5", "MLE-Bench", "36%"]
    # The cell wraps; its first line has the provenance, then the score's notes begin.
    assert row[3].startswith(
        "UNVERIFIED; date 2026-04; agent unspecified; split unspecified; note: Not on the"
    )
    assert row[4].startswith("https://chaobro.com/en/posts/gpt55-mle-bench/")


def test_models_table_shows_flags_such_as_known_leakage() -> None:
    row = table_rows(ok("models", "--long"), "disarray-ensemble")
    assert row[3].endswith("; ± 0.44; FLAG known-leakage;")  # then its notes, wrapped


# --------------------------------------------------------------------------- explain


def test_explain_shows_inputs_chosen_rule_and_near_misses() -> None:
    out = ok("explain", "--role", "mle", "--model", "gpt-5.5", "--stage", "model-selection")
    lines = out.splitlines()
    assert lines[0] == "Role ml-engineer, model gpt-5.5, baseline gpt-5.4"
    assert lines[1] == (
        "Inputs: mle-bench = 36 (unverified), terminal-bench-2 = 82.7 (unverified), "
        "swe-bench-verified = missing, terminal-bench-1 = missing, terminal-bench-2.1 = missing, "
        "mle-bench-delta = 13, mle-bench-gain = 56.52, cli-ml-gap = 46.7"
    )
    assert "Missing evidence" not in out
    stage = lines.index("Table stage-advice × model-selection (hit policy unique)")
    # the stage's evidence (MLE-Bench 36%, unverified) reads as moderate, so it is provisional
    assert lines[stage + 1] == "  provisional: rests on unverified or flagged scores"
    assert lines[stage + 2] == "  chosen: mle-select-moderate → draft"
    # where the rule is, on a line of its own and never broken, however long the path
    assert lines[stage + 3] == f"    at {rule_location('mle-select-moderate')}"
    caveats = lines.index("Caveats")
    first = lines.index("  near miss: mle-select-low: evidence = moderate is not in low")
    assert lines[stage + 4].startswith("    Model selection needs human review;")
    assert lines[first : caveats - 1] == [
        "  near miss: mle-select-low: evidence = moderate is not in low",
        "  near miss: mle-select-emerging: evidence = moderate is not in emerging",
        "  near miss: mle-select-top: evidence = moderate is not in top",
    ]
    assert "  near miss: guide-mle-strong: mle-bench = 36 is not in [50..100]" in lines
    # Only the asked stage is explained.
    assert [line for line in lines if line.startswith("Table stage-advice")] == [lines[stage]]


def test_explain_json_has_the_same_story() -> None:
    data = as_json("explain", "--role", "mle", "--model", "gpt-5.5", "--stage", "model-selection")
    assert (data["role"], data["model"], data["baseline"]) == ("ml-engineer", "gpt-5.5", "gpt-5.4")
    assert data["inputs"] == {
        "mle-bench": 36,
        "terminal-bench-2": 82.7,
        "swe-bench-verified": None,
        "terminal-bench-1": None,
        "terminal-bench-2.1": None,
        "mle-bench-delta": 13,
        "mle-bench-gain": 56.52,
        "cli-ml-gap": 46.7,
    }
    assert data["metrics"] == {"mle-bench-delta": 13, "mle-bench-gain": 56.52, "cli-ml-gap": 46.7}
    assert data["missing_evidence"] == []
    [stage] = [t for t in data["tables"] if t["table"] == "stage-advice"]
    assert (stage["stage"], stage["hit_policy"], stage["matched"]) == (
        "model-selection",
        "unique",
        ["mle-select-moderate"],
    )
    [chosen] = stage["chosen"]
    assert (chosen["rule"], chosen["autonomy"], chosen["location"]) == (
        "mle-select-moderate",
        "draft",
        rule_location("mle-select-moderate"),
    )
    assert chosen["text"].startswith("Model selection needs human review; GPT-5.5 proposes")
    assert stage["near_misses"][0] == {
        "rule": "mle-select-low",
        "input": "evidence",
        "value": "moderate",
        "test": "low",
        "why": "evidence = moderate is not in low",
    }
    assert (stage["assessed"], stage["provisional"]) == (True, True)
    assert stage["evidence"] == [
        {
            "benchmark": "mle-bench",
            "score": 36,
            "verified": False,
            "flags": [],
            "agent": "unspecified",
        }
    ]
    kinds = [c["kind"] for c in data["caveats"]]
    assert kinds.count("unverified") == 3


def test_explain_without_terminal_bench_still_advises_and_names_missing_evidence() -> None:
    data = as_json("explain", "--role", "ds", "--model", "gpt-5.4")
    assert data["baseline"] is None
    assert data["inputs"]["terminal-bench-2"] is None
    assert data["missing_evidence"] == ["terminal-bench-2"]
    stages = {t["stage"]: t["chosen"] for t in data["tables"] if t["table"] == "stage-advice"}
    assert list(stages) == [
        "data-processing",
        "model-selection",
        "training-tuning",
        "result-validation",
    ]
    assert {s: (c[0]["rule"], c[0]["autonomy"]) for s, c in stages.items()} == {
        "data-processing": ("ds-hands-on-emerging", "draft"),
        "model-selection": ("ds-judgement-emerging", "assist"),
        "training-tuning": ("ds-hands-on-emerging", "draft"),
        "result-validation": ("ds-judgement-emerging", "assist"),
    }
    assert {
        "kind": "missing",
        "text": "No Terminal-Bench 2.0 score for GPT-5.4: advice that "
        "reads it falls back to the evidence that exists.",
    } in data["caveats"]
    out = ok("explain", "--role", "ds", "--model", "gpt-5.4")
    assert "\nMissing evidence: terminal-bench-2\n" in out


@pytest.mark.parametrize(
    ("alias", "role"),
    [
        ("ds", "data-scientist"),
        ("mle", "ml-engineer"),
        ("lead", "tech-lead"),
        ("researcher", "student"),
        ("ML-Engineer", "ml-engineer"),
        ("student", "student"),
    ],
)
def test_role_aliases_resolve(alias: str, role: str) -> None:
    data = as_json("explain", "--role", alias, "--model", "gpt-5.5", "--stage", "training-tuning")
    assert data["role"] == role


# --------------------------------------------------------------------------- unknown ids


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["explain", "--role", "mlee", "--model", "gpt-5.5"],
            "unknown role 'mlee'; did you mean ml-engineer?",
        ),
        (
            ["explain", "--role", "data-scientists2", "--model", "gpt-5.5"],
            "unknown role 'data-scientists2'; did you mean data-scientist?",
        ),
        (
            ["explain", "--role", "mle", "--model", "gpt-5.55"],
            "unknown model 'gpt-5.55'; did you mean gpt-5.5 or gpt-5.4?",
        ),
        (
            ["explain", "--role", "mle", "--model", "gpt-5.5", "--stage", "model-selectio"],
            "unknown stage 'model-selectio'; did you mean model-selection?",
        ),
        (
            ["explain", "--role", "mle", "--model", "gpt-5.5", "--baseline", "gpt-4.5"],
            "unknown model 'gpt-4.5'; did you mean gpt-5.5 or gpt-5.4?",
        ),
        (
            ["compare", "gpt-5.5", "gpt5.4"],
            "unknown model 'gpt5.4'; did you mean gpt-5.4 or gpt-5.5 or codex-cli-gpt-5.4?",
        ),
        (
            ["compare", "gtp-5.5", "gpt-5.4", "--json"],
            "unknown model 'gtp-5.5'; did you mean gpt-5.5 or gpt-5.4?",
        ),
        (
            ["explain", "--role", "zzz", "--model", "gpt-5.5"],
            "unknown role 'zzz'; known: data-scientist, ml-engineer, student, tech-lead",
        ),
    ],
)
def test_unknown_ids_are_one_line_with_a_hint_and_exit_2(args: list[str], message: str) -> None:
    assert fails(2, *args) == f"advisor: error: {message}"


def test_missing_required_option_is_usage_error() -> None:
    result = run("explain", "--model", "gpt-5.5")
    assert result.exit_code == 2
    assert "Error: Missing option '--role'." in result.stderr


# --------------------------------------------------------------------------- --scores


def test_scores_overlay_adds_a_model(tmp_path: Path) -> None:
    scores = tmp_path / "acme.yaml"
    scores.write_text(ACME)
    models = as_json("models", "--scores", str(scores))
    assert models[-1]["id"] == "acme-1"
    assert [
        (s["benchmark"], s["score"], s["split"], s["agent"], s["stderr"], s["verified"])
        for s in models[-1]["scores"]
    ] == [
        ("mle-bench", 55, "all", "acme-agent", None, True),
        ("terminal-bench-2", 70.5, "2.0", "acme-agent", 1.2, True),
    ]
    rows = as_json("compare", "acme-1", "gpt-5.5", "--scores", str(scores))["rows"]
    assert [(r["benchmark"], r["delta_pp"], r["relative_gain_pct"]) for r in rows] == [
        ("mle-bench", 19, 52.78),
        ("terminal-bench-2", -12.2, -14.75),
    ]
    data = as_json(
        "explain",
        "--role",
        "mle",
        "--model",
        "acme-1",
        "--stage",
        "data-processing",
        "--scores",
        str(scores),
    )
    assert data["baseline"] == "gpt-5.5"
    [stage] = [t for t in data["tables"] if t["table"] == "stage-advice"]
    assert stage["chosen"][0]["rule"] == "mle-pipeline-strong"
    assert stage["chosen"][0]["text"].startswith("Run data and training pipelines with Acme One")
    assert not [c for c in data["caveats"] if c["kind"] == "unverified" and "Acme" in c["text"]]


def test_scores_file_can_replace_a_built_in_model(tmp_path: Path) -> None:
    scores = tmp_path / "gpt54.yaml"
    own = ACME.replace("id: acme-1", "id: gpt-5.4").replace("    baseline: gpt-5.5\n", "")
    scores.write_text(own)
    data = as_json("compare", "gpt-5.5", "gpt-5.4", "--scores", str(scores))
    assert [(r["benchmark"], r["baseline_score"]) for r in data["rows"]] == [
        ("mle-bench", 55),
        ("terminal-bench-2", 70.5),
    ]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("score: 55", "score: 155"),
            "acme.yaml:8:16: models.0.scores.0.score: expected a number <= 100, got 155",
        ),
        (
            ("score: 55", "score: .nan"),
            "acme.yaml:8:16: models.0.scores.0.score: expected a finite number, got nan",
        ),
        (
            ("score: 55", "score: fifty-five"),
            "acme.yaml:8:16: models.0.scores.0.score: expected a number, got 'fifty-five'",
        ),
        (
            ("- benchmark: mle-bench", "- benchmark: mle-bnch"),
            "acme.yaml:7:20: model 'acme-1': unknown benchmark 'mle-bnch'; "
            "did you mean mle-bench or terminal-bench-2 or terminal-bench-1?",
        ),
        (
            ("stderr: 1.2", "stdder: 1.2"),
            "acme.yaml:16:9: models.0.scores.1.stdder: unknown key 'stdder'; check the spelling "
            "(see 'advisor schema')",
        ),
        (
            ("    baseline: gpt-5.5\n", "    baseline: gpt-5.55\n"),
            "acme.yaml:5:15: model 'acme-1': unknown baseline model 'gpt-5.55'; "
            "did you mean gpt-5.5 or gpt-5.4?",
        ),
        (
            ("models:\n", "roles: []\nmodels:\n"),
            "acme.yaml:1:1: a scores file holds only 'models:'; remove 'roles'",
        ),
        (
            ("    name: Acme One\n", "    name: Acme One\n    name: Acme 1\n"),
            "acme.yaml:4:5: duplicate key 'name' (first at acme.yaml:3:5); remove one of them",
        ),
    ],
)
def test_invalid_scores_file_gives_a_located_error(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    old, new = edit
    assert ACME.count(old) == 1
    (tmp_path / "acme.yaml").write_text(ACME.replace(old, new))
    assert fails(1, "models", "--scores", "acme.yaml") == f"advisor: error: {message}"


def test_scores_file_with_a_python_tag_is_refused_and_never_runs(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    (tmp_path / "evil.yaml").write_text(
        f'models: !!python/object/apply:os.system ["touch {canary}"]\n'
    )
    assert fails(1, "compare", "gpt-5.5", "gpt-5.4", "--scores", "evil.yaml") == (
        "advisor: error: evil.yaml:1:9: YAML tag '!!python/object/apply:os.system' is not "
        "allowed: advisor reads plain data only"
    )
    assert not canary.exists()


def test_empty_or_missing_scores_file(tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("")
    assert fails(1, "models", "--scores", "empty.yaml") == (
        "advisor: error: empty.yaml:1:1: empty file; a rulebook file is a mapping of sections "
        "(autonomy, roles, stages, benchmarks, ...); add one or remove the file"
    )
    assert fails(2, "models", "--scores", "nope.yaml") == (
        "advisor: error: nope.yaml: no such scores file"
    )


def test_rules_option_evaluates_against_another_rulebook(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(builtin_rules(), tmp_path / "ours")
    models = tmp_path / "ours" / "models.yaml"
    text = models.read_text()
    assert text.count("        score: 36\n") == 1
    models.write_text(text.replace("        score: 36\n", "        score: 46\n"))
    rows = as_json("compare", "gpt-5.5", "gpt-5.4", "--rules", "ours")["rows"]
    assert (rows[0]["model_score"], rows[0]["delta_pp"]) == (46, 23)
    data = as_json("explain", "--role", "lead", "--model", "gpt-5.5", "--rules", "ours")
    [stage] = [t for t in data["tables"] if t["stage"] == "data-processing"]
    assert stage["chosen"][0]["location"].startswith("ours/advice.yaml:")


# --------------------------------------------------------------------------- help, colour, JSON


def help_sections(text: str) -> dict[str, list[str]]:
    """Section title -> command names, from a click help page."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            current = line[:-1]
            sections[current] = []
        elif current and line.startswith("  ") and not line.startswith("   "):
            sections[current].append(line.split()[0])
    return sections


def test_top_level_help_lists_every_command_in_a_group() -> None:
    out = ok("--help")
    assert out.startswith("Usage: advisor [OPTIONS] COMMAND [ARGS]...\n")
    sections = help_sections(out)
    assert sections["Evidence"][:4] == ["rank", "models", "compare", "explain"]
    assert {"rules", "schema"} <= set(sections["Rulebooks"])
    listed = [name for title, names in sections.items() if title != "Options" for name in names]
    ctx = click.Context(cli)
    commands = {n: cli.get_command(ctx, n) for n in cli.list_commands(ctx)}
    assert sorted(listed) == sorted(n for n, c in commands.items() if c and not c.hidden)
    assert "Commands" not in sections


def all_commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path below ``group``."""
    out = []
    ctx = click.Context(group)
    for name in sorted(group.list_commands(ctx)):
        cmd = group.get_command(ctx, name)
        out.append((*path, name))
        if isinstance(cmd, click.Group):
            out.extend(all_commands(cmd, (*path, name)))
    return out


@pytest.mark.parametrize("path", all_commands(cli), ids=" ".join)
def test_every_command_has_a_summary_and_an_example(path: tuple[str, ...]) -> None:
    out = ok(*path, "--help")
    lines = out.splitlines()
    assert lines[0].startswith(f"Usage: advisor {' '.join(path)} ")
    assert lines[1] == ""
    summary = lines[2].strip()
    assert summary.endswith(".") and len(summary) <= 100
    assert lines[3] == ""
    examples = [ln for ln in lines if ln.strip().startswith(("Example:", "Examples:"))]
    assert examples, f"no example in 'advisor {' '.join(path)} --help'"
    at = lines.index(examples[0])
    shown = examples[0].split(":", 1)[1].strip() or lines[at + 1].strip()
    assert shown.startswith(f"advisor {path[0]}")


JSON_COMMANDS = [
    ["models"],
    ["compare", "gpt-5.5", "gpt-5.4"],
    ["explain", "--role", "lead", "--model", "gpt-5.5"],
]


@pytest.mark.parametrize("args", JSON_COMMANDS, ids=lambda a: a[0])
def test_json_output_is_pure_json_in_a_real_process(args: list[str], tmp_path: Path) -> None:
    import subprocess

    env = {**os.environ, "FORCE_COLOR": "1", "COLUMNS": "40"}
    env.pop("NO_COLOR", None)
    proc = subprocess.run(
        [sys.executable, "-m", "advisor", *args, "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "\x1b" not in proc.stdout
    json.loads(proc.stdout)
    # Deterministic: the same command gives the same bytes.
    again = subprocess.run(
        [sys.executable, "-m", "advisor", *args, "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert again.stdout == proc.stdout


TEXT_COMMANDS = [
    ["models"],
    ["compare", "gpt-5.5", "gpt-5.4"],
    ["explain", "--role", "mle", "--model", "gpt-5.5", "--stage", "model-selection"],
]


@pytest.mark.parametrize("args", TEXT_COMMANDS, ids=lambda a: a[0])
def test_piped_output_has_no_ansi_escapes(args: list[str], tmp_path: Path) -> None:
    import subprocess

    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    proc = subprocess.run(
        [sys.executable, "-m", "advisor", *args],
        capture_output=True,
        text=True,
        env={**env, "TERM": "xterm-256color"},
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()
    assert "\x1b" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("args", TEXT_COMMANDS, ids=lambda a: a[0])
def test_no_color_on_a_terminal_has_no_ansi_escapes(args: list[str], tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    # Long output goes through a pager on a terminal (issue 15); cat shows what advisor wrote.
    env.update(TERM="xterm-256color", COLUMNS="160", PAGER="cat")
    command = [sys.executable, "-m", "advisor", *args]
    styled = pexpect.run(
        command[0], args=command[1:], env=env, cwd=str(tmp_path), encoding="utf-8", timeout=60
    )
    assert "\x1b[" in styled  # on a terminal rich styles the output ...
    plain = pexpect.run(
        command[0],
        args=command[1:],
        env={**env, "NO_COLOR": "1"},
        cwd=str(tmp_path),
        encoding="utf-8",
        timeout=60,
    )
    assert "\x1b" not in plain  # ... and NO_COLOR turns every style off
    assert plain.replace("\r\n", "\n").strip()


def test_shell_completion_through_click(tmp_path: Path) -> None:
    import subprocess

    def complete(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "advisor"],
            cwd=tmp_path,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=False,
        )

    source = complete({"_ADVISOR_COMPLETE": "bash_source"})
    assert source.returncode == 0
    assert source.stdout.startswith("_advisor_completion() {\n")
    assert "complete -o nosort -F _advisor_completion advisor" in source.stdout
    words = complete(
        {"_ADVISOR_COMPLETE": "bash_complete", "COMP_WORDS": "advisor com", "COMP_CWORD": "1"}
    )
    assert words.stdout.split() == ["plain,compare"]
    options = complete(
        {
            "_ADVISOR_COMPLETE": "bash_complete",
            "COMP_WORDS": "advisor explain --sta",
            "COMP_CWORD": "2",
        }
    )
    assert options.stdout.split() == ["plain,--stage"]


def test_explain_in_text_lists_the_caveats_of_its_json():
    runner = CliRunner()
    args = ["explain", "--role", "ml-engineer", "--model", "gpt-5.4", "--stage", "data-processing"]
    data = json.loads(runner.invoke(cli, [*args, "--json"]).stdout)
    text = runner.invoke(cli, args, env={"COLUMNS": "400"}).stdout
    assert data["caveats"], "gpt-5.4 has unverified and missing evidence"
    assert "\nCaveats\n" in text
    for c in data["caveats"]:
        assert f"  {c['kind']}: {c['text']}" in text


def test_compare_refuses_a_model_against_itself() -> None:
    result = run("compare", "gpt-5.5", "GPT-5.5")
    assert result.exit_code == 2
    assert result.stderr == "advisor: error: compare gpt-5.5 with another model, not with itself\n"


def test_explain_marks_unverified_inputs() -> None:
    out = ok("explain", "--role", "ds", "--model", "gpt-5.5", "--stage", "data-processing")
    inputs = next(line for line in out.splitlines() if line.startswith("Inputs: "))
    assert "mle-bench = 36 (unverified)" in inputs
    assert "terminal-bench-2 = 82.7 (unverified)" in inputs
    verified = ok("explain", "--role", "ds", "--model", "thesis-gpt-5-codex")
    assert "(unverified)" not in next(x for x in verified.splitlines() if x.startswith("Inputs: "))


def test_trace_lines_wrap_under_their_heading_and_keep_paths_whole() -> None:
    """explain's lines wrap with a hanging indent (a rule text's later lines too), never
    inside a path, and show control characters escaped rather than as spaces."""
    from io import StringIO

    from rich.console import Console

    from advisor.cli.terminal import _say

    out = StringIO()
    console = Console(file=out, width=40, color_system=None)
    path = "/a/very/long/folder/name/that/goes/past/the/width/rulebook.yaml:12:3"
    _say(console, "    first line of a rule text that goes on\nsecond line of the text")
    _say(console, f"  organisation change: x overridden at {path}")
    _say(console, "  note: a\rb\x0cc")
    assert out.getvalue().splitlines() == [
        "    first line of a rule text that goes",
        "      on",
        "      second line of the text",
        "  organisation change: x overridden at",
        f"    {path}",
        "  note: a\\rb\\x0cc",
    ]
