"""The questionnaire in a real pseudo-terminal, driven with pexpect like a user at a keyboard:
typed text, arrow keys and space in checkboxes, the model list (best first, filtered on
any typed word, "recommend one for my team"), validation errors and corrected answers,
Ctrl-C and Ctrl-D.

Each test waits for a prompt's text before it types, never for a screen layout."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import pytest
import yaml

pexpect = pytest.importorskip("pexpect")

if sys.platform == "win32":  # pragma: no cover
    pytest.skip("pseudo-terminals need a POSIX system", allow_module_level=True)

from clitools import run  # noqa: E402
from termtools import Terminal  # noqa: E402  (after the pexpect check)

from advisor.evaluation.questionnaire import AUTO_LABEL  # noqa: E402
from advisor.load.rulebook import load_rulebook  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures" / "guide"
DATE = "2026-11-26"
UP, DOWN, SPACE, ENTER = "\x1b[A", "\x1b[B", " ", "\r"
CTRL_C, CTRL_D, CTRL_U, BACKSPACE = "\x03", "\x04", "\x15", "\x7f"

TEAM = "Team name"
ROLES = "Which roles are in the team?"
MODEL = "Which model do you want to adopt?"
BASELINE = "Which model do you compare it with?"
STAGES = "Which workflow stages are you considering handing over?"


def spawn(
    folder: Path,
    *args: str,
    program: list[str] | None = None,
    columns: int = 100,
    real_cursor: bool = False,
) -> Terminal:
    return Terminal(folder, *args, program=program, columns=columns, real_cursor=real_cursor)


def finish(term: Terminal) -> tuple[int, str]:
    return term.finish()


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_questionnaire_with_validation_errors_writes_the_chosen_guide(tmp_path: Path) -> None:
    child = spawn(tmp_path, "-o", "OUT.md", "--date", DATE)

    # The default team name is a placeholder: what is typed replaces it, and is not
    # appended to it ("ML teamFraud ML", a bug a user hit).
    child.expect(TEAM)
    child.send("Fraud ML" + ENTER)

    # All roles start checked: uncheck all four, try to go on, then pick two.
    child.expect(ROLES)
    child.send(SPACE + DOWN + SPACE + DOWN + SPACE + DOWN + SPACE + ENTER)
    child.expect("Choose at least one")
    child.send(UP + UP + SPACE + DOWN + DOWN + SPACE + ENTER)  # ML engineer, student
    # The answer names the roles chosen, not only "done (2 selections)" (walkthrough).
    child.expect("ML engineer, Student / researcher")

    child.expect(STAGES)
    child.send(DOWN + SPACE + ENTER)  # all but model selection
    child.expect("Data processing, Training & tuning, Result validation")
    child.expect(MODEL)
    child.send(ENTER)  # an empty line takes the default, GPT-5.5
    child.expect(BASELINE)
    child.send(ENTER)  # its predecessor, GPT-5.4, is the default

    status, rest = finish(child)
    assert status == 0, rest
    assert "Wrote OUT.md: 2 roles, model gpt-5.5 vs gpt-5.4" in rest
    md = (tmp_path / "OUT.md").read_text()
    assert md.startswith("# Fraud ML: adopting GPT-5.5\n")
    assert f"{DATE}, compared with GPT-5.4" in md
    assert "\n## ML engineers\n" in md and "\n## Students / researchers\n" in md
    assert "\n## Data scientists\n" not in md and "\n## Tech leads\n" not in md
    stage_rows = [
        ln.split(" | ")[0]
        for ln in md.splitlines()
        if ln.startswith(
            ("| Data processing", "| Model selection", "| Training", "| Result validation")
        )
    ]
    assert stage_rows == ["| Data processing", "| Training & tuning", "| Result validation"] * 2
    assert files(tmp_path) == ["OUT.md"]


@pytest.mark.parametrize(
    ("typed", "used"), [("   ", "ML team"), ("  Fraud   ML ", "Fraud ML")], ids=["blank", "spaces"]
)
def test_the_answered_team_line_shows_the_name_used(tmp_path: Path, typed: str, used: str) -> None:
    """The walkthrough typed only spaces: the line showed them, the guide said "ML team"."""
    child = spawn(tmp_path, "-o", "OUT.md", "--date", DATE, real_cursor=True)
    child.expect(TEAM)
    child.send(typed + ENTER)
    child.expect(ROLES)
    [answered] = [ln for ln in child.shown() if ln.startswith(f"? {TEAM}")]
    assert answered.endswith(f") {used}")
    child.send(ENTER)
    for prompt in (STAGES, MODEL, BASELINE):
        child.expect(prompt)
        child.send(ENTER)
    status, rest = finish(child)
    assert status == 0, rest
    assert (tmp_path / "OUT.md").read_text().startswith(f"# {used}: adopting GPT-5.5\n")


def test_both_checkboxes_say_the_same_short_instruction(tmp_path: Path) -> None:
    """The walkthrough saw roles say "(Space to select, Enter to confirm.)" and stages
    questionary's own "(Use arrow keys to move, <space> to select, ...)"."""
    child = spawn(tmp_path, "-o", "OUT.md")
    child.expect(TEAM)
    child.send(ENTER)
    shown = []
    for prompt in (ROLES, STAGES):
        child.expect(prompt)
        line = next(ln for ln in child.shown() if prompt in ln)
        shown.append(line.split(prompt)[1].strip())
        child.send(ENTER)
    assert shown == ["(Space to select, Enter to confirm.)"] * 2
    child.send(CTRL_C)
    assert finish(child)[0] == 130


