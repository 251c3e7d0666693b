"""Code execution and resource attacks: YAML object tags, Jinja2 sandbox escapes
in rule texts and custom templates, and templates that try to exhaust memory or
time.

A canary file proves that nothing ran: every attack that would run a command
runs ``touch CANARY`` in the test's folder. Memory attacks run in a subprocess
under a 500 MB address-space limit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from clitools import ENV, limited, run, workdir  # noqa: F401

from advisor.load.resources import builtin_rules
from advisor.text import sandbox

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
    f.write_text(f.read_text().replace("  - id: gpt-5.4\n",
                                       "  - id: !!python/object/apply:os.system ['touch CANARY']\n",
                                       1))
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
    ("{{ team|attr('__class__') }}", '"attr(\'__class__\')"'),
    ("{{ team['__class__'] }}", '"[\'__class__\']"'),
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


def rules_with_text(text: str) -> Path:
    """A copy of the built-in rules with ``text`` before a data-scientist rule's text.

    The rule is the one GPT-5.4 (23% on MLE-Bench) gets for data processing.
    """
    shutil.copytree(builtin_rules(), "rules")
    f = Path("rules/advice.yaml")
    lines = f.read_text(encoding="utf-8").splitlines(keepends=True)
    [i] = [i for i, ln in enumerate(lines) if ln.startswith("        text: Let {{ model.name }} "
                                                             "draft cleaning")]
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
    result = run("guide", "--defaults", "--rules", "rules", "--model", "gpt-5.4", "--role", "ds",
                 "-o", "out.md")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [line]
    nothing_ran()


@pytest.mark.parametrize("attack", DYNAMIC)
def test_rule_text_escape_built_at_run_time_is_blocked_when_the_rule_applies(attack: str) -> None:
    rules_with_text(attack)
    # The rule is valid as far as anyone can tell without running it...
    assert run("rules", "validate", "rules").exit_code == 0
    # ...and is blocked, located, when a guide needs it (GPT-5.4: 23% on MLE-Bench).
    result = run("guide", "--defaults", "--rules", "rules", "--model", "gpt-5.4", "--role", "ds",
                 "-o", "out.md")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("advisor: error: rules/advice.yaml:")
    assert BLOCKED in line and "__class__" in line
    nothing_ran()


# --------------------------------------------------------------------------- resource attacks

MEMORY_ATTACKS = [
    ("{{ 'x' * 10**10 }}", "repeating a text or list would make 10000000000 characters or items"),
    ("{{ [0] * 10**10 }}", "repeating a text or list would make 10000000000 characters or items"),
    ("{{ [('x' * 1000000)] * 1000000 }}", "repeating a text or list would make"),
    ("{{ 2 ** (10**10) }}", "2 ** 10000000000 is too large a number"),
    ("{{ 'x'|center(10**10) }}", "the center filter would make 10000000000"),
    ("{{ 'x'.ljust(10**9) }}", "str.ljust would make 1000000000"),
    ("{{ 'x'|indent(10**9) }}", "the indent filter would make 1000000000"),
    ("{{ '%999999999s' % 'x' }}", "a format width or precision of a million or more"),
    ("{{ '%*s' % (10**9, 'x') }}", "a format width of 1000000000"),
    ("{{ '{:>999999999}'.format('x') }}", "a format width or precision of a million or more"),
    ("{{ '{:{w}}'.format('x', w=10**9) }}", "a format width of 1000000000"),
    ("{{ '%s'|format('x') ~ '%999999999d'|format(1) }}",
     "a format width or precision of a million or more"),
    ("{{ ('x' * 1000)|replace('x', 'y' * 1000000) }}", "replace would make 1000001000"),
    # Filters turn a list or a number into text before they insert into it.
    ("{{ ([0] * 999)|replace('0', 'x' * 999999)|length }}", "replace would make"),
    ("{{ (10 ** 3000)|replace('1', 'x' * 999999)|length }}", "replace would make"),
    ("{% set ns = namespace(s='x' * 999999) %}{{ ns|replace('x', 'yy')|length }}",
     "replace would make"),
    ("{{ ('a ' * 1000)|wordwrap(1, wrapstring='x' * 999999)|length }}",
     "the wordwrap filter would make"),
    ("{{ ('\n' * 999)|indent('x' * 999999, first=true)|length }}",
     "the indent filter would make"),
    ("{{ ('ab' * 1000)|replace('a', 'xy')|wordwrap(3)|indent('  ')|length }}", None),
    ("{{ range(100000)|join('x' * 100000) }}", "join would make 10000100000"),
    ("{{ range(100000)|map('string')|join('x' * 100000) }}", "join would make"),
    ("{{ ([['x'] * 100] * 100)|sum(start=[])|length }}", None),  # within the limits
    ("{{ ([['x'] * 1000] * 1000)|sum(start=[])|length }}",
     "repeating a text or list would make 1002000"),
    ("{{ [1]|slice(10**9)|list }}", "the slice filter would make 1000000000"),
    ("{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
     "{% endfor %}{{ ns.s|length }}", "joining texts with ~ would make 1048576"),
    ("{% set l = [1] %}{% for i in range(40) %}{{ l.extend(l) }}{% endfor %}",
     "access to attribute 'extend' of 'list' object is unsafe"),
    ("{% macro f(s, n) %}{% if n %}{{ f(s ~ s, n - 1) }}{% else %}{{ s|length }}{% endif %}"
     "{% endmacro %}{{ f('x', 40) }}", "joining texts with ~ would make 1048576"),
    ("{% for i in range(100000) %}{% for j in range(1000) %}xxxxxxxxxxxxxxx{% endfor %}"
     "{% endfor %}", "the template wrote more than 10000000 characters"),
]




@pytest.mark.parametrize(("attack", "message"), MEMORY_ATTACKS)
def test_template_that_would_exhaust_memory_is_stopped(attack: str, message: str | None) -> None:
    Path("t.j2").write_text(attack)
    proc = limited("guide", "--defaults", "--template", "t.j2", "-o", "out.md")
    if message is None:  # within the limits: it just works
        assert proc.returncode == 0, proc.stderr
        return
    assert proc.returncode == 2, proc.stderr[-3000:]
    [line] = proc.stderr.splitlines()
    assert line.startswith("advisor: error: t.j2"), line
    assert BLOCKED + message in line, line
    assert not Path("out.md").exists()


@pytest.mark.parametrize(
    "attack",
    [
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "{% macro d(n) %}{% if n %}{{ d(n - 1) }}{{ d(n - 1) }}{% endif %}{% endmacro %}"
        "{{ d(40) }}",
        "{% for i in range(100000) %}{% for j in range(100000) %}{{ j.real }}{% endfor %}"
        "{% endfor %}",
    ],
    ids=["empty loops", "exponential macro", "loops reading attributes"],
)
def test_template_that_would_run_forever_is_stopped(
    attack: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox, "MAX_SECONDS", 0.5)
    Path("t.j2").write_text(attack)
    result = run("guide", "--defaults", "--template", "t.j2", "-o", "out.md")
    assert result.exit_code == 2
    assert result.stderr == (
        f"advisor: error: t.j2:1:1: {BLOCKED}the template ran for more than 0.5 s; "
        "simplify its loops\n"
    )
    assert not Path("out.md").exists()


def test_rule_text_that_would_exhaust_memory_is_stopped() -> None:
    rules_with_text("{{ 'x' * 10**10 }}")
    result = run("guide", "--defaults", "--rules", "rules", "--model", "gpt-5.4", "--role", "ds",
                 "-o", "out.md")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("advisor: error: rules/advice.yaml:")
    assert f"{BLOCKED}repeating a text or list would make 10000000000" in line
    assert not Path("out.md").exists()


def test_ordinary_template_code_still_works() -> None:
    Path("t.j2").write_text(
        "# {{ team }}\n"
        "{{ 12345678|filesizeformat }} {{ '{:,}'.format(12345678) }} {{ '%5s|' % 'x' }}\n"
        "{{ 'ab' * 3 }} {{ 2 ** 10 }} {{ [1, 2] + [3] }} {{ roles|map(attribute='role.id')"
        "|join(', ') }}\n"
        "{% set ns = namespace(n=0) %}{% for r in roles %}{% set ns.n = ns.n + 1 %}{% endfor %}"
        "{{ ns.n }} roles; {{ range(3)|sum }} {{ [[1], [2]]|sum(start=[]) }}\n"
        "{{ 'x'.center(5) }}|{{ 'a-b'.replace('-', '+') }}|{{ ', '.join(['a', 'b']) }}\n"
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
        "DONE\n"
    )


def test_a_chain_of_tilde_joins_is_refused_before_it_is_built() -> None:
    # 3,000 joins of a million-character text: 3 GB if Jinja2 built it.
    Path("t.j2").write_text("{% set x = 'a' * 1000000 %}{{ x" + " ~ x" * 3000 + " }}\n")
    proc = limited("guide", "--defaults", "--template", "t.j2", "-o", "out.md")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == (
        f"advisor: error: t.j2:1:1: {BLOCKED}joining texts with ~ would make 3001000000 "
        "characters or items; the limit is 1000000\n"
    )
    assert not Path("out.md").exists()


def test_tilde_joins_within_the_limits_still_escape_in_html() -> None:
    Path("t.j2").write_text('{% set x = "ab" %}{{ x ~ 1 ~ x }}|{{ "<" ~ team }}\n')
    result = run("guide", "--defaults", "--team", "A<B", "--format", "html",
                 "--template", "t.j2", "-o", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout == "ab1ab|&lt;A&lt;B\n"


@pytest.mark.parametrize(
    ("body", "what"),
    [
        ("{{ l|string|length }}", "the string filter"),
        ("{{ l|tojson|length }}", "the tojson filter"),
        ("{{ l }}", "printing a list"),
    ],
)
def test_a_list_of_big_texts_is_not_turned_into_one_huge_text(body: str, what: str) -> None:
    # Each item is within the limits; the text of the whole list would be 3 GB.
    items = ", ".join(["x"] * 3000)
    Path("t.j2").write_text("{% set x = 'a' * 1000000 %}{% set l = [" + items + "] %}" + body)
    proc = limited("guide", "--defaults", "--template", "t.j2", "-o", "out.md")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"advisor: error: t.j2:1:1: {BLOCKED}{what} would make ")
    assert not Path("out.md").exists()
