"""The rulebook as the engine reads it: validated specs, compiled cells, locations.

:class:`Rulebook` holds the validated :mod:`advisor.model.schema` structs of
every section, merged over all files, plus each decision table compiled
(:class:`CompiledTable`, :class:`CompiledRule`: cells parsed into tests) and
the location of every entry in ``locations``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from advisor.errors import InputError
from advisor.model import schema as s
from advisor.model.conditions import Test
from advisor.model.location import Location

#: The baseline that means "compare with nothing" (``--baseline none``).
NO_BASELINE = "none"
#: Inputs every table may read besides benchmark, metric and question ids.
BUILTIN_INPUTS = {"role": "id", "stage": "id", "model": "id", "baseline": "id", "evidence": "id"}
#: The fields of a rule that hold text (each may be a Jinja2 text).
TEXT_FIELDS = ("text", "review", "time_saved", "rationale")


class CompiledRule(msgspec.Struct):
    """A rule ready to evaluate: its cells parsed into tests.

    Its texts stay the source strings of ``spec``; the evaluation layer
    compiles those that use Jinja syntax when they are first rendered.
    """

    spec: s.Rule
    table_id: str
    index: int
    tests: dict[str, Test]
    location: Location
    cell_locations: dict[str, Location]

    @property
    def id(self) -> str:
        return self.spec.id


class CompiledTable(msgspec.Struct, dict=True):
    """A decision table ready to evaluate.

    ``priority_rank`` maps an autonomy level id to its rank for the priority
    hit policy (lower wins). ``_memo`` (not a field) holds indexes the engine
    builds on first use, by name.
    """

    spec: s.Table
    rules: list[CompiledRule]
    input_kinds: dict[str, str]
    location: Location
    priority_rank: dict[str, int] = {}

    def __post_init__(self) -> None:
        self._memo: dict[str, Any] = {}

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def scope(self) -> str:
        """``stage``, ``role`` or ``team``: how often the table is evaluated."""
        return {"stage-advice": "stage", "role-summary": "role"}.get(self.spec.purpose, "team")


class RuleChange(msgspec.Struct):
    """A rule an organisation rulebook overrode or disabled."""

    rule_id: str
    action: str  # "overridden" | "disabled"
    location: Location
    original: Location

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain data (locations as mappings)."""
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]


