"""`dataclass` for the project's own types: `dataclasses.dataclass` without the start-up cost of `frozen` and `eq`.

`dataclasses.dataclass(frozen=True)` compiles up to six methods from source text for every class (`__init__`,
`__repr__`, `__eq__`, `__hash__`, `__setattr__`, `__delattr__`) each time the program starts: 4 M instructions a
class, and an audit defines over thirty before it reads a line (bench/README.md, seventh session: a one-line audit
took 449 M instructions above the interpreter with them, 371 M with this decorator). This decorator takes the same
options (`frozen`, `eq`, `slots`) and makes a real dataclass (`fields`, `replace`, `asdict` and orjson work as
before), but only its `__init__` is generated: equality, hashing and repr are three functions written here once,
read from the bytecode cache like any other code.

Immutability is checked, not paid for on every run (the trust boundary `schema.check_imported` draws too):
- statically: the decorator is a `dataclass_transform`, so mypy rejects an assignment to a field of a frozen class,
  as it does for `dataclasses.dataclass(frozen=True)`;
- at run time under the debug switch `TRAJAUDIT_CHECK_FROZEN=1` (set for the whole test suite): a frozen class is
  then built frozen by `dataclasses`, and assigning to a field raises `dataclasses.FrozenInstanceError`.
Equality, hashing and repr are the functions below in both modes, so the tests exercise what a run uses.

They mean what the options they replace mean: with `eq`, two instances of the same class are equal when their
fields with `compare=True` are (another class: NotImplemented), a frozen class hashes the tuple of those fields and
a mutable one is unhashable; without `eq`, identity. `repr` shows the fields with `repr=True`. A `__repr__`, `__eq__`
or `__hash__` the class defines itself is kept, as `dataclasses` keeps it.
"""

from __future__ import annotations

import dataclasses
import os
from operator import attrgetter
from typing import Any, Callable, TypeVar, dataclass_transform, overload

CHECK_FROZEN_VARIABLE = "TRAJAUDIT_CHECK_FROZEN"
# read once, when this module is imported: every class of a process is built the same way
CHECK_FROZEN = os.environ.get(CHECK_FROZEN_VARIABLE, "") not in ("", "0")

T = TypeVar("T")


@overload
def dataclass(cls: type[T], /) -> type[T]: ...


@overload
def dataclass(*, frozen: bool = False, eq: bool = True, slots: bool = False) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def dataclass(cls: Any = None, /, *, frozen: bool = False, eq: bool = True, slots: bool = False) -> Any:
    """`dataclasses.dataclass(cls, frozen=frozen, eq=eq, slots=slots)`, built as the module docstring says."""

    def build(cls: Any) -> Any:
        own = dict(cls.__dict__)  # what the class defines itself is kept, as dataclasses keeps it
        # a class defining __eq__ alone gets __hash__ = None from Python: not a hash of its own
        own_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
        made = dataclasses.dataclass(cls, repr=False, eq=False, frozen=frozen and CHECK_FROZEN, slots=slots)
        fields = dataclasses.fields(made)
        made._shown = tuple(field.name for field in fields if field.repr)  # also tells a class built here
        if "__repr__" not in own:
            made.__repr__ = _repr
        if eq:
            made._compared = staticmethod(_getter(tuple(field.name for field in fields if field.compare)))
            if "__eq__" not in own:
                made.__eq__ = _eq
            if not own_hash:
                made.__hash__ = _hash if frozen else None
        return made

    return build if cls is None else build(cls)


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple of an instance's fields `names`, read in C (attrgetter gives a bare value for one name)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        get = attrgetter(names[0])
        return lambda instance: (get(instance),)
    return lambda instance: ()


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        compared = self._compared
        return compared(self) == compared(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(self._compared(self))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._shown)
    return f"{self.__class__.__qualname__}({shown})"


__all__ = ["CHECK_FROZEN_VARIABLE", "dataclass"]