def test_model_search_filter_and_no_comparison(tmp_path: Path) -> None:
    child = spawn(tmp_path, "-o", "OUT.md", "--date", DATE, "--save-answers", "answers.yaml")
    child.expect(TEAM)
    child.send(ENTER)  # keep the default team name
    child.expect(ROLES)
    child.send(ENTER)
    child.expect(STAGES)
    child.send(ENTER)
    child.expect(MODEL)
    child.send("zzz")
    child.expect("zzz")  # the line shows what was typed
    child.send(ENTER)  # matches nothing: Enter must not pick a model
    child.expect("Nothing matches 'zzz'")
    child.send(BACKSPACE * 3 + "thesis")
    child.expect("thesis")
    child.send(ENTER)  # the one model it matches
    child.expect(BASELINE)
    child.send(ENTER)  # the imported model has no predecessor: '(none)' is the default

    status, rest = finish(child)
    assert status == 0, rest
    md = (tmp_path / "OUT.md").read_text()
    assert md.startswith("# ML team: adopting gpt-5-codex (Thesis)\n")
    assert "compared with" not in md
    assert "Missing evidence: Terminal-Bench 2.0." in md
    saved = yaml.safe_load((tmp_path / "answers.yaml").read_text())
    assert saved.pop("edition")["output"] == "OUT.md"  # the edition's record
    assert saved == {
        "team": "ML team",
        "roles": ["data-scientist", "ml-engineer", "tech-lead", "student"],
        "stages": ["data-processing", "model-selection", "training-tuning", "result-validation"],
        "model": "thesis-gpt-5-codex",
        "baseline": "none",
    }


def test_typed_words_filter_in_any_order_and_the_baseline_leaves_out_the_model(
    tmp_path: Path,
) -> None:
    child = spawn(tmp_path, "-o", "OUT.md", "--date", DATE)
    for prompt in (TEAM, ROLES, STAGES):
        child.expect(prompt)
        child.send(ENTER)
    child.expect(MODEL)
    # Each word may stand anywhere in the name: "gemini 3" finds "Gemini-3-Pro-Preview".
    child.send("gemini 3")
    child.expect("Gemini-3-Pro-Preview (MLEvolve)")
    child.expect("Gemini-3-Flash-Preview (LoongFlow)")
    child.send(ENTER)  # several match: nothing is taken
    child.expect("choices match 'gemini 3'; choose one with the arrows or type more")
    child.send(CTRL_U + "mlevolve 3")
    child.send(ENTER)
    child.expect(BASELINE)
    # The model just chosen is not offered as its own baseline.
    child.send("mlevolve")
    child.expect("Nothing matches 'mlevolve'")
    child.send(CTRL_U + ENTER)
    status, rest = finish(child)
    assert status == 0, rest
    assert "Wrote OUT.md: 4 roles, model mlevolve-gemini-3-pro-preview\r\n" in rest
    md = (tmp_path / "OUT.md").read_text()
    assert md.startswith("# ML team: adopting Gemini-3-Pro-Preview (MLEvolve)\n")


