"""The one error hierarchy of advisor.

Every error a user can cause derives from :class:`AdvisorError`, carries an
exit code and, when a file is involved, a :class:`Location`. The CLI turns
these into one-line messages; nothing else escapes as a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Exit codes, documented in the README.
EXIT_OK = 0
EXIT_FAILED = 1  # a check failed or an action was refused
EXIT_USAGE = 2  # bad usage or bad input
EXIT_INTERRUPTED = 130  # SIGINT
EXIT_TERMINATED = 143  # SIGTERM


@dataclass(frozen=True, order=True)
class Location:
    """A place in a source file; line and column are 1-based."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


class AdvisorError(Exception):
    """Base class of every error advisor reports to a user.

    Args:
        message: What was wrong and what to do, in one line.
        location: Where, when a file is involved.
    """

    exit_code = EXIT_USAGE

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is not None:
            return f"{self.location}: {self.message}"
        return self.message


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


class OutputError(AdvisorError):
    """An output file could not be written, or would clobber an existing one."""

    exit_code = EXIT_FAILED
