"""What the ``advisor`` commands share: the file, rulebook and format options, loading the
rulebook they name, and JSON output."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

import click
from click.core import ParameterSource

from advisor.errors import EXIT_FAILED, AdvisorError, InputError
from advisor.load.paths import path_kind, read_stream
from advisor.rendering.formats import FORMATS

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from advisor.load.rulebook import Rulebook

#: One path type for every file option: each click.Path() looks up a translation
#: of its name when it is made, which costs more than all the rest of an option.
#: Not readable=True: click's own check would answer an unreadable file with a usage
#: error; advisor reads the file itself and reports it located, with its exit code.
PATH = click.Path(readable=False)


class PathList(click.Path):
    """A file type whose environment variable lists paths separated by ``os.pathsep``, as
    PATH does; empty entries (``ADVISOR_RULES=:my-rules``) are skipped."""

    def split_envvar_value(self, rv: str) -> list[str]:
        return [p for p in rv.split(os.pathsep) if p]


class Once(click.Option):
    """An option that takes one value and refuses to be given twice: click would keep the
    last one silently (``guide --model A --model B`` would write a guide for B alone).

    Use it as ``@click.option("--model", cls=Once, hint=MODELS_HINT)``; ``hint`` says what
    to do instead, with ``{spaced}`` and ``{commas}`` standing for the values given.
    """

    def __init__(self, *decls: Any, hint: str = "", **attrs: Any) -> None:
        # Collected as a multiple option, so that every occurrence is seen; the callback
        # then hands the command the one value (or None), as a plain option would.
        default = attrs.pop("default", None)
        attrs.update(multiple=True, default=None if default is None else (default,))
        super().__init__(*decls, callback=self._one, **attrs)
        self.hint = hint

    def _one(self, ctx: click.Context, param: click.Parameter, values: Any) -> Any:
        if not values:
            return None
        if len(values) > 1:
            name = max(self.opts, key=len)
            given = ", ".join(repr(v) for v in values)
            words = [str(v) for v in values]
            hint = self.hint.format(spaced=" ".join(words), commas=",".join(words))
            raise InputError(
                f"{name} takes one value, given {len(values)} times ({given})"
                + (f"; {hint}" if hint else "")
            )
        return values[0]


#: What to do instead of naming several models where one is taken.
MODELS_HINT = (
    "for several models use 'advisor compare {spaced}' or 'advisor rank --models {commas}'"
)

#: The type of --rules and --scores and of the rules commands' PATHS.
PATHS = PathList(readable=False)
#: The environment variables that stand for --rules and --scores when neither is given.
RULES_ENV = "ADVISOR_RULES"
SCORES_ENV = "ADVISOR_SCORES"


# Each of these is one decorator, applied to every command that takes the option.
rules_option = click.option(
    "--rules",
    "rules_path",
    multiple=True,
    type=PATHS,
    envvar=RULES_ENV,
    show_envvar=True,
    help=(
        "Rulebook file or folder to use instead of the built-in one (repeatable; the "
        f"variable holds paths separated by '{os.pathsep}')."
    ),
)
scores_option = click.option(
    "--scores",
    "scores_path",
    multiple=True,
    type=PATHS,
    envvar=SCORES_ENV,
    show_envvar=True,
    help=(
        "YAML file of extra models with scores (top-level 'models:'), repeatable; the "
        f"variable holds paths separated by '{os.pathsep}'."
    ),
)
#: The rulebook PATHS of the rules commands, which default to $ADVISOR_RULES too.
paths_argument = click.argument("paths", nargs=-1, type=PATHS, envvar=RULES_ENV)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
annotations_option = click.option(
    "--format",
    "report_format",
    type=click.Choice(["text", "github"]),
    default="text",
    show_default=True,
    help="'github': one GitHub Actions annotation (::error file=...,line=...::) per problem.",
)
force_option = click.option("--force", is_flag=True, help="Overwrite an existing file.")
verified_option = click.option(
    "--verified-only",
    is_flag=True,
    help="Ignore unverified and flagged scores (a stage only they inform is not assessed).",
)


def roles_option(help_text: str) -> Any:
    """``--role`` (repeatable, ids completed from the rulebook), passed as ``roles``."""
    return click.option(
        "--role", "roles", multiple=True, shell_complete=complete_ids("role"), help=help_text
    )


def stages_option(help_text: str) -> Any:
    """``--stage`` (repeatable, ids completed from the rulebook), passed as ``stages``."""
    return click.option(
        "--stage", "stages", multiple=True, shell_complete=complete_ids("stage"), help=help_text
    )


def model_option(name: str, help_text: str, *, kind: str = "model", required: bool = False) -> Any:
    """``--model`` or ``--baseline``: one model id, completed from the rulebook; given twice,
    a usage error that points at compare and rank."""
    return click.option(
        name,
        cls=Once,
        hint=MODELS_HINT,
        required=required,
        shell_complete=complete_ids(kind),
        help=help_text,
    )


def format_option(help_text: str = "Output format.") -> Any:
    """The ``--format`` option of the commands that write guides or rulebooks."""
    return click.option(
        "--format",
        "fmt",
        cls=Once,
        type=click.Choice(FORMATS),
        default="md",
        show_default=True,
        help=help_text,
    )


def complete_ids(kind: str) -> Any:
    """A click ``shell_complete`` function for ids of ``kind`` (role, stage, model, baseline,
    benchmark) from the rulebook the command line names so far (--rules, --scores)."""

    def complete(
        ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        # Loaded only when a shell asks for completions.
        from click.shell_completion import CompletionItem

        from advisor.evaluation.reports import ids_of

        try:
            # No notes: the shell shows stderr in the middle of the user's command line.
            book = load_book(
                ctx.params.get("rules_path") or (),
                ctx.params.get("scores_path") or (),
                notes=False,
            )
        except AdvisorError:
            return []  # a broken rulebook offers nothing; the command itself will say why
        low = incomplete.lower()
        return [
            CompletionItem(ident, help=name)
            for ident, name in ids_of(book, kind)
            if ident.lower().startswith(low)
        ]

    return complete


#: The parameters whose paths may come from a variable: name, variable, what a path names.
_ENV_PATHS = (
    ("rules_path", RULES_ENV, "file or folder"),
    ("paths", RULES_ENV, "file or folder"),
    ("scores_path", SCORES_ENV, "scores file"),
)


def env_path_error() -> InputError | None:
    """The error for a path that ADVISOR_RULES or ADVISOR_SCORES gives (rather than the
    command line) and that does not exist, naming the variable: the loader's own message
    ("/x: no such file or folder") would not say where the path came from."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return None
    for param, variable, what in _ENV_PATHS:
        if ctx.get_parameter_source(param) is not ParameterSource.ENVIRONMENT:
            continue
        for path in ctx.params.get(param) or ():
            try:
                missing = path_kind(path) is None
            except OSError:
                continue  # the loader says why it cannot look at it
            if missing:
                return InputError(f"{variable}: {path}: no such {what}")
    return None


