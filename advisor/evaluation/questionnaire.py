"""The questionnaire as data: which questions to ask, their choices, defaults and validation.

Questions live in the rulebook (``questions:``). This module knows nothing of
terminals: answers come from a file, from flags, from defaults, or from an
``ask`` callback that the CLI backs with questionary. Every answer, whatever
its origin, goes through :func:`validate_answer`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import os
import sys
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any

import yaml

from advisor import wording
from advisor.errors import InputError
from advisor.evaluation import evidence as ev_model
from advisor.evaluation import rank
from advisor.evaluation.questions import (
    CORE_QUESTIONS,
    YES_NO,
    Choice,
    choices,
    default_for,
    is_asked,
    itself,
)
from advisor.evaluation.results import Profile
from advisor.load import cache
from advisor.load.book import NO_BASELINE
from advisor.load.rulebook import Rulebook
from advisor.load.yamlsource import SourceMap, load_yaml_bytes
from advisor.model.location import Location

if TYPE_CHECKING:
    from advisor.model.schema import Question

#: The key of an edition file's record (see :mod:`advisor.rendering.edition`): not an
#: answer, so an answers file may hold it.
EDITION_KEY = "edition"
#: The answer to the model question that asks advisor to recommend one.
AUTO = "auto"
#: How the model prompt offers :data:`AUTO`.
AUTO_LABEL = "Not sure: recommend one for my team"
#: Items of a list answer whose own location is kept (past these, errors point at the list).
MAX_LOCATED_ITEMS = 1000


#: ask(question, choices, default) -> raw answer; raises KeyboardInterrupt or EOFError.
AskFn = Callable[["Question", list[Choice], Any], Any]


class Recommending:
    """What lets the model question recommend: it offers :data:`AUTO` first and lists
    the models best first, as ``advisor rank`` ranks them for the roles and stages
    answered so far (every role or stage not answered yet counts).

    Args:
        book: The rulebook.
        verified_only: Rank on verified, unflagged scores only.

    Attributes:
        picked: The model an answer of :data:`AUTO` stood for, once one did.
    """

    def __init__(self, book: Rulebook, *, verified_only: bool = False) -> None:
        self.book = book
        self.verified_only = verified_only
        self.picked: str | None = None

    def _rankings(self, answers: Mapping[str, Any]) -> list[rank.Ranking]:
        return rank.rank(
            self.book,
            roles=answers.get("roles") or (),
            stages=answers.get("stages") or (),
            verified_only=self.verified_only,
        )

    def order(self, answers: Mapping[str, Any]) -> list[str]:
        """Model ids, best first (see :func:`advisor.evaluation.rank.order_models`)."""
        return rank.order_models(self.book, self._rankings(answers))

    def pick(self, answers: Mapping[str, Any]) -> str:
        """The model :data:`AUTO` stands for: the one ``rank`` puts first.

        Raises:
            InputError: no model has evidence for the roles and stages.
        """
        rec = rank.recommend(self.book, self._rankings(answers))
        if rec is None:
            raise InputError(
                "model auto: no model has evidence for these roles and stages; name one "
                "with --model"
            )
        self.picked = rec.model
        return rec.model


def key_scores(book: Rulebook, model_id: str) -> str:
    """A model's scores in a few words, marked as :data:`advisor.wording.MARKS_KEY` says:
    "MLE-Bench 36%*, Terminal-Bench 2.0 82.7%"."""
    model = book.models[model_id]
    out = []
    for b in book.benchmarks.values():
        sc = next((s for s in model.scores if s.benchmark == b.id), None)
        if sc is not None:
            marks = wording.score_marks(sc.verified, bool(sc.flags))
            subset = ev_model.off_split(book, sc)
            on = f" ({subset.id} subset)" if subset is not None else ""
            out.append(f"{b.name} {wording.pct(sc.score)}{marks}{on}")
    return ", ".join(out)


def offered(
    book: Rulebook, q: Question, answers: Mapping[str, Any], recommending: Recommending | None
) -> list[Choice]:
    """The options a prompt offers: :func:`choices`, and for questions on models, each
    model's key scores; without the model already chosen for the baseline; with
    ``recommending``, models best first and :data:`AUTO` first for the model question."""
    opts = choices(book, q)
    if q.choices_from != "models":
        return opts
    chosen = answers.get("model") if q.id == "baseline" else None
    models = [c for c in opts if c.value in book.models and c.value != chosen]
    rest = [c for c in opts if c.value not in book.models]
    ranked = recommending.order(answers) if recommending is not None else []
    if ranked:
        place = {m: i for i, m in enumerate(ranked)}
        models.sort(key=lambda c: (place.get(c.value, len(place)), c.value))
    shown = [Choice(c.value, c.label, key_scores(book, c.value)) for c in models]
    if ranked and q.id == "model":
        best = book.models[ranked[0]].name
        shown.insert(0, Choice(AUTO, AUTO_LABEL, f"now {best}", f"recommended: {best}"))
    return shown + rest


def _allowed(opts: list[Choice]) -> str:
    values = [c.value for c in opts if c.value]
    shown = ", ".join(values[:15]) + (", ..." if len(values) > 15 else "")
    return f"allowed: {shown}"


def validate_answer(
    book: Rulebook, q: Question, value: Any, where: str = "", item_where: Sequence[str] = ()
) -> Any:
    """Check and normalise one answer.

    Args:
        book: The rulebook (for ids and aliases).
        q: The question.
        value: The raw answer (from a file, a flag or a prompt).
        where: Where the answer came from, for the message ("--role", "answers.yaml:3:7").
        item_where: For a list, where each item is; a bad item is reported there.

    Returns:
        The normalised value: ids resolved (aliases to ids), numbers as floats.

    Raises:
        InputError: one line naming the question and the allowed values.
    """
    src = f" (from {where})" if where else ""

    def fail(msg: str) -> InputError:
        return InputError(f"question {q.id!r}{src}: {msg}")

    def fail_at(i: int) -> Callable[[str], InputError]:
        if i >= len(item_where) or not item_where[i]:
            return fail
        return lambda msg: InputError(f"question {q.id!r} (from {item_where[i]}): {msg}")

    if q.type == "text":
        if value is None:
            value = ""
        if isinstance(value, bool):
            # YAML reads an unquoted yes, no, on or off as a yes/no value.
            raise fail("expected text, got a yes/no value; put the answer in quotes")
        if not isinstance(value, (str, int, float)) or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            raise fail(f"expected text, got {_got(value)}{_quote_hint(value)}")
        text = " ".join(str(value).split())
        if q.required and not text:
            raise fail("an answer is required")
        if len(text) > q.max_length:
            raise fail(f"answer is {len(text)} characters, the limit is {q.max_length}")
        return text
    if q.type == "number":
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise fail(f"expected a number, got {value!r}") from None
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            raise fail(f"expected a finite number, got {value!r}")
        if (q.min is not None and value < q.min) or (q.max is not None and value > q.max):
            lo = "-∞" if q.min is None else f"{q.min:g}"
            hi = "∞" if q.max is None else f"{q.max:g}"
            raise fail(f"{value:g} is out of range; allowed: {lo} to {hi}")
        return float(value)
    if q.type == "confirm":
        if isinstance(value, str) and value.strip().lower() in YES_NO:
            return YES_NO[value.strip().lower()]
        if not isinstance(value, bool):
            raise fail(f"expected yes or no, got {value!r}")
        return value
    opts = choices(book, q)
    if q.type == "select":
        if not isinstance(value, str):
            raise fail(
                f"expected one value, got {_got(value)}{_quote_hint(value)}; {_allowed(opts)}"
            )
        return _one_choice(book, q, value, opts, fail)
    # checkbox
    items = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise fail(f"expected a list of values, got {_got(value)}; {_allowed(opts)}")
    for i, v in enumerate(items):
        if not isinstance(v, str):
            raise fail_at(i)(
                f"expected a list of values, got {_got(v)} in the list{_quote_hint(v)}; "
                f"{_allowed(opts)}"
            )
    out: list[str] = []
    for i, item in enumerate(items):
        v = _one_choice(book, q, item, opts, fail_at(i))
        if v not in out:
            out.append(v)
    if q.required and not out:
        raise fail(f"choose at least one; {_allowed(opts)}")
    # Keep the rulebook's order so that the same set gives the same guide.
    order = [c.value for c in opts]
    return sorted(out, key=order.index)


def _got(value: Any) -> str:
    """What YAML made of an answer that is not text, in words."""
    if value is None:
        return "no value"
    if isinstance(value, bool):
        return "a yes/no value"
    if isinstance(value, float) and not math.isfinite(value):
        return "the number " + (".nan" if value != value else ".inf" if value > 0 else "-.inf")
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, (dt.date, dt.datetime)):
        return f"the date {value.isoformat()}"
    return {"list": "a list", "dict": "a mapping"}.get(type(value).__name__, type(value).__name__)


def _quote_hint(value: Any) -> str:
    # YAML reads unquoted yes/no/on/off, numbers and dates as such; quotes keep text.
    scalar = isinstance(value, (bool, int, float, dt.date))
    return "; put the answer in quotes" if scalar else ""


def _one_choice(
    book: Rulebook, q: Question, raw: str, opts: list[Choice], fail: Callable[[str], InputError]
) -> str:
    key = raw.strip()
    if q.choices_from == "roles":
        key = book.aliases.get(key.lower(), key.lower())
    elif q.choices_from in ("stages", "models"):
        key = key.lower()
    if q.choices_from == "models" and key in book.models and not book.models[key].scores:
        raise fail(f"model {key!r} has no scores to advise from; add them with --scores FILE")
    if key not in {c.value for c in opts}:
        # An answer may also name a choice by its label, in any case, when that is unambiguous.
        folded = {
            c.value
            for c in opts
            if c.value and key.casefold() in (c.value.casefold(), c.label.casefold())
        }
        if len(folded) == 1:
            return folded.pop()
        values = [c.value for c in opts if c.value]
        close = [v for v in values if key and v.startswith(key)][:3]
        close = close or difflib.get_close_matches(key, values, n=3, cutoff=0.5)
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        raise fail(f"unknown value {raw!r}; {hint}{_allowed(opts)}")
    return key


def resolve_answers(
    book: Rulebook,
    given: Mapping[str, Any],
    *,
    use_defaults: bool = False,
    ask: AskFn | None = None,
    origins: Mapping[str, str] | None = None,
    recommending: Recommending | None = None,
) -> dict[str, Any]:
    """Answer every question that applies, in order.

    Args:
        book: The rulebook whose questions to answer.
        given: Answers from an answers file and flags, by question id.
        use_defaults: Take the default for every question not given.
        ask: Asks a question interactively; None when there is no terminal.
        origins: Where each given answer came from, for error messages.
        recommending: Lets the model question take :data:`AUTO` (and offer it first);
            None: it takes only model ids.

    Raises:
        InputError: an answer is invalid, an answer names no question, or questions
            are left unanswered with no way to ask them.
    """
    origins = origins or {}
    ids = [q.id for q in book.questions]
    for key in given:
        if key not in ids:
            raise InputError(
                f"no question {key!r}{_origin(origins, key)}; questions: {', '.join(ids)}"
            )
    answers: dict[str, Any] = {}
    unanswered: list[str] = []
    for q in book.questions:
        if not is_asked(book, q, answers):
            continue
        if q.id in given:
            value = given[q.id]
            items = (
                [origins.get(item_key(q.id, i), "") for i in range(len(value))]
                if isinstance(value, list)
                else []
            )
            where = origins.get(q.id, "")
            if _is_auto(q, value):
                value = _recommended(q, answers, recommending, where)
            answers[q.id] = validate_answer(book, q, value, where, items)
            continue
        default = default_for(book, q, answers)
        if use_defaults and default is not None:
            where = "the rulebook's default"
            if _is_auto(q, default):
                default = _recommended(q, answers, recommending, where)
            answers[q.id] = validate_answer(book, q, default, where)
        elif ask is not None:
            opts = offered(book, q, answers, recommending)
            raw = ask_until_valid(book, q, default, ask, opts)
            answers[q.id] = (
                validate_answer(book, q, _recommended(q, answers, recommending, ""))
                if _is_auto(q, raw)
                else raw
            )
        else:
            unanswered.append(q.id)
    base = answers.get("baseline")
    if base and base == answers.get("model"):
        where = origins.get("baseline") or origins.get("model") or "the rulebook's default"
        raise InputError(f"question 'baseline' (from {where}): {itself(base)}")
    if unanswered:
        names = ", ".join(unanswered)
        if use_defaults:
            raise InputError(
                f"no default for {names} in the rulebook and no terminal to ask; "
                "answer with --answers FILE"
            )
        raise InputError(
            f"no terminal to ask {names}; answer with --answers FILE, flags, or --defaults"
        )
    return answers


def unused_answers(
    book: Rulebook,
    given: Mapping[str, Any],
    answers: Mapping[str, Any],
    origins: Mapping[str, str] | None = None,
) -> list[str]:
    """Notes on the answers given to questions that did not apply (their ``when`` failed),
    which :func:`resolve_answers` leaves out, one line each."""
    origins = origins or {}
    notes = []
    for q in book.questions:
        if q.id in given and q.id not in answers:
            when = " and ".join(f"{k} is {_shown_cell(v)}" for k, v in q.when.items())
            notes.append(
                f"the answer to {q.id!r}{_origin(origins, q.id)} is not used: the question "
                f"applies only when {when}"
            )
    return notes


def _shown_cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return " or ".join(_shown_cell(v) for v in value)
    return str(value)


def item_key(key: str, index: int) -> str:
    """The key under which ``origins`` holds where item ``index`` of a list answer is."""
    return f"{key}[{index}]"


def locate_items(
    origins: MutableMapping[str, str],
    key: str,
    value: Any,
    smap: SourceMap,
    path: tuple[Any, ...],
) -> None:
    """Note in ``origins`` where each item of a list answer (at ``path`` in the file of
    ``smap``) is; past :data:`MAX_LOCATED_ITEMS` items an error points at the list."""
    if isinstance(value, list):
        for i in range(min(len(value), MAX_LOCATED_ITEMS)):
            origins[item_key(key, i)] = str(smap.locate((*path, i)))


def set_answer(
    given: MutableMapping[str, Any],
    origins: MutableMapping[str, str],
    key: str,
    value: Any,
    origin: str,
) -> None:
    """Give (or replace) the answer to ``key``, from ``origin`` (a flag, say); where the
    items of a replaced list were is forgotten with it."""
    given[key] = value
    origins[key] = origin
    for k in [k for k in origins if k.startswith(f"{key}[")]:  # item_key(key, ...)
        del origins[k]


def _origin(origins: Mapping[str, str], key: str) -> str:
    return f" (in {origins[key]})" if key in origins else ""


def _is_auto(q: Question, value: Any) -> bool:
    """Whether an answer to the model question asks advisor to recommend one."""
    return q.id == "model" and isinstance(value, str) and value.strip().lower() == AUTO


def _recommended(
    q: Question, answers: Mapping[str, Any], recommending: Recommending | None, where: str
) -> str:
    """The model an answer of :data:`AUTO` stands for."""
    if recommending is None:
        src = f" (from {where})" if where else ""
        raise InputError(
            f"question {q.id!r}{src}: 'auto' (recommend a model) is only for advisor guide; "
            "name a model"
        )
    return recommending.pick(answers)


def ask_until_valid(
    book: Rulebook, q: Question, default: Any, ask: AskFn, opts: list[Choice]
) -> Any:
    """Ask, offering ``opts``, until the answer validates (or is :data:`AUTO`, which the
    caller resolves); prompts validate as they go, this is the backstop."""
    for _ in range(10):
        raw = ask(q, opts, default)
        if _is_auto(q, raw):
            return AUTO
        try:
            return validate_answer(book, q, raw)
        except InputError as exc:
            print(f"  {exc.message}", file=sys.stderr)
    raise InputError(f"question {q.id!r}: no valid answer after 10 tries")


def load_answers_file(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Read an answers file (a YAML mapping of question id to answer); an edition file's
    ``edition:`` record is not an answer and is left out.

    Returns:
        The answers and, per answer, its location for error messages.

    Raises:
        AdvisorError: the file is missing, not YAML, or not a mapping.
    """
    name = os.fsdecode(path)
    parsed = cache.load(path, name)
    try:
        answers, origins = answers_in(parsed.data, parsed.smap, name)
    except InputError:
        if not parsed.hit:
            raise
        parsed = cache.load(path, name, fresh=True)  # a cache entry in doubt: read the file
        answers, origins = answers_in(parsed.data, parsed.smap, name)
    cache.store(parsed.entry, parsed.data, parsed.smap)
    return answers, origins


