"""The guide's wording, as a user walkthrough read it: each sentence says only what is so."""

from __future__ import annotations

import json
from typing import Any

import pytest
from clitools import run
from format_parsers import PARSERS, inline_text, norm, parse_markdown

DATE = "2026-11-26"


def guide(*args: str, fmt: str = "md") -> str:
    """A guide of the built-in rulebook, written to stdout."""
    result = run("guide", "--defaults", "--date", DATE, "--format", fmt, "-o", "-", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def sections(source: str) -> dict[str, list[str]]:
    """A Markdown guide's texts (paragraphs, list items, cells) under each ``##`` heading."""
    tokens: list[Any] = parse_markdown(source).extra["tokens"]
    out: dict[str, list[str]] = {}
    current: list[str] = []
    for i, tok in enumerate(tokens):
        if tok.type != "inline":
            continue
        if tokens[i - 1].type == "heading_open" and tokens[i - 1].tag == "h2":
            current = out.setdefault(inline_text(tok), [])
        else:
            current.append(inline_text(tok))
    return out


# ------------------------------------------------------------------ --verified-only, nothing left


def test_verified_only_with_every_score_ignored_claims_no_other_evidence():
    """GPT-5.5 has only unverified scores: with --verified-only, no text says another score
    of it exists or assesses a stage, no caveat says advice falls back on evidence, and the
    comparison says what became of GPT-5.4's scores, the baseline the header names."""
    md = guide("--verified-only")
    parts = sections(md)
    how = [row for row in parts["Selection guide"] if row.startswith("GPT-5.5")]
    assert how and all("no other score" not in t for t in how), how
    assert all("its Terminal-Bench 2.0 score was ignored too" in t for t in how), how
    caveats = parts["Caveats"]
    assert not [c for c in caveats if "falls back" in c], caveats
    mle = next(c for c in caveats if c.startswith("GPT-5.5's MLE-Bench score was ignored"))
    assert mle.endswith(
        ": no score of GPT-5.5 that this guide uses informs data processing, model selection,"
        " training & tuning or result validation, so they are not assessed."
    ), mle
    assert "compared with GPT-5.4" in md
    assert parts["Model comparison"] == [
        "No scores to compare: GPT-5.5's scores and GPT-5.4's score were ignored (--verified-only)."
    ]
    data = json.loads(guide("--verified-only", fmt="json"))
    assert not [c for c in data["caveats"] if "falls back" in c["text"]]
    # A model whose one score is ignored has, truly, no other score.
    alone = json.loads(guide("--verified-only", "--model", "disarray-ensemble", fmt="json"))
    assert "no other score of it assesses any stage either" in alone["roles"][0]["summary"][0]


def test_a_missing_score_falls_back_only_where_evidence_remains():
    """Opus 4.6 has a Terminal-Bench score only: the missing MLE-Bench caveat says which
    stages fall back on it and which, with nothing else, are not assessed."""
    parts = sections(guide("--model", "claude-code-opus-4.6"))
    [mle] = [c for c in parts["Caveats"] if c.startswith("No MLE-Bench score")]
    assert mle == (
        "No MLE-Bench score for Opus 4.6 (Claude Code): advice for data processing and"
        " training & tuning falls back to the evidence that exists; no score of Opus 4.6"
        " (Claude Code) that this guide uses informs model selection or result validation,"
        " so they are not assessed."
    )


# ------------------------------------------------------------------ cosmetics


def texts_of(fmt: str, *args: str) -> list[str]:
    """A guide's sentences as its readers see them: Markdown and HTML through their parsers,
    JSON as its strings."""
    source = guide(*args, fmt=fmt)
    if fmt == "json":
        out: list[str] = []

        def walk(x: Any) -> None:
            if isinstance(x, str):
                out.append(x)
            elif isinstance(x, dict):
                for v in x.values():
                    walk(v)
            elif isinstance(x, list):
                for v in x:
                    walk(v)

        walk(json.loads(source))
        return out
    return PARSERS[fmt](source).text.splitlines()


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_no_two_parentheses_in_a_row(fmt):
    """A provisional line that ends in a remark takes the mark inside it, and a stage not
    assessed for want of an unverified score says what would decide it without a second
    parenthesis."""
    seed = texts_of(fmt)
    assert any("(the seed review's reading of a medal rate; provisional)." in t for t in seed)
    ignored = texts_of(fmt, "--verified-only")
    assert any(
        "Model selection is not assessed:" in t
        and t.endswith("MLE-Bench (unverified); a score on MLE-Bench would decide it.")
        for t in ignored
    ), ignored
    for t in seed + ignored:
        assert ") (" not in t, t


def source_list(fmt: str, *args: str) -> list[str]:
    """The entries of a guide's Sources section, as its reader sees them."""
    source = guide(*args, fmt=fmt)
    if fmt == "md":
        return [t for t in sections(source)["Sources"]]
    doc = PARSERS["html"](source).extra["doc"]
    [section] = [el for el in doc.iter("section") if el.get("id") == "sources"]
    return [norm("".join(li.itertext())) for li in section.iter("li")] or [
        norm("".join(p.itertext())) for p in section.iter("p")
    ]


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_disarray_guide_ends_its_sentences_and_lists_each_source_once(fmt):
    """The Disarray ensemble's score note ends with a full stop; its flagged score's
    source says it is flagged; the seed's page is listed once under one number."""
    texts = texts_of(fmt, "--model", "disarray-ensemble")
    note = next(t for t in texts if "an ensemble of Claude-Opus-4.5" in t)
    assert note.endswith("Gemini-3-Pro-Preview."), note
    sources = source_list(fmt, "--model", "disarray-ensemble")
    readme = next(s for s in sources if "openai/mle-bench README.md" in s)
    assert "(verified; flagged: known-leakage)" in readme, readme
    assert "(verified)" not in readme, readme
    seed = source_list(fmt)
    # The score's source names the page by its address, the rulebook by its title.
    [page] = [s for s in seed if "chaobro.com" in s or "MLE-Bench Review" in s]
    assert page.startswith("GPT-5.5 MLE-Bench Review") and "GPT-5.5, MLE-Bench: 36%" in page


def test_the_same_page_on_another_date_is_listed_twice_and_says_so(tmp_path):
    scores = tmp_path / "later.yaml"
    scores.write_text(
        "models:\n  - id: gpt-5.5\n    name: GPT-5.5\n    baseline: gpt-5.4\n    scores:\n"
        "      - {benchmark: mle-bench, score: 36, date: '2026-05', verified: false,\n"
        "         source: 'https://chaobro.com/en/posts/gpt55-mle-bench/ (updated)'}\n",
        encoding="utf-8",
    )
    sources = source_list("md", "--scores", str(scores))
    pages = [s for s in sources if "chaobro.com" in s]
    assert len(pages) == 2, sources
    assert "(the same page as [1], dated 2026-05 there)" in pages[1], pages


def test_markdown_guide_has_no_run_of_blank_lines():
    for args in ((), ("--model", "claude-code-opus-4.6"), ("--verified-only",)):
        for fmt in ("md", "mediawiki"):
            text = guide(*args, fmt=fmt)
            assert "\n\n\n" not in text, (args, fmt, text[: text.find("\n\n\n") + 3][-200:])


def test_sources_are_only_those_of_what_the_guide_shows():
    """Every stage not assessed: no advice, so not advisor's bands; a guide that shows a
    score lists that score's source; the built-in rulebook lints clean (a line that only
    says a score is missing cites nothing)."""
    nothing = source_list("md", "--verified-only")
    assert nothing == ["None: this guide uses no score and shows no advice that cites a source."]
    for fmt in ("md", "html"):
        assert not [s for s in source_list(fmt, "--verified-only") if "autonomy bands" in s]
    one_stage = source_list("md", "--model", "claude-code-opus-4.6", "--stage", "model-selection")
    assert not [s for s in one_stage if "autonomy bands" in s], one_stage
    assert any("Opus 4.6 (Claude Code), Terminal-Bench 2.0: 58%" in s for s in one_stage)
    lint = run("rules", "lint")
    assert lint.exit_code == 0 and "0 warnings" in lint.output, lint.output


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_what_changed_marks_a_provisional_level_inside_its_parenthesis(tmp_path, fmt):
    """The guide's What changed section: "Supervised (rule; provisional)", not
    "Supervised (provisional) (rule)"."""
    last = tmp_path / "last.yaml"
    last.write_text(
        "models:\n  - id: gpt-5.5\n    name: GPT-5.5\n    baseline: gpt-5.4\n    scores:\n"
        "      - {benchmark: mle-bench, score: 28, date: '2026-03', source: an earlier edition,"
        " verified: false}\n",
        encoding="utf-8",
    )
    parsed = PARSERS[fmt](guide("--since", str(last), fmt=fmt))
    [table] = [t for t in parsed.tables if t.header == ["Role", "Stage", "Before", "Now", "Why"]]
    cells = [norm(c).replace("`", "") for r in table.rows for c in r[2:4]]
    assert "Supervised (ds-hands-on-moderate; provisional)" in cells, cells
    assert not [c for c in cells if ") (" in c], cells


@pytest.mark.parametrize("fmt", ["md", "html", "confluence", "mediawiki"])
def test_a_guide_of_some_stages_says_the_selection_guide_is_about_the_whole_role(
    fmt: str,
) -> None:
    """The selection guide's line for data scientists speaks of data processing and
    training; a guide of model selection alone says what its lines cover."""
    some = run("guide", "--defaults", "--role", "ds", "--stage", "model-selection",
               "--format", fmt, "-o", "-")  # fmt: skip
    every = run("guide", "--defaults", "--role", "ds", "--format", fmt, "-o", "-")
    assert some.exit_code == 0 and every.exit_code == 0
    scope = (
        "These lines are about each role's work as a whole; the autonomy below is for the "
        "stage this guide covers: Model selection."
    )
    assert scope in " ".join(PARSERS[fmt](some.stdout).text.split())
    assert "work as a whole" not in every.stdout
