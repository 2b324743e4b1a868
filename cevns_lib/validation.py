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


def check_choice(value, choices, what: str):
    """`value` if it is one of `choices`, else a PhysicsInputError naming `what` and the choices."""
    if value not in tuple(choices):
        raise PhysicsInputError(f"unknown {what} {value!r}; choose from {list(choices)}")
    return value


def as_mass_grid(x, what: str, maximum: float | None = None, positive: bool = False) -> np.ndarray:
    """A 1-d array of masses (MeV): finite, >= 0 (> 0 if `positive`), and <= `maximum` (e.g. a kinematic reach)."""
    arr = np.atleast_1d(as_positive_array(x, what) if positive else as_nonnegative_array(x, what))
    if arr.ndim != 1 or arr.size == 0:
        raise PhysicsInputError(f"{what} must be a non-empty 1-d list of values")
    if maximum is not None and np.any(arr > maximum):
        raise PhysicsInputError(f"{what} {arr.max():g} MeV is above the kinematic reach {maximum:.4g} MeV "
                                "(no event can be produced)")
    return arr


def check_unique(values, what: str):
    """`values` if no entry repeats, else a PhysicsInputError naming `what`."""
    values = tuple(values)
    if len(set(values)) != len(values):
        raise PhysicsInputError(f"repeated entry in {what}: {list(values)}")
    return values


def as_scan_grid(x, what: str) -> np.ndarray:
    """A 1-D scan grid: non-empty, finite, strictly increasing; a PhysicsInputError naming `what` otherwise."""
    arr = as_finite_array(x, what)
    if arr.ndim != 1 or arr.size == 0:
        raise PhysicsInputError(f"{what} must be a non-empty 1-D grid; got shape {arr.shape}")
    if arr.size > 1 and np.any(np.diff(arr) <= 0):
        raise PhysicsInputError(f"{what} must be strictly increasing (sorted, no repeats)")
    return arr
