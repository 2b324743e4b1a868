r"""Profiling nuisance parameters for a batch of hypotheses at once, with no Python loop over hypotheses.

Both COHERENT likelihoods have expected counts that are linear in the nuisance parameters a_k,

    mu_i(a) = mu0_i + sum_k a_k A_{k i},

with templates A that may depend on the hypothesis (a signal normalisation scales that hypothesis's signal)
and Gaussian priors a_k ~ N(0, sigma_k) (sigma_k = inf for a free parameter). For each hypothesis h:

* Gaussian chi^2 (LAr): sum_i (mu_i - n_i)^2 / s_i^2 + sum_k a_k^2/sigma_k^2 is quadratic in a, so its minimum
  is the solution of one K x K linear system per hypothesis: a batched `numpy.linalg.solve`.
* Poisson chi^2 (CsI): 2 sum_i [mu_i - n_i + n_i ln(n_i/mu_i)] + sum_k a_k^2/sigma_k^2 is convex in a; Newton's
  method, damped so that every mu_i stays positive, converges in a few iterations, each a batched K x K solve.

Shapes: mu0 (H, B), templates (H or 1, K, B), data (B,), prior precision 1/sigma^2 (K,).
"""

from __future__ import annotations

import numpy as np

_TINY = 1e-300
_RIDGE = 1e-12  # keeps a free parameter with an all-zero template (a zero signal) at 0 instead of singular


def _check(mu0: np.ndarray, templates: np.ndarray, data: np.ndarray, precision: np.ndarray):
    if mu0.ndim != 2:
        raise ValueError(f"expected counts must have shape (n_hypotheses, n_bins), got {mu0.shape}")
    if templates.ndim != 3 or templates.shape[2] != mu0.shape[1] or templates.shape[0] not in (1, mu0.shape[0]):
        raise ValueError(f"templates of shape {templates.shape} do not match expected counts {mu0.shape}")
    if data.shape != (mu0.shape[1],):
        raise ValueError(f"data of shape {data.shape} do not match {mu0.shape[1]} bins")
    if precision.shape != (templates.shape[1],):
        raise ValueError("one prior precision per nuisance parameter is needed")


def poisson_deviance(mu: np.ndarray, data: np.ndarray) -> np.ndarray:
    """2 sum_i [mu_i - n_i + n_i ln(n_i/mu_i)] over the last axis (bins with n_i = 0 contribute 2 mu_i)."""
    n = np.broadcast_to(data, mu.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_term = np.where(n > 0, n * np.log(np.where(n > 0, n, 1.0) / np.maximum(mu, _TINY)), 0.0)
    return 2.0 * np.sum(mu - n + log_term, axis=-1)


def profile_gaussian(mu0, templates, data, variance, precision, return_nuisances: bool = False):
    """min_a of the Gaussian chi^2 for every hypothesis. `variance` (B,) is s_i^2."""
    mu0 = np.asarray(mu0, float)
    templates = np.asarray(templates, float)
    data = np.asarray(data, float)
    precision = np.asarray(precision, float)
    _check(mu0, templates, data, precision)
    w = 1.0 / np.asarray(variance, float)
    resid = data[None, :] - mu0  # (H, B)
    aw = templates * w[None, None, :]
    hess = np.matmul(aw, templates.transpose(0, 2, 1)) + np.diag(precision + _RIDGE)[None]
    rhs = np.matmul(aw, resid[..., None])  # (H, K, 1)
    a = np.linalg.solve(np.broadcast_to(hess, (mu0.shape[0],) + hess.shape[1:]), rhs)[..., 0]
    mu = mu0 + np.matmul(a[:, None, :], templates)[:, 0, :]
    chi2 = np.sum((mu - data) ** 2 * w, axis=-1) + np.sum(a**2 * precision, axis=-1)
    return (chi2, a) if return_nuisances else chi2


def profile_poisson(mu0, templates, data, precision, max_iter: int = 50, tol: float = 1e-10,
                    return_nuisances: bool = False):
    """min_a of the Poisson chi^2 for every hypothesis, by damped Newton iterations (vectorised)."""
    mu0 = np.asarray(mu0, float)
    templates = np.asarray(templates, float)
    data = np.asarray(data, float)
    precision = np.asarray(precision, float)
    _check(mu0, templates, data, precision)
    if np.any(mu0 <= 0) and np.any((mu0 <= 0) & (data[None, :] > 0)):
        raise ValueError("expected counts must be > 0 in every bin with observed events")
    h, k = mu0.shape[0], templates.shape[1]
    tmpl = np.broadcast_to(templates, (h,) + templates.shape[1:])
    a = np.zeros((h, k))
    mu = mu0.copy()
    active = np.ones(h, bool)
    eye_prec = np.diag(precision + _RIDGE)[None]
    for _ in range(max_iter):
        idx = np.nonzero(active)[0]
        if idx.size == 0:
            break
        t, m, aa = tmpl[idx], mu[idx], a[idx]
        ratio = data[None, :] / np.maximum(m, _TINY)
        grad = 2.0 * np.matmul(t, (1.0 - ratio)[..., None])[..., 0] + 2.0 * aa * precision
        wt = t * (2.0 * ratio / np.maximum(m, _TINY))[:, None, :]
        hess = np.matmul(wt, t.transpose(0, 2, 1)) + 2.0 * eye_prec
        step = -np.linalg.solve(hess, grad[..., None])[..., 0]
        dmu = np.matmul(step[:, None, :], t)[:, 0, :]
        # largest fraction of the step that keeps every mu positive (bins with data must stay > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            limit = np.where(dmu < 0, -m / dmu, np.inf)
        frac = np.minimum(1.0, 0.9 * limit.min(axis=1))
        aa = aa + frac[:, None] * step
        m = m + frac[:, None] * dmu
        a[idx], mu[idx] = aa, m
        decrement = -np.einsum("hk,hk->h", grad, step)  # Newton decrement^2 (expected chi2 decrease x 2)
        active[idx] = decrement > tol
    chi2 = poisson_deviance(mu, data) + np.sum(a**2 * precision, axis=-1)
    return (chi2, a) if return_nuisances else chi2
