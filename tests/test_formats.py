"""The guide in every wiki format, read back by a real parser of each format.

Markdown with markdown-it-py (GFM tables cell by cell, the Mermaid chart),
HTML with html5lib in strict mode (plus self-containment), Confluence storage
format with an XML parser, MediaWiki with mwparserfromhell. The built-in
rulebook checks structure; a hostile rulebook (tests/fixtures/hostile) checks
that every text stays literal and inside its table cell in every format.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from format_parsers import (
    PARSERS,
    Parsed,
    Table,
    mermaid_xychart,
    norm,
    parse_confluence,
    parse_html,
    parse_markdown,
    parse_mediawiki,
    visible,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.cli.app import cli
from advisor.evaluation.questionnaire import resolve_answers
from advisor.evaluation.results import Result, StageAdvice
from advisor.load.rulebook import Rulebook, load_rulebook
from advisor.rendering.guide import make_guide
from advisor.rendering.templates import environment, level_tone, mediawiki_text

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
DATE = "2026-05-01"
WIKI_FORMATS = ("md", "html", "confluence", "mediawiki")


@cache
def builtin() -> Rulebook:
    return load_rulebook()


@cache
def hostile() -> Rulebook:
    return load_rulebook(HOSTILE)


@cache
def rendered(
    which: str, fmt: str, fragment: bool = False, baseline: bool = True
) -> tuple[str, Result]:
    book = builtin() if which == "builtin" else hostile()
    given: dict[str, Any] = {} if baseline else {"baseline": "none"}
    answers = resolve_answers(book, given, use_defaults=True)
    g = make_guide(book, answers, date=DATE, fmt=fmt, fragment=fragment)
    return g.text, g.result


def parse(fmt: str, text: str, fragment: bool = False) -> Parsed:
    if fmt == "html":
        return parse_html(text, fragment=fragment)
    return PARSERS[fmt](text)


def table_with(parsed: Parsed, first_header: str, *more: str) -> list[Table]:
    return [t for t in parsed.tables if t.header[: 1 + len(more)] == [first_header, *more]]


# --------------------------------------------------------------------------- structure


def shown_level(book: Rulebook, s: StageAdvice) -> str:
    """The level a guide shows for a stage (issue 14): not assessed, no rule, or provisional."""
    if not s.assessed:
        return "Not assessed"
    if s.advice is None:
        return "No rule"
    name = book.levels[book.level_rank(s.advice.autonomy or "")].name
    return f"{name} (provisional)" if s.provisional else name


@pytest.mark.parametrize("fmt", WIKI_FORMATS)
def test_every_table_of_the_guide_parses_with_its_rows_and_cells(fmt: str) -> None:
    text, result = rendered("builtin", fmt)
    parsed = parse(fmt, text)
    book = builtin()
    # comparison, selection guide, overview, scale, and one table per role
    assert len(parsed.tables) == 4 + len(result.roles)
    for r in result.roles:
        [table] = [
            t
            for t in parsed.tables
            if t.header[:2] == ["Stage", "Autonomy"]
            and t.rows
            and t.column("Rule")[0] == (r.stages[0].advice.rule if r.stages[0].advice else "")
        ]
        assert table.column("Stage") == [book.stages[s.stage].name for s in r.stages]
        shown = [c.upper() for c in table.column("Autonomy")]
        assert shown == [shown_level(book, s).upper() for s in r.stages if s.advice]
        assert table.column("What to hand over") == [s.advice.text for s in r.stages if s.advice]


@pytest.mark.parametrize("fmt", WIKI_FORMATS)
def test_autonomy_overview_is_a_role_by_stage_table_of_levels(fmt: str) -> None:
    text, result = rendered("builtin", fmt)
    book = builtin()
    [overview] = table_with(parse(fmt, text), "Role", *[s.name for s in book.stages.values()])
    assert [row[0] for row in overview.rows] == [book.roles[r.role].plural for r in result.roles]
    for row, r in zip(overview.rows, result.roles, strict=True):
        expected = [shown_level(book, s) for s in r.stages]
        assert [c.upper() for c in row[1:]] == [e.upper() for e in expected]
    # GPT-5.5's figures are all unverified: every cell of its guide is provisional
    assert all(c.upper().endswith("(PROVISIONAL)") for row in overview.rows for c in row[1:])


UNVERIFIED_NOTE = "Scores marked unverified come from secondary pages"
FLAGGED_NOTE = "Scores marked flagged carry a flag (known-leakage); see the caveats."


@pytest.mark.parametrize("fmt", WIKI_FORMATS)
@pytest.mark.parametrize(
    ("model", "unverified", "flagged"),
    [
        ("gpt-5.5", True, False),  # both figures unverified (the seed's)
        ("disarray-ensemble", False, True),  # verified, leakage-flagged
        ("codex-cli-gpt-5.4", False, False),  # verified, unflagged, no baseline below
    ],
)
def test_the_note_under_the_comparison_explains_only_the_marks_it_shows(
    fmt: str, model: str, unverified: bool, flagged: bool
) -> None:
    book = builtin()
    given = (
        {"model": model} if model != "codex-cli-gpt-5.4" else {"model": model, "baseline": "none"}
    )
    answers = resolve_answers(book, given, use_defaults=True)
    text = norm(parse(fmt, make_guide(book, answers, date=DATE, fmt=fmt).text).text)
    assert "Numbers in brackets refer to the" in text
    assert (UNVERIFIED_NOTE in text) is unverified
    assert (FLAGGED_NOTE in text) is flagged


def mermaid_charts(text: str) -> list[tuple[str, list[str], list[float]]]:
    """Every Mermaid chart of a Markdown guide: its title, bar labels and values."""
    fences = [f for f in parse_markdown(text).extra["fences"] if f[0] == "mermaid"]
    out = []
    for _, block in fences:
        labels, values = mermaid_xychart(block)
        [title] = re.findall(r'^\s*title "([^"]*)"$', block, re.M)
        out.append((title, labels, values))
    return out


def table_number(cell: str) -> float | None:
    """The score of a comparison-table cell ("36% (unverified) [1]"), None for n/a."""
    m = re.match(r"(\d+(?:\.\d+)?)%", cell)
    return float(m.group(1)) if m else None


def test_markdown_has_one_mermaid_chart_per_benchmark_matching_the_table() -> None:
    text, result = rendered("builtin", "md")
    charts = mermaid_charts(text)
    [table] = table_with(parse_markdown(text), "Benchmark")
    # Never two benchmarks in one chart: one chart each, titled with its name.
    assert [title for title, _, _ in charts] == [f"{row[0]} (%)" for row in table.rows]
    for (_, labels, values), row in zip(charts, table.rows, strict=True):
        shown = [table_number(row[1]), table_number(row[2])]
        # The chart's numbers are the table's, rounded alike; n/a gets no bar.
        assert values == [v for v in shown if v is not None]
        # Model and baseline are told apart by short labels the key spells out.
        expected = [
            name + (" (unverified)" if "(unverified)" in cell else "")
            for name, cell, v in zip(("Model", "Baseline"), row[1:3], shown, strict=True)
            if v is not None
        ]
        assert labels == expected
    assert [c[2] for c in charts] == [[36, 23], [82.7]]
    words = " ".join(parse_markdown(text).text.split())
    assert (
        "Chart key: Model = GPT-5.5; Baseline = GPT-5.4. One chart per benchmark: scores on "
        "different benchmarks measure different things and are not comparable."
    ) in words
    assert len(result.comparison) == len(charts)


def test_markdown_chart_without_a_baseline_has_only_the_model() -> None:
    text, _ = rendered("builtin", "md", baseline=False)
    charts = mermaid_charts(text)
    assert [(labels, values) for _, labels, values in charts] == [
        (["Model (unverified)"], [36]),
        (["Model (unverified)"], [82.7]),
    ]
    assert "Chart key: Model = GPT-5.5. One chart per benchmark" in text


def svg_of(page: str) -> ET.Element:
    """The guide's inline SVG chart, parsed as the XML it must be."""
    [svg] = re.findall(r"<svg .*?</svg>", page, re.S)
    return ET.fromstring(svg)


