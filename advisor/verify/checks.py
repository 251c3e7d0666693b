"""The rulebook checks as one run, and their problems as data for CI.

:func:`validate` loads a rulebook and keeps what went wrong instead of raising, so that
``rules validate --json`` and ``--format github`` can report it; :func:`check` runs
validate, lint and the rule tests in one process (``advisor rules check``, the
``advisor-check`` pre-commit hook), each problem reported once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from advisor import wording
from advisor.errors import EXIT_FAILED, EXIT_OK, AdvisorError, InputError
from advisor.evaluation.texts import check_texts
from advisor.load.paths import STDIN, read_stream
from advisor.load.rulebook import Rulebook, load_rulebook, load_rulebook_bytes
from advisor.model.location import Location
from advisor.rendering.annotations import github_annotation
from advisor.verify.findings import LintReport
from advisor.verify.lint import lint
from advisor.verify.ruletest import TestReport, run_tests


@dataclass(frozen=True)
class Problem:
    """One located problem: a validation error, a lint finding or a failed rule test.

    Args:
        severity: ``error``, ``warning`` or ``info``.
        message: What is wrong, without the location.
        location: Where, when known.
    """

    severity: str
    message: str
    location: Location | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{"file", "line", "column", "message"}``; line and column are null for a whole
        file, all three for no file at all."""
        loc = self.location
        return {
            "file": loc.file if loc is not None else None,
            "line": loc.line if loc is not None and loc.line > 0 else None,
            "column": loc.column if loc is not None and loc.line > 0 else None,
            "message": self.message,
        }

    def github(self) -> str:
        """The problem as a GitHub Actions annotation."""
        return github_annotation(self.severity, self.message, self.location)


def problems_of(error: AdvisorError) -> list[Problem]:
    """Each problem an error carries (a rulebook error gathers several), located."""
    return [Problem("error", p.message, p.location) for p in getattr(error, "problems", [error])]


@dataclass
class Validation:
    """What loading a rulebook gave: the rulebook, or the error and its problems."""

    book: Rulebook | None
    error: AdvisorError | None = None

    @property
    def ok(self) -> bool:
        """Whether the rulebook is valid."""
        return self.error is None

    @property
    def exit_code(self) -> int:
        """The exit code of ``rules validate``: the error's own, or 0."""
        return self.error.exit_code if self.error is not None else EXIT_OK

    @property
    def problems(self) -> list[Problem]:
        """Every problem found, in the loader's order."""
        return problems_of(self.error) if self.error is not None else []

    def summary(self) -> str:
        """The line ``rules validate`` prints for a valid rulebook."""
        book = self.book
        if book is None:
            n = len(self.problems)
            return f"invalid: {wording.count(n, 'problem')}"
        n = sum(len(t.rules) for t in book.tables)
        files, tables = len(book.files), len(book.tables)
        return (
            f"ok: {book.meta.id} ({wording.count(files, 'file')}, "
            f"{wording.count(tables, 'table')}, {wording.count(n, 'rule')})"
        )

    def to_dict(self) -> dict[str, Any]:
        """The documented ``rules validate --json`` shape."""
        book = self.book
        return {
            "ok": self.ok,
            "rulebook": None
            if book is None
            else {
                "id": book.meta.id,
                "files": len(book.files),
                "tables": len(book.tables),
                "rules": sum(len(t.rules) for t in book.tables),
            },
            "problems": [p.to_dict() for p in self.problems],
        }


def read_rulebook(paths: Sequence[str], stdin: BinaryIO | None = None) -> Rulebook:
    """The rulebook at ``paths`` (the built-in one when empty); ``["-"]`` is one file read
    from ``stdin`` (None when it is closed).

    Raises:
        AdvisorError: the rulebook is invalid or cannot be read, or '-' is not alone.
    """
    if STDIN in paths and len(paths) > 1:
        raise InputError(
            "'-' reads one rulebook file from standard input; give it alone, "
            "or name the files and folders instead"
        )
    if STDIN in paths:
        return load_rulebook_bytes(read_stream(stdin))
    return load_rulebook(list(paths) or None)


def loaded(paths: Sequence[str], stdin: BinaryIO | None = None) -> Validation:
    """Load the rulebook at ``paths`` as :func:`read_rulebook` does, keeping any error (for
    ``rules lint`` and ``rules test``, which report an invalid rulebook as validate does)."""
    try:
        return Validation(read_rulebook(paths, stdin))
    except AdvisorError as exc:
        return Validation(None, exc)


