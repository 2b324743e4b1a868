"""Input checks shared by the kernels: bad input raises a clear error instead of returning NaN."""

from __future__ import annotations

import numpy as np


class PhysicsInputError(ValueError):
    """An argument outside its physical domain (negative energy, NaN, out of the flux range, ...)."""


def as_finite_array(x, what: str) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise PhysicsInputError(f"{what} must be finite; got NaN or infinity")
    return arr


def as_nonnegative_array(x, what: str) -> np.ndarray:
    arr = as_finite_array(x, what)
    if np.any(arr < 0):
        raise PhysicsInputError(f"{what} must be >= 0; got minimum {arr.min():g}")
    return arr


def as_positive_array(x, what: str) -> np.ndarray:
    arr = as_finite_array(x, what)
    if np.any(arr <= 0):
        raise PhysicsInputError(f"{what} must be > 0; got minimum {arr.min():g}")
    return arr
