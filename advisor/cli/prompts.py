"""Asking questionnaire questions in a terminal with questionary (CLI edge only).

The questionnaire itself (choices, defaults, validation) lives in
:mod:`advisor.evaluation.questionnaire`; this module only draws prompts, and is
imported only when a question is asked (:func:`advisor.cli.common.prompt_stream`). Prompts are
drawn on stderr so that ``-o -`` keeps stdout for the guide (on stdout when only
stdout is a terminal, e.g. ``advisor guide 2> log``).
"""

from __future__ import annotations

import contextlib
import functools
import signal
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

import questionary
from prompt_toolkit.filters import Condition
from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
from prompt_toolkit.output import create_output
from questionary.prompts.common import InquirerControl

from advisor.errors import InputError
from advisor.evaluation.questionnaire import AskFn, Choice

if TYPE_CHECKING:
    from advisor.model.schema import Question

#: A select with more choices than this gets questionary's type-to-filter search.
SEARCH_FROM = 8


def _title(c: Choice) -> str:
    """A choice as shown: its name, and its id when that differs (the id is what flags take)."""
    if not c.value or c.label.strip("()") == c.value:
        return c.label
    return f"{c.label} ({c.value})"


def _extra_keys(question: Any, search: bool) -> None:
    """Key bindings questionary's list prompts lack.

    - Ctrl-D ends the questionnaire, as it does on an empty text prompt (questionary's
      list prompts ignore it, which leaves Ctrl-C as the only way out); so does a SIGINT.
    - With the type-to-filter search of a select, Enter does nothing while the filter
      matches no choice: questionary would then pick whichever choice the pointer is
      on, although the user typed something else.
    """
    app = question.application
    extra = KeyBindings()

    @extra.add("c-d", eager=True)
    def _(event: Any) -> None:
        event.app.exit(exception=EOFError(), style="class:aborting")

    # prompt_toolkit turns a SIGINT from outside (kill -INT) into this key, which
    # questionary's list prompts leave unbound, so the signal would be lost.
    @extra.add("<sigint>", eager=True)
    def _(event: Any) -> None:
        event.app.exit(exception=KeyboardInterrupt(), style="class:aborting")

    control = next(
        (c for c in app.layout.find_all_controls() if isinstance(c, InquirerControl)), None
    )
    if search and control is not None:

        def no_match() -> bool:
            text = (control.search_filter or "").lower()
            return bool(text) and not any(text in str(c.title).lower() for c in control.choices)

        @extra.add("enter", eager=True, filter=Condition(no_match))
        def _(event: Any) -> None:
            event.app.output.bell()

    app.key_bindings = merge_key_bindings([app.key_bindings or KeyBindings(), extra])


class _Signalled(Exception):
    """A signal arrived while a prompt was up; the prompt ended to let it through."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _signals_end_the_prompt(app: Any) -> Iterator[None]:
    """Let SIGINT, SIGTERM, SIGHUP and SIGQUIT stop a running prompt cleanly.

    Python raises a signal handler's exception wherever the main thread is. While a
    prompt runs, that is inside prompt_toolkit's event loop, which reports the
    exception and then waits for Enter ("Press ENTER to continue..."): a ``kill``
    would leave advisor hanging. During a prompt a signal therefore ends the prompt;
    :func:`ask` then re-raises it outside the loop, where the usual handlers
    (exit 130 or 143, nothing written) take over.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT")  # those advisor cleans up after
    signums = [getattr(signal, n) for n in names if hasattr(signal, n)]

    def handler(signum: int, frame: Any) -> None:
        loop = getattr(app, "loop", None)
        if loop is None or not app.is_running:
            raise _Signalled(signum)  # not in the event loop yet: plain raise is safe

        def stop() -> None:
            if app.future is not None and not app.future.done():
                app.exit(exception=_Signalled(signum))

        loop.call_soon_threadsafe(stop)

    previous = {n: signal.getsignal(n) for n in signums}
    for n in signums:
        signal.signal(n, handler)
    try:
        yield
    finally:
        for n, h in previous.items():
            signal.signal(n, h)


def _validator(q: Question) -> Any:
    def check(text: str) -> bool | str:
        if q.type == "number":
            try:
                value = float(text)
            except ValueError:
                return "Enter a number"
            if (q.min is not None and value < q.min) or (q.max is not None and value > q.max):
                return (
                    f"Enter a number from {q.min:g} to {q.max:g}"
                    if (q.min is not None and q.max is not None)
                    else "Number out of range"
                )
            return True
        stripped = " ".join(text.split())
        if q.required and not stripped:
            return "An answer is required"
        if len(stripped) > q.max_length:
            return f"At most {q.max_length} characters"
        return True

    return check


def asker(stream: TextIO) -> AskFn:
    """An ``ask`` for ``resolve_answers`` (advisor.evaluation.questionnaire) reading ``stream``."""
    return functools.partial(ask, stream=stream)


def ask(q: Question, choices: list[Choice], default: Any, stream: TextIO | None = None) -> Any:
    """Ask one question; Ctrl-C raises KeyboardInterrupt, end of input an InputError."""
    out = create_output(stdout=stream or sys.stderr)
    kwargs: dict[str, Any] = {"output": out}
    if q.help:
        kwargs["instruction"] = f"({q.help})"
    if q.type in ("text", "number"):
        question = questionary.text(
            q.prompt,
            default=""
            if default is None
            else f"{default:g}"
            if isinstance(default, float)
            else str(default),
            validate=_validator(q),
            **kwargs,
        )
    elif q.type == "confirm":
        question = questionary.confirm(q.prompt, default=bool(default), **kwargs)
    elif q.type == "select":
        opts = [questionary.Choice(title=_title(c), value=c.value) for c in choices]
        values = [c.value for c in choices]
        question = questionary.select(
            q.prompt,
            choices=opts,
            default=default if default in values else None,
            use_search_filter=len(opts) > SEARCH_FROM,
            use_jk_keys=False,
            **kwargs,
        )
    else:
        chosen = set(default or [])
        opts = [
            questionary.Choice(title=c.label, value=c.value, checked=c.value in chosen)
            for c in choices
        ]
        question = questionary.checkbox(
            q.prompt,
            choices=opts,
            validate=lambda picked: True if picked or not q.required else "Choose at least one",
            **kwargs,
        )
    if q.type in ("select", "checkbox"):
        _extra_keys(question, search=q.type == "select" and len(choices) > SEARCH_FROM)
    try:
        with _signals_end_the_prompt(question.application):
            return question.unsafe_ask()
    except _Signalled as sig:
        signal.raise_signal(sig.signum)  # now outside the loop: the usual handler runs
        return ask(q, choices, default, stream)  # the signal is ignored: ask again
    except EOFError:
        raise InputError(
            "input ended before all questions were answered; use --answers FILE or --defaults"
        ) from None
