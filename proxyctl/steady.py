"""Measuring on time in a process with a large heap.

CPython's cyclic garbage collector now and then makes a full pass over every tracked
object, and holds every thread while it does: about a microsecond per object on a small
machine, so 0.1-0.5 s in a process holding a few hundred thousand of them. A probe due
during that pass starts late, and a connection timed across it looks slow.
`steady_collector` collects once before the measurement starts, then freezes what
survives (`gc.freeze`), so that a pass during the measurement scans only what was
allocated since. The frozen objects are handed back to the collector at the end.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def steady_collector() -> Iterator[None]:
    """Collect now, freeze the survivors for the block, and unfreeze them after it.
    Nested blocks are fine: only the outermost one unfreezes."""
    outer = gc.get_freeze_count() == 0
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        if outer:
            gc.unfreeze()
