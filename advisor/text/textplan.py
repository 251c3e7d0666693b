"""Rule texts rendered from a plan instead of compiled code (see :class:`TextPlan`).

Kept apart from :mod:`advisor.text.sandbox` so that reading a cached rulebook,
whose simple texts are plans, does not import Jinja2: the sandbox is only
loaded when a plan is first rendered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment


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
    environment's; arithmetic uses the environment's operator tables, through
    the sandbox for the operators it intercepts (``*``, ``**``, ``%``);
    each value is printed through the environment's ``finalize`` (its limits
    included) and ``str``. Texts with anything else (statements,
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
        from advisor.text.sandbox import text_environment

        env = text_environment()
        finalize = env.finalize
        assert finalize is not None  # GuardedSandbox always sets one (its limits)
        state: dict[str, Any] = {}
        # Joined by the environment, as a compiled template's output is (limits included).
        return str(
            env.concat(  # type: ignore[attr-defined]
                part
                if isinstance(part, str)
                else str(finalize(_evaluate(part, context, env, state)))
                for part in self.parts
            )
        )

    def __repr__(self) -> str:
        return f"TextPlan({self.parts!r})"


def _evaluate(
    node: list[Any], context: dict[str, Any], env: SandboxedEnvironment, state: dict[str, Any]
) -> Any:
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
            state["context"] = new_context(
                env, None, {}, dict(context), False, env.make_globals(None), None
            )
        return env.call(state["context"], func, *args, **kwargs)
    if op == "op":
        left = _evaluate(node[2], context, env, state)
        right = _evaluate(node[3], context, env, state)
        if node[1] in env.intercepted_binops:
            return env.call_binop(None, node[1], left, right)  # type: ignore[arg-type]
        return _operator(env.binop_table, node[1])(left, right)
    if op == "unop":
        value = _evaluate(node[2], context, env, state)
        if node[1] in env.intercepted_unops:
            return env.call_unop(None, node[1], value)  # type: ignore[arg-type]
        return _operator(env.unop_table, node[1])(value)
    raise ValueError(f"unknown text plan node {op!r}")


def _operator(table: Any, op: str) -> Any:
    # The environment's own operator functions, as compiled code uses them.
    if op not in table:
        raise ValueError(f"unknown operator {op!r}")
    return table[op]
