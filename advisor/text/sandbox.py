"""Jinja2 in its sandbox: for rule texts and for whole guide templates.

Texts in rulebooks and custom templates come from files people share, so
they are only ever rendered by a :class:`jinja2.sandbox.SandboxedEnvironment`;
an attempt to reach Python internals raises :class:`TemplateSecurityError`.
"""

from __future__ import annotations

import contextvars
import math
import re
import time
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError, nodes
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range
from jinja2.utils import Namespace

from advisor import wording
from advisor.errors import AdvisorError, Location, TemplateSecurityError
from advisor.text.textplan import TextPlan

if TYPE_CHECKING:
    from jinja2 import Template
    from jinja2.sandbox import SandboxedEnvironment

FILTERS = {
    "pct": wording.pct,
    "pp": lambda x: wording.signed(x, " pp"),
    "signed": wording.signed,
    "num": wording.number,
    "fraction": wording.fraction_words,
}


# --------------------------------------------------------------------------- limits

#: The longest text or list a template may build with one operation.
MAX_BUILD = 1_000_000
#: The most text one template may produce.
MAX_OUTPUT = 10_000_000
#: The longest a template may run.
MAX_SECONDS = 10.0

_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline", default=None)
# A width or precision of a million or more, in a %-format or a {}-format.
# Patterns are compiled on first use (re keeps them): most runs never format a
# string or compile a text, and compiling at import is a share of start-up.
_WIDE_FORMAT = r"%[-#0 +]*(\d{7,}|\d*\.\d{7,})|\{[^{}]*:[^{}]*\d{7,}[^{}]*\}"
_NESTED_SPEC = r"\{[^{}]*\{"  # '{:{w}}' takes its width from an argument
_PADDING = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})


def _refuse(what: str) -> Exception:
    return SecurityError(what)


def _tick() -> None:
    deadline = _DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline:
        raise _refuse(f"the template ran for more than {MAX_SECONDS:g} s; simplify its loops")


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, list, tuple, dict)) else 0


