"""Compiled (numba) profiling kernels: the same minimisation as `profile`, parallel over blocks of hypotheses.
The numpy implementations in `profile` are the reference they are tested against.

* Poisson: damped Newton iterations (the chord method in between Hessian refreshes) on
  2 sum_i [mu_i - n_i + n_i ln(n_i/mu_i)] + sum_k p_k a_k^2, bins with events keeping mu_i > 0, until a step
  with a fresh Hessian is undamped and its Newton decrement is below `DECREMENT_TOL` (the same rule as `profile`).
* Gaussian: one K x K solve of the normal equations, the hypothesis-independent block precomputed.

Numba is imported, and the kernels compiled (or loaded from numba's on-disk cache), only when `profile_compiled`
is first called; `Likelihood.chi2_profiled` calls it only for batches above `COMPILED_FROM` hypotheses, so that
no small computation waits for a compiler. Numba caches next to this file or, where the package is read-only,
in its user-wide cache directory (set NUMBA_CACHE_DIR to choose another).
"""

from __future__ import annotations

import importlib.util

import numpy as np

AVAILABLE = importlib.util.find_spec("numba") is not None
#: batches of at least this many hypotheses take the compiled path under backend="auto" (benchmarks/: the numpy
#: path is as fast up to a few hundred hypotheses, and a first compilation costs ~10 s)
COMPILED_FROM = 2000
#: convergence: a fresh-Hessian, undamped Newton step with g.H^-1.g below this (chi^2 - min ~ half of it before
#: the step, ~its square after)
DECREMENT_TOL = 1e-9
_MOD = None


def _module():
    global _MOD
    if _MOD is None:
        from . import _compiled

        _MOD = _compiled
    return _MOD


def _f64(x):
    return np.ascontiguousarray(x, dtype=np.float64)


def profile_compiled(statistic, signal, es, factor, setup, max_iter: int = 500, newton_steps: int = 2,
                     refresh: int = 4, data=None, centre=None):
    """chi^2 (H,), nuisances (H, K) and iterations (H,) for signal hypotheses (H, 3, B) read in place.

    es: (H or 1, 3, B) or None; factor (3, B): the re-timing applied to signal and es; setup: the likelihood's
    `_ProfileSetup`. chi^2 is NaN for an invalid hypothesis (NaN, inf or a real negative count).
    data: None (the likelihood's data) or (1 or H, B) data sets; centre: None (priors centred at a = 0) or
    (1 or H, K) prior centres of the (merged) nuisances.
    """
    mod = _module()
    h, k = signal.shape[0], setup.fixed.shape[0]
    es = np.zeros((0,) + signal.shape[1:]) if es is None else es
    data = setup.data[None, :] if data is None else _f64(np.atleast_2d(data))
    cen = setup.offset[None, :] if centre is None else _f64(setup.offset[None, :] + np.atleast_2d(centre))
    chi2, a = np.empty(h), np.empty((h, k))
    common = (signal, es, factor, setup.rel, setup.es_rel, setup.js, setup.fixed)
    if statistic == "poisson":
        it = np.empty(h, dtype=np.int64)
        mod.poisson_profile(*common, setup.bkg, setup.keep, setup.es_keep, setup.offset, data, cen, setup.prec,
                            max_iter, DECREMENT_TOL, newton_steps, refresh, chi2, a, it)
    else:
        it = np.ones(h, dtype=np.int64)
        mod.gaussian_profile(*common, setup.wfixed, setup.ff, setup.bkg, setup.keep, setup.es_keep, setup.offset,
                             data, cen, setup.prec, setup.weights, chi2, a)
    return chi2, a, it
