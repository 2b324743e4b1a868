"""A binned likelihood with linear nuisance templates: the part shared by the CsI and LAr chi^2.

A `Likelihood` holds the data, the background components, and per nuisance parameter either a fixed template
(a background normalisation or shape) or a *relative* template that multiplies the signal hypothesis
(per flavour, shape (3, bins)): the signal's normalisation, form-factor radius, efficiency or timing. Expected
counts for a batch of signal hypotheses s (H, 3, B) are then

    mu(a) = s_tot + es_tot + sum_b B_b + sum_k a_k [ sum_f (s_f + es_f) r_{k f} + T_k ],

linear in a, which the vectorised profilers of `profile` minimise exactly (Gaussian) or by Newton (Poisson).
An optional electron-scattering component es enters like the signal for the nuisances flagged `applies_to_es`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from . import kernels
from ..validation import as_finite_array, check_chunk, check_signal_layout, positive_scalar
from .profile import profile_gaussian_projected, profile_gaussian_split, profile_poisson_split

N_FLAVOURS = 3


@dataclass(frozen=True)
class Nuisance:
    """One nuisance parameter a: its prior width (None = free) and its linear templates.

    relative: (3, B) template multiplying the signal per flavour (normalisation = ones, shape = derivative);
    absolute: {component: (B,)} counts added per unit of a to a background component.
    """

    name: str
    sigma: float | None
    description: str
    relative: np.ndarray | None = None
    absolute: dict | None = None
    applies_to_es: bool = False

    def __post_init__(self):
        if self.sigma is not None:
            object.__setattr__(self, "sigma", positive_scalar(self.sigma, f"Nuisance {self.name}: prior width sigma"))

    @property
    def precision(self) -> float:
        return 0.0 if self.sigma is None else 1.0 / self.sigma**2


def _frozen(x):
    """A read-only float copy of an array (None stays None)."""
    if x is None:
        return None
    a = np.array(x, dtype=float)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class _ProfileSetup:
    """Everything the profilers need that does not depend on the hypotheses, computed once per likelihood.

    Nuisances with identical relative templates and Gaussian priors are merged (`groups`); `js` indexes the
    merged parameters with a relative template (rel, es_rel: (Ks, 3, B)); fixed (K, B) holds the absolute ones.
    For the Gaussian statistic also W = 1/variance, W F and F W F^T + priors (the hypothesis-independent block).

    The profilers work in c = a + offset: the first pure normalisation (relative template = 1) is written as
    mu = base + c_0 s + ..., so that far from the SM, where the fit pulls c_0 = 1 + a_0 towards 0, the expected
    counts are not the small difference of two huge numbers (s - |a_0| s) and keep full relative precision.
    """

    groups: list
    var: list
    prec: np.ndarray
    bkg: np.ndarray
    js: np.ndarray
    rel: np.ndarray
    es_rel: np.ndarray
    fixed: np.ndarray
    data: np.ndarray
    weights: np.ndarray | None
    wfixed: np.ndarray | None
    ff: np.ndarray | None
    offset: np.ndarray  # (K,) 1 for the parameter that carries the signal normalisation, else 0
    keep: np.ndarray  # (3, B) share of the signal not carried by it (0 where it is a pure normalisation)
    es_keep: np.ndarray  # (3, B) the same for electron scattering
    projection: "_Projection | None" = None  # Gaussian, flavour-blind templates: the precomputed dot products


@dataclass(frozen=True)
class _Projection:
    """The Gaussian normal equations as dot products with the flavour-summed signal s (Gaussian likelihoods whose
    relative templates rho_j and kept share kappa do not depend on the flavour, e.g. LAr).

    With A_p = F_p + s rho_p (rho_p = 0 for absolute-only parameters), W = 1/variance, d = n - backgrounds and
    the residual at c = 0 r = d - s kappa:
      (A W A^T)_pq = F_p W F_q + s.(rho_p W F_q) + s.(rho_q W F_p) + s^2.(W rho_p rho_q),
      (A W r)_p    = F_p W d - s.(F_p W kappa) + s.(rho_p W d) - s^2.(W rho_p kappa).
    lin/quad hold the vectors dotted with s and s^2, lin_to/quad_to where each product goes ((0, p, q): the
    Hessian's lower entry [p, q]; (1, p, 0): the right-hand side [p]); all-zero vectors are dropped.
    """

    lin: np.ndarray
    lin_to: np.ndarray
    quad: np.ndarray
    quad_to: np.ndarray
    rhs0: np.ndarray
    resid0: np.ndarray
    kappa: np.ndarray
    rho: np.ndarray
    fnz: np.ndarray

    @staticmethod
    def build(js, rel, keep, fixed, data, bkg, weights) -> "_Projection | None":
        flavour_blind = np.all(rel == rel[:, :1]) and np.all(keep == keep[:1])
        if not flavour_blind:
            return None
        k = fixed.shape[0]
        rho = np.zeros((k, data.size))
        rho[js] = rel[:, 0]
        kappa, d = keep[0], data - bkg
        lin, lin_to, quad, quad_to = [], [], [], []

        def put(vectors, targets, v, target):
            if np.any(v != 0):
                vectors.append(v)
                targets.append(target)

        for p in js:
            for q in range(k):  # s.(rho_p W F_q): entry [p, q] and, by symmetry, [q, p]; the diagonal twice
                hi, lo = max(p, q), min(p, q)
                put(lin, lin_to, (2.0 if p == q else 1.0) * rho[p] * weights * fixed[q], (0, hi, lo))
        for p in range(k):
            put(lin, lin_to, rho[p] * weights * d - fixed[p] * weights * kappa, (1, p, 0))
        for j, p in enumerate(js):
            for q in js[:j + 1]:
                put(quad, quad_to, weights * rho[p] * rho[q], (0, max(p, q), min(p, q)))
            put(quad, quad_to, -weights * rho[p] * kappa, (1, p, 0))
        b = data.size
        c = np.ascontiguousarray
        return _Projection(
            lin=c(np.array(lin).reshape(-1, b)), lin_to=c(np.array(lin_to, dtype=np.int64).reshape(-1, 3)),
            quad=c(np.array(quad).reshape(-1, b)), quad_to=c(np.array(quad_to, dtype=np.int64).reshape(-1, 3)),
            rhs0=c(fixed @ (weights * d)), resid0=c(d), kappa=c(kappa), rho=c(rel[:, 0]),
            fnz=np.flatnonzero(np.any(fixed != 0, axis=1)).astype(np.int64))


@dataclass(frozen=True, eq=False)
class Likelihood:
    """Immutable: arrays are read-only copies, mappings read-only views, the nuisances a tuple, so a built
    likelihood can be cached and shared (`fits.likelihood`, `csi_likelihood`, `lar_likelihood` cache theirs).
    Derive variants with `dataclasses.replace` (or `fits.without`)."""

    name: str
    statistic: str  # "poisson" or "gaussian"
    data: np.ndarray  # (B,)
    backgrounds: dict[str, np.ndarray]  # name -> (B,)
    nuisances: list[Nuisance]
    sm_signal: np.ndarray  # (3, B) nominal SM CEvNS per flavour
    shape: tuple[int, int]  # (n_energy, n_time) for reshaping
    variance: np.ndarray | None = None  # (B,) for the Gaussian statistic
    signal_factor: np.ndarray | None = None  # (3, B) exact per-flavour re-timing applied to every hypothesis
    description: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        put = functools.partial(object.__setattr__, self)
        put("data", _frozen(self.data))
        put("sm_signal", _frozen(self.sm_signal))
        put("variance", _frozen(self.variance))
        put("signal_factor", _frozen(self.signal_factor))
        put("backgrounds", MappingProxyType({k: _frozen(v) for k, v in dict(self.backgrounds).items()}))
        put("nuisances", tuple(self.nuisances))
        put("extra", MappingProxyType(dict(self.extra)))
        put("shape", tuple(self.shape))

    @property
    def n_bins(self) -> int:
        return self.data.size

    @property
    def names(self) -> list[str]:
        return [n.name for n in self.nuisances]

    @property
    def n_free(self) -> int:
        return sum(n.sigma is None for n in self.nuisances)

    # --- input handling ----------------------------------------------------------------------------------
    def _signal_view(self, signal, what="signal") -> np.ndarray:
        """Signal hypotheses as (H, 3, B) or (H, B) (flavour-summed), a view of the input where possible."""
        s = np.asarray(signal)
        if s.dtype.kind not in "fiub":
            s = s.astype(float)
        if s.ndim >= 2 and s.shape[-2:] == self.shape:
            s = s.reshape(s.shape[:-2] + (self.n_bins,))
        if s.ndim == 0 or s.shape[-1] != self.n_bins:
            raise ValueError(f"{self.name}: {what} of shape {np.shape(signal)} does not end in {self.n_bins} bins "
                             f"(= {self.shape[0]} x {self.shape[1]})")
        if s.ndim == 1:
            s = s[None, :]
        if s.ndim == 3 and s.shape[1] != N_FLAVOURS or s.ndim > 3:
            raise ValueError(f"{self.name}: {what} must have shape (n_hypotheses, {self.n_bins}) or "
                             f"(n_hypotheses, {N_FLAVOURS}, {self.n_bins}); got {np.shape(signal)}")
        return s

    def _per_flavour(self, s: np.ndarray) -> np.ndarray:
        """(H, B) flavour-summed hypotheses split with the SM flavour composition of each bin; (H, 3, B) as is."""
        if s.ndim == 3:
            return s
        tot = self.sm_signal.sum(axis=0)
        frac = np.divide(self.sm_signal, tot, out=np.full_like(self.sm_signal, 1.0 / N_FLAVOURS), where=tot > 0)
        return s[:, None, :] * frac[None]

    def _validated(self, s: np.ndarray, what="signal") -> np.ndarray:
        """A float copy of hypotheses (h, 3, B), re-timed; round-off negatives (within ROUNDOFF of the
        hypothesis's total counts) set to zero; NaN, inf or real negatives raise ValueError."""
        from ._compiled_constants import ROUNDOFF

        s = np.array(s, dtype=float)
        if not np.all(np.isfinite(s)):
            raise ValueError(f"{self.name}: {what} contains NaN or infinite expected counts")
        if self.signal_factor is not None:
            s *= self.signal_factor[None]
        neg = s < 0
        if neg.any():
            scale = ROUNDOFF * np.abs(s).sum(axis=(1, 2), keepdims=True)
            real = neg & (s < -scale)
            if real.any():
                raise ValueError(f"{self.name}: {what} contains negative expected counts (min {s[real].min():g})")
            s[neg] = 0.0
        return s

    def _as_signal(self, signal, what="signal") -> np.ndarray:
        """Signal hypotheses as (H, 3, B), re-timed and validated (a copy).

        Accepted: (B,) one hypothesis; (H, B) flavour-summed hypotheses, split with the SM flavour composition of
        each bin; (H, 3, B) per flavour. The bin axis B may also be given as the two axes (n_energy, n_time).
        """
        return self._validated(self._per_flavour(self._signal_view(signal, what)), what)

    @functools.cached_property
    def _setup(self) -> _ProfileSetup:
        """Profiling set-up for hypotheses without electron scattering (nuisances that differ only in whether
        they act on ES then act identically and are merged)."""
        return self._make_setup(with_es=False)

    @functools.cached_property
    def _kernel_factor(self) -> np.ndarray:
        """The re-timing factor (3, B) as the compiled kernels read it (ones where the likelihood has none): a
        writable C array for every likelihood, so that every call has the argument types that
        `kernels.compile_all` compiled ahead of time (a read-only array is another type to numba)."""
        factor = np.ones((N_FLAVOURS, self.n_bins)) if self.signal_factor is None else self.signal_factor
        return np.array(factor, dtype=np.float64, order="C")

    @functools.cached_property
    def _setup_es(self) -> _ProfileSetup:
        return self._make_setup(with_es=True)

    def _make_setup(self, with_es: bool) -> _ProfileSetup:
        groups = self._merged_groups(with_es)
        nus = [self.nuisances[g[0]] for g in groups]
        var = [sum(self.nuisances[k].sigma ** 2 for k in g) if nus[i].sigma is not None else None
               for i, g in enumerate(groups)]
        prec = np.array([0.0 if v is None else 1.0 / v for v in var])
        bkg = np.array(self.expected_background(), dtype=float) if self.backgrounds else np.zeros(self.n_bins)
        js = np.array([k for k, n in enumerate(nus) if n.relative is not None], dtype=np.int64)
        rel = np.stack([nus[k].relative for k in js]) if js.size else np.zeros((0, 3, self.n_bins))
        es_rel = np.stack([nus[k].relative if nus[k].applies_to_es else np.zeros_like(nus[k].relative)
                           for k in js]) if js.size else rel
        fixed = np.stack([sum(n.absolute.values()) if n.absolute else np.zeros(self.n_bins) for n in nus]) \
            if nus else np.zeros((0, self.n_bins))
        offset = np.zeros(len(nus))
        keep, es_keep = np.ones((N_FLAVOURS, self.n_bins)), np.ones((N_FLAVOURS, self.n_bins))
        for j, k in enumerate(js):  # the first pure normalisation of the signal (and, if it has one, of ES)
            if (not nus[k].absolute and np.all(rel[j] == 1.0) and (np.all(es_rel[j] == 1.0) or not with_es)):
                offset[k] = 1.0
                keep = keep - rel[j]
                es_keep = es_keep - es_rel[j]
                break
        weights = wfixed = ff = proj = None
        if self.statistic == "gaussian":
            weights = 1.0 / np.asarray(self.variance, float)
            wfixed = fixed * weights[None, :]
            ff = wfixed @ fixed.T + np.diag(prec + 1e-12)
            proj = _Projection.build(js, rel, keep, fixed, np.asarray(self.data, float), bkg, weights)
        c = np.ascontiguousarray
        return _ProfileSetup(groups, var, c(prec), c(bkg), js, c(rel, float), c(es_rel, float), c(fixed, float),
                             c(self.data, float), None if weights is None else c(weights),
                             None if wfixed is None else c(wfixed), None if ff is None else c(ff),
                             c(offset), c(keep), c(es_keep), proj)

    def _merged_groups(self, with_es: bool = True) -> list[list[int]]:
        """Nuisances with identical templates and Gaussian priors act as one parameter of variance sum sigma^2
        (exactly, after profiling): group them so the profiler solves a smaller system. Without electron
        scattering, whether a nuisance acts on it does not matter."""
        groups: list[list[int]] = []
        for k, nu in enumerate(self.nuisances):
            for g in groups:
                ref = self.nuisances[g[0]]
                if (nu.sigma is not None and ref.sigma is not None
                        and (nu.applies_to_es == ref.applies_to_es or not with_es)
                        and not nu.absolute and not ref.absolute and nu.relative is not None
                        and ref.relative is not None and np.array_equal(nu.relative, ref.relative)):
                    g.append(k)
                    break
            else:
                groups.append([k])
        return groups

    def templates(self, signal: np.ndarray, es: np.ndarray | None = None) -> np.ndarray:
        """(H, K, B) nuisance templates for signal hypotheses (H, 3, B)."""
        h = signal.shape[0]
        out = np.zeros((h, len(self.nuisances), self.n_bins))
        for k, nu in enumerate(self.nuisances):
            if nu.relative is not None:
                out[:, k] = np.einsum("hfb,fb->hb", signal, nu.relative)
                if es is not None and nu.applies_to_es:
                    out[:, k] += np.einsum("hfb,fb->hb", es, nu.relative)
            if nu.absolute:
                out[:, k] += sum(nu.absolute.values())[None, :]
        return out

    def expected_background(self) -> np.ndarray:
        return sum(self.backgrounds.values())

    def _as_data(self, data, n_hyp: int) -> np.ndarray:
        """Data sets as (1 or H, B): the observed data (None), or toy data (B,) for every hypothesis or one data
        set per hypothesis (H, B) (the bin axis also as (n_E, n_t))."""
        if data is None:
            return self.data[None, :]
        d = as_finite_array(data, f"{self.name}: data")
        if d.ndim >= 2 and d.shape[-2:] == self.shape:
            d = d.reshape(d.shape[:-2] + (self.n_bins,))
        d = d[None, :] if d.ndim == 1 else d
        if d.ndim != 2 or d.shape[1] != self.n_bins or d.shape[0] not in (1, n_hyp):
            raise ValueError(f"{self.name}: data of shape {np.shape(data)} must be ({self.n_bins},) or one data set "
                             f"per hypothesis ({n_hyp}, {self.n_bins})")
        if self.statistic == "poisson" and np.any(d < 0):
            raise ValueError(f"{self.name}: data must be counts >= 0 for the Poisson statistic "
                             f"(min {d.min():g})")
        return np.ascontiguousarray(d, dtype=float)

    def _as_centres(self, prior_centre, n_hyp: int, st: "_ProfileSetup"):
        """(per nuisance (1 or H, K), per merged parameter (1 or H, K_merged)) prior centres, or (None, None).

        A merged group acts as one parameter A = sum_k a_k: at fixed A the penalty sum_k (a_k - c_k)^2/sigma_k^2
        is smallest at a_k = c_k + (sigma_k^2 / V)(A - C), where it equals (A - C)^2 / V, with C = sum_k c_k and
        V = sum_k sigma_k^2: the merged parameter's prior is centred at the sum of its members' centres."""
        if prior_centre is None:
            return None, None
        k = len(self.nuisances)
        c = as_finite_array(prior_centre, f"{self.name}: prior_centre")
        c = c[None, :] if c.ndim == 1 else c
        if c.ndim != 2 or c.shape[1] != k or c.shape[0] not in (1, n_hyp):
            raise ValueError(f"{self.name}: prior_centre of shape {np.shape(prior_centre)} must be ({k},) or "
                             f"(1 or {n_hyp}, {k}), one centre per nuisance ({', '.join(self.names)})")
        free = [j for j, nu in enumerate(self.nuisances) if nu.sigma is None]
        c = c.copy()
        c[:, free] = 0.0  # a free parameter has no prior, hence no centre
        merged = np.stack([c[:, g].sum(axis=1) for g in st.groups], axis=1) if st.groups else np.zeros((1, 0))
        return c, np.ascontiguousarray(merged)

    # --- the statistic -------------------------------------------------------------------------------------
    def chi2_profiled(self, signal, electron_scattering=None, return_nuisances: bool = False,
                      chunk: int = 20000, backend: str = "auto", per_flavour: bool | None = None,
                      data=None, prior_centre=None):
        """chi^2 minimised over every nuisance parameter, for each signal hypothesis (vectorised).

        signal: expected CEvNS counts, (B,), (H, B) or per flavour (H, 3, B) (also with (n_E, n_t) bin axes).
        electron_scattering: optional expected ES counts of the same shape (the "+ES" slot of seed 000).
        Returns chi2 (H,) [and the best nuisances (H, K)].
        backend: "compiled" (numba kernels, parallel over hypotheses), "numpy" (the vectorised reference in
        `profile`), or "auto" (compiled for batches of at least `kernels.COMPILED_FROM` hypotheses when numba
        is installed, numpy below: no small computation waits for a compiler).
        per_flavour: how to read a (3, B) or (3, n_E, n_t) signal, which is ambiguous and refused by default:
        True = one hypothesis given per flavour (as `RateEngine.counts` returns it), False = three hypotheses.
        chunk: the largest number of hypotheses handled at once where a copy is needed (the numpy path, or
        input that is not float64 (H, 3, B)); the chunking is automatic: memory use beyond the result is
        bounded by the chunk, not by H. Negative counts within round-off of zero (1e-12 of a hypothesis's total)
        are treated as zero; real negatives, NaN or inf raise ValueError.
        The Poisson profile is converged to `kernels.DECREMENT_TOL` (chi^2 within ~1e-10 of its minimum).
        data: None (the observed data), or toy data sets: (B,) for every hypothesis or (H, B) one per hypothesis.
        prior_centre: None (every Gaussian prior centred at a = 0), or centres (K,) or (H, K), one row per
        hypothesis (the toys of the auxiliary measurements the priors stand for): the penalty is then
        sum_k (a_k - c_k)^2 / sigma_k^2 (free parameters ignore their centre).
        """
        chunk = check_chunk(chunk)
        signal = check_signal_layout(signal, self.n_bins, self.shape, per_flavour=per_flavour)
        if electron_scattering is not None:
            electron_scattering = check_signal_layout(electron_scattering, self.n_bins, self.shape,
                                                      per_flavour=per_flavour, what="electron_scattering")
        if backend not in ("auto", "compiled", "numpy"):
            raise ValueError(f"backend must be 'auto', 'compiled' or 'numpy', not {backend!r}")
        s = self._signal_view(signal)
        es = None if electron_scattering is None else self._signal_view(electron_scattering, "electron scattering")
        if es is not None and es.shape[0] not in (1, s.shape[0]):
            raise ValueError("electron-scattering hypotheses must match the signal hypotheses in number")
        n_h = s.shape[0]
        has_nuis = len(self.nuisances) > 0
        if backend == "compiled" and not (kernels.AVAILABLE and has_nuis):
            raise ValueError("the compiled backend needs numba and at least one nuisance parameter")
        use_compiled = has_nuis and (backend == "compiled" or (
            backend == "auto" and kernels.AVAILABLE and n_h >= kernels.COMPILED_FROM))
        st = self._setup if es is None else self._setup_es
        dsets = self._as_data(data, n_h)
        c_in, cen = self._as_centres(prior_centre, n_h, st)

        def rows(x, sl):  # one row for all hypotheses, or the rows of this chunk
            return None if x is None else (x if x.shape[0] == 1 else np.ascontiguousarray(x[sl]))

        chunk = max(1, int(chunk))
        k_merged = st.fixed.shape[0]
        chi2 = np.empty(n_h)
        a = np.empty((n_h, k_merged))
        if use_compiled:
            factor = self._kernel_factor

            def ready(x):  # the kernel reads float64 (n, 3, B) C-contiguous input in place
                return x.ndim == 3 and x.dtype == np.float64 and x.flags.c_contiguous

            direct = ready(s) and (es is None or ready(es))
            step = n_h if direct else min(chunk, 4096)
            for start in range(0, n_h, step):
                sl = slice(start, start + step)
                sc = s[sl] if direct else np.ascontiguousarray(self._per_flavour(s[sl]), dtype=float)
                ec = None
                if es is not None:
                    ec = es if es.shape[0] == 1 else es[sl]
                    if not direct:
                        ec = np.ascontiguousarray(self._per_flavour(ec), dtype=float)
                c, aa, _ = kernels.profile_compiled(  # data None: the likelihood's own (a precomputed path)
                    self.statistic, sc, ec, factor, st, data=None if data is None else rows(dsets, sl),
                    centre=rows(cen, sl))
                bad = np.isnan(c)
                if bad.any():  # let the reference checks name the problem
                    j = int(np.argmax(bad))
                    self._validated(self._per_flavour(sc[j:j + 1]))
                    if ec is not None:
                        self._validated(self._per_flavour(ec[j % ec.shape[0]:][:1]), "electron scattering")
                    raise ValueError(f"{self.name}: invalid hypothesis {start + j}")
                chi2[sl], a[sl] = c, aa
        else:
            step = min(chunk, 4096)
            # "auto", a flavour-blind Gaussian likelihood (LAr) and its own data: the projected normal equations
            projected = backend == "auto" and st.projection is not None and data is None and es is None
            for start in range(0, n_h, step):
                sl = slice(start, start + step)
                sc = self._validated(self._per_flavour(s[sl]))
                if projected:
                    chi2[sl], a[sl] = profile_gaussian_projected(
                        sc.sum(axis=1), st.projection, st.ff, st.js, st.fixed, st.weights, st.prec, st.offset,
                        centre=rows(cen, sl), return_nuisances=True)
                    continue
                mu0 = np.einsum("hfb,fb->hb", sc, st.keep) + st.bkg[None, :]
                s_part = np.einsum("hfb,sfb->hsb", sc, st.rel)
                if es is not None:
                    ec = self._validated(self._per_flavour(es if es.shape[0] == 1 else es[sl]),
                                         "electron scattering")
                    ec = np.broadcast_to(ec, sc.shape)
                    mu0 = mu0 + np.einsum("hfb,fb->hb", ec, st.es_keep)
                    s_part = s_part + np.einsum("hfb,sfb->hsb", ec, st.es_rel)
                dd, cc = rows(dsets, sl), rows(cen, sl)
                if self.statistic == "poisson":
                    c, aa = profile_poisson_split(mu0, s_part, st.js, st.fixed, dd, st.prec,
                                                  return_nuisances=True, offset=st.offset, centre=cc)
                else:
                    c, aa = profile_gaussian_split(mu0, s_part, st.js, st.fixed, dd, self.variance, st.prec,
                                                   return_nuisances=True, offset=st.offset, centre=cc)
                chi2[sl], a[sl] = c, aa
        if not return_nuisances:
            return chi2
        nuis = np.empty((n_h, len(self.nuisances)))
        for i, g in enumerate(st.groups):  # split a merged parameter back in proportion to the prior variances
            for k in g:
                share = 1.0 if len(g) == 1 else self.nuisances[k].sigma ** 2 / st.var[i]
                if c_in is None:
                    nuis[:, k] = share * a[:, i]
                else:  # about shifted centres (`_as_centres`): a_k = c_k + share (A - C)
                    nuis[:, k] = c_in[:, k] + share * (a[:, i] - cen[:, i])
        return chi2, nuis

    def chi2_profiled_linear(self, coefficients, tables, tolerance, nonnegative: bool = False) -> np.ndarray:
        """chi^2 minimised over every nuisance parameter for hypotheses given as linear combinations of fixed
        per-flavour tables: s_h = sum_t coefficients[h, t] tables[t] (e.g. `rates.QuadraticCounts.linear_form`
        for a scan of a quadratic form), a negative count within tolerance[h] of zero being round-off (set to 0).

        The same chi^2 as `chi2_profiled` of the formed hypotheses (to round-off), but the compiled kernels form
        each hypothesis in place: no (H, 3, B) array is written and read back, and no BLAS call runs between the
        profiling kernels. Needs the compiled path (`takes_linear(n)`); the likelihood's own data, no ES.
        coefficients (H, T); tables (T, 3, B), or (n_tab, T, 3, B) with n_tab dividing H, the H / n_tab
        consecutive hypotheses of entry j combining tables[j] (e.g. one mediator mass each), the bins also as
        (n_E, n_t); tolerance (H,). Returns chi2 (H,).
        nonnegative: True only where every combination is known to be >= 0 to round-off in every bin, e.g. the
        pair weights of real parameters of a quadratic form that is positive semi-definite in every bin
        (`rates.QuadraticCounts.positive_semidefinite`, as the scans pass it). No count is then formed (so none
        is checked: a false True gives a wrong chi^2): the Poisson kernel combines each hypothesis's templates
        from the tables' template rows; a Gaussian likelihood with flavour-blind templates (LAr) profiles from
        the tables' projections, in O(T^2) operations per hypothesis.
        """
        coef = as_finite_array(coefficients, "coefficients")
        tab = as_finite_array(tables, "tables")
        tol = as_finite_array(tolerance, "tolerance")
        if tab.shape[-2:] == self.shape:
            tab = tab.reshape(tab.shape[:-2] + (self.n_bins,))
        if tab.ndim == 3:
            tab = tab[None]
        if tab.ndim != 4 or tab.shape[2:] != (N_FLAVOURS, self.n_bins):
            raise ValueError(f"{self.name}: tables must have shape (T, {N_FLAVOURS}, {self.n_bins}) or "
                             f"(n_tables, T, {N_FLAVOURS}, {self.n_bins}); got {np.shape(tables)}")
        if coef.ndim != 2 or coef.shape[1] != tab.shape[1] or tol.shape != coef.shape[:1] \
                or coef.shape[0] % tab.shape[0]:
            raise ValueError(f"{self.name}: coefficients must be (H, {tab.shape[1]}) with H a multiple of the "
                             f"{tab.shape[0]} table(s), and tolerance (H,); got {coef.shape} and {tol.shape}")
        if not self.takes_linear(coef.shape[0]):
            raise ValueError(f"{self.name}: chi2_profiled_linear needs the compiled kernels (numba) and at least "
                             f"{kernels.COMPILED_FROM} hypotheses; use chi2_profiled of the formed hypotheses")
        chi2, _, _ = kernels.profile_compiled(self.statistic, None, None, self._kernel_factor, self._setup,
                                              linear=(coef, tab, tol), nonnegative=bool(nonnegative))
        bad = np.isnan(chi2)
        if bad.any():  # let the reference checks name the problem
            j = int(np.argmax(bad))
            s = np.einsum("t,tfb->fb", coef[j], tab[j // (coef.shape[0] // tab.shape[0])])
            s[(s < 0) & (s >= -tol[j])] = 0.0
            self._validated(s[None])
            raise ValueError(f"{self.name}: invalid hypothesis {j}")
        return chi2

    def takes_linear(self, n_hypotheses: int) -> bool:
        """Whether `chi2_profiled_linear` can profile n_hypotheses (the compiled kernels, numba installed, at least
        `kernels.COMPILED_FROM` of them, a kernel for this statistic)."""
        return (kernels.AVAILABLE and len(self.nuisances) > 0 and n_hypotheses >= kernels.COMPILED_FROM
                and kernels.takes_linear(self.statistic, self._setup))

    def _check_single(self, signal, nuisances):
        """One hypothesis and one finite value per nuisance parameter."""
        signal = check_signal_layout(signal, self.n_bins, self.shape)
        a = as_finite_array(nuisances, f"{self.name}: nuisances")
        if a.shape != (len(self.nuisances),):
            raise ValueError(f"{self.name}: nuisances must be {len(self.nuisances)} values ({', '.join(self.names)}), "
                             f"got shape {a.shape}")
        return signal, a

    def chi2_at(self, signal, nuisances, electron_scattering=None) -> float:
        """chi^2 of one hypothesis at given nuisance values (for iminuit and checks)."""
        signal, nuisances = self._check_single(signal, nuisances)
        s = self._as_signal(signal)[:1]
        es = None if electron_scattering is None else self._as_signal(electron_scattering)[:1]
        a = np.asarray(nuisances, float)
        mu = s.sum(axis=1)[0] + self.expected_background() + (0.0 if es is None else es.sum(axis=1)[0])
        mu = mu + a @ self.templates(s, es)[0]
        prec = np.array([n.precision for n in self.nuisances])
        prior = float(np.sum(a**2 * prec))
        if self.statistic == "poisson":
            if np.any((mu <= 0) & (self.data > 0)):
                return float("inf")  # the log term needs a positive mean where there are events
            from .profile import poisson_deviance

            return float(poisson_deviance(mu[None], self.data)[0]) + prior
        return float(np.sum((mu - self.data) ** 2 / self.variance)) + prior

    def expected_counts(self, signal, nuisances, electron_scattering=None,
                        per_flavour: bool | None = None) -> np.ndarray:
        """Total expected counts (H, B) of signal hypotheses (layouts as in `chi2_profiled`) at nuisances (K,)
        or (1 or H, K): the means of the toy experiments drawn from this likelihood's model."""
        signal = check_signal_layout(signal, self.n_bins, self.shape, per_flavour=per_flavour)
        s = self._as_signal(signal)
        es = None
        if electron_scattering is not None:
            es = check_signal_layout(electron_scattering, self.n_bins, self.shape, per_flavour=per_flavour,
                                     what="electron_scattering")
            es = self._as_signal(es, "electron scattering")
        k = len(self.nuisances)
        a = as_finite_array(nuisances, f"{self.name}: nuisances")
        a = a[None, :] if a.ndim == 1 else a
        h = max(a.shape[0], s.shape[0], 1 if es is None else es.shape[0])
        if a.ndim != 2 or a.shape[1] != k or a.shape[0] not in (1, h) or s.shape[0] not in (1, h) \
                or (es is not None and es.shape[0] not in (1, h)):
            raise ValueError(f"{self.name}: nuisances of shape {np.shape(nuisances)} do not match {s.shape[0]} "
                             f"hypotheses and {k} nuisances ({', '.join(self.names)})")
        s = np.broadcast_to(s, (h,) + s.shape[1:])
        es = None if es is None else np.broadcast_to(es, (h,) + es.shape[1:])
        mu = s.sum(axis=1) + np.asarray(self.expected_background())[None, :] + (0.0 if es is None else es.sum(axis=1))
        if k == 0:
            return np.array(np.broadcast_to(mu, (h, self.n_bins)))
        return mu + np.einsum("hk,hkb->hb", np.broadcast_to(a, (h, k)), self.templates(s, es))

    def expected_at(self, signal, nuisances) -> dict[str, np.ndarray]:
        """Expected counts (B,) per component at given nuisance values (for pull and data/prediction plots)."""
        signal, nuisances = self._check_single(signal, nuisances)
        s = self._as_signal(signal)[:1]
        a = np.asarray(nuisances, float)
        out = {"signal": s.sum(axis=1)[0].copy()}
        out.update({name: b.copy() for name, b in self.backgrounds.items()})
        for k, nu in enumerate(self.nuisances):
            if nu.relative is not None:
                out["signal"] += a[k] * np.einsum("fb,fb->b", s[0], nu.relative)
            for comp, tmpl in (nu.absolute or {}).items():
                out[comp] = out[comp] + a[k] * tmpl
        return out
