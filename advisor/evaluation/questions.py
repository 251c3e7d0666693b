"""The questions of a rulebook: what each offers, when it applies, what it defaults to.

The questionnaire (:mod:`advisor.evaluation.questionnaire`) asks and checks them; the
engine gives a question nobody answered its default, as ``guide --defaults`` does, so
``explain``, ``rank`` and rule tests read an organisation's questions as a guide does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from advisor.errors import RulebookError
from advisor.load.book import NO_BASELINE
from advisor.load.rulebook import Rulebook
from advisor.model.conditions import CellError, parse_cell

if TYPE_CHECKING:
    from advisor.model.schema import Question

#: The questions every rulebook has; their answers make the profile itself, and rule
#: texts get them as variables of their own, not in ``answers``.
CORE_QUESTIONS = frozenset({"team", "roles", "model", "baseline", "stages"})


class Choice(msgspec.Struct, frozen=True, order=True):
    """One option of a select or checkbox question; ``note`` is shown beside it
    (a model's key scores), ``answered`` in place of the label once it is chosen
    (the model "Not sure: recommend one" stands for)."""

    value: str
    label: str
    note: str = ""
    answered: str = ""


def choices(book: Rulebook, q: Question) -> list[Choice]:
    """The options of a question, taken from the rulebook where the question says so."""
    if q.choices_from == "roles":
        out = [Choice(r.id, r.name) for r in book.roles.values()]
    elif q.choices_from == "stages":
        out = [Choice(st.id, st.name) for st in book.stages.values()]
    elif q.choices_from == "models":
        out = [Choice(m.id, m.name) for m in book.models.values() if m.scores]
    else:
        out = [Choice(c.value, c.label or c.value) for c in q.choices]
    if q.type == "select" and not q.required:
        out.append(Choice(NO_BASELINE if q.choices_from == "models" else "", "(none)"))
    return out


def is_asked(book: Rulebook, q: Question, answers: Mapping[str, Any]) -> bool:
    """Whether the question's ``when`` conditions hold for the answers so far.

    Each condition is read as a cell of the kind its question answers: numbers
    for a number question, true/false (or yes/no) for a confirm, ids otherwise.

    Raises:
        RulebookError: a condition cannot be read; a question that silently
            never shows up would be worse.
    """
    types = {x.id: x.type for x in book.questions}
    for key, cell in q.when.items():
        kind = {"number": "number", "confirm": "bool"}.get(types.get(key, ""), "id")
        if kind == "bool" and isinstance(cell, str) and cell.strip().lower() in YES_NO:
            cell = YES_NO[cell.strip().lower()]
        try:
            test = parse_cell(cell, kind)
        except CellError as exc:
            raise RulebookError(
                f"question {q.id!r}: cannot read its condition on {key!r}: {exc}",
                book.where("question", q.id),
            ) from None
        value = answers.get(key)
        if isinstance(value, list):
            if not any(test.matches(v) for v in value):
                return False
        elif not test.matches(value):
            return False
    return True


#: How a yes/no answer or condition may be written.
YES_NO = {"true": True, "yes": True, "y": True, "false": False, "no": False, "n": False}


def itself(baseline: str) -> str:
    """Why a baseline that is the model itself is refused, and what to do instead."""
    return f"{baseline!r} is the model itself; compare it with another model, or with none"


def default_for(book: Rulebook, q: Question, answers: Mapping[str, Any]) -> Any:
    """The default answer, or None when the question has none."""
    if q.default_from == "predecessor":
        model = book.models.get(str(answers.get("model", "")))
        if model is not None:
            return model.baseline or NO_BASELINE
    if q.default is not None:
        return q.default
    if q.type == "checkbox":
        return [c.value for c in choices(book, q)]
    if q.type == "confirm":
        return False
    if not q.required:
        return NO_BASELINE if q.choices_from == "models" else ""
    return None


def with_defaults(book: Rulebook, given: Mapping[str, Any]) -> dict[str, Any]:
    """The answers to the organisation's own questions: ``given``, and for each question
    not given that applies, its default (as ``guide --defaults`` takes it)."""
    out: dict[str, Any] = {}
    for q in book.questions:
        if q.id in CORE_QUESTIONS:
            continue
        if q.id in given:
            out[q.id] = given[q.id]
        elif is_asked(book, q, {**given, **out}):
            default = default_for(book, q, {**given, **out})
            if default is not None:
                out[q.id] = default
    return out
