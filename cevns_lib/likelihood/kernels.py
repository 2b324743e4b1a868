"""Compiled (numba) profiling kernels: the same minimisation as `profile`, in threads over blocks of hypotheses.
The numpy implementations in `profile` are the reference they are tested against.

* Poisson: damped Newton iterations (a fresh Hessian at every step) on
  2 sum_i [mu_i - n_i + n_i ln(n_i/mu_i)] + sum_k p_k a_k^2, bins with events keeping mu_i > 0, until a Newton
  step is undamped and its decrement is below `DECREMENT_TOL` (the same rule as `profile`).
* Gaussian: one K x K solve of the normal equations, the hypothesis-independent block precomputed; where the
  templates do not depend on the flavour (LAr) and the data are the likelihood's own, every hypothesis-dependent
  entry is a dot product of the flavour-summed signal with a precomputed vector (`base._Projection`).
* Hypotheses given as linear combinations of tables (a scan's pair weights, `Likelihood.chi2_profiled_linear`):
  formed in the kernels with the round-off rule of `rates.QuadraticCounts.counts`; or, where every combination is
  known to be non-negative (`nonnegative`, a positive semi-definite form), never formed: the Poisson kernel
  combines the templates from the tables' template rows (`template_rows`), the projected Gaussian kernel solves
  from the tables' projections (`reduced_tables`), O(T^2) operations per hypothesis.

Numba is imported, and the kernels compiled (or loaded from numba's on-disk cache), only when `profile_compiled`
is first called; `Likelihood.chi2_profiled` calls it only for batches above `COMPILED_FROM` hypotheses, so that
no small computation waits for a compiler. Numba caches next to this file or, where the package is read-only,
in its user-wide cache directory (set NUMBA_CACHE_DIR to choose another). A process that first uses the kernels
while `compile_all` runs elsewhere (`make book` compiles them while its first chapters execute) waits for it and
loads its result (a POSIX file lock, `lock_path`).

The kernels run in `threads()` threads, each taking ranges of blocks of hypotheses in turn (`_run_blocks`; the
compiled functions release the GIL), each entry point being the whole kernel (no compiled wrapper around it). A
numba parallel region (prange) did the same and was 2-7 % faster per hypothesis, but took 2.5x the compile time
(the Poisson kernel 44 s instead of 16 s: numba compiles the kernel once more for the parallel region, and each
compiled wrapper optimises its inlined callee again).
"""

from __future__ import annotations

import importlib.util

import numpy as np

from ._compiled_constants import BLOCK

AVAILABLE = importlib.util.find_spec("numba") is not None
#: batches of at least this many hypotheses take the compiled path under backend="auto" (benchmarks/: the numpy
#: path is as fast up to a few hundred hypotheses, and a first compilation costs ~10 s)
COMPILED_FROM = 2000
#: convergence: an undamped Newton step (fresh Hessian) whose decrement lambda^2 = g.H^-1.g is below this.
#: The chi^2 is self-concordant in the nuisances (each term 2 n_i (mu_i/n_i - ln mu_i) with 2 n_i >= 1, plus
#: linear and quadratic terms; Boyd & Vandenberghe, Convex Optimization (2004), sec. 9.6): after such a step the new
#: decrement is <= (lambda / (1 - lambda))^2 lambda^2 ~ lambda^4 and chi^2 - min chi^2 <= ~lambda'^2, i.e. chi^2 is
#: within ~DECREMENT_TOL^2 = 1e-10 of its minimum (tested against an independent minimiser).
DECREMENT_TOL = 1e-5
#: Poisson: each hypothesis after the first of a block of `_compiled._BLOCK` starts from the previous ones' minima
#: (where that keeps every bin with events positive), else from a = 0: extrapolated along the scan in the
#: hypotheses' total signals, quadratically from the three previous minima (the scans of positive semi-definite
#: forms, `nonnegative`), else linearly from two (the secant ratio), else the previous minimum alone
#: (`_compiled._warm_start`); a warm start that does not converge is redone cold. Neighbours in a scan then need
#: ~1.1 Newton steps (a 400 x 400 NSI grid: 1.08 quadratic, 1.46 linear, 2.0 from the previous minimum alone, ~4
#: cold); random hypotheses are unaffected. The minimum is the same to the stated
#: tolerance (the problem is convex), and, blocks being fixed by the hypothesis index, independent of the number
#: of threads.
WARM_START = True
#: Poisson: a batch of at least `ORDER_FROM` hypotheses is processed in the Morton (Z-curve) order of its
#: features (`locality_order`: the flavour totals of the signal, and the data totals of toys) where the given
#: order is unordered (a median step between consecutive hypotheses above `UNORDERED_STEP` of the features'
#: ranges, and at least 4x that of the Morton order), so that each warm start is a neighbour's minimum: random
#: hypotheses then need ~2.1 Newton steps instead of ~3.5, in ~20 % less time (benchmarks/). An ordered batch (a
#: scan; the linear forms of `Likelihood.chi2_profiled_linear` always) keeps its order and its second-order warm
#: starts. The chi^2 is the same to the stated tolerance.
LOCALITY_ORDER = True
ORDER_FROM = 256
UNORDERED_STEP = 0.05
_MOD = None
_POOL = None
#: a call's ranges of blocks per thread: the threads take them in turn, so that a thread whose blocks converge
#: sooner takes more (the cost of a hypothesis varies with its Newton steps)
TASKS_PER_THREAD = 4


