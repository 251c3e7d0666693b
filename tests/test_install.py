"""Installing advisor as a user would: a wheel, the editable checkout, the entry points."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner

import advisor
from advisor.cli.app import cli

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("jinja2", "rich", "questionary", "pydantic")
#: The distribution's name on the package index; the import package and command are "advisor".
DIST = "ai-adoption-advisor"
#: How wheel and dist-info file names spell it.
DIST_FILE = "ai_adoption_advisor"
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]


def python(
    *args: str, cwd: Path, pythonpath: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run this interpreter in ``cwd``, optionally with only ``pythonpath`` on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NO_COLOR")}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


WHERE = (
    "import json, advisor, advisor.load.resources as r; "
    "print(json.dumps({'file': advisor.__file__, 'rules': str(r.builtin_rules()), "
    "'templates': str(r.builtin_templates())}))"
)


# --------------------------------------------------------------------------- wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from the checkout, offline."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            *PIP,
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            str(REPO),
            "-w",
            str(out),
        ],
        check=True,
        cwd=out,
        capture_output=True,
        text=True,
        timeout=300,
    )
    [built] = out.glob(f"{DIST_FILE}-*.whl")
    return built


@pytest.fixture
def site(wheel: Path, tmp_path: Path) -> Path:
    """The wheel installed into a fresh target folder."""
    target = tmp_path / "site"
    subprocess.run(
        [*PIP, "install", "--no-deps", "--no-index", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return target


@pytest.mark.slow
def test_wheel_ships_the_rulebook_and_templates_inside_the_package(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    version = advisor.__version__
    info = f"{DIST_FILE}-{version}.dist-info"
    assert all(n.startswith(("advisor/", f"{info}/")) for n in names), names
    for f in sorted((REPO / "rules").iterdir()):
        assert f"advisor/_data/rules/{f.name}" in names
        assert zipfile.ZipFile(wheel).read(f"advisor/_data/rules/{f.name}") == f.read_bytes()
    assert "advisor/_data/templates/guide.md.j2" in names
    assert "advisor/__main__.py" in names
    entry_points = zipfile.ZipFile(wheel).read(f"{info}/entry_points.txt")
    assert "advisor = advisor.__main__:program" in entry_points.decode()


@pytest.mark.slow
def test_installed_wheel_uses_its_packaged_rules_from_another_folder(
    site: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = python("-c", WHERE, cwd=elsewhere, pythonpath=site)
    assert where.returncode == 0, where.stderr
    found = json.loads(where.stdout)
    assert Path(found["file"]) == site / "advisor" / "__init__.py"
    assert Path(found["rules"]) == site / "advisor" / "_data" / "rules"
    assert Path(found["templates"]) == site / "advisor" / "_data" / "templates"

    validate = python("-m", "advisor", "rules", "validate", cwd=elsewhere, pythonpath=site)
    assert validate.returncode == 0, validate.stderr
    assert validate.stdout.startswith("ok: builtin (6 files, 4 tables, ")
    assert validate.stderr == ""

    explain = python(
        "-m",
        "advisor",
        "explain",
        "--role",
        "mle",
        "--model",
        "gpt-5.5",
        "--stage",
        "model-selection",
        "--json",
        cwd=elsewhere,
        pythonpath=site,
    )
    assert explain.returncode == 0, explain.stderr
    [stage] = [t for t in json.loads(explain.stdout)["tables"] if t["table"] == "stage-advice"]
    packaged = site / "advisor" / "_data" / "rules" / "advice.yaml"
    assert stage["chosen"][0]["location"].startswith(f"{packaged}:")


@pytest.mark.slow
def test_installed_wheel_really_reads_the_packaged_copy(site: Path, tmp_path: Path) -> None:
    # Break the installed copy only: the error must point into the install.
    models = site / "advisor" / "_data" / "rules" / "models.yaml"
    text = models.read_text(encoding="utf-8")
    assert text.count("        score: 36\n") == 1
    models.write_text(text.replace("        score: 36\n", "        score: 136\n"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = python("-m", "advisor", "rules", "validate", cwd=elsewhere, pythonpath=site)
    assert result.returncode == 1
    assert result.stdout == ""
    line = text[: text.index("        score: 36\n")].count("\n") + 1
    assert result.stderr == (
        f"advisor: error: {models}:{line}:16: models.0.scores.0.score: "
        "expected a number <= 100, got 136\n"
    )
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_installed_console_script_reports_its_version(site: Path, tmp_path: Path) -> None:
    script = site / "bin" / "advisor"
    assert script.is_file()
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, str(script), "--version"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (0, f"advisor, version {advisor.__version__}\n")


# --------------------------------------------------------------------------- sdist

#: What a clone holds that a build must not see: tool state and build output.
NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "__pycache__",
    "*.pyc",
    ".*_cache",
    ".hypothesis",
    "build",
    "dist",
    "*.egg-info",
    "TEAM_GUIDE.md",
    "bench-results",
)

BUILD = "import sys, hatchling.build as b; print(getattr(b, 'build_' + sys.argv[1])(sys.argv[2]))"


def build(kind: str, project: Path, out: Path) -> Path:
    """Build an sdist or a wheel of ``project`` into ``out`` through hatchling's PEP 517 hooks,
    as pip and build do, offline; the file built."""
    result = python("-c", BUILD, kind, str(out), cwd=project)
    assert result.returncode == 0, result.stderr
    return out / result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An sdist built from a copy of the checkout with an untracked file planted where an
    unanchored include would take it, and a wheel built from that sdist (as pip installs one)."""
    root = tmp_path_factory.mktemp("clone")
    copy = root / "advisor-src"
    shutil.copytree(REPO, copy, ignore=NOT_IN_A_CLONE)
    planted = copy / "x" / "advisor" / "secret.txt"
    planted.parent.mkdir(parents=True)
    planted.write_text("not for the package index\n")
    out = root / "dist"
    sdist = build("sdist", copy, out)
    with tarfile.open(sdist) as tar:
        tar.extractall(root / "unpacked", filter="data")
    [unpacked] = (root / "unpacked").iterdir()
    return sdist, build("wheel", unpacked, out)