def own_text(el: ET.Element) -> str:
    """An SVG text's words, without its tooltip (<title>)."""
    return "".join([el.text or ""] + [child.tail or "" for child in el]).strip()


def test_html_svg_chart_has_a_key_and_a_panel_per_benchmark() -> None:
    text, result = rendered("builtin", "html")
    svg = svg_of(text)
    width = float(svg.get("width", "0"))
    texts = {
        cls: [el for el in svg.iter("text") if el.get("class") == cls]
        for cls in ("key", "benchmark", "label", "value")
    }
    # The key says which colour is which model.
    key_rects = [r for r in svg.findall("rect") if not r.findall("title")]
    assert [r.get("class") for r in key_rects] == ["bar-0", "bar-1"]
    assert [own_text(el) for el in texts["key"]] == ["Model: GPT-5.5", "Baseline: GPT-5.4"]
    # One panel per benchmark, each with its own axis: no series across benchmarks.
    panels = svg.findall("g")
    titles = [p.find("text[@class='benchmark']") for p in panels]
    assert [own_text(el) for el in titles if el is not None] == [
        builtin().benchmarks[c.benchmark].name for c in result.comparison
    ]
    parsed = parse_html(text)
    [table] = table_with(parsed, "Benchmark")
    for panel, row in zip(panels, table.rows, strict=True):
        bars = panel.findall("rect")
        assert [b.get("class") for b in bars] == ["bar-0", "bar-1"]  # model, baseline
        labels = [own_text(el) for el in panel.findall("text[@class='label']")]
        assert labels == ["Model", "Baseline"]
        values = [own_text(el) for el in panel.findall("text[@class='value']")]
        # The numbers are the table's ("36% (unverified) [1]" there, without the source).
        assert values == [re.sub(r" \[\d+\]$", "", cell) for cell in row[1:3]]
        for bar, cell in zip(bars, row[1:3], strict=True):
            score = table_number(cell) or 0.0
            assert float(bar.get("width", "-1")) == pytest.approx(460 * score / 100, abs=0.05)
        ticks = [own_text(el) for el in panel.findall("text[@class='tick']")]
        assert ticks == ["0%", "25%", "50%", "75%", "100%"]
    # Every value label starts inside the chart and leaves room for its text.
    for el in texts["value"]:
        assert float(el.get("x", "0")) + 7 * len(own_text(el)) <= width


