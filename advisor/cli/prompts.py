"""Asking questionnaire questions in a terminal with questionary (CLI edge only).

The questionnaire itself (choices, defaults, validation) lives in
:mod:`advisor.evaluation.questionnaire`; this module only draws prompts, and is
imported only when a question is asked (:func:`advisor.cli.common.prompt_stream`). Prompts are
drawn on stderr so that ``-o -`` keeps stdout for the guide (on stdout when only
stdout is a terminal, e.g. ``advisor guide 2> log``).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import signal
import sys
import textwrap
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

import questionary
from prompt_toolkit.application import get_app
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
from prompt_toolkit.output import create_output

from advisor import wording
from advisor.errors import InputError
from advisor.evaluation.questionnaire import AskFn, Choice

if TYPE_CHECKING:
    from advisor.model.schema import Question

#: A select with more choices than this is asked with a filtering autocomplete prompt.
SEARCH_FROM = 8
#: How a text prompt shows its default: greyed in the empty line, taken by Enter.
PLACEHOLDER_STYLE = "fg:ansibrightblack"
#: What every checkbox prompt says, in place of questionary's longer instruction.
CHECKBOX_KEYS = "Space to select, Enter to confirm."
#: Columns of a completion menu besides its two columns' text: a space before and after
#: each, and the scroll bar.
MENU_FRAME = 5
#: The narrowest the name column of a long select gets, however long the notes.
MIN_NAME = 12


def shorten(text: str, width: int, sep: str = " ") -> str:
    """``text`` in at most ``width`` columns: cut after a whole word (or a whole
    ``sep``-separated part) and ended with "…", mid-word only when one word is too long."""
    if len(text) <= width:
        return text
    head = text[: max(width - 1, 0)]
    cut = head.rfind(sep)
    if cut > 0 and not text[len(head) :].startswith(sep):
        head = head[:cut]
    return head.rstrip(" ,;:(-") + "…"


def _title(c: Choice) -> str:
    """A choice as shown: its name, and its id when that differs (the id is what flags take)."""
    if not c.value or c.label.strip("()") == c.value:
        return c.label
    return f"{c.label} ({c.value})"


def _words(text: str) -> list[str]:
    return text.casefold().split()


class ChoiceFinder(Completer):
    """The choices of a long select as completions, filtered on every typed word.

    Each word the user types must occur somewhere in a choice's title or id, in any
    order: "gemini 3" finds "Gemini-3-Pro-Preview (MLEvolve)". Choices keep their
    order (best first); a choice's note (its key scores) shows beside it.
    """

    def __init__(self, choices: list[Choice]) -> None:
        self.choices = choices
        # Names alone, which keeps room for the notes; the id only tells twins apart.
        labels = Counter(c.label for c in choices)
        self.titles = {c.value: c.label if labels[c.label] == 1 else _title(c) for c in choices}
        # What the answered line shows, which also names the choice.
        self.answered = {c.value: c.answered or self.titles[c.value] for c in choices}

    def matches(self, text: str) -> list[Choice]:
        """The choices every word of ``text`` occurs in; all of them for no words."""
        words = _words(text)
        return [
            c
            for c in self.choices
            if all(w in f"{self.titles[c.value]} {c.value}".casefold() for w in words)
        ]

    def find(self, text: str) -> Choice | None:
        """The choice ``text`` names: its exact id or title (in any case), else the only
        one it matches."""
        typed = text.strip().casefold()
        exact = [
            c
            for c in self.choices
            if typed
            in (
                str(c.value).casefold(),
                self.titles[c.value].casefold(),
                self.answered[c.value].casefold(),
            )
        ]
        found = exact or self.matches(text)
        return found[0] if len(found) == 1 else None

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Any:
        text = document.text_before_cursor
        found = self.matches(text)
        # The menu gives the names all the room they want and cuts the notes; the notes
        # (the scores) matter more, so names are shortened to leave them room.
        room = get_app().output.get_size().columns - MENU_FRAME
        notes = max((len(c.note) for c in found), default=0)
        note_room = min(notes, max(room - MIN_NAME, 0))
        name_room = max(room - note_room, 1)
        for c in found:
            yield Completion(
                self.titles[c.value],
                start_position=-len(text),
                display=shorten(self.titles[c.value], name_room),
                display_meta=shorten(c.note, note_room, sep=", ") if c.note else "",
            )


def _ask_filtered(
    q: Question, choices: list[Choice], default: Any, kwargs: Any, again: Callable[[], Any]
) -> Any:
    """A long select as questionary's autocomplete prompt with a :class:`ChoiceFinder`.

    The list opens at once, best first; typing filters it, arrows choose, Enter takes
    the chosen line, the only match of what was typed, or (on an empty line) the
    default. Text matching no choice, or several, is refused with a message instead of
    silently taking the first choice.
    """
    finder = ChoiceFinder(choices)
    by_value = {c.value: c for c in choices}
    fallback = by_value.get(default) if isinstance(default, str) else None

    def check(text: str) -> bool | str:
        if not text.strip():
            return True if fallback is not None else "Type to filter, or choose with the arrows"
        if finder.find(text) is not None:
            return True
        n = len(finder.matches(text))
        if n == 0:
            return f"Nothing matches {text.strip()!r}; delete some of it"
        return f"{n} choices match {text.strip()!r}; choose one with the arrows or type more"

    # autocomplete has no instruction line: the help goes to the bottom toolbar, the
    # key of the marks on a line of its own so that a narrow terminal cuts neither.
    marks = f"({wording.MARKS_KEY})" if any(c.note for c in choices) else ""
    width = kwargs["output"].get_size().columns
    help_lines = [
        wrapped
        for line in (kwargs.pop("instruction", ""), marks)
        for wrapped in textwrap.wrap(line, max(width - 1, 20))
    ]
    if help_lines:
        kwargs["bottom_toolbar"] = "\n".join(help_lines)
    if fallback is not None:
        kwargs["placeholder"] = [(PLACEHOLDER_STYLE, finder.titles[fallback.value])]
    question = questionary.autocomplete(
        q.prompt, choices=[], completer=finder, validate=check, **kwargs
    )
    app = question.application
    # Open the whole list before anything is typed, not only after the first key.
    app.pre_run_callables.append(lambda: app.current_buffer.start_completion())

    def taken(text: str) -> str | None:
        # The answer line shows the choice taken, not the words that found it.
        picked = finder.find(text) if text.strip() else fallback
        return None if picked is None else finder.answered[picked.value]

    _enter_shows(question, taken)
    _extra_keys(question)

    def value(text: str) -> str:
        picked = finder.find(text)
        assert picked is not None  # the validator lets only a title or a unique match through
        return picked.value

    return _run(question, again, value)


def _enter_shows(question: Any, used: Callable[[str], str | None]) -> None:
    """Let Enter first put ``used(text)`` in the line (unless None), so that the
    answered line shows the answer taken, then accept it as usual."""
    app = question.application
    enter = KeyBindings()

    @enter.add("enter", eager=True)
    def _(event: Any) -> None:
        buf = event.current_buffer
        text = used(buf.text)
        if text is not None:
            buf.document = Document(text)
        buf.validate_and_handle()

    app.key_bindings = merge_key_bindings([app.key_bindings or KeyBindings(), enter])


def _extra_keys(question: Any) -> None:
    """Key bindings questionary's list prompts lack.

    Ctrl-D ends the questionnaire, as it does on an empty text prompt (questionary's
    list prompts ignore it, which leaves Ctrl-C as the only way out); so does a SIGINT.
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

    app.key_bindings = merge_key_bindings([app.key_bindings or KeyBindings(), extra])


