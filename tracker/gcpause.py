"""Building big acyclic structures without the cyclic garbage collector in the way."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Run a block that builds a large acyclic structure without cyclic garbage collection.

    Reading a plan (or gathering its evidence) makes tens of thousands of objects that hold no
    cycles: every collection pass on the way finds nothing to free, yet walks the whole growing
    heap, which costs more than the reading itself. What outlives the block (the plan, the
    evidence) is long-lived: see _promote_survivors. Nested pauses are fine; only the
    outermost one switches collection back on.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            _promote_survivors()
            gc.enable()


def _promote_survivors() -> None:
    """Move every tracked object to the oldest generation, without a collection walking it.

    Where a plan or its evidence would end up anyway, after two more passes over all of it.
    Skipped when something else in the process froze objects on purpose (``gc.freeze``):
    unfreezing would undo that.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
