"""Rule tests kept in a rulebook, and per-rule coverage.

A test gives inputs (a model and/or scores, a baseline, answers) and expects,
per role and stage (or per role and table), the rule that decides and/or its
autonomy level. :func:`run_tests` evaluates each test with the engine and
compares; a failure carries the expected and actual outcome and the trace of
the decision, so the reader sees which cells matched and which did not.

Coverage counts a rule as reached when a test checks a decision that the rule
made. Rules that apply only where no test looks stay unreached, which is what
a coverage report should reveal.

An organisation rulebook inherits the tests of the rulebook it extends. An
inherited expectation naming a rule the organisation disabled is skipped (and
listed), because that rule no longer exists; every other expectation still
runs, so an override that changes a tested outcome fails until the test is
redefined under the same id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from advisor import wording
from advisor.errors import AdvisorError
from advisor.evaluation.engine import evaluate, evidence_of
from advisor.evaluation.results import Profile, Result, Trace
from advisor.load.rulebook import CompiledTable, Rulebook
from advisor.model.location import Location

if TYPE_CHECKING:
    from advisor.model.schema import Expect, Given, RuleTest

#: The model id used when a test gives scores without naming a model.
GIVEN_MODEL = "given"


@dataclass
class Check:
    """The outcome of one expectation for one decision.

    Args:
        what: The decision, e.g. ``data-scientist × data-processing``.
        expected: What the test expects, in words.
        actual: What the rulebook decided, in words.
        ok: Whether they agree.
        trace: How the table decided, one line each (shown on failure).
        rules: Rule ids whose changes by an organisation rulebook may explain a failure.
    """

    what: str
    expected: str
    actual: str
    ok: bool
    trace: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)


@dataclass
class TestOutcome:
    """One test: every check, or the error that stopped it."""

    id: str
    location: Location
    checks: list[Check] = field(default_factory=list)
    error: str | None = None
    #: rules named by expectations that were skipped because the rule is disabled
    skipped: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """A test passes when it ran and every check agrees."""
        return self.error is None and all(c.ok for c in self.checks)


@dataclass
class TestReport:
    """Every test's outcome and which rules the tests reach."""

    rulebook: str
    outcomes: list[TestOutcome]
    #: every active rule: (id, table id, location), in rulebook order
    rules: list[tuple[str, str, Location]]
    covered: set[str]
    hints: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> int:
        """How many tests passed."""
        return sum(1 for o in self.outcomes if o.passed)

    @property
    def failed(self) -> int:
        """How many tests failed."""
        return len(self.outcomes) - self.passed

    @property
    def coverage(self) -> Fraction:
        """Share of rules reached, exactly (1 when there are no rules)."""
        if not self.rules:
            return Fraction(1)
        return Fraction(sum(1 for r in self.rules if r[0] in self.covered), len(self.rules))

    def coverage_percent(self) -> str:
        """The coverage as a percentage with one decimal, never rounded up."""
        tenths = self.coverage.numerator * 1000 // self.coverage.denominator
        return f"{tenths // 10}.{tenths % 10}%"

    def below(self, minimum: float) -> bool:
        """Whether coverage is below ``minimum`` percent, compared exactly."""
        # str() gives the shortest decimal of the float, i.e. what was typed.
        return self.coverage * 100 < Fraction(str(minimum))

    def shortfall(self, minimum: float | None) -> str | None:
        """What to say when coverage is below ``minimum`` percent; None when it is not
        (or there is no minimum)."""
        if minimum is None or not self.below(minimum):
            return None
        return f"coverage {self.coverage_percent()} is below the minimum of {minimum:g}%"

    def to_dict(self, minimum: float | None = None) -> dict[str, Any]:
        """The documented ``--json`` shape; ``minimum`` is ``--coverage-min``."""
        reached = sum(1 for r in self.rules if r[0] in self.covered)
        tenths = self.coverage.numerator * 1000 // self.coverage.denominator
        short = self.shortfall(minimum)
        return {
            "ok": not self.failed and short is None,
            "rulebook": self.rulebook,
            "passed": self.passed,
            "failed": self.failed,
            "tests": [
                {
                    "id": o.id,
                    "location": str(o.location),
                    "passed": o.passed,
                    "error": o.error,
                    "failures": [
                        {
                            "what": c.what,
                            "expected": c.expected,
                            "actual": c.actual,
                            "trace": c.trace,
                        }
                        for c in o.checks
                        if not c.ok
                    ],
                    "skipped_rules": o.skipped,
                }
                for o in self.outcomes
            ],
            "coverage": {
                "reached": reached,
                "rules": len(self.rules),
                "percent": tenths / 10,
                "minimum": minimum,
                "below_minimum": short is not None,
            },
            "unreached": [
                {"rule": rid, "table": table, "location": str(loc)}
                for rid, table, loc in self.rules
                if rid not in self.covered
            ],
        }

    def lines(self) -> list[str]:
        """The text report: failures with traces, the summary, then coverage."""
        out: list[str] = []
        for o in self.outcomes:
            if o.passed:
                continue
            out.append(f"FAIL {o.id} ({o.location})")
            if o.error is not None:
                out.append(f"  error: {o.error}")
            for c in o.checks:
                if c.ok:
                    continue
                out.append(f"  {c.what}: expected {c.expected}; got {c.actual}")
                out.extend(f"    {line}" for line in c.trace)
                for rid in c.rules:
                    if rid in self.hints:
                        out.append(
                            f"    note: {self.hints[rid]}; if that is intended, redefine "
                            f"test {o.id!r} in your rulebook with the new expectation"
                        )
        skipped = [f"{o.id} ({', '.join(o.skipped)})" for o in self.outcomes if o.skipped]
        if skipped:
            out.append("skipped expectations naming disabled rules: " + "; ".join(skipped))
        out.append(f"{self.passed} passed, {self.failed} failed")
        reached = sum(1 for r in self.rules if r[0] in self.covered)
        rules = wording.count(len(self.rules), "rule")
        out.append(f"coverage: {reached} of {rules} ({self.coverage_percent()})")
        missing = [r for r in self.rules if r[0] not in self.covered]
        if missing:
            out.append("rules no test reaches:")
            out.extend(f"  {loc}: {rid} (table {table})" for rid, table, loc in missing)
        return out


