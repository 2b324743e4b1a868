r"""Profiling nuisance parameters for a batch of hypotheses at once, with no Python loop over hypotheses.

Both COHERENT likelihoods have expected counts that are linear in the nuisance parameters a_k,

    mu_i(a) = mu0_i + sum_k a_k A_{k i},

with templates A that may depend on the hypothesis (a signal normalisation scales that hypothesis's signal)
and Gaussian priors a_k ~ N(0, sigma_k) (sigma_k = inf for a free parameter). For each hypothesis h:

* Gaussian chi^2 (LAr): sum_i (mu_i - n_i)^2 / s_i^2 + sum_k a_k^2/sigma_k^2 is quadratic in a, so its minimum
  is the solution of one K x K linear system per hypothesis: a batched `numpy.linalg.solve`.
* Poisson chi^2 (CsI): 2 sum_i [mu_i - n_i + n_i ln(n_i/mu_i)] + sum_k a_k^2/sigma_k^2 is convex in a; Newton's
  method, damped so that every mu_i stays positive, converges in a few iterations, each a batched K x K solve.

Shapes: mu0 (H, B), templates (H or 1, K, B), data (B,) (the split forms also take one data set per hypothesis,
(H, B), and prior centres (1 or H, K) for toy experiments), prior precision 1/sigma^2 (K,).

The `*_split` forms take the templates as A_hk = F_k + S_hk, with F (K, B) the hypothesis-independent part and
S (H, Ks, B) the part proportional to the signal for the nuisances `js` (a normalisation, a shape). This path
serves small batches (`Likelihood.chi2_profiled` sends large ones to the compiled kernels). The Poisson profile
never forms the full templates (products with F are matrix products, those with S small contractions); the
Cholesky factorisation is vectorised over hypotheses (numpy's batched LAPACK costs more than it computes on
such tiny matrices), and converged hypotheses drop out.
"""

from __future__ import annotations

import numpy as np

_TINY = 1e-300
_RIDGE = 1e-12  # keeps a free parameter with an all-zero template (a zero signal) at 0 instead of singular


def _cholesky(hess):
    """Batched Jacobi-scaled Cholesky factors (L, d) of SPD matrices (H, K, K), vectorised over H (a loop over
    the K columns only; numpy's batched LAPACK calls cost microseconds per tiny matrix). Pivots are floored
    at 1e-14 of the scaled diagonal, as in the compiled kernels (a singular direction, e.g. a parameter whose
    template vanishes for this hypothesis, then stays put instead of raising)."""
    k = hess.shape[-1]
    d = np.sqrt(np.abs(np.einsum("hkk->hk", hess))) + _TINY
    a = hess / (d[:, :, None] * d[:, None, :])
    lo = np.zeros_like(a)
    for j in range(k):
        piv = np.sqrt(np.maximum(a[:, j, j] - np.einsum("hm,hm->h", lo[:, j, :j], lo[:, j, :j]), 1e-14))
        lo[:, j, j] = piv
        if j + 1 < k:
            lo[:, j + 1:, j] = (a[:, j + 1:, j] - np.einsum("him,hm->hi", lo[:, j + 1:, :j], lo[:, j, :j])) \
                / piv[:, None]
    return lo, d


def _cho_solve(factor, rhs):
    """Solve with `_cholesky`'s factors: rhs (H, K) -> (H, K)."""
    lo, d = factor
    k = lo.shape[-1]
    y = rhs / d
    for i in range(k):
        y[:, i] = (y[:, i] - np.einsum("hm,hm->h", lo[:, i, :i], y[:, :i])) / lo[:, i, i]
    for i in range(k - 1, -1, -1):
        y[:, i] = (y[:, i] - np.einsum("hm,hm->h", lo[:, i + 1:, i], y[:, i + 1:])) / lo[:, i, i]
    return y / d


def _solve(hess, rhs):
    """Batched solve of hess x = rhs (rhs (H, K)) for SPD hess (Jacobi-scaled Cholesky)."""
    return _cho_solve(_cholesky(hess), np.array(rhs, dtype=float))


