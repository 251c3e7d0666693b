"""Code execution and resource attacks: YAML object tags, Jinja2 sandbox escapes
in rule texts and custom templates, and templates that try to exhaust memory or
time (each stopped by a limit the process keeps, exit 1).

A canary file proves that nothing ran: every attack that would run a command
runs ``touch CANARY`` in the test's folder. Attacks on custom templates run in a
subprocess under a 500 MB address-space limit.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from clitools import HANG_TIMEOUT, child_env, limited, run

from advisor.load.resources import builtin_rules
from advisor.model.location import Location
from advisor.text import sandbox

#: Each test runs in its own folder, with its own rulebook cache (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("workdir")

BLOCKED = "unsafe template blocked by the sandbox: "


def nothing_ran() -> None:
    assert not Path("CANARY").exists(), "the attack ran a command"
    assert not Path("out.md").exists(), "a guide was written"


# --------------------------------------------------------------------------- YAML tags

TAGS = [
    "!!python/object/apply:os.system ['touch CANARY']",
    "!!python/object/apply:subprocess.call [['touch', 'CANARY']]",
    "!!python/object/new:subprocess.Popen [['touch', 'CANARY']]",
    "!!python/name:os.system",
    "!!python/module:os",
    "!!python/object:os._wrap_close {}",
    "!<tag:yaml.org,2002:python/object/apply:os.system> ['touch CANARY']",
    "!!python/tuple [1, 2]",
    "!!binary dG91Y2ggQ0FOQVJZ",
    "!!set {a, b}",
    "!!omap [a: 1]",
]
YAML_SURFACES = {
    "rules validate": (lambda p: ["rules", "validate", p], 1),
    "--scores": (lambda p: ["models", "--scores", p], 1),
    "--answers": (lambda p: ["guide", "--defaults", "--answers", p, "-o", "out.md"], 2),
    "scores import": (lambda p: ["scores", "import", p, "-o", "out.md"], 2),
}


@pytest.mark.parametrize("surface", list(YAML_SURFACES))
@pytest.mark.parametrize("tag", TAGS)
def test_yaml_tags_that_build_objects_are_refused(surface: str, tag: str) -> None:
    argv, code = YAML_SURFACES[surface]
    Path("evil.yaml").write_text(f"team: x\nmodels: {tag}\n")
    result = run(*argv("evil.yaml"))
    assert result.exit_code == code
    [line] = result.stderr.splitlines()
    assert line.startswith("advisor: error: evil.yaml:2:9: YAML tag '")
    assert line.endswith("is not allowed: advisor reads plain data only")
    nothing_ran()


def test_a_tag_inside_the_builtin_rulebook_copy_is_refused() -> None:
    shutil.copytree(builtin_rules(), "rules")
    f = Path("rules/models.yaml")
    f.write_text(
        f.read_text().replace(
            "  - id: gpt-5.4\n", "  - id: !!python/object/apply:os.system ['touch CANARY']\n", 1
        )
    )
    result = run("guide", "--defaults", "--rules", "rules", "-o", "out.md")
    assert result.exit_code == 1
    assert "YAML tag '!!python/object/apply:os.system' is not allowed" in result.stderr
    nothing_ran()


# --------------------------------------------------------------------------- sandbox escapes

#: Attacks a reader can see in the source: refused when the template is loaded.
STATIC = [
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "'.__class__'"),
    ("{{ cycler.__init__.__globals__.os.system('touch CANARY') }}", "'.__init__'"),
    ("{{ joiner.__init__.__globals__['os'].system('touch CANARY') }}", "'.__init__'"),
    ("{{ lipsum.__globals__['os'].popen('touch CANARY').read() }}", "'.__globals__'"),
    ("{{ namespace.__init__.__globals__ }}", "'.__init__'"),
    ("{{ self._TemplateReference__context }}", "'._TemplateReference__context'"),
    ("{{ team|attr('__class__') }}", "\"attr('__class__')\""),
    ("{{ team['__class__'] }}", "\"['__class__']\""),
    ("{{ '{0.__class__.__init__.__globals__}'.format(team) }}", "'{0.__class__'"),
    ("{{ '{0[__builtins__]}'.format(team) }}", "'{0[__builtins__'"),
    ("{{ ().__class__.__base__.__subclasses__() }}", "'.__class__'"),
    ("{% set x = model.__class__ %}{{ x }}", "'.__class__'"),
]
#: Attacks built at run time: the sandbox refuses them as they run.
DYNAMIC = [
    "{{ team|attr('__cla' ~ 'ss__') }}",
    "{{ ('{0.' ~ '__class__}').format(team) }}",
    "{{ team[('__cla' ~ 'ss__')] }}",
    "{{ ('{x.' ~ '__class__}').format_map({'x': team}) }}",
]


@pytest.mark.parametrize(("attack", "what"), STATIC)
def test_template_escape_seen_in_the_source_is_refused_with_its_line(
    attack: str, what: str
) -> None:
    Path("t.j2").write_text("# {{ team }}\n\n" + attack + "\n")
    result = run("guide", "--defaults", "--template", "t.j2", "-o", "out.md")
    assert result.exit_code == 2
    assert result.stderr == (
        f"advisor: error: t.j2:3:1: {BLOCKED}{what} reaches for Python internals; remove it\n"
    )
    nothing_ran()


@pytest.mark.parametrize("attack", DYNAMIC)
def test_template_escape_built_at_run_time_is_blocked_with_its_line(attack: str) -> None:
    Path("t.j2").write_text("# {{ team }}\n\n" + attack + "\n")
    result = run("guide", "--defaults", "--template", "t.j2", "-o", "out.md")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"advisor: error: t.j2:3:1: {BLOCKED}"), line
    assert "__class__" in line
    nothing_ran()


#: A guide whose advice comes from the rule that rules_with_text changes (the rule applies
#: to GPT-5.4's data scientists: 23% on MLE-Bench).
GUIDE_BY_THE_RULE = (
    "guide", "--defaults", "--rules", "rules", "--model", "gpt-5.4", "--role", "ds",
    "-o", "out.md",
)  # fmt: skip


def rules_with_text(text: str) -> Path:
    """A copy of the built-in rules with ``text`` before a data-scientist rule's text.

    The rule is the one GPT-5.4 (23% on MLE-Bench) gets for data processing.
    """
    shutil.copytree(builtin_rules(), "rules")
    f = Path("rules/advice.yaml")
    lines = f.read_text(encoding="utf-8").splitlines(keepends=True)
    [i] = [
        i
        for i, ln in enumerate(lines)
        if ln.startswith("        text: Let {{ model.name }} draft cleaning")
    ]
    value = text + " " + lines[i].removeprefix("        text: ").rstrip("\n")
    lines[i] = "        text: '" + value.replace("'", "''") + "'\n"
    f.write_text("".join(lines), encoding="utf-8")
    return f


@pytest.mark.parametrize(("attack", "what"), STATIC)
def test_rule_text_escape_is_refused_by_rules_validate(attack: str, what: str) -> None:
    f = rules_with_text(attack)
    result = run("rules", "validate", "rules")
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    text = f.read_text(encoding="utf-8")
    line_no = text[: text.index("draft cleaning")].count("\n") + 1
    assert line == (
        f"advisor: error: rules/advice.yaml:{line_no}:15: {BLOCKED}{what} reaches for Python "
        "internals; remove it"
    )
    # Rule texts are compiled when a guide needs them: this rule applies to GPT-5.4's
    # data scientists, and the guide stops with the same located error.
    result = run(*GUIDE_BY_THE_RULE)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [line]
    nothing_ran()


@pytest.mark.parametrize("command", ["lint", "test", "check"])
@pytest.mark.parametrize(
    ("attack", "problem"),
    [
        (STATIC[0][0], BLOCKED),
        ("Hello {{ model.name ", "template syntax error in text: expected token"),
    ],
    ids=["unsafe", "syntax"],
)
def test_lint_test_and_check_refuse_a_text_validate_refuses(
    command: str, attack: str, problem: str
) -> None:
    """They report the rulebook as validate does, never a traceback or a pass."""
    f = rules_with_text(attack)
    result = run("rules", command, "rules")
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    text = f.read_text(encoding="utf-8")
    line_no = text[: text.index("draft cleaning")].count("\n") + 1
    assert line.startswith(f"advisor: error: rules/advice.yaml:{line_no}:15: {problem}")
    assert result.stdout == ""


def _peak_rss_mb(*args: str) -> tuple[int, float]:
    """``python -m advisor ARGS`` under a 3 GB address-space cap: its exit code and its
    peak resident memory in MB."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))

    proc = subprocess.Popen(
        [sys.executable, "-m", "advisor", *args],
        env=child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=cap,
    )
    hang = threading.Timer(HANG_TIMEOUT, proc.kill)
    hang.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)  # Popen's wait gives no peak memory
    finally:
        hang.cancel()
        proc.returncode = 0  # reaped here, not by Popen
    return os.waitstatus_to_exitcode(status), usage.ru_maxrss / 1024


