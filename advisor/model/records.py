"""Value classes that cost almost nothing to define: the records every command imports.

A dataclass compiles its ``__init__``, ``__repr__`` and ``__eq__`` from source
when its module is imported, about 0.4 ms a class on the machines advisor is
measured on; ``advisor guide`` imported twenty of them, some 8 ms of a
start-up whose target (issue 7) left 16 ms for all of advisor's own work.
The classes on that path derive from :class:`Record` instead: each lists its
fields in ``__slots__`` (base class first) and writes its ``__init__``, with
one parameter per field in that order, so that :meth:`Record.replace` and
copying can call it. This module gives them equality, ``repr``,
:meth:`Record.to_dict` and :meth:`Record.replace`, defined once. Modules off
that path (lint, batch, diff, ...) keep using dataclasses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # typing.Self is Python 3.11+; advisor supports 3.10
    from typing_extensions import Self


class Record:
    """A mutable record compared and shown by the value of its fields."""

    __slots__ = ()
    #: Field names in order, base classes first; set for each subclass.
    _fields: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names: list[str] = []
        for klass in reversed(cls.__mro__):
            slots = klass.__dict__.get("__slots__", ())
            names.extend([slots] if isinstance(slots, str) else slots)
        # A slot named with a leading underscore is private state (a memo), not a field.
        cls._fields = tuple(n for n in names if not n.startswith("_"))

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The names of the fields, in order."""
        return cls._fields

    def values(self) -> tuple[Any, ...]:
        """The values of the fields, in order."""
        return tuple([getattr(self, name) for name in self._fields])

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.values() == other.values()  # type: ignore[attr-defined]

    # Like a dataclass with eq and without frozen: equal by value, so not hashable.
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({shown})"

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # copy, deepcopy and pickle rebuild a record through its __init__ (whose
        # parameters are its fields, in order), which frozen records need.
        return type(self), self.values()

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain data: nested records as dicts, lists and dicts copied."""
        return {name: _plain(getattr(self, name)) for name in self._fields}

    def replace(self, **changes: Any) -> Self:
        """A copy with some fields changed (a shallow copy: the rest is shared)."""
        unknown = set(changes) - set(self._fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)[0]!r}")
        values = {name: getattr(self, name) for name in self._fields}
        values.update(changes)
        return type(self)(**values)


class FrozenRecord(Record):
    """An immutable record: hashable, and ordered by its values like a tuple."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: {type(self).__name__} is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: {type(self).__name__} is frozen")

    def __hash__(self) -> int:  # type: ignore[override]  # Record's is None
        return hash(self.values())

    def __lt__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.values() < other.values()  # type: ignore[attr-defined, no-any-return]

    def __le__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.values() <= other.values()  # type: ignore[attr-defined, no-any-return]

    def __gt__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.values() > other.values()  # type: ignore[attr-defined, no-any-return]

    def __ge__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.values() >= other.values()  # type: ignore[attr-defined, no-any-return]


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
