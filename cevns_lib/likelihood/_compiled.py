"""The numba kernels behind `kernels` (imported, and compiled or loaded from numba's cache, on first use only).

Each hypothesis h has templates A_k = F_k + S_hk (S only for the nuisances `js`, S_hk = sum_f s_hf r_kf),
expected counts mu = mu0_h + sum_k a_k A_k, and Gaussian priors of precision p_k on a_k. The kernels read the
caller's hypotheses in place: the exact re-timing factor (3, B) and the validity checks (finite, not negative
beyond round-off) are applied while a hypothesis is loaded, so no copy of the input is made. Hypotheses are
processed in blocks of `_BLOCK` (a scan's warm starts run within a block), with one set of scratch arrays per
call (constant memory, no allocation per hypothesis). Each entry point profiles the blocks blk_lo ... blk_hi - 1
and releases the GIL (`nogil`):
`kernels` runs ranges of blocks in threads (no numba parallel region, which took 2.5x the compile time).

fastmath without the no-NaN/no-inf assumptions, so that the validity checks survive optimisation.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_FM = {"nsz", "arcp", "contract", "afn", "reassoc"}
_RIDGE = 1e-12
_TINY = 1e-300
from ._compiled_constants import BLOCK as _BLOCK  # noqa: E402
from ._compiled_constants import ROUNDOFF  # noqa: E402,F401


# The natural logarithm of fdlibm (e_log.c, Sun Microsystems 1993, freely distributable): x = 2^k (1 + f) with
# 1 + f in [sqrt(2)/2, sqrt(2)), ln(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)), s = f / (2 + f), R the minimax
# polynomial below; within 1 ulp of the exact value. Written without calls or branches it is vectorised (the C
# library's log, which numba calls one value at a time, is ~5x the cost per value on this machine).
_LG1 = 6.666666666666735130e-01
_LG2 = 3.999999999940941908e-01
_LG3 = 2.857142874366239149e-01
_LG4 = 2.222219843214978396e-01
_LG5 = 1.818357216161805012e-01
_LG6 = 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_NORMAL_MIN = 2.2250738585072014e-308
_FINITE_MAX = 1.7976931348623157e308


@njit(cache=True, fastmath=_FM, error_model="numpy")
def _log(x, out, bits):
    """out = ln(x) elementwise for 1-D x, fdlibm's algorithm (above) for positive normal finite values, the C
    library's log for any other (zero, subnormal, negative, infinite, NaN: a second pass only if there is one).
    bits: int64 scratch of x's size."""
    xb = x.view(np.int64)
    mb = bits.view(np.float64)
    n = x.shape[0]
    irregular = 0
    for i in range(n):
        xi = x[i]
        irregular += 0 if (xi >= _NORMAL_MIN) & (xi <= _FINITE_MAX) else 1
        b = xb[i]
        hx = (b >> 32) + (0x3FF00000 - 0x3FE6A09E)  # the high word, shifted so that k rounds at sqrt(2)
        k = (hx >> 20) - 0x3FF
        bits[i] = (((hx & 0x000FFFFF) + 0x3FE6A09E) << 32) | (b & 0xFFFFFFFF)  # 1 + f
        f = mb[i] - 1.0
        hfsq = 0.5 * f * f
        s = f / (2.0 + f)
        z = s * s
        w = z * z
        r = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7))) + w * (_LG2 + w * (_LG4 + w * _LG6))
        dk = float(k)
        out[i] = s * (hfsq + r) + dk * _LN2_LO - hfsq + f + dk * _LN2_HI
    if irregular:
        for i in range(n):
            xi = x[i]
            if not ((xi >= _NORMAL_MIN) and (xi <= _FINITE_MAX)):
                out[i] = np.log(xi)


@njit(cache=True, fastmath=_FM, error_model="numpy")
def _load(sig_h, es_h, factor, has_es, sf, ef):
    """sf = sig_h * factor (and ef = es_h * factor); round-off negatives set to zero. False if invalid.

    One vectorisable pass (the products, the sum of |x| and the smallest value); a second pass only for a
    hypothesis with negative counts."""
    n_f, n_b = sf.shape
    total = 0.0
    smallest = 0.0
    for f in range(n_f):
        for i in range(n_b):
            x = sig_h[f, i] * factor[f, i]
            sf[f, i] = x
            total += abs(x)
            smallest = min(smallest, x)
    if has_es:
        for f in range(n_f):
            for i in range(n_b):
                y = es_h[f, i] * factor[f, i]
                ef[f, i] = y
                total += abs(y)
                smallest = min(smallest, y)
    if not np.isfinite(total):  # a NaN or an infinity anywhere
        return False
    if smallest < 0.0:
        lim = -ROUNDOFF * total
        if smallest < lim:
            return False
        for f in range(n_f):
            for i in range(n_b):
                sf[f, i] = max(sf[f, i], 0.0)
                if has_es:
                    ef[f, i] = max(ef[f, i], 0.0)
    return True