_COMPILING = False  # this process holds the compile lock (`compile_all`): it does not wait for itself


def lock_path():
    """The file whose lock a running `compile_all` holds (`python -m cevns_lib.likelihood.kernels`, which `make
    book` runs while the first chapters execute): next to numba's cache of these kernels where that is writable,
    else in the temporary directory (one per installation)."""
    import hashlib
    import os
    import tempfile
    from pathlib import Path

    here = Path(__file__).resolve().parent
    cache = here / "__pycache__"
    if os.access(cache if cache.is_dir() else here, os.W_OK):
        return cache / "kernels-compiling.lock"
    tag = hashlib.sha256(str(here).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"cevns-kernels-{tag}.lock"


def _lock(exclusive: bool):
    """The compile lock (an open file holding a POSIX flock; None where fcntl is missing): exclusive for
    `compile_all`; shared, which waits until a running compilation has written numba's cache, for a user."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no waiting, at worst a second compilation
        return None
    path = lock_path()
    try:
        if exclusive:
            path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a" if exclusive else "r")
    except OSError:
        if exclusive:
            raise
        return None  # no lock file (nothing was ever compiled here) or not readable: nothing to wait for
    fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
    return handle


def _module():
    global _MOD
    if _MOD is None:
        if not _COMPILING:  # a compilation in progress (`make book`): load its result instead of compiling again
            handle = _lock(exclusive=False)
            if handle is not None:
                handle.close()
        from . import _compiled

        _MOD = _compiled
    return _MOD


def threads() -> int:
    """The threads the kernels run in: numba's NUMBA_NUM_THREADS (by default the number of CPUs; set the
    environment variable to use fewer, as `parallel.cluster`'s workers do)."""
    _module()
    import numba

    return max(1, int(numba.config.NUMBA_NUM_THREADS))


def _run_blocks(kernel, n_blocks: int, *args) -> None:
    """kernel(lo, hi, *args) for ranges [lo, hi) covering 0 ... n_blocks - 1, in `threads()` threads (the kernels
    release the GIL; each block writes only its own hypotheses' outputs, so the result does not depend on the
    split)."""
    global _POOL
    n_t = min(threads(), n_blocks)
    if n_t <= 1:
        kernel(0, n_blocks, *args)
        return
    if _POOL is None or _POOL[0] != n_t:  # (threads, executor)
        from concurrent.futures import ThreadPoolExecutor

        _POOL = (n_t, ThreadPoolExecutor(max_workers=n_t, thread_name_prefix="cevns-kernels"))
    edges = np.linspace(0, n_blocks, min(n_blocks, TASKS_PER_THREAD * n_t) + 1).round().astype(np.int64)
    futures = [_POOL[1].submit(kernel, int(lo), int(hi), *args) for lo, hi in zip(edges[:-1], edges[1:]) if hi > lo]
    for future in futures:
        future.result()


def _n_blocks(n_hypotheses: int) -> int:
    return (n_hypotheses + BLOCK - 1) // BLOCK


def _writable(x):
    """x as a C-contiguous, writable float64 array (copied only where it is not one)."""
    return np.require(x, np.float64, ["C", "W"])


def profile_compiled(statistic, signal, es, factor, setup, max_iter: int = 500, data=None, centre=None,
                     linear=None, nonnegative: bool = False):
    """chi^2 (H,), nuisances (H, K) and iterations (H,) for signal hypotheses (H, 3, B) read in place.

    es: (H or 1, 3, B) or None; factor (3, B): the re-timing applied to signal and es; setup: the likelihood's
    `_ProfileSetup`. chi^2 is NaN for an invalid hypothesis (NaN, inf or a real negative count).
    data: None (the likelihood's data) or (1 or H, B) data sets; centre: None (priors centred at a = 0) or
    (1 or H, K) prior centres of the (merged) nuisances.
    linear: None, or (coefficients (H, T), tables (n_tab, T, 3, B) or (T, 3, B), tolerance (H,)), n_tab | H:
    hypotheses given as the linear combinations sum_t coefficients[h, t] tables[h // (H / n_tab), t], formed
    inside the kernel (a negative within tolerance[h] of zero set to zero); `signal` is then ignored. Only for
    the Poisson kernel and the projected Gaussian one (the likelihood's own data, no es): see
    `Likelihood.chi2_profiled_linear`.
    nonnegative: the caller guarantees that every linear combination is >= 0 to round-off in every bin (e.g. the
    pair weights of real parameters of a positive semi-definite quadratic form,
    `rates.QuadraticCounts.positive_semidefinite`): no count is then formed, checked or clipped. The Poisson
    kernel combines each hypothesis's templates from the tables' template rows (`template_rows`), the projected
    Gaussian kernel works from the tables' projections (`gaussian_profile_reduced`, `reduced_tables`).
    """
    mod = _module()
    k = setup.fixed.shape[0]
    if linear is None:
        h = signal.shape[0]
        coef, table, tol = np.empty((0, 1)), np.empty((0, 1) + signal.shape[1:]), np.empty(0)
    else:
        coef, table, tol = (np.require(x, np.float64, ['C', 'W']) for x in linear)  # one compiled version
        table = table[None] if table.ndim == 3 else table
        h = coef.shape[0]
        signal = np.empty((0,) + table.shape[2:])
    es = np.zeros((0,) + signal.shape[1:]) if es is None else es
    own_data = data is None
    # writable arrays always (a copy of the likelihood's read-only data, of a read-only toy set): numba compiles
    # one version per array flag, so that the observed data and toys share one compiled kernel (~40 s each)
    data = _writable(setup.data[None, :] if data is None else np.atleast_2d(data))
    cen = _writable(setup.offset[None, :] if centre is None else setup.offset[None, :] + np.atleast_2d(centre))
    chi2, a = np.empty(h), np.empty((h, k))
    if statistic == "poisson":
        it = np.empty(h, dtype=np.int64)
        order = None
        if WARM_START and linear is None and h >= ORDER_FROM:  # (linear forms come from scans: ordered)
            order = locality_order(_features(signal, data))
        order = np.empty(0, dtype=np.int64) if order is None else order.astype(np.int64)
        tots = np.empty((0, 1))
        if linear is not None and nonnegative and np.all(factor >= 0.0):
            table, tots = template_rows(setup, factor, table)
        _run_blocks(mod.poisson_profile, _n_blocks(h), signal, coef, table, tol, tots, es, factor, setup.rel,
                    setup.es_rel, setup.js, setup.fixed, setup.bkg, setup.keep, setup.es_keep, setup.offset, data, cen,
                    setup.prec, max_iter, DECREMENT_TOL, WARM_START, order, chi2, a, it)
    elif setup.projection is not None and own_data and not es.shape[0]:
        it = np.ones(h, dtype=np.int64)
        pr = setup.projection
        if linear is not None and nonnegative and np.all(factor >= 0.0):
            pl, pq, cl, cq, pa, pb, c0 = reduced_tables(pr, factor, setup.weights, table)
            _run_blocks(mod.gaussian_profile_reduced, _n_blocks(h), coef, pl, pq, cl, cq, pa, pb, c0, pr.lin_to,
                        pr.quad_to, setup.ff, pr.rhs0, setup.offset, cen, setup.prec, chi2, a)
            return chi2, a, it
        _run_blocks(mod.gaussian_profile_projected, _n_blocks(h), signal, coef, table, tol, factor, pr.lin, pr.lin_to,
                    pr.quad, pr.quad_to, setup.ff, pr.rhs0, pr.resid0, pr.kappa, pr.rho, setup.js, setup.fixed, pr.fnz,
                    setup.offset, cen, setup.prec, setup.weights, chi2, a)
    elif linear is not None:
        raise ValueError("hypotheses as linear combinations need the Poisson or the projected Gaussian kernel")
    else:
        it = np.ones(h, dtype=np.int64)
        _run_blocks(mod.gaussian_profile, _n_blocks(h), signal, es, factor, setup.rel, setup.es_rel, setup.js,
                    setup.fixed, setup.wfixed, setup.ff, setup.bkg, setup.keep, setup.es_keep, setup.offset, data, cen,
                    setup.prec, setup.weights, chi2, a)
    return chi2, a, it


def template_rows(setup, factor, table):
    """The tables of the Poisson kernel's direct template combination (`_compiled._template_combination`) for
    hypotheses sum_t coef[h, t] table[j, t] (table (n_tab, T, 3, B)) known to be non-negative: each table's
    contribution to the hypothesis-dependent template rows js, sum_f rel[s, f] factor[f] table[j, t, f]
    (n_tab, Ks + 1, T, B; the last row the kept signal share in the base, sum_f keep[f] factor[f] table), and
    its total re-timed signal (n_tab, T)."""
    rt = table * factor  # (n_tab, T, 3, B)
    rows = np.concatenate([np.einsum("jtfb,sfb->jstb", rt, setup.rel),
                           np.einsum("jtfb,fb->jtb", rt, setup.keep)[:, None]], axis=1)
    return np.ascontiguousarray(rows), np.ascontiguousarray(rt.sum(axis=(2, 3)))


def reduced_tables(projection, factor, weights, table):
    """The tables of `gaussian_profile_reduced` for hypotheses sum_t coef[h, t] table[j, t] (table (n_tab, T, 3, B)):
    u (n_tab, T, B), the flavour sums of the re-timed tables, projected on the vectors of `base._Projection`
    (lin on u_t, quad on the pair products u_t u_t' with multiplicity 2 - delta), and r.W.r of the residual at
    c = 0 as c0 + cl.coef + cq.(pair products of coef). Returns (pl, pq, cl, cq, pa, pb, c0)."""
    u = np.einsum("jtfb,fb->jtb", table, factor)
    pa, pb = np.triu_indices(u.shape[1])
    uu = u[:, pa] * u[:, pb] * np.where(pa == pb, 1.0, 2.0)[None, :, None]
    wk = weights * projection.kappa
    c = np.ascontiguousarray
    return (c(u @ projection.lin.T), c(uu @ projection.quad.T), c(-2.0 * (u @ (wk * projection.resid0))),
            c(uu @ (wk * projection.kappa)), pa.astype(np.int64), pb.astype(np.int64),
            float(projection.resid0 @ (weights * projection.resid0)))


def locality_order(features):
    """The order in which to profile a batch (a permutation of its H hypotheses), or None for the given order.

    features (H, d): each scaled to [0, 1] (constant ones dropped) and quantised to 2**bits levels (bits <= 16,
    d bits <= 62; features constant to round-off dropped). The Morton order is taken if the median L1 step
    between consecutive hypotheses (in the scaled features) exceeds `UNORDERED_STEP` in the given order and is
    more than 4x longer there than in that one: a random batch (median step ~1/3 per feature) is reordered, a
    scan (whose steps are its spacing) is not, as its order serves the second-order warm starts best. None below
    `ORDER_FROM` hypotheses or with `LOCALITY_ORDER` off."""
    f = np.asarray(features, dtype=np.float64)
    if not LOCALITY_ORDER or f.shape[0] < ORDER_FROM:
        return None
    lo = f.min(axis=0)
    span = f.max(axis=0) - lo
    use = np.isfinite(span) & (span > 1e-9 * np.maximum(np.abs(lo), np.abs(lo + span)))  # round-off: constant
    if not use.any():
        return None
    z = (f[:, use] - lo[use]) / span[use]
    bits = min(16, 62 // z.shape[1])
    q = np.clip((z * (1 << bits)).astype(np.int64), 0, (1 << bits) - 1)
    order = np.argsort(_module().morton_codes(q, bits), kind="stable")
    given = np.median(np.abs(np.diff(z, axis=0)).sum(axis=1))
    if given <= UNORDERED_STEP:  # consecutive hypotheses are near: a scan, whose order the warm starts exploit
        return None
    return order if given > 4.0 * np.median(np.abs(np.diff(z[order], axis=0)).sum(axis=1)) else None


def _features(signal, data):
    """The features of `locality_order`: the hypotheses' flavour totals (H, 3), and the data totals of toys."""
    tot = np.empty((signal.shape[0], signal.shape[1]))
    _run_blocks(_module().flavour_totals, signal.shape[0], signal, tot)
    if data.shape[0] == tot.shape[0] and tot.shape[0] > 1:
        tot = np.concatenate([tot, data.sum(axis=1)[:, None]], axis=1)
    return tot


def takes_linear(statistic, setup, es=None, data=None) -> bool:
    """Whether `profile_compiled(..., linear=...)` has a kernel for this likelihood and call."""
    return es is None and (statistic == "poisson" or (setup.projection is not None and data is None))


def compile_all(part: str = "all", lock: bool = True) -> float:
    """Compile every kernel (or load it from numba's cache) for the argument types the likelihoods pass, ahead
    of their first use: `make` runs this once after installing (`python -m cevns_lib.likelihood.kernels`, the
    two parts in two processes; `make book` while the first chapters execute), so that no chapter, test or scan
    of a fresh clone waits ~17 s for the compiler.
    part: "all", "poisson" (the CsI likelihood's kernels) or "gaussian" (LAr's, and the locality order's).
    lock: hold the compile lock (`lock_path`) meanwhile, so that another process's first use of the kernels
    waits for this compilation and loads its result (False: the caller holds it). Returns the seconds it took."""
    import time

    if part not in ("all", "poisson", "gaussian"):
        raise ValueError(f"part must be 'all', 'poisson' or 'gaussian', not {part!r}")
    global _COMPILING
    t0 = time.perf_counter()
    handle = _lock(exclusive=True) if lock else None
    held, _COMPILING = _COMPILING, True
    try:
        _compile(part)
    finally:
        _COMPILING = held
        if handle is not None:
            handle.close()
    return time.perf_counter() - t0


def _compile(part: str) -> None:
    """The calls of `compile_all`, one per argument type the likelihoods pass."""
    from .csi import csi_likelihood
    from .lar import lar_likelihood

    lks = {"all": (csi_likelihood, lar_likelihood), "poisson": (csi_likelihood,), "gaussian": (lar_likelihood,)}
    for lk in (build() for build in lks[part]):
        # the argument types of real calls: numba compiles one version per type, and a read-only array is
        # another type than a writable one. Hypotheses are the caller's (writable) arrays; data and prior
        # centres are passed writable always (`_writable`).
        one = np.array(lk.sm_signal[None], dtype=np.float64)
        factor = lk._kernel_factor
        for es in (None, np.zeros_like(one)):  # without and with electron scattering
            profile_compiled(lk.statistic, one, es, factor, lk._setup)  # the likelihood's own data
            profile_compiled(lk.statistic, one, es, factor, lk._setup, data=np.array(lk.data),
                             centre=np.zeros(lk._setup.fixed.shape[0]))  # toys: the general kernels
        # hypotheses as linear combinations of tables (`Likelihood.chi2_profiled_linear`, the scans)
        for nonnegative in (False, True):
            profile_compiled(lk.statistic, None, None, factor, lk._setup,
                             linear=(np.ones((1, 1)), np.array(one[None]), np.zeros(1)), nonnegative=nonnegative)
    if part != "poisson":
        _module().flavour_totals(0, 1, np.array(lar_likelihood().sm_signal[None]), np.empty((1, 3)))
        locality_order(np.random.default_rng(0).random((ORDER_FROM, 4)))  # the features of `locality_order`


def _compile_in_two_processes(announce: bool = False) -> float:
    """`compile_all` with its Gaussian part in a second process (numba compiles on one core; each kernel has its
    own cache files, written atomically): about half the wall time on two cores. The compile lock is held
    throughout; announce: print a line once it is held (`tools/build_book.py` waits for it before executing
    the chapters)."""
    import os
    import subprocess
    import sys
    import time

    t0 = time.perf_counter()
    handle = _lock(exclusive=True)
    if announce:
        print(f"cevns_lib: compiling the profiling kernels (lock {lock_path()})", flush=True)
    try:
        if (os.cpu_count() or 1) < 2:
            compile_all(lock=False)
        else:
            child = subprocess.Popen([sys.executable, "-c", "from cevns_lib.likelihood.kernels import compile_all; "
                                      "compile_all('gaussian', lock=False)"])
            compile_all("poisson", lock=False)
            if child.wait() != 0:
                raise RuntimeError("compiling the Gaussian kernels failed (see above)")
    finally:
        if handle is not None:
            handle.close()
    return time.perf_counter() - t0


if __name__ == "__main__":
    import sys

    from cevns_lib.likelihood import kernels  # the package's module (its globals), not this __main__ copy

    seconds = kernels._compile_in_two_processes(announce="--announce" in sys.argv[1:])
    print(f"cevns_lib: profiling kernels compiled (or loaded from numba's cache) in {seconds:.1f} s", flush=True)
