"""Edition files: the answers of a guide plus everything needed to write it again.

An edition file is an answers file (question id: answer, at the top level, so that
``--answers`` reads it as before) with one more key, ``edition:``, that records how the
guide was made: the rulebook and scores files, format, template, output path, date,
the rulebook's id and version, advisor's version, fingerprints of the guide, template
and the rules it used, and a snapshot of the models whose scores it used. The snapshot
lets a later run say what changed even after a scores file was edited in place.
:mod:`advisor.rendering.refresh` checks and updates a guide from its edition file.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import msgspec
import msgspec.json
import msgspec.structs
import yaml

from advisor.errors import InputError
from advisor.evaluation.questionnaire import EDITION_KEY, NO_BASELINE, answers_in
from advisor.evaluation.results import Result
from advisor.load.book import Rulebook
from advisor.load.validate import located
from advisor.load.yamlsource import SourceMap, load_yaml
from advisor.model import schema as s
from advisor.model.location import Location

#: Digits of a SHA-256 kept as a fingerprint: enough to tell versions of a file apart.
DIGITS = 16


class RulebookStamp(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The rulebook's id and version as the guide printed them."""

    id: str
    version: str


class Record(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The ``edition:`` part of an edition file (paths relative to the file's folder)."""

    output: str
    date: str
    format: Literal["md", "html", "confluence", "mediawiki", "json"] = "md"
    template: str | None = None
    fragment: bool = False
    verified_only: bool = False
    shortlist: bool = False
    rules: list[str] = []
    scores: list[str] = []
    rulebook: RulebookStamp | None = None
    advisor: str = ""
    guide_sha256: str | None = None
    template_sha256: str | None = None
    rules_used: dict[str, str] = {}
    models: list[s.Model] = []
    since: list[s.Model] | None = None


@dataclass
class Edition:
    """An edition file as read: its answers (and where each is) and its record."""

    path: str
    answers: dict[str, Any]
    origins: dict[str, str]
    record: Record
    smap: SourceMap

    def where(self, *keys: Any) -> Location:
        """The location of ``edition.KEYS...`` in the file."""
        return self.smap.locate((EDITION_KEY, *keys))

    def guide_path(self) -> str:
        """The guide's file, to open.

        Raises:
            InputError: the guide went to stdout (``output: '-'``).
        """
        if self.record.output == "-":
            raise InputError(
                "this edition's guide went to stdout (output: '-'), so it has no file; "
                "give the guide's file path here",
                self.where("output"),
            )
        return self.resolve(self.record.output)

    def resolve(self, recorded: str) -> str:
        """A recorded path as a path to open: relative ones are under the file's folder."""
        if recorded == "-" or os.path.isabs(recorded):
            return recorded
        return os.path.join(os.path.dirname(self.path), recorded)


def fingerprint(data: bytes) -> str:
    """The first :data:`DIGITS` hex digits of the SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()[:DIGITS]


def rule_fingerprints(book: Rulebook, result: Result) -> dict[str, str]:
    """A fingerprint of each rule the result's advice came from, by rule id (sorted)."""
    used = {rid for trace in result.traces for rid in trace.chosen}
    out = {}
    for rid in sorted(used):
        rule = book.rule(rid)
        if rule is not None:
            out[rid] = fingerprint(msgspec.json.encode(rule.spec))
    return out


def file_fingerprint(path: str | None) -> str | None:
    """The fingerprint of a file's bytes; None without a file or when it cannot be read."""
    if path is None:
        return None
    try:
        with open(path, "rb") as fh:
            return fingerprint(fh.read())
    except OSError:
        return None


def profile_models(book: Rulebook, answers: Mapping[str, Any]) -> list[s.Model]:
    """The models whose scores a guide for ``answers`` uses: the model, then the baseline."""
    ids = [str(answers.get("model") or "")]
    baseline = answers.get("baseline")
    if baseline not in (None, "", NO_BASELINE):
        ids.append(str(baseline))
    return [book.models[i] for i in dict.fromkeys(ids) if i in book.models]


def with_models(book: Rulebook, models: Sequence[s.Model]) -> Rulebook:
    """``book`` with ``models`` in place of those with the same ids (the book as of an
    earlier edition's scores); ``book`` is left as it was."""
    merged = dict(book.models)
    merged.update({m.id: m for m in models})
    return msgspec.structs.replace(book, models=merged)


def relative_to(path: str, edition_path: str) -> str:
    """``path`` (as given on the command line) relative to the edition file's folder when
    possible, so that the folder can move as a whole; else absolute."""
    if path == "-":
        return path
    base = os.path.dirname(os.path.abspath(edition_path)) if edition_path != "-" else os.getcwd()
    try:
        return os.path.relpath(os.path.abspath(path), base).replace(os.sep, "/")
    except ValueError:  # another drive (Windows)
        return os.path.abspath(path)


# --------------------------------------------------------------------------- reading


def is_edition_file(path: str) -> bool:
    """Whether ``path`` names an edition file by its name (``.yaml``, ``.yml``): no guide
    format is YAML."""
    return path.lower().endswith((".yaml", ".yml"))


def read_edition(path: str | os.PathLike[str]) -> Edition:
    """Read an edition file.

    Raises:
        InputError: the file is missing, not YAML, has no ``edition:`` part, or that part
            is not as :class:`Record` describes (located to file:line:column; exit 2).
    """
    name = os.fspath(path)
    data, smap = load_yaml(name)
    answers, origins = answers_in(data, smap, name)
    raw = data.get(EDITION_KEY) if isinstance(data, dict) else None
    if raw is None:
        raise InputError(
            f"no '{EDITION_KEY}:' part: this is an answers file; record an edition with "
            f"advisor guide --answers {name} --save-answers EDITION.yaml",
            Location(name, 1, 1),
        )
    if not isinstance(raw, dict):
        raise InputError(
            f"'{EDITION_KEY}:' is a mapping (output:, date:, ...)", smap.locate((EDITION_KEY,))
        )
    raw = _dates_as_text(raw)
    try:
        record = s.validate(raw, Record)
    except msgspec.ValidationError as exc:
        err = located(str(exc), raw, Record, smap, (EDITION_KEY,))
        # The rulebook's hint (see 'advisor schema') does not apply to an edition file.
        raise InputError(err.message.replace(" (see 'advisor schema')", ""), err.location) from None
    return Edition(name, answers, origins, record, smap)


def _dates_as_text(raw: dict[Any, Any]) -> dict[Any, Any]:
    # YAML reads an unquoted 2026-11-26 as a date; an edition keeps dates as text.
    out = {k: s.date_text(v) for k, v in raw.items()}
    for key in ("models", "since"):
        if type(out.get(key)) is list:
            out[key] = [_model_dates(m) for m in out[key]]
    return out


def _model_dates(model: Any) -> Any:
    if type(model) is not dict or type(model.get("scores")) is not list:
        return model
    scores = [
        {**sc, "date": s.date_text(sc["date"])} if type(sc) is dict and "date" in sc else sc
        for sc in model["scores"]
    ]
    return {**model, "scores": scores}


# --------------------------------------------------------------------------- writing

_HEAD = """\
# advisor edition: the answers of a guide and how it was made, so that it can be made again.
#   advisor guide --answers THIS-FILE      the same answers (the '{key}:' part is skipped)
#   advisor guide --check THIS-FILE        exit 1, naming what changed, when the guide is stale
#   advisor guide --update THIS-FILE       write the guide again from the current inputs
# Edit the answers freely; the '{key}:' part is advisor's record.

"""

#: The comment above each key of the record, in the order written.
_COMMENTS = {
    "output": "The guide's file (paths are relative to this file's folder).",
    "date": "The date printed in the guide.",
    "format": "md, html, confluence, mediawiki or json.",
    "template": "A custom template, or null for the built-in one.",
    "fragment": "true: the guide has no title block.",
    "verified_only": "true: only verified, unflagged scores were used (--verified-only).",
    "shortlist": "true: the guide has the 'Which model for which stage' section.",
    "rules": "Rulebook files or folders; none: the built-in rulebook.",
    "scores": "Scores files laid over the rulebook, in order.",
    "rulebook": "The rulebook's id and version when the guide was written.",
    "advisor": "advisor's version when the guide was written.",
    "guide_sha256": "Fingerprints: the guide as written (to spot a hand edit), the template,",
    "template_sha256": None,
    "rules_used": "and each rule the guide's advice came from.",
    "models": "The models whose scores the guide used, as they were (a scores file's models).",
    "since": "The last edition's models: what the 'What changed' section compares with.",
}


#: Record keys written only when true, so that other edition files stay as they were.
_ONLY_WHEN_SET = ("verified_only", "shortlist")


def edition_text(answers: Mapping[str, Any], record: Record) -> str:
    """An edition file: a comment on how to use it, the answers, then the record."""
    parts = [_HEAD.format(key=EDITION_KEY)]
    if answers:
        parts.append(_dump(dict(answers)))
    parts.append("\n# How the guide was made; 'advisor guide --update' rewrites this part.\n")
    parts.append(f"{EDITION_KEY}:\n")
    data = msgspec.to_builtins(record)
    for key in ("models", "since"):
        if getattr(record, key) is not None:
            data[key] = [_lean(m) for m in getattr(record, key)]
    for key, comment in _COMMENTS.items():
        value = data[key]
        if (key == "since" and value is None) or (key in _ONLY_WHEN_SET and not value):
            continue
        if comment:
            parts.append(f"  # {comment}\n")
        text = _dump({key: value})
        parts.append("".join(f"  {line}\n" if line else "\n" for line in text.splitlines()))
    return "".join(parts)


def _dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _lean(item: msgspec.Struct) -> dict[str, Any]:
    """A struct as plain data without the fields that hold their defaults (a model's or a
    score's), so that a snapshot reads like a scores file."""
    out: dict[str, Any] = {}
    for f in msgspec.structs.fields(item):
        value = getattr(item, f.name)
        default = f.default if f.default_factory is msgspec.NODEFAULT else f.default_factory()
        if default is not msgspec.NODEFAULT and value == default:
            continue
        if isinstance(value, list) and value and isinstance(value[0], msgspec.Struct):
            out[f.name] = [_lean(v) for v in value]
        else:
            out[f.name] = msgspec.to_builtins(value)
    return out