def _weight(value: Any, limit: int = MAX_BUILD + 1) -> int:
    """Characters and items in ``value``, shared parts counted each time as printing
    would count them; stops counting once past ``limit``."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if not isinstance(value, (list, tuple)):
        return 0
    total = len(value)
    for item in value:
        if total > limit:
            break
        if isinstance(item, (str, list, tuple, dict)):
            total += _weight(item, limit - total)
    return total


def _check_size(n: int, what: str) -> None:
    if n > MAX_BUILD:
        raise _refuse(f"{what} would make {n} characters or items; the limit is {MAX_BUILD}")


def _check_binop(op: str, a: Any, b: Any) -> None:
    _tick()
    if op == "*":
        for seq, times in ((a, b), (b, a)):
            if _size(seq) and isinstance(times, int) and times > 0:
                _check_size(
                    _weight(seq, MAX_BUILD // times + 1) * times, "repeating a text or list"
                )
    elif op == "**" and isinstance(a, int) and isinstance(b, int) and abs(a) > 1 and b > 0:
        if b * abs(a).bit_length() > 100_000:
            raise _refuse(f"{a} ** {b} is too large a number")
    elif op == "%" and isinstance(a, str):
        _check_format(a, b if isinstance(b, tuple) else (b,))


def _check_format(fmt: str, args: Any) -> None:
    if re.search(_WIDE_FORMAT, fmt):
        raise _refuse("a format width or precision of a million or more")
    if "*" not in fmt and not re.search(_NESTED_SPEC, fmt):
        return
    values = list(args.values()) if isinstance(args, dict) else list(args)
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and value > MAX_BUILD:
            raise _refuse(f"a format width of {value}")


def _check_call(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    _tick()
    for value in (*args, *kwargs.values()):
        _check_size(_size(value), "passing on a value")
    target = getattr(func, "__wrapped__", func)
    owner, name = getattr(target, "__self__", None), getattr(target, "__name__", "")
    if not isinstance(owner, str):
        return
    if name in _PADDING:
        for value in (*args, *kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool):
                _check_size(value, f"str.{name}")
    elif name == "replace" and len(args) >= 2:
        _check_size(_replaced_size(owner, args[0], args[1]), "str.replace")
    elif name == "join" and args and isinstance(args[0], (list, tuple, _Range)):
        _check_size(len(owner) * len(args[0]) + _weight(list(args[0])), "str.join")
    elif name == "join":
        raise _refuse("str.join takes a list here; use the join filter")
    elif name in ("format", "format_map"):
        _check_format(owner, (*args, *kwargs.values()))


def _text_size(value: Any, limit: int = MAX_BUILD + 1, inner: bool = False) -> int:
    """At most how long ``str(value)`` is, for the values a template can hold, without
    building it (filters that work on text turn any value into text first); stops counting
    once past ``limit``. Inside a list a text is printed by ``repr``: quoted, and each
    character at most four long (``\\x00``)."""
    if isinstance(value, str):
        return 4 * len(value) + 2 if inner else len(value)
    if isinstance(value, bool) or value is None:
        return 5
    if isinstance(value, int):
        return value.bit_length() * 30103 // 100_000 + 2  # decimal digits and a sign
    if isinstance(value, float):
        return 24
    if isinstance(value, Namespace):  # printed as <Namespace {...}>
        return 12 + _text_size(value._Namespace__attrs, limit, inner=True)  # type: ignore[attr-defined]
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if not isinstance(value, (list, tuple)):
        return len(str(value))  # a range, a loop, a macro: short
    total = 2
    for item in value:
        if total > limit:
            break
        total += _text_size(item, limit - total, inner=True) + 2  # ", " between items
    return total


def _replaced_size(text: Any, old: Any, new: Any) -> int:
    """The most ``str(text).replace(str(old), str(new))`` can make, without making it."""
    size = _text_size(text)
    # Without the text itself to count in, at most once per character and once more.
    exact = isinstance(text, str) and isinstance(old, str) and old
    times = text.count(old) if exact else size + 1
    return size + times * _text_size(new)


#: Filters that put a text argument into their value, again and again: the argument.
_INSERTED = {"replace": "new", "wordwrap": "wrapstring", "indent": "width"}


def _guard_filter(name: str, func: Any) -> Any:
    """A built-in filter that refuses arguments that would build a huge value."""
    import functools
    import inspect

    signature = inspect.signature(func)

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        _tick()
        if name in ("join", "sum") and len(args) >= 2:
            # join(eval_ctx, value, d="", ...), sum(environment, iterable, ...): the items
            # are taken first (a range checks the time as it goes), then weighed.
            items = list(args[1])
            sep = kwargs.get("d", args[2] if len(args) > 2 else "") if name == "join" else ""
            _check_size(len(str(sep)) * len(items) + _weight(items), name)
            return func(args[0], items, *args[2:], **kwargs)
        if name in ("string", "tojson", "pprint"):
            # Text made of a list whose items are each within the limits can still be huge.
            value = next((a for a in args if isinstance(a, (list, tuple, dict))), None)
            _check_size(_weight(value), f"the {name} filter")
            return func(*args, **kwargs)
        try:
            given = signature.bind(*args, **kwargs).arguments
        except TypeError:
            return func(*args, **kwargs)  # the filter reports its own misuse
        # The filtered value is "s" or "value", after any context or environment.
        value = given.get("s", given.get("value"))
        if name == "format":
            if isinstance(value, str):
                _check_format(value, (*given.get("args", ()), *given.get("kwargs", {}).values()))
            return func(*args, **kwargs)
        inserted = given.get(_INSERTED.get(name, ""))
        if name == "replace":
            _check_size(_replaced_size(value, given.get("old"), inserted), "replace")
        elif isinstance(inserted, str):
            # wordwrap puts its wrapstring between lines, indent its text before them.
            lines = value.count("\n") + 1 if isinstance(value, str) else _text_size(value) + 1
            _check_size(_text_size(value) + lines * len(inserted), f"the {name} filter")
        for arg in list(given.values())[1:]:
            if isinstance(arg, int) and not isinstance(arg, bool):
                _check_size(arg, f"the {name} filter")
        return func(*args, **kwargs)

    return guarded


_GUARDED_FILTERS = (
    "center",
    "indent",
    "format",
    "replace",
    "join",
    "sum",
    "slice",
    "batch",
    "wordwrap",
    "truncate",
    "string",
    "tojson",
    "pprint",
)


class _Range:
    """``range`` for templates: the sandbox's size limit, and time checked as it runs."""

    __slots__ = ("_range",)

    def __init__(self, *args: int) -> None:
        self._range = safe_range(*args)

    def __iter__(self) -> Any:
        for i, x in enumerate(self._range):
            if not i & 1023:
                _tick()
            yield x

    def __len__(self) -> int:
        return len(self._range)

    def __getitem__(self, key: Any) -> Any:
        return self._range[key]

    def __contains__(self, x: Any) -> bool:
        return x in self._range

    def __reversed__(self) -> Any:
        return reversed(self._range)

    def __repr__(self) -> str:
        return repr(self._range)


