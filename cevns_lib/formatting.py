"""Text for results that a page or the command line shows: never a raw ``nan`` or ``inf``.

A profile that does not close inside its scan range has a NaN edge (``fits.read_profile``); a model that the
data do not bound within the coupling grid has a NaN bound (``scans.coupling_bound``). These helpers turn such
values into words ("open", "no bound at 2 sigma") and everything else into the requested number format.
"""
from __future__ import annotations

import math

OPEN = "open"
NO_BOUND = "no bound at 2σ"


def _is_missing(value) -> bool:
    if isinstance(value, (str, bytes)):
        raise TypeError(f"value must be a number or None, got {value!r}")
    try:
        return value is None or not math.isfinite(float(value))
    except (TypeError, ValueError):
        raise TypeError(f"value must be a number or None, got {value!r}") from None


def number(value, fmt: str = ".3g", missing: str = OPEN) -> str:
    """``format(value, fmt)``, or ``missing`` for None, NaN or ±inf."""
    return missing if _is_missing(value) else format(float(value), fmt)


def bound(value, fmt: str = ".3g", missing: str = NO_BOUND) -> str:
    """An upper bound; ``missing`` ("no bound at 2σ") where the scan found none (NaN or inf)."""
    return number(value, fmt, missing)


def interval(lo, hi, fmt: str = ".3g", unit: str = "") -> str:
    """``[lo, hi]`` with an open edge written "open"; ``< hi`` or ``> lo`` when one edge is open."""
    unit = f" {unit}" if unit else ""
    lo_missing, hi_missing = _is_missing(lo), _is_missing(hi)
    if lo_missing and hi_missing:
        return f"{OPEN} on both sides"
    if lo_missing:
        return f"< {format(float(hi), fmt)}{unit} (open below)"
    if hi_missing:
        return f"> {format(float(lo), fmt)}{unit} (open above)"
    return f"[{format(float(lo), fmt)}, {format(float(hi), fmt)}]{unit}"


def asymmetric(best, minus, plus, fmt: str = ".3g", unit: str = "") -> str:
    """``best −minus +plus`` with an open side written "(open below)" / "(open above)"."""
    unit = f" {unit}" if unit else ""
    lo = "(open below)" if _is_missing(minus) else f"−{format(float(minus), fmt)}"
    hi = "(open above)" if _is_missing(plus) else f"+{format(float(plus), fmt)}"
    return f"{number(best, fmt)} {lo} {hi}{unit}"
