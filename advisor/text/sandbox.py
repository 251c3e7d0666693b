"""Jinja2 in its sandbox, for rule texts and whole guide templates, and the limits of a render.

Texts in rulebooks and custom templates come from files people share, so they
are only ever rendered by Jinja2's :class:`~jinja2.sandbox.ImmutableSandboxedEnvironment`:
an attempt to reach Python internals raises :class:`TemplateSecurityError`.

The sandbox does not bound what a template may cost, so a render of anything
that does not ship with advisor runs under limits kept by the process itself,
whatever the template does (loops, filters, huge values, recursion):

* a wall-clock limit, a timer signal (``SIGALRM``) whose handler stops the render;
* a memory cap, the address-space limit (``RLIMIT_AS``) lowered to what the process
  uses plus :data:`MAX_MEMORY` (Linux, where the current size is known), so an
  allocation past it fails with :class:`MemoryError`;
* an output cap, :data:`MAX_OUTPUT` characters, counted as the template writes;
* a CPU-time limit (``RLIMIT_CPU``) :data:`CPU_GRACE` seconds past the wall-clock one,
  for a single computation that never returns to Python (``10 ** 10**9``), which a
  signal handler cannot interrupt: the system ends the process (``SIGXCPU``).

Each limit is restored when the render ends. The package's own templates and
the built-in rulebook's texts are trusted and skip them.
"""

from __future__ import annotations

import hashlib
import os
import re
import resource
import signal
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any, TypeVar

import jinja2
from jinja2 import (
    BytecodeCache,
    FunctionLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateSyntaxError,
    UndefinedError,
    nodes,
)
from jinja2.bccache import Bucket
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from advisor import wording
from advisor.errors import AdvisorError, TemplateLimitError, TemplateSecurityError
from advisor.load import cache as file_cache
from advisor.load.resources import is_builtin
from advisor.model.location import Location
from advisor.version import __version__

FILTERS = {
    "pct": wording.pct,
    "pp": lambda x: wording.signed(x, " pp"),
    "signed": wording.signed,
    "num": wording.number,
    "fraction": wording.fraction_words,
}


# --------------------------------------------------------------------------- limits

#: The longest a render may take, in seconds (``ADVISOR_RENDER_TIMEOUT`` sets another).
MAX_SECONDS = 5.0
#: The memory a render may take beyond what the process uses when it starts.
MAX_MEMORY = 256 * 2**20
#: The most text one render may produce.
MAX_OUTPUT = 10_000_000
#: CPU seconds past the wall-clock limit after which the system ends the process.
CPU_GRACE = 3
TIMEOUT_VARIABLE = "ADVISOR_RENDER_TIMEOUT"
#: Seconds between alarms once the time is up.
_REPEAT = 0.05
_T = TypeVar("_T")


class _Stopped(Exception):
    """A render ran into a limit (raised inside it, so Jinja2 maps it to a template line)."""


def render_seconds() -> float:
    """The wall-clock limit of one render: :data:`MAX_SECONDS`, or ``ADVISOR_RENDER_TIMEOUT``.

    Raises:
        AdvisorError: the variable is not a positive number of seconds.
    """
    raw = os.environ.get(TIMEOUT_VARIABLE, "")
    if not raw:
        return MAX_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 3600:
        raise AdvisorError(
            f"{TIMEOUT_VARIABLE}={raw!r}: not a number of seconds between 0 and 3600; "
            "set it to e.g. 5 or unset it"
        )
    return seconds


def _address_space() -> int | None:
    """The process's address space in bytes, or None where the system does not say."""
    try:
        with open("/proc/self/statm", "rb") as f:
            pages = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * resource.getpagesize()


def _lower(which: int, soft: int) -> tuple[int, int]:
    """Lower the soft limit ``which`` to ``soft`` (never raise it); return the old limits."""
    old = resource.getrlimit(which)
    if old[0] == resource.RLIM_INFINITY or soft < old[0]:
        if old[1] != resource.RLIM_INFINITY:
            soft = min(soft, old[1])
        resource.setrlimit(which, (soft, old[1]))
    return old


_active = False  # a section under the limits is running (one inside it keeps them)
_expired = False  # its time is up


def _on_alarm(signum: int, frame: Any) -> None:
    global _expired
    _expired = True
    raise _Stopped("time")


