"""Generate a large, valid rulebook for lint and engine benchmarks.

The rulebook extends nothing. Its one stage-advice table gives every role ×
stage group a ladder of MLE-Bench bands that covers 0..100 and a missing
score, with autonomy that never falls as the score rises, so a correct
linter finds no errors in it and has to do the full amount of work.

Usage::

    python benchmarks/gen_rulebook.py 10000 -o /tmp/big.yaml
    advisor rules lint /tmp/big.yaml
    ADVISOR_NO_CACHE=1 python benchmarks/gen_rulebook.py 10000 -o /tmp/big.yaml --time
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

LEVELS = ["manual", "assist", "draft", "supervised", "autonomous"]
STAGES_PER_ROLE = 4


def _band(lo: float, hi: float, last: bool) -> str:
    return f"[{lo:g}..{hi:g}]" if last else f"[{lo:g}..{hi:g})"


def _stage_groups(n_groups: int, stages: list[str]) -> list[list[str]]:
    # The last role may have fewer groups than stages; its groups then take
    # several stages each, so that every role × stage pair keeps a rule.
    n = len(stages)
    return [stages[i * n // n_groups : (i + 1) * n // n_groups] for i in range(n_groups)]


def generate(n_rules: int, bands: int = 25, hit_policy: str = "unique") -> str:
    """The text of an ``n_rules``-rule rulebook, as one YAML file.

    Args:
        n_rules: Number of rules in the stage-advice table (at least 1).
        bands: Rules per role × stage group (the last group may have fewer).
        hit_policy: The table's hit policy (the bands never overlap, so ``collect``
            chooses the same rules as ``unique``).
    """
    if n_rules < 1 or bands < 1:
        raise ValueError("n_rules and bands must be at least 1")
    stages = [f"stage-{i}" for i in range(STAGES_PER_ROLE)]
    n_groups = math.ceil(n_rules / bands)
    n_roles = math.ceil(n_groups / STAGES_PER_ROLE)
    prov = "date: '2026', source: generated, verified: true"
    out = [
        "rulebook: {id: generated, name: Generated benchmark rulebook, version: '1'}",
        "autonomy:",
        *[
            f"  - {{id: {lv}, name: {lv.title()}, ai: AI at {lv}., human: People at {lv}.}}"
            for lv in LEVELS
        ],
        "roles:",
        *[f"  - {{id: role-{r}, name: Role {r}}}" for r in range(n_roles)],
        "stages:",
        *[f"  - {{id: {s}, name: Stage {s}}}" for s in stages],
        "benchmarks:",
        "  - {id: mle-bench, name: MLE-Bench, measures: ML engineering}",
        "  - {id: terminal-bench-2, name: Terminal-Bench 2.0, measures: Command-line tasks}",
        "sources:",
        "  - {id: generated, title: Generated for benchmarks}",
        "models:",
        "  - id: model-a",
        "    name: Model A",
        "    baseline: model-b",
        "    scores:",
        f"      - {{benchmark: mle-bench, score: 42.5, {prov}}}",
        f"      - {{benchmark: terminal-bench-2, score: 70, {prov}}}",
        "  - id: model-b",
        "    name: Model B",
        "    scores:",
        f"      - {{benchmark: mle-bench, score: 20, {prov}}}",
        "tables:",
        "  - id: stage-advice",
        "    purpose: stage-advice",
        f"    hit_policy: {hit_policy}",
        "    inputs: [role, stage, mle-bench, terminal-bench-2]",
        "    rules:",
    ]
    left = n_rules
    group = 0
    for r in range(n_roles):
        role_groups = min(STAGES_PER_ROLE, n_groups - r * STAGES_PER_ROLE)
        for stage_list in _stage_groups(role_groups, stages):
            count = min(bands, left)
            left -= count
            stage_cell = stage_list[0] if len(stage_list) == 1 else f"[{', '.join(stage_list)}]"
            width = 100 / count
            for k in range(count):
                lo, hi = round(k * width, 4), (100 if k == count - 1 else round((k + 1) * width, 4))
                cell = _band(lo, hi, k == count - 1)
                if k == 0:
                    cell += ", missing"
                level = LEVELS[min(len(LEVELS) - 1, k * len(LEVELS) // count)]
                out.append(
                    f"      - {{id: g{group}-b{k}, when: {{role: role-{r}, stage: {stage_cell}, "
                    f"mle-bench: '{cell}'}}, autonomy: {level}, text: Band {k} of group {group}., "
                    "sources: [generated]}"
                )
            group += 1
    return "\n".join(out) + "\n"


def write_rulebook(
    path: str | Path, n_rules: int, bands: int = 25, hit_policy: str = "unique"
) -> Path:
    """Write an ``n_rules``-rule rulebook to ``path`` and return the path."""
    target = Path(path)
    target.write_text(generate(n_rules, bands, hit_policy), encoding="utf-8")
    return target


def time_lint(path: str | Path) -> tuple[float, float, int]:
    """Load and lint a rulebook in this process.

    Returns:
        Seconds to load, seconds to lint, and the number of lint errors.
    """
    import time

    from advisor.load.rulebook import load_rulebook
    from advisor.verify.lint import lint

    start = time.perf_counter()
    book = load_rulebook(path)
    loaded = time.perf_counter()
    report = lint(book)
    done = time.perf_counter()
    return loaded - start, done - loaded, report.errors


def main(argv: list[str] | None = None) -> None:
    """Command line: ``gen_rulebook.py N -o FILE [--bands K] [--time]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rules", type=int, help="number of rules")
    parser.add_argument("-o", "--output", required=True, help="YAML file to write")
    parser.add_argument("--bands", type=int, default=25, help="rules per role × stage group")
    parser.add_argument(
        "--time",
        action="store_true",
        help="then load and lint it here and print how long each took "
        "(set ADVISOR_NO_CACHE=1 for a cold load)",
    )
    args = parser.parse_args(argv)
    path = write_rulebook(args.output, args.rules, args.bands)
    print(f"wrote {path} ({args.rules} rules)")
    if args.time:
        load_s, lint_s, errors = time_lint(path)
        print(
            f"load {load_s:.2f} s, lint {lint_s:.2f} s, total {load_s + lint_s:.2f} s, "
            f"{errors} lint errors"
        )


if __name__ == "__main__":
    main()
