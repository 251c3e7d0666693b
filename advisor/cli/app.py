"""The ``advisor`` command line: the root group, its entry point and exit codes.

The commands are thin click commands over the library, by group:
:mod:`advisor.cli.guide_commands` (guide, batch, diff, init),
:mod:`advisor.cli.inspect_commands` (rank, models, compare, explain, schema) and
:mod:`advisor.cli.rules_commands` (rules ..., scores import) and
:mod:`advisor.cli.publish_commands` (publish ...) and
:mod:`advisor.cli.cache_commands` (cache path, cache clear); the options they share
are in :mod:`advisor.cli.common`. Each command parses its options, calls the library
and prints. Domain errors (:class:`advisor.errors.AdvisorError`) become one-line
messages with a documented exit code here, and nowhere else.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import importlib
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from advisor.errors import (
    EXIT_FAILED,
    EXIT_HANGUP,
    EXIT_INTERRUPTED,
    EXIT_QUIT,
    EXIT_TERMINATED,
    AdvisorError,
    InputError,
    OutputError,
)
from advisor.rendering.output import written
from advisor.version import __version__

SECTIONS = {
    "Guides": ["guide", "batch", "diff", "publish"],
    "Evidence": ["rank", "models", "compare", "explain", "scores"],
    "Rulebooks": ["rules", "init", "schema"],
    "Maintenance": ["cache"],
}


class AdvisorCliError(click.ClickException):
    """An AdvisorError at the command-line edge: message lines and an exit code."""

    def __init__(self, error: AdvisorError) -> None:
        super().__init__(str(error))
        self.exit_code = error.exit_code  # type: ignore[misc]  # click reads it per instance
        problems = getattr(error, "problems", [error])
        self.lines = [str(p) for p in problems] if len(problems) > 1 else [str(error)]

    def show(self, file: Any = None) -> None:
        for line in self.lines:
            click.echo(f"advisor: error: {line}", err=True)


class Terminated(BaseException):
    """Raised on a terminating signal (SIGTERM, SIGHUP, SIGQUIT) so that cleanup (temporary
    files) runs before the exit code 128 + the signal's number."""

    def __init__(self, signum: int = 15) -> None:
        super().__init__(signum)
        self.signum = signum


#: The terminating signals advisor cleans up after, the word it says and its exit code.
#: SIGINT is Python's KeyboardInterrupt.
TERMINATING = {
    "SIGTERM": ("terminated", EXIT_TERMINATED),
    "SIGHUP": ("hung up", EXIT_HANGUP),
    "SIGQUIT": ("quit", EXIT_QUIT),
}


#: Where each command is: its module is imported when the command runs (or --help lists
#: it), so that a command pays for its own imports alone (click's "lazily loading
#: subcommands" pattern).
COMMANDS = {
    "guide": "guide_commands:guide_cmd",
    "batch": "guide_commands:batch_cmd",
    "diff": "guide_commands:diff_cmd",
    "rank": "inspect_commands:rank_cmd",
    "models": "inspect_commands:models_cmd",
    "compare": "inspect_commands:compare_cmd",
    "explain": "inspect_commands:explain_cmd",
    "scores": "rules_commands:scores_group",
    "rules": "rules_commands:rules_group",
    "init": "guide_commands:init_cmd",
    "schema": "inspect_commands:schema_cmd",
    "publish": "publish_commands:publish_group",
    "cache": "cache_commands:cache_group",
}


class AdvisorGroup(click.Group):
    """A group that lists commands by section, loads each when it is used and turns
    domain errors into exit codes."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            # click suggests from the commands a group holds, and these load when used.
            name = args[0] if args else ""
            if name.startswith("-") or getattr(exc, "possibilities", None):
                raise
            close = difflib.get_close_matches(name, self.list_commands(ctx))
            if not close:
                raise
            hint = " or ".join(repr(c) for c in close)
            raise click.UsageError(f"No such command {name!r}. Did you mean {hint}?", ctx) from None

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, name = target.split(":")
        command: click.Command = getattr(importlib.import_module(f"advisor.cli.{module}"), name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        for title, names in SECTIONS.items():
            rows = []
            for name in names:
                cmd = self.get_command(ctx, name)
                if cmd is not None and not cmd.hidden:
                    rows.append((name, cmd.get_short_help_str(limit=70)))
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            _check_working_folder()
            written.clear()
            return super().invoke(ctx)
        except AdvisorError as exc:
            raise AdvisorCliError(exc) from None
        except KeyboardInterrupt:
            click.echo(f"advisor: interrupted; {_what_was_written(ctx)}", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except Terminated as exc:
            word, code = TERMINATING.get(signal.Signals(exc.signum).name, TERMINATING["SIGTERM"])
            # The terminal may be gone (SIGHUP): the message is best effort, the exit code is not.
            with contextlib.suppress(OSError, ValueError):
                click.echo(f"advisor: {word}; {_what_was_written(ctx)}", err=True)
            ctx.exit(code)
        except BrokenPipeError:
            # The reader went away (advisor ... | head): stop quietly, as other tools do.
            _quiet_stdout()
            ctx.exit(EXIT_FAILED)
        except OSError as exc:
            if exc.errno not in _DISK_ERRORS:
                raise
            # A full disk or a failing device under stdout (files go through write_text).
            where = exc.filename or "standard output"
            raise AdvisorCliError(
                OutputError(f"{where}: write failed: {exc.strerror or exc}")
            ) from None


_DISK_ERRORS = {errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG, errno.EROFS}


def _quiet_stdout() -> None:
    # Python flushes stdout once more at exit; point it at /dev/null so that
    # flush cannot fail again.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _check_working_folder() -> None:
    """Refuse to start in a working folder that was deleted (or cannot be named): every
    relative path, and the names shown in messages, depend on it.

    Raises:
        InputError: the folder is gone.
    """
    try:
        os.getcwd()
    except OSError as exc:
        why = "no longer exists" if exc.errno == errno.ENOENT else f"is unusable ({exc.strerror})"
        raise InputError(f"the working folder {why}; cd to an existing folder") from None


def _what_was_written(ctx: click.Context) -> str:
    # Every write is atomic: a file is whole or not there; batch writes one per team.
    if ctx.invoked_subcommand == "batch":
        return "the guides already written are complete; the others were not written"
    if ctx.invoked_subcommand == "publish":
        # A request already sent may have been saved; publishing again says which.
        return "no file was written; the wiki page is as the wiki last saved it"
    if written:  # guide --save-answers: the guide was written before the answers
        return f"{', '.join(written)} was written whole; nothing else was written"
    return "nothing was written"


def _on_signal(signum: int, frame: Any) -> NoReturn:
    raise Terminated(signum)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``advisor`` console script."""
    for name in TERMINATING:
        if hasattr(signal, name):  # Windows has SIGTERM only
            signal.signal(getattr(signal, name), _on_signal)
    cli.main(args=list(argv) if argv is not None else None, prog_name="advisor")


@click.group(cls=AdvisorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="advisor")
def cli() -> None:
    """Turn AI benchmark evidence into role-based adoption guidance for ML teams.

    \b
    Start with:  advisor guide            (asks a few questions, writes TEAM_GUIDE.md)
    Or:          advisor guide --defaults --team "Fraud ML" -o -
    """
