"""advisor's performance benchmark: one command, ratios from one run.

    make bench                      # installs the 'bench' extra, then runs this
    .venv/bin/python benchmarks/run.py [--rounds N] [--quick] [--only startup,engine,...]
    .venv/bin/python benchmarks/run.py --before REF   # an older commit timed alongside

Measures, on this machine and in one run:

* start-up: the floor (``python -c pass`` and ``python -c "import click, yaml,
  jinja2"``), ``advisor --help`` against ``python -c "import click"``, and
  ``advisor guide --answers FILE -o OUT`` (Markdown) against the floor and
  against copier rendering an equivalent one-file template from the same
  answers. Median wall time and peak memory of interleaved child runs.
* engine: evaluations per second of advisor's decision tables against
  zen-engine (GoRules) on the same generated tables of 100 and 10,000 rules,
  hit policies unique and collect, after checking that both choose the same
  rules for every case.
* ``advisor rules lint`` on a 10,000-rule rulebook; ``advisor batch`` of a
  1,000-row roster.

Results are printed and written to ``benchmarks/results.md`` with the machine
they came from. Nothing here is a test: timings only mean something as ratios
within one run, on the same machine.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from gen_rulebook import write_rulebook  # noqa: E402
from measure import Command, Runner, Timing  # noqa: E402

BIN = Path(sys.executable).parent
COPIER = BIN / "copier"
SECTIONS = ("startup", "engine", "lint", "batch")

#: A target of issue 7 as checked by a section: (label, what was measured, met or None).
Target = tuple[str, str, bool | None]


@dataclass
class Report:
    """What the sections found: Markdown blocks and target checks."""

    blocks: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, title: str, text: str) -> None:
        self.blocks.append(f"## {title}\n\n{text.rstrip()}\n")
        print(f"\n== {title}\n{text.rstrip()}\n", flush=True)

    def target(self, label: str, value: str, met: bool | None) -> None:
        self.targets.append((label, value, met))
        mark = {True: "met", False: "MISSED", None: "not measured"}[met]
        print(f"   target: {label}: {value} -> {mark}", flush=True)


# --------------------------------------------------------------------------- environment


@dataclass
class Before:
    """An older commit of advisor, measured next to this one (``--before REF``)."""

    ref: str
    path: Path  # the commit's files, from git archive

    def env(self, base: dict[str, str]) -> dict[str, str]:
        return {**base, "PYTHONPATH": str(self.path)}

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "advisor", *args]


@dataclass
class Install:
    """advisor installed as a user installs it, with the interpreter of that install."""

    bin: Path

    @property
    def python(self) -> str:
        return str(self.bin / "python")

    @property
    def advisor(self) -> str:
        return str(self.bin / "advisor")


def user_install(tmp: Path) -> Install:
    """A fresh venv with ``pip install .`` of this checkout: what ``pipx install`` and
    ``uv tool install`` give a user (the runtime dependencies alone, bytecode compiled
    at install), rather than the development venv with its test and lint tools."""
    venv = tmp / "user-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--disable-pip-version-check", str(REPO)], check=True)
    return Install(venv / "bin")


#: The install every timed advisor command runs from (set by main).
TOOL = Install(BIN)


def export_ref(ref: str, tmp: Path) -> Before:
    """The files of commit ``ref`` in a temporary folder (the repository is only read)."""
    target = tmp / f"before-{ref.replace('/', '_')}"
    target.mkdir()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref], cwd=REPO, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return Before(ref, target)


def child_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The environment of timed commands: like a user's, with a private advisor cache.

    ``PYTHONDONTWRITEBYTECODE`` is dropped so that Python keeps its bytecode
    cache as it does on an ordinary install (pip compiles site-packages at
    install time; an editable checkout compiles on first import), and
    ``PYTHONUNBUFFERED`` so that standard streams are buffered as usual.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "ADVISOR_NO_CACHE", "NO_COLOR")
    }
    env["ADVISOR_CACHE_DIR"] = str(tmp / "advisor-cache")
    env.update(extra)
    return env


def machine() -> dict[str, str]:
    """The machine and software the numbers come from."""
    from importlib.metadata import PackageNotFoundError, version

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = []
    for dist in ("click", "PyYAML", "Jinja2", "msgspec", "rich", "copier", "zen-engine"):
        try:
            versions.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            versions.append(f"{dist} (not installed)")
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    from advisor import __version__

    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{cpu}, {os.cpu_count()} logical CPUs ({usable} usable)",
        "memory": mem,
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "advisor": f"{__version__} ({commit or 'no git'})",
        "libraries": ", ".join(versions),
        "load": "load average " + _load() + " at start",
    }


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def table(header: list[str], rows: list[list[str]]) -> str:
    align = ["---" if i == 0 else "---:" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def timing_rows(timings: dict[str, Timing], base: str | None = None) -> list[list[str]]:
    rows = []
    for t in timings.values():
        row = [
            f"`{t.name}`",
            ms(t.wall),
            ms(t.iqr) if len(t.walls) >= 4 else "–",
            f"{t.rss_mb:.1f} MB",
        ]
        if base:
            row.append(f"{t.wall / timings[base].wall:.2f}×")
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- start-up

ANSWERS = {
    "team": "Fraud ML",
    "roles": ["data-scientist", "ml-engineer", "tech-lead", "student"],
    "model": "gpt-5.5",
    "baseline": "gpt-5.4",
    "stages": ["data-processing", "model-selection", "training-tuning", "result-validation"],
}

COPIER_YML = """\
team: {type: str, default: ML team}
roles:
  type: yaml
  multiselect: true
  choices: [data-scientist, ml-engineer, tech-lead, student]
  default: [data-scientist, ml-engineer, tech-lead, student]
