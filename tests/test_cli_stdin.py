"""`-` reads standard input: `guide --answers -`, `scores import -` (CSV, TSV or YAML) and
`rules validate -` (one rulebook file)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml
from clitools import advisor_process, run

from advisor.load.paths import MAX_BYTES

pytestmark = pytest.mark.usefixtures("workdir")

LEADERBOARDS = Path(__file__).parent / "fixtures" / "leaderboards"
CSV = (
    "benchmark,agent,model,score,split,date,source\n"
    "MLE-bench,Acme Agent,Acme-1,41.5,all,2026-03,https://example.org/acme\n"
    "Terminal-Bench 3,Acme Agent,Acme-1,50,,2026-03,https://example.org/acme\n"
)
ANSWERS = (
    "team: Stdin Team\nroles: [mle]\nmodel: gpt-5.4\nbaseline: none\nstages: [model-selection]\n"
)


def piped(*args: str, stdin: str | bytes) -> subprocess.CompletedProcess[str]:
    """``advisor ARGS`` with ``stdin`` on a real pipe."""
    data = stdin if isinstance(stdin, str) else stdin.decode("latin-1")
    return advisor_process(*args, input=data, capture_output=True)


# --------------------------------------------------------------------------- --answers -


def test_guide_reads_answers_from_standard_input() -> None:
    result = piped("guide", "--answers", "-", "--format", "json", "-o", "-", stdin=ANSWERS)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["team"], data["model"], data["baseline"]) == ("Stdin Team", "gpt-5.4", None)
    [role] = data["roles"]
    assert [s["stage"] for s in role["stages"]] == ["model-selection"]


def test_the_same_answers_from_a_file_and_from_stdin_give_the_same_guide() -> None:
    Path("answers.yaml").write_text(ANSWERS, encoding="utf-8")
    from_file = run("guide", "--answers", "answers.yaml", "-o", "-")
    from_stdin = piped("guide", "--answers", "-", "-o", "-", stdin=ANSWERS)
    assert from_file.exit_code == 0 and from_stdin.returncode == 0, from_stdin.stderr
    assert from_stdin.stdout == from_file.stdout


def test_bad_answers_on_stdin_are_located_in_stdin() -> None:
    result = piped("guide", "--answers", "-", "-o", "out.md", stdin="team: T\nroles: [cto]\n")
    assert result.returncode == 2
    assert result.stderr.startswith("advisor: error: ")
    assert "<stdin>:2:9" in result.stderr
    assert "'cto'" in result.stderr
    assert not Path("out.md").exists()


def test_answers_on_stdin_that_are_not_a_mapping() -> None:
    result = piped("guide", "--answers", "-", "-o", "out.md", stdin="- a list\n")
    assert result.returncode == 2
    assert result.stderr == (
        "advisor: error: <stdin>:1:1: an answers file is a mapping of question ids to answers "
        "(team: ..., roles: [...])\n"
    )


def test_answers_from_a_closed_stdin() -> None:
    result = advisor_process(
        "guide", "--answers", "-", "-o", "out.md", stdin=subprocess.DEVNULL, capture_output=True
    )
    # An empty stdin is an empty answers file: the defaults are not taken without --defaults
    # and nothing can be asked, so the guide is refused.
    assert result.returncode == 2, result.stderr
    closed = advisor_process(
        "guide",
        "--answers",
        "-",
        "-o",
        "out.md",
        capture_output=True,
        preexec_fn=lambda: os.close(0),
    )
    assert closed.returncode == 2
    assert closed.stderr == (
        "advisor: error: <stdin>: standard input is closed; give a file instead of '-'\n"
    )


def test_answers_on_stdin_are_capped_like_files() -> None:
    result = piped("guide", "--answers", "-", "-o", "out.md", stdin="#" * (MAX_BYTES + 10))
    assert result.returncode == 2
    assert result.stderr.startswith("advisor: error: <stdin>: file is ")
    assert "over the 5 MB limit" in result.stderr


# --------------------------------------------------------------------------- scores import -


def test_scores_import_reads_a_yaml_leaderboard_from_stdin() -> None:
    text = (LEADERBOARDS / "mle_bench.yaml").read_text(encoding="utf-8")
    from_stdin = piped("scores", "import", "-", "--split", "all", stdin=text)
    from_file = run("scores", "import", str(LEADERBOARDS / "mle_bench.yaml"), "--split", "all")
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert "from <stdin>" in from_stdin.stderr
    # The same scores; only the file named in the header comment differs.
    assert yaml.safe_load(from_stdin.stdout) == yaml.safe_load(from_file.stdout)
    assert len(yaml.safe_load(from_stdin.stdout)["models"]) > 10


@pytest.mark.parametrize("kind, text", [("csv", CSV), ("tsv", CSV.replace(",", "\t"))])
def test_scores_import_tells_csv_and_tsv_from_the_content(kind: str, text: str) -> None:
    result = piped("scores", "import", "-", "-o", "acme.yaml", stdin=text)
    assert result.returncode == 0, result.stderr
    models = yaml.safe_load(Path("acme.yaml").read_text(encoding="utf-8"))["models"]
    assert [(m["id"], [s["score"] for s in m["scores"]]) for m in models] == [
        ("acme-agent-acme-1", [41.5])
    ]
    # The skipped row is located in standard input, at its benchmark's column.
    assert "advisor: skipped <stdin>:3:1: benchmark 'Terminal-Bench 3'" in result.stderr
    assert "imported 1 score as 1 model from <stdin> (1 row skipped) -> acme.yaml" in (
        result.stderr
    )


def test_scores_import_input_format_overrides_detection() -> None:
    # Read as TSV, the comma-separated header is one column named after all of them.
    result = piped("scores", "import", "-", "--input-format", "tsv", stdin=CSV)
    assert result.returncode == 2
    assert result.stderr.startswith("advisor: error: <stdin>:1:1: the header row has no column")
    as_csv = piped("scores", "import", "-", "--input-format", "csv", stdin=CSV)
    assert as_csv.returncode == 0, as_csv.stderr


def test_scores_import_input_format_applies_to_a_file_of_any_name() -> None:
    Path("board.txt").write_text(CSV, encoding="utf-8")
    unnamed = run("scores", "import", "board.txt")
    assert unnamed.exit_code == 2
    assert "cannot tell the format" in unnamed.stderr
    named = run("scores", "import", "board.txt", "--input-format", "csv")
    assert named.exit_code == 0, named.stderr
    assert "acme-agent-acme-1" in named.stdout


def test_scores_import_from_stdin_that_is_neither() -> None:
    result = piped("scores", "import", "-", stdin="just words\n")
    assert result.returncode == 2
    assert result.stderr == (
        "advisor: error: <stdin>: cannot tell whether this is CSV, TSV or YAML; "
        "give --input-format csv, tsv or yaml\n"
    )


def test_scores_import_from_stdin_names_a_scores_file() -> None:
    scores = "# a scores file\nmodels:\n  - id: x\n"
    result = piped("scores", "import", "-", stdin=scores)
    assert result.returncode == 2
    assert result.stderr == (
        "advisor: error: <stdin>:3:3: this is already a scores file ('models:'); "
        "use it with --scores as it is\n"
    )


def test_scores_import_from_stdin_refuses_binary_and_yaml_tags() -> None:
    binary = piped("scores", "import", "-", "--input-format", "csv", stdin=b"a,b\n\x00\n")
    assert binary.returncode == 2
    assert binary.stderr == ("advisor: error: <stdin>:1:1: binary file, not a leaderboard in CSV\n")
    tagged = piped("scores", "import", "-", stdin="- !!python/object:os.system {}\n")
    assert tagged.returncode == 2
    assert tagged.stderr.startswith("advisor: error: <stdin>:1:3: ")


# --------------------------------------------------------------------------- rules validate -

ORG_RULEBOOK = (
    "rulebook: {id: acme, name: Acme}\n"
    "extends: builtin\n"
    "overrides:\n"
    "  disable: [ds-judgement-top]\n"
)


def test_rules_validate_reads_one_rulebook_file_from_stdin() -> None:
    Path("acme.yaml").write_text(ORG_RULEBOOK, encoding="utf-8")
    from_file = run("rules", "validate", "acme.yaml")
    from_stdin = piped("rules", "validate", "-", stdin=ORG_RULEBOOK)
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert from_stdin.stdout == from_file.output
    assert from_stdin.stdout.startswith("ok: acme (")


def test_an_invalid_rulebook_on_stdin_is_located_in_stdin() -> None:
    text = ORG_RULEBOOK.replace("ds-judgement-top", "no-such-rule")
    Path("acme.yaml").write_text(text, encoding="utf-8")
    from_file = advisor_process("rules", "validate", "acme.yaml", capture_output=True)
    result = piped("rules", "validate", "-", stdin=text)
    assert (result.returncode, from_file.returncode) == (1, 1)
    assert result.stdout == ""
    assert result.stderr.startswith("advisor: error: <stdin>:4:13: unknown rule 'no-such-rule'")
    # The same message as for the file, but for its name.
    assert result.stderr == from_file.stderr.replace("acme.yaml", "<stdin>")


def test_rules_validate_stdin_as_json_and_as_github_annotations() -> None:
    bad = "rulebook: {id: acme, name: Acme}\nroles: [\n"
    as_json = piped("rules", "validate", "-", "--json", stdin=bad)
    assert as_json.returncode == 1, as_json.stderr
    data = json.loads(as_json.stdout)
    assert data["ok"] is False
    [problem] = data["problems"]
    assert (problem["file"], problem["line"]) == ("<stdin>", 3)
    assert problem["message"].startswith("YAML syntax error")
    github = piped("rules", "validate", "-", "--format", "github", stdin=bad)
    assert github.returncode == 1
    assert github.stdout.startswith("::error file=<stdin>,line=3,col=1::YAML syntax error")
    ok = piped("rules", "validate", "-", "--json", stdin=ORG_RULEBOOK)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["rulebook"]["id"] == "acme"


def test_extends_in_a_rulebook_on_stdin_is_taken_from_the_working_folder() -> None:
    Path("base").mkdir()
    Path("base", "rules.yaml").write_text(ORG_RULEBOOK, encoding="utf-8")
    child = "rulebook: {id: team, name: Team}\nextends: base\n"
    result = piped("rules", "validate", "-", stdin=child)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: team (")
    missing = piped("rules", "validate", "-", stdin=child.replace("base", "nowhere"))
    assert missing.returncode == 1
    assert missing.stderr == (
        f"advisor: error: <stdin>:2:10: extends: 'nowhere' not found "
        f"(looked at {os.path.realpath('nowhere')})\n"
    )


def test_rules_validate_of_an_empty_stdin_is_an_empty_file() -> None:
    result = advisor_process(
        "rules", "validate", "-", stdin=subprocess.DEVNULL, capture_output=True
    )
    assert result.returncode == 1
    assert result.stderr.startswith("advisor: error: <stdin>:1:1: empty file; a rulebook file")


def test_rules_validate_of_a_closed_stdin() -> None:
    for extra in ((), ("--json",)):
        result = advisor_process(
            "rules", "validate", "-", *extra, capture_output=True, preexec_fn=lambda: os.close(0)
        )
        assert result.returncode == 2
        said = result.stdout if extra else result.stderr
        assert "<stdin>: standard input is closed; give a file instead of '-'" in said


def test_rules_validate_stdin_is_capped_and_taken_alone() -> None:
    big = piped("rules", "validate", "-", stdin="#" * (MAX_BYTES + 10))
    assert big.returncode == 2
    assert big.stderr.startswith("advisor: error: <stdin>: file is ")
    Path("acme.yaml").write_text(ORG_RULEBOOK, encoding="utf-8")
    mixed = piped("rules", "validate", "-", "acme.yaml", stdin=ORG_RULEBOOK)
    assert mixed.returncode == 2
    assert mixed.stderr == (
        "advisor: error: '-' reads one rulebook file from standard input; give it alone, "
        "or name the files and folders instead\n"
    )


# ------------------------------------------------------------------------ rules check|lint|test -


@pytest.mark.parametrize("command", ["check", "lint", "test"])
def test_the_other_rules_commands_read_one_rulebook_file_from_stdin(command: str) -> None:
    # An organisation rulebook of one file, as 'advisor init' scaffolds it: read once,
    # so 'rules check -' validates, lints and tests the same bytes.
    assert run("init", "org").exit_code == 0
    text = Path("org/rulebook.yaml").read_text(encoding="utf-8")
    from_file = run("rules", command, "org/rulebook.yaml")
    from_stdin = piped("rules", command, "-", stdin=text)
    assert from_stdin.returncode == from_file.exit_code == 0, from_stdin.stderr
    assert "standard input" not in from_stdin.stderr
    assert from_stdin.stdout.replace("<stdin>", "org/rulebook.yaml") == from_file.stdout


def test_rules_check_locates_a_bad_rulebook_on_stdin() -> None:
    result = piped("rules", "check", "-", stdin="rulebook: {id: x, name: X}\nroles: [{id: 3}]\n")
    assert result.returncode == 1
    assert "<stdin>:2:" in result.stderr