def test_an_exact_id_is_taken_though_other_ids_contain_it(tmp_path: Path) -> None:
    """'gpt-5.4' is also in codex-cli-gpt-5.4, terminus-2-gpt-5.4 and gpt-5.4-mini ids;
    typed whole, in any case, it names the one model with that id."""
    child = spawn(tmp_path, "-o", "OUT.md", "--date", DATE)
    for prompt in (TEAM, ROLES, STAGES):
        child.expect(prompt)
        child.send(ENTER)
    child.expect(MODEL)
    child.send("gpt-5.4" + ENTER)
    child.expect(BASELINE)
    child.send("none" + ENTER)
    status, rest = finish(child)
    assert status == 0, rest
    assert "Wrote OUT.md: 4 roles, model gpt-5.4\r\n" in rest


def test_the_model_list_is_best_first_with_key_scores(tmp_path: Path) -> None:
    child = spawn(tmp_path, "-o", "OUT.md")
    for prompt in (TEAM, ROLES, STAGES):
        child.expect(prompt)
        child.send(ENTER)
    child.expect(MODEL)
    child.expect("now Gemini-3-Pro-Preview (MLEvolve)")
    screen = [" ".join(ln.split()) for ln in child.shown()]
    assert "(* unverified, ! flagged score)" in screen[-1]  # the marks are explained
    listed = [ln for ln in screen if "%" in ln or ln.startswith(AUTO_LABEL)]
    # What `advisor rank` puts first for all roles and stages heads the list, after
    # the choice that recommends it.
    assert listed[0] == f"{AUTO_LABEL} now Gemini-3-Pro-Preview (MLEvolve)"
    assert listed[1] == "Gemini-3-Pro-Preview (MLEvolve) MLE-Bench 61.3%"
    # Further down (found by typing), each model's scores, unverified and flagged marked.
    for typed, row in [
        ("gpt-5.5", "GPT-5.5 MLE-Bench 36%*, Terminal-Bench 2.0 82.7%*"),
        ("disarray", "Ensemble (Disarray) MLE-Bench 77.8%!"),  # flagged: known leakage
    ]:
        child.send(CTRL_U + typed)
        child.expect(row.split()[0])
        assert row in [" ".join(ln.split()) for ln in child.shown()]
    child.send(CTRL_C)
    assert finish(child)[0] == 130


def model_list(columns: int, tmp_path: Path, typed: str = "") -> list[str]:
    """The screen of the model question in a terminal ``columns`` wide, after ``typed``."""
    child = spawn(tmp_path, "-o", "OUT.md", columns=columns)
    for prompt in (TEAM, ROLES, STAGES):
        child.expect(prompt[:20])  # a long line is drawn in pieces at a narrow terminal
        child.send(ENTER)
    child.expect(MODEL)
    child.expect("now Gemini")
    if typed:
        child.send(typed)
    screen = child.shown()
    child.send(CTRL_C)
    assert finish(child)[0] == 130
    return screen


@pytest.mark.parametrize("columns", [80, 100])
def test_at_80_columns_names_give_way_to_the_scores_and_the_key_is_whole(
    tmp_path: Path, columns: int
) -> None:
    """A walkthrough found the scores cut ("Terminal-Benc...", "now Gemini-3-...") and the
    marks key cut off ("(* unverified,") at 80 columns; long names are shortened instead."""
    screen = model_list(columns, tmp_path)
    assert all(len(ln) <= columns for ln in screen)
    assert "(* unverified, ! flagged score)" in screen  # a line of its own
    first = next(ln for ln in screen if "now " in ln)
    assert first.endswith("now Gemini-3-Pro-Preview (MLEvolve)")
    assert first.split()[:3] == ["Not", "sure:", "recommend"]
    # Names too long for their column end in an ellipsis at a word's end, never
    # mid-word, and the scores beside them are whole.
    names = [AUTO_LABEL, *(m.name for m in load_rulebook(None).models.values())]
    cut = [ln.split("…")[0].strip() for ln in screen if "…" in ln]
    assert cut if columns == 80 else True
    for head in cut:
        assert any(n.startswith(head) and n[len(head)] in " ,(" for n in names), head
    tb = [ln for ln in screen if "Terminal-Bench" in ln]
    assert tb and all(re.search(r"Terminal-Bench 2\.0 [0-9.]+%", ln) for ln in tb)
    (tmp_path / "gpt").mkdir()
    row = next(ln for ln in model_list(columns, tmp_path / "gpt", "gpt-5.5") if "GPT-5.5" in ln)
    assert "36%*" in row and "82.7%*" in row and "Terminal-Bench 2.0 82.7%*" in row


