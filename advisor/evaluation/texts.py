"""Rule texts compiled for the sandbox when first needed, once per distinct text.

The loader keeps rule texts as written (the load layer knows nothing of
Jinja2); a text that uses Jinja syntax is compiled here the first time a
rule that holds it is rendered, or, for ``advisor rules validate``, all at
once by :func:`check_texts`.
"""

from __future__ import annotations

from typing import Any

from advisor.errors import AdvisorError, RulebookError
from advisor.load.rulebook import TEXT_FIELDS, CompiledRule, Rulebook
from advisor.model.location import Location
from advisor.text.sandbox import needs_template, text_template


def template(text: str, location: Location | None) -> Any | None:
    """The compiled form of a rule text; None for plain text.

    Raises:
        RulebookError: the text is not valid Jinja2 or reaches for what the sandbox
            forbids, located at ``location``.
    """
    if not needs_template(text):
        return None
    try:
        # The sandbox compiles each text once; the location decides whether the text
        # is advisor's own (no limits) or a user's.
        return text_template(text, location)
    except AdvisorError as exc:
        raise RulebookError(exc.message, location) from None


def text_location(book: Rulebook, rule: CompiledRule, key: str) -> Location:
    """Where the text ``key`` of ``rule`` is written."""
    return book.where("text", f"{rule.id}\0{key}") or rule.location


def check_texts(book: Rulebook) -> None:
    """Compiles every rule text of ``book``.

    Raises:
        RulebookError: with every text that does not compile, each located.
    """
    problems: list[AdvisorError] = []
    for rule in book.rules():
        for key in TEXT_FIELDS:
            try:
                template(getattr(rule.spec, key), text_location(book, rule, key))
            except RulebookError as exc:
                problems.append(AdvisorError(exc.message, text_location(book, rule, key)))
    if problems:
        problems.sort(key=lambda e: (e.location or Location(""), e.message))
        first, n = problems[0], len(problems)
        msg = first.message if n == 1 else f"{first.message} (and {n - 1} more problems)"
        raise RulebookError(msg, first.location, problems=problems)