def within_limits(work: Callable[[], _T]) -> _T:
    """Run ``work`` (a compile or a render of something from a file) under the time,
    memory and CPU limits, restoring the old ones after.

    Jinja2 computes constant parts of a template while compiling it, and gives up
    quietly on any error there; so after the time is up the alarm repeats every
    :data:`_REPEAT` seconds until ``work`` returns, and the time is checked then.

    Raises:
        _Stopped: ``work`` ran past the time limit (raised from inside it, where
            Jinja2 can map it to a template line, or once it returned).
        MemoryError: ``work`` ran past the memory cap.
        AdvisorError: not on the main thread, or no timer signal on this system: the
            time limit could not be kept, so nothing is run.
    """
    global _active, _expired
    if _active:
        return work()
    seconds = render_seconds()
    if not hasattr(signal, "setitimer"):
        raise AdvisorError(
            "templates and rule texts from files need a timer signal to limit their run, "
            "which this system lacks; use the built-in templates and rulebook"
        )
    try:
        old_handler = signal.signal(signal.SIGALRM, _on_alarm)
    except ValueError:  # Python lets only the main thread handle signals
        raise AdvisorError(
            "templates and rule texts from files are rendered only in a program's main "
            "thread, where their time limit can be kept; render from the main thread"
        ) from None
    old_memory = old_cpu = None
    try:
        size = _address_space()
        if size is not None:
            old_memory = _lower(resource.RLIMIT_AS, size + MAX_MEMORY)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        spent = usage.ru_utime + usage.ru_stime
        old_cpu = _lower(resource.RLIMIT_CPU, int(spent + seconds) + 1 + CPU_GRACE)
        _active, _expired = True, False
        signal.setitimer(signal.ITIMER_REAL, seconds, _REPEAT)
        result = work()
        if _expired:
            raise _Stopped("time")
        return result
    finally:
        # The alarm may go off while this runs: then it runs again (each step can be
        # repeated), and work that had finished keeps its result.
        while True:
            try:
                _active = False
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, old_handler or signal.SIG_DFL)
                if old_memory is not None:
                    resource.setrlimit(resource.RLIMIT_AS, old_memory)
                if old_cpu is not None:
                    resource.setrlimit(resource.RLIMIT_CPU, old_cpu)
                break
            except _Stopped:
                continue


def _collect(template: Template, context: dict[str, Any]) -> str:
    parts: list[str] = []
    written = 0
    for part in template.generate(context):
        written += len(part)
        if written > MAX_OUTPUT:
            raise _Stopped("output")
        parts.append(part)
    return "".join(parts)


# --------------------------------------------------------------------------- environments


class Sandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox, which knows whether its renders run under the limits.

    Args:
        limited: False only for the package's own templates and texts.
        **options: Jinja2's environment options.
    """

    def __init__(self, *, limited: bool, **options: Any) -> None:
        super().__init__(**options)
        self.limited = limited


def add_filters(env: Sandbox) -> Sandbox:
    """Give an environment advisor's number filters and the ``fraction`` global."""
    env.filters.update(FILTERS)
    env.globals["fraction"] = wording.fraction_words
    return env


class CompiledTemplates(BytecodeCache):
    """Jinja2's bytecode cache for advisor's own templates and texts, in advisor's cache folder.

    Compiling the guide template, or the rule texts a guide renders, costs more than
    the rest of a guide. Their compiled code is kept under a name that covers what it
    is for (an output format, or rule texts), the Jinja2 and advisor versions and the
    template (Jinja2 adds a checksum of its source). Files are read and written with
    the cache's own checks (:mod:`advisor.load.cache`): only a regular file of the
    current user in a folder no one else can write to is read.
    """

    def __init__(self, folder: str, kind: str) -> None:
        self.folder = folder
        self.prefix = f"jinja-{kind}-{jinja2.__version__}-{__version__}-"

    def _path(self, bucket: Bucket) -> str:
        return os.path.join(self.folder, f"{self.prefix}{bucket.key}.bytecode")

    def load_bytecode(self, bucket: Bucket) -> None:
        body = file_cache.read_entry(self._path(bucket))
        if body is not None:
            bucket.bytecode_from_string(body)  # Jinja2 checks the magic and source checksum

    def dump_bytecode(self, bucket: Bucket) -> None:
        file_cache.write_entry(self._path(bucket), bucket.bytecode_to_string())


