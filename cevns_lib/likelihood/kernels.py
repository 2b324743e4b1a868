"""Compiled (numba) profiling kernels: the same minimisation as `profile`, one hypothesis per loop iteration,
parallel over hypotheses. The numpy implementations in `profile` are the reference they are tested against.

Each hypothesis h has templates A_k = F_k + S_hk (S only for the nuisances `js`), expected counts
mu = mu0_h + sum_k a_k A_k, and Gaussian priors of precision p_k on a_k.
* Poisson: damped Newton iterations on 2 sum_i [mu_i - n_i + n_i ln(n_i/mu_i)] + sum_k p_k a_k^2; bins with events
  keep mu_i > 0; a hypothesis stops when its step's expected chi^2 decrease is below tol x (1 + sum mu0).
* Gaussian: one K x K solve of the normal equations.
K x K systems are solved by a Jacobi-scaled Cholesky factorisation (they are symmetric positive definite: a sum of
outer products plus the priors and a 1e-12 ridge).
"""

from __future__ import annotations

import numpy as np

try:
    from numba import njit, prange

    AVAILABLE = True
except ImportError:  # pragma: no cover - numba is in requirements.txt; the numpy path stays usable without it
    AVAILABLE = False

_RIDGE = 1e-12
_TINY = 1e-300

