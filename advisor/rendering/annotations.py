"""Annotations for CI: GitHub Actions workflow commands (``::error file=…,line=…::message``).

A line a step prints in this form becomes an annotation on the file and line in the
pull request. Values are escaped as the runner unescapes them: ``%``, carriage return
and newline everywhere, and ``:`` and ``,`` too in properties, which they would end.
"""

from __future__ import annotations

from advisor.model.location import Location

#: The kinds of annotation, by the severity advisor gives a problem.
KINDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """A message as a workflow command carries it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (a file name) as a workflow command carries it."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(severity: str, message: str, location: Location | None) -> str:
    """One workflow command line for a problem.

    Args:
        severity: ``error``, ``warning`` or ``info`` (printed as ``notice``).
        message: What is wrong, without the location.
        location: Where; a line of 0 (a whole file) leaves out line and column.
    """
    props = []
    if location is not None:
        props.append(f"file={escape_property(location.file)}")
        if location.line > 0:
            props.append(f"line={location.line}")
            if location.column > 0:
                props.append(f"col={location.column}")
    head = f"::{KINDS[severity]}"
    if props:
        head += " " + ",".join(props)
    return f"{head}::{escape_data(message)}"
