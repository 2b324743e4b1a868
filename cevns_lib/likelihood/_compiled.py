"""The numba kernels behind `kernels` (imported, and compiled or loaded from numba's cache, on first use only).

Each hypothesis h has templates A_k = F_k + S_hk (S only for the nuisances `js`, S_hk = sum_f s_hf r_kf),
expected counts mu = mu0_h + sum_k a_k A_k, and Gaussian priors of precision p_k on a_k. The kernels read the
caller's hypotheses in place: the exact re-timing factor (3, B) and the validity checks (finite, not negative
beyond round-off) are applied while a hypothesis is loaded, so no copy of the input is made. Hypotheses are
processed in blocks of `_BLOCK`, with one set of scratch arrays per block (constant memory, no allocation per
hypothesis), blocks in parallel.

fastmath without the no-NaN/no-inf assumptions, so that the validity checks survive optimisation.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_FM = {"nsz", "arcp", "contract", "afn", "reassoc"}
_RIDGE = 1e-12
_TINY = 1e-300
_BLOCK = 64
from ._compiled_constants import ROUNDOFF  # noqa: E402,F401


@njit(cache=True, fastmath=_FM)
def _load(sig_h, es_h, factor, has_es, sf, ef):
    """sf = sig_h * factor (and ef = es_h * factor); round-off negatives set to zero. False if invalid."""
    n_f, n_b = sf.shape
    total = 0.0
    for f in range(n_f):
        for i in range(n_b):
            x = sig_h[f, i] * factor[f, i]
            if not np.isfinite(x):
                return False
            sf[f, i] = x
            total += abs(x)
            if has_es:
                y = es_h[f, i] * factor[f, i]
                if not np.isfinite(y):
                    return False
                ef[f, i] = y
                total += abs(y)
    lim = -ROUNDOFF * total
    for f in range(n_f):
        for i in range(n_b):
            if sf[f, i] < 0.0:
                if sf[f, i] < lim:
                    return False
                sf[f, i] = 0.0
            if has_es and ef[f, i] < 0.0:
                if ef[f, i] < lim:
                    return False
                ef[f, i] = 0.0
    return True


@njit(cache=True, fastmath=_FM)
def _templates(sf, ef, has_es, rel, es_rel, js, fixed, bkg, keep, es_keep, amat, srows, base):
    """amat (K, B) = F + S_h, srows (Ks, B) = S_h, base (B,) = backgrounds + sum_f (keep_f s_f + es_keep_f es_f):
    the expected counts at a = offset (the signal share carried by the normalisation parameter taken out)."""
    n_f, n_b = sf.shape
    amat[:, :] = fixed
    for i in range(n_b):
        t = bkg[i]
        for f in range(n_f):
            t += sf[f, i] * keep[f, i]
            if has_es:
                t += ef[f, i] * es_keep[f, i]
        base[i] = t
    for s in range(js.shape[0]):
        for i in range(n_b):
            t = 0.0
            for f in range(n_f):
                t += sf[f, i] * rel[s, f, i]
                if has_es:
                    t += ef[f, i] * es_rel[s, f, i]
            srows[s, i] = t
            amat[js[s], i] += t


@njit(cache=True, fastmath=_FM)
def _start_scale(base, sig, data):
    """Starting value of the normalisation parameter c = 1 + a: 1, or, for a hypothesis that predicts more events
    than observed, the factor that brings its total near the data (a far hypothesis then converges in a few
    steps instead of many damped ones; the minimum is the same, the problem being convex)."""
    n_obs = 0.0
    n_base = 0.0
    n_sig = 0.0
    for i in range(base.shape[0]):
        n_obs += data[i]
        n_base += base[i]
        n_sig += sig[i]
    if n_sig <= 0.0 or n_base + n_sig <= n_obs:
        return 1.0
    return min(1.0, max(n_obs - n_base, 0.05 * n_obs) / n_sig)


@njit(cache=True, fastmath=_FM)
def _cholesky(hm, d):
    """Jacobi-scaled Cholesky factor of a small SPD matrix, in place (lower triangle); d gets the scales."""
    k = hm.shape[0]
    for i in range(k):
        d[i] = np.sqrt(abs(hm[i, i])) + 1e-300
    for i in range(k):
        for j in range(i + 1):
            hm[i, j] /= d[i] * d[j]
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


@njit(cache=True, fastmath=_FM)
def _cho_solve(lo, d, rhs, y, out):
    k = lo.shape[0]
    for i in range(k):
        t = rhs[i] / d[i]
        for m in range(i):
            t -= lo[i, m] * y[m]
        y[i] = t / lo[i, i]
    for i in range(k - 1, -1, -1):
        t = y[i]
        for m in range(i + 1, k):
            t -= lo[m, i] * out[m]
        out[i] = t / lo[i, i]
    for i in range(k):
        out[i] /= d[i]


@njit(parallel=True, cache=True, fastmath=_FM)
def poisson_profile(sig, es, factor, rel, es_rel, js, fixed, bkg, keep, es_keep, offset, data_sets, centres,
                    precision, max_iter, dec_tol, newton_steps, refresh, out_chi2, out_a, out_iter):
    """Damped Newton (the first `newton_steps` iterations, after a damped step, every `refresh`-th and from the
    12th on), the chord method (the last Hessian kept) in between.

    Converged when a Newton step with a freshly computed Hessian is undamped and its decrement
    g.H^-1.g is below dec_tol (then chi^2 - min chi^2 ~ dec/2 before that step, far less after it).
    out_chi2 = NaN marks an invalid hypothesis, out_iter = -1 one that did not converge in max_iter.
    data_sets (n_d, B) and centres (n_c, K) (the prior centres in c = a + offset): hypothesis h reads row
    h % n_d and h % n_c (one observed data set, or one toy experiment per hypothesis).
    """
    n_h, n_f, n_b = sig.shape
    k = fixed.shape[0]
    ks = js.shape[0]
    has_es = es.shape[0] > 0
    n_blk = (n_h + _BLOCK - 1) // _BLOCK
    for blk in prange(n_blk):
        sf = np.empty((n_f, n_b))
        ef = np.empty((n_f, n_b))
        amat = np.empty((k, n_b))
        wa = np.empty((k, n_b))
        srows = np.empty((max(ks, 1), n_b))
        mu = np.empty(n_b)
        base = np.empty(n_b)
        dmu = np.empty(n_b)
        w = np.empty(n_b)
        v = np.empty(n_b)
        a = np.empty(k)
        grad = np.empty(k)
        step = np.empty(k)
        y = np.empty(k)
        dsc = np.empty(k)
        lo = np.empty((k, k))
        for h in range(blk * _BLOCK, min(n_h, (blk + 1) * _BLOCK)):
            es_h = es[h % es.shape[0]] if has_es else sf
            data = data_sets[h % data_sets.shape[0]]
            cen = centres[h % centres.shape[0]]
            if not _load(sig[h], es_h, factor, has_es, sf, ef):
                out_chi2[h] = np.nan
                for p in range(k):
                    out_a[h, p] = np.nan
                out_iter[h] = 0
                continue
            _templates(sf, ef, has_es, rel, es_rel, js, fixed, bkg, keep, es_keep, amat, srows, base)
            for p in range(k):
                a[p] = offset[p]
                if offset[p] == 1.0:
                    a[p] = _start_scale(base, amat[p], data)
            for i in range(n_b):
                t = base[i]
                for p in range(k):
                    t += a[p] * amat[p, i]
                mu[i] = t
            confirm = False
            damped = False
            n_it = -1
            for it in range(max_iter):
                for i in range(n_b):
                    inv = 1.0 / max(mu[i], _TINY)
                    r = data[i] * inv
                    w[i] = 2.0 * r * inv
                    v[i] = 2.0 * (1.0 - r)
                for p in range(k):
                    t = 0.0
                    for i in range(n_b):
                        t += amat[p, i] * v[i]
                    grad[p] = -(t + 2.0 * (a[p] - cen[p]) * precision[p])
                fresh = (it < newton_steps or confirm or damped or it >= 12
                         or (it - newton_steps) % refresh == refresh - 1)
                if fresh:
                    for p in range(k):
                        for i in range(n_b):
                            wa[p, i] = w[i] * amat[p, i]
                    for p in range(k):
                        for q in range(p + 1):
                            t = 0.0
                            for i in range(n_b):
                                t += wa[p, i] * amat[q, i]
                            lo[p, q] = t
                        lo[p, p] += 2.0 * (precision[p] + _RIDGE)
                    _cholesky(lo, dsc)
                _cho_solve(lo, dsc, grad, y, step)  # step = -H^-1 g
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
                for i in range(n_b):  # directly, not incrementally: no round-off carried from large early mu
                    t = base[i]
                    for p in range(k):
                        t += a[p] * amat[p, i]
                    mu[i] = t
                damped = frac < 1.0
                if dec < dec_tol:
                    if fresh and frac == 1.0:
                        n_it = it + 1
                        break
                    confirm = True
                else:
                    confirm = False
            chi2 = 0.0
            for i in range(n_b):
                n = data[i]
                if n > 0.0:
                    chi2 += 2.0 * (mu[i] - n + n * np.log(n / max(mu[i], _TINY)))
                else:
                    chi2 += 2.0 * mu[i]
            for p in range(k):
                d = a[p] - cen[p]
                chi2 += precision[p] * d * d
                out_a[h, p] = a[p] - offset[p]
            out_chi2[h] = chi2
            out_iter[h] = n_it


@njit(parallel=True, cache=True, fastmath=_FM)
def gaussian_profile(sig, es, factor, rel, es_rel, js, fixed, wfixed, ff, bkg, keep, es_keep, offset, data_sets,
                     centres, precision, weights, out_chi2, out_a):
    """One K x K solve per hypothesis; the hypothesis-independent block ff = F W F^T + priors is precomputed,
    and wfixed = W F. In c = a + offset, with prior centres m (in c): (A W A^T + P) c = A W (n - base) + P m;
    chi^2 evaluated directly. data_sets, centres as in `poisson_profile`."""
    n_h, n_f, n_b = sig.shape
    k = fixed.shape[0]
    ks = js.shape[0]
    has_es = es.shape[0] > 0
    n_blk = (n_h + _BLOCK - 1) // _BLOCK
    for blk in prange(n_blk):
        sf = np.empty((n_f, n_b))
        ef = np.empty((n_f, n_b))
        amat = np.empty((k, n_b))
        srows = np.empty((max(ks, 1), n_b))
        mu0 = np.empty(n_b)
        r = np.empty(n_b)
        dev = np.empty(n_b)
        swf = np.empty((max(ks, 1), k))
        hm = np.empty((k, k))
        rhs = np.empty(k)
        a = np.empty(k)
        y = np.empty(k)
        dsc = np.empty(k)
        for h in range(blk * _BLOCK, min(n_h, (blk + 1) * _BLOCK)):
            es_h = es[h % es.shape[0]] if has_es else sf
            data = data_sets[h % data_sets.shape[0]]
            cen = centres[h % centres.shape[0]]
            if not _load(sig[h], es_h, factor, has_es, sf, ef):
                out_chi2[h] = np.nan
                for p in range(k):
                    out_a[h, p] = np.nan
                continue
            _templates(sf, ef, has_es, rel, es_rel, js, fixed, bkg, keep, es_keep, amat, srows, mu0)
            for i in range(n_b):
                r[i] = data[i] - mu0[i]
            for p in range(k):
                t = precision[p] * cen[p]
                for i in range(n_b):
                    t += wfixed[p, i] * r[i]
                rhs[p] = t
                for q in range(p + 1):
                    hm[p, q] = ff[p, q]
            for s in range(ks):
                t = 0.0
                for i in range(n_b):
                    t += srows[s, i] * weights[i] * r[i]
                rhs[js[s]] += t
                for q in range(k):
                    t = 0.0
                    for i in range(n_b):
                        t += srows[s, i] * wfixed[q, i]
                    swf[s, q] = t
            for s in range(ks):
                p = js[s]
                for q in range(k):
                    if q <= p:
                        hm[p, q] += swf[s, q]
                    else:
                        hm[q, p] += swf[s, q]
                hm[p, p] += swf[s, p]  # the diagonal gets both cross terms
                for t2 in range(s + 1):
                    q = js[t2]
                    t = 0.0
                    for i in range(n_b):
                        t += srows[s, i] * weights[i] * srows[t2, i]
                    if q <= p:
                        hm[p, q] += t
                    else:
                        hm[q, p] += t
            _cholesky(hm, dsc)
            _cho_solve(hm, dsc, rhs, y, a)
            chi2 = 0.0
            for i in range(n_b):
                dev[i] = r[i]
            for p in range(k):
                for i in range(n_b):
                    dev[i] -= a[p] * amat[p, i]
                d = a[p] - cen[p]
                chi2 += precision[p] * d * d
                out_a[h, p] = a[p] - offset[p]
            for i in range(n_b):
                chi2 += weights[i] * dev[i] * dev[i]
            out_chi2[h] = chi2