def _check(mu0: np.ndarray, templates: np.ndarray, data: np.ndarray, precision: np.ndarray):
    for arr, what in ((mu0, "expected counts mu0"), (templates, "templates"), (data, "data"),
                      (precision, "prior precision")):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{what} must be finite; got NaN or infinity")
    if mu0.ndim != 2:
        raise ValueError(f"expected counts must have shape (n_hypotheses, n_bins), got {mu0.shape}")
    if templates.ndim != 3 or templates.shape[2] != mu0.shape[1] or templates.shape[0] not in (1, mu0.shape[0]):
        raise ValueError(f"templates of shape {templates.shape} do not match expected counts {mu0.shape}")
    if data.shape != (mu0.shape[1],):
        raise ValueError(f"data of shape {data.shape} do not match {mu0.shape[1]} bins")
    if precision.shape != (templates.shape[1],):
        raise ValueError("one prior precision per nuisance parameter is needed")


def poisson_deviance(mu: np.ndarray, data: np.ndarray) -> np.ndarray:
    """2 sum_i [mu_i - n_i + n_i ln(n_i/mu_i)] over the last axis (bins with n_i = 0 contribute 2 mu_i).

    Bins with events need mu_i > 0. In a bin without events the term 2 mu_i is linear and defined for any mu_i:
    the profilers let the linear nuisance templates move it freely there (for hypotheses far from the SM the
    templates can extrapolate such a bin's tiny mean a little below zero), so the profiled chi^2 is the minimum
    of one smooth convex function, the same one `Likelihood.chi2_at` evaluates for iminuit.
    """
    n = np.broadcast_to(data, mu.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_term = np.where(n > 0, n * np.log(np.where(n > 0, n, 1.0) / np.maximum(mu, _TINY)), 0.0)
    return 2.0 * np.sum(mu - n + log_term, axis=-1)


def _as_split(mu0, templates, data, precision):
    """Generic templates (H or 1, K, B) in the split form A = F + S: shared templates become F, per-hypothesis
    ones S (with F = 0)."""
    mu0, templates = np.asarray(mu0, float), np.asarray(templates, float)
    data, precision = np.asarray(data, float), np.asarray(precision, float)
    _check(mu0, templates, data, precision)
    k, b = templates.shape[1], templates.shape[2]
    if templates.shape[0] == 1 and mu0.shape[0] != 1:
        return mu0, np.zeros((mu0.shape[0], 0, b)), np.zeros(0, dtype=int), templates[0], data, precision
    return mu0, templates, np.arange(k), np.zeros((k, b)), data, precision


def profile_gaussian(mu0, templates, data, variance, precision, return_nuisances: bool = False):
    """min_a of the Gaussian chi^2 for every hypothesis. `variance` (B,) is s_i^2."""
    mu0, s_part, js, fixed, data, precision = _as_split(mu0, templates, data, precision)
    v = np.asarray(variance, float)
    if v.shape != data.shape or not np.all(np.isfinite(v) & (v > 0)):
        raise ValueError(f"variance must be {data.size} finite values > 0, one per bin")
    return profile_gaussian_split(mu0, s_part, js, fixed, data, variance, precision, return_nuisances)


def profile_poisson(mu0, templates, data, precision, max_iter: int = 500, tol: float | None = None,
                    return_nuisances: bool = False):
    """min_a of the Poisson chi^2 for every hypothesis (damped Newton; see `profile_poisson_split`)."""
    mu0, s_part, js, fixed, data, precision = _as_split(mu0, templates, data, precision)
    return profile_poisson_split(mu0, s_part, js, fixed, data, precision, max_iter, tol, return_nuisances)


def _split_product(c, fixed, s_part, js):
    """sum_k c_hk A_hkb for A = F + S (S on the parameters js): (H, K) -> (H, B), without forming A."""
    out = c @ fixed
    if len(js):
        out += np.einsum("hj,hjb->hb", c[:, js], s_part)
    return out


def profile_poisson_split(mu0, s_part, js, fixed, data, precision, max_iter: int = 500, tol: float | None = None,
                          return_nuisances: bool = False, offset=None, centre=None):
    """`profile_poisson` for templates A = F + S (split form).

    Damped Newton, a fresh Hessian at every iteration. The templates are never formed: every product with
    A = F + S is a matrix product with the shared F (K, B) plus a small contraction with the per-hypothesis S
    (H, Ks, B); the Hessian's F W F^T block is one matrix product of the weights with the precomputed products
    F_k F_l, its S W F^T block one product with F^T.
    A hypothesis has converged when a Newton step is undamped and its decrement g.H^-1.g is below `tol`
    (default `kernels.DECREMENT_TOL` = 1e-5: chi^2 is then within ~tol/2 of its minimum before that last step,
    and within ~tol^2 after it, the chi^2 being self-concordant); converged hypotheses drop out of the iteration.
    The compiled kernel applies the same rule.
    offset (K,): the parameters are iterated as c = a + offset from c = offset, with mu0 the expected counts at
    c = 0 (see `base._ProfileSetup`); mu is recomputed from c at every step, never accumulated.
    data: (B,) one data set, or (H, B) one per hypothesis (toy experiments). centre: None (every prior centred at
    a = 0) or (1 or H, K) prior centres: the penalty is sum_k p_k (a_k - centre_k)^2.
    """
    from .kernels import DECREMENT_TOL

    tol = DECREMENT_TOL if tol is None else float(tol)
    js = np.asarray(js, dtype=int)
    data = np.broadcast_to(np.asarray(data, float), mu0.shape)  # (H, B)
    if np.any((mu0 <= 0) & (data > 0)):
        raise ValueError("expected counts must be > 0 in every bin with observed events")
    h, k = mu0.shape[0], fixed.shape[0]
    if k == 0:
        chi2 = poisson_deviance(mu0, data)
        return (chi2, np.zeros((h, 0))) if return_nuisances else chi2
    fixed = np.ascontiguousarray(fixed, dtype=float)
    s_part = np.asarray(s_part, dtype=float)
    ks = len(js)
    ff_products = (fixed[:, None, :] * fixed[None, :, :]).reshape(k * k, -1).T  # (B, K*K)
    off = np.zeros(k) if offset is None else np.asarray(offset, float)
    cen = np.broadcast_to(off + (0.0 if centre is None else np.asarray(centre, float)), (h, k))  # in c
    a = np.broadcast_to(off, (h, k)).copy()
    for j in np.nonzero(off == 1.0)[0]:  # start as `_compiled._start_scale`
        n_sig = np.full(h, fixed[j].sum())
        if j in js:
            n_sig = n_sig + s_part[:, int(np.nonzero(js == j)[0][0])].sum(axis=1)
        n_obs, n_base = data.sum(axis=1), mu0.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.minimum(1.0, np.maximum(n_obs - n_base, 0.05 * n_obs) / n_sig)
        a[:, j] = np.where((n_sig <= 0) | (n_base + n_sig <= n_obs), 1.0, c)
    mu = mu0 + _split_product(a, fixed, s_part, js)
    prior_hess = 2.0 * np.diag(precision + _RIDGE)[None]
    idx = np.arange(h)  # hypotheses still iterating
    sp, m, aa, m0, dd, cc = s_part, mu, a, mu0, data, cen
    hd = dd > 0
    jj = (js[:, None], js[None, :])
    for _ in range(max_iter):
        inv_mu = 1.0 / np.maximum(m, _TINY)
        ratio = dd * inv_mu
        v = 2.0 * (1.0 - ratio)
        w = 2.0 * ratio * inv_mu
        grad = v @ fixed.T + 2.0 * (aa - cc) * precision
        hess = (w @ ff_products).reshape(-1, k, k) + prior_hess
        if ks:
            grad[:, js] += np.einsum("hjb,hb->hj", sp, v)
            sw = sp * w[:, None, :]
            sf = (sw.reshape(-1, sw.shape[-1]) @ fixed.T).reshape(-1, ks, k)  # S W F^T (H, Ks, K)
            hess[:, js, :] += sf
            hess[:, :, js] += sf.transpose(0, 2, 1)
            hess[:, jj[0], jj[1]] += np.einsum("hjb,hib->hji", sw, sp)
        step = -_solve(hess, grad)
        dmu = _split_product(step, fixed, sp, js)
        with np.errstate(divide="ignore", invalid="ignore"):
            limit = np.where((dmu < 0) & hd, -m / dmu, np.inf)
        frac = np.minimum(1.0, 0.9 * limit.min(axis=1))
        aa = aa + frac[:, None] * step
        m = m0 + _split_product(aa, fixed, sp, js)  # directly, not incrementally (see `offset`)
        a[idx], mu[idx] = aa, m
        done = (-np.einsum("hk,hk->h", grad, step) < tol) & (frac == 1.0)
        if done.all():
            break
        if done.any():  # converged hypotheses leave the iteration
            keep = ~done
            idx, sp, m, aa, m0 = idx[keep], sp[keep], m[keep], aa[keep], m0[keep]
            dd, cc, hd = dd[keep], cc[keep], hd[keep]
    chi2 = poisson_deviance(mu, data) + np.sum((a - cen) ** 2 * precision, axis=-1)
    a = a - off
    return (chi2, a) if return_nuisances else chi2


def profile_gaussian_split(mu0, s_part, js, fixed, data, variance, precision, return_nuisances: bool = False,
                           offset=None, centre=None):
    """`profile_gaussian` for templates A = F + S (split form): one batched K x K solve (in c = a + offset,
    mu0 the expected counts at c = 0, as `profile_poisson_split`). data (B,) or (H, B); centre: prior centres
    (1 or H, K) in a, default 0."""
    js = np.asarray(js, dtype=int)
    w = 1.0 / np.asarray(variance, float)
    h, k = mu0.shape[0], fixed.shape[0]
    if k == 0:
        chi2 = np.sum((mu0 - data) ** 2 * w, axis=-1)
        return (chi2, np.zeros((h, 0))) if return_nuisances else chi2
    # full templates and einsum (no BLAS: for the small batches this path serves, threaded BLAS calls on tiny
    # matrices cost more than they compute)
    amat = np.array(np.broadcast_to(fixed, (h, k, fixed.shape[1])))
    if len(js):
        amat[:, js] += s_part
    wa = amat * w[None, None, :]
    hess = np.einsum("hkb,hlb->hkl", wa, amat) + np.diag(precision + _RIDGE)[None]
    off = np.zeros(k) if offset is None else np.asarray(offset, float)
    cen = off + (0.0 if centre is None else np.asarray(centre, float))  # (K,) or (1 or H, K), in c
    rhs = np.einsum("hkb,hb->hk", wa, np.broadcast_to(data, mu0.shape) - mu0) + precision * cen
    a = _solve(hess, rhs)
    mu = mu0 + np.einsum("hk,hkb->hb", a, amat)
    chi2 = np.sum((mu - data) ** 2 * w, axis=-1) + np.sum((a - cen) ** 2 * precision, axis=-1)
    a = a - off
    return (chi2, a) if return_nuisances else chi2


def profile_gaussian_projected(signal, projection, ff, js, fixed, weights, precision, offset, centre=None,
                               return_nuisances: bool = False):
    """`profile_gaussian` for flavour-blind templates (LAr) and the likelihood's own data, from the projections of
    `base._Projection`: every hypothesis-dependent entry of the normal equations is a dot product of the
    flavour-summed signal s (H, B) (or of s^2) with a precomputed vector, so a batch costs two matrix products
    (H, B) x (B, n) instead of forming its (H, K, B) templates; chi^2 from the residuals, as in the compiled
    kernel `gaussian_profile_projected`. `Likelihood.chi2_profiled` takes it for small batches under "auto";
    `profile_gaussian_split`, which forms the templates, stays the reference (backend="numpy").
    ff = F W F^T + priors (K, K); offset, centre (1 or H, K) in c = a + offset, as `profile_gaussian_split`."""
    pr = projection
    s = np.asarray(signal, float)
    h, k = s.shape[0], fixed.shape[0]
    xl = s @ pr.lin.T if pr.lin.shape[0] else np.zeros((h, 0))
    xq = (s * s) @ pr.quad.T if pr.quad.shape[0] else np.zeros((h, 0))
    cen = np.broadcast_to(np.asarray(offset, float) + (0.0 if centre is None else np.asarray(centre, float)), (h, k))
    hess = np.repeat(np.asarray(ff, float)[None], h, axis=0)
    rhs = pr.rhs0[None, :] + precision * cen
    for x, targets in ((xl, pr.lin_to), (xq, pr.quad_to)):
        for r, (kind, p, q) in enumerate(targets):
            if kind == 0:  # the Hessian's lower entry [p, q] (`_cholesky` reads the lower triangle only)
                hess[:, p, q] += x[:, r]
            else:
                rhs[:, p] += x[:, r]
    a = _solve(hess, rhs)
    dev = pr.resid0[None, :] - s * pr.kappa[None, :]
    if pr.fnz.size:
        dev -= a[:, pr.fnz] @ fixed[pr.fnz]
    for j, p in enumerate(js):
        dev -= a[:, p:p + 1] * s * pr.rho[j][None, :]
    chi2 = np.sum(dev * dev * weights, axis=-1) + np.sum((a - cen) ** 2 * precision, axis=-1)
    a = a - offset
    return (chi2, a) if return_nuisances else chi2
