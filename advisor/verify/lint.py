"""Static analysis of a rulebook, exact rather than sampled: ``advisor rules lint``.

The checks live by concern in :mod:`advisor.verify.tables` (the decision tables),
:mod:`advisor.verify.texts` (rule texts) and here (vocabulary, sources and changes);
:mod:`advisor.verify.findings` holds what they report.

For every table, and for every role × stage the table reads, each numeric
input is split at every boundary any rule uses; the linter then evaluates
one point inside every cell and every boundary point itself (plus a missing
value where one can occur), so every region of the input space is checked
and nothing is left to random sampling.

Evaluation uses bit sets: each candidate rule of a role × stage group is one
bit, each point of an input carries the set of rules whose cell accepts it,
and the rules that apply at a grid point are the AND of those sets. A region
where the AND is empty is a gap for every value of the inputs not yet fixed,
so it is reported once and not walked further.

Findings: gaps, overlaps under ``unique``, shadowed and unreachable rules,
autonomy that falls as a benchmark score rises, cells outside an input's
domain, values a closed input never takes, unused roles/stages/benchmarks,
rule texts naming variables that do not exist, rules citing no source (but
for a line that only says a score is missing: there is nothing to cite), and
the rules an organisation rulebook overrode or disabled.
"""

from __future__ import annotations

from advisor.load.resources import is_builtin
from advisor.load.rulebook import CompiledRule, Rulebook
from advisor.model.location import Location
from advisor.verify.findings import SEVERITIES, Finding, LintReport
from advisor.verify.tables import TableCheck, check_cells
from advisor.verify.texts import check_texts


def lint(book: Rulebook) -> LintReport:
    """Check a loaded rulebook.

    Args:
        book: A rulebook from :func:`advisor.load.rulebook.load_rulebook`.

    Returns:
        The findings, sorted by severity, then location.
    """
    out: list[Finding] = []
    for table in book.tables:
        TableCheck(book, table, out).run()
    check_cells(book, out)
    looked_up = check_texts(book, out)
    _check_unused(book, out, looked_up)
    for rule in book.rules():
        if not rule.spec.sources and not _states_an_absence(rule):
            out.append(
                Finding(
                    "warning",
                    "no-source",
                    f"rule {rule.id!r} cites no source; add 'sources:' so readers can check it",
                    (rule.location,),
                    rule.table_id,
                    (rule.id,),
                )
            )
    for ch in book.changes:
        out.append(
            Finding(
                "info",
                ch.action,
                f"rule {ch.rule_id!r} is {ch.action} by this rulebook",
                (ch.location, ch.original),
                None,
                (ch.rule_id,),
            )
        )
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    out.sort(key=lambda f: (rank[f.severity], f.location, f.code, f.message))
    return LintReport(book.meta.id, out)


# --------------------------------------------------------------------------- vocabulary


def _check_unused(book: Rulebook, out: list[Finding], looked_up: set[str]) -> None:
    inputs = {name for t in book.tables for name in t.spec.inputs}
    named: dict[str, set[str]] = {"role": set(), "stage": set()}
    for rule in book.rules():
        for dim in named:
            t = rule.tests.get(dim)
            if t is not None:
                named[dim].update(t.ids)
    for dim, items in (("role", book.roles), ("stage", book.stages)):
        # A rulebook whose rules name no role at all treats roles alike on
        # purpose; one that names some but not this one has likely forgotten it.
        if dim not in inputs or not named[dim]:
            continue
        for ident in items:
            if ident not in named[dim]:
                out.append(
                    Finding(
                        "warning",
                        f"unused-{dim}",
                        f"no rule names {dim} {ident!r} while others are named; it only gets "
                        f"rules written for any {dim}",
                        (book.where(dim, ident) or Location(book.files[0]),),
                    )
                )
    used = set(inputs) | looked_up
    for m in book.metrics.values():
        used.update([m.benchmark] if m.benchmark else m.benchmarks)
    if book.evidence:
        _check_informs(book, out, "evidence" in inputs)
        # A benchmark that informs stages is read through the stage's evidence level;
        # one that informs none is reported by _check_informs.
        used.update(b for b, x in book.benchmarks.items() if "evidence" in inputs or not x.informs)
    for ident in book.benchmarks:
        if ident not in used:
            out.append(
                Finding(
                    "warning",
                    "unused-benchmark",
                    f"benchmark {ident!r} is read by no table, metric or rule text",
                    (book.where("benchmark", ident) or Location(book.files[0]),),
                )
            )


def _check_informs(book: Rulebook, out: list[Finding], read: bool) -> None:
    """The evidence model: every stage informed by some benchmark, every benchmark informing."""
    first = Location(book.files[0]) if book.files else Location("rulebook")
    informed = {st for b in book.benchmarks.values() for st in b.informs}
    for sid in book.stages:
        if sid not in informed:
            out.append(
                Finding(
                    "warning",
                    "uninformed-stage",
                    f"no benchmark informs stage {sid!r}: it is never assessed; add it to a "
                    "benchmark's 'informs'",
                    (book.where("stage", sid) or first,),
                )
            )
    # An organisation's rulebook is not told about the built-in rulebook's own choices,
    # which it cannot change where they are written (a built-in Terminal-Bench 1.0).
    extending = not all(is_builtin(Location(f)) for f in book.files)
    for b in book.benchmarks.values():
        where = book.where("benchmark", b.id)
        if extending and is_builtin(where):
            continue
        if not b.informs:
            out.append(
                Finding(
                    "info",
                    "informs-nothing",
                    f"benchmark {b.id!r} informs no stage: its scores are shown but decide "
                    "no stage advice",
                    (where or first,),
                )
            )
    if not read and informed:
        out.append(
            Finding(
                "warning",
                "evidence-unread",
                "benchmarks inform stages but the stage-advice table does not read 'evidence'",
                (first,),
            )
        )


def _states_an_absence(rule: CompiledRule) -> bool:
    """A summary line (no autonomy) that applies only when scores are missing ("There is
    no MLE-Bench score for X"): it rests on no source, and a guide lists none for it."""
    tests = list(rule.tests.values())
    return rule.spec.autonomy is None and bool(tests) and all(t.kind == "missing" for t in tests)


__all__ = ["Finding", "LintReport", "lint"]