@pytest.mark.parametrize("command", ["lint", "check"])
def test_lint_finds_a_texts_variables_within_the_limits(command: str) -> None:
    """Finding a text's variables compiles it, and Jinja2 computes constant parts then:
    a gigabyte-sized constant stays under the memory cap, as in validate and guides."""
    rules_with_text('{{ "x" * 10**9 }}')
    code, peak = _peak_rss_mb("rules", command, "rules")
    assert code in (0, 1)
    assert peak < 600, f"rules {command} peaked at {peak:.0f} MB"


@pytest.mark.parametrize("attack", DYNAMIC)
def test_rule_text_escape_built_at_run_time_is_blocked_when_the_rule_applies(attack: str) -> None:
    rules_with_text(attack)
    # The rule is valid as far as anyone can tell without running it...
    assert run("rules", "validate", "rules").exit_code == 0
    # ...and is blocked, located, when a guide needs it (GPT-5.4: 23% on MLE-Bench).
    result = run(*GUIDE_BY_THE_RULE)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("advisor: error: rules/advice.yaml:")
    assert BLOCKED in line and "__class__" in line
    nothing_ran()


# --------------------------------------------------------------------------- resource attacks
#
# Templates and texts from files render under limits the process keeps: a timer signal, an
# address-space cap, an output cap. The time limit is 0.5 s here (ADVISOR_RENDER_TIMEOUT) to
# keep the tests fast; one test checks the default.

