"""Jinja2 in its sandbox: for rule texts and for whole guide templates.

Texts in rulebooks and custom templates come from files people share, so
they are only ever rendered by a :class:`jinja2.sandbox.SandboxedEnvironment`;
an attempt to reach Python internals raises :class:`TemplateSecurityError`.
"""

from __future__ import annotations

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
