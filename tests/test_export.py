"""`advisor rules export`: the rulebook as decision tables, in every format.

Each format is read back by its parser (see format_parsers.py): the per-role
tables hold every rule that applies to the role, with its conditions in
words and its texts as written; every rule id has exactly one anchor and
every link points at an anchor that exists; a hostile rulebook's texts come
out as literal text in their own cells; the same rulebook gives the same bytes.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from docpages import DOCS, EXAMPLES, section
from format_parsers import PARSERS, Parsed, Table, norm, parse_html, visible

from advisor.cli.app import cli
from advisor.load.rulebook import Rulebook, load_rulebook
from advisor.rendering.export import condition_words, export_data, render_rules

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
WIKI_FORMATS = ("md", "html", "confluence", "mediawiki")
FORMATS = (*WIKI_FORMATS, "json")
RULE_HEADER = ["Conditions"]


@cache
def builtin() -> Rulebook:
    return load_rulebook()


@cache
def hostile() -> Rulebook:
    return load_rulebook(HOSTILE)


@cache
def exported(which: str, fmt: str, fragment: bool = False) -> str:
    return render_rules(builtin() if which == "builtin" else hostile(), fmt, fragment=fragment)


def parse(fmt: str, text: str, fragment: bool = False) -> Parsed:
    if fmt == "html":
        return parse_html(text, fragment=fragment)
    return PARSERS[fmt](text)


def rule_tables(parsed: Parsed) -> list[Table]:
    """The decision tables (per role, in rulebook order), recognised by their header."""
    return [
        t
        for t in parsed.tables
        if "Conditions" in t.header and "Rule" in t.header and "Recommendation" in t.header
    ]


def run(*args: str) -> Result:
    result = CliRunner().invoke(cli, list(args), env={"NO_COLOR": "1"}, prog_name="advisor")
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


# --------------------------------------------------------------------------- contents


def expected_sections(book: Rulebook) -> list[tuple[str, str | None, list[str]]]:
    """(table, role, rule ids) in the order the export must show them."""
    out: list[tuple[str, str | None, list[str]]] = []
    for t in book.tables:
        if "role" in t.spec.inputs:
            for role in book.roles:
                ids = [
                    r.id for r in t.rules if "role" not in r.tests or r.tests["role"].matches(role)
                ]
                if ids:
                    out.append((t.id, role, ids))
        else:
            out.append((t.id, None, [r.id for r in t.rules]))
    return out


@pytest.mark.parametrize("fmt", WIKI_FORMATS)
def test_every_rule_is_listed_under_each_role_it_applies_to(fmt: str) -> None:
    book = builtin()
    tables = rule_tables(parse(fmt, exported("builtin", fmt)))
    expected = expected_sections(book)
    assert [[norm(x) for x in t.column("Rule")] for t in tables] == [ids for _, _, ids in expected]
    for table, (_, _, ids) in zip(tables, expected, strict=True):
        for row, rid in zip(table.rows, ids, strict=True):
            rule = book.rule(rid)
            assert rule is not None
            assert norm(row[table.header.index("Recommendation")]) == norm(rule.spec.text)
            assert [norm(s) for s in table.column("Sources")][
                table.column("Rule").index(row[table.header.index("Rule")])
            ] == ", ".join(rule.spec.sources)
            if rule.spec.autonomy:
                level = book.levels[book.level_rank(rule.spec.autonomy)].name
                assert norm(row[table.header.index("Autonomy")]).upper() == level.upper()


@pytest.mark.parametrize("fmt", WIKI_FORMATS)
def test_conditions_are_in_words(fmt: str) -> None:
    tables = rule_tables(parse(fmt, exported("builtin", fmt)))
    words = {
        norm(row[t.header.index("Rule")]): norm(row[t.header.index("Conditions")])
        for t in tables
        for row in t.rows
    }
    # stage advice reads the evidence scale, named and in its order (weakest first)
    assert words["ds-hands-on-moderate"] == "evidence is Moderate; Terminal-Bench 2.0 any"
    assert words["mle-pipeline-moderate"] == (
        "evidence is Moderate; Terminal-Bench 2.0 < 60% or no score"
    )
    assert words["st-design-moderate"] == (
        "evidence is Low or Emerging or Moderate; Terminal-Bench 2.0 any"
    )
    assert words["guide-ds-strong"] == "MLE-Bench ≥ 50% and ≤ 100%; Terminal-Bench 2.0 any"
    assert words["bottom-score-up"] == (
        "MLE-Bench any; MLE-Bench gain over the baseline (pp) > 0 pp"
    )
    stages = {
        norm(row[t.header.index("Rule")]): norm(row[t.header.index("Stages")])
        for t in tables
        if "Stages" in t.header
        for row in t.rows
    }
    assert stages["ds-hands-on-moderate"] == "Data processing, Training & tuning"
    assert stages["ds-validate-moderate"] == "Result validation"


def test_condition_words_for_every_kind_of_cell() -> None:
    from advisor.model.conditions import parse_cell

    book = builtin()
    assert condition_words(book, "mle-bench", parse_cell("[30..50)", "number")) == (
        "MLE-Bench ≥ 30% and < 50%"
    )
    assert condition_words(book, "mle-bench", None) == "MLE-Bench any"
    assert condition_words(book, "mle-bench", parse_cell("missing", "number")) == (
        "MLE-Bench no score"
    )
    assert condition_words(book, "mle-bench", parse_cell("= 36", "number")) == "MLE-Bench = 36%"
    assert condition_words(book, "cli-ml-gap", parse_cell(">= 30", "number")) == (
        "Terminal-Bench 2.0 minus MLE-Bench (pp) ≥ 30 pp"
    )
    assert condition_words(book, "model", parse_cell(["gpt-5.4", "gpt-5.5"], "id")) == (
        "Model is GPT-5.5 or GPT-5.4"
    )  # rulebook order, names


@pytest.mark.parametrize("fmt", WIKI_FORMATS)
def test_vocabulary_and_models_with_provenance(fmt: str) -> None:
    book = builtin()
    parsed = parse(fmt, exported("builtin", fmt))
    by_first = {t.header[0]: t for t in parsed.tables}
    assert [norm(c) for c in by_first["Level"].column("Id")] == book.level_ids
    assert [norm(c) for c in by_first["Role"].column("Id")] == list(book.roles)
    assert [norm(c) for c in by_first["Stage"].column("Id")] == list(book.stages)
    assert [norm(c) for c in by_first["Benchmark"].column("Id")] == list(book.benchmarks)
    models = by_first["Model"]
    rows = [(m.id, sc) for m in book.models.values() for sc in m.scores]
    assert [norm(c) for c in models.column("Id")] == [mid for mid, _ in rows]
    assert [norm(c) for c in models.column("Source")] == [norm(sc.source) for _, sc in rows]
    assert [norm(c) for c in models.column("Date")] == [sc.date for _, sc in rows]
    assert [norm(c).split(" ")[0] for c in models.column("Verified")] == [
        "yes" if sc.verified else "no" for _, sc in rows
    ]
    text = norm(parsed.text)
    for src in book.sources.values():
        assert norm(src.title) in text


# --------------------------------------------------------------------------- anchors


def anchors_and_links(fmt: str, text: str) -> tuple[list[str], list[str]]:
    """Anchor ids a reader can jump to, and the in-page links, as each wiki writes them."""
    if fmt == "md":
        return (re.findall(r'<a id="([^"]+)"></a>', text), re.findall(r"\]\(#([^)]+)\)", text))
    if fmt == "html":
        parsed = parse_html(text)
        return parsed.extra["ids"], [h[1:] for h in parsed.extra["links"] if h.startswith("#")]
    if fmt == "confluence":
        root = PARSERS["confluence"](text).extra["root"]
        ac = "{http://atlassian.com/content}"
        anchors = [
            p.text or ""
            for m in root.iter(f"{ac}structured-macro")
            if m.get(f"{ac}name") == "anchor"
            for p in m
        ]
        links = [el.get(f"{ac}anchor") or "" for el in root.iter(f"{ac}link")]
        return anchors, links
    code = PARSERS["mediawiki"](text).extra["code"]
    anchors = [str(t.get("id").value) for t in code.filter_tags(matches=lambda n: n.tag == "span")]
    links = [str(w.title)[1:] for w in code.filter_wikilinks()]
    return anchors, links


@pytest.mark.parametrize("fmt", WIKI_FORMATS)
def test_one_anchor_per_rule_id_and_every_link_lands(fmt: str) -> None:
    book = builtin()
    anchors, links = anchors_and_links(fmt, exported("builtin", fmt))
    rule_anchors = [a for a in anchors if a.startswith("rule-")]
    first_seen = list(dict.fromkeys(rid for _, _, ids in expected_sections(book) for rid in ids))
    assert rule_anchors == [f"rule-{rid}" for rid in first_seen]  # once each, where first shown
    assert sorted(first_seen) == sorted(r.id for r in book.rules())
    assert len(anchors) == len(set(anchors))
    assert links and set(links) <= set(anchors)
    # rules shared by several roles are linked from their later rows
    assert "rule-guide-no-mle" in links


def test_anchors_stay_put_and_diffs_stay_small_between_editions(tmp_path: Path) -> None:
    edition = tmp_path / "org.yaml"
    edition.write_text(
        "extends: builtin\n"
        "tables:\n"
        "  - id: stage-advice\n"
        "    purpose: stage-advice\n"
        "    hit_policy: unique\n"
        "    inputs: [role, stage, evidence, terminal-bench-2]\n"
        "    rules:\n"
        "      - id: ds-validate-moderate\n"
        "        when: {role: data-scientist, stage: result-validation, evidence: moderate}\n"
        "        autonomy: draft\n"
        "        text: Let the model draft the evaluation; you check it.\n"
        "        sources: [seed-review]\n",
        encoding="utf-8",
    )
    new_book = load_rulebook(edition)
    for fmt in WIKI_FORMATS:
        old, new = exported("builtin", fmt), render_rules(new_book, fmt)
        stable = [
            a
            for a in anchors_and_links(fmt, old)[0]
            if a.startswith(("rule-", "table-", "source-"))
        ]
        assert stable == [
            a
            for a in anchors_and_links(fmt, new)[0]
            if a.startswith(("rule-", "table-", "source-"))
        ]
        assert anchors_and_links(fmt, old)[1] == anchors_and_links(fmt, new)[1]
        hunks = [
            ln
            for ln in difflib.unified_diff(old.splitlines(), new.splitlines(), n=0, lineterm="")
            if ln.startswith("@@")
        ]
        # one change for the rule's row, one for the new "changes" section
        assert len(hunks) <= 2, (fmt, hunks)


# --------------------------------------------------------------------------- json


def test_json_is_the_rulebook_tables_as_data() -> None:
    book = builtin()
    data = json.loads(exported("builtin", "json"))
    assert data == export_data(book)
    assert [t["id"] for t in data["tables"]] == [t.id for t in book.tables]
    rule = next(r for t in data["tables"] for r in t["rules"] if r["id"] == "ds-hands-on-moderate")
    assert rule["roles"] == ["data-scientist"]
    assert rule["stages"] == ["data-processing", "training-tuning"]
    assert rule["condition_words"] == "evidence is Moderate; Terminal-Bench 2.0 any"
    assert rule["conditions"][0] == {
        "input": "evidence",
        "name": "evidence",
        "test": "moderate",
        "words": "evidence is Moderate",
    }
    guide = next(r for t in data["tables"] for r in t["rules"] if r["id"] == "guide-ds-strong")
    assert guide["conditions"][0] == {
        "input": "mle-bench",
        "name": "MLE-Bench",
        "test": "[50..100]",
        "words": "MLE-Bench ≥ 50% and ≤ 100%",
    }
    assert rule["autonomy"] == {"id": "supervised", "name": "Supervised", "rank": 3}
    assert rule["text"] == book.rule("ds-hands-on-moderate").spec.text  # type: ignore[union-attr]
    assert rule["anchor"] == "rule-ds-hands-on-moderate"
    gpt = next(m for m in data["models"] if m["id"] == "gpt-5.5")
    assert gpt["baseline"] == {"id": "gpt-5.4", "name": "GPT-5.4"}
    assert {s["verified"] for s in gpt["scores"]} == {False}
    assert [lv["id"] for lv in data["levels"]] == book.level_ids


# --------------------------------------------------------------------------- hostile


def hostile_texts() -> dict[str, str]:
    """Texts of the hostile fixture as the export shows them: rule texts as written."""
    book = hostile()
    rule = book.rule("ds-hands-on-moderate")
    assert rule is not None
    return {
        "rulebook": book.meta.name,
        "model": book.models["gpt-5.5"].name,
        "vendor": book.models["gpt-5.5"].vendor,
        "score source": book.models["gpt-5.5"].scores[0].source,
        "role": book.roles["data-scientist"].plural,
        "role description": book.roles["data-scientist"].description,
        "stage": book.stages["data-processing"].name,
        "benchmark": book.benchmarks["terminal-bench-2"].name,
        "measures": book.benchmarks["terminal-bench-2"].measures,
        "level": next(lv.human for lv in book.levels if lv.id == "supervised"),
        "source": book.sources["seed-review"].title,
        "note": book.sources["seed-review"].note,
        "text": rule.spec.text,
        "review": rule.spec.review,
        "time_saved": rule.spec.time_saved,
        "rationale": rule.spec.rationale,
    }


def test_hostile_rule_texts_are_raw_templates_full_of_markup() -> None:
    texts = hostile_texts()
    joined = "\n".join(texts.values())
    for needle in (
        "|",
        "<script>alert(1)</script>",
        "&amp;",
        "]]>",
        "{{ '{{' }} x }}",
        "{% raw %}",
        "[[Link]]",
        "''",
        "~~~~",
        '"',
        "\n! ",
        "\n|- ",
        "\x01",
    ):
        assert needle in joined, needle


@pytest.mark.parametrize("fmt", WIKI_FORMATS)
def test_hostile_rulebook_exports_as_literal_text_in_its_own_cells(fmt: str) -> None:
    parsed = parse(fmt, exported("hostile", fmt))
    shown = norm(parsed.text)
    texts = hostile_texts()
    for name, value in texts.items():
        assert visible(value) in shown, name
    rows = [
        (t, row)
        for t in rule_tables(parsed)
        for row in t.rows
        if norm(row[t.header.index("Rule")]) == "ds-hands-on-moderate"
    ]
    assert len(rows) == 1  # the data scientists' table only
    table, row = rows[0]
    cells = {h: norm(c) for h, c in zip(table.header, row, strict=True)}
    assert cells["Recommendation"] == visible(texts["text"])
    assert cells["Review"] == visible(texts["review"])
    assert cells["Time saved"] == visible(texts["time_saved"])
    assert cells["Rationale"] == visible(texts["rationale"])
    assert cells["Stages"].startswith(visible(texts["stage"]))


def test_hostile_json_keeps_texts_exactly() -> None:
    data = json.loads(exported("hostile", "json"))
    rule = next(r for t in data["tables"] for r in t["rules"] if r["id"] == "ds-hands-on-moderate")
    assert rule["text"] == hostile_texts()["text"]
    assert rule["rationale"] == hostile_texts()["rationale"]  # control character and all
    assert data["rulebook"]["name"] == hostile_texts()["rulebook"]


def test_hostile_html_links_no_javascript() -> None:
    parsed = parse_html(exported("hostile", "html"))
    assert not any("javascript" in h for h in parsed.extra["links"])
    assert "javascript:alert(1)" in norm(parsed.text)


# --------------------------------------------------------------------------- fragment, bytes


@pytest.mark.parametrize("fmt", WIKI_FORMATS)
def test_fragment_leaves_out_the_title_block(fmt: str) -> None:
    title = "advisor built-in rulebook: decision tables"
    assert title in norm(parse(fmt, exported("builtin", fmt)).text)
    parsed = parse(fmt, exported("builtin", fmt, fragment=True), fragment=True)
    assert title not in norm(parsed.text)
    assert len(rule_tables(parsed)) == len(expected_sections(builtin()))


def digests() -> dict[str, str]:
    return {
        f"{which}/{fmt}/{frag}": hashlib.sha256(exported(which, fmt, frag).encode()).hexdigest()
        for which in ("builtin", "hostile")
        for fmt in FORMATS
        for frag in (False, True)
    }


def test_same_rulebook_gives_the_same_bytes_across_processes_and_hash_seeds() -> None:
    script = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import test_export as t; "
        "print(json.dumps(t.digests()))"
    )
    outs = []
    for seed in ("0", "3"):
        proc = subprocess.run(
            [sys.executable, "-c", script, str(Path(__file__).parent)],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert proc.returncode == 0, proc.stderr
        outs.append(json.loads(proc.stdout))
    assert outs[0] == outs[1] == digests()


# --------------------------------------------------------------------------- command line


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_command_writes_each_format(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"rules.{fmt}"
    result = run("rules", "export", "--format", fmt, "--rules", str(HOSTILE), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == exported("hostile", fmt)
    assert f"Wrote {out}" in result.stderr


def test_export_goes_to_stdout_by_default() -> None:
    result = run("rules", "export")
    assert result.exit_code == 0
    assert result.stdout == exported("builtin", "md")


def test_export_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "rules.md"
    out.write_text("mine\n")
    result = run("rules", "export", "-o", str(out))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"advisor: error: {out}: already exists; use --force to overwrite it"
    )
    assert out.read_text() == "mine\n"
    assert run("rules", "export", "-o", str(out), "--force").exit_code == 0
    assert out.read_text(encoding="utf-8") == exported("builtin", "md")


def test_export_of_a_missing_rulebook_is_one_line(tmp_path: Path) -> None:
    result = run("rules", "export", "--rules", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"advisor: error: {tmp_path / 'nope'}: no such file or folder"
    ]


def test_export_of_an_unknown_format_is_a_usage_error() -> None:
    result = run("rules", "export", "--format", "pdf")
    assert result.exit_code == 2
    assert "pdf" in result.stderr


# --------------------------------------------------------------------------- README


def readme_formats() -> str:
    return section(DOCS / "formats.md", "Wiki formats")


def test_readme_formats_table_matches_the_commands() -> None:
    from advisor.rendering.formats import EXTENSIONS, FORMATS

    section = readme_formats()
    table = next(t for t in parse("md", section).tables if t.header[0] == "--format")
    assert [norm(c) for c in table.column("--format")] == list(FORMATS)
    assert [norm(c) for c in table.column("File (guide default)")] == [
        f"TEAM_GUIDE{EXTENSIONS[f]}" for f in FORMATS
    ]


def test_readme_export_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    lines = [
        ln.split("#")[0].split()
        for ln in readme_formats().splitlines()
        if ln.startswith("advisor rules export")
    ]
    assert len(lines) >= 2
    for argv in lines:
        result = run(*argv[1:])
        assert result.exit_code == 0, (argv, result.output)
    assert (tmp_path / "rules.wiki").read_text(encoding="utf-8") == exported("builtin", "mediawiki")
    assert json.loads((tmp_path / "rules.json").read_text(encoding="utf-8"))["tables"]
