"""What ``advisor rules lint`` reports: findings, and the report of a rulebook."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from advisor.model.location import Location

SEVERITIES = ("error", "warning", "info")


class _Other:
    """Stands for every value of an open id input that no rule names."""

    def __repr__(self) -> str:
        return OTHER_LABEL


OTHER_LABEL = "(any other)"
OTHER = _Other()


@dataclass(frozen=True)
class Finding:
    """One thing lint found.

    Args:
        severity: ``error``, ``warning`` or ``info``.
        code: A stable short name (``gap``, ``overlap``, ...).
        message: One line saying what is wrong.
        locations: The rule(s), cell or table involved; the first is the main one.
        table: The table, when the finding is about one.
        rules: Rule ids involved.
        examples: Input points showing the problem (input name -> value, None = missing).
    """

    severity: str
    code: str
    message: str
    locations: tuple[Location, ...]
    table: str | None = None
    rules: tuple[str, ...] = ()
    examples: tuple[dict[str, Any], ...] = ()

    @property
    def location(self) -> Location:
        """The main location."""
        return self.locations[0] if self.locations else Location("rulebook")

    def __str__(self) -> str:
        also = "".join(f" (see {loc})" for loc in self.locations[1:])
        return f"{self.location}: {self.severity}: {self.code}: {self.message}{also}"

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``; OTHER becomes its label."""
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "location": str(self.location),
            "locations": [str(loc) for loc in self.locations],
            "table": self.table,
            "rules": list(self.rules),
            "examples": [
                {k: (OTHER_LABEL if v is OTHER else v) for k, v in ex.items()}
                for ex in self.examples
            ],
        }


@dataclass
class LintReport:
    """Every finding for one rulebook, most severe first."""

    rulebook: str
    findings: list[Finding] = field(default_factory=list)

    def count(self, severity: str) -> int:
        """How many findings have this severity."""
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def errors(self) -> int:
        """The number of errors (lint fails when there is any)."""
        return self.count("error")

    def summary(self) -> str:
        """The last line of the text report."""
        parts = [f"{self.count(s)} {s}{'' if s == 'info' else 's'}" for s in SEVERITIES]
        # Singular where it reads better: "1 error", not "1 errors".
        parts = [p[:-1] if p.startswith("1 ") and p.endswith("s") else p for p in parts]
        return f"{self.rulebook}: " + ", ".join(parts)

    def lines(self) -> list[str]:
        """The text report: one line per finding, then the summary."""
        return [str(f) for f in self.findings] + [self.summary()]

    def to_dict(self) -> dict[str, Any]:
        """The documented ``--json`` shape."""
        return {
            "rulebook": self.rulebook,
            "summary": {s: self.count(s) for s in SEVERITIES},
            "findings": [f.to_dict() for f in self.findings],
        }