class _Namespace(Namespace):
    """``namespace()`` whose attributes cannot grow past the size limit (doubling in a loop)."""

    def __setitem__(self, name: str, value: Any) -> None:
        _check_size(_size(value), f"setting {name}")
        super().__setitem__(name, value)


def _bounded_concat(parts: Any) -> str:
    """Join a template's output, within the output and time limits."""
    token = None
    if _DEADLINE.get() is None:
        token = _DEADLINE.set(time.monotonic() + MAX_SECONDS)
    try:
        out: list[str] = []
        total = 0
        for part in parts:
            total += len(part)
            if total > MAX_OUTPUT:
                raise _refuse(f"the template wrote more than {MAX_OUTPUT} characters")
            out.append(part)
        return "".join(out)
    finally:
        if token is not None:
            _DEADLINE.reset(token)


class GuardedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` through :meth:`GuardedSandbox.guarded_join`, so that a
    chain of ``~`` cannot build a text of gigabytes before anything checks it."""

    def visit_Concat(self, node: Any, frame: Any) -> None:  # noqa: N802 (Jinja's name)
        join = "markup_join" if frame.eval_ctx.autoescape else "str_join"
        if frame.eval_ctx.volatile:
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        self.write(f"environment.guarded_join({join}, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class GuardedSandbox(ImmutableSandboxedEnvironment):
    """Jinja2's sandbox, also bounded in what a template may build and how long it runs.

    The sandbox stops templates from reaching Python internals, and the
    immutable sandbox from changing lists and mappings in place; neither stops
    ``'x' * 10**10``, ``2 ** 10**10``, ``'%999999999s'``, a padding filter with
    a huge width, a namespace doubling a text in a loop or nested loops that
    never end. Here each of those raises :class:`jinja2.exceptions.SecurityError`:
    no single value over :data:`MAX_BUILD` characters or items, no output over
    :data:`MAX_OUTPUT`, no run over :data:`MAX_SECONDS`.
    """

    intercepted_binops = frozenset({"*", "**", "%"})
    concat = staticmethod(_bounded_concat)
    code_generator_class = GuardedCodeGenerator

    @staticmethod
    def guarded_join(join: Any, parts: tuple[Any, ...]) -> Any:
        """``a ~ b ~ ...``, refused when the result would pass the size limit."""
        _tick()
        _check_size(sum(_weight(p) if _size(p) else 0 for p in parts), "joining texts with ~")
        return join(parts)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals["range"] = _Range
        self.globals["namespace"] = _Namespace
        for name in _GUARDED_FILTERS:
            self.filters[name] = _guard_filter(name, self.filters[name])
        inner = self.finalize

        def finalize(value: Any) -> Any:
            # Printing a list turns it into text as long as everything in it.
            if isinstance(value, (list, tuple, dict)):
                _check_size(_weight(value), "printing a list")
            return inner(value) if inner is not None else value

        self.finalize = finalize

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        _check_call(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj: Any, attribute: str) -> Any:
        _tick()
        return super().getattr(obj, attribute)


def add_filters(env: SandboxedEnvironment) -> SandboxedEnvironment:
    """Give an environment advisor's number filters and the ``fraction`` global."""
    env.filters.update(FILTERS)
    env.globals["fraction"] = wording.fraction_words
    return env


@cache
def text_environment() -> SandboxedEnvironment:
    """The environment for short texts in rulebooks (no autoescape: output formats escape)."""
    return add_filters(GuardedSandbox(undefined=StrictUndefined, keep_trailing_newline=False))


_FORMAT_INTERNALS = r"\{[^{}.\[]*[.\[]\s*_\w*"  # '{0.__class__}', '{x[_y]}'


def unsafe_use(source: str, env: SandboxedEnvironment, tree: Any = None) -> tuple[int, str] | None:
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


def needs_template(text: str) -> bool:
    """Whether a text uses Jinja syntax at all (plain texts skip compilation)."""
    return "{{" in text or "{%" in text or "{#" in text


def compile_text(text: str, location: Location | None = None) -> Template:
    """Compile a rule text, reporting syntax errors with their location."""
    try:
        return text_environment().from_string(text)
    except TemplateSyntaxError as exc:
        raise AdvisorError(f"template syntax error in text: {exc.message}", location) from None


def run_sandboxed(
    template: Template | TextPlan,
    context: dict[str, Any],
    where: Callable[[], Location | None],
    *,
    subject: str = "text",
) -> str:
    """Render in the sandbox, turning every failure into a located AdvisorError.

    Args:
        template: A compiled template or a text plan.
        context: The variables.
        where: Called only on failure (inside the ``except``, so it can read the
            traceback) to locate the problem.
        subject: ``text`` for rule texts, ``template`` for whole templates.

    Raises:
        TemplateSecurityError: the template tried to reach something unsafe.
        AdvisorError: an unknown variable, or any other failure while rendering.
    """
    failed = "text could not be rendered" if subject == "text" else "template failed"
    try:
        return template.render(context)
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
    except MemoryError:
        raise AdvisorError(f"{failed}: out of memory", where()) from None


# --------------------------------------------------------------------------- text plans

#: Names the Jinja2 compiler treats specially: texts that use them are compiled.
_SPECIAL_NAMES = frozenset({"self", "super", "loop", "caller", "varargs", "kwargs"})
_CONST_TYPES = (str, int, float, bool, type(None))


def plan_text(text: str, tree: Any = None) -> TextPlan | None:
    """A plan for ``text`` (parsed already as ``tree``, if given), or None when it needs
    the full compiler.

    Raises:
        jinja2.TemplateSyntaxError: the text is not valid Jinja2 (as compiling would).
    """
    env = text_environment()
    body = (tree or env.parse(text)).body
    if not body:
        return TextPlan([])
    if len(body) != 1 or type(body[0]) is not nodes.Output:
        return None
    parts: list[Any] = []
    for node in body[0].nodes:
        if type(node) is nodes.TemplateData:
            parts.append(node.data)
            continue
        expr = _plan_expr(node, env)
        if expr is None:
            return None
        parts.append(expr)
    return TextPlan(parts)


def _plan_args(node: Any, env: SandboxedEnvironment) -> tuple[list[Any], dict[str, Any]] | None:
    if node.dyn_args is not None or node.dyn_kwargs is not None:
        return None
    args = [_plan_expr(a, env) for a in node.args]
    kwargs = {kw.key: _plan_expr(kw.value, env) for kw in node.kwargs}
    if any(a is None for a in args) or any(a is None for a in kwargs.values()):
        return None
    return args, kwargs


def _plan_expr(node: Any, env: SandboxedEnvironment) -> list[Any] | None:
    kind = type(node)
    if kind is nodes.Name:
        if node.ctx != "load" or node.name in _SPECIAL_NAMES:
            return None
        return ["n", node.name]
    if kind is nodes.Const:
        value = node.value
        if type(value) not in _CONST_TYPES or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            return None
        return ["c", value]
    if kind is nodes.Getattr:
        obj = _plan_expr(node.node, env)
        return None if obj is None else [".", obj, node.attr]
    if kind is nodes.Getitem:
        obj = _plan_expr(node.node, env)
        key = None if type(node.arg) is nodes.Slice else _plan_expr(node.arg, env)
        return None if obj is None or key is None else ["[", obj, key]
    if kind is nodes.Filter:
        func = env.filters.get(node.name)
        if node.node is None or func is None or getattr(func, "jinja_pass_arg", None):
            return None
        value = _plan_expr(node.node, env)
        signature = _plan_args(node, env)
        if value is None or signature is None:
            return None
        return ["|", value, node.name, *signature]
    if kind is nodes.Call:
        func = _plan_expr(node.node, env)
        signature = _plan_args(node, env)
        if func is None or signature is None:
            return None
        return ["()", func, *signature]
    # Arithmetic (not "and", "or", "not"): the operators the environment has tables for.
    if isinstance(node, nodes.BinExpr) and node.operator in env.binop_table:
        left, right = _plan_expr(node.left, env), _plan_expr(node.right, env)
        if left is None or right is None:
            return None
        return ["op", node.operator, left, right]
    if isinstance(node, nodes.UnaryExpr) and node.operator in env.unop_table:
        value = _plan_expr(node.node, env)
        return None if value is None else ["unop", node.operator, value]
    return None


def text_template(text: str, location: Location | None = None) -> Template | TextPlan:
    """A rule text ready to render: a :class:`TextPlan` when one will do, else compiled.

    Raises:
        AdvisorError: a syntax error, located at ``location`` (as :func:`compile_text`).
    """
    env = text_environment()
    try:
        tree = env.parse(text)  # once, for the check, the plan and the compiler
    except TemplateSyntaxError as exc:
        raise AdvisorError(f"template syntax error in text: {exc.message}", location) from None
    unsafe = unsafe_use(text, env, tree)
    if unsafe is not None:
        raise unsafe_error(unsafe[1], location)
    plan = plan_text(text, tree)
    return plan if plan is not None else env.from_string(tree)
