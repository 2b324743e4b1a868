"""Allowed regions of one-dimensional scans: the pieces of a grid where a test statistic stays below a level.

Shared by the Wilks intervals of `scans` (Delta chi^2 <= level) and the Feldman-Cousins ones of `intervals`
(t_obs - c(theta) <= 0); numpy only, so the command line does not pay for scipy.
"""

from __future__ import annotations

import numpy as np


def allowed_pieces(x, dchi2, level: float) -> list[list[float]]:
    """Intervals [low, high] of a 1-D scan where Delta chi^2 <= level, edges linearly interpolated."""
    x, d = np.asarray(x, float), np.asarray(dchi2, float)
    ok = d <= level
    pieces, i = [], 0
    while i < x.size:
        if not ok[i]:
            i += 1
            continue
        j = i
        while j + 1 < x.size and ok[j + 1]:
            j += 1
        lo = x[i] if i == 0 else float(np.interp(level, [d[i], d[i - 1]], [x[i], x[i - 1]]))
        hi = x[j] if j == x.size - 1 else float(np.interp(level, [d[j], d[j + 1]], [x[j], x[j + 1]]))
        pieces.append([float(lo), float(hi)])
        i = j + 1
    return pieces