def test_at_50_columns_the_scores_still_show(tmp_path: Path) -> None:
    screen = model_list(50, tmp_path, "gpt-5.5")
    row = next(ln for ln in screen if "GPT-5.5" in ln)
    assert len(row) <= 50 and "MLE-Bench 36%*" in row


def test_not_sure_recommends_the_model_rank_puts_first_for_the_team(tmp_path: Path) -> None:
    args = ("-o", "OUT.md", "--date", DATE, "--save-answers", "answers.yaml")
    child = spawn(tmp_path, *args, real_cursor=True)  # the answered lines stay on screen
    child.expect(TEAM)
    child.send("Pipelines" + ENTER)
    child.expect(ROLES)
    child.send(SPACE + DOWN + DOWN + SPACE + DOWN + SPACE + ENTER)  # ML engineers only
    child.expect(STAGES)
    child.send(DOWN + SPACE + DOWN + SPACE + DOWN + SPACE + ENTER)  # data processing only
    child.expect(MODEL)
    child.expect(AUTO_LABEL)
    child.send(DOWN + ENTER)  # the first line: "Not sure: recommend one for my team"
    picked = recommended(["ml-engineer"], ["data-processing"])
    book = load_rulebook(None)
    # The answered line names the model recommended (the walkthrough saw only the label).
    child.expect(BASELINE)
    assert f"? {MODEL} recommended: {book.models[picked].name}" in child.shown()
    child.send(ENTER)
    status, rest = finish(child)
    assert status == 0, rest

    assert picked != "gpt-5.5"  # not the default: the recommendation decided
    assert f"Wrote OUT.md: 1 role, model {picked}" in rest
    md = (tmp_path / "OUT.md").read_text()
    assert md.startswith(f"# Pipelines: adopting {book.models[picked].name}\n")
    assert "\n## Which model for which stage\n" in md
    assert f"`advisor rank` puts **{book.models[picked].name}** first" in md
    # The request is saved, not the model it stood for: the file replays to this guide.
    saved = yaml.safe_load((tmp_path / "answers.yaml").read_text())
    assert saved["model"] == "auto" and saved["edition"]["shortlist"] is True


def recommended(roles: list[str], stages: list[str]) -> str:
    """What `advisor rank` puts first, read from its JSON as a user would."""
    args = ["rank", "--format", "json"]
    for r in roles:
        args += ["--role", r]
    for s in stages:
        args += ["--stage", s]
    result = run(*args)
    assert result.exit_code == 0, result.output
    [ranking] = json.loads(result.stdout)["rankings"]
    return str(ranking["candidates"][0]["model"])


@pytest.mark.parametrize("at", [TEAM, ROLES, STAGES, MODEL])
def test_ctrl_c_stops_with_130_and_writes_nothing(tmp_path: Path, at: str) -> None:
    child = spawn(tmp_path, "-o", "OUT.md", "--save-answers", "answers.yaml")
    for prompt in (TEAM, ROLES, STAGES, MODEL, BASELINE):
        child.expect(prompt)
        if prompt == at:
            child.send(CTRL_C)
            break
        child.send(ENTER)
    status, rest = finish(child)
    assert status == 130
    assert "advisor: interrupted; nothing was written" in rest
    assert files(tmp_path) == []


