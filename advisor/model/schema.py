"""The rulebook file format, as msgspec structs.

These structs validate every rulebook file (each section optional, so a
rulebook can be split over several files) and generate the JSON Schema that
editors use (``advisor schema``). Cross-references between files (a rule's
role, a model's baseline) are checked after merging, in :mod:`advisor.load.rulebook`.

Validation is :func:`validate`: ``msgspec.convert`` in strict mode (no type
coercion, unknown keys refused), after YAML dates have become date text and
before a check that no number is NaN or infinite.
"""

import datetime as _dt
from typing import Annotated, Any, Literal, TypeVar

import msgspec

from advisor.model.dates import PATTERN as DATE_PATTERN

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
Id = Annotated[
    str,
    msgspec.Meta(
        pattern=ID_PATTERN, max_length=80, description="A lowercase id: a-z, 0-9, '.', '_' or '-'."
    ),
]
Text = Annotated[str, msgspec.Meta(max_length=4000)]
ShortText = Annotated[str, msgspec.Meta(max_length=300)]
DateText = Annotated[
    str,
    msgspec.Meta(pattern=DATE_PATTERN, description="A date as YYYY, YYYY-MM or YYYY-MM-DD."),
]
Percent = Annotated[float, msgspec.Meta(ge=0, le=100)]