def test_html_chart_keeps_labels_short_when_model_names_are_long() -> None:
    book = builtin()
    answers = resolve_answers(
        book,
        {"model": "pievolve-gemini-3-pro-preview-24h", "baseline": "operand-ensemble-gpt-5"},
        use_defaults=True,
    )
    page = make_guide(book, answers, date=DATE, fmt="html").text
    svg = svg_of(page)
    labels = {own_text(el) for el in svg.iter("text") if el.get("class") == "label"}
    assert labels == {"Model", "Baseline"}
    key = [el for el in svg.iter("text") if el.get("class") == "key"]
    assert [own_text(el) for el in key] == [
        "Model: Gemini-3-Pro-Preview (PiEvolve (Fractal AI Research), 24 h)",
        "Baseline: gpt-5 (low verbosity/effort) (Operand ensemble)",
    ]
    md = make_guide(book, answers, date=DATE, fmt="md").text
    assert {tuple(labels) for _, labels, _ in mermaid_charts(md)} == {("Model", "Baseline")}


def test_html_is_one_selfcontained_printable_page_with_an_svg_chart() -> None:
    text, result = rendered("builtin", "html")
    parsed = parse_html(text)
    doc = parsed.extra["doc"]
    css = "".join(el.text or "" for el in doc.iter("style"))
    assert "@media print" in css
    # every level has its own colour, and overview cells carry their level's class
    for lv in builtin().levels:
        assert f".level-{builtin().level_rank(lv.id)} {{ background: #" in css
    cells = [td for td in doc.iter("td") if "level" in (td.get("class") or "").split()]
    # the scale's cells name each level; the overview's are provisional (unverified figures)
    ranks = {lv.name: i for i, lv in enumerate(builtin().levels)}
    ranks |= {f"{lv.name} (provisional)": i for i, lv in enumerate(builtin().levels)}
    assert cells and all(f"level-{ranks[td.text]}" in td.get("class", "").split() for td in cells)
    assert sum(td.text.endswith(" (provisional)") for td in cells) == 2 * 16  # overview, roles
    # the only links: anchors in the page and sources on the web
    assert all(h.startswith("#") or h.startswith("https://") for h in parsed.extra["links"])
    assert any(h.startswith("https://") for h in parsed.extra["links"])


