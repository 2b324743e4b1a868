"""Input checks shared by every public function: bad input raises a clear error naming the parameter.

Each check takes the value and `what`, the parameter's name as the user sees it (with its unit), and either returns
the value in a normalised form (a float array, a float, an int) or raises `PhysicsInputError` (a `ValueError`) whose
message starts with that name. Nothing here imports the rest of the package: every layer may use it.

Rejected everywhere: None, strings, booleans where a number goes, complex numbers (no silent drop of the
imaginary part), object arrays, NaN and infinities.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


class PhysicsInputError(ValueError):
    """An argument outside its physical domain (negative energy, NaN, out of the flux range, ...)."""


# --- arrays ----------------------------------------------------------------------------------------------------
def as_real_array(x, what: str) -> np.ndarray:
    """`x` as a float array; refuses None, strings, complex and non-numeric input (naming `what`)."""
    if x is None or isinstance(x, (str, bytes)):
        raise PhysicsInputError(f"{what} must be a number or an array of numbers, not {x!r}")
    if isinstance(x, dict):
        raise PhysicsInputError(f"{what} must be a number or an array of numbers, not a dict")
    try:
        raw = np.asarray(x)
    except (TypeError, ValueError) as err:  # ragged nested lists and the like
        raise PhysicsInputError(f"{what} must be a number or a regular array of numbers: {err}") from None
    if np.iscomplexobj(raw):
        raise PhysicsInputError(f"{what} must be real; got a complex value")
    if raw.dtype.kind not in "biuf":
        raise PhysicsInputError(f"{what} must be a number or an array of numbers, not {raw.dtype} data ({x!r:.60})")
    return raw.astype(float, copy=False)


def as_finite_array(x, what: str) -> np.ndarray:
    arr = as_real_array(x, what)
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


def as_array_in_open_interval(x, what: str, low: float, high: float) -> np.ndarray:
    """Finite values with low < x < high."""
    arr = as_finite_array(x, what)
    if np.any(arr <= low) or np.any(arr >= high):
        raise PhysicsInputError(f"{what} must lie in ({low:g}, {high:g}); got [{arr.min():g}, {arr.max():g}]")
    return arr


def increasing_edges(x, what: str, min_size: int = 2) -> np.ndarray:
    """A 1-d, finite, strictly increasing array of at least `min_size` values (bin edges, scan grids)."""
    arr = as_finite_array(x, what)
    if arr.ndim != 1 or arr.size < min_size:
        raise PhysicsInputError(f"{what} must be a 1-d array of at least {min_size} values; got shape {arr.shape}")
    if np.any(np.diff(arr) <= 0):
        raise PhysicsInputError(f"{what} must be strictly increasing; got {np.array2string(arr, threshold=8)}")
    return arr


def scan_grid(x, what: str, min_points: int = 3, low: float | None = None, high: float | None = None,
              inclusive_low: bool = False) -> np.ndarray:
    """A scan grid: strictly increasing, at least `min_points` points, inside (low, high) (or [low, ...))."""
    arr = increasing_edges(x, what, min_points)
    if low is not None and (arr[0] < low or (arr[0] == low and not inclusive_low)):
        bound = f">= {low:g}" if inclusive_low else f"> {low:g}"
        raise PhysicsInputError(f"{what} must be {bound}; got minimum {arr[0]:g}")
    if high is not None and arr[-1] >= high:
        raise PhysicsInputError(f"{what} must be < {high:g}; got maximum {arr[-1]:g}")
    return arr


# --- scalars ---------------------------------------------------------------------------------------------------
def finite_scalar(x, what: str) -> float:
    """A real, finite number (not a bool, a string or an array of several values)."""
    if isinstance(x, bool) or not isinstance(x, (numbers.Real, np.ndarray, np.generic)):
        if isinstance(x, numbers.Complex):
            raise PhysicsInputError(f"{what} must be real; got a complex value {x!r}")
        raise PhysicsInputError(f"{what} must be a number, not {x!r}")
    arr = as_real_array(x, what)
    if arr.size != 1:
        raise PhysicsInputError(f"{what} must be a single number; got an array of shape {arr.shape}")
    v = float(arr.reshape(()))
    if not math.isfinite(v):
        raise PhysicsInputError(f"{what} must be finite; got {v}")
    return v


def positive_scalar(x, what: str) -> float:
    v = finite_scalar(x, what)
    if v <= 0:
        raise PhysicsInputError(f"{what} must be > 0; got {v:g}")
    return v


def nonnegative_scalar(x, what: str) -> float:
    v = finite_scalar(x, what)
    if v < 0:
        raise PhysicsInputError(f"{what} must be >= 0; got {v:g}")
    return v


def scalar_in_range(x, what: str, low: float, high: float, open_interval: bool = False) -> float:
    """A finite number with low <= x <= high (or low < x < high with open_interval=True)."""
    v = finite_scalar(x, what)
    bad = (v <= low or v >= high) if open_interval else (v < low or v > high)
    if bad:
        lb, rb = ("(", ")") if open_interval else ("[", "]")
        raise PhysicsInputError(f"{what} must lie in {lb}{low:g}, {high:g}{rb}; got {v:g}")
    return v


def positive_int(x, what: str, minimum: int = 1) -> int:
    """An integer >= minimum (a float with an integer value is accepted; a bool is not)."""
    if isinstance(x, bool) or not isinstance(x, (numbers.Integral, float, np.floating)):
        raise PhysicsInputError(f"{what} must be an integer >= {minimum}, not {x!r}")
    if isinstance(x, (float, np.floating)) and not float(x).is_integer():
        raise PhysicsInputError(f"{what} must be an integer >= {minimum}, not {x!r}")
    n = int(x)
    if n < minimum:
        raise PhysicsInputError(f"{what} must be an integer >= {minimum}; got {n}")
    return n


def choice(x, what: str, choices) -> str:
    """One of `choices` (exact match), e.g. a configuration or a data set name."""
    choices = tuple(choices)
    if not isinstance(x, str) or x not in choices:
        raise PhysicsInputError(f"unknown {what} {x!r}; choose from {', '.join(map(str, choices))}")
    return x


def name_list(x, what: str, example: str) -> tuple:
    """A list or tuple of names; a bare string is refused (it would be read as a list of characters)."""
    if isinstance(x, str):
        raise PhysicsInputError(f"{what} must be a list of names, e.g. [{x!r}], not the string {x!r} "
                                f"(example: {example})")
    try:
        names = tuple(x)
    except TypeError:
        raise PhysicsInputError(f"{what} must be a list of names (example: {example}), not {x!r}") from None
    if not names:
        raise PhysicsInputError(f"{what} must name at least one parameter (example: {example})")
    return names


def known_keys(mapping, what: str, allowed) -> dict:
    """A dict whose keys are all in `allowed` (an unknown key would silently be ignored)."""
    if not isinstance(mapping, dict):
        raise PhysicsInputError(f"{what} must be a dict, not {type(mapping).__name__}")
    unknown = sorted(set(mapping) - set(allowed))
    if unknown:
        raise PhysicsInputError(f"{what}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")
    return mapping


# --- likelihood and rate-engine boundaries (called from the first lines of those methods) ----------------------
def check_chunk(chunk) -> int:
    """Hypotheses per profiling chunk: an integer >= 1."""
    return positive_int(chunk, "chunk (hypotheses per chunk)")


def check_signal_layout(signal, n_bins: int, bin_shape: tuple, n_flavours: int = 3, per_flavour=None,
                        what: str = "signal"):
    """Make the hypothesis axis of a likelihood's signal unambiguous; returns the signal (possibly with a new axis).

    Layouts: (B,) or (n_E, n_t): one flavour-summed hypothesis; (H, B) / (H, n_E, n_t): H flavour-summed
    hypotheses; (H, 3, B) / (H, 3, n_E, n_t): per flavour. A 2-d (3, B) or 3-d (3, n_E, n_t) input is ambiguous
    (one hypothesis per flavour, e.g. `engine(...).counts(model)`, or three flavour-summed hypotheses): it is
    refused unless `per_flavour` says which (True: one hypothesis per flavour; False: three hypotheses).
    """
    s = as_real_array(signal, what)
    if per_flavour not in (None, True, False):
        raise PhysicsInputError(f"per_flavour must be None, True or False, not {per_flavour!r}")
    core = s.ndim - (2 if s.ndim >= 2 and s.shape[-2:] == tuple(bin_shape) else 1)  # axes before the bins
    if core == 1 and s.shape[0] == n_flavours:
        if per_flavour is None:
            raise PhysicsInputError(
                f"{what} of shape {s.shape} is ambiguous: one hypothesis per flavour or {n_flavours} flavour-summed "
                f"hypotheses? Pass {what}[None] (or per_flavour=True) for one hypothesis with its {n_flavours} "
                f"flavours, or per_flavour=False for {n_flavours} hypotheses")
        if per_flavour:
            return s[None]
    elif per_flavour is True and core != 2:
        raise PhysicsInputError(f"per_flavour=True needs {what} of shape (H, {n_flavours}, {n_bins}) or "
                                f"({n_flavours}, {n_bins}); got {s.shape}")
    return s


def check_quadratic_parameters(x, n_params: int, nonnegative: bool = False) -> np.ndarray:
    """Parameter values of a quadratic form N(x): finite reals, last axis of length P; >= 0 when they are squares
    of couplings (x = g^2 or (g/M)^2: a negative value has no coupling)."""
    arr = as_finite_array(x, "parameter values x")
    if arr.shape[-1:] != (n_params,):
        raise PhysicsInputError(f"parameter values x: expected {n_params} value(s) in the last axis, "
                                f"got shape {arr.shape}")
    if nonnegative and np.any(arr < 0):
        raise PhysicsInputError(f"parameter values x are squared couplings (g^2 or (g/M)^2) and must be >= 0; "
                                f"got minimum {arr.min():g}")
    return arr


def check_model(model, what: str = "model"):
    """A model object (StandardModel or a subclass), not a name: names go through `cevns_lib.models.model`."""
    if isinstance(model, str):
        raise PhysicsInputError(f"{what} must be a model object, not the name {model!r}; build it with "
                                f"cevns_lib.models.model({model!r}, mass_mev=..., coupling=...) or cevns_lib.model")
    if not (hasattr(model, "amplitude_terms") and hasattr(model, "coefficients")):
        raise PhysicsInputError(f"{what} must be a StandardModel (or a subclass), not {type(model).__name__}")
    return model
