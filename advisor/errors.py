"""The one error hierarchy of advisor.

Every error a user can cause derives from :class:`AdvisorError`, carries an
exit code and, when a file is involved, a
:class:`~advisor.model.location.Location`. The CLI turns
these into one-line messages; nothing else escapes as a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a location is a record of the model layer; errors only carry one
    from advisor.model.location import Location

#: Exit codes, documented in the README.
EXIT_OK = 0
EXIT_FAILED = 1  # a check failed or an action was refused
EXIT_USAGE = 2  # bad usage or bad input
EXIT_HANGUP = 129  # SIGHUP (128 + the signal's number, as shells report it)
EXIT_INTERRUPTED = 130  # SIGINT
EXIT_QUIT = 131  # SIGQUIT
EXIT_TERMINATED = 143  # SIGTERM


class AdvisorError(Exception):
    """Base class of every error advisor reports to a user.

    Args:
        message: What was wrong and what to do, in one line.
        location: Where, when a file is involved.
    """

    exit_code = EXIT_USAGE

    def __init__(self, message: str, location: Location | None = None) -> None:
        message = one_line(message)
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is not None:
            return f"{one_line(str(self.location))}: {self.message}"
        return self.message


#: Messages longer than this are cut in the middle, where a quoted value usually is.
MAX_MESSAGE = 1000


def one_line(text: str) -> str:
    """Text that is safe to print as one line of a message.

    Values from files and flags end up in messages; a newline, a terminal
    escape sequence or a bidirectional control in one of them must not break
    the line or reach the terminal, and a 100 kB value must not become a
    100 kB message. Unprintable characters are shown escaped (``\\n``,
    ``\\x1b``, ``\\u202e``) and an over-long text keeps its start (what was
    wrong) and its end (what to do).
    """
    text = visible(text)
    if len(text) > MAX_MESSAGE:
        head, tail = MAX_MESSAGE * 3 // 5, MAX_MESSAGE // 3
        text = f"{text[:head]} [... {len(text) - head - tail} characters ...] {text[-tail:]}"
    return text


def visible(text: str, keep: str = "") -> str:
    """``text`` with every unprintable character but those in ``keep`` shown escaped
    (``\\x1b``, ``\\u202e``): a terminal escape sequence or a bidirectional control from a
    file must never reach the terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in keep else repr(c)[1:-1] for c in text)


class InputError(AdvisorError):
    """Bad input that is not a rulebook: answers, scores, flags, rosters."""


class RulebookError(AdvisorError):
    """A rulebook (or a file in the rulebook format) is invalid.

    A rulebook error may gather several problems; ``problems`` holds each one
    as its own located error so that all can be reported at once.
    """

    exit_code = EXIT_FAILED

    def __init__(
        self,
        message: str,
        location: Location | None = None,
        problems: list[AdvisorError] | None = None,
    ) -> None:
        super().__init__(message, location)
        self.problems = problems if problems is not None else [self]


class YamlError(AdvisorError):
    """A YAML file cannot be read safely (syntax, tags, duplicate keys, size).

    Exit code 2 (bad input); when the file is part of a rulebook the loader
    gathers these into a :class:`RulebookError`.
    """


class EvaluationError(AdvisorError):
    """The rulebook could not produce advice for a profile."""


class TemplateSecurityError(AdvisorError):
    """A template tried something the sandbox forbids."""


class TemplateLimitError(AdvisorError):
    """A custom template or a rulebook's text ran past a limit of its render (time, memory,
    output)."""

    exit_code = EXIT_FAILED


class OutputError(AdvisorError):
    """An output file could not be written, or would clobber an existing one."""

    exit_code = EXIT_FAILED


class PublishError(AdvisorError):
    """A page could not be published to a wiki (credentials, network, the wiki refused);
    the page is left as it was."""

    exit_code = EXIT_FAILED
