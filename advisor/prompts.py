"""Asking questionnaire questions in a terminal with questionary (CLI edge only).

The questionnaire itself (choices, defaults, validation) lives in
:mod:`advisor.questionnaire`; this module only draws prompts. Prompts are
drawn on stderr so that ``-o -`` keeps stdout for the guide.
"""

from __future__ import annotations

import sys
from typing import Any

from advisor.errors import InputError
from advisor.questionnaire import Choice
from advisor.schema import Question


def _validator(q: Question) -> Any:
    def check(text: str) -> bool | str:
        if q.type == "number":
            try:
                value = float(text)
            except ValueError:
                return "Enter a number"
            if (q.min is not None and value < q.min) or (q.max is not None and value > q.max):
                return f"Enter a number from {q.min:g} to {q.max:g}" if (
                    q.min is not None and q.max is not None) else "Number out of range"
            return True
        stripped = " ".join(text.split())
        if q.required and not stripped:
            return "An answer is required"
        if len(stripped) > q.max_length:
            return f"At most {q.max_length} characters"
        return True

    return check


def ask(q: Question, choices: list[Choice], default: Any) -> Any:
    """Ask one question; Ctrl-C raises KeyboardInterrupt, end of input an InputError."""
    import questionary
    from prompt_toolkit.output import create_output

    out = create_output(stdout=sys.stderr)
    kwargs: dict[str, Any] = {"output": out}
    if q.help:
        kwargs["instruction"] = f"({q.help})"
    if q.type in ("text", "number"):
        question = questionary.text(
            q.prompt, default="" if default is None else f"{default:g}" if isinstance(
                default, float) else str(default),
            validate=_validator(q), **kwargs,
        )
    elif q.type == "confirm":
        question = questionary.confirm(q.prompt, default=bool(default), **kwargs)
    elif q.type == "select":
        opts = [questionary.Choice(title=f"{c.label} ({c.value})" if c.value and c.label != c.value
                                   else c.label, value=c.value) for c in choices]
        values = [c.value for c in choices]
        question = questionary.select(
            q.prompt, choices=opts, default=default if default in values else None,
            use_search_filter=len(opts) > 8, use_jk_keys=False, **kwargs,
        )
    else:
        chosen = set(default or [])
        opts = [questionary.Choice(title=c.label, value=c.value, checked=c.value in chosen)
                for c in choices]
        question = questionary.checkbox(
            q.prompt, choices=opts,
            validate=lambda picked: True if picked or not q.required else "Choose at least one",
            **kwargs,
        )
    try:
        return question.unsafe_ask()
    except EOFError:
        raise InputError(
            "input ended before all questions were answered; use --answers FILE or --defaults"
        ) from None
