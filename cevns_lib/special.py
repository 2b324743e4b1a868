r"""The few special functions the detector set-up needs, on numpy arrays, from the C library's `math` functions.

* `ndtr(x)` = Phi(x) = erfc(-x/sqrt2)/2, the standard normal CDF (accurate in relative terms in both tails:
  erfc has no cancellation);
* `log_ndtr(x)` = ln Phi(x): ln(erfc(-x/sqrt2)/2) for x <= 0, log1p(-erfc(x/sqrt2)/2) for x > 0, and below
  x = -30 (where erfc nears underflow) the asymptotic series
  ln Phi(x) = -x^2/2 - ln(-x) - ln(2 pi)/2 + ln(1 + sum_n (-1)^n (2n-1)!! / x^(2n))
  (Abramowitz & Stegun 26.2.12), whose first omitted term is below 1e-20 there;
* `gammaln(x)` = ln Gamma(x) for x > 0 (`math.lgamma`).

They replace scipy.special on the command line's path: importing scipy.special costs ~0.3 s, more than the whole
detector set-up. They agree with scipy.special to a few ulp (tests/test_special.py compares them).
"""

from __future__ import annotations

import math

import numpy as np

_ERFC = np.frompyfunc(math.erfc, 1, 1)
_LGAMMA = np.frompyfunc(math.lgamma, 1, 1)
_SQRT1_2 = math.sqrt(0.5)
_LN_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
#: below this x, log_ndtr uses the asymptotic series (erfc(-x/sqrt2) ~ 1e-197 there: still far from underflow)
LOG_NDTR_ASYMPTOTIC_BELOW = -30.0


def _apply(ufunc, x) -> np.ndarray:
    """A Python-scalar function applied element-wise, as a float array of x's shape (a 0-d array for a scalar)."""
    x = np.asarray(x, dtype=float)
    return np.asarray(ufunc(x), dtype=float).reshape(x.shape)


def ndtr(x) -> np.ndarray:
    """Standard normal CDF Phi(x) = erfc(-x/sqrt2)/2."""
    return 0.5 * _apply(_ERFC, -_SQRT1_2 * np.asarray(x, dtype=float))


def log_ndtr(x) -> np.ndarray:
    """ln Phi(x), accurate in both tails (see the module docstring)."""
    x = np.asarray(x, dtype=float)
    out = np.empty(x.shape)
    pos = x > 0
    deep = x < LOG_NDTR_ASYMPTOTIC_BELOW
    mid = ~pos & ~deep
    out[pos] = np.log1p(-0.5 * _apply(_ERFC, _SQRT1_2 * x[pos]))
    out[mid] = np.log(0.5 * _apply(_ERFC, -_SQRT1_2 * x[mid]))
    if deep.any():
        xd = x[deep]
        inv2 = 1.0 / (xd * xd)
        series, term = np.ones_like(xd), np.ones_like(xd)
        for n in range(1, 11):
            term = -term * (2 * n - 1) * inv2
            series += term
        out[deep] = -0.5 * xd * xd - np.log(-xd) - _LN_SQRT_2PI + np.log(series)
    return out


def gammaln(x) -> np.ndarray:
    """ln Gamma(x) for x > 0 (raises ValueError naming x otherwise)."""
    x = np.asarray(x, dtype=float)
    if not np.all(x > 0):
        raise ValueError(f"gammaln: x must be > 0 (and finite), got min {np.min(x) if x.size else x!r}")
    return _apply(_LGAMMA, x)
