"""Run numpy work over blocks of rows on two threads.

numpy releases the GIL in its loops, so two threads keep both cores of a small server busy, and
a block of rows small enough for the cache makes each pass over a wide matrix cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

# Rows per block: large enough to amortise numpy's call overhead, small enough for the cache.
BLOCK = 65536
THREADS = 2


def each_block(n: int, work: Callable[[int, int], None], block: int = BLOCK) -> None:
    """Call ``work(lo, hi)`` for every block of rows [lo, hi) of ``n``; blocks must not overlap
    in what they write."""
    spans = [(lo, min(lo + block, n)) for lo in range(0, n, block)]
    if len(spans) <= 1:
        for lo, hi in spans:
            work(lo, hi)
        return
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(lambda span: work(*span), spans))