STOPPED = "stopped at its limit: "
TIME = "it ran for more than 0.5 s; simplify its loops"
MEMORY = f"it needed more than {sandbox.MAX_MEMORY // 2**20} MB of memory; build smaller values"
OUTPUT = f"it wrote more than {sandbox.MAX_OUTPUT:,} characters; write less"


@pytest.fixture(autouse=True)
def one_second(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sandbox.TIMEOUT_VARIABLE, "0.5")


#: Attacks on memory, time and output that Jinja2's sandbox lets through, each with the limit
#: that stops it (None: whichever comes first on this machine).
LIMIT_ATTACKS = [
    ("{{ 'x' * 10**10 }}", MEMORY),
    ("{{ [0] * 10**10 }}", MEMORY),
    ("{{ [('x' * 1000000)] * 1000000 }}", None),
    ("{{ 2 ** (10**10) }}", None),
    ("{{ 10 ** (10**8) }}", TIME),
    (
        "{% set a = 10 ** (10**6 + team|length) %}{% set b = a * a %}{% set c = b * b %}"
        "{% set d = c * c %}{% set e = d * d %}{{ (e * e) > 0 }}",
        TIME,
    ),
    ("{{ 'x'|center(10**10) }}", MEMORY),
    ("{{ 'x'.ljust(10**9) }}", MEMORY),
    ("{{ 'x'|indent(10**9) }}", MEMORY),
    ("{{ '%999999999s' % 'x' }}", MEMORY),
    ("{{ '%*s' % (10**9, 'x') }}", MEMORY),
    ("{{ '{:>999999999}'.format('x') }}", MEMORY),
    ("{{ '{:{w}}'.format('x', w=10**9) }}", MEMORY),
    ("{{ '%s'|format('x') ~ '%999999999d'|format(1) }}", MEMORY),
    ("{{ ('x' * 1000)|replace('x', 'y' * 1000000) }}", MEMORY),
    ("{{ ([0] * 999)|replace('0', 'x' * 999999)|length }}", None),
    ("{% set ns = namespace(s='x' * 999999) %}{{ ns|replace('x', 'yy' * 1000)|length }}", None),
    ("{{ ('a ' * 1000)|wordwrap(1, wrapstring='x' * 999999)|length }}", None),
    ("{{ range(100000)|join('x' * 100000) }}", MEMORY),
    ("{{ range(100000)|map('string')|join('x' * 100000) }}", None),
    ("{{ ([['x'] * 1000] * 1000)|sum(start=[])|length }}", None),
    ("{{ [1]|slice(10**9)|list }}", None),
    (
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}{{ ns.s|length }}",
        None,  # memory, or time on a busy machine: each doubling copies the string
    ),
    (
        "{% macro f(s, n) %}{% if n %}{{ f(s ~ s, n - 1) }}{% else %}{{ s|length }}{% endif %}"
        "{% endmacro %}{{ f('x', 40) }}",
        None,
    ),
    ("{% set x = 'a' * 1000000 %}{{ x" + " ~ x" * 3000 + " }}", None),
    (
        "{% for i in range(100000) %}{% for j in range(1000) %}xxxxxxxxxxxxxxx{% endfor %}"
        "{% endfor %}",
        OUTPUT,
    ),
    ("{{ lipsum(n=10**6, html=false)|length }}", None),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", TIME),
    (
        "{% macro d(n) %}{% if n %}{{ d(n - 1) }}{{ d(n - 1) }}{% endif %}{% endmacro %}"
        "{{ d(40) }}",
        TIME,
    ),
    (
        "{% for i in range(100000) %}{% for j in range(100000) %}{{ j.real }}{% endfor %}"
        "{% endfor %}",
        None,
    ),
]
#: Attacks today's sandbox must stop wherever the text comes from: loops over lists and
#: strings, work inside filters, lipsum, huge repetition, recursion, shared structures as text.
EVERYWHERE = [
    ("{% for a in 'x' * 100000 %}{% for b in 'x' * 100000 %}{% endfor %}{% endfor %}", TIME),
    ("{% for a in [0] * 100000 %}{% for b in [team] * 100000 %}{% endfor %}{% endfor %}", TIME),
    ("{{ lipsum(n=10**6)|length }}", None),
    ("{{ (['x' * 1000] * 1000000)|join|length }}", None),
    ("{{ ((range(100000)|list) * 100)|sort|length }}", None),
    ("{{ ('x' * 10**9) }}", MEMORY),
    (
        "{% macro d(n) %}{% if n %}{{ d(n - 1) }}{{ d(n - 1) }}{% endif %}{% endmacro %}"
        "{{ d(40) }}",
        TIME,
    ),
    ("{% set a = ['x' * 1000] * 1000 %}{% set b = [a] * 1000 %}{{ b }}", None),
    ("{% set a = ['x' * 1000] * 1000 %}{{ ([a] * 1000)|string|length }}", None),
    ("{% set a = ['x' * 1000] * 1000 %}{{ ([a] * 1000)|tojson|length }}", None),
]


