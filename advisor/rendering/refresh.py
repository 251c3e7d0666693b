"""Guides kept current from their edition files: record, check, update.

:func:`new_record` is what ``advisor guide --save-answers`` records; :func:`check`
(``--check``) tells whether the guide at the recorded path is what the recorded inputs
give now, and if not, says in one line what changed; :func:`update` (``--update``)
writes the guide again from the current inputs with a "What changed since the last
edition" section against the recorded snapshot, and rewrites the edition file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec.structs

from advisor import wording
from advisor.errors import InputError, OutputError
from advisor.evaluation.questionnaire import Recommending, resolve_answers
from advisor.load.book import Rulebook
from advisor.load.paths import MAX_BYTES, FileTooBigError, path_kind, read_capped, read_problem
from advisor.load.rulebook import load_rulebook, load_scores
from advisor.model import schema as s
from advisor.rendering.edition import (
    Edition,
    Record,
    RulebookStamp,
    edition_text,
    file_fingerprint,
    fingerprint,
    profile_models,
    read_edition,
    relative_to,
    rule_fingerprints,
    with_models,
)
from advisor.rendering.guide import Guide, guide_date, make_guide
from advisor.rendering.output import refuse_same_files, write_text
from advisor.version import __version__


@dataclass
class Outcome:
    """What a check or an update found: ``current`` (the guide was up to date), one line
    for the user, and the files written (none when current)."""

    current: bool
    line: str
    written: list[str]


def new_record(
    edition_path: str,
    *,
    book: Rulebook,
    answers: Mapping[str, Any],
    page: Guide,
    output: str,
    date: str,
    fmt: str,
    template: str | None,
    fragment: bool,
    rules: Sequence[str],
    scores: Sequence[str],
    since: Rulebook | None,
    verified_only: bool = False,
    shortlist: bool = False,
) -> Record:
    """The record of a guide just made, for its edition file at ``edition_path``.

    Args:
        edition_path: Where the edition file goes (``-``: stdout; paths are then relative
            to the working folder).
        book: The rulebook the guide came from (with its scores).
        answers: The settled answers.
        page: The guide.
        output: The guide's path as given (``-``: stdout).
        date: The guide's date.
        fmt: Its format.
        template: A custom template's path as given, if any.
        fragment: Whether the title block was left out.
        rules: Rulebook paths as given (none: the built-in one).
        scores: Scores files as given.
        since: The rulebook as of the last edition, when the guide has a "What changed"
            section.
        verified_only: Whether only verified, unflagged scores were used.
        shortlist: Whether the guide has the "Which model for which stage" section.
    """
    return Record(
        output=relative_to(output, edition_path),
        date=date,
        format=fmt,  # type: ignore[arg-type]  # one of FORMATS: click checked it
        template=relative_to(template, edition_path) if template else None,
        fragment=fragment,
        verified_only=verified_only,
        shortlist=shortlist,
        rules=[relative_to(p, edition_path) for p in rules],
        scores=[relative_to(p, edition_path) for p in scores],
        rulebook=RulebookStamp(id=book.meta.id, version=book.meta.version),
        advisor=__version__,
        guide_sha256=fingerprint(page.text.encode("utf-8")),
        template_sha256=file_fingerprint(template),
        rules_used=rule_fingerprints(book, page.result),
        models=profile_models(book, answers),
        since=profile_models(since, answers) if since is not None else None,
    )


# --------------------------------------------------------------------------- making again


@dataclass
class _Made:
    book: Rulebook
    answers: dict[str, Any]
    page: Guide


def _inputs(ed: Edition) -> Rulebook:
    """The rulebook and scores the edition names, as they are now."""
    rec = ed.record
    for key in ("rules", "scores"):
        for i, p in enumerate(getattr(rec, key)):
            if path_kind(ed.resolve(p)) is None:
                raise InputError(
                    f"{key} path {p!r} no longer exists (looked at {ed.resolve(p)}); "
                    "fix the path in the edition file",
                    ed.where(key, i),
                )
    if rec.template and path_kind(ed.resolve(rec.template)) is None:
        raise InputError(
            f"template {rec.template!r} no longer exists (looked at {ed.resolve(rec.template)})",
            ed.where("template"),
        )
    book = load_rulebook([ed.resolve(p) for p in rec.rules] or None)
    for p in rec.scores:
        book = load_scores(book, ed.resolve(p))
    return book


def _make(ed: Edition, book: Rulebook, date: str, since: Sequence[s.Model] | None) -> _Made:
    rec = ed.record
    # No prompts: a question the file does not answer takes the rulebook's default.
    recommending = Recommending(book, verified_only=rec.verified_only)
    answers = resolve_answers(
        book, ed.answers, use_defaults=True, origins=ed.origins, recommending=recommending
    )
    page = make_guide(
        book,
        answers,
        date=date,
        fmt=rec.format,
        template=ed.resolve(rec.template) if rec.template else None,
        fragment=rec.fragment,
        since=with_models(book, since) if since is not None else None,
        verified_only=rec.verified_only,
        shortlist=rec.shortlist or recommending.picked is not None,
    )
    return _Made(book, answers, page)


def _read_guide(path: str) -> bytes | None:
    """The guide's bytes; None when there is no file."""
    try:
        return read_capped(path, MAX_BYTES)
    except FileNotFoundError:
        return None
    except FileTooBigError as exc:
        raise InputError(f"{path}: {exc}") from None
    except OSError as exc:
        raise InputError(f"{path}: {read_problem(exc)}") from None


