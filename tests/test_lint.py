"""Tests for 'advisor rules lint': every finding with its location and example."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli.app import cli

FIXTURES = Path(__file__).parent / "fixtures" / "lint"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def lint_json(*paths: str) -> tuple[int, dict]:
    code, out = run("rules", "lint", "--json", *paths)
    return code, json.loads(out)


def by_code(report: dict, code: str) -> list[dict]:
    return [f for f in report["findings"] if f["code"] == code]


@pytest.fixture
def fixtures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The lint fixtures copied to a temporary folder that is also the working folder."""
    shutil.copytree(FIXTURES, tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_builtin_rulebook_lints_clean() -> None:
    code, out = run("rules", "lint")
    assert code == 0, out
    # The infos: Terminal-Bench 1.0 and 2.1 are declared so that their leaderboard rows
    # import, and inform no stage (issue 14).
    assert out.splitlines()[-1] == "builtin: 0 errors, 0 warnings, 2 info"
    assert "informs-nothing: benchmark 'terminal-bench-1'" in out
    assert "informs-nothing: benchmark 'terminal-bench-2.1'" in out


def test_gap_is_an_error_with_a_counterexample(fixtures: Path) -> None:
    code, report = lint_json("common", "gap.yaml")
    assert code == 1
    gaps = by_code(report, "gap")
    assert [g["examples"][0]["role"] for g in gaps] == ["data-scientist", "ml-engineer"]
    first = gaps[0]
    assert first["severity"] == "error"
    assert first["location"] == "gap.yaml:4:9"  # the table: no rule is to blame
    assert first["examples"] == [
        {
            "role": "data-scientist",
            "stage": "model-selection",
            "mle-bench": 50,
            "terminal-bench-2": 0,
        }
    ]
    assert report["summary"]["error"] == 2


def test_gap_counterexample_really_has_no_advice(fixtures: Path) -> None:
    # The example lint gives, fed to the engine as a model's scores.
    (fixtures / "scores.yaml").write_text(
        "models:\n  - id: probe\n    name: Probe\n    scores:\n"
        "      - {benchmark: mle-bench, score: 50, date: '2026', source: test, verified: true}\n"
        "      - {benchmark: terminal-bench-2, score: 0, date: '2026', source: test,"
        " verified: true}\n"
    )
    code, out = run(
        "explain",
        "--rules",
        "common",
        "--rules",
        "gap.yaml",
        "--scores",
        "scores.yaml",
        "--role",
        "data-scientist",
        "--model",
        "probe",
        "--stage",
        "model-selection",
    )
    assert code == 0, out
    assert "no rule applies" in out


def test_gap_text_report_names_roles_stages_and_values(fixtures: Path) -> None:
    code, out = run("rules", "lint", "common", "gap.yaml")
    assert code == 1
    assert (
        "gap.yaml:4:9: error: gap: no rule of table 'stage-advice' applies for "
        "data-scientist × model-selection at mle-bench = 50, terminal-bench-2 = 0"
    ) in out.splitlines()
    assert out.splitlines()[-1] == "lint-fixture: 2 errors, 1 warning, 0 info"


def test_overlap_under_unique_names_both_rules_and_the_point(fixtures: Path) -> None:
    code, report = lint_json("common", "overlap.yaml")
    assert code == 1
    (overlap,) = by_code(report, "overlap")
    assert overlap["severity"] == "error"
    assert overlap["rules"] == ["low", "high"]
    assert overlap["locations"] == ["overlap.yaml:8:13", "overlap.yaml:12:13"]
    assert overlap["examples"] == [
        {"role": "data-scientist", "stage": "data-processing", "mle-bench": 50}
    ]
    # The unread benchmark is worth a warning, not a failure of its own.
    assert [f["message"] for f in by_code(report, "unused-benchmark")] == [
        "benchmark 'terminal-bench-2' is read by no table, metric or rule text"
    ]


def test_shadowed_and_unreachable_rules(fixtures: Path) -> None:
    code, report = lint_json("common", "shadowed.yaml")
    (shadowed,) = by_code(report, "shadowed")
    assert shadowed["severity"] == "warning"
    assert shadowed["rules"] == ["specific", "general"]
    assert shadowed["locations"] == ["shadowed.yaml:13:13", "shadowed.yaml:9:13"]
    assert shadowed["examples"] == [
        {"role": "ml-engineer", "stage": "data-processing", "mle-bench": 60}
    ]
    (unreachable,) = by_code(report, "unreachable")
    assert unreachable["rules"] == ["impossible"]
    assert unreachable["location"] == "shadowed.yaml:17:13"
    (domain,) = by_code(report, "outside-domain")
    assert domain["location"] == "shadowed.yaml:18:27"  # the cell itself
    assert "'> 120' uses 120, outside the domain 0..100 of mle-bench" in domain["message"]
    (nosource,) = by_code(report, "no-source")
    assert nosource["rules"] == ["no-score"]


def test_unknown_variables_in_texts_are_errors(fixtures: Path) -> None:
    code, report = lint_json("common", "shadowed.yaml")
    assert code == 1
    messages = sorted(f["message"] for f in by_code(report, "unknown-variable"))
    assert len(messages) == 2
    assert "scores['mle-bnech'] names no benchmark" in messages[0]
    assert "unknown variable 'colour'" in messages[1]
    assert {f["location"] for f in by_code(report, "unknown-variable")} == {"shadowed.yaml:24:15"}


def test_monotonicity_violation_shows_both_points(fixtures: Path) -> None:
    code, report = lint_json("common", "monotonic.yaml")
    assert code == 1
    (fall,) = by_code(report, "monotonicity")
    assert fall["severity"] == "error"
    assert fall["rules"] == ["prep-high", "prep-low"]
    assert fall["locations"] == ["monotonic.yaml:12:13", "monotonic.yaml:8:13"]
    low, high = fall["examples"]
    assert low == {"role": "data-scientist", "stage": "data-processing", "mle-bench": 25}
    assert high == {"role": "data-scientist", "stage": "data-processing", "mle-bench": 50}
    assert "gives draft (rule 'prep-low') but mle-bench = 50 gives assist" in fall["message"]


def test_missing_scores_are_not_part_of_the_monotonicity_order(tmp_path: Path) -> None:
    # Missing MLE-Bench gives supervised, every real score assist: not a fall.
    (tmp_path / "t.yaml").write_text(
        TABLE.format(
            policy="unique",
            rules="""
      - {id: scored, when: {mle-bench: "[0..100]"}, autonomy: assist, sources: [paper]}
      - {id: unscored, when: {mle-bench: missing}, autonomy: supervised, sources: [paper]}
""",
        )
    )
    code, report = lint_json(str(FIXTURES / "common"), str(tmp_path / "t.yaml"))
    assert code == 0, report
    assert by_code(report, "monotonicity") == []


TABLE = """
tables:
  - id: stage-advice
    purpose: stage-advice
    hit_policy: {policy}
    inputs: [role, stage, mle-bench, terminal-bench-2]
    rules:{rules}
"""


def test_priority_shadowing_names_the_winner(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(
        TABLE.format(
            policy="priority",
            rules="""
      - {id: bold, when: {mle-bench: ">= 50"}, autonomy: supervised, sources: [paper]}
      - {id: careful, when: {mle-bench: ">= 0, missing"}, autonomy: manual, sources: [paper]}
      - {id: middle, when: {mle-bench: "[60..70]"}, autonomy: draft, sources: [paper]}
""",
        )
    )
    code, report = lint_json(str(FIXTURES / "common"), str(tmp_path / "t.yaml"))
    # The most cautious level wins under priority, so 'careful' wins everywhere.
    assert sorted(f["rules"][0] for f in by_code(report, "shadowed")) == ["bold", "middle"]
    assert all(f["rules"][1] == "careful" for f in by_code(report, "shadowed"))
    assert code == 0  # shadowing is a warning


def test_collect_tables_may_match_nothing(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(
        TABLE.format(
            policy="unique",
            rules="""
      - {id: all, when: {}, autonomy: assist, sources: [paper]}
""",
        )
        + """
  - id: notes
    purpose: reading
    hit_policy: collect
    inputs: [mle-bench, terminal-bench-2]
    rules:
      - {id: note-high, when: {mle-bench: "> 90"}, text: High., sources: [paper]}
      - {id: note-both, when: {mle-bench: "> 90", terminal-bench-2: "> 90"}, text: Both.,
         sources: [paper]}
"""
    )
    code, report = lint_json(str(FIXTURES / "common"), str(tmp_path / "t.yaml"))
    assert code == 0, report
    assert by_code(report, "gap") == [] and by_code(report, "overlap") == []


def test_question_inputs_are_checked_over_their_choices(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(
        """
questions:
  - {id: regulated, type: confirm, prompt: Regulated data?}
  - id: sector
    type: select
    prompt: Sector
    choices: [{value: finance}, {value: health}]
"""
        + TABLE.format(
            policy="unique",
            rules="""
      - {id: open, when: {regulated: false}, autonomy: draft, sources: [paper]}
      - {id: bank, when: {regulated: true, sector: [finance, banking]}, autonomy: assist,
         sources: [paper]}
""",
        ).replace(
            "inputs: [role, stage, mle-bench, terminal-bench-2]",
            "inputs: [role, stage, regulated, sector]",
        )
    )
    code, report = lint_json(str(FIXTURES / "common"), str(tmp_path / "t.yaml"))
    assert code == 1
    gap = by_code(report, "gap")[0]
    assert gap["examples"][0] == {
        "role": "data-scientist",
        "stage": "data-processing",
        "regulated": True,
        "sector": "health",
    }
    (strange,) = by_code(report, "unknown-value")
    assert "never 'banking'" in strange["message"]


def test_text_using_role_in_a_team_table_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(
        TABLE.format(
            policy="unique",
            rules="""
      - {id: all, when: {}, autonomy: assist, sources: [paper]}
""",
        )
        + """
  - id: bottom
    purpose: bottom-line
    hit_policy: collect
    inputs: [mle-bench]
    rules:
      - {id: says-role, text: "For {{ role.name }}: {{ fraction(50) }}.", sources: [paper]}
"""
    )
    code, report = lint_json(str(FIXTURES / "common"), str(tmp_path / "t.yaml"))
    assert code == 1
    (bad,) = by_code(report, "unknown-variable")
    assert "unknown variable 'role'" in bad["message"]  # 'fraction' is a known global


def test_a_benchmark_counts_as_used_only_when_a_text_looks_it_up(tmp_path: Path) -> None:
    # overlap.yaml's table reads only mle-bench; a text decides whether terminal-bench-2
    # is used. Looked up with .get (no brackets) it is; named in prose it is not.
    table = (FIXTURES / "overlap.yaml").read_text(encoding="utf-8")
    texts = {
        "get": "{{ scores.get('terminal-bench-2') | pct }} on the terminal",
        "getitem": "{{ scores['terminal-bench-2'] | pct }} on the terminal",
        "prose": "Ignore 'terminal-bench-2' [for now]; {{ team }}",
        "loop": "{% for b in ['terminal-bench-2'] %}{{ scores[b] }}{% endfor %}",
        "variable": "{% set s = baseline_scores %}{{ s['terminal-bench-2'] }}",
        "unread": "{{ 'terminal-bench-2' }} {{ team }}",
    }
    unused = {}
    for name, text in texts.items():
        path = tmp_path / f"{name}.yaml"
        with_text = table.replace("autonomy: draft\n", f'autonomy: draft\n        text: "{text}"\n')
        path.write_text(with_text, encoding="utf-8")
        _, report = lint_json(str(FIXTURES / "common"), str(path))
        unused[name] = [f["message"] for f in by_code(report, "unused-benchmark")]
    assert unused["get"] == unused["getitem"] == unused["loop"] == unused["variable"] == []
    assert (
        unused["prose"]
        == unused["unread"]
        == ["benchmark 'terminal-bench-2' is read by no table, metric or rule text"]
    )


def test_an_unknown_key_looked_up_with_get_is_an_error(tmp_path: Path) -> None:
    table = (FIXTURES / "overlap.yaml").read_text(encoding="utf-8")
    path = tmp_path / "t.yaml"
    path.write_text(
        table.replace(
            "autonomy: draft\n",
            "autonomy: draft\n        text: \"{{ scores.get('mle-bnech', 0) }}\"\n",
        ),
        encoding="utf-8",
    )
    code, report = lint_json(str(FIXTURES / "common"), str(path))
    assert code == 1
    (bad,) = by_code(report, "unknown-variable")
    assert "scores.get('mle-bnech') names no benchmark of this rulebook" in bad["message"]


def test_an_unknown_key_looked_up_with_a_dot_is_an_error(tmp_path: Path) -> None:
    """``answers.team`` and ``scores.mle_bench`` are lookups too; methods are not."""
    table = (FIXTURES / "overlap.yaml").read_text(encoding="utf-8")
    path = tmp_path / "t.yaml"
    text = "{{ answers.team }} {{ scores.mle_bench }} {{ scores.items() | list | length }}"
    path.write_text(
        table.replace("autonomy: draft\n", f'autonomy: draft\n        text: "{text}"\n'),
        encoding="utf-8",
    )
    code, report = lint_json(str(FIXTURES / "common"), str(path))
    assert code == 1
    messages = sorted(f["message"] for f in by_code(report, "unknown-variable"))
    assert len(messages) == 2
    assert "answers.team is not there: 'answers' holds an organisation's own" in messages[0]
    assert "scores.mle_bench names no benchmark of this rulebook" in messages[1]


def test_a_core_answer_looked_up_in_answers_is_an_error(tmp_path: Path) -> None:
    # The engine gives texts team, model and baseline as variables; 'answers' holds only
    # an organisation's own questions, so answers['team'] would fail when rendered.
    table = (FIXTURES / "overlap.yaml").read_text(encoding="utf-8")
    path = tmp_path / "t.yaml"
    path.write_text(
        table.replace(
            "autonomy: draft\n", "autonomy: draft\n        text: \"{{ answers['team'] }}\"\n"
        ),
        encoding="utf-8",
    )
    code, report = lint_json(str(FIXTURES / "common"), str(path))
    assert code == 1
    (bad,) = by_code(report, "unknown-variable")
    assert (
        "answers['team'] is not there: 'answers' holds an organisation's own questions"
        in bad["message"]
    )


def test_too_many_regions_is_reported_not_hung(tmp_path: Path) -> None:
    rules = "".join(
        f"\n      - {{id: r{i}, when: {{mle-bench: '> {i}', terminal-bench-2: '> {i}', "
        f"swe: '> {i}', other: '> {i}'}}, autonomy: assist, sources: [paper]}}"
        for i in range(60)
    )
    text = TABLE.format(policy="first", rules=rules).replace(
        "inputs: [role, stage, mle-bench, terminal-bench-2]",
        "inputs: [mle-bench, terminal-bench-2, swe, other]",
    )
    (tmp_path / "t.yaml").write_text(
        "benchmarks:\n  - {id: swe, name: S, measures: s}\n  - {id: other, name: O, measures: o}\n"
        + text
    )
    code, report = lint_json(str(FIXTURES / "common"), str(tmp_path / "t.yaml"))
    (limit,) = by_code(report, "lint-limit")
    assert "over the limit" in limit["message"]


def test_invalid_rulebook_fails_with_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(
        TABLE.format(
            policy="unique",
            rules="""
      - {id: bad, when: {mle-bench: "[50..10]"}, autonomy: assist}
""",
        )
    )
    result = CliRunner().invoke(
        cli, ["rules", "lint", str(FIXTURES / "common"), str(tmp_path / "t.yaml")]
    )
    assert result.exit_code == 1
    assert "t.yaml:8:" in result.output and "empty interval" in result.output


def test_generated_rulebook_lints_clean(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "gen_rulebook", Path(__file__).parents[1] / "benchmarks" / "gen_rulebook.py"
    )
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    path = gen.write_rulebook(tmp_path / "big.yaml", 503, bands=9)
    code, out = run("rules", "lint", str(path))
    assert code == 0, out
    assert out.splitlines()[-1] == "generated: 0 errors, 0 warnings, 0 info"
    code, out = run("rules", "validate", str(path))
    assert "503 rules" in out


# --------------------------------------------------------------------------- against brute force

CELLS = ["-", "missing", "< {x}", ">= {x}", "[{x}..{y})", "({x}..{y}]", "< {x}, missing", "= {x}"]
LEVELS = ["manual", "assist", "draft", "supervised"]


def _random_table(rng: random.Random) -> tuple[str, str]:
    policy = rng.choice(["unique", "first", "priority"])
    lines = []
    for i in range(rng.randint(2, 7)):
        when = {}
        role = rng.choice(["-", "data-scientist", "ml-engineer", "[data-scientist, ml-engineer]"])
        stage = rng.choice(["-", "data-processing", "model-selection"])
        for name, value in (("role", role), ("stage", stage)):
            if value != "-":
                when[name] = value
        for bench in ("mle-bench", "terminal-bench-2"):
            x, y = sorted(rng.sample(range(0, 101, 10), 2))
            cell = rng.choice(CELLS).format(x=x, y=y)
            if cell != "-" or rng.random() < 0.5:
                when[bench] = f'"{cell}"'
        cells = ", ".join(f"{k}: {v}" for k, v in when.items())
        lines.append(
            f"\n      - {{id: r{i}, when: {{{cells}}}, autonomy: {rng.choice(LEVELS)}, "
            "sources: [paper]}"
        )
    return policy, TABLE.format(policy=policy, rules="".join(lines))


def _oracle(path: Path) -> dict[str, set]:
    """Every finding lint should make, found by evaluating a grid finer than any cell."""
    from advisor.evaluation.tables import run_table
    from advisor.load.rulebook import load_rulebook

    book = load_rulebook([FIXTURES / "common", path])
    table = book.tables[0]
    policy = table.spec.hit_policy
    grid = [None, *[v / 2 for v in range(0, 201, 10)]]  # 0, 5, ..., 100 and missing
    found: dict[str, set] = {k: set() for k in ("gap", "overlap", "mono", "matched", "chosen")}
    for role in book.roles:
        for stage in book.stages:
            winners: dict[tuple, str | None] = {}
            for a in grid:
                for b in grid:
                    inputs = {"role": role, "stage": stage, "mle-bench": a, "terminal-bench-2": b}
                    matched = [
                        r.id
                        for r in table.rules
                        if all(t.matches(inputs.get(n)) for n, t in r.tests.items())
                    ]
                    found["matched"].update(matched)
                    if not matched:
                        found["gap"].add((role, stage))
                    if policy == "unique":
                        found["overlap"].update(
                            (x, y) for i, x in enumerate(matched) for y in matched[i + 1 :]
                        )
                        chosen = matched if len(matched) == 1 else []
                        found["chosen"].update(matched)
                    else:
                        rules, _ = run_table(book, table, inputs, role, stage, trace=False)
                        chosen = [r.id for r in rules]
                        found["chosen"].update(chosen)
                    winners[(a, b)] = chosen[0] if chosen else None
            level = {r.id: book.level_rank(r.spec.autonomy or "") for r in table.rules}
            for axis in (0, 1):
                for other in grid:
                    seq = [
                        w
                        for v in grid[1:]
                        if (w := winners[(v, other) if axis == 0 else (other, v)]) is not None
                    ]
                    found["mono"].update(
                        (p, q)
                        for p, q in zip(seq[:-1], seq[1:], strict=True)
                        if level[q] < level[p]
                    )
    return found


def _applies(path: Path, point: dict) -> list[str]:
    from advisor.load.rulebook import load_rulebook

    table = load_rulebook([FIXTURES / "common", path]).tables[0]
    return [r.id for r in table.rules if all(t.matches(point.get(n)) for n, t in r.tests.items())]


@pytest.mark.parametrize("seed", range(80))
def test_lint_agrees_with_brute_force(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    policy, text = _random_table(rng)
    path = tmp_path / "t.yaml"
    path.write_text(text)
    _, report = lint_json(str(FIXTURES / "common"), str(path))
    want = _oracle(path)
    all_rules = {f"r{i}" for i in range(text.count("- {id:"))}
    got_gaps = {
        (f["examples"][0]["role"], f["examples"][0]["stage"]) for f in by_code(report, "gap")
    }
    assert got_gaps == want["gap"], text
    assert {tuple(sorted(f["rules"])) for f in by_code(report, "overlap")} == {
        tuple(sorted(p)) for p in want["overlap"]
    }, text
    assert {f["rules"][0] for f in by_code(report, "unreachable")} == (
        all_rules - want["matched"]
    ), text
    assert {f["rules"][0] for f in by_code(report, "shadowed")} == (
        want["matched"] - want["chosen"]
    ), text
    assert {(f["rules"][1], f["rules"][0]) for f in by_code(report, "monotonicity")} == (
        want["mono"]
    ), text
    # Every example must show what the finding says.
    for f in by_code(report, "gap"):
        assert _applies(path, f["examples"][0]) == [], text
    for f in by_code(report, "overlap"):
        assert set(f["rules"]) <= set(_applies(path, f["examples"][0])), text