@njit(cache=True, fastmath=_FM, error_model="numpy")
def _combine(coef_h, table, tol, raw):
    """raw (3, B) = sum_t coef_h[t] table[t]: a hypothesis given as a linear combination of fixed tables (the pair
    tables of a quadratic form, `rates.QuadraticCounts.linear_form`), formed in the kernel instead of being read
    from memory; a negative within tol of zero (round-off of a cancelling sum of pair terms) is set to zero, as
    `QuadraticCounts.counts` does. Vectorised passes over the (3 B) bins, three tables per pass (the first
    writes, the others add); the clipping pass runs only for a hypothesis with a negative count."""
    m = raw.size
    _add_rows(coef_h, table.reshape((table.shape[0], m)), raw.reshape(m), True)
    flat = raw.reshape(m)
    smallest = 0.0
    for j in range(m):
        smallest = min(smallest, flat[j])
    if smallest < 0.0:
        for j in range(m):
            x = flat[j]
            if x < 0.0 and x >= -tol:
                flat[j] = 0.0


@njit(cache=True, fastmath=_FM, error_model="numpy")
def _add_rows(coef_h, rows, out, first):
    """out (m,) (=, or += if not first) sum_t coef_h[t] rows[t] (rows (T, m)), three rows per vectorised pass."""
    n_t, m = rows.shape
    t = 0
    while t < n_t:
        if t + 3 <= n_t:
            c0 = coef_h[t]
            c1 = coef_h[t + 1]
            c2 = coef_h[t + 2]
            r0 = rows[t]
            r1 = rows[t + 1]
            r2 = rows[t + 2]
            if first:
                for j in range(m):
                    out[j] = c0 * r0[j] + c1 * r1[j] + c2 * r2[j]
            else:
                for j in range(m):
                    out[j] += c0 * r0[j] + c1 * r1[j] + c2 * r2[j]
            t += 3
        else:
            c0 = coef_h[t]
            r0 = rows[t]
            if first:
                for j in range(m):
                    out[j] = c0 * r0[j]
            else:
                for j in range(m):
                    out[j] += c0 * r0[j]
            t += 1
        first = False
    if first:  # no rows
        for j in range(m):
            out[j] = 0.0


@njit(cache=True, fastmath=_FM, error_model="numpy")
def _template_combination(coef_h, rows, tots, js, fixed, bkg, has_keep, amat, base):
    """The templates of a hypothesis given as a combination of tables whose combinations are known to be
    non-negative, straight from the tables' template rows (`kernels.template_rows`): amat[js[s]] = F_js[s] +
    sum_t coef_h[t] rows[s, t], base = backgrounds (+ sum_t coef_h[t] rows[Ks, t] where has_keep), no count
    formed, checked or clipped. rows (Ks + 1, T, B). Returns the total signal sum_t coef_h[t] tots[t]."""
    n_r, n_t, n_b = rows.shape
    ks = js.shape[0]
    for s in range(ks + 1):
        if s == ks and not has_keep:
            for i in range(n_b):
                base[i] = bkg[i]
            continue
        out = base if s == ks else amat[js[s]]
        _add_rows(coef_h, rows[s], out, True)
        start = bkg if s == ks else fixed[js[s]]
        for i in range(n_b):
            out[i] += start[i]
    tot = 0.0
    for t in range(n_t):
        tot += coef_h[t] * tots[t]
    return tot