def assert_stopped(line: str, limit: str | None, subject: str = "template") -> None:
    assert f"{subject} {STOPPED}" in line, line
    if limit is not None:
        assert line.endswith(limit), line
    else:
        assert line.endswith((TIME, MEMORY, OUTPUT)), line


@pytest.mark.parametrize(("attack", "limit"), LIMIT_ATTACKS + EVERYWHERE)
def test_a_template_past_a_limit_is_stopped(attack: str, limit: str | None) -> None:
    # A subprocess in 500 MB of address space, as a user's shell would run it.
    Path("t.j2").write_text("# {{ team }}\n" + attack + "\n")
    proc = limited("guide", "--defaults", "--template", "t.j2", "-o", "out.md")
    assert proc.returncode == 1, proc.stderr[-3000:]
    [line] = proc.stderr.splitlines()
    assert line.startswith("advisor: error: t.j2"), line
    assert_stopped(line, limit)
    assert not Path("out.md").exists()


@pytest.mark.parametrize(("attack", "limit"), EVERYWHERE)
def test_a_rule_text_past_a_limit_is_stopped_in_a_guide(attack: str, limit: str | None) -> None:
    # In a child process, as a user runs it: a test process has gc callbacks (hypothesis)
    # and hooks of its own that the timer's exception could land in.
    rules_with_text(attack)
    result = limited(*GUIDE_BY_THE_RULE)
    assert result.returncode == 1, result.stderr[-3000:]
    [line] = result.stderr.splitlines()
    assert line.startswith("advisor: error: rules/advice.yaml:"), line
    assert_stopped(line, limit, "text")
    assert not Path("out.md").exists()