#: The built-in rulebook's texts by name, for the loader of the unlimited environment.
_OWN_TEXTS: dict[str, str] = {}


@cache
def text_environment(limited: bool = True) -> Sandbox:
    """The environment for short texts in rulebooks (no autoescape: output formats escape).

    Args:
        limited: False for the built-in rulebook's texts, which skip the limits; they are
            loaded by name, so their compiled code can be kept in the cache folder.
    """
    if limited:
        return add_filters(
            Sandbox(limited=True, undefined=StrictUndefined, keep_trailing_newline=False)
        )
    folder = file_cache.folder()
    return add_filters(
        Sandbox(
            limited=False,
            undefined=StrictUndefined,
            keep_trailing_newline=False,
            loader=FunctionLoader(_OWN_TEXTS.get),
            bytecode_cache=CompiledTemplates(folder, "text") if folder else None,
        )
    )


# --------------------------------------------------------------------------- checks

_FORMAT_INTERNALS = r"\{[^{}.\[]*[.\[]\s*_\w*"  # '{0.__class__}', '{x[_y]}'


def unsafe_use(source: str, env: Sandbox, tree: Any = None) -> tuple[int, str] | None:
    """Where a template reaches for Python internals, found without running it.

    The sandbox refuses every attribute or item whose name starts with ``_``
    when the template runs; finding them in the source as well reports a
    rulebook or template that tries, even when no guide happens to run it.

    Args:
        source: The template's text.
        env: The environment it is parsed in.
        tree: ``env.parse(source)``, when the caller has it already.

    Returns:
        The line and the offending expression, or None.
    """
    found: list[tuple[int, str, str]] = []  # (line, what, name to find it by in the line)
    for node in (tree or env.parse(source)).find_all(
        (nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Const)
    ):
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            found.append((node.lineno, f".{node.attr}", node.attr))
        elif (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and str(node.arg.value).startswith("_")
        ):
            found.append((node.lineno, f"[{node.arg.value!r}]", str(node.arg.value)))
        elif (
            isinstance(node, nodes.Filter)
            and node.name == "attr"
            and node.args
            and isinstance(node.args[0], nodes.Const)
            and str(node.args[0].value).startswith("_")
        ):
            found.append((node.lineno, f"attr({node.args[0].value!r})", "attr"))
        elif isinstance(node, nodes.Const) and isinstance(node.value, str):
            match = re.search(_FORMAT_INTERNALS, node.value)
            if match:
                found.append((node.lineno, match.group(), match.group()))
    if not found:
        return None
    # The first one as the line reads (the parser lists the outermost first).
    lines = source.splitlines() or [""]

    def place(item: tuple[int, str, str]) -> tuple[int, int]:
        text = lines[min(item[0], len(lines)) - 1]
        at = text.find(item[2])
        return item[0], at if at >= 0 else len(text)

    line, what, _ = min(found, key=place)
    return line, what


def unsafe_error(what: str, location: Location | None) -> TemplateSecurityError:
    return TemplateSecurityError(
        f"unsafe template blocked by the sandbox: {what!r} reaches for Python internals; remove it",
        location,
    )


# --------------------------------------------------------------------------- rule texts


def needs_template(text: str) -> bool:
    """Whether a text uses Jinja syntax at all (plain texts skip compilation)."""
    return "{{" in text or "{%" in text or "{#" in text


class _Unsafe(Exception):
    pass


def compile_template(
    env: Sandbox, tree: nodes.Template, subject: str, location: Location | None
) -> Template:
    """Compile a parsed template, under the limits when ``env`` is limited: Jinja2
    computes the constant parts of a template (``'x' * 10**10``) while compiling it.

    Raises:
        TemplateLimitError: compiling ran past a limit.
    """
    if not env.limited:
        return env.from_string(tree)
    try:
        return under_limits(lambda: env.from_string(tree), subject, location)
    except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError) as exc:
        # Raised by a constant part that Jinja2 computed and then wrote as code.
        raise AdvisorError(
            f"{subject} could not be compiled: {type(exc).__name__}: {exc}", location
        ) from None