model: {type: str, default: gpt-5.5}
baseline: {type: str, default: gpt-5.4}
stages:
  type: yaml
  default: [data-processing, model-selection, training-tuning, result-validation]
"""

# The same job without the rulebook: a team guide page from the same answers.
COPIER_TEMPLATE = """\
# {{ team }}: adopting {{ model }}

*AI adoption guide by role, compared with {{ baseline }}.*

## Bottom line

{{ model }} against {{ baseline }}, for {{ roles | length }} roles.
{% for role in roles %}

## {{ role }}

| Stage | Autonomy | What to review |
|---|---|---|
{% for stage in stages %}| {{ stage }} | supervised | outputs before use |
{% endfor %}{% endfor %}
"""


#: Reference rows: what a guide cannot do without, and every library advisor loads.
LIBRARIES = "click, yaml, jinja2, msgspec, platformdirs"
BARE = "python -c 'import click, jinja2'"
LOADED = f"python -c 'import {LIBRARIES}'"


def startup(
    report: Report, runner: Runner, tmp: Path, rounds: int, before: Before | None = None
) -> None:
    py = TOOL.python
    answers = tmp / "answers.yaml"
    import yaml

    answers.write_text(yaml.safe_dump(ANSWERS, sort_keys=False), encoding="utf-8")
    out = tmp / "TEAM_GUIDE.md"
    tpl = tmp / "copier-template"
    tpl.mkdir(exist_ok=True)
    (tpl / "copier.yml").write_text(COPIER_YML, encoding="utf-8")
    (tpl / "TEAM_GUIDE.md.jinja").write_text(COPIER_TEMPLATE, encoding="utf-8")
    dest = tmp / "copier-out"

    def remove_out() -> None:
        out.unlink(missing_ok=True)

    # The same answers with a new comment each run: the answers cache misses (a new
    # file is read with PyYAML), the rulebook cache stays warm.
    new_answers = tmp / "answers-new.yaml"
    editions = iter(range(1_000_000))

    def new_edition() -> None:
        remove_out()
        text = yaml.safe_dump(ANSWERS, sort_keys=False)
        new_answers.write_text(f"# edition {next(editions)}\n{text}", encoding="utf-8")

    def remove_dest() -> None:
        shutil.rmtree(dest, ignore_errors=True)

    warm, cold = child_env(tmp), child_env(tmp, ADVISOR_NO_CACHE="1")
    first = child_env(tmp, ADVISOR_CACHE_DIR=str(tmp / "first-run-cache"))

    def first_run() -> None:
        remove_out()
        shutil.rmtree(first["ADVISOR_CACHE_DIR"], ignore_errors=True)

    guide = [TOOL.advisor, "guide", "--answers", str(answers), "-o", str(out)]
    commands = [
        Command("python -c pass", [py, "-c", "pass"], env=warm),
        Command(
            "python -c 'import click, yaml, jinja2'",
            [py, "-c", "import click, yaml, jinja2"],
            env=warm,
        ),
        Command("python -c 'import click'", [py, "-c", "import click"], env=warm),
        # What the targets leave room for: a guide cannot do without click and Jinja2,
        # and advisor also loads msgspec and platformdirs.
        Command(BARE, [py, "-c", "import click, jinja2"], env=warm),
        Command(LOADED, [py, "-c", f"import {LIBRARIES}"], env=warm),
        Command("advisor --help", [TOOL.advisor, "--help"], env=warm),
        Command("advisor guide --answers", guide, cwd=str(tmp), env=warm, setup=remove_out),
        Command(
            "advisor guide --answers (new answers file)",
            [TOOL.advisor, "guide", "--answers", str(new_answers), "-o", str(out)],
            cwd=str(tmp),
            env=warm,
            setup=new_edition,
        ),
        Command(
            "advisor guide --answers (first run)", guide, cwd=str(tmp), env=first, setup=first_run
        ),
        Command(
            "advisor guide --answers (no cache)", guide, cwd=str(tmp), env=cold, setup=remove_out
        ),
    ]
    if before is not None:
        args = ["guide", "--answers", str(answers), "-o", str(out)]
        commands += [
            Command(
                "python -m advisor guide --answers",
                [sys.executable, "-m", "advisor", *args],
                cwd=str(tmp),
                env=warm,
                setup=remove_out,
            ),
            Command(
                f"python -m advisor guide --answers @{before.ref}",
                before.argv(*args),
                cwd=str(tmp),
                env=before.env(warm),
                setup=remove_out,
            ),
        ]
    has_copier = COPIER.exists()
    if has_copier:
        data = [
            a
            for k, v in ANSWERS.items()
            for a in ("--data", f"{k}={json.dumps(v) if isinstance(v, list) else v}")
        ]
        commands.append(
            Command(
                "copier copy --defaults --data",
                [str(COPIER), "copy", "--defaults", "--quiet", *data, str(tpl), str(dest)],
                cwd=str(tmp),
                env=warm,
                setup=remove_dest,
            )
        )
    t = runner.interleaved(commands, rounds=rounds, warmup=2)
    floor = t["python -c 'import click, yaml, jinja2'"]
    rows = timing_rows(t, base="python -c 'import click, yaml, jinja2'")
    text = table(["command", "median wall", "IQR", "peak RSS", "× floor"], rows)
    g = t["advisor guide --answers"]
    fresh = t["advisor guide --answers (new answers file)"]
    text += (
        f"\n\n{rounds} interleaved rounds (after 2 warm-up rounds), medians. `advisor` and "
        "`python` are those of a fresh venv where `pip install .` installed this checkout "
        "with its runtime dependencies alone, as `pipx install` or `uv tool install` do. "
        "*floor* = `python -c 'import click, yaml, jinja2'`, the libraries a guide is "
        "written with. `advisor guide --answers` runs with a warm cache (the warm-up fills "
        "it): the rulebook and the answers file were read before, so their parsed data comes "
        "from the cache. *(first run)* empties the "
        "cache folder before each run, as on a fresh machine. *(new answers file)* changes a "
        "comment in the answers file before each run, so that file is parsed again "
        f"({fresh.wall / floor.wall:.2f}× the floor"
        + (
            f", {t['copier copy --defaults --data'].wall / fresh.wall:.1f}× faster than copier"
            if "copier copy --defaults --data" in t
            else ""
        )
        + "); *(no cache)* sets `ADVISOR_NO_CACHE=1`."
    )
    if before is not None:
        text += (
            f" Rows marked `@{before.ref}` run that commit's code, started with `python -m "
            "advisor` in the development venv (as is the `python -m advisor` row of this "
            "commit, for a like-for-like comparison)."
        )
    if not runner.exact_memory:
        text += " Peak memory is an upper bound (no GNU time on this machine)."
    if has_copier:
        ratio = {k: v.wall / floor.wall for k, v in t.items()}
        text += (
            "\n\nThe room the targets leave: 5× faster than copier is at most "
            f"{ratio['copier copy --defaults --data'] / 5:.2f}× the floor here, while "
            f"importing click and Jinja2 alone takes {ratio[BARE]:.2f}× the floor and the "
            f"libraries advisor loads {ratio[LOADED]:.2f}×."
        )
    report.add("Start-up", text)

    click_t = t["python -c 'import click'"]
    help_ratio = t["advisor --help"].wall / click_t.wall
    report.target(
        '`advisor --help` ≤ 1.5× `python -c "import click"`',
        f"{help_ratio:.2f}×",
        help_ratio <= 1.5,
    )
    guide_ratio = g.wall / floor.wall
    report.target(
        "`advisor guide --answers` ≤ 1.25× the floor", f"{guide_ratio:.2f}×", guide_ratio <= 1.25
    )
    first_ratio = t["advisor guide --answers (first run)"].wall / floor.wall
    report.target(
        "`advisor guide --answers`, first run with an empty cache, ≤ 1.5× the floor",
        f"{first_ratio:.2f}×",
        first_ratio <= 1.5,
    )
    if has_copier:
        speedup = t["copier copy --defaults --data"].wall / g.wall
        report.target(
            "`advisor guide --answers` ≥ 5× faster than copier", f"{speedup:.1f}×", speedup >= 5
        )
    else:
        report.target(
            "`advisor guide --answers` ≥ 5× faster than copier", "copier not installed", None
        )
    report.target(
        "`advisor guide --answers` peak memory ≤ 35 MB",
        f"{g.rss_mb:.1f} MB",
        g.rss_mb <= 35 if runner.exact_memory else None,
    )


# --------------------------------------------------------------------------- code size


def package_lines(root: Path) -> tuple[int, int]:
    """Lines and modules of the Python files of the ``advisor`` package under ``root``."""
    files = sorted((root / "advisor").rglob("*.py"))
    return sum(len(f.read_text(encoding="utf-8").splitlines()) for f in files), len(files)


def code_size(report: Report, before: Before | None) -> None:
    rows = [["this commit", *(f"{n:,}" for n in package_lines(REPO))]]
    if before is not None:
        rows.append([f"@{before.ref}", *(f"{n:,}" for n in package_lines(before.path))])
    report.add(
        "Code size",
        table(["code", "lines in advisor/", "modules"], rows)
        + "\n\nAll lines of the package's `.py` files, comments and docstrings included.",
    )


# --------------------------------------------------------------------------- engine


def engine(report: Report, tmp: Path, rounds: int, quick: bool) -> None:
    try:
        import zen
    except ImportError:
        report.add("Engine", "zen-engine is not installed: `pip install -e '.[bench]'`.")
        for n in ("100", "10,000"):
            report.target(f"engine ≥ 10× zen-engine at {n} rules", "zen not installed", None)
        return
    from engine_bench import check_same, jdm, make_cases, throughput

    from advisor.load.rulebook import load_rulebook

    rows = []
    worst: dict[int, float] = {}
    shapes = [
        (100, "unique", 25),
        (100, "collect", 25),
        (10_000, "unique", 25),
        (10_000, "collect", 25),
        (10_000, "unique", 2500),
    ]
    for n, policy, bands in shapes:
        book = load_rulebook(
            write_rulebook(tmp / f"engine-{n}-{policy}-{bands}.yaml", n, bands, policy)
        )
        [table_] = [t for t in book.tables if t.scope == "stage"]
        assert len(table_.rules) == n
        decision = zen.ZenEngine().create_decision(json.dumps(jdm(table_)))
        cases = make_cases(book, table_, 400 if quick else 2000)
        zen_cases = cases[: (60 if n > 1000 else 300) // (2 if quick else 1)]
        matches = check_same(book, table_, decision, zen_cases)
        tp = throughput(book, table_, decision, cases, zen_cases, rounds)
        ratio = tp["advisor"].rate / tp["zen-engine"].rate
        worst[n] = min(worst.get(n, ratio), ratio)
        rows.append(
            [
                f"{n:,}",
                f"{bands:,}",
                policy,
                f"{tp['advisor'].rate:,.0f}",
                f"{tp['advisor (trace)'].rate:,.0f}",
                f"{tp['zen-engine'].rate:,.0f}",
                f"{ratio:,.0f}×",
                f"{matches / len(zen_cases):.2f}",
            ]
        )
    text = table(
        [
            "rules",
            "bands per group",
            "hit policy",
            "advisor evals/s",
            "advisor with trace",
            "zen-engine evals/s",
            "advisor ÷ zen",
            "matches per case",
        ],
        rows,
    )
    text += (
        f"\n\nOne evaluation = one decision table for one role, stage and set of scores "
        "(`advisor.evaluation.tables.run_table`, in process; zen: `ZenDecision.evaluate` of the "
        "same table as a JDM graph through its Python API). Tables from "
        "`benchmarks/gen_rulebook.py`: each role × stage group is a ladder of MLE-Bench "
        "bands (25 by default, so 10,000 rules have 100 roles; the last row puts 2,500 "
        "bands in each of 4 groups, where only the interval search avoids scanning "
        "thousands of rows); the collect tables are the same tables under `collect`. "
        "Both engines give the "
        "same rules for every case before timing. Medians of "
        f"{rounds} interleaved rounds; *with trace* keeps the explanation trace "
        "(near misses), which `advisor explain` uses."
    )
    report.add("Engine throughput", text)
    for n, ratio in worst.items():
        report.target(
            f"engine ≥ 10× zen-engine at {n:,} rules", f"{ratio:,.0f}× (lowest row)", ratio >= 10
        )


# --------------------------------------------------------------------------- lint and batch


def lint(
    report: Report, runner: Runner, tmp: Path, rounds: int, before: Before | None = None
) -> None:
    path = write_rulebook(tmp / "lint-10000.yaml", 10_000)
    warm, cold = child_env(tmp), child_env(tmp, ADVISOR_NO_CACHE="1")
    first = child_env(tmp, ADVISOR_CACHE_DIR=str(tmp / "lint-first-cache"))

    def empty_cache() -> None:
        shutil.rmtree(first["ADVISOR_CACHE_DIR"], ignore_errors=True)

    commands = [
        Command(
            "advisor rules lint (10,000 rules)",
            [TOOL.advisor, "rules", "lint", str(path)],
            cwd=str(tmp),
            env=warm,
        ),
        Command(
            "advisor rules lint (10,000 rules, first run)",
            [TOOL.advisor, "rules", "lint", str(path)],
            cwd=str(tmp),
            env=first,
            setup=empty_cache,
        ),
        Command(
            "advisor rules lint (10,000 rules, no cache)",
            [TOOL.advisor, "rules", "lint", str(path)],
            cwd=str(tmp),
            env=cold,
        ),
        Command(
            "advisor rules validate (10,000 rules, no cache)",
            [TOOL.advisor, "rules", "validate", str(path)],
            cwd=str(tmp),
            env=cold,
        ),
    ]
    if before is not None and (before.path / "advisor" / "lint.py").exists():
        commands.append(
            Command(
                f"advisor rules lint (10,000 rules) @{before.ref}",
                before.argv("rules", "lint", str(path)),
                cwd=str(tmp),
                env=before.env(warm),
            )
        )
    t = runner.interleaved(commands, rounds=rounds, warmup=1)
    text = table(["command", "median wall", "IQR", "peak RSS"], timing_rows(t))
    text += (
        "\n\nThe rulebook comes from `benchmarks/gen_rulebook.py 10000`. Cached: loading "
        "is a cache hit, so the time is mostly the lint itself. *First run*: an empty "
        "cache, so the rulebook is read, validated and then written to the cache (what a "
        "CI job on a fresh machine pays). *No cache*: `ADVISOR_NO_CACHE=1`; `rules "
        f"validate` alone shows the reading and validating part. {rounds} interleaved "
        "rounds."
    )
    report.add("Lint", text)
    warm_s = t["advisor rules lint (10,000 rules)"].wall
    first_s = t["advisor rules lint (10,000 rules, first run)"].wall
    cold_s = t["advisor rules lint (10,000 rules, no cache)"].wall
    report.target(
        "lint of 10,000 rules < 2 s",
        f"{warm_s:.2f} s cached, {first_s:.2f} s first run, {cold_s:.2f} s no cache",
        max(warm_s, first_s, cold_s) < 2,
    )


def roster(path: Path, rows: int, seed: int = 5) -> Path:
    """A CSV roster of ``rows`` teams over the built-in rulebook's roles, stages and models."""
    rng = random.Random(seed)
    roles = ["data-scientist", "ml-engineer", "tech-lead", "student"]
    stages = ["data-processing", "model-selection", "training-tuning", "result-validation"]
    models = [("gpt-5.5", "gpt-5.4"), ("gpt-5.4", "none"), ("gpt-5.5", "none")]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["team", "model", "baseline", "roles", "stages"])
        for i in range(rows):
            model, base = rng.choice(models)
            w.writerow(
                [
                    f"Team {i:04d}",
                    model,
                    base,
                    ";".join(sorted(rng.sample(roles, rng.randint(1, 4)), key=roles.index)),
                    ";".join(sorted(rng.sample(stages, rng.randint(1, 4)), key=stages.index)),
                ]
            )
    return path


