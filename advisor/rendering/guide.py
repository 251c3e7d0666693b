"""The main job: answers to a rendered team guide.

``make_guide`` is the one function behind ``advisor guide`` and ``advisor
batch``: validated answers -> profile -> :func:`advisor.evaluation.engine.evaluate` ->
:func:`advisor.rendering.templates.render`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import Any

import msgspec

from advisor.errors import InputError
from advisor.evaluation import rank
from advisor.evaluation.engine import evaluate
from advisor.evaluation.questionnaire import answers_to_profile
from advisor.evaluation.results import Result
from advisor.load.rulebook import Rulebook
from advisor.model.dates import DateError, parse_date
from advisor.rendering.templates import render


class Guide(msgspec.Struct):
    """A rendered guide, the result it was rendered from and the template context it
    added (``answers``, ``changes``, ...), to render the same guide in another format."""

    result: Result
    text: str
    context: dict[str, Any]


def guide_date(date: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The guide's date: ``date`` if given, else ``SOURCE_DATE_EPOCH``, else today (UTC).

    Raises:
        InputError: ``date`` is not YYYY-MM-DD, or SOURCE_DATE_EPOCH is not a non-negative
            integer within the calendar.
    """
    env = os.environ if environ is None else environ
    if date is not None:
        try:
            return parse_date(date, full=True).isoformat()
        except DateError as exc:
            why = f"; {exc.why}" if exc.why else str(exc).removeprefix("not YYYY-MM-DD")
            raise InputError(f"--date {date!r}: expected a date as YYYY-MM-DD{why}") from None
    epoch = env.get("SOURCE_DATE_EPOCH")
    if epoch:
        # The reproducible-builds specification: a non-negative integer of seconds.
        if not (epoch.isascii() and epoch.isdigit()):
            raise InputError(
                f"SOURCE_DATE_EPOCH={epoch!r}: expected seconds since 1970 as a non-negative "
                "integer; unset it or fix it"
            )
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date().isoformat()
        except (ValueError, OverflowError, OSError):
            raise InputError(
                f"SOURCE_DATE_EPOCH={epoch!r}: out of range (after the year 9999); unset it or "
                "fix it"
            ) from None
    return dt.datetime.now(tz=dt.timezone.utc).date().isoformat()


def make_guide(
    book: Rulebook,
    answers: Mapping[str, Any],
    *,
    date: str,
    fmt: str = "md",
    template: str | os.PathLike[str] | None = None,
    fragment: bool = False,
    extra: dict[str, Any] | None = None,
    since: Rulebook | None = None,
    verified_only: bool = False,
    shortlist: bool = False,
) -> Guide:
    """Evaluate validated answers and render the guide.

    Args:
        book: The rulebook.
        answers: Answers as returned by :func:`advisor.evaluation.questionnaire.resolve_answers`.
        date: The guide's date (see :func:`guide_date`).
        fmt: Output format (``md``, ``html``, ``confluence``, ``mediawiki``, ``json``).
        template: Optional custom template file.
        fragment: Leave out the title block.
        extra: More template context.
        since: The rulebook as of the last edition (its scores): the guide then
            gets ``changes`` (the JSON rows) and ``what_changed`` (the section as
            template data, see :func:`advisor.evaluation.diff.changes_view`).
        verified_only: Ignore unverified and flagged scores.
        shortlist: Add the "Which model for which stage" section (``shortlist``): the
            top candidates of ``advisor rank`` for the team's roles and stages, and the
            model it puts first (see :func:`advisor.evaluation.rank.recommend`).

    Templates (and the JSON result) also get ``answers``: every answer by question
    id, so that an organisation's own questions can shape its own template.
    """
    profile = msgspec.structs.replace(
        answers_to_profile(answers, date), verified_only=verified_only
    )
    result = evaluate(book, profile)
    context: dict[str, Any] = {"answers": dict(answers)}
    if since is not None:
        # Only an edition with --since compares results: the rest do without the module.
        from advisor.evaluation.diff import changes_view, diff_results

        old = evaluate(since, profile, trace=False)  # the changes need no explanation trace
        changes = diff_results(old, result, book, old_book=since)
        context["changes"] = [c.to_dict() for c in changes]
        context["what_changed"] = changes_view(changes)
    if shortlist:
        rankings = rank.rank(
            book, roles=profile.roles, stages=profile.stages, verified_only=verified_only
        )
        context["shortlist"] = rank.shortlist(book, rankings, model=result.model)
    context.update(extra or {})
    text = render(result, book, fmt, template=template, fragment=fragment, extra=context)
    return Guide(result, text, context)
