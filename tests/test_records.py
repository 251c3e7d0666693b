"""Records: one set of msgspec structs, compared, hashed, ordered and shown by value."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import msgspec
import msgspec.structs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.evaluation.results import Caveat, ComparisonRow, Evidence, Profile
from advisor.load.rulebook import CompiledTable, RuleChange, load_rulebook, load_scores
from advisor.model import schema
from advisor.model.conditions import Interval
from advisor.model.conditions import Test as Cell
from advisor.model.location import Location


def evidence(**changes: object) -> Evidence:
    base = Evidence(
        "gpt-5.5", "mle-bench", 36.0, None, "full", "agent", "2026-01", "src", False, ["unverified"]
    )
    return msgspec.structs.replace(base, **changes)


def test_equality_is_by_value_and_type() -> None:
    assert evidence() == evidence()
    assert evidence() != evidence(score=37.0)
    assert Caveat("a", "b") != ("a", "b")
    assert Location("f", 1, 2) != Interval("f", 1, 2)  # type: ignore[arg-type]


def test_mutable_records_are_not_hashable_and_frozen_ones_are() -> None:
    with pytest.raises(TypeError):
        hash(evidence())
    assert len({Location("f", 1, 2), Location("f", 1, 2), Location("f", 2, 1)}) == 2
    t = Cell("< 30", "number", intervals=(Interval(float("-inf"), 30, True, False),))
    assert {t: 1}[Cell("< 30", "number", intervals=(Interval(float("-inf"), 30, True, False),))]


def test_frozen_records_refuse_changes() -> None:
    loc = Location("f", 1, 2)
    with pytest.raises(AttributeError):
        loc.line = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):
        loc.extra = 1  # type: ignore[attr-defined]
    spec = load_rulebook().roles["data-scientist"]
    with pytest.raises(AttributeError):
        spec.name = "x"  # type: ignore[misc]


def test_frozen_records_order_like_tuples_of_their_fields() -> None:
    locs = [Location("b"), Location("a", 3), Location("a", 1, 5), Location("a", 1, 2)]
    assert sorted(locs) == [
        Location("a", 1, 2),
        Location("a", 1, 5),
        Location("a", 3),
        Location("b"),
    ]
    assert Interval(0, 1) < Interval(0, 2) <= Interval(0, 2)
    with pytest.raises(TypeError):
        _ = Location("a") < Interval(0, 1)  # type: ignore[operator]


def test_repr_names_every_field() -> None:
    assert repr(Location("f", 1, 2)) == "Location(file='f', line=1, column=2)"
    assert repr(Caveat("stale", "old")) == "Caveat(kind='stale', text='old')"


def test_replace_makes_a_changed_copy_and_keeps_defaults_apart() -> None:
    p = Profile("gpt-5.5")
    q = msgspec.structs.replace(p, model="gpt-5.4", stages=["data-processing"])
    assert (p.model, p.stages, q.model, q.stages) == ("gpt-5.5", [], "gpt-5.4", ["data-processing"])
    assert Profile("x").roles is not Profile("x").roles  # no shared mutable default
    with pytest.raises(TypeError):
        msgspec.structs.replace(p, colour="red")


def test_records_copy_deepcopy_and_pickle() -> None:
    loc = Location("f", 1, 2)
    assert copy.copy(loc) == copy.deepcopy(loc) == pickle.loads(pickle.dumps(loc)) == loc
    p = Profile("gpt-5.5", roles=["mle"])
    deep = copy.deepcopy(p)
    assert deep == p and deep.roles is not p.roles


def test_the_engine_memo_of_a_table_is_not_a_field() -> None:
    table = CompiledTable(None, [], {}, Location("f"))  # type: ignore[arg-type]
    table._memo["index"] = {}
    assert "_memo" not in msgspec.structs.asdict(table)
    assert table == CompiledTable(None, [], {}, Location("f"))  # type: ignore[arg-type]


def test_to_dict_is_plain_data() -> None:
    assert evidence().to_dict() == {
        "model": "gpt-5.5",
        "benchmark": "mle-bench",
        "score": 36.0,
        "stderr": None,
        "split": "full",
        "agent": "agent",
        "date": "2026-01",
        "source": "src",
        "verified": False,
        "flags": ["unverified"],
        "notes": "",
    }
    row = ComparisonRow("mle-bench", 36.0, 23.0, 13.004, 56.5217, evidence(), None)
    data = row.to_dict()
    assert (data["delta_pp"], data["relative_gain_pct"]) == (13.0, 56.52)
    assert data["model_evidence"] == evidence().to_dict()
    change = RuleChange("r", "disabled", Location("a", 1, 2), Location("b"))
    assert change.to_dict() == {
        "rule_id": "r",
        "action": "disabled",
        "location": {"file": "a", "line": 1, "column": 2},
        "original": {"file": "b", "line": 0, "column": 0},
    }


def test_str_of_a_location() -> None:
    assert str(Location("f")) == "f"
    assert str(Location("f", 3, 9)) == "f:3:9"


SCORES = """\
models:
  - id: acme
    name: Acme
    baseline: gpt-5.4
    scores:
      - {benchmark: mle-bench, score: 40, date: "2026-01", source: s, verified: true}
"""


def test_models_after_a_scores_file_are_of_one_type(tmp_path: Path) -> None:
    f = tmp_path / "scores.yaml"
    f.write_text(SCORES)
    book = load_scores(load_rulebook(), f)
    assert {type(m) for m in book.models.values()} == {schema.Model}
    assert {type(s) for m in book.models.values() for s in m.scores} == {schema.Score}


@given(st.lists(st.tuples(st.text(max_size=3), st.integers(0, 5), st.integers(0, 5)), max_size=6))
def test_locations_sort_and_hash_like_their_tuples(items: list[tuple[str, int, int]]) -> None:
    locs = [Location(*t) for t in items]
    assert [(x.file, x.line, x.column) for x in sorted(locs)] == sorted(items)
    assert len(set(locs)) == len(set(items))