@pytest.mark.parametrize(
    ("at", "keys"),
    [(TEAM, CTRL_U + CTRL_D), (ROLES, CTRL_D), (MODEL, CTRL_D), (BASELINE, "gpt" + CTRL_D)],
    ids=["empty-text", "checkbox", "filtered-list", "filtered-list-with-text"],
)
def test_end_of_input_exits_2_naming_the_alternatives(tmp_path: Path, at: str, keys: str) -> None:
    child = spawn(tmp_path, "-o", "OUT.md")
    for prompt in (TEAM, ROLES, STAGES, MODEL, BASELINE):
        child.expect(prompt)
        if prompt == at:
            child.send(keys)
            break
        child.send(ENTER)
    status, rest = finish(child)
    assert status == 2
    assert "advisor: error: input ended before all questions were answered" in rest
    assert "--answers" in rest and "--defaults" in rest
    assert files(tmp_path) == []


def test_prompts_go_to_stderr_so_stdout_holds_only_the_guide(tmp_path: Path) -> None:
    script = 'exec "$0" -m advisor guide -o - --date 2026-11-26 --team Solo > guide.md'
    child = spawn(tmp_path, program=["/bin/sh", "-c", script, sys.executable])
    for prompt in (ROLES, STAGES, MODEL, BASELINE):
        child.expect(prompt)
        child.send(ENTER)
    status, rest = finish(child)
    assert status == 0, rest
    assert "Wrote the guide to stdout" in rest
    md = (tmp_path / "guide.md").read_text()
    assert md.startswith("# Solo: adopting GPT-5.5\n")
    assert ROLES not in md and "\x1b" not in md and "Wrote" not in md


def test_flags_answer_their_questions_and_only_the_rest_is_asked(tmp_path: Path) -> None:
    child = spawn(
        tmp_path,
        "-o",
        "OUT.md",
        "--date",
        DATE,
        "--team",
        "Flags",
        "--role",
        "ds",
        "--model",
        "gpt-5.5",
        "--baseline",
        "none",
    )
    asked = child.expect(STAGES)
    child.send(ENTER)
    status, rest = finish(child)
    assert status == 0, rest
    for prompt in (TEAM, ROLES, MODEL, BASELINE):
        assert prompt not in asked
    assert (tmp_path / "OUT.md").read_text().startswith("# Flags: adopting GPT-5.5\n")


def test_existing_guide_is_refused_before_any_question(tmp_path: Path) -> None:
    (tmp_path / "OUT.md").write_text("keep\n")
    child = spawn(tmp_path, "-o", "OUT.md")
    status, rest = finish(child)
    assert status == 1
    assert "OUT.md: already exists; use --force to overwrite it" in rest
    assert TEAM not in rest
    assert (tmp_path / "OUT.md").read_text() == "keep\n"


def test_organisation_questions_number_confirm_and_condition(tmp_path: Path) -> None:
    child = spawn(
        tmp_path,
        "-o",
        "OUT.md",
        "--date",
        DATE,
        "--rules",
        str(FIXTURES / "org-questions.yaml"),
        "--save-answers",
        "answers.yaml",
    )
    for prompt in (TEAM, ROLES, STAGES, MODEL, BASELINE):
        child.expect(prompt)
        child.send(ENTER)
    child.expect("How many people are in the team?")
    child.send(CTRL_U + "twelve" + ENTER)
    child.expect("Enter a number")
    # The terminal only redraws what changed: the new message extends the old one.
    child.send(CTRL_U + "1000" + ENTER)
    child.expect("from 1 to 500")
    child.send(CTRL_U + "12" + ENTER)
    child.expect("Does the team work on regulated data?")
    child.send("y")
    # Asked only because the answer above was yes.
    child.expect("Which regulator oversees the data?")
    child.send(DOWN + ENTER)
    status, rest = finish(child)
    assert status == 0, rest
    saved = yaml.safe_load((tmp_path / "answers.yaml").read_text())
    assert (saved["team_size"], saved["regulated"], saved["regulator"]) == (12.0, True, "fda")


def test_condition_not_met_skips_the_question(tmp_path: Path) -> None:
    child = spawn(
        tmp_path,
        "-o",
        "OUT.md",
        "--rules",
        str(FIXTURES / "org-questions.yaml"),
        "--save-answers",
        "answers.yaml",
    )
    for prompt in (TEAM, ROLES, STAGES, MODEL, BASELINE, "How many people"):
        child.expect(prompt)
        child.send(ENTER)
    child.expect("Does the team work on regulated data?")
    child.send("n")
    status, rest = finish(child)
    assert status == 0, rest
    assert "regulator" not in rest
    saved = yaml.safe_load((tmp_path / "answers.yaml").read_text())
    assert (saved["team_size"], saved["regulated"]) == (8.0, False)
    assert "regulator" not in saved


