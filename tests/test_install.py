"""Installing advisor as a user would: a wheel, the editable checkout, the entry points."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner

import advisor
from advisor.cli.app import cli

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("jinja2", "rich", "questionary", "pydantic")
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
    [built] = out.glob("advisor-*.whl")
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
    assert all(n.startswith(("advisor/", f"advisor-{version}.dist-info/")) for n in names), names
    for f in sorted((REPO / "rules").iterdir()):
        assert f"advisor/_data/rules/{f.name}" in names
        assert zipfile.ZipFile(wheel).read(f"advisor/_data/rules/{f.name}") == f.read_bytes()
    assert "advisor/_data/templates/guide.md.j2" in names
    assert "advisor/__main__.py" in names
    entry_points = zipfile.ZipFile(wheel).read(f"advisor-{version}.dist-info/entry_points.txt")
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


# --------------------------------------------------------------------------- editable


@pytest.mark.slow
def test_editable_install_reads_the_top_level_rules(tmp_path: Path) -> None:
    try:
        direct = metadata.distribution("advisor").read_text("direct_url.json") or "{}"
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
    assert advisor.__version__ == metadata.version("advisor")


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
