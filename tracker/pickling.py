"""Pickling frozen dataclasses quickly: the plan cache and the UI's snapshot read back many.

Kept apart, with nothing but the standard library, because the pytest plugin's result
classes use it and the plugin must stay light in every test process.
"""

from __future__ import annotations

import dataclasses
from operator import attrgetter
from typing import TypeVar

T = TypeVar("T", bound=type)


def pickled_by_fields(cls: T) -> T:
    """Pickle instances of a frozen, slotted dataclass as the class called with its fields.

    The plan cache (tracker.plan.cache) reads back tens of thousands of model objects at
    every start; the ``__setstate__`` dataclasses gives such classes walks ``fields()`` for
    each object, which costs more than the rest of the unpickling. Every field must be an
    ``__init__`` argument, in order.
    """
    names = tuple(f.name for f in dataclasses.fields(cls))
    assert all(f.init for f in dataclasses.fields(cls)), cls
    values = attrgetter(*names)
    if len(names) == 1:
        def reduce(self: object) -> tuple[type, tuple[object, ...]]:
            return type(self), (values(self),)
    else:
        def reduce(self: object) -> tuple[type, tuple[object, ...]]:
            return type(self), values(self)
    cls.__reduce__ = reduce  # type: ignore[assignment]
    return cls
