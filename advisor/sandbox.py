"""Jinja2 in its sandbox: for rule texts and for whole guide templates.

Texts in rulebooks and custom templates come from files people share, so
they are only ever rendered by a :class:`jinja2.sandbox.SandboxedEnvironment`;
an attempt to reach Python internals raises :class:`TemplateSecurityError`.
"""

from __future__ import annotations

import math
from functools import cache
from typing import TYPE_CHECKING, Any

from advisor import wording
from advisor.errors import AdvisorError, Location, TemplateSecurityError

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


def _add_filters(env: SandboxedEnvironment) -> SandboxedEnvironment:
    env.filters.update(FILTERS)
    env.globals["fraction"] = wording.fraction_words
    return env


@cache
def text_environment() -> SandboxedEnvironment:
    """The environment for short texts in rulebooks (no autoescape: output formats escape)."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return _add_filters(SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=False))


def needs_template(text: str) -> bool:
    """Whether a text uses Jinja syntax at all (plain texts skip compilation)."""
    return "{{" in text or "{%" in text or "{#" in text


def compile_text(text: str, location: Location | None = None) -> Template:
    """Compile a rule text, reporting syntax errors with their location."""
    from jinja2 import TemplateSyntaxError

    try:
        return text_environment().from_string(text)
    except TemplateSyntaxError as exc:
        raise AdvisorError(f"template syntax error in text: {exc.message}", location) from None


def render_text(template: Template, context: dict[str, Any], location: Location | None) -> str:
    """Render a compiled rule text in the sandbox.

    Raises:
        TemplateSecurityError: the text tried to reach something unsafe.
        AdvisorError: the text used a variable that does not exist, or failed otherwise.
    """
    from jinja2 import TemplateError, UndefinedError
    from jinja2.exceptions import SecurityError

    try:
        return template.render(context)
    except SecurityError as exc:
        raise TemplateSecurityError(
            f"unsafe template blocked by the sandbox: {exc}", location
        ) from None
    except UndefinedError as exc:
        raise AdvisorError(
            f"text uses an unknown variable ({exc.message}); see 'advisor rules lint'", location
        ) from None
    except TemplateError as exc:
        raise AdvisorError(f"text could not be rendered: {exc}", location) from None
    except (ArithmeticError, TypeError, ValueError, AttributeError) as exc:
        raise AdvisorError(f"text could not be rendered: {exc}", location) from None


# --------------------------------------------------------------------------- text plans

#: Names the Jinja2 compiler treats specially: texts that use them are compiled.
_SPECIAL_NAMES = frozenset({"self", "super", "loop", "caller", "varargs", "kwargs"})
_CONST_TYPES = (str, int, float, bool, type(None))
#: Jinja2 node -> Python operator, for the arithmetic the sandbox does not intercept.
_BINOPS = {"Add": "+", "Sub": "-", "Mul": "*", "Div": "/", "FloorDiv": "//", "Mod": "%",
           "Pow": "**"}
_UNOPS = {"Neg": "-", "Pos": "+"}


class TextPlan:
    """A rule text rendered without compiling it to Python.

    Most rule texts only print values, as in ``{{ model.name }}``,
    ``{{ scores['mle-bench'] | pct }}`` or ``{{ fraction(100 - x) }}``;
    compiling such a text costs about 0.25 ms, more than a whole guide's
    evaluation. A plan keeps the parsed expressions and evaluates them the way
    the code Jinja2 generates for them does: a name is looked up in the
    context, then the sandbox's globals, else it is the sandbox's undefined;
    attributes and items go through the sandbox's ``getattr`` and ``getitem``,
    calls through its ``call`` (so the same checks apply); filters are the
    environment's; arithmetic is Python's (the sandbox intercepts none);
    each value is printed with ``str``. Texts with anything else (statements,
    tests, conditionals, comparisons) are compiled as before.

    ``parts`` is plain data (strings, numbers and lists), which is what lets a
    cached rulebook keep its plans: each part is a literal string or an
    expression ``[op, ...]`` with op ``n`` (name), ``c`` (constant), ``.``
    (attribute), ``[`` (item), ``|`` (filter), ``()`` (call), ``op`` (binary
    operator) or ``unop``.
    """

    __slots__ = ("parts",)

    def __init__(self, parts: list[Any]) -> None:
        self.parts = parts

    def render(self, context: dict[str, Any]) -> str:
        """Render with ``context``, like :meth:`jinja2.Template.render`."""
        env = text_environment()
        state: dict[str, Any] = {}
        # Joined by the environment, as a compiled template's output is (limits included).
        return str(env.concat(  # type: ignore[attr-defined]
            part if isinstance(part, str) else str(_evaluate(part, context, env, state))
            for part in self.parts
        ))

    def __repr__(self) -> str:
        return f"TextPlan({self.parts!r})"


def _evaluate(node: list[Any], context: dict[str, Any], env: SandboxedEnvironment,
              state: dict[str, Any]) -> Any:
    op = node[0]
    if op == "n":
        name = node[1]
        if name in context:
            return context[name]
        if name in env.globals:
            return env.globals[name]
        return env.undefined(name=name)
    if op == "c":
        return node[1]
    if op == ".":
        return env.getattr(_evaluate(node[1], context, env, state), node[2])
    if op == "[":
        obj = _evaluate(node[1], context, env, state)
        return env.getitem(obj, _evaluate(node[2], context, env, state))
    if op == "|":
        value = _evaluate(node[1], context, env, state)
        args = [_evaluate(a, context, env, state) for a in node[3]]
        kwargs = {k: _evaluate(a, context, env, state) for k, a in node[4].items()}
        func = env.filters.get(node[2])
        if func is None:
            from jinja2.exceptions import TemplateRuntimeError

            raise TemplateRuntimeError(f"No filter named {node[2]!r} found.")
        return func(value, *args, **kwargs)
    if op == "()":
        func = _evaluate(node[1], context, env, state)
        args = [_evaluate(a, context, env, state) for a in node[2]]
        kwargs = {k: _evaluate(a, context, env, state) for k, a in node[3].items()}
        if "context" not in state:
            from jinja2.runtime import new_context

            # The context a compiled template would pass: callables may ask for it.
            state["context"] = new_context(env, None, {}, dict(context), False,
                                           env.make_globals(None), None)
        return env.call(state["context"], func, *args, **kwargs)
    if op == "op":
        left = _evaluate(node[2], context, env, state)
        right = _evaluate(node[3], context, env, state)
        return _apply(node[1], left, right)
    if op == "unop":
        value = _evaluate(node[2], context, env, state)
        return -value if node[1] == "-" else +value
    raise ValueError(f"unknown text plan node {op!r}")


def _apply(op: str, a: Any, b: Any) -> Any:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    if op == "//":
        return a // b
    if op == "%":
        return a % b
    if op == "**":
        return a**b
    raise ValueError(f"unknown operator {op!r}")


def plan_text(text: str) -> TextPlan | None:
    """A plan for ``text``, or None when it needs the full compiler.

    Raises:
        jinja2.TemplateSyntaxError: the text is not valid Jinja2 (as compiling would).
    """
    from jinja2 import nodes

    env = text_environment()
    if env.intercepted_binops or env.intercepted_unops:
        return None
    body = env.parse(text).body
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
    from jinja2 import nodes

    kind = type(node)
    if kind is nodes.Name:
        if node.ctx != "load" or node.name in _SPECIAL_NAMES:
            return None
        return ["n", node.name]
    if kind is nodes.Const:
        value = node.value
        if type(value) not in _CONST_TYPES or (isinstance(value, float)
                                               and not math.isfinite(value)):
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
    if kind.__name__ in _BINOPS and isinstance(node, nodes.BinExpr):
        left, right = _plan_expr(node.left, env), _plan_expr(node.right, env)
        if left is None or right is None:
            return None
        return ["op", _BINOPS[kind.__name__], left, right]
    if kind.__name__ in _UNOPS and isinstance(node, nodes.UnaryExpr):
        value = _plan_expr(node.node, env)
        return None if value is None else ["unop", _UNOPS[kind.__name__], value]
    return None


def text_template(text: str, location: Location | None = None) -> Template | TextPlan:
    """A rule text ready to render: a :class:`TextPlan` when one will do, else compiled.

    Raises:
        AdvisorError: a syntax error, located at ``location`` (as :func:`compile_text`).
    """
    from jinja2 import TemplateSyntaxError

    try:
        plan = plan_text(text)
    except TemplateSyntaxError as exc:
        raise AdvisorError(f"template syntax error in text: {exc.message}", location) from None
    return plan if plan is not None else compile_text(text, location)