class _Signalled(Exception):
    """A signal arrived while a prompt was up; the prompt ended to let it through."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _signals_end_the_prompt(app: Any, caught: list[int]) -> Iterator[None]:
    """Let SIGINT, SIGTERM, SIGHUP and SIGQUIT stop a running prompt cleanly.

    Python raises a signal handler's exception wherever the main thread is. While a
    prompt runs, that is inside prompt_toolkit's event loop, which reports the
    exception and then waits for Enter ("Press ENTER to continue..."): a ``kill``
    would leave advisor hanging. During a prompt a signal therefore ends the prompt;
    :func:`ask` then re-raises it outside the loop, where the usual handlers
    (exit 130 or 143, nothing written) take over. Each signal is added to ``caught``.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT")  # those advisor cleans up after
    signums = [getattr(signal, n) for n in names if hasattr(signal, n)]

    def handler(signum: int, frame: Any) -> None:
        caught.append(signum)
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


def _validator(q: Question, has_default: bool) -> Any:
    def check(text: str) -> bool | str:
        if has_default and not text.strip():
            return True  # the default, shown as the placeholder
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
    again = functools.partial(ask, q, choices, default, stream)
    kwargs: dict[str, Any] = {"output": out}
    if q.help:
        kwargs["instruction"] = f"({q.help})"
    if q.type in ("text", "number"):
        # The default is a placeholder, not text in the line: what the user types
        # replaces it instead of being appended to it.
        shown = (
            ""
            if default is None
            else f"{default:g}"
            if isinstance(default, float)
            else str(default)
        )
        if shown:
            kwargs["placeholder"] = [(PLACEHOLDER_STYLE, shown)]
        question = questionary.text(q.prompt, validate=_validator(q, bool(shown)), **kwargs)

        # The answered line shows the text used: the default for a blank line, and
        # text with its spaces tidied as validate_answer tidies them.
        def used(text: str) -> str | None:
            tidy = " ".join(text.split()) if q.type == "text" else text.strip()
            return tidy or shown or None

        _enter_shows(question, used)
        return _run(question, again, lambda text: text if text.strip() or not shown else shown)
    if q.type == "select" and len(choices) > SEARCH_FROM:
        return _ask_filtered(q, choices, default, kwargs, again)
    if q.type == "confirm":
        question = questionary.confirm(q.prompt, default=bool(default), **kwargs)
    elif q.type == "select":
        opts = [questionary.Choice(title=_title(c), value=c.value) for c in choices]
        values = [c.value for c in choices]
        question = questionary.select(
            q.prompt,
            choices=opts,
            default=default if default in values else None,
            use_jk_keys=False,
            **kwargs,
        )
    else:
        chosen = set(default or [])
        opts = [
            questionary.Choice(title=c.label, value=c.value, checked=c.value in chosen)
            for c in choices
        ]
        # One instruction for every checkbox, after the question's own help if it has one.
        kwargs["instruction"] = f"({q.help} {CHECKBOX_KEYS})" if q.help else f"({CHECKBOX_KEYS})"
        question = questionary.checkbox(
            q.prompt,
            choices=opts,
            validate=lambda picked: True if picked or not q.required else "Choose at least one",
            **kwargs,
        )
    if q.type in ("select", "checkbox"):
        _extra_keys(question)
    given = _run(question, again)
    if q.type == "checkbox" and len(given) > 1:
        # questionary's answered line says only "done (2 selections)": say which.
        labels = {c.value: c.label for c in choices}
        out.write(f"  {', '.join(labels[v] for v in given)}\n")
        out.flush()
    return given


def _run(
    question: Any, again: Callable[[], Any], answer: Callable[[Any], Any] = lambda a: a
) -> Any:
    """Run a prompt and make ``answer`` of what it returns: a signal ends it cleanly
    (``again`` asks anew when the signal is ignored), end of input is an InputError."""
    caught: list[int] = []
    try:
        with _signals_end_the_prompt(question.application, caught):
            given = question.unsafe_ask()
    except _Signalled as sig:
        signal.raise_signal(sig.signum)  # now outside the loop: the usual handler runs
        return again()  # the signal is ignored: ask again
    except EOFError:
        raise InputError(
            "input ended before all questions were answered; use --answers FILE or --defaults"
        ) from None
    except OSError as exc:
        if exc.errno != errno.EIO:
            raise
        # The terminal went away (a closed window, tmux kill-session): the kernel sends
        # SIGHUP, but drawing the prompt's end on the gone terminal fails first. End as
        # the hang-up it is (exit 129, nothing written), unless SIGHUP is ignored.
        signum = caught[0] if caught else getattr(signal, "SIGHUP", None)
        if signum is not None:  # Windows has no SIGHUP
            signal.raise_signal(signum)
        raise
    return answer(given)