def load_book(
    rules_path: Sequence[str],
    scores_path: Sequence[str] = (),
    *,
    base: Rulebook | None = None,
    notes: bool = True,
) -> Rulebook:
    """The rulebook named on the command line or by $ADVISOR_RULES (or ``base``, loaded
    already), with score overlays (each gives a new rulebook; the one below is left as it
    was). An overlay's entry that drops scores of the one it replaces gets a note on
    stderr, unless ``notes`` is false."""
    # Loading a rulebook is what every command but schema and init does first; --help
    # and those two do without the loader's imports.
    from advisor.load.rulebook import load_rulebook, load_scores, lost_scores

    missing = env_path_error()
    if missing is not None:
        raise missing
    book = base if base is not None else load_rulebook(list(rules_path) or None)
    for path in scores_path:
        before, book = book, load_scores(book, path)
        for line in lost_scores(before, book) if notes else ():
            note(line)
    return book


def note(text: str) -> None:
    """``advisor: note: TEXT`` on stderr, once per command (diff loads --scores onto both
    of its editions)."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        seen = ctx.meta.setdefault("advisor.notes", set())
        if text in seen:
            return
        seen.add(text)
    click.echo(f"advisor: note: {text}", err=True)


def print_json(data: Any) -> None:
    """Plain, stable JSON on stdout and nothing else."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False))


def one_output(as_json: bool, report_format: str) -> None:
    """Refuse ``--json`` together with ``--format github``: one stdout, one format."""
    if as_json and report_format != "text":
        raise click.UsageError(
            f"--json and --format {report_format} both print the report; choose one"
        )


def fail_if(failed: bool) -> None:
    """End the command with exit 1 (a check failed) when ``failed``."""
    if failed:
        click.get_current_context().exit(EXIT_FAILED)


def stdin_stream() -> BinaryIO | None:
    """Standard input as bytes; None when advisor was started with it closed."""
    return getattr(sys.stdin, "buffer", None)


def read_stdin() -> bytes:
    """What standard input holds, for a file given as ``-`` (capped like a file)."""
    return read_stream(stdin_stream())


def prompt_stream(stdout_taken: bool) -> TextIO | None:
    """Where to draw prompts: stderr when it is a terminal, else stdout when it is one and
    does not carry the guide (``-o -``); None when the user could not see them (or stdin
    is not a terminal), so that advisor never asks into the void."""
    if not _is_terminal(sys.stdin):
        return None
    if _is_terminal(sys.stderr):
        return sys.stderr
    if not stdout_taken and _is_terminal(sys.stdout):
        return sys.stdout
    return None


def _is_terminal(stream: TextIO | None) -> bool:
    # A stream is None when advisor was started with it closed (advisor <&-).
    return stream is not None and stream.isatty()
