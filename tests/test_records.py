"""Records: the value classes of the guide path behave like the dataclasses they replaced."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.errors import Location
from advisor.evaluation.engine import Caveat, Evidence, Profile
from advisor.load.rulebook import CompiledTable
from advisor.model.conditions import Interval
from advisor.model.conditions import Test as Cell
from advisor.model.records import FrozenRecord, Record


def evidence(**changes: object) -> Evidence:
    base = Evidence(
        "gpt-5.5", "mle-bench", 36.0, None, "full", "agent", "2026-01", "src", False, ["unverified"]
    )
    return base.replace(**changes)


def test_fields_come_from_slots_in_order() -> None:
    assert Location.field_names() == ("file", "line", "column")
    assert Profile.field_names()[:3] == ("model", "baseline", "roles")
    # A private slot (the engine's memo) is state, not a field.
    assert "_memo" not in CompiledTable.field_names()


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
    with pytest.raises(AttributeError, match="frozen"):
        loc.line = 3  # type: ignore[misc]
    with pytest.raises(AttributeError, match="frozen"):
        del loc.file  # type: ignore[misc]
    with pytest.raises(AttributeError):
        loc.extra = 1  # type: ignore[attr-defined]


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
    q = p.replace(model="gpt-5.4", stages=["data-processing"])
    assert (p.model, p.stages, q.model, q.stages) == ("gpt-5.5", [], "gpt-5.4", ["data-processing"])
    assert Profile("x").roles is not Profile("x").roles  # no shared mutable default
    with pytest.raises(TypeError, match="no field 'colour'"):
        p.replace(colour="red")
    assert Location("f", 1).replace(column=4) == Location("f", 1, 4)


def test_records_copy_deepcopy_and_pickle() -> None:
    import copy
    import pickle

    loc = Location("f", 1, 2)
    assert copy.copy(loc) == copy.deepcopy(loc) == pickle.loads(pickle.dumps(loc)) == loc
    p = Profile("gpt-5.5", roles=["mle"])
    deep = copy.deepcopy(p)
    assert deep == p and deep.roles is not p.roles
    table = CompiledTable(None, [], {}, loc)  # type: ignore[arg-type]
    table._memo["index"] = {}
    assert copy.copy(table) == table and copy.copy(table)._memo == {}  # a memo is not copied


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
    t = Cell("< 30", "number", intervals=(Interval(0, 30),))
    assert t.to_dict()["intervals"] == [{"lo": 0, "hi": 30, "lo_closed": True, "hi_closed": True}]


def test_a_subclass_extends_its_base_fields() -> None:
    class Point(FrozenRecord):
        __slots__ = ("x", "y")

        def __init__(self, x: int, y: int) -> None:
            object.__setattr__(self, "x", x)
            object.__setattr__(self, "y", y)

    class Named(Point):
        __slots__ = "name"

        def __init__(self, x: int, y: int, name: str) -> None:
            super().__init__(x, y)
            object.__setattr__(self, "name", name)

    assert Named.field_names() == ("x", "y", "name")
    assert Named(1, 2, "a").replace(name="b") == Named(1, 2, "b")
    assert issubclass(Named, Record)


# --------------------------------------------------------------------------- against dataclasses


@dataclasses.dataclass(frozen=True, order=True)
class RefLocation:
    """What errors.Location was: the reference the record must behave like."""

    file: str
    line: int = 0
    column: int = 0


@dataclasses.dataclass
class RefCaveat:
    kind: str
    text: str


locations = st.builds(
    Location, st.sampled_from(["a.yaml", "b.yaml"]), st.integers(0, 3), st.integers(0, 3)
)


@given(locations, locations)
def test_location_compares_hashes_and_shows_like_the_frozen_dataclass(
    a: Location, b: Location
) -> None:
    ra, rb = RefLocation(*a.values()), RefLocation(*b.values())
    assert (a == b, a != b, a < b, a <= b, a > b, a >= b) == (
        ra == rb,
        ra != rb,
        ra < rb,
        ra <= rb,
        ra > rb,
        ra >= rb,
    )
    assert hash(a) == hash(ra) and (a != b or hash(a) == hash(b))
    assert repr(a).replace("Location", "RefLocation") == repr(ra)
    assert a.to_dict() == dataclasses.asdict(ra)
    assert sorted([a, b]) == [Location(*r.__dict__.values()) for r in sorted([ra, rb])]
    assert copy.deepcopy(a) == a and pickle.loads(pickle.dumps(a)) == a


@given(st.text(max_size=5), st.text(max_size=5), st.text(max_size=5))
def test_a_mutable_record_behaves_like_the_dataclass(kind: str, text: str, other: str) -> None:
    c, r = Caveat(kind, text), RefCaveat(kind, text)
    assert c.to_dict() == dataclasses.asdict(r)
    assert repr(c).replace("Caveat", "RefCaveat") == repr(r)
    assert (c == Caveat(kind, other)) == (r == RefCaveat(kind, other))
    c.text, r.text = other, other  # mutable, like the dataclass
    assert c.to_dict() == dataclasses.asdict(r)
    assert c.replace(kind="x").to_dict() == dataclasses.asdict(dataclasses.replace(r, kind="x"))
    for value in (c, r):
        with pytest.raises(TypeError):
            hash(value)