def run_tests(book: Rulebook) -> TestReport:
    """Run every test of a rulebook.

    Args:
        book: A rulebook from :func:`advisor.load.rulebook.load_rulebook`.

    Returns:
        The outcomes, in rulebook order, with coverage.
    """
    covered: set[str] = set()
    active = {r.id for r in book.rules()}
    disabled = {c.rule_id for c in book.changes if c.action == "disabled"} - active
    outcomes = [_run_one(book, t, covered, disabled) for t in book.tests]
    rules = [(r.id, r.table_id, r.location) for r in book.rules()]
    hints = {
        ch.rule_id: f"rule {ch.rule_id!r} is {ch.action} at {ch.location}" for ch in book.changes
    }
    return TestReport(book.meta.id, outcomes, rules, covered, hints)


# --------------------------------------------------------------------------- one test


def _merged(
    book: Rulebook, model_id: str | None, given: dict[str, float | None]
) -> dict[str, float | None]:
    # Given scores replace the named model's scores one benchmark at a time,
    # so a test can ask "this model, but with 55 on MLE-Bench".
    out: dict[str, float | None] = {}
    if model_id is not None and model_id in book.models:
        for b in book.benchmarks:
            ev = evidence_of(book.models[model_id], b)
            out[b] = ev.score if ev else None
    out.update(given)
    return out


def profile_of(book: Rulebook, given: Given, roles: list[str]) -> Profile:
    """The engine profile a test's ``given`` describes."""
    scores = _merged(book, given.model, given.scores) if given.scores else None
    base_scores = (
        _merged(book, given.baseline, given.baseline_scores) if given.baseline_scores else None
    )
    return Profile(
        model=given.model or GIVEN_MODEL,
        baseline=given.baseline,
        roles=roles,
        answers=dict(given.answers),
        scores=scores,
        baseline_scores=base_scores,
    )


def _run_one(book: Rulebook, test: RuleTest, covered: set[str], disabled: set[str]) -> TestOutcome:
    outcome = TestOutcome(test.id, book.where("test", test.id) or Location(book.files[0]))
    expect = [e for e in test.expect if e.rule not in disabled]
    outcome.skipped = list(dict.fromkeys(e.rule for e in test.expect if e.rule in disabled))
    roles = list(dict.fromkeys(e.role for e in expect))
    try:
        result = evaluate(book, profile_of(book, test.given, roles))
    except AdvisorError as exc:
        outcome.error = str(exc)
        return outcome
    for exp in expect:
        outcome.checks.extend(_check(book, result, exp, covered))
    return outcome


