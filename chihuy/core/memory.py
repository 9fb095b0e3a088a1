"""Python's cycle collector paused around work that allocates many objects and forms no reference cycle.

A batch of check-ins, a thousand F0's hits or a 20,000-node graph allocate hundreds of thousands of tuples, lists
and dicts; each generation-0 collection they trigger walks them, and a full collection walks the whole heap (in a
worker holding a large request, tens of milliseconds at random moments). Reference counting still frees everything:
only cycles wait for the collector, and the work wrapped here makes none.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_gc_paused() -> Iterator[None]:
    """A context manager (or decorator) that turns the cycle collector off and restores it as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