@pytest.mark.slow
def test_sdist_holds_the_project_and_nothing_untracked(builds: tuple[Path, Path]) -> None:
    sdist, _ = builds
    version = advisor.__version__
    assert sdist.name == f"{DIST_FILE}-{version}.tar.gz"
    with tarfile.open(sdist) as tar:
        top = f"{DIST_FILE}-{version}/"
        names = {n.removeprefix(top) for n in tar.getnames()}
    assert not [n for n in names if "secret" in n], sorted(names)
    assert not [n for n in names if n.startswith("x/")]
    for name in (
        "LICENSE",
        "CHANGELOG.md",
        "README.md",
        "pyproject.toml",
        "hatch_build.py",
        "PKG-INFO",
        "advisor/py.typed",
        "advisor/__main__.py",
        "rules/advice.yaml",
        "templates/guide.md.j2",
        "tests/test_install.py",
        # The tests run the documentation's examples, so the sdist holds them too.
        "docs/index.md",
        "examples/answers.yaml",
        "mkdocs.yml",
        "benchmarks/gen_rulebook.py",
    ):
        assert name in names, name
    tops = {n.split("/")[0] for n in names}
    assert tops <= {
        "advisor",
        "rules",
        "templates",
        "tests",
        "benchmarks",
        "docs",
        "examples",
        "mkdocs.yml",
        "README.md",
        "LICENSE",
        "CHANGELOG.md",
        "pyproject.toml",
        "hatch_build.py",
        "Makefile",
        ".pre-commit-hooks.yaml",
        ".gitignore",  # hatchling adds it, so that a build from the sdist ignores the same files
        "PKG-INFO",
    }, sorted(tops)


@pytest.mark.slow
def test_wheel_from_the_sdist_has_the_name_licence_and_command(builds: tuple[Path, Path]) -> None:
    _, wheel = builds
    version = advisor.__version__
    info = f"{DIST_FILE}-{version}.dist-info"
    assert wheel.name == f"{DIST_FILE}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        meta = whl.read(f"{info}/METADATA").decode()
        entry_points = whl.read(f"{info}/entry_points.txt").decode()
        licence = whl.read(f"{info}/licenses/LICENSE").decode()
    assert not [n for n in names if "secret" in n]
    assert (REPO / "LICENSE").read_text(encoding="utf-8") == licence
    assert "advisor/py.typed" in names
    for f in sorted((REPO / "rules").iterdir()):
        assert f"advisor/_data/rules/{f.name}" in names
    for f in sorted((REPO / "templates").iterdir()):
        assert f"advisor/_data/templates/{f.name}" in names
    headers = meta.split("\n\n", 1)[0].splitlines()
    assert f"Name: {DIST}" in headers
    assert f"Version: {version}" in headers
    assert "License-Expression: MIT" in headers
    assert "License-File: LICENSE" in headers
    assert f"Project-URL: Homepage, https://pypi.org/project/{DIST}/" in headers
    assert "[console_scripts]\nadvisor = advisor.__main__:program" in entry_points