def test_confluence_levels_are_status_macros_with_their_colour() -> None:
    text, result = rendered("builtin", "confluence")
    statuses = parse_confluence(text).extra["statuses"]
    by_title = {s["title"]: s["colour"] for s in statuses}
    assert by_title["SUPERVISED"] == "Green"
    n = len(builtin().levels)
    for i, lv in enumerate(builtin().levels):
        assert by_title[lv.name.upper()] == level_tone(i, n)
    # scale (one per level) + overview (role x stage) + role tables (role x stage)
    cells = sum(len(r.stages) for r in result.roles)
    assert len(statuses) == n + 2 * cells


def test_mediawiki_uses_wikitables_and_colours_the_overview() -> None:
    text, _ = rendered("builtin", "mediawiki")
    parsed = parse_mediawiki(text)
    assert text.count('{| class="wikitable"') == len(parsed.tables)
    assert parsed.extra["italics"] == 1  # the line under the title, nothing else
    assert 'style="background:#d1fae5;" | Supervised' in text


# --------------------------------------------------------------------------- fragment


@pytest.mark.parametrize("fmt", WIKI_FORMATS)
def test_fragment_leaves_out_the_title_block(fmt: str) -> None:
    full, _ = rendered("builtin", fmt)
    part, _ = rendered("builtin", fmt, fragment=True)
    title = "ML team: adopting GPT-5.5"
    assert title in norm(parse(fmt, full).text)
    parsed = parse(fmt, part, fragment=True)
    assert title not in norm(parsed.text)
    assert len(parsed.tables) == len(parse(fmt, full).tables)
    if fmt == "md":
        assert part.startswith("## Bottom line")
    if fmt == "html":
        assert "<html" not in part and "<head>" not in part and "<h1>" not in part
        assert "<style>" in part
    if fmt == "confluence":
        assert "<h1>" not in part
    if fmt == "mediawiki":
        assert part.startswith("== Bottom line ==")


# --------------------------------------------------------------------------- hostile texts


def hostile_texts(result: Result) -> dict[str, str]:
    """The hostile fixture's texts as the guide shows them (rule texts rendered)."""
    book = hostile()
    ds = next(r for r in result.roles if r.role == "data-scientist")
    dp = next(s for s in ds.stages if s.stage == "data-processing")
    assert dp.advice is not None and dp.advice.rule == "ds-hands-on-moderate"
    return {
        "team": result.team,
        "model": book.models["gpt-5.5"].name,
        "role": book.roles["data-scientist"].plural,
        "stage": book.stages["data-processing"].name,
        "benchmark": book.benchmarks["terminal-bench-2"].name,
        "level": next(lv.human for lv in book.levels if lv.id == "supervised"),
        "text": dp.advice.text,
        "review": dp.advice.review,
        "time_saved": dp.advice.time_saved,
        "summary": ds.summary[0].shown,  # marked provisional as every format shows it
        "source": book.sources["seed-review"].title,
    }


def test_the_hostile_fixture_carries_every_dangerous_string() -> None:
    texts = hostile_texts(rendered("hostile", "md")[1])
    joined = "\n".join(texts.values())
    for needle in (
        "|",
        "<script>alert(1)</script>",
        "&amp;",
        "]]>",
        "{{ x }}",
        "[[Link]]",
        "''",
        "~~~~",
        '"',
        "'",
        "\n! ",
        "\n|- ",
        "\n* ",
        "\n# ",
        "\n= ",
        "\x01",
    ):
        assert needle in joined, needle
    assert "{{ x }}" in texts["text"] and "{{ model.name }}" not in texts["text"]


@pytest.mark.parametrize("fmt", WIKI_FORMATS)
def test_hostile_texts_come_out_as_literal_text_in_their_own_cells(fmt: str) -> None:
    text, result = rendered("hostile", fmt)
    parsed = parse(fmt, text)
    shown = norm(parsed.text)
    for name, value in hostile_texts(result).items():
        assert visible(value) in shown, name
    texts = hostile_texts(result)
    # the rule's texts fill exactly their cells of the data scientists' table
    # the first role table is the data scientists'; its first row is data processing
    table = next(t for t in parsed.tables if t.header[:2] == ["Stage", "Autonomy"])
    row = table.rows[0]
    assert norm(row[0]) == visible(texts["stage"])
    assert [norm(c) for c in row[2:5]] == [
        visible(texts["text"]),
        visible(texts["review"]),
        visible(texts["time_saved"]),
    ]
    [guide_table] = table_with(parsed, "Role", "How to use")
    assert [norm(c) for c in guide_table.rows[0]] == [
        visible(texts["role"]),
        visible(texts["summary"]),
    ]


