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

from dataclasses import dataclass, field

import numpy as np

from . import kernels
from ..validation import as_finite_array, check_chunk, check_signal_layout, positive_scalar
from .profile import profile_gaussian_split, profile_poisson_split

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


@dataclass
class Likelihood:
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
    def _as_signal(self, signal, what="signal") -> np.ndarray:
        """Signal hypotheses as (H, 3, B).

        Accepted: (B,) one hypothesis; (H, B) flavour-summed hypotheses, split with the SM flavour composition of
        each bin; (H, 3, B) per flavour. The bin axis B may also be given as the two axes (n_energy, n_time).
        """
        s = np.asarray(signal, dtype=float)
        if s.ndim >= 2 and s.shape[-2:] == self.shape:
            s = s.reshape(s.shape[:-2] + (self.n_bins,))
        if s.ndim == 0 or s.shape[-1] != self.n_bins:
            raise ValueError(f"{self.name}: {what} of shape {np.shape(signal)} does not end in {self.n_bins} bins "
                             f"(= {self.shape[0]} x {self.shape[1]})")
        if s.ndim == 1:
            s = s[None, :]
        if s.ndim == 2:
            tot = self.sm_signal.sum(axis=0)
            frac = np.divide(self.sm_signal, tot, out=np.full_like(self.sm_signal, 1.0 / N_FLAVOURS), where=tot > 0)
            s = s[:, None, :] * frac[None]
        elif s.ndim != 3 or s.shape[1] != N_FLAVOURS:
            raise ValueError(f"{self.name}: {what} must have shape (n_hypotheses, {self.n_bins}) or "
                             f"(n_hypotheses, {N_FLAVOURS}, {self.n_bins}); got {np.shape(signal)}")
        if not np.all(np.isfinite(s)):
            raise ValueError(f"{self.name}: {what} contains NaN or infinite expected counts")
        if np.any(s < 0):
            raise ValueError(f"{self.name}: {what} contains negative expected counts (min {s.min():g})")
        return s if self.signal_factor is None else s * self.signal_factor[None]

    def _merged_groups(self) -> list[list[int]]:
        """Nuisances with identical templates and Gaussian priors act as one parameter of variance sum sigma^2
        (exactly, after profiling): group them so the profiler solves a smaller system."""
        groups: list[list[int]] = []
        for k, nu in enumerate(self.nuisances):
            for g in groups:
                ref = self.nuisances[g[0]]
                if (nu.sigma is not None and ref.sigma is not None and nu.applies_to_es == ref.applies_to_es
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

    # --- the statistic -------------------------------------------------------------------------------------
    def chi2_profiled(self, signal, electron_scattering=None, return_nuisances: bool = False,
                      chunk: int = 20000, backend: str = "auto", per_flavour: bool | None = None):
        """chi^2 minimised over every nuisance parameter, for each signal hypothesis (vectorised).

        signal: expected CEvNS counts, (B,), (H, B) or per flavour (H, 3, B) (also with (n_E, n_t) bin axes).
        electron_scattering: optional expected ES counts of the same shape (the "+ES" slot of seed 000).
        Returns chi2 (H,) [and the best nuisances (H, K)].
        backend: "compiled" (numba kernels, parallel over hypotheses), "numpy" (the vectorised reference in
        `profile`), or "auto" (compiled when numba is available).
        per_flavour: how to read a (3, B) or (3, n_E, n_t) signal, which is ambiguous and refused by default:
        True = one hypothesis given per flavour (as `RateEngine.counts` returns it), False = three hypotheses.
        """
        chunk = check_chunk(chunk)
        signal = check_signal_layout(signal, self.n_bins, self.shape, per_flavour=per_flavour)
        if electron_scattering is not None:
            electron_scattering = check_signal_layout(electron_scattering, self.n_bins, self.shape,
                                                      per_flavour=per_flavour, what="electron_scattering")
        if backend not in ("auto", "compiled", "numpy"):
            raise ValueError(f"backend must be 'auto', 'compiled' or 'numpy', not {backend!r}")
        use_compiled = kernels.AVAILABLE and backend != "numpy" and len(self.nuisances) > 0
        if backend == "compiled" and not use_compiled:
            raise ValueError("the compiled backend needs numba and at least one nuisance parameter")
        s = self._as_signal(signal)
        es = None if electron_scattering is None else self._as_signal(electron_scattering, "electron scattering")
        if es is not None and es.shape[0] not in (1, s.shape[0]):
            raise ValueError("electron-scattering hypotheses must match the signal hypotheses in number")
        groups = self._merged_groups()
        nus = [self.nuisances[g[0]] for g in groups]
        var = [sum(self.nuisances[k].sigma ** 2 for k in g) if nus[i].sigma is not None else None
               for i, g in enumerate(groups)]
        prec = np.array([0.0 if v is None else 1.0 / v for v in var])
        bkg = self.expected_background()
        js = np.array([k for k, n in enumerate(nus) if n.relative is not None], dtype=int)
        rel = np.stack([nus[k].relative for k in js]) if js.size else np.zeros((0, 3, self.n_bins))
        es_rel = np.stack([nus[k].relative if nus[k].applies_to_es else np.zeros_like(nus[k].relative)
                           for k in js]) if js.size else rel
        fixed = np.stack([sum(n.absolute.values()) if n.absolute else np.zeros(self.n_bins) for n in nus]) \
            if nus else np.zeros((0, self.n_bins))
        chi2 = np.empty(s.shape[0])
        nuis = np.empty((s.shape[0], len(self.nuisances)))
        if use_compiled:  # one call: the kernel builds each hypothesis's templates itself
            a_all = kernels.profile_compiled(self.statistic, s, es, rel, es_rel, js, fixed, bkg, self.data, prec,
                                             self.variance)
            chunks = [(slice(0, s.shape[0]), a_all)]
        else:
            chunks = []
            for start in range(0, s.shape[0], chunk):
                sl = slice(start, start + chunk)
                sc = s[sl]
                mu0 = sc.sum(axis=1) + bkg[None, :]
                s_part = np.einsum("hfb,sfb->hsb", sc, rel)
                if es is not None:
                    ec = np.broadcast_to(es, s.shape)[sl]
                    mu0 = mu0 + ec.sum(axis=1)
                    s_part = s_part + np.einsum("hfb,sfb->hsb", ec, es_rel)
                if self.statistic == "poisson":
                    res = profile_poisson_split(mu0, s_part, js, fixed, self.data, prec, return_nuisances=True)
                else:
                    res = profile_gaussian_split(mu0, s_part, js, fixed, self.data, self.variance, prec,
                                                 return_nuisances=True)
                chunks.append((sl, res))
        for sl, (c, a) in chunks:
            chi2[sl] = c
            for i, g in enumerate(groups):  # split a merged parameter back in proportion to the prior variances
                for k in g:
                    share = 1.0 if len(g) == 1 else self.nuisances[k].sigma ** 2 / var[i]
                    nuis[sl, k] = share * a[:, i]
        return (chi2, nuis) if return_nuisances else chi2

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
