"""The rulebook file format, as pydantic models.

These models validate every rulebook file (each section optional, so a
rulebook can be split over several files) and generate the JSON Schema that
editors use (``advisor schema``). Cross-references between files (a rule's
role, a model's baseline) are checked after merging, in :mod:`advisor.load.rulebook`.
"""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
Id = Annotated[
    str,
    Field(
        pattern=ID_PATTERN, max_length=80, description="A lowercase id: a-z, 0-9, '.', '_' or '-'."
    ),
]
Text = Annotated[str, Field(max_length=4000)]
ShortText = Annotated[str, Field(max_length=300)]
DateText = Annotated[
    str,
    Field(
        pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$",
        description="A date as YYYY, YYYY-MM or YYYY-MM-DD.",
    ),
]


def _date_to_text(value: Any) -> Any:
    # YAML reads an unquoted 2026-02-03 as a date; the format keeps dates as text
    # because leaderboards often give only a month.
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()[:10]
    return value


class Strict(BaseModel):
    """Base of every rulebook model: unknown keys and type coercion are errors."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class Meta(Strict):
    """Who the rulebook is from and which edition it is."""

    id: Id
    name: ShortText
    version: ShortText = "1"
    description: Text = ""


class Level(Strict):
    """One step of the ordered autonomy scale."""

    id: Id
    name: ShortText
    ai: Text = Field(description="What the AI does at this level.")
    human: Text = Field(description="What a human still does at this level.")


class Role(Strict):
    """A role in an ML team."""

    id: Id
    name: ShortText
    plural: ShortText = ""
    aliases: list[Id] = []
    description: Text = ""


class Stage(Strict):
    """A stage of the ML workflow."""

    id: Id
    name: ShortText
    description: Text = ""


class EvidenceLevel(Strict):
    """One step of the ordered scale of evidence a stage's scores give (weakest first)."""

    id: Id
    name: ShortText
    description: Text = ""
    flagged: bool = Field(
        default=True,
        description="Whether flagged scores (known-leakage, contested, ...) can count at this "
        "level; if not they count at the highest lower level that allows them.",
    )


class Band(Strict):
    """A score band of a benchmark: from ``at_least`` up it is evidence of ``level``."""

    at_least: float = Field(ge=0, le=100)
    level: Id


class Benchmark(Strict):
    """A benchmark whose scores the rules read."""

    id: Id
    name: ShortText
    measures: Text
    unit: ShortText = "%"
    size: ShortText = ""
    url: ShortText = ""
    limits: list[Text] = Field(default=[], description="Caveats every guide using it should state.")
    informs: list[Id] = Field(
        default=[], description="The workflow stages whose advice its scores inform."
    )
    bands: list[Band] = Field(
        default=[],
        description="How its scores are read: each band, from its at_least score up to the "
        "next band, is evidence of one evidence level; ascending in both.",
    )


class Source(Strict):
    """A citable source for rules."""

    id: Id
    title: ShortText
    url: ShortText = ""
    date: DateText | None = None
    verified: bool = False
    note: Text = ""

    _d = field_validator("date", mode="before")(_date_to_text)


class Score(Strict):
    """One benchmark score with its provenance."""

    benchmark: Id
    score: float = Field(ge=0, le=100)
    stderr: float | None = Field(default=None, ge=0, le=100)
    split: ShortText = "unspecified"
    agent: ShortText = "unspecified"
    date: DateText
    source: Text
    verified: bool
    notes: Text = ""
    flags: list[Id] = Field(default=[], description="For example known-leakage.")

    _d = field_validator("date", mode="before")(_date_to_text)


class Model(Strict):
    """A model (with the agent/harness its scores came from) and its scores."""

    id: Id
    name: ShortText
    vendor: ShortText = ""
    agent: ShortText = ""
    baseline: Id | None = Field(default=None, description="The model it is usually compared with.")
    scores: list[Score] = []
    notes: Text = ""


class Metric(Strict):
    """A derived metric computed before the tables, from a fixed safe set of formulas."""

    id: Id
    name: ShortText = ""
    formula: Literal["delta_pp", "relative_gain", "gap"] = Field(
        description="delta_pp: model minus baseline in percentage points; relative_gain: "
        "that difference as % of the baseline; gap: first benchmark minus second, same model."
    )
    benchmark: Id | None = None
    benchmarks: list[Id] = []