@pytest.mark.parametrize(("attack", "limit"), EVERYWHERE)
def test_rules_test_ends_with_the_limit_of_a_rule_text(attack: str, limit: str | None) -> None:
    # 'rules test' is a pre-commit hook: a text that runs forever must not hang it.
    rules_with_text(attack)
    result = limited("rules", "test", "rules")
    assert result.returncode == 1, result.stderr[-3000:]
    lines = [ln for ln in (result.stdout + result.stderr).splitlines() if STOPPED in ln]
    assert lines, result.stdout + result.stderr
    assert "rules/advice.yaml:" in lines[0]
    assert_stopped(lines[0], limit, "text")


def test_the_default_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(sandbox.TIMEOUT_VARIABLE)
    Path("t.j2").write_text(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    )
    result = run("guide", "--defaults", "--template", "t.j2", "-o", "out.md")
    assert result.exit_code == 1
    assert result.stderr == (
        f"advisor: error: t.j2:1:1: template {STOPPED}it ran for more than "
        f"{sandbox.MAX_SECONDS:g} s; simplify its loops\n"
    )
    assert not Path("out.md").exists()


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1e9"])
def test_a_bad_time_limit_setting_is_an_error(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sandbox.TIMEOUT_VARIABLE, value)
    Path("t.j2").write_text("# {{ team }}\n")
    result = run("guide", "--defaults", "--template", "t.j2", "-o", "out.md")
    assert result.exit_code == 2
    assert result.stderr == (
        f"advisor: error: {sandbox.TIMEOUT_VARIABLE}={value!r}: not a number of seconds between "
        "0 and 3600; set it to e.g. 5 or unset it\n"
    )


def test_the_limits_are_restored_after_a_render_that_hit_one() -> None:
    before = (
        signal.getsignal(signal.SIGALRM),
        signal.getitimer(signal.ITIMER_REAL),
        resource.getrlimit(resource.RLIMIT_AS),
        resource.getrlimit(resource.RLIMIT_CPU),
    )
    Path("t.j2").write_text(
        "{{ 'x' * 10**10 }}{% for i in range(100000) %}"
        "{% for j in range(100000) %}{% endfor %}{% endfor %}"
    )
    assert run("guide", "--defaults", "--template", "t.j2", "-o", "out.md").exit_code == 1
    Path("t.j2").write_text(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    )
    assert run("guide", "--defaults", "--template", "t.j2", "-o", "out.md").exit_code == 1
    after = (
        signal.getsignal(signal.SIGALRM),
        signal.getitimer(signal.ITIMER_REAL),
        resource.getrlimit(resource.RLIMIT_AS),
        resource.getrlimit(resource.RLIMIT_CPU),
    )
    assert after == before


def test_a_rule_text_with_a_slow_constant_is_stopped_while_the_rulebook_loads() -> None:
    # Jinja2 computes constant parts while compiling: that is limited too.
    f = rules_with_text("{{ 10 ** (10**8) }}")
    result = run("rules", "validate", "rules")
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    text = f.read_text(encoding="utf-8")
    line_no = text[: text.index("draft cleaning")].count("\n") + 1
    assert line == f"advisor: error: rules/advice.yaml:{line_no}:15: text {STOPPED}{TIME}"