class Rulebook(msgspec.Struct, dict=True):
    """A validated rulebook, with the location of everything in it."""

    meta: s.Meta
    levels: list[s.Level]
    roles: dict[str, s.Role]
    stages: dict[str, s.Stage]
    benchmarks: dict[str, s.Benchmark]
    sources: dict[str, s.Source]
    models: dict[str, s.Model]
    metrics: dict[str, s.Metric]
    questions: list[s.Question]
    tables: list[CompiledTable]
    tests: list[s.RuleTest]
    files: list[str]
    locations: dict[tuple[str, str], Location]
    changes: list[RuleChange] = []
    aliases: dict[str, str] = {}
    #: The evidence scale, weakest first (see advisor.evaluation.evidence).
    evidence: dict[str, s.EvidenceLevel] = {}

    @property
    def level_ids(self) -> list[str]:
        """Autonomy level ids, from the most cautious up."""
        return [lv.id for lv in self.levels]

    def level_rank(self, level: str) -> int:
        """Position of a level on the autonomy scale (0 = most cautious)."""
        return self.level_ids.index(level)

    def rules(self) -> Iterable[CompiledRule]:
        """Every rule of every table, in order."""
        for table in self.tables:
            yield from table.rules

    def rule(self, rule_id: str) -> CompiledRule | None:
        """The rule with this id, if any."""
        # An index by id (rule tests look up every rule they check), built on first
        # use and again if a table has since been added or gained or lost rules.
        shape = [len(t.rules) for t in self.tables]
        cached = getattr(self, "_by_id", None)
        if cached is None or cached[1] != shape:
            index: dict[str, CompiledRule] = {}
            for r in self.rules():
                index.setdefault(r.id, r)
            cached = self._by_id = (index, shape)
        return cached[0].get(rule_id)

    def where(self, kind: str, ident: str) -> Location | None:
        """The location of the ``kind`` entry with id ``ident``."""
        return self.locations.get((kind, ident))

    def input_kind(self, name: str) -> str | None:
        """``id``, ``number``, ``bool`` or ``text`` for a known input name, else None."""
        if name in BUILTIN_INPUTS:
            return BUILTIN_INPUTS[name]
        if name in self.benchmarks or name in self.metrics:
            return "number"
        for q in self.questions:
            if q.id == name:
                return {"number": "number", "confirm": "bool", "text": "text"}.get(q.type, "id")
        return None

    def resolve_role(self, name: str) -> str:
        """A role id from an id or alias (case-insensitive); raises InputError otherwise."""
        key = name.strip().lower()
        if key in self.roles:
            return key
        if key in self.aliases:
            return self.aliases[key]
        # Aliases count as near misses but are named by the role they stand for.
        close = closest(key, [*self.roles, *self.aliases])
        ids = list(dict.fromkeys(self.aliases.get(c, c) for c in close))
        if ids:
            raise InputError(f"unknown role {name!r}; did you mean {' or '.join(ids)}?")
        raise unknown("role", name, list(self.roles))

    def resolve_stage(self, name: str) -> str:
        """A stage id; raises InputError naming the closest ids otherwise."""
        key = name.strip().lower()
        if key in self.stages:
            return key
        raise unknown("stage", name, list(self.stages))

    def baseline_for(
        self, model_id: str, baseline: str | None = None, *, no_baseline: bool = False
    ) -> str | None:
        """The baseline to compare ``model_id`` with: none when ``no_baseline`` or
        ``baseline`` is ``none``, else ``baseline`` (an id, resolved), else the model's own
        (none for a model given only by its scores)."""
        if no_baseline or (baseline is not None and baseline.strip().lower() == NO_BASELINE):
            return None
        if baseline is not None:
            return self.resolve_model(baseline)
        model = self.models.get(model_id)
        return model.baseline if model else None

    def resolve_model(self, name: str) -> str:
        """A model id; raises InputError naming the closest ids otherwise."""
        key = name.strip().lower()
        if key in self.models:
            return key
        # Stripped: "--models 'gpt-5.5, gpt-5.44'" should not quote the space after the comma.
        raise unknown("model", name.strip(), list(self.models))


def closest(name: str, known: Sequence[str], n: int = 3) -> list[str]:
    """Up to ``n`` known ids that ``name`` may have meant: those it begins (``data`` for
    data-processing), then those it is part of (``sonnet``), then those spelt alike."""
    key = name.strip().lower()
    if not key:
        return []
    starts = [k for k in known if k.startswith(key)]
    within = [k for k in known if len(key) >= 3 and key in k]
    alike = difflib.get_close_matches(key, list(known), n=n, cutoff=0.5)
    return list(dict.fromkeys([*starts, *within, *alike]))[:n]


def unknown(kind: str, name: str, known: Sequence[str]) -> InputError:
    """An "unknown X" error that names the closest known ids (all of them, up to 12, when
    none is close)."""
    close = closest(name, known)
    if close:
        hint = "did you mean " + " or ".join(close) + "?"
    else:
        shown = sorted(known)
        hint = "known: " + first_few(shown)
        if len(shown) > FEW:
            # The rest would fill the screen; say where the whole list is.
            listing = "advisor models" if kind.endswith("model") else "advisor rules export"
            hint += f" ({len(shown)} in all; {listing} lists them)"
    return InputError(f"unknown {kind} {name!r}; {hint}")


#: How many names an error lists before "...".
FEW = 12


def first_few(names: Sequence[str]) -> str:
    """Up to :data:`FEW` names for an error line: "a, b, c" or "a, ..., l, ..."."""
    return ", ".join(names[:FEW]) + (", ..." if len(names) > FEW else "")
