r"""Bounded minimisation of a function of one variable: Brent's method (golden-section search with parabolic
interpolation), in the form of Forsythe, Malcolm & Moler's `fmin` (Computer Methods for Mathematical
Computations, 1977; R. P. Brent, Algorithms for Minimization without Derivatives, 1973, ch. 5).

The library's two calibrations (the CsI proton-pulse mean, the CsI time origin) need one such minimisation each;
this module keeps scipy.optimize (~0.3 s to import) off the command line's path. It follows the same
tolerance rule as scipy.optimize.minimize_scalar(method="bounded"): stop when the bracket [a, b] around the best
point x satisfies |x - (a + b)/2| <= 2 tol - (b - a)/2 with tol = sqrt(eps) |x| + xatol/3
(tests/test_brent.py compares the two).
"""

from __future__ import annotations

import math

from .validation import finite_scalar, positive_int, positive_scalar

_SQRT_EPS = math.sqrt(2.2e-16)
_GOLDEN = 0.5 * (3.0 - math.sqrt(5.0))  # 0.381966: the golden-section fraction


def _value(func, x: float) -> float:
    f = float(func(x))
    if math.isnan(f):
        raise ValueError(f"minimize_bounded: the function is NaN at x = {x!r}")
    return f


def minimize_bounded(func, low: float, high: float, xatol: float = 1e-5, max_evaluations: int = 500) -> float:
    """The x in [low, high] that minimises func(x) (a local minimum: func should be unimodal on the interval),
    to an absolute accuracy of about xatol. Raises RuntimeError after `max_evaluations` evaluations."""
    a, b = finite_scalar(low, "low (lower bound)"), finite_scalar(high, "high (upper bound)")
    if not a < b:
        raise ValueError(f"minimize_bounded: the lower bound {a:g} must be below the upper bound {b:g}")
    xatol = positive_scalar(xatol, "xatol (absolute tolerance)")
    max_evaluations = positive_int(max_evaluations, "max_evaluations", minimum=2)
    # x: best point so far, w: second best, v: the previous w; d: the last step, e: the one before it
    x = w = v = a + _GOLDEN * (b - a)
    fx = fw = fv = _value(func, x)
    d = e = 0.0
    n_eval = 1
    while True:
        mid = 0.5 * (a + b)
        tol = _SQRT_EPS * abs(x) + xatol / 3.0
        if abs(x - mid) <= 2.0 * tol - 0.5 * (b - a):
            return float(x)
        if n_eval >= max_evaluations:
            raise RuntimeError(f"minimize_bounded: no convergence after {n_eval} evaluations (x = {x:g})")
        golden = True
        if abs(e) > tol:  # try the parabola through (x, fx), (w, fw), (v, fv)
            r = (x - w) * (fx - fv)
            q = (x - v) * (fx - fw)
            p = (x - v) * q - (x - w) * r
            q = 2.0 * (q - r)
            if q > 0.0:
                p = -p
            q = abs(q)
            e_prev, e = e, d
            if abs(p) < abs(0.5 * q * e_prev) and q * (a - x) < p < q * (b - x):
                golden = False
                d = p / q
                u = x + d
                if u - a < 2.0 * tol or b - u < 2.0 * tol:  # too near an end: step tol towards the middle
                    d = tol if mid >= x else -tol
        if golden:
            e = (a - x) if x >= mid else (b - x)
            d = _GOLDEN * e
        u = x + (1.0 if d >= 0 else -1.0) * max(abs(d), tol)  # never a step below tol
        fu = _value(func, u)
        n_eval += 1
        if fu <= fx:
            if u >= x:
                a = x
            else:
                b = x
            v, fv, w, fw, x, fx = w, fw, x, fx, u, fu
        else:
            if u < x:
                a = u
            else:
                b = u
            if fu <= fw or w == x:
                v, fv, w, fw = w, fw, u, fu
            elif fu <= fv or v == x or v == w:
                v, fv = u, fu