class Choice(Strict):
    """A choice of a select or checkbox question."""

    value: Annotated[str, Field(max_length=200)]
    label: ShortText = ""


class Question(Strict):
    """One question of the questionnaire."""

    id: Id
    type: Literal["select", "checkbox", "text", "number", "confirm"]
    prompt: ShortText
    help: Text = ""
    default: str | float | bool | list[str] | None = None
    choices: list[Choice] = []
    choices_from: Literal["roles", "stages", "models"] | None = Field(
        default=None, description="Take the choices from the rulebook's roles, stages or models."
    )
    default_from: Literal["predecessor"] | None = Field(
        default=None,
        description="predecessor: default to the baseline of the model chosen in 'model'.",
    )
    required: bool = True
    min: float | None = None
    max: float | None = None
    max_length: int = Field(default=200, ge=1, le=2000)
    when: dict[str, Any] = Field(
        default={}, description="Ask only when earlier answers pass these unary tests."
    )


Cell = str | float | bool | list[str]


class Rule(Strict):
    """One row of a decision table."""

    id: Id
    when: dict[str, Cell] = Field(
        default={}, description="Input name to unary test; inputs left out match anything."
    )
    autonomy: Id | None = None
    text: Text = ""
    review: Text = ""
    time_saved: ShortText = ""
    rationale: Text = ""
    sources: list[Id] = []


class Table(Strict):
    """A DMN-style decision table."""

    id: Id
    name: ShortText = ""
    description: Text = ""
    purpose: Literal["stage-advice", "role-summary", "bottom-line", "reading", "caveat"] = Field(
        description="stage-advice runs per role and stage and must give an autonomy level; "
        "role-summary runs per role; the others once per guide."
    )
    hit_policy: Literal["unique", "first", "priority", "collect"]
    priority: list[Id] = Field(
        default=[],
        description="For hit_policy priority: autonomy levels, highest priority first. "
        "Default: the scale from the most cautious level up.",
    )
    inputs: list[str] = Field(
        description="Input names: role, stage, model, baseline, "
        "benchmark ids, metric ids and question ids."
    )
    rules: list[Rule]


class Expect(Strict):
    """What a rule test expects for one role and stage."""

    role: Id
    stage: Id | None = None
    autonomy: Id | None = None
    rule: Id | None = None
    table: Id | None = None
    assessed: bool | None = Field(
        default=None, description="false: no score informs the stage, so it is not assessed."
    )


class Given(Strict):
    """The inputs of a rule test."""

    model: Id | None = None
    baseline: Id | None = None
    scores: dict[str, float | None] = {}
    baseline_scores: dict[str, float | None] = {}
    answers: dict[str, Any] = {}


class RuleTest(Strict):
    """A test case kept in the rulebook."""

    id: Id
    description: Text = ""
    given: Given
    expect: list[Expect]


class Override(Strict):
    """Changes an organisation rulebook makes to the rulebook it extends."""

    disable: list[Id] = Field(default=[], description="Rule ids to switch off.")


class RulebookFile(Strict):
    """One YAML file of a rulebook. Every section is optional; a folder's files are merged."""

    model_config = ConfigDict(
        extra="forbid", strict=True, allow_inf_nan=False, frozen=True, title="advisor rulebook file"
    )

    rulebook: Meta | None = None
    extends: ShortText | None = Field(
        default=None, description="'builtin' or a path to the rulebook this one extends."
    )
    overrides: Override | None = None
    autonomy: list[Level] = []
    roles: list[Role] = []
    stages: list[Stage] = []
    evidence: list[EvidenceLevel] = Field(
        default=[], description="The evidence scale, weakest first; benchmark bands map to it."
    )
    benchmarks: list[Benchmark] = []
    sources: list[Source] = []
    models: list[Model] = []
    metrics: list[Metric] = []
    questions: list[Question] = []
    tables: list[Table] = []
    tests: list[RuleTest] = []


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a rulebook file."""
    schema = RulebookFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