# --------------------------------------------------------------------------- check


def check(path: str | os.PathLike[str]) -> Outcome:
    """Whether the guide of an edition is what its recorded inputs give now, at its date.

    Returns:
        ``current`` True when the guide file is byte-identical; else one line naming the
        first of: the guide missing, edited by hand, the rulebook's version, a score, the
        template, a rule, advisor's version.

    Raises:
        InputError: the edition file or a recorded path is wrong (located; exit 2).
        RulebookError: the rulebook or a scores file no longer loads (exit 1).
    """
    ed = read_edition(path)
    target = ed.guide_path()
    have = _read_guide(target)
    if have is None:
        return Outcome(
            False, f"{target}: the guide is missing; run: advisor guide --update {ed.path}", []
        )
    book = _inputs(ed)
    made = _make(ed, book, ed.record.date, ed.record.since)
    if made.page.text.encode("utf-8") == have:
        return Outcome(True, f"{target}: up to date (edition of {ed.record.date})", [])
    changed = _what_changed(ed, made)
    if ed.record.guide_sha256 and fingerprint(have) != ed.record.guide_sha256:
        # --update refuses to overwrite hand edits without --force; say so, and still name
        # what else changed.
        also = "" if changed is None else f", and {changed}"
        return Outcome(
            False,
            f"{target}: the guide was edited by hand since advisor wrote it{also}; run: advisor "
            f"guide --force --update {ed.path} (the hand edits are lost)",
            [],
        )
    why = changed or "the guide differs from what the edition's answers and inputs give now"
    return Outcome(False, f"{target}: {why}; run: advisor guide --update {ed.path}", [])


def _what_changed(ed: Edition, made: _Made) -> str | None:
    """Which recorded input changed, in a few words; None when none did."""
    rec, book = ed.record, made.book
    if rec.rulebook and (rec.rulebook.id, rec.rulebook.version) != (
        book.meta.id,
        book.meta.version,
    ):
        return (
            f"rulebook {rec.rulebook.id} {rec.rulebook.version} is now "
            f"{book.meta.id} {book.meta.version}"
        )
    scores = score_change(rec.models, book)
    if scores:
        return scores
    if rec.template and file_fingerprint(ed.resolve(rec.template)) != rec.template_sha256:
        return f"the template {rec.template} changed"
    now = rule_fingerprints(book, made.page.result)
    for rid, old in rec.rules_used.items():
        if rid not in now and book.rule(rid) is None:
            return f"rule {rid} is no longer in the rulebook"
        if rid in now and now[rid] != old:
            return f"rule {rid} changed ({_rule_where(book, rid)})"
    added = [rid for rid in now if rid not in rec.rules_used]
    if added:
        return f"rule {added[0]} now applies ({_rule_where(book, added[0])})"
    gone = [rid for rid in rec.rules_used if rid not in now]
    if gone:
        return f"rule {gone[0]} no longer applies"
    if rec.advisor and rec.advisor != __version__:
        return f"advisor {rec.advisor} wrote it, advisor {__version__} writes it differently"
    return None