def test_with_stderr_redirected_the_prompts_use_stdout(tmp_path: Path) -> None:
    script = 'exec "$0" -m advisor guide -o OUT.md --date 2026-11-26 --team Logged 2> err.log'
    child = spawn(tmp_path, program=["/bin/sh", "-c", script, sys.executable])
    for prompt in (ROLES, STAGES, MODEL, BASELINE):
        child.expect(prompt)
        child.send(ENTER)
    status, rest = finish(child)
    assert status == 0, (tmp_path / "err.log").read_text()
    assert (tmp_path / "OUT.md").read_text().startswith("# Logged: adopting GPT-5.5\n")
    assert ROLES not in (tmp_path / "err.log").read_text()


def test_no_visible_terminal_for_prompts_is_no_terminal(tmp_path: Path) -> None:
    # stdout carries the guide and stderr goes to a file: a prompt would be invisible.
    script = 'exec "$0" -m advisor guide -o - 2> err.log > guide.md'
    child = spawn(tmp_path, program=["/bin/sh", "-c", script, sys.executable])
    status, rest = finish(child)
    assert status == 2
    err = (tmp_path / "err.log").read_text()
    assert "no terminal to ask team, roles, stages, model, baseline" in err
    assert "--answers" in err and "--defaults" in err
    assert (tmp_path / "guide.md").read_text() == ""


@pytest.mark.parametrize(
    ("signame", "at", "status", "message"),
    [
        ("SIGTERM", TEAM, 143, "terminated"),
        ("SIGTERM", ROLES, 143, "terminated"),
        ("SIGTERM", MODEL, 143, "terminated"),
        ("SIGINT", TEAM, 130, "interrupted"),
        ("SIGINT", ROLES, 130, "interrupted"),
        ("SIGINT", STAGES, 130, "interrupted"),
        ("SIGINT", BASELINE, 130, "interrupted"),
    ],
)
def test_signal_from_outside_mid_questionnaire_stops_cleanly(
    tmp_path: Path, signame: str, at: str, status: int, message: str
) -> None:
    """`kill` while a prompt is up: no hang at "Press ENTER to continue", nothing written."""
    import signal

    child = spawn(tmp_path, "-o", "OUT.md", "--save-answers", "answers.yaml")
    for prompt in (TEAM, ROLES, STAGES, MODEL, BASELINE):
        child.expect(prompt)
        if prompt == at:
            break
        child.send(ENTER)
    child.child.kill(getattr(signal, signame))
    code, rest = finish(child)
    assert code == status, rest
    assert f"advisor: {message}; nothing was written" in rest
    assert "Press ENTER" not in child.seen
    assert files(tmp_path) == []


@pytest.mark.parametrize("at", [TEAM, ROLES, MODEL])
def test_closing_the_terminal_mid_questionnaire_is_a_hang_up(tmp_path: Path, at: str) -> None:
    """The walkthrough closed the terminal (tmux kill-session) and got "standard output:
    write failed: Input/output error", exit 1; a hang-up is exit 129, nothing written."""
    child = spawn(tmp_path, "-o", "OUT.md", "--save-answers", "answers.yaml")
    for prompt in (TEAM, ROLES, STAGES, MODEL):
        child.expect(prompt)
        if prompt == at:
            break
        child.send(ENTER)
    child.shown(0.5)  # the prompt is up and waiting
    pid = child.child.pid
    os.close(child.child.child_fd)  # the terminal goes away; the kernel sends SIGHUP
    child.child.closed = True
    deadline = time.monotonic() + 30
    while (ended := os.waitpid(pid, os.WNOHANG)) == (0, 0):
        assert time.monotonic() < deadline, "advisor did not end"
        time.sleep(0.05)
    status = ended[1]
    assert os.WIFEXITED(status), f"killed by signal {os.WTERMSIG(status)}"
    assert os.WEXITSTATUS(status) == 129
    assert files(tmp_path) == []