def under_limits(work: Callable[[], _T], subject: str, location: Location | None) -> _T:
    """``work`` (compiling or analysing a text or template from a file) under the limits;
    running past one raises a TemplateLimitError located at ``location``."""
    try:
        return within_limits(work)
    except _Stopped as exc:
        raise _limit_error(subject, str(exc), location) from None
    except MemoryError:
        raise _limit_error(subject, "memory", location) from None


@lru_cache(maxsize=4096)
def _compiled_text(text: str, limited: bool) -> Template:
    # Rulebooks repeat texts across rules: each one is checked and compiled once
    # (a failure raises, and is not kept).
    env = text_environment(limited)
    if not limited:
        # advisor's own texts, like its templates, are loaded by name: Jinja2 then takes
        # their compiled code from the bytecode cache when it has it.
        name = hashlib.sha256(text.encode()).hexdigest()
        _OWN_TEXTS[name] = text
        return env.get_template(name)
    tree = env.parse(text)  # once, for the check and the compiler
    unsafe = unsafe_use(text, env, tree)
    if unsafe is not None:
        raise _Unsafe(unsafe[1])
    return compile_template(env, tree, "text", None)


def text_template(text: str, location: Location | None = None) -> Template:
    """A rule text compiled by Jinja2 in the sandbox, ready to render with :func:`run_sandboxed`.

    A text from a file of the built-in rulebook renders without the limits; any other
    text, under them.

    Raises:
        AdvisorError: a syntax error, located at ``location``.
        TemplateSecurityError: the text reaches for Python internals.
    """
    try:
        return _compiled_text(text, not is_builtin(location))
    except TemplateSyntaxError as exc:
        raise AdvisorError(f"template syntax error in text: {exc.message}", location) from None
    except _Unsafe as exc:
        raise unsafe_error(str(exc), location) from None
    except TemplateLimitError as exc:
        raise TemplateLimitError(exc.message, location) from None


# --------------------------------------------------------------------------- rendering


def run_sandboxed(
    template: Template,
    context: dict[str, Any],
    where: Callable[[], Location | None],
    *,
    subject: str = "text",
) -> str:
    """Render in the sandbox, under the limits unless the template is advisor's own,
    turning every failure into a located AdvisorError.

    Args:
        template: A template compiled in a :class:`Sandbox`.
        context: The variables.
        where: Called only on failure (inside the ``except``, so it can read the
            traceback) to locate the problem.
        subject: ``text`` for rule texts, ``template`` for whole templates.

    Raises:
        TemplateLimitError: the render ran past a limit (time, memory, output).
        TemplateSecurityError: the template tried to reach something unsafe.
        AdvisorError: an unknown variable, or any other failure while rendering.
    """
    limited = getattr(template.environment, "limited", True)
    failed = "text could not be rendered" if subject == "text" else "template failed"
    try:
        if limited:
            return within_limits(lambda: _collect(template, context))
        return template.render(context)
    except _Stopped as exc:
        raise _limit_error(subject, str(exc), where()) from None
    except MemoryError:
        if limited:
            raise _limit_error(subject, "memory", where()) from None
        raise AdvisorError(f"{failed}: out of memory", where()) from None
    except SecurityError as exc:
        raise TemplateSecurityError(
            f"unsafe template blocked by the sandbox: {exc}", where()
        ) from None
    except UndefinedError as exc:
        if subject == "text":
            message = f"text uses an unknown variable ({exc.message}); see 'advisor rules lint'"
        else:
            message = f"template uses an unknown variable: {exc.message}"
        raise AdvisorError(message, where()) from None
    except TemplateError as exc:
        raise AdvisorError(f"{failed}: {exc}", where()) from None
    except (ArithmeticError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        detail = f"{type(exc).__name__}: {exc}" if subject == "template" else str(exc)
        raise AdvisorError(f"{failed}: {detail}", where()) from None


def _limit_error(subject: str, limit: str, location: Location | None) -> TemplateLimitError:
    if limit == "time":
        what = f"it ran for more than {render_seconds():g} s; simplify its loops"
    elif limit == "memory":
        what = f"it needed more than {MAX_MEMORY // 2**20} MB of memory; build smaller values"
    else:
        what = f"it wrote more than {MAX_OUTPUT:,} characters; write less"
    return TemplateLimitError(f"{subject} stopped at its limit: {what}", location)