def test_hostile_html_runs_no_script_and_links_no_javascript() -> None:
    text, _ = rendered("hostile", "html")
    parsed = parse_html(text)  # would fail on a <script> element or an event handler
    assert "<script>" not in text
    assert not any("javascript" in h for h in parsed.extra["links"])
    # the source with a javascript: URL is shown, not linked
    assert "javascript:alert(1)" in norm(parsed.text)


def test_hostile_markdown_chart_stays_wellformed() -> None:
    text, _ = rendered("hostile", "md")
    charts = mermaid_charts(text)
    assert [values for _, _, values in charts] == [[36, 23], [82.7]]
    for title, labels, _ in charts:
        assert all('"' not in s and "<" not in s for s in (title, *labels))


def test_hostile_mediawiki_has_no_markup_of_its_own() -> None:
    text, _ = rendered("hostile", "mediawiki")
    parsed = parse_mediawiki(text)  # no templates, signatures, magic words, stray tags
    assert parsed.extra["italics"] == 1
    assert not [
        line
        for line in text.splitlines()
        if line.startswith(("!", "|-", "|}", "{|")) and "line-leading" in line
    ]


# --------------------------------------------------------------------------- escaping filters


_MARKUP = st.sampled_from(
    [
        "|",
        "||",
        "!!",
        "[[",
        "]]",
        "{{",
        "}}",
        "{|",
        "|}",
        "|-",
        "''",
        "'''",
        "~~~~",
        "__TOC__",
        "<nowiki>",
        "</nowiki>",
        "&amp;",
        "&#124;",
        "<script>",
        "]]>",
        "\n!",
        "\n|-",
        "\n*",
        "\n#",
        "\n=",
        "\n:",
        "\n;",
        "\n----",
        "\n ",
        "=",
        "-{",
        "}-",
        "http://x.org",
    ]
)
_TEXT = st.lists(st.one_of(_MARKUP, st.text(max_size=8)), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_mediawiki_filter_keeps_any_text_in_one_table_cell(value: str) -> None:
    tpl = environment("mediawiki").from_string(
        '{| class="wikitable"\n! A\n! B\n|-\n| {{ v | mediawiki }}\n| end\n|}\n'
        "{{ v | mediawiki }}\n\n== {{ v | mediawiki }} ==\n"
    )
    text = tpl.render(v=value)
    parsed = parse_mediawiki(text)
    [table] = parsed.tables
    assert table.rows == [[visible(value), "end"]]
    assert len(parsed.extra["code"].filter_headings()) == 1
    assert parsed.extra["italics"] == 0


def test_mediawiki_filter_turns_markup_into_entities() -> None:
    assert mediawiki_text("a | b") == "a &#124; b"
    assert mediawiki_text("[[x]] {{y}}") == "&#91;&#91;x&#93;&#93; &#123;&#123;y&#125;&#125;"
    assert mediawiki_text("''i'' ~~~~") == "&#39;&#39;i&#39;&#39; &#126;&#126;&#126;&#126;"
    assert mediawiki_text("* x\n# y") == "&#42; x # y"
    assert mediawiki_text("-- x") == "&#45;- x"
    assert mediawiki_text("a: b") == "a: b"  # ':' is markup only at the start of a line
    assert mediawiki_text("&amp; <b>") == "&amp;amp; &lt;b&gt;"


@settings(max_examples=200, deadline=None)
@given(_TEXT)
def test_confluence_and_html_keep_any_text_as_text(value: str) -> None:
    conf = (
        environment("confluence")
        .from_string("<table><tbody><tr><th>A</th></tr><tr><td>{{ v }}</td></tr></tbody></table>")
        .render(v=value)
    )
    [table] = parse_confluence(conf).tables
    assert [norm(c) for c in table.rows[0]] == [visible(value)]
    page = (
        environment("html")
        .from_string(
            "<!DOCTYPE html><html lang=en><head><title>{{ v }}</title></head>"
            "<body><table><tr><td>{{ v }}</td></tr></table></body></html>"
        )
        .render(v=value)
    )
    [table] = parse_html(page).tables
    assert [norm(c) for c in table.header] == [visible(value)]


# --------------------------------------------------------------------------- determinism


def _digests() -> dict[str, str]:
    out = {}
    for which in ("builtin", "hostile"):
        for fmt in (*WIKI_FORMATS, "json"):
            for fragment in (False, True):
                text, _ = rendered(which, fmt, fragment)
                out[f"{which}/{fmt}/{fragment}"] = hashlib.sha256(text.encode()).hexdigest()
    return out


def test_same_inputs_give_the_same_bytes_in_every_format() -> None:
    first = _digests()
    rendered.cache_clear()
    hostile.cache_clear()
    builtin.cache_clear()
    assert _digests() == first


def test_same_bytes_across_processes_and_hash_seeds(tmp_path: Path) -> None:
    script = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import test_formats as t; "
        "print(json.dumps(t._digests()))"
    )
    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run(
            [sys.executable, "-c", script, str(Path(__file__).parent)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        outs.append(json.loads(proc.stdout))
    assert outs[0] == outs[1] == _digests()


# --------------------------------------------------------------------------- command line


@pytest.mark.parametrize("fmt", WIKI_FORMATS)
def test_guide_command_writes_each_format_from_a_hostile_rulebook(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"guide.{fmt}"
    res = CliRunner().invoke(
        cli,
        [
            "guide",
            "--defaults",
            "--rules",
            str(HOSTILE),
            "--date",
            DATE,
            "--format",
            fmt,
            "-o",
            str(out),
        ],
        env={"NO_COLOR": "1"},
    )
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8") == rendered("hostile", fmt)[0]
    parse(fmt, out.read_text(encoding="utf-8"))


@pytest.mark.parametrize("fmt", WIKI_FORMATS)
def test_a_stage_without_a_rule_shows_no_rule(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "org.yaml").write_text(
        "extends: builtin\noverrides:\n  disable: [ds-hands-on-moderate]\n", encoding="utf-8"
    )
    book = load_rulebook(tmp_path)
    answers = resolve_answers(book, {"roles": ["ds"]}, use_defaults=True)
    text = make_guide(book, answers, date=DATE, fmt=fmt).text
    parsed = parse(fmt, text)
    [overview] = table_with(parsed, "Role", *[s.name for s in book.stages.values()])
    assert [c.upper() for c in overview.rows[0][1:]] == [
        "NO RULE",
        "DRAFT (PROVISIONAL)",
        "NO RULE",
        "ASSIST (PROVISIONAL)",
    ]
    if fmt == "confluence":
        assert {"colour": "Red", "title": "NO RULE"} in parsed.extra["statuses"]
    if fmt == "html":
        cells = [td for td in parsed.extra["doc"].iter("td") if td.text == "No rule"]
        assert cells and all("none" in td.get("class", "").split() for td in cells)


# --------------------------------------------------------------------------- forbidden characters


def test_every_forbidden_character_is_unprintable_so_printable_text_skips_the_scan() -> None:
    from advisor.rendering import templates as r

    pattern = re.compile(r._FORBIDDEN)
    forbidden = [chr(c) for c in range(sys.maxunicode + 1) if pattern.match(chr(c))]
    # C0 but tab, newline and carriage return; DEL and C1; surrogates; noncharacters.
    assert len(forbidden) == 29 + 33 + 2048 + 32 + 34
    assert not [c for c in forbidden if c.isprintable()]


def forbidden_char(c: str) -> bool:
    """The characters no page may contain, written out from the specs (not the pattern)."""
    cp = ord(c)
    return (
        (cp < 0x20 and c not in "\t\n\r")
        or 0x7F <= cp <= 0x9F
        or 0xD800 <= cp <= 0xDFFF
        or 0xFDD0 <= cp <= 0xFDEF
        or cp & 0xFFFE == 0xFFFE
    )


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(exclude_categories=())) | st.text())
def test_cleaning_drops_forbidden_characters_and_keeps_the_rest(text: str) -> None:
    from advisor.rendering import templates as r

    expected = "".join((" " if c.isspace() else "") if forbidden_char(c) else c for c in text)
    assert r.without_forbidden(text) == expected