@njit(cache=True, error_model="numpy")
def _hypotheses(sig, coef, table):
    """How a kernel's hypotheses are given: (fused, H, hypotheses per table). fused: as linear combinations of
    tables (table (n_tab, T, 3, B) has rows; H = rows of coef, the H / n_tab consecutive ones sharing a table),
    else read from sig (H, 3, B)."""
    fused = table.shape[0] > 0
    n_h = coef.shape[0] if fused else sig.shape[0]
    return fused, n_h, max(n_h // max(table.shape[0], 1), 1)


@njit(cache=True, fastmath=_FM, error_model="numpy")
def _templates(sf, ef, has_es, rel, es_rel, js, fixed, bkg, keep, es_keep, has_keep, amat, srows, base):
    """The rows js of amat (K, B) = F + S_h (the other rows hold F, set once per block by `_fixed_rows`),
    srows (Ks, B) = S_h where srows has rows, base (B,) = backgrounds + sum_f (keep_f s_f + es_keep_f es_f):
    the expected counts at a = offset (the signal share carried by the normalisation parameter taken out; the
    keep terms only where has_keep). The three flavours are written out, with one-dimensional row views (a
    loop over the bins with loads only from the inputs: vectorised)."""
    n_b = sf.shape[1]
    s0, s1, s2 = sf[0], sf[1], sf[2]
    e0, e1, e2 = ef[0], ef[1], ef[2]
    if has_es:
        k0, k1, k2 = keep[0], keep[1], keep[2]
        q0, q1, q2 = es_keep[0], es_keep[1], es_keep[2]
        for i in range(n_b):
            base[i] = (bkg[i] + s0[i] * k0[i] + s1[i] * k1[i] + s2[i] * k2[i]
                       + e0[i] * q0[i] + e1[i] * q1[i] + e2[i] * q2[i])
    elif has_keep:
        k0, k1, k2 = keep[0], keep[1], keep[2]
        for i in range(n_b):
            base[i] = bkg[i] + s0[i] * k0[i] + s1[i] * k1[i] + s2[i] * k2[i]
    else:
        for i in range(n_b):
            base[i] = bkg[i]
    want = srows.shape[0] > 0
    for s in range(js.shape[0]):
        row = amat[js[s]]
        fr = fixed[js[s]]
        sr = srows[s] if want else row  # (never written without srows)
        r0, r1, r2 = rel[s, 0], rel[s, 1], rel[s, 2]
        u0, u1, u2 = es_rel[s, 0], es_rel[s, 1], es_rel[s, 2]
        if has_es and want:
            for i in range(n_b):
                t = (s0[i] * r0[i] + s1[i] * r1[i] + s2[i] * r2[i]
                     + e0[i] * u0[i] + e1[i] * u1[i] + e2[i] * u2[i])
                sr[i] = t
                row[i] = fr[i] + t
        elif has_es:
            for i in range(n_b):
                row[i] = fr[i] + (s0[i] * r0[i] + s1[i] * r1[i] + s2[i] * r2[i]
                                  + e0[i] * u0[i] + e1[i] * u1[i] + e2[i] * u2[i])
        elif want:
            for i in range(n_b):
                t = s0[i] * r0[i] + s1[i] * r1[i] + s2[i] * r2[i]
                sr[i] = t
                row[i] = fr[i] + t
        else:
            for i in range(n_b):
                row[i] = fr[i] + (s0[i] * r0[i] + s1[i] * r1[i] + s2[i] * r2[i])


@njit(cache=True, fastmath=_FM, error_model="numpy")
def _fixed_rows(fixed, keep, amat):
    """amat = F (the rows `_templates` does not rewrite keep it for the whole block); whether keep has a non-zero
    share (else the base is the backgrounds alone)."""
    k, n_b = fixed.shape
    for p in range(k):
        for i in range(n_b):
            amat[p, i] = fixed[p, i]
    has_keep = False
    for f in range(keep.shape[0]):
        for i in range(n_b):
            has_keep = has_keep or keep[f, i] != 0.0
    return has_keep


@njit(cache=True, fastmath=_FM, error_model="numpy")
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


@njit(cache=True, fastmath=_FM, error_model="numpy")
def _cholesky(hm, d):
    """Jacobi-scaled Cholesky factor of a small SPD matrix, in place (lower triangle); d gets the inverse scales
    1/sqrt(H_ii) and the diagonal of the factor holds its inverse (so that solving multiplies: a division costs
    ~15 multiplications here)."""
    k = hm.shape[0]
    for i in range(k):
        d[i] = 1.0 / (np.sqrt(abs(hm[i, i])) + 1e-300)
    for i in range(k):
        for j in range(i + 1):
            hm[i, j] *= d[i] * d[j]
    for j in range(k):
        s = hm[j, j]
        for m in range(j):
            s -= hm[j, m] * hm[j, m]
        if s <= 1e-14:
            s = 1e-14
        inv = 1.0 / np.sqrt(s)
        hm[j, j] = inv
        for i in range(j + 1, k):
            t = hm[i, j]
            for m in range(j):
                t -= hm[i, m] * hm[j, m]
            hm[i, j] = t * inv


@njit(cache=True, fastmath=_FM, error_model="numpy")
def _cho_solve(lo, d, rhs, y, out):
    """Solve H out = rhs with `_cholesky`'s factor (inverse diagonal) and inverse scales d."""
    k = lo.shape[0]
    for i in range(k):
        t = rhs[i] * d[i]
        for m in range(i):
            t -= lo[i, m] * y[m]
        y[i] = t * lo[i, i]
    for i in range(k - 1, -1, -1):
        t = y[i]
        for m in range(i + 1, k):
            t -= lo[m, i] * out[m]
        out[i] = t * lo[i, i]
    for i in range(k):
        out[i] *= d[i]


@njit(cache=True, fastmath=_FM, error_model="numpy")
def _hessian(wa, amat, lo):
    """Lower triangle of wa amat^T (K x K), two columns per pass over the bins (each wa row loaded once for
    both: the dot products are bound by loads)."""
    k, n_b = amat.shape
    for p in range(k):
        q = 0
        while q + 1 <= p:
            t0 = 0.0
            t1 = 0.0
            for i in range(n_b):
                x = wa[p, i]
                t0 += x * amat[q, i]
                t1 += x * amat[q + 1, i]
            lo[p, q] = t0
            lo[p, q + 1] = t1
            q += 2
        if q == p:
            t0 = 0.0
            for i in range(n_b):
                t0 += wa[p, i] * amat[p, i]
            lo[p, p] = t0


@njit(cache=True, fastmath=_FM, error_model="numpy")
def _counts(base, amat, a, mu):
    """mu = base + sum_p a_p amat_p (parameters outermost, bins innermost: vectorised)."""
    for i in range(mu.shape[0]):
        mu[i] = base[i]
    for p in range(amat.shape[0]):
        ap = a[p]
        for i in range(mu.shape[0]):
            mu[i] += ap * amat[p, i]


@njit(cache=True, fastmath=_FM, error_model="numpy")
def _warm_start(prev, prev2, prev3, n_prev, tot, tot1, tot2, tot3, base, amat, data, a, mu):
    """Start a from the previous hypotheses' minima, extrapolated along the scan in the hypotheses' total signals
    N (a coordinate along the scan for any spacing): from the three previous minima, the quadratic through them
    in N (error third order in the spacing), where the two spacings in N have the same sign and a ratio in
    [1/2, 2]; else from the two previous ones, a = prev + r (prev - prev2) with the secant ratio
    r = (N - N_1) / (N_1 - N_2), where r lies in [0, 2]; else a = prev. n_prev: how many consecutive previous
    minima there are (0-3; tot1, tot2, tot3 their N, newest first). A start must keep every bin with events
    positive (mu = base + amat^T a, left in mu): the attempts are tried in this order. False if none does."""
    k = a.shape[0]
    d1 = tot1 - tot2
    r = (tot - tot1) / d1 if (n_prev >= 2 and d1 != 0.0) else -1.0
    linear = r >= 0.0 and r <= 2.0
    w12 = 0.0
    w23 = 0.0
    quadratic = False
    if linear and n_prev >= 3:
        d2 = tot2 - tot3
        if d2 != 0.0 and d2 / d1 >= 0.5 and d2 / d1 <= 2.0:
            quadratic = True
            u = tot - tot1
            uv = u * (tot - tot2) / (d1 + d2)
            w12 = u / d1 + uv / d1  # Newton's form: a1 + u f[1,2] + u v f[1,2,3], in differences of the minima
            w23 = -uv / d2
    for attempt in range(3):
        if (attempt == 0 and not quadratic) or (attempt == 1 and not linear):
            continue
        for p in range(k):
            if attempt == 0:
                a[p] = prev[p] + w12 * (prev[p] - prev2[p]) + w23 * (prev2[p] - prev3[p])
            elif attempt == 1:
                a[p] = prev[p] + r * (prev[p] - prev2[p])
            else:
                a[p] = prev[p]
        _counts(base, amat, a, mu)
        lowest = np.inf
        for i in range(mu.shape[0]):
            lowest = min(lowest, mu[i] if data[i] > 0.0 else np.inf)
        if lowest > 0.0:
            return True
    return False


@njit(nogil=True, cache=True, fastmath=_FM, error_model="numpy")
def poisson_profile(blk_lo, blk_hi, sig, coef, table, tol, tots, es, factor, rel, es_rel, js, fixed, bkg, keep,
                    es_keep, offset, data_sets, centres, precision, max_iter, dec_tol, warm, order, out_chi2, out_a,
                    out_iter):
    """Damped Newton: every iteration a fresh Hessian and one K x K Cholesky solve; a step is shortened (to 0.9
    of the way to the boundary) only where it would drive a bin with events to mu <= 0.

    Converged after an undamped Newton step whose decrement g.H^-1.g is below dec_tol; the chi^2 is then within
    ~dec_tol^2 of its minimum (the chi^2 is self-concordant in a: see `kernels.DECREMENT_TOL`).
    warm: start each hypothesis after the first of its block from the previous ones' minima (`_warm_start`:
    extrapolated along the scan from three of them (template rows only) or two, or the previous minimum) where
    that keeps every bin with events positive; one that does not converge in max_iter steps is redone cold
    (`kernels.WARM_START`), else from c = offset (the normalisation scaled by `_start_scale`).
    order: the order in which the hypotheses are processed (a permutation of 0 ... H-1, `kernels.locality_order`:
    neighbours first, so that the warm starts help an unordered batch too), or empty for 0 ... H-1; the blocks
    are fixed by the position in this order.
    out_chi2 = NaN marks an invalid hypothesis, out_iter = -1 one that did not converge in max_iter.
    blk_lo, blk_hi: the blocks of `_BLOCK` hypotheses (in processing order) that this call profiles; the other
    entry points take them too (`kernels._run_blocks` runs ranges of blocks in threads, the GIL released).
    The hypotheses: sig (H, 3, B) read in place, or, where table (n_tab, T, 3, B) has rows, the linear
    combinations sum_t coef[h, t] table[j, t] (coef (H, T); j = h // (H / n_tab): consecutive hypotheses share a
    table, e.g. the couplings of one mediator mass; round-off negatives above -tol[h] zeroed; `_combine`), formed
    in the kernel (a scan's quadratic form: no (H, 3, B) array is written or read); sig is then unused.
    tots (n_tab, T), where it has rows: table holds instead each table's template rows (n_tab, Ks + 1, T, B)
    (`kernels.template_rows`) and tots its total signals, for combinations known to be non-negative: the
    templates are then combined directly (`_template_combination`), no count formed, checked or clipped.
    data_sets (n_d, B) and centres (n_c, K) (the prior centres in c = a + offset): hypothesis h reads row
    h % n_d and h % n_c (one observed data set, or one toy experiment per hypothesis).
    """
    n_f, n_b = factor.shape
    fused, n_h, n_per = _hypotheses(sig, coef, table)
    k = fixed.shape[0]
    ks = js.shape[0]
    has_es = es.shape[0] > 0
    raw = np.empty((n_f, n_b))
    sf = np.empty((n_f, n_b))
    ef = np.empty((n_f, n_b))
    amat = np.empty((k, n_b))
    wa = np.empty((k, n_b))
    srows = np.empty((0, n_b))  # S_h is not needed here
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
    prev = np.empty(k)
    prev2 = np.empty(k)
    prev3 = np.empty(k)
    bits = np.empty(n_b, dtype=np.int64)
    n_prev = 0  # consecutive converged minima before this hypothesis (up to 3)
    tot1 = 0.0
    tot2 = 0.0
    tot3 = 0.0
    has_keep = _fixed_rows(fixed, keep, amat)
    ordered = order.shape[0] > 0
    rows = tots.shape[0] > 0  # table holds template rows (`_template_combination`), not counts
    for idx in range(blk_lo * _BLOCK, min(n_h, blk_hi * _BLOCK)):
        h = order[idx] if ordered else idx
        if idx % _BLOCK == 0:  # warm starts within a block only
            n_prev = 0
        es_h = es[h % es.shape[0]] if has_es else sf
        data = data_sets[h % data_sets.shape[0]]
        cen = centres[h % centres.shape[0]]
        if rows:
            tot = _template_combination(coef[h], table[h // n_per], tots[h // n_per], js, fixed, bkg, has_keep,
                                        amat, base)
        else:
            if fused:
                _combine(coef[h], table[h // n_per], tol[h], raw)
                ok = _load(raw, es_h, factor, has_es, sf, ef)
            else:
                ok = _load(sig[h], es_h, factor, has_es, sf, ef)
            if not ok:
                out_chi2[h] = np.nan
                for p in range(k):
                    out_a[h, p] = np.nan
                out_iter[h] = 0
                n_prev = 0
                continue
            _templates(sf, ef, has_es, rel, es_rel, js, fixed, bkg, keep, es_keep, has_keep, amat, srows, base)
            tot = 0.0  # the hypothesis's total signal: where it lies between its two predecessors (a scan)
            for f in range(n_f):
                for i in range(n_b):
                    tot += sf[f, i]
        # the quadratic extrapolation only for the scans of positive semi-definite forms (template rows): for
        # formed hypotheses far beyond the data (1e16 events with shape templates that cancel the signal, where
        # the chi^2 is fixed only to O(1) by round-off) it let a scan's minima drift; the linear one elsewhere
        n_use = n_prev if rows else min(n_prev, 2)
        for attempt in range(2):  # a warm start that does not converge is redone from the cold start
            cold = True
            if warm and n_use > 0 and attempt == 0:  # from the previous minima (a scan), `_warm_start`
                cold = not _warm_start(prev, prev2, prev3, n_use, tot, tot1, tot2, tot3, base, amat, data, a, mu)
            if cold:
                for p in range(k):
                    a[p] = offset[p]
                    if offset[p] == 1.0:
                        a[p] = _start_scale(base, amat[p], data)
                _counts(base, amat, a, mu)
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
                        wa[p, i] = w[i] * amat[p, i]
                    grad[p] = -(t + 2.0 * (a[p] - cen[p]) * precision[p])
                _hessian(wa, amat, lo)
                for p in range(k):
                    lo[p, p] += 2.0 * (precision[p] + _RIDGE)
                _cholesky(lo, dsc)
                _cho_solve(lo, dsc, grad, y, step)  # step = -H^-1 g
                for i in range(n_b):
                    dmu[i] = 0.0
                for p in range(k):
                    sp = step[p]
                    for i in range(n_b):
                        dmu[i] += sp * amat[p, i]
                # is the step shortened, i.e. 0.9 (-mu_i / dmu_i) < 1 for a bin with events? (one vectorised
                # pass; the divisions only for the rare damped step)
                lowest = np.inf
                for i in range(n_b):
                    lowest = min(lowest, (mu[i] + dmu[i] / 0.9) if data[i] > 0.0 else np.inf)
                frac = 1.0
                if lowest <= 0.0:
                    for i in range(n_b):
                        if dmu[i] < 0.0 and data[i] > 0.0:
                            frac = min(frac, 0.9 * (-mu[i] / dmu[i]))
                dec = 0.0
                for p in range(k):
                    a[p] += frac * step[p]
                    dec += grad[p] * step[p]  # grad holds -g: dec = g.H^-1.g
                if dec < dec_tol and frac == 1.0:
                    n_it = it + 1
                    break
                if frac == 1.0:
                    for i in range(n_b):
                        mu[i] += dmu[i]
                else:  # directly after a damped (far, large-mu) step: no round-off carried from large early mu
                    _counts(base, amat, a, mu)
            if n_it > 0 or cold:
                break
        _counts(base, amat, a, mu)  # the chi^2 from the final parameters directly
        for i in range(n_b):  # the ratios n_i / mu_i (1 without events: ln 1 = 0, the term is 2 mu_i)
            n = data[i]
            w[i] = n / max(mu[i], _TINY) if n > 0.0 else 1.0
        _log(w, v, bits)
        chi2 = 0.0
        for i in range(n_b):
            n = data[i]
            chi2 += 2.0 * (mu[i] - n + n * v[i])
        for p in range(k):
            d = a[p] - cen[p]
            chi2 += precision[p] * d * d
            out_a[h, p] = a[p] - offset[p]
        out_chi2[h] = chi2
        out_iter[h] = n_it
        n_prev = min(n_prev + 1, 3) if n_it > 0 else 0
        tot3 = tot2
        tot2 = tot1
        tot1 = tot
        for p in range(k):
            prev3[p] = prev2[p]
            prev2[p] = prev[p]
            prev[p] = a[p]


@njit(nogil=True, cache=True, fastmath=_FM, error_model="numpy")
def gaussian_profile(blk_lo, blk_hi, sig, es, factor, rel, es_rel, js, fixed, wfixed, ff, bkg, keep, es_keep, offset,
                     data_sets, centres, precision, weights, out_chi2, out_a):
    """One K x K solve per hypothesis; the hypothesis-independent block ff = F W F^T + priors is precomputed,
    and wfixed = W F. In c = a + offset, with prior centres m (in c): (A W A^T + P) c = A W (n - base) + P m;
    chi^2 evaluated directly. data_sets, centres as in `poisson_profile`."""
    n_h, n_f, n_b = sig.shape
    k = fixed.shape[0]
    ks = js.shape[0]
    has_es = es.shape[0] > 0
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
    has_keep = _fixed_rows(fixed, keep, amat)
    for h in range(blk_lo * _BLOCK, min(n_h, blk_hi * _BLOCK)):
        es_h = es[h % es.shape[0]] if has_es else sf
        data = data_sets[h % data_sets.shape[0]]
        cen = centres[h % centres.shape[0]]
        if not _load(sig[h], es_h, factor, has_es, sf, ef):
            out_chi2[h] = np.nan
            for p in range(k):
                out_a[h, p] = np.nan
            continue
        _templates(sf, ef, has_es, rel, es_rel, js, fixed, bkg, keep, es_keep, has_keep, amat, srows, mu0)
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


@njit(cache=True, fastmath=_FM, error_model="numpy")
def _dots(mat, x, out):
    """out_r = mat_r . x for every row r, four rows per pass over the bins (x loaded once for all four)."""
    n_r, n_b = mat.shape
    r = 0
    while r + 4 <= n_r:
        t0 = 0.0
        t1 = 0.0
        t2 = 0.0
        t3 = 0.0
        for i in range(n_b):
            xi = x[i]
            t0 += mat[r, i] * xi
            t1 += mat[r + 1, i] * xi
            t2 += mat[r + 2, i] * xi
            t3 += mat[r + 3, i] * xi
        out[r] = t0
        out[r + 1] = t1
        out[r + 2] = t2
        out[r + 3] = t3
        r += 4
    while r < n_r:
        t0 = 0.0
        for i in range(n_b):
            t0 += mat[r, i] * x[i]
        out[r] = t0
        r += 1


@njit(cache=True, fastmath=_FM, error_model="numpy")
def _load_summed(sig_h, factor, s):
    """s (B,) = the flavour sum of the re-timed signal, with the checks of `_load` (per flavour and bin): False
    for an invalid hypothesis (NaN, inf, or a negative beyond round-off)."""
    n_f, n_b = sig_h.shape
    total = 0.0
    smallest = 0.0
    for i in range(n_b):
        s[i] = 0.0
    for f in range(n_f):
        for i in range(n_b):
            x = sig_h[f, i] * factor[f, i]
            total += abs(x)
            smallest = min(smallest, x)
            s[i] += max(x, 0.0)
    return np.isfinite(total) and not smallest < -ROUNDOFF * total


@njit(cache=True, fastmath=_FM, error_model="numpy")
def _normal_equations(xl, xq, lin_to, quad_to, ff, rhs0, precision, cen, hm, rhs):
    """The projected normal equations (`base._Projection`): hm (lower triangle) = ff + the products xl, xq placed
    by lin_to, quad_to ((0, p, q): Hessian entry [p, q]; (1, p, 0): right-hand side [p]), rhs = rhs0 + P m + theirs."""
    k = ff.shape[0]
    for p in range(k):
        rhs[p] = rhs0[p] + precision[p] * cen[p]
        for q in range(p + 1):
            hm[p, q] = ff[p, q]
    for r in range(lin_to.shape[0]):
        if lin_to[r, 0] == 0:
            hm[lin_to[r, 1], lin_to[r, 2]] += xl[r]
        else:
            rhs[lin_to[r, 1]] += xl[r]
    for r in range(quad_to.shape[0]):
        if quad_to[r, 0] == 0:
            hm[quad_to[r, 1], quad_to[r, 2]] += xq[r]
        else:
            rhs[quad_to[r, 1]] += xq[r]


@njit(nogil=True, cache=True, fastmath=_FM, error_model="numpy")
def gaussian_profile_projected(blk_lo, blk_hi, sig, coef, table, tol, factor, lin, lin_to, quad, quad_to, ff, rhs0,
                               resid0, kappa, rho, js, fixed, fnz, offset, centres, precision, weights, out_chi2,
                               out_a):
    """The Gaussian profile for likelihoods whose signal templates do not depend on the flavour (LAr): every
    hypothesis-dependent entry of the normal equations is a dot product of the flavour-summed signal s (B,) or
    of s^2 with a precomputed vector (`base._Projection`), so a hypothesis costs (n_lin + n_quad) dot products
    of length B, one K x K solve and the residual sum, instead of the K x B templates.

    lin (n_lin, B), lin_to (n_lin, 3) = (0: Hessian lower entry [p, q] / 1: right-hand side [p], p, q); quad
    likewise for s^2; ff = F W F^T + priors; rhs0 = F W (n - b); resid0 = n - b; kappa (B,) = the signal share at
    c = 0 (`keep`); rho (Ks, B) the relative templates; fnz the indices of the non-zero rows of F.
    chi^2 evaluated directly from the residuals. Hypotheses (sig, or coef and table) and centres as in
    `poisson_profile`; the data are the likelihood's.
    """
    n_f, n_b = factor.shape
    fused, n_h, n_per = _hypotheses(sig, coef, table)
    k = fixed.shape[0]
    ks = js.shape[0]
    n_l = lin.shape[0]
    raw = np.empty((n_f, n_b))
    n_q = quad.shape[0]
    s = np.empty(n_b)
    s2 = np.empty(n_b)
    xl = np.empty(max(n_l, 1))
    xq = np.empty(max(n_q, 1))
    hm = np.empty((k, k))
    rhs = np.empty(k)
    a = np.empty(k)
    y = np.empty(k)
    dsc = np.empty(k)
    dev = np.empty(n_b)
    for h in range(blk_lo * _BLOCK, min(n_h, blk_hi * _BLOCK)):
        cen = centres[h % centres.shape[0]]
        if fused:
            _combine(coef[h], table[h // n_per], tol[h], raw)
            ok = _load_summed(raw, factor, s)
        else:
            ok = _load_summed(sig[h], factor, s)
        if not ok:
            out_chi2[h] = np.nan
            for p in range(k):
                out_a[h, p] = np.nan
            continue
        for i in range(n_b):
            s2[i] = s[i] * s[i]
        _dots(lin, s, xl)
        _dots(quad, s2, xq)
        _normal_equations(xl, xq, lin_to, quad_to, ff, rhs0, precision, cen, hm, rhs)
        _cholesky(hm, dsc)
        _cho_solve(hm, dsc, rhs, y, a)
        for i in range(n_b):
            dev[i] = resid0[i] - s[i] * kappa[i]
        for j in range(fnz.shape[0]):
            p = fnz[j]
            ap = a[p]
            for i in range(n_b):
                dev[i] -= ap * fixed[p, i]
        for j in range(ks):
            ap = a[js[j]]
            for i in range(n_b):
                dev[i] -= ap * s[i] * rho[j, i]
        chi2 = 0.0
        for i in range(n_b):
            chi2 += weights[i] * dev[i] * dev[i]
        for p in range(k):
            d = a[p] - cen[p]
            chi2 += precision[p] * d * d
            out_a[h, p] = a[p] - offset[p]
        out_chi2[h] = chi2


@njit(nogil=True, cache=True, fastmath=_FM, error_model="numpy")
def gaussian_profile_reduced(blk_lo, blk_hi, coef, pl, pq, cl, cq, pa, pb, c0, lin_to, quad_to, ff, rhs0, offset,
                             centres, precision, out_chi2, out_a):
    """The projected Gaussian profile (`gaussian_profile_projected`) of hypotheses given as linear combinations
    s_h = sum_t coef[h, t] u_t of flavour-summed tables u (n_tab, T, B) whose combinations are known to be
    non-negative (no count to check or clip): each dot product s.v of the normal equations is then
    sum_t coef[h, t] (u_t.v), and s^2.v = sum_{t <= t'} coef[h, t] coef[h, t'] (2 - delta) (u_t u_t'.v), so a
    hypothesis costs O(T^2) operations and one K x K solve, nothing of the order of its bins.

    pl (n_tab, T, n_lin) = u.lin^T; pq (n_tab, n_pairs, n_quad) the pair products (multiplicity included) dotted
    with quad; pa, pb the pairs t <= t'; cl (n_tab, T), cq (n_tab, n_pairs) and c0 make r.W.r of the residual at
    c = 0 (r = n - b - s kappa) a quadratic form in the coefficients. The chi^2 is the function's value at the
    solution (its data part from the normal equations; `base._Projection` for the rest of the arguments).
    """
    n_h, n_t = coef.shape
    n_per = max(n_h // pl.shape[0], 1)
    k = ff.shape[0]
    n_l = pl.shape[2]
    n_q = pq.shape[2]
    n_p = pa.shape[0]
    xl = np.empty(max(n_l, 1))
    xq = np.empty(max(n_q, 1))
    cc = np.empty(max(n_p, 1))
    hm = np.empty((k, k))
    hm0 = np.empty((k, k))
    rhs = np.empty(k)
    a = np.empty(k)
    y = np.empty(k)
    dsc = np.empty(k)
    for h in range(blk_lo * _BLOCK, min(n_h, blk_hi * _BLOCK)):
        j = h // n_per
        c = coef[h]
        cen = centres[h % centres.shape[0]]
        rtwr = c0  # r.W.r of the residual r = n - b - s kappa at c = 0, as a quadratic form in the coefficients
        for r in range(n_l):
            xl[r] = 0.0
        for t in range(n_t):
            ct = c[t]
            rtwr += ct * cl[j, t]
            for r in range(n_l):
                xl[r] += ct * pl[j, t, r]
        for r in range(n_q):
            xq[r] = 0.0
        for p in range(n_p):
            cp = c[pa[p]] * c[pb[p]]
            rtwr += cp * cq[j, p]
            for r in range(n_q):
                xq[r] += cp * pq[j, p, r]
        _normal_equations(xl, xq, lin_to, quad_to, ff, rhs0, precision, cen, hm, rhs)
        for p in range(k):
            for q in range(p + 1):
                hm0[p, q] = hm[p, q]
        _cholesky(hm, dsc)
        _cho_solve(hm, dsc, rhs, y, a)
        # chi^2 at a: r.W.r - 2 a.(A W r) + a.(A W A^T) a + (a - m).P (a - m)
        #           = r.W.r + m.P.m - 2 a.rhs + a.H a - ridge |a|^2   (H = A W A^T + P + ridge, rhs = A W r + P m)
        chi2 = rtwr
        for p in range(k):
            ap = a[p]
            t = hm0[p, p] * ap
            for q in range(p):
                t += 2.0 * hm0[p, q] * a[q]
            chi2 += ap * (t - 2.0 * rhs[p]) - _RIDGE * ap * ap + precision[p] * cen[p] * cen[p]
            out_a[h, p] = ap - offset[p]
        out_chi2[h] = chi2


@njit(nogil=True, cache=True, fastmath=_FM, error_model="numpy")
def flavour_totals(lo, hi, sig, out):
    """out (H, 3) = sum over the bins of each hypothesis's counts per flavour (the features of
    `kernels.locality_order`) for the hypotheses lo ... hi - 1."""
    n_h, n_f, n_b = sig.shape
    for h in range(lo, min(hi, n_h)):
        for f in range(n_f):
            t = 0.0
            for i in range(n_b):
                t += sig[h, f, i]
            out[h, f] = t


@njit(cache=True, error_model="numpy")
def morton_codes(q, bits):
    """The Morton (Z-curve) code of each row of q (H, d) (non-negative integers below 2**bits, d * bits <= 62):
    the bits of the d coordinates interleaved, most significant first. Sorting by it visits neighbours in turn."""
    n_h, d = q.shape
    out = np.zeros(n_h, dtype=np.int64)
    for h in range(n_h):
        c = 0
        for b in range(bits - 1, -1, -1):
            for j in range(d):
                c = (c << 1) | ((q[h, j] >> b) & 1)
        out[h] = c
    return out
