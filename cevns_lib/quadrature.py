"""Gauss-Legendre rules on [-1, 1], computed once per order (numpy's `leggauss` costs milliseconds per call)."""

from __future__ import annotations

import functools

import numpy as np


@functools.lru_cache(maxsize=64)
def gauss_legendre(order: int) -> tuple[np.ndarray, np.ndarray]:
    """(nodes, weights) of the `order`-point Gauss-Legendre rule on [-1, 1], read-only."""
    x, w = np.polynomial.legendre.leggauss(int(order))
    x.setflags(write=False)
    w.setflags(write=False)
    return x, w