def batch(
    report: Report, runner: Runner, tmp: Path, rounds: int, before: Before | None = None
) -> None:
    path = roster(tmp / "roster.csv", 1000)
    out = tmp / "batch-out"
    out.mkdir(exist_ok=True)

    def clear() -> None:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()

    argv = [TOOL.advisor, "batch", str(path), "--out-dir", str(out), "--date", "2026-01-01"]
    commands = [
        Command("advisor batch (1,000 rows)", argv, cwd=str(tmp), env=child_env(tmp), setup=clear),
        Command(
            "advisor batch (1,000 rows, no cache)",
            argv,
            cwd=str(tmp),
            env=child_env(tmp, ADVISOR_NO_CACHE="1"),
            setup=clear,
        ),
    ]
    if before is not None and (before.path / "advisor" / "batch.py").exists():
        commands.append(
            Command(
                f"advisor batch (1,000 rows) @{before.ref}",
                before.argv(*argv[1:]),
                cwd=str(tmp),
                env=before.env(child_env(tmp)),
                setup=clear,
            )
        )
    t = runner.interleaved(commands, rounds=rounds, warmup=1)
    written = len(list(out.glob("*.md")))
    text = table(["command", "median wall", "IQR", "peak RSS"], timing_rows(t))
    text += (
        f"\n\nA CSV roster of 1,000 teams (random roles, stages and models of the built-in "
        f"rulebook), one Markdown guide each ({written} files written). {rounds} "
        "interleaved rounds."
    )
    report.add("Batch", text)
    s = t["advisor batch (1,000 rows)"].wall
    report.target("batch of 1,000 roster rows < 3 s", f"{s:.2f} s", s < 3)