def _decisions(book: Rulebook, exp: Expect) -> tuple[CompiledTable | None, list[str | None], str]:
    """The table and stages an expectation is about, or a reason it cannot be checked."""
    stage_table = next(t for t in book.tables if t.scope == "stage")
    table = stage_table
    if exp.table is not None:
        table = next(t for t in book.tables if t.id == exp.table)
    if table.scope != "stage":
        if exp.stage is not None:
            return None, [], f"table {table.id!r} does not run per stage; drop 'stage'"
        return table, [None], ""
    return table, ([exp.stage] if exp.stage else list(book.stages)), ""


def _check(book: Rulebook, result: Result, exp: Expect, covered: set[str]) -> list[Check]:
    table, stages, problem = _decisions(book, exp)
    if table is None:
        return [Check(f"{exp.role}, table {exp.table}", _expected(exp), problem, False)]
    out = []
    for stage in stages:
        role = exp.role if table.scope != "team" else None
        tr = next(
            (
                t
                for t in result.traces
                if t.table == table.id and t.role == role and t.stage == stage
            ),
            None,
        )
        what = " × ".join(x for x in (exp.role, stage) if x)
        if table.scope != "stage" or exp.table is not None:
            what += f", table {table.id}"
        if exp.assessed is not None and stage is not None:
            got = _assessed(result, exp.role, stage)
            if got != exp.assessed or not got:
                shown = "assessed" if got else "not assessed"
                out.append(Check(what, _expected(exp), shown, got == exp.assessed))
                continue
        if tr is None:  # the engine ran no such decision: nothing to compare with
            out.append(Check(what, _expected(exp), "no decision was made", False))
            continue
        covered.update(tr.chosen)
        fits = [
            rid
            for rid in tr.chosen
            if (exp.rule is None or rid == exp.rule)
            and (exp.autonomy is None or _autonomy(book, rid) == exp.autonomy)
        ]
        ok = bool(fits)
        involved = [r for r in (exp.rule, *tr.chosen) if r]
        out.append(
            Check(
                what,
                _expected(exp),
                _actual(book, tr),
                ok,
                [] if ok else _trace_lines(book, tr),
                list(dict.fromkeys(involved)),
            )
        )
    return out


def _assessed(result: Result, role: str, stage: str) -> bool:
    for r in result.roles:
        for st in r.stages:
            if r.role == role and st.stage == stage:
                return st.assessed
    return False


def _autonomy(book: Rulebook, rule_id: str) -> str | None:
    rule = book.rule(rule_id)
    return rule.spec.autonomy if rule else None


def _expected(exp: Expect) -> str:
    parts = []
    if exp.autonomy is not None:
        parts.append(f"autonomy {exp.autonomy}")
    if exp.rule is not None:
        parts.append(f"rule {exp.rule}")
    if exp.assessed is not None:
        parts.append("assessed" if exp.assessed else "not assessed")
    return ", ".join(parts) or "some rule to apply"


def _actual(book: Rulebook, tr: Trace) -> str:
    if not tr.chosen:
        return "no rule applies"
    words = []
    for rid in tr.chosen:
        level = _autonomy(book, rid)
        words.append(f"autonomy {level}, rule {rid}" if level else f"rule {rid}")
    return "; ".join(words)


def _trace_lines(book: Rulebook, tr: Trace) -> list[str]:
    where = " × ".join(x for x in (tr.role, tr.stage) if x)
    out = [
        f"trace: table {tr.table}{' for ' + where if where else ''} (hit policy {tr.hit_policy})"
    ]
    out.append("  matched: " + (", ".join(tr.matched) or "none"))
    for rid in tr.chosen:
        out.append(f"  chosen: {rid} ({book.where('rule', rid) or '?'})")
    for rid in tr.suppressed:
        out.append(f"  suppressed by hit policy: {rid}")
    for nm in tr.near_misses:
        out.append(f"  near miss: {nm.rule}: {nm}")
    for ch in tr.changes:
        out.append(f"  organisation change: {ch}")
    return out