if AVAILABLE:

    @njit(cache=True, fastmath=False)
    def _spd_solve(hm, rhs, out):
        """Solve hm x = rhs for a small symmetric positive-definite hm (overwritten), Jacobi-scaled Cholesky."""
        k = hm.shape[0]
        d = np.empty(k)
        for i in range(k):
            d[i] = np.sqrt(abs(hm[i, i])) + 1e-300
        for i in range(k):
            for j in range(k):
                hm[i, j] /= d[i] * d[j]
        # Cholesky in place (lower triangle)
        for j in range(k):
            s = hm[j, j]
            for m in range(j):
                s -= hm[j, m] * hm[j, m]
            if s <= 1e-14:
                s = 1e-14
            hm[j, j] = np.sqrt(s)
            for i in range(j + 1, k):
                t = hm[i, j]
                for m in range(j):
                    t -= hm[i, m] * hm[j, m]
                hm[i, j] = t / hm[j, j]
        y = np.empty(k)
        for i in range(k):
            t = rhs[i] / d[i]
            for m in range(i):
                t -= hm[i, m] * y[m]
            y[i] = t / hm[i, i]
        for i in range(k - 1, -1, -1):
            t = y[i]
            for m in range(i + 1, k):
                t -= hm[m, i] * out[m]
            out[i] = t / hm[i, i]
        for i in range(k):
            out[i] /= d[i]

    @njit(cache=True, fastmath=True)
    def _templates(sig_h, es_h, rel, es_rel, js, fixed, bkg, amat, mu0):
        """Fill amat (K, B) = F + S_h and mu0 (B,) = sum_f (s_f + es_f) + backgrounds for one hypothesis."""
        n_f, n_b = sig_h.shape
        amat[:, :] = fixed
        for i in range(n_b):
            t = bkg[i]
            for f in range(n_f):
                t += sig_h[f, i] + es_h[f, i]
            mu0[i] = t
        for s in range(js.shape[0]):
            row = js[s]
            for f in range(n_f):
                for i in range(n_b):
                    amat[row, i] += sig_h[f, i] * rel[s, f, i] + es_h[f, i] * es_rel[s, f, i]

    @njit(cache=True, fastmath=True)
    def _normal_matrix(amat, w, hm):
        """hm[p, q] = sum_i w_i A_pi A_qi (lower triangle and mirror); contiguous inner loops (SIMD)."""
        k, n_b = amat.shape
        for p in range(k):
            for q in range(p + 1):
                t = 0.0
                for i in range(n_b):
                    t += w[i] * amat[p, i] * amat[q, i]
                hm[p, q] = t
                hm[q, p] = t

    @njit(parallel=True, cache=True, fastmath=True)
    def poisson_profile(sig, es, rel, es_rel, js, fixed, bkg, data, precision, max_iter, tol, newton_steps,
                        out_chi2, out_a):
        n_h, n_f, n_b = sig.shape
        k = fixed.shape[0]
        for h in prange(n_h):
            amat = np.empty((k, n_b))
            mu = np.empty(n_b)
            _templates(sig[h], es[h % es.shape[0]], rel, es_rel, js, fixed, bkg, amat, mu)
            scale = 0.0
            for i in range(n_b):
                scale += abs(mu[i])
            scale = tol * (1.0 + scale)
            a = np.zeros(k)
            grad = np.empty(k)
            hsave = np.empty((k, k))
            work = np.empty((k, k))
            step = np.empty(k)
            dmu = np.empty(n_b)
            w = np.empty(n_b)
            v = np.empty(n_b)
            for it in range(max_iter):
                for i in range(n_b):
                    m = max(mu[i], _TINY)
                    r = data[i] / m
                    w[i] = 2.0 * r / m
                    v[i] = 2.0 * (1.0 - r)
                for p in range(k):
                    t = 0.0
                    for i in range(n_b):
                        t += amat[p, i] * v[i]
                    grad[p] = -(t + 2.0 * a[p] * precision[p])
                # Newton, then the chord method with a refresh every 6 steps, Newton again for slow hypotheses
                if it < newton_steps or (it - newton_steps) % 6 == 5 or it >= 12:
                    _normal_matrix(amat, w, hsave)
                    for p in range(k):
                        hsave[p, p] += 2.0 * (precision[p] + _RIDGE)
                work[:, :] = hsave
                _spd_solve(work, grad, step)  # step = -H^-1 g
                frac = 1.0
                for i in range(n_b):
                    t = 0.0
                    for p in range(k):
                        t += step[p] * amat[p, i]
                    dmu[i] = t
                    if t < 0.0 and data[i] > 0.0:
                        lim = 0.9 * (-mu[i] / t)
                        if lim < frac:
                            frac = lim
                dec = 0.0
                for p in range(k):
                    a[p] += frac * step[p]
                    dec += grad[p] * step[p]  # grad holds -g: dec = g.H^-1.g
                for i in range(n_b):
                    mu[i] += frac * dmu[i]
                if dec * frac < scale:
                    break
            chi2 = 0.0
            for i in range(n_b):
                n = data[i]
                if n > 0.0:
                    chi2 += 2.0 * (mu[i] - n + n * np.log(n / max(mu[i], _TINY)))
                else:
                    chi2 += 2.0 * mu[i]
            for p in range(k):
                chi2 += precision[p] * a[p] * a[p]
                out_a[h, p] = a[p]
            out_chi2[h] = chi2

    @njit(parallel=True, cache=True, fastmath=True)
    def gaussian_profile(sig, es, rel, es_rel, js, fixed, bkg, data, weights, precision, out_chi2, out_a):
        n_h, n_f, n_b = sig.shape
        k = fixed.shape[0]
        for h in prange(n_h):
            amat = np.empty((k, n_b))
            mu0 = np.empty(n_b)
            _templates(sig[h], es[h % es.shape[0]], rel, es_rel, js, fixed, bkg, amat, mu0)
            hm = np.empty((k, k))
            _normal_matrix(amat, weights, hm)
            rhs = np.zeros(k)
            for p in range(k):
                hm[p, p] += precision[p] + _RIDGE
                t = 0.0
                for i in range(n_b):
                    t += amat[p, i] * (data[i] - mu0[i]) * weights[i]
                rhs[p] = t
            a = np.empty(k)
            _spd_solve(hm, rhs, a)
            chi2 = 0.0
            for i in range(n_b):
                t = mu0[i] - data[i]
                for p in range(k):
                    t += a[p] * amat[p, i]
                chi2 += t * t * weights[i]
            for p in range(k):
                chi2 += precision[p] * a[p] * a[p]
                out_a[h, p] = a[p]
            out_chi2[h] = chi2


def _f64(x):
    return np.ascontiguousarray(x, dtype=np.float64)


def profile_compiled(statistic, signal, es, rel, es_rel, js, fixed, bkg, data, precision, variance=None,
                     max_iter: int = 500, tol: float = 1e-12, newton_steps: int = 2):
    """chi^2 and nuisances for signal hypotheses (H, 3, B); es (H or 1, 3, B) or None; rel, es_rel (Ks, 3, B)."""
    h, k = signal.shape[0], fixed.shape[0]
    if es is None:
        es = np.zeros((1,) + signal.shape[1:])
    chi2, a = np.empty(h), np.empty((h, k))
    args = (_f64(signal), _f64(es), _f64(rel), _f64(es_rel), np.asarray(js, dtype=np.int64), _f64(fixed),
            _f64(bkg), _f64(data))
    if statistic == "poisson":
        poisson_profile(*args, _f64(precision), max_iter, tol, newton_steps, chi2, a)
    else:
        gaussian_profile(*args, _f64(1.0 / np.asarray(variance, float)), _f64(precision), chi2, a)
    return chi2, a