def _rule_where(book: Rulebook, rid: str) -> str:
    rule = book.rule(rid)
    return str(rule.location) if rule is not None else "rulebook"


def score_change(snapshot: Sequence[s.Model], book: Rulebook) -> str | None:
    """The first difference between the snapshot's models and the same models in
    ``book``, in words ("gpt-5.5 mle-bench score 36 → 40 (scores.yaml:4:5)"); None when
    they are the same."""
    for old in snapshot:
        new = book.models.get(old.id)
        if new is None:
            return f"model {old.id} is no longer in the rulebook or its scores"
        if new == old:
            continue
        where = book.where("model", old.id)
        at = f" ({where})" if where else ""
        before = {sc.benchmark: sc for sc in old.scores}
        after = {sc.benchmark: sc for sc in new.scores}
        for bench in [*before, *(b for b in after if b not in before)]:
            a, b = before.get(bench), after.get(bench)
            if a == b:
                continue
            if a is None or b is None or a.score != b.score:
                shown_a = wording.shown(a.score if a else None)
                shown_b = wording.shown(b.score if b else None)
                return f"{old.id} {bench} score {shown_a} → {shown_b}{at}"
            assert a is not None and b is not None
            fields = [
                f.name
                for f in msgspec.structs.fields(a)
                if getattr(a, f.name) != getattr(b, f.name)
            ]
            return f"{old.id} {bench} score's {', '.join(fields)} changed{at}"
        fields = [
            f.name
            for f in msgspec.structs.fields(old)
            if f.name != "scores" and getattr(old, f.name) != getattr(new, f.name)
        ]
        return f"model {old.id}'s {', '.join(fields)} changed{at}"
    return None


# --------------------------------------------------------------------------- update


def update(
    path: str | os.PathLike[str], *, date: str | None = None, force: bool = False
) -> Outcome:
    """Write an edition's guide again from the current inputs, and the edition file.

    Nothing is written when the guide is current (whatever ``date``). Otherwise the guide
    gets a "What changed since the last edition" section against the recorded snapshot,
    and the edition file a new snapshot and date. Both files are written atomically.

    Args:
        path: The edition file.
        date: The new edition's date (default SOURCE_DATE_EPOCH, else today).
        force: Overwrite a guide edited by hand.

    Raises:
        InputError: the edition file or a recorded path is wrong (located; exit 2).
        OutputError: the guide was edited by hand and ``force`` is not given (exit 1).
        RulebookError: the rulebook or a scores file no longer loads (exit 1).
    """
    ed = read_edition(path)
    rec = ed.record
    target = ed.guide_path()
    # An edition edited to name one of its inputs as its output would overwrite it.
    refuse_same_files(
        [("output", target), ("the edition file", ed.path)],
        [("rules", ed.resolve(p)) for p in rec.rules]
        + [("scores", ed.resolve(p)) for p in rec.scores]
        + [("template", ed.resolve(rec.template) if rec.template else None)],
    )
    when = guide_date(date)
    have = _read_guide(target)
    book = _inputs(ed)
    if have is not None:
        same = _make(ed, book, rec.date, rec.since)
        if same.page.text.encode("utf-8") == have:
            return Outcome(True, f"{target}: up to date (edition of {rec.date})", [])
        if not force and rec.guide_sha256 and fingerprint(have) != rec.guide_sha256:
            raise OutputError(
                f"{target}: the guide was edited by hand since advisor wrote it; "
                "--force --update writes it again (the edits are lost)"
            )
    since = rec.models or None
    made = _make(ed, book, when, since)
    new = msgspec.structs.replace(
        rec,
        date=when,
        rulebook=RulebookStamp(id=book.meta.id, version=book.meta.version),
        advisor=__version__,
        guide_sha256=fingerprint(made.page.text.encode("utf-8")),
        template_sha256=file_fingerprint(ed.resolve(rec.template) if rec.template else None),
        rules_used=rule_fingerprints(book, made.page.result),
        models=profile_models(book, made.answers),
        since=since,
    )
    written = [
        w
        for w in (
            write_text(target, made.page.text, force=True),
            write_text(ed.path, edition_text(made.answers, new), force=True),
        )
        if w
    ]
    return Outcome(False, f"{target}: updated (edition of {when})", written)