def test_a_copy_of_the_built_in_rulebook_is_not_built_in_in_another_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same relative file name in another working folder is another file: texts of a
    copy of the built-in rulebook keep their limits in a process that has already seen
    the built-in one by that name (a long-lived library process, or a test worker)."""
    here = Path.cwd()
    builtin = Path(builtin_rules())
    assert builtin.name == "rules"
    monkeypatch.chdir(builtin.parent)
    assert sandbox.is_builtin(Location("rules/advice.yaml", 1, 1))
    monkeypatch.chdir(here)
    rules_with_text("{{ 1 }}")  # a copy, by the same relative name
    assert not sandbox.is_builtin(Location("rules/advice.yaml", 1, 1))


def test_an_endless_recursion_in_a_macro_is_a_clean_error() -> None:
    Path("t.j2").write_text("{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}{{ r(0) }}\n")
    result = run("guide", "--defaults", "--template", "t.j2", "-o", "out.md")
    assert result.exit_code == 2
    assert result.stderr.startswith("advisor: error: t.j2:1:1: template failed: RecursionError")
    assert not Path("out.md").exists()


def test_a_batch_writes_no_guide_for_rows_whose_template_hit_a_limit(tmp_path: Path) -> None:
    Path("t.j2").write_text("# {{ team }}\n{% if team == 'B' %}{{ 'x' * 10**10 }}{% endif %}\n")
    Path("teams.csv").write_text("team,model\nA,gpt-5.5\nB,gpt-5.5\n")
    Path("out").mkdir()
    result = run("batch", "teams.csv", "--out-dir", "out", "--template", "t.j2")
    assert result.exit_code == 1
    assert sorted(p.name for p in Path("out").iterdir()) == ["a.md"]
    assert f"t.j2:2:1: template {STOPPED}{MEMORY}" in result.output


def test_the_built_in_templates_and_rulebook_render_off_the_main_thread() -> None:
    # Only what comes from files needs the limits, and so the main thread.
    out: list[object] = []
    thread = threading.Thread(
        target=lambda: out.append(run("guide", "--defaults", "-o", "out.md").exit_code)
    )
    thread.start()
    thread.join()
    assert out == [0]
    Path("t.j2").write_text("# {{ team }}\n")
    thread = threading.Thread(
        target=lambda: out.append(
            run("guide", "--defaults", "--template", "t.j2", "-o", "custom.md").stderr
        )
    )
    thread.start()
    thread.join()
    assert out[1] == (
        "advisor: error: templates and rule texts from files are rendered only in a program's "
        "main thread, where their time limit can be kept; render from the main thread\n"
    )
    assert not Path("custom.md").exists()


def test_ordinary_template_code_still_works() -> None:
    Path("t.j2").write_text(
        "# {{ team }}\n"
        "{{ 12345678|filesizeformat }} {{ '{:,}'.format(12345678) }} {{ '%5s|' % 'x' }}\n"
        "{{ 'ab' * 3 }} {{ 2 ** 10 }} {{ [1, 2] + [3] }} {{ roles|map(attribute='role.id')"
        "|join(', ') }}\n"
        "{% set ns = namespace(n=0) %}{% for r in roles %}{% set ns.n = ns.n + 1 %}{% endfor %}"
        "{{ ns.n }} roles; {{ range(3)|sum }} {{ [[1], [2]]|sum(start=[]) }}\n"
        "{{ 'x'.center(5) }}|{{ 'a-b'.replace('-', '+') }}|{{ ', '.join(['a', 'b']) }}\n"
        "{{ ('ab' * 1000)|replace('a', 'xy')|wordwrap(3)|indent('  ')|length }} "
        "{{ ([['x'] * 100] * 100)|sum(start=[])|length }}\n"
        "{% for i in range(1000) %}{% endfor %}{{ 'done'|upper }}\n"
    )
    result = run("guide", "--defaults", "--template", "t.j2", "-o", "out.md")
    assert result.exit_code == 0, result.stderr
    assert Path("out.md").read_text(encoding="utf-8") == (
        "# ML team\n"
        "12.3 MB 12,345,678     x|\n"
        "ababab 1024 [1, 2, 3] data-scientist, ml-engineer, tech-lead, student\n"
        "4 roles; 3 [1, 2]\n"
        "  x  |a+b|a, b\n"
        "5997 10000\n"
        "DONE\n"
    )


def test_list_methods_that_change_a_list_stay_refused() -> None:
    Path("t.j2").write_text(
        "{% set l = [1] %}{% for i in range(40) %}{{ l.extend(l) }}{% endfor %}"
    )
    result = run("guide", "--defaults", "--template", "t.j2", "-o", "out.md")
    assert result.exit_code == 2
    assert result.stderr == (
        f"advisor: error: t.j2:1:1: {BLOCKED}access to attribute 'extend' of 'list' object is "
        "unsafe.\n"
    )
    assert not Path("out.md").exists()


def test_tilde_joins_within_the_limits_still_escape_in_html() -> None:
    Path("t.j2").write_text('{% set x = "ab" %}{{ x ~ 1 ~ x }}|{{ "<" ~ team }}\n')
    result = run(
        "guide", "--defaults", "--team", "A<B", "--format", "html", "--template", "t.j2", "-o", "-"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "ab1ab|&lt;A&lt;B\n"
