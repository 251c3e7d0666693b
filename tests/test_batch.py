"""`advisor batch`: one guide per team, safe file names, bad rows reported, the rest written."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli.app import cli
from advisor.rendering.batch import Names, safe_name

HOSTILE = """\
team,roles,model,baseline,stages,format
Fraud ML,ds;mle,gpt-5.5,gpt-5.4,,
../../escape,,gpt-5.5,,,
/etc/passwd,mle,gpt-5.4,none,model-selection,json
Bad Row,cto,gpt-5.5,,,
..,,gpt-5.5,,,
.hidden,tl,gpt-5.5,,,
CON,,gpt-5.5,,,
fraud ml,,gpt-5.5,,,
FRAUD/ML,,gpt-5.5,,,html
C:\\Windows\\System32,,gpt-5.5,,,
No Model,ds,,,,
Weird,ds,gpt-5.5,,,pdf
Équipe Données,student,gpt-5.5,,,
"""

EXPECTED = {
    2: "fraud-ml.md",
    3: "escape.md",
    4: "etc-passwd.json",
    6: "team.md",
    7: "hidden.md",
    8: "team-con.md",
    9: "fraud-ml-2.md",
    10: "fraud-ml.html",
    11: "c-windows-system32.md",
    14: "equipe-donnees.md",
}


def run(*args: str):
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"})
    assert "Traceback" not in result.output
    return result


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "a" / "b" / "out"
    folder.mkdir(parents=True)
    return folder


def batch(roster: Path, out: Path, *extra: str):
    return run("batch", str(roster), "--out-dir", str(out), "--date", "2026-11-01", *extra)


def test_hostile_team_names_stay_inside_the_folder_and_bad_rows_are_reported(tmp_path, out):
    roster = tmp_path / "roster.csv"
    roster.write_text(HOSTILE, encoding="utf-8")
    before = snapshot(tmp_path)
    result = batch(roster, out)
    assert result.exit_code == 1, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(EXPECTED.values())
    # Nothing appeared or changed anywhere else.
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("a/b/out/")} == before
    errors = result.stderr.splitlines()
    assert errors == [
        f"advisor: error: {roster}:5:1: question 'roles' (from {roster}:5:9): unknown value "
        "'cto'; allowed: data-scientist, ml-engineer, tech-lead, student",
        f"advisor: error: {roster}:12:1: no model; every roster row needs team and model",
        f"advisor: error: {roster}:13:1: unknown format 'pdf' (from {roster}:13:20); choose one "
        "of md, html, confluence, mediawiki, json",
    ]
    for line, name in EXPECTED.items():
        assert f"│ {line:<4} │" in result.stdout and name in result.stdout
    assert "10 written, 3 failed" in result.stdout
    guide = json.loads((out / "etc-passwd.json").read_text())
    assert guide["team"] == "/etc/passwd" and guide["model"] == "gpt-5.4"
    assert guide["baseline"] is None
    assert [r["role"] for r in guide["roles"]] == ["ml-engineer"]
    assert [s["stage"] for s in guide["roles"][0]["stages"]] == ["model-selection"]
    assert "Fraud ML" in (out / "fraud-ml.md").read_text()
    assert "<html" in (out / "fraud-ml.html").read_text().lower()


def test_a_symlink_in_the_folder_is_never_followed(tmp_path, out):
    outside = tmp_path / "outside.md"
    outside.write_text("precious\n")
    (out / "fraud-ml.md").symlink_to(outside)
    roster = tmp_path / "roster.csv"
    roster.write_text("team,model\nFraud ML,gpt-5.5\nOther,gpt-5.5\n")
    result = batch(roster, out, "--force")
    assert result.exit_code == 1
    assert "fraud-ml.md: is a symbolic link; refusing to write through it" in result.stderr
    assert outside.read_text() == "precious\n"
    assert (out / "fraud-ml.md").is_symlink()
    assert (out / "other.md").is_file()


def test_existing_guides_need_force_and_reruns_are_identical(tmp_path, out):
    roster = tmp_path / "roster.csv"
    roster.write_text("team,roles,model\nFraud ML,ds,gpt-5.5\nVision,mle,gpt-5.4\n")
    assert batch(roster, out).exit_code == 0
    first = snapshot(out)
    again = batch(roster, out)
    assert again.exit_code == 1
    assert again.stderr.count("already exists; use --force") == 2
    assert snapshot(out) == first
    forced = batch(roster, out, "--force")
    assert forced.exit_code == 0, forced.output
    assert snapshot(out) == first


def test_yaml_roster_with_lists_and_bad_rows(tmp_path, out):
    roster = tmp_path / "teams.yaml"
    roster.write_text(
        "teams:\n"
        "  - team: Fraud ML\n    roles: [ds, mle]\n    model: gpt-5.5\n    format: html\n"
        "  - just a string\n"
        "  - team: Vision\n    model: gpt-9\n"
        "  - team: Research\n    roles: student\n    model: gpt-5.4\n"
        "    stages: [model-selection]\n"
    )
    result = batch(roster, out)
    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["fraud-ml.html", "research.md"]
    assert f"advisor: error: {roster}:6:5: a roster row is a mapping" in result.stderr
    assert (
        f"advisor: error: {roster}:7:5: question 'model' (from {roster}:8:12): unknown "
        "value 'gpt-9'" in result.stderr
    )


def test_a_bad_item_of_a_roster_list_is_located_at_the_item(tmp_path, out):
    roster = tmp_path / "teams.yaml"
    roster.write_text("- team: A\n  model: gpt-5.5\n  roles:\n    - mle\n    - bogus\n")
    result = batch(roster, out)
    assert result.exit_code == 1
    assert f"question 'roles' (from {roster}:5:7): unknown value 'bogus';" in result.stderr
    csv = tmp_path / "teams.csv"
    csv.write_text('team,roles,model\nB,"mle, bogus",gpt-5.5\n')
    result = batch(csv, out)
    assert f"question 'roles' (from {csv}:2:3): unknown value 'bogus';" in result.stderr


def test_many_rows_list_only_failures(tmp_path, out):
    rows = [f"Team {i},gpt-5.5" for i in range(59)] + ["Broken,nope"]
    roster = tmp_path / "roster.csv"
    roster.write_text("team,model\n" + "\n".join(rows) + "\n")
    result = batch(roster, out)
    assert result.exit_code == 1
    assert len(list(out.iterdir())) == 59
    assert "Failed rows" in result.stdout and "Team 3 " not in result.stdout
    assert "59 written, 1 failed" in result.stdout


@pytest.mark.parametrize(
    ("content", "name", "message", "code"),
    [
        ("roles,model\nds,gpt-5.5\n", "r.csv", "1:1: the header row has no 'team' column", 2),
        ("", "r.csv", "empty roster", 2),
        ("team: x\n", "r.yaml", "a roster is a list of teams", 2),
        ("team,model\n", "r.txt", "cannot tell the format", 2),
    ],
)
def test_unusable_rosters_are_one_line_errors(tmp_path, out, content, name, message, code):
    roster = tmp_path / name
    roster.write_text(content)
    result = batch(roster, out)
    assert result.exit_code == code, result.output
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr
    assert list(out.iterdir()) == []


def test_missing_roster(tmp_path, out):
    result = batch(tmp_path / "nope.csv", out)
    assert result.exit_code == 2 and "no such file" in result.stderr
    assert list(out.iterdir()) == []


def test_out_dir_is_created_with_its_parents(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("team,model\nA,gpt-5.5\n")
    target = tmp_path / "new" / "nested" / "guides"
    result = batch(roster, target)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in target.iterdir()) == ["a.md"]


def test_out_dir_is_not_created_for_a_roster_that_cannot_be_read(tmp_path):
    result = batch(tmp_path / "nope.csv", tmp_path / "new")
    assert result.exit_code == 2
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("kind", ["file", "dangling link", "file as parent"])
def test_out_dir_refuses_a_path_that_is_not_a_folder(tmp_path, kind):
    roster = tmp_path / "roster.csv"
    roster.write_text("team,model\nA,gpt-5.5\n")
    blocker = tmp_path / "taken"
    if kind == "dangling link":
        blocker.symlink_to(tmp_path / "nowhere")
    else:
        blocker.write_text("keep me\n")
    target = blocker / "guides" if kind == "file as parent" else blocker
    result = batch(roster, target)
    assert result.exit_code == 1, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith(f"advisor: error: {target}: ")
    if kind == "file":
        assert line.endswith("exists and is not a folder; give a folder for --out-dir")
        assert blocker.read_text() == "keep me\n"
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize(
    ("team", "name"),
    [
        ("Fraud ML", "fraud-ml"),
        ("../../etc/passwd", "etc-passwd"),
        ("..", "team"),
        ("", "team"),
        ("nul.txt", "team-nul.txt"),
        ("a" * 300, "a" * 100),
        ("x/../../y", "x-y"),
        ("~root", "root"),
        ("a\0b", "a-b"),
        ("-rf", "rf"),
        ("Équipe", "equipe"),
        ("团队", "team"),
    ],
)
def test_safe_names(team, name):
    assert safe_name(team) == name


def test_names_never_repeat():
    names = Names()
    assert [names.take("x", ".md") for _ in range(3)] == ["x.md", "x-2.md", "x-3.md"]
    assert names.take("x", ".html") == "x.html"


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_progress_bar_only_on_a_terminal(tmp_path, out):
    pexpect = pytest.importorskip("pexpect")
    roster = tmp_path / "roster.csv"
    roster.write_text("team,model\n" + "\n".join(f"T{i},gpt-5.5" for i in range(30)) + "\n")
    exe = Path(sys.executable).with_name("advisor")
    child = pexpect.spawn(
        str(exe),
        ["batch", str(roster), "--out-dir", str(out), "--date", "2026-11-01"],
        env={**os.environ, "COLUMNS": "120"},
        encoding="utf-8",
        timeout=60,
    )
    text = child.read()
    child.close()
    assert child.exitstatus == 0, text
    assert "Writing guides" in text
    piped = batch(roster, out, "--force")
    assert "Writing guides" not in piped.output


def test_a_roster_with_no_teams_is_an_error_not_a_silent_success(tmp_path):
    roster = tmp_path / "teams.csv"
    roster.write_text("team,roles,model\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    result = CliRunner().invoke(cli, ["batch", str(roster), "--out-dir", str(out)])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"advisor: error: {roster}: the roster lists no teams; add one row per team"
    )
    assert list(out.iterdir()) == []


def test_a_custom_template_is_checked_and_compiled_once_for_all_rows(tmp_path, out, monkeypatch):
    from advisor.rendering import templates as render

    template = tmp_path / "team.j2"
    template.write_text("# {{ team }}: {{ model.name }}\n", encoding="utf-8")
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "team,model\n" + "".join(f"Team {i},gpt-5.5\n" for i in range(6)), encoding="utf-8"
    )
    checks = []
    real = render.unsafe_use

    def counting(source, env, tree=None):  # the template's checks, not the rulebook's texts
        if source.startswith(("# {{ team }}", "## {{ team }}")):
            checks.append(source)
        return real(source, env, tree)

    monkeypatch.setattr(render, "unsafe_use", counting)
    result = batch(roster, out, "--template", str(template))
    assert result.exit_code == 0, result.output
    assert (out / "team-3.md").read_text(encoding="utf-8") == "# Team 3: GPT-5.5\n"
    assert len(checks) == 1  # the scan for unsafe use, and the compile, once
    # An edited template is a new text: checked and compiled again.
    template.write_text("## {{ team }}\n", encoding="utf-8")
    assert batch(roster, out, "--template", str(template), "--force").exit_code == 0
    assert (out / "team-3.md").read_text(encoding="utf-8") == "## Team 3\n"
    assert len(checks) == 2
