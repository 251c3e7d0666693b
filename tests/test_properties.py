"""Property-based tests: whatever the loader and the evaluator are fed, they either
work or raise advisor's own error type (:class:`advisor.errors.AdvisorError`).

Nothing else may escape: no KeyError, TypeError, RecursionError, no
pydantic or Jinja2 exception. The generated inputs are YAML documents built
from the rulebook's own vocabulary (so that they reach deep into validation
rather than stopping at the first unknown key), mutations of the built-in
rulebook files, answers files, and engine profiles with scores in and out of
range, missing, NaN and of the wrong type.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from advisor.errors import AdvisorError
from advisor.evaluation.engine import evaluate
from advisor.evaluation.questionnaire import load_answers_file, resolve_answers
from advisor.evaluation.results import Profile
from advisor.load.resources import builtin_rules
from advisor.load.rulebook import Rulebook, load_rulebook, load_scores
from advisor.load.yamlsource import load_yaml_text
from advisor.rendering.templates import render

#: ADVISOR_HYPOTHESIS_EXAMPLES=5000 runs a deeper search on demand.
SETTINGS = settings(
    max_examples=int(os.environ.get("ADVISOR_HYPOTHESIS_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(autouse=True)
def private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep the rulebook cache of these runs out of the user's cache folder."""
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="module")
def book() -> Rulebook:
    return load_rulebook()


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    """A fresh folder per generated example (hypothesis reuses function fixtures)."""
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


# --------------------------------------------------------------------------- vocabulary

BUILTIN_FILES = sorted(p.name for p in Path(builtin_rules()).glob("*.yaml"))
KEYS = [
    # sections
    "rulebook", "extends", "overrides", "autonomy", "roles", "stages", "benchmarks",
    "sources", "models", "metrics", "questions", "tables", "tests",
    # fields
    "id", "name", "version", "description", "ai", "human", "plural", "aliases",
    "measures", "unit", "limits", "url", "title", "date", "verified", "note", "vendor",
    "agent", "baseline", "scores", "benchmark", "score", "stderr", "split", "source",
    "flags", "notes", "formula", "benchmarks", "type", "prompt", "help", "default",
    "choices", "choices_from", "default_from", "required", "min", "max", "max_length",
    "when", "value", "label", "purpose", "hit_policy", "priority", "inputs", "rules",
    "autonomy", "text", "review", "time_saved", "rationale", "given", "expect", "role",
    "stage", "table", "rule", "answers", "baseline_scores", "disable", "model",
    # inputs and ids of the built-in rulebook
    "mle-bench", "terminal-bench-2", "swe-bench-verified", "gpt-5.5", "gpt-5.4",
    "data-scientist", "ml-engineer", "data-processing", "team", "<<",
]  # fmt: skip
WORDS = [
    "builtin", "stage-advice", "role-summary", "caveat", "unique", "first", "priority",
    "collect", "delta_pp", "relative_gain", "gap", "select", "checkbox", "number",
    "confirm", "roles", "stages", "models", "predecessor", "manual", "assist", "draft",
    "supervised", "mle-bench", "gpt-5.5", "data-scientist", "model-selection", "-",
    "missing", ">= 30", "[30..50)", "< nan", "[5..1]", "no", "yes", "~", "2026-13-45",
    "{{ model.name }}", "{{ model.__class__ }}", "{{ x }", "{% for %}", "../../etc/passwd",
    "", " ", "\t", "é", "\u202e", "<script>", "|", "]]>", "A" * 5000,
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(WORDS),
    st.text(max_size=30),
    st.dates(),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=10), st.integers(-3, 3), st.booleans())
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(keys, children, max_size=6),
    ),
    max_leaves=40,
)


def dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def outcome(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Call, letting only AdvisorError through (as None); anything else fails the test."""
    try:
        return call(*args, **kwargs)
    except AdvisorError as exc:
        assert str(exc).strip(), "an error without a message"
        assert "\n" not in exc.message, f"a message over several lines: {exc.message!r}"
        return None


# --------------------------------------------------------------------------- the loader


@SETTINGS
@given(data=documents)
@example(data={"roles": [{"id": False, "name": "x"}]})
@example(
    data={"models": [{"id": "m", "name": "M", "scores": [{"benchmark": "x", "score": math.nan}]}]}
)
@example(data={"tables": {"id": "t"}})
@example(data={"extends": "builtin", "overrides": {"disable": [None]}})
@example(data={"str": None})  # a key pydantic also uses as a name of a union member
@example(data={"roles": [{"id": "x", "name": "y", "a[0]\n": 1}]})
def test_any_yaml_document_loads_as_a_rulebook_or_fails_cleanly(data: Any) -> None:
    with scratch() as d:
        (d / "book.yaml").write_text(dump(data), encoding="utf-8")
        book = outcome(load_rulebook, d / "book.yaml")
    assert book is None or isinstance(book, Rulebook)


@SETTINGS
@given(data=documents)
def test_any_yaml_document_added_to_the_builtin_rulebook(data: Any) -> None:
    with scratch() as d:
        shutil.copytree(builtin_rules(), d / "rules")
        (d / "rules" / "zz-extra.yaml").write_text(dump(data), encoding="utf-8")
        book = outcome(load_rulebook, d / "rules")
    assert book is None or isinstance(book, Rulebook)


@SETTINGS
@given(data=documents)
@example(data={"models": [{"id": "m", "name": "M", "baseline": "m"}]})
def test_any_yaml_document_as_a_scores_file(data: Any, book: Rulebook) -> None:
    with scratch() as d:
        (d / "scores.yaml").write_text(dump(data), encoding="utf-8")
        outcome(load_scores, book, d / "scores.yaml")


def mutate(text: str, draw: Any) -> str:
    """One random edit of the kinds a hand edit or a bad merge makes."""
    lines = text.splitlines(keepends=True) or [""]
    kind = draw(
        st.sampled_from(
            ["delete", "duplicate", "swap", "replace", "insert", "truncate", "indent", "value"]
        )
    )
    i = draw(st.integers(0, max(len(lines) - 1, 0)))
    j = draw(st.integers(0, max(len(lines) - 1, 0)))
    if kind == "delete":
        del lines[i]
    elif kind == "duplicate":
        lines.insert(i, lines[i])
    elif kind == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "indent":
        lines[i] = draw(st.sampled_from(["  ", " ", "\t", "- "])) + lines[i]
    elif kind == "value" and ":" in lines[i]:
        head = lines[i].split(":", 1)[0]
        lines[i] = f"{head}: {draw(st.sampled_from(WORDS + ['.nan', '.inf', '[]', '{}', '*x']))}\n"
    elif kind in ("replace", "insert", "truncate"):
        joined = "".join(lines)
        at = draw(st.integers(0, len(joined)))
        junk = draw(
            st.text(alphabet=st.sampled_from(list(":-[]{}&*!|>'\"#%@`,?\n \t\\é")), max_size=4)
        )
        if kind == "truncate":
            return joined[:at]
        end = at + (len(junk) if kind == "replace" else 0)
        return joined[:at] + junk + joined[end:]
    return "".join(lines)


@SETTINGS
@given(name=st.sampled_from(BUILTIN_FILES), data=st.data())
def test_mutated_builtin_rulebook_loads_or_fails_cleanly(name: str, data: Any) -> None:
    text = (Path(builtin_rules()) / name).read_text(encoding="utf-8")
    for _ in range(data.draw(st.integers(1, 3))):
        text = mutate(text, data.draw)
    with scratch() as d:
        shutil.copytree(builtin_rules(), d / "rules")
        (d / "rules" / name).write_text(text, encoding="utf-8")
        book = outcome(load_rulebook, d / "rules")
    if book is not None:
        # A rulebook that loads must also advise.
        model = next((m for m in book.models if book.models[m].scores), None)
        if model is not None:
            outcome(evaluate, book, Profile(model=model, baseline=book.models[model].baseline))


@SETTINGS
@given(text=st.text(max_size=200))
@example(text="a: &a [*a]")
@example(text="? [a]\n: b")
@example(text="a: !!binary AAAA")
@example(text="a: !!set {x}")
@example(text="a: !!omap [x: 1]")
@example(text="a: !!timestamp 2026-99-99")
@example(text="a: !!int abc")
@example(text="a: !!float x")
@example(text="<<: 1")
@example(text="a: 2026-02-30")
@example(text="a: 1e400000")
@example(text="a: 0o99")
@example(text="\ufeff\ufeffa: 1")
def test_any_text_loads_as_yaml_or_fails_cleanly(text: str) -> None:
    outcome(load_yaml_text, text, "x.yaml")


# --------------------------------------------------------------------------- answers


answer_values = st.one_of(
    scalars,
    st.lists(
        st.one_of(
            st.sampled_from(
                ["mle", "ds", "data-scientist", "tech-lead", "nope", "data-processing", ""]
            ),
            scalars,
        ),
        max_size=4,
    ),
    st.dictionaries(st.text(max_size=5), scalars, max_size=2),
    st.sampled_from(["gpt-5.5", "gpt-5.4", "none", "GPT-5.5", " gpt-5.5 ", "ml-engineer,ds"]),
)


@SETTINGS
@given(
    answers=st.dictionaries(
        st.one_of(st.sampled_from(["team", "roles", "model", "baseline", "stages"]), keys),
        answer_values,
        max_size=5,
    ),
    defaults=st.booleans(),
)
@example(answers={"team": math.inf}, defaults=True)
@example(answers={"model": False}, defaults=True)
@example(answers={"roles": [True, None]}, defaults=True)
def test_any_answers_file_resolves_or_fails_cleanly(
    answers: dict[Any, Any], defaults: bool, book: Rulebook
) -> None:
    with scratch() as d:
        path = d / "answers.yaml"
        path.write_text(dump(answers), encoding="utf-8")
        loaded = outcome(load_answers_file, path)
    if loaded is None:
        return
    given_answers, origins = loaded
    resolved = outcome(resolve_answers, book, given_answers, use_defaults=defaults, origins=origins)
    if resolved is not None:
        assert set(resolved) <= {q.id for q in book.questions}


# --------------------------------------------------------------------------- the evaluator

BENCHMARKS = ["mle-bench", "terminal-bench-2", "swe-bench-verified"]
score_values = st.one_of(
    st.none(),
    st.floats(min_value=0, max_value=100),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-1000, 1000),
    st.booleans(),
    st.sampled_from(["36", "", "n/a"]),
)
score_maps = st.one_of(
    st.none(),
    st.dictionaries(
        st.one_of(st.sampled_from(BENCHMARKS), st.text(max_size=8)), score_values, max_size=4
    ),
)
ids = st.one_of(
    st.sampled_from(["gpt-5.5", "gpt-5.4", "GPT-5.5", "disarray-ensemble", "", "nope", " "]),
    st.text(max_size=12),
)


@SETTINGS
@given(
    model=ids,
    baseline=st.one_of(st.none(), ids),
    roles=st.lists(
        st.one_of(st.sampled_from(["mle", "ds", "tech-lead", "student", "x"]), st.text(max_size=6)),
        max_size=3,
    ),
    stages=st.lists(
        st.one_of(
            st.sampled_from(["data-processing", "result-validation", "y"]), st.text(max_size=6)
        ),
        max_size=3,
    ),
    scores=score_maps,
    baseline_scores=score_maps,
    answers=st.dictionaries(st.text(max_size=6), scalars, max_size=3),
)
@example(
    model="gpt-5.5",
    baseline=None,
    roles=[],
    stages=[],
    answers={},
    scores={"mle-bench": math.nan},
    baseline_scores=None,
)
@example(
    model="gpt-5.5",
    baseline=None,
    roles=[],
    stages=[],
    answers={},
    scores={"nope": 3.0},
    baseline_scores=None,
)
@example(
    model="gpt-5.5",
    baseline="gpt-5.4",
    roles=[],
    stages=[],
    answers={},
    scores=None,
    baseline_scores={"mle-bench": math.inf},
)
@example(
    model="gpt-5.5",
    baseline=None,
    roles=[],
    stages=[],
    answers={},
    scores={"mle-bench": -5.0},
    baseline_scores=None,
)
def test_any_profile_evaluates_or_fails_cleanly(
    book: Rulebook,
    model: str,
    baseline: str | None,
    roles: list[str],
    stages: list[str],
    scores: dict[str, Any] | None,
    baseline_scores: dict[str, Any] | None,
    answers: dict[str, Any],
) -> None:
    profile = Profile(
        model=model,
        baseline=baseline,
        roles=roles,
        stages=stages,
        answers=answers,
        scores=scores,
        baseline_scores=baseline_scores,
        date="2026-05-01",
    )
    result = outcome(evaluate, book, profile)
    if result is None:
        return
    # Whatever evaluated came from scores a person could have entered.
    for row in result.comparison:
        for value in (row.model_score, row.baseline_score):
            assert value is None or (math.isfinite(value) and 0 <= value <= 100)
    outcome(render, result, book, "md")


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        (
            {"mle-bench": math.nan},
            "scores: mle-bench must be a percentage from 0 to 100 or missing, got nan",
        ),
        (
            {"mle-bench": 101},
            "scores: mle-bench must be a percentage from 0 to 100 or missing, got 101",
        ),
        (
            {"mle-bench": True},
            "scores: mle-bench must be a percentage from 0 to 100 or missing, got True",
        ),
        ({"mle-bnech": 30.0}, "unknown benchmark 'mle-bnech'; did you mean mle-bench?"),
    ],
)
def test_profile_scores_are_checked_before_evaluating(
    book: Rulebook, scores: dict[str, Any], message: str
) -> None:
    with pytest.raises(AdvisorError) as info:
        evaluate(book, Profile(model="gpt-5.5", scores=scores))
    assert info.value.message == message


def test_nan_matches_no_number_test(book: Rulebook) -> None:
    from advisor.model.conditions import parse_cell

    for cell in (">= 30", "< 50", "[0..100]", "-5, > 5", "< 60, missing"):
        assert not parse_cell(cell, "number").matches(math.nan)
    assert parse_cell("-", "number").matches(math.nan)  # '-' is "any value"