def make_dry_run(target: str, tmp_path: Path) -> list[str]:
    """The pip commands ``make TARGET`` would run in a fresh clone (no .venv yet)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(REPO / name, tmp_path / name)
    result = subprocess.run(
        ["make", "-n", target], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    return [line for line in result.stdout.splitlines() if " pip install" in line]


def test_make_guide_installs_the_package_without_the_test_tools(tmp_path: Path) -> None:
    assert make_dry_run("guide", tmp_path) == [
        ".venv/bin/python -m pip install --quiet --upgrade pip",
        ".venv/bin/python -m pip install --quiet -e .",
    ]


def test_make_test_installs_the_test_tools(tmp_path: Path) -> None:
    assert (
        make_dry_run("test", tmp_path)[-1] == ".venv/bin/python -m pip install --quiet -e '.[test]'"
    )


# --------------------------------------------------------------------------- editable


@pytest.mark.slow
def test_editable_install_reads_the_top_level_rules(tmp_path: Path) -> None:
    try:
        direct = metadata.distribution(DIST).read_text("direct_url.json") or "{}"
    except metadata.PackageNotFoundError:
        pytest.skip("advisor is not installed in this environment")
    if not json.loads(direct).get("dir_info", {}).get("editable"):
        pytest.skip("advisor is not installed in editable mode here")
    where = python("-c", WHERE, cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    found = json.loads(where.stdout)
    assert Path(found["file"]) == REPO / "advisor" / "__init__.py"
    assert Path(found["rules"]) == REPO / "rules"
    assert Path(found["templates"]) == REPO / "templates"
    assert not (REPO / "advisor" / "_data").exists()
    explain = python(
        "-m",
        "advisor",
        "explain",
        "--role",
        "lead",
        "--model",
        "gpt-5.4",
        "--stage",
        "data-processing",
        "--json",
        cwd=tmp_path,
    )
    [stage] = [t for t in json.loads(explain.stdout)["tables"] if t["table"] == "stage-advice"]
    assert stage["chosen"][0]["location"].startswith(f"{REPO / 'rules' / 'advice.yaml'}:")


# --------------------------------------------------------------------------- entry points


def test_version_option() -> None:
    result = CliRunner().invoke(cli, ["--version"], prog_name="advisor")
    assert (result.exit_code, result.stdout) == (0, f"advisor, version {advisor.__version__}\n")
    assert advisor.__version__ == metadata.version(DIST)


def test_python_m_advisor(tmp_path: Path) -> None:
    result = python("-m", "advisor", "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: advisor [OPTIONS] COMMAND [ARGS]...\n")
    assert "\nEvidence:\n" in result.stdout
    version = python("-m", "advisor", "--version", cwd=tmp_path)
    assert version.stdout == f"advisor, version {advisor.__version__}\n"


def test_python_m_advisor_bad_usage_exits_2(tmp_path: Path) -> None:
    result = python("-m", "advisor", "no-such-command", cwd=tmp_path)
    assert result.returncode == 2
    assert "No such command 'no-such-command'" in result.stderr


PROBE = """\
import json, sys
from advisor.cli.app import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(HEAVY))
print(json.dumps({"code": code, "heavy": heavy}))
""".replace("HEAVY", repr(HEAVY))


def loaded_after(args: list[str], cwd: Path) -> dict[str, object]:
    """Exit code and heavy modules imported by running the CLI with ``args``."""
    result = python("-c", PROBE, *args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["models", "--help"],
        ["compare", "--help"],
        ["explain", "--help"],
        ["schema", "--help"],
        ["rules", "validate", "--help"],
    ],
    ids=" ".join,
)
def test_help_imports_no_heavy_module(args: list[str], tmp_path: Path) -> None:
    assert loaded_after(args, tmp_path) == {"code": 0, "heavy": []}


def test_the_import_probe_sees_heavy_modules_when_they_are_used(tmp_path: Path) -> None:
    assert loaded_after(["compare", "gpt-5.5", "gpt-5.4"], tmp_path) == {
        "code": 0,
        "heavy": ["jinja2", "rich"],
    }