def validate(paths: Sequence[str], stdin: BinaryIO | None = None) -> Validation:
    """Load the rulebook at ``paths`` (the built-in one when empty) and compile its rule
    texts, keeping any error.

    Args:
        paths: Rulebook files or folders; ``["-"]`` is one file read from ``stdin``.
        stdin: Standard input (None when it is closed).
    """
    result = loaded(paths, stdin)
    if result.book is None:
        return result
    try:
        check_texts(result.book)  # rule texts are otherwise compiled only when a guide needs them
    except AdvisorError as exc:
        return Validation(None, exc)
    return result


def finding_problems(report: LintReport) -> list[Problem]:
    """Lint's findings as problems (errors, warnings and infos)."""
    out = []
    for f in report.findings:
        also = "".join(f" (see {loc})" for loc in f.locations[1:])
        out.append(Problem(f.severity, f"{f.code}: {f.message}{also}", f.location))
    return out


def failure_problems(report: TestReport, minimum: float | None = None) -> list[Problem]:
    """Failed rule tests (one per failed expectation) and a coverage shortfall as errors."""
    out = []
    for o in report.outcomes:
        if o.error is not None:
            out.append(Problem("error", f"test {o.id!r}: {o.error}", o.location))
        for c in o.checks:
            if not c.ok:
                msg = f"test {o.id!r}: {c.what}: expected {c.expected}; got {c.actual}"
                out.append(Problem("error", msg, o.location))
    short = report.shortfall(minimum)
    if short is not None:
        out.append(Problem("error", short))
    return out


@dataclass
class CheckReport:
    """Validate, lint and the rule tests of one rulebook; lint and tests run only when the
    rulebook is valid."""

    validation: Validation
    lint: LintReport | None = None
    tests: TestReport | None = None
    minimum: float | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """The validation's exit code; else 1 when lint found errors or a test failed."""
        if not self.validation.ok:
            return self.validation.exit_code
        failed = any(p.severity == "error" for p in self.problems)
        return EXIT_FAILED if failed else EXIT_OK

    def summary(self) -> list[str]:
        """One line per check: validate's, lint's counts, the tests' counts and coverage."""
        out = [self.validation.summary()]
        if self.lint is not None:
            out.append(self.lint.summary())
        if self.tests is not None:
            t = self.tests
            out.append(f"{t.passed} passed, {t.failed} failed, coverage {t.coverage_percent()}")
        return out

    def lines(self) -> list[str]:
        """The text report of a valid rulebook: validate's line, lint's, then the tests'."""
        out = [self.validation.summary()]
        if self.lint is not None:
            out += self.lint.lines()
        if self.tests is not None:
            out += self.tests.lines()
            short = self.tests.shortfall(self.minimum)
            if short is not None:
                out.append(short)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The documented ``rules check --json`` shape."""
        return {
            "ok": self.exit_code == EXIT_OK,
            "validate": self.validation.to_dict(),
            "lint": self.lint.to_dict() if self.lint is not None else None,
            "test": self.tests.to_dict(self.minimum) if self.tests is not None else None,
        }


def check(
    paths: Sequence[str], stdin: BinaryIO | None = None, *, coverage_min: float | None = None
) -> CheckReport:
    """Validate the rulebook at ``paths``, then lint it and run its tests if it is valid.

    Args:
        paths: Rulebook files or folders (the built-in rulebook when empty); ``["-"]`` is
            one file read once from ``stdin``.
        stdin: Standard input (None when it is closed).
        coverage_min: Fail when the tests reach fewer than this percentage of the rules.
    """
    return check_validated(validate(paths, stdin), coverage_min=coverage_min)


def check_validated(validation: Validation, *, coverage_min: float | None = None) -> CheckReport:
    """:func:`check` of a rulebook :func:`validate` gave (or failed to give)."""
    report = CheckReport(validation, minimum=coverage_min)
    if validation.book is None:
        report.problems = validation.problems
        return report
    report.lint = lint(validation.book)
    report.tests = run_tests(validation.book)
    report.problems = finding_problems(report.lint) + failure_problems(report.tests, coverage_min)
    return report