class Strict(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Base of every rulebook struct: unknown keys and type coercion are errors."""


class Meta(Strict, frozen=True, kw_only=True):
    """Who the rulebook is from and which edition it is."""

    id: Id
    name: ShortText
    version: ShortText = "1"
    description: Text = ""


class Level(Strict, frozen=True, kw_only=True):
    """One step of the ordered autonomy scale."""

    id: Id
    name: ShortText
    ai: Annotated[str, msgspec.Meta(max_length=4000, description="What the AI does at this level.")]
    human: Annotated[
        str, msgspec.Meta(max_length=4000, description="What a human still does at this level.")
    ]


class Role(Strict, frozen=True, kw_only=True):
    """A role in an ML team."""

    id: Id
    name: ShortText
    plural: ShortText = ""
    aliases: list[Id] = []
    description: Text = ""


class Stage(Strict, frozen=True, kw_only=True):
    """A stage of the ML workflow."""

    id: Id
    name: ShortText
    description: Text = ""


class EvidenceLevel(Strict, frozen=True, kw_only=True):
    """One step of the ordered scale of evidence a stage's scores give (weakest first)."""

    id: Id
    name: ShortText
    description: Text = ""
    flagged: Annotated[
        bool,
        msgspec.Meta(
            description="Whether flagged scores (known-leakage, contested, ...) can count at "
            "this level; if not they count at the highest lower level that allows them."
        ),
    ] = True


class Band(Strict, frozen=True, kw_only=True):
    """A score band of a benchmark: from ``at_least`` up it is evidence of ``level``."""

    at_least: Percent
    level: Id


class Split(Strict, frozen=True, kw_only=True):
    """A split of a benchmark, as scores name it ("low (=Lite, 22 competitions)" is ``low``)."""

    id: Id
    name: Annotated[
        str,
        msgspec.Meta(
            max_length=300, description="In words, e.g. 'the Lite subset (22 competitions)'."
        ),
    ]
    aliases: list[Id] = []


class Benchmark(Strict, frozen=True, kw_only=True):
    """A benchmark whose scores the rules read."""

    id: Id
    name: ShortText
    measures: Text
    unit: ShortText = "%"
    size: ShortText = ""
    url: ShortText = ""
    limits: Annotated[
        list[Text], msgspec.Meta(description="Caveats every guide using it should state.")
    ] = []
    informs: Annotated[
        list[Id], msgspec.Meta(description="The workflow stages whose advice its scores inform.")
    ] = []
    bands: Annotated[
        list[Band],
        msgspec.Meta(
            description="How its scores are read: each band, from its at_least score up to the "
            "next band, is evidence of one evidence level; ascending in both."
        ),
    ] = []
    bands_split: Annotated[
        Split | None,
        msgspec.Meta(
            description="The split the bands read (e.g. the full set); None: not stated, "
            "every score is read."
        ),
    ] = None
    subsets: Annotated[
        list[Split],
        msgspec.Meta(
            description="Other known splits: a score on one is shown but sets no evidence "
            "level, since the bands read bands_split."
        ),
    ] = []


class Source(Strict, frozen=True, kw_only=True):
    """A citable source for rules."""

    id: Id
    title: ShortText
    url: ShortText = ""
    date: DateText | None = None
    verified: bool = False
    note: Text = ""


class Score(Strict, frozen=True, kw_only=True):
    """One benchmark score with its provenance."""

    benchmark: Id
    score: Percent
    stderr: Percent | None = None
    split: ShortText = "unspecified"
    agent: ShortText = "unspecified"
    date: DateText
    source: Text
    verified: bool
    notes: Text = ""
    flags: Annotated[list[Id], msgspec.Meta(description="For example known-leakage.")] = []


class Model(Strict, frozen=True, kw_only=True):
    """A model (with the agent/harness its scores came from) and its scores."""

    id: Id
    name: ShortText
    vendor: ShortText = ""
    agent: ShortText = ""
    baseline: Annotated[
        Id | None, msgspec.Meta(description="The model it is usually compared with.")
    ] = None
    scores: list[Score] = []
    notes: Text = ""


class Metric(Strict, frozen=True, kw_only=True):
    """A derived metric computed before the tables, from a fixed safe set of formulas."""

    id: Id
    name: ShortText = ""
    formula: Annotated[
        Literal["delta_pp", "relative_gain", "gap"],
        msgspec.Meta(
            description="delta_pp: model minus baseline in percentage points; relative_gain: "
            "that difference as % of the baseline; gap: first benchmark minus second, same model."
        ),
    ]
    benchmark: Id | None = None
    benchmarks: list[Id] = []


class Choice(Strict, frozen=True, kw_only=True):
    """A choice of a select or checkbox question."""

    value: Annotated[str, msgspec.Meta(max_length=200)]
    label: ShortText = ""


class Question(Strict, frozen=True, kw_only=True):
    """One question of the questionnaire."""

    id: Id
    type: Literal["select", "checkbox", "text", "number", "confirm"]
    prompt: ShortText
    help: Text = ""
    default: str | float | bool | list[str] | None = None
    choices: list[Choice] = []
    choices_from: Annotated[
        Literal["roles", "stages", "models"] | None,
        msgspec.Meta(description="Take the choices from the rulebook's roles, stages or models."),
    ] = None
    default_from: Annotated[
        Literal["predecessor"] | None,
        msgspec.Meta(
            description="predecessor: default to the baseline of the model chosen in 'model'."
        ),
    ] = None
    required: bool = True
    min: float | None = None
    max: float | None = None
    max_length: Annotated[int, msgspec.Meta(ge=1, le=2000)] = 200
    when: Annotated[
        dict[str, Any],
        msgspec.Meta(description="Ask only when earlier answers pass these unary tests."),
    ] = {}


Cell = str | float | bool | list[str]


class Rule(Strict, frozen=True, kw_only=True):
    """One row of a decision table."""

    id: Id
    when: Annotated[
        dict[str, Cell],
        msgspec.Meta(description="Input name to unary test; inputs left out match anything."),
    ] = {}
    autonomy: Id | None = None
    text: Text = ""
    review: Text = ""
    time_saved: ShortText = ""
    rationale: Text = ""
    sources: list[Id] = []


class Table(Strict, frozen=True, kw_only=True):
    """A DMN-style decision table."""

    id: Id
    name: ShortText = ""
    description: Text = ""
    purpose: Annotated[
        Literal["stage-advice", "role-summary", "bottom-line", "reading", "caveat"],
        msgspec.Meta(
            description="stage-advice runs per role and stage and must give an autonomy level; "
            "role-summary runs per role; the others once per guide."
        ),
    ]
    hit_policy: Literal["unique", "first", "priority", "collect"]
    priority: Annotated[
        list[Id],
        msgspec.Meta(
            description="For hit_policy priority: autonomy levels, highest priority first. "
            "Default: the scale from the most cautious level up."
        ),
    ] = []
    inputs: Annotated[
        list[str],
        msgspec.Meta(
            description="Input names: role, stage, model, baseline, "
            "benchmark ids, metric ids and question ids."
        ),
    ]
    rules: list[Rule]


class Expect(Strict, frozen=True, kw_only=True):
    """What a rule test expects for one role and stage."""

    role: Id
    stage: Id | None = None
    autonomy: Id | None = None
    rule: Id | None = None
    table: Id | None = None
    assessed: Annotated[
        bool | None,
        msgspec.Meta(description="false: no score informs the stage, so it is not assessed."),
    ] = None


class Given(Strict, frozen=True, kw_only=True):
    """The inputs of a rule test."""

    model: Id | None = None
    baseline: Id | None = None
    scores: dict[str, float | None] = {}
    baseline_scores: dict[str, float | None] = {}
    answers: dict[str, Any] = {}


class RuleTest(Strict, frozen=True, kw_only=True):
    """A test case kept in the rulebook."""

    id: Id
    description: Text = ""
    given: Given
    expect: list[Expect]


class Override(Strict, frozen=True, kw_only=True):
    """Changes an organisation rulebook makes to the rulebook it extends."""

    disable: Annotated[list[Id], msgspec.Meta(description="Rule ids to switch off.")] = []


class RulebookFile(Strict, frozen=True, kw_only=True):
    """One YAML file of a rulebook. Every section is optional; a folder's files are merged."""

    rulebook: Meta | None = None
    extends: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=300,
                description="'builtin' or a path to the rulebook this one extends.",
            ),
        ]
        | None
    ) = None
    overrides: Override | None = None
    autonomy: list[Level] = []
    roles: list[Role] = []
    stages: list[Stage] = []
    benchmarks: list[Benchmark] = []
    evidence: Annotated[
        list[EvidenceLevel],
        msgspec.Meta(description="The evidence scale, weakest first; benchmark bands map to it."),
    ] = []
    sources: list[Source] = []
    models: list[Model] = []
    metrics: list[Metric] = []
    questions: list[Question] = []
    tables: list[Table] = []
    tests: list[RuleTest] = []