def read_answers(data: bytes, name: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Answers that have no file (standard input), as :func:`load_answers_file` reads them.

    Args:
        data: The answers' bytes (YAML).
        name: How to name them in locations (``<stdin>``).

    Raises:
        AdvisorError: not YAML, or not a mapping.
    """
    return answers_in(*load_yaml_bytes(data, name), name)


def answers_in(data: Any, smap: SourceMap, name: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers in the parsed YAML of an answers file (``name``), and where each is.

    Raises:
        InputError: the data is not a mapping of question ids.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(
            "an answers file is a mapping of question ids to answers (team: ..., roles: [...])",
            Location(name, 1, 1),
        )
    origins: dict[str, str] = {}
    for key in data:
        if not isinstance(key, str):
            raise InputError(f"answer key {key!r} is not a question id", smap.key_location((key,)))
        origins[key] = str(smap.locate((key,)))
        locate_items(origins, key, data[key], smap, (key,))
    origins.pop(EDITION_KEY, None)
    return {k: v for k, v in data.items() if k != EDITION_KEY}, origins


def answers_to_profile(answers: Mapping[str, Any], date: str) -> Profile:
    """Turn validated answers into the engine's profile."""
    if not answers.get("model"):
        raise InputError("no model chosen; the rulebook needs a 'model' question (or --model)")
    baseline = answers.get("baseline")
    return Profile(
        model=str(answers["model"]),
        baseline=None if baseline in (None, "", NO_BASELINE) else str(baseline),
        roles=list(answers.get("roles") or []),
        stages=list(answers.get("stages") or []),
        team=str(answers.get("team", "")),
        answers={k: v for k, v in answers.items() if k not in CORE_QUESTIONS},
        date=date,
    )


def dump_answers(answers: Mapping[str, Any]) -> str:
    """Answers as YAML that ``--answers`` reads back."""
    return yaml.safe_dump(dict(answers), sort_keys=False, allow_unicode=True)