# --------------------------------------------------------------------------- results


def write_results(path: Path, info: dict[str, str], report: Report, argv: list[str]) -> None:
    marks = {True: "met", False: "**missed**", None: "not measured"}
    targets = table(
        ["target", "measured", ""],
        [[label, value, marks[met]] for label, value, met in report.targets],
    )
    lines = [
        "# Benchmark results",
        "",
        "Written by `benchmarks/run.py` (`make bench`); do not edit by hand. Ratios come from "
        "one run on one machine; absolute times depend on the machine and how busy it is.",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in info.items()],
        f"- command: `python benchmarks/run.py {' '.join(argv)}`".rstrip(),
        "",
        "## Targets",
        "",
        targets,
        "",
        *report.blocks,
    ]
    if report.notes:
        lines += ["## Notes", "", *[f"- {n}" for n in report.notes], ""]
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21, help="rounds of start-up runs")
    parser.add_argument("--quick", action="store_true", help="fewer rounds and cases (a smoke run)")
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections of {', '.join(SECTIONS)}",
    )
    parser.add_argument(
        "-o", "--output", default=str(HERE / "results.md"), help="results file ('-' to write none)"
    )
    parser.add_argument(
        "--before",
        metavar="REF",
        help="also time the commands of this older commit (git ref), run with python -m advisor",
    )
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in only if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {unknown[0]!r}; choose from {', '.join(SECTIONS)}")
    rounds = 5 if args.quick else args.rounds
    slow_rounds = 3 if args.quick else 7

    info = machine()
    print("\n".join(f"{k}: {v}" for k, v in info.items()), flush=True)
    report = Report()
    runner = Runner()
    tmp = Path(tempfile.mkdtemp(prefix="advisor-bench-"))
    # The in-process engine section loads rulebooks too; keep its cache private as well.
    os.environ["ADVISOR_CACHE_DIR"] = str(tmp / "advisor-cache-engine")
    start = time.perf_counter()
    global TOOL
    TOOL = user_install(tmp)
    info["install"] = "pip install . into a fresh venv (as pipx or uv tool installs it)"
    before = export_ref(args.before, tmp) if args.before else None
    sections: dict[str, Callable[[], None]] = {
        "startup": lambda: startup(report, runner, tmp, rounds, before),
        "engine": lambda: engine(report, tmp, slow_rounds, args.quick),
        "lint": lambda: lint(report, runner, tmp, 3 if args.quick else 5, before),
        "batch": lambda: batch(report, runner, tmp, 3 if args.quick else 5, before),
    }
    try:
        code_size(report, before)
        for name in only:
            sections[name]()
    finally:
        runner.close()
        shutil.rmtree(tmp, ignore_errors=True)
    info["load"] += ", " + _load() + " at the end"
    info["duration"] = f"{time.perf_counter() - start:.0f} s"
    if args.output != "-":
        write_results(
            Path(args.output), info, report, list(argv if argv is not None else sys.argv[1:])
        )
        print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