#: The sections of a rulebook file, in order.
SECTIONS = (
    "autonomy", "roles", "stages", "benchmarks", "sources", "models",
    "metrics", "questions", "tables", "tests", "evidence",
)  # fmt: skip
#: The struct of one item of each section.
SECTION_ITEM: dict[str, type[Strict]] = {
    "autonomy": Level,
    "roles": Role,
    "stages": Stage,
    "benchmarks": Benchmark,
    "sources": Source,
    "models": Model,
    "metrics": Metric,
    "questions": Question,
    "tables": Table,
    "tests": RuleTest,
    "evidence": EvidenceLevel,
}

T = TypeVar("T")


def date_text(value: Any) -> Any:
    """A YAML date (an unquoted 2026-02-03) as date text; any other value unchanged."""
    if isinstance(value, _dt.date):
        return value.isoformat()[:10]
    return value


def validate(data: Any, kind: type[T]) -> T:
    """``data`` as a ``kind``: no type coercion, no unknown keys.

    Raises:
        msgspec.ValidationError: the first problem, located by a ``$.a[0].b`` path.
    """
    return msgspec.convert(data, kind, strict=True)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a rulebook file (the file's struct at the top, the rest in $defs)."""
    defs = msgspec.json.schema_components([RulebookFile])[1]
    top = defs.pop("RulebookFile")
    top["title"] = "advisor rulebook file"
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **top, "$defs": defs}
