"""The benchmarks' one timing helper (imported by run_all.py and bench_em.py)."""

from __future__ import annotations

import time


def best_of(fn, repeat: int = 5, number: int = 1) -> float:
    """Best mean time per call (s) over `repeat` batches of `number` calls."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return min(times)
