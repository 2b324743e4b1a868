r"""Exclusion scans and bounds for models whose rates are a quadratic form in one coupling parameter.

For a mediator model the expected counts are N(x) = N_00 + 2 x N_01 + x^2 N_11 with x = g^2 (or (g/M)^2), for a
whole grid of masses at once (`RateEngine.quadratic_counts`). A scan evaluates this on a (mass, coupling) grid and
profiles every nuisance for all grid points in one call of the likelihood. Conventions:

* Delta chi^2 is taken with respect to the minimum over the scanned plane, which contains the SM (g = 0);
* the 2 sigma exclusion region of a (M, g) plot is Delta chi^2 > 6.18 (two parameters); the one-parameter
  bounds of the low- and high-mass regimes use Delta chi^2 > 4 (one parameter) with respect to the minimum along
  that parameter, and quote the smallest excluded coupling (allowed islands at larger couplings, where the new
  amplitude flips the sign of the weak charge, are reported separately by `allowed_islands`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .fits import DATASETS, DETECTORS, likelihood
from .models.light_mediators import MODEL_NAMES, SEED000_MEDIATORS, VectorMediator, ZPrimeCharges
from .models.light_mediators import model as mediator_model
from .rates import engine

DCHI2_2SIGMA_1DOF = 4.0
DCHI2_2SIGMA_2DOF = 6.180  # chi^2 quantile of 95.45% for 2 degrees of freedom
LOW_MASS_MEV = 1e-3  # "M -> 0": far below every momentum transfer of the analysis (|q| > 10 MeV)


def _check_dataset(dataset: str):
    if dataset not in DATASETS:
        raise ValueError(f"unknown data set {dataset!r}; choose from {DATASETS}")
    return DETECTORS[dataset]


def _model_key(model):
    """A hashable description of a mediator model: a name, or a ZPrimeCharges assignment."""
    if isinstance(model, str):
        if model not in MODEL_NAMES + SEED000_MEDIATORS:
            raise ValueError(f"unknown model {model!r}; choose from {MODEL_NAMES + SEED000_MEDIATORS}")
        return model
    if isinstance(model, ZPrimeCharges):
        return model
    raise ValueError(f"a mediator model is a name or ZPrimeCharges, not {type(model).__name__}")


@functools.lru_cache(maxsize=256)
def _quadratic(detector: str, key, masses: tuple, high_mass: bool):
    masses = np.array(masses)
    m = VectorMediator(key, masses, high_mass=high_mass) if isinstance(key, ZPrimeCharges) else \
        mediator_model(key, masses, high_mass=high_mass)
    return engine(detector).quadratic_counts(m)


def chi2_grid(model, masses_mev, couplings, dataset: str = "csi+lar", configuration: str = "seed001",
              high_mass: bool = False, likelihood_options: dict | None = None) -> np.ndarray:
    """Profiled chi^2 on the grid (len(masses), n_g) of a mediator model (coupling g, or g/M in MeV^-1).

    model: a name (MODEL_NAMES, SEED000_MEDIATORS) or any ZPrimeCharges assignment. couplings: (n_g,) for every
    mass, or (len(masses), n_g) couplings per mass (e.g. along a g-2 band).
    likelihood_options: {detector: {keyword: value}} for the detectors' likelihoods, e.g.
    {"csi": {"timing_offset_us": 0.0}} or {"lar": {"configuration": "coherent"}} (a per-detector configuration).
    """
    key = _model_key(model)
    masses = np.atleast_1d(np.asarray(masses_mev, float))
    g = np.asarray(couplings, float)
    if np.any(masses < 0) or np.any(g < 0) or not (np.all(np.isfinite(masses)) and np.all(np.isfinite(g))):
        raise ValueError("masses and couplings must be finite and >= 0")
    if g.ndim <= 1:
        g = np.broadcast_to(np.atleast_1d(g)[None, :], (masses.size, np.atleast_1d(g).size))
    if g.shape[0] != masses.size:
        raise ValueError(f"per-mass couplings need {masses.size} rows, got shape {g.shape}")
    x = (g * g)[..., None]
    total = 0.0
    for det in _check_dataset(dataset):
        counts = _quadratic(det, key, tuple(masses.tolist()), high_mass).counts(x)  # (nM, ng, 3, nE, nt)
        opts = dict((likelihood_options or {}).get(det, {}))
        lk = likelihood(det, opts.pop("configuration", configuration), **opts)
        total = total + lk.chi2_profiled(counts.reshape((-1,) + counts.shape[-3:])).reshape(g.shape)
    return total


@dataclass
class Scan:
    model: str
    dataset: str
    masses_mev: np.ndarray
    couplings: np.ndarray
    chi2: np.ndarray

    @property
    def delta_chi2(self) -> np.ndarray:
        return self.chi2 - self.chi2.min()

    def excluded(self, level: float = DCHI2_2SIGMA_2DOF) -> np.ndarray:
        return self.delta_chi2 > level


def exclusion_scan(name, masses_mev, couplings, dataset: str = "csi+lar",
                   configuration: str = "seed001") -> Scan:
    """Profiled chi^2 over a (mass, coupling) grid; the grid must contain g = 0 or small couplings (the SM)."""
    chi2 = chi2_grid(name, masses_mev, couplings, dataset, configuration)
    label = name if isinstance(name, str) else name.name
    return Scan(label, dataset, np.asarray(masses_mev, float), np.asarray(couplings, float), chi2)


def first_excluded(x, dchi2, level):
    """Smallest x with Delta chi^2 > level, log-interpolated between grid points (x > 0); nan if none."""
    above = np.nonzero(dchi2 > level)[0]
    if above.size == 0:
        return math.nan
    j = above[0]
    if j == 0:
        return float(x[0])
    # interpolate in log(x) between the last allowed and first excluded grid point
    lx = np.log(x[j - 1:j + 1])
    return float(np.exp(np.interp(level, dchi2[j - 1:j + 1], lx)))


def last_allowed(x, dchi2, level):
    """Largest x with Delta chi^2 <= level, i.e. the coupling above which everything is excluded, log-interpolated
    to the crossing (x > 0); nan if no point is excluded or the last allowed region reaches the end of the grid."""
    allowed = np.nonzero(np.asarray(dchi2) <= level)[0]
    if allowed.size == 0 or not np.any(np.asarray(dchi2) > level):
        return math.nan
    j = allowed[-1]
    if j == len(x) - 1:
        return math.nan
    lx = np.log(x[j:j + 2])
    return float(np.exp(np.interp(level, dchi2[j:j + 2], lx)))


#: names of the bound conventions (`limits --bound`); one default for every model
BOUND_CONVENTIONS = {
    "first-excluded": "smallest excluded coupling (the lower edge of the first excluded band; allowed islands at "
                      "larger couplings reported separately)",
    "last-allowed": "coupling above which everything is excluded (the upper edge of the last allowed region)",
}
DEFAULT_BOUND = "first-excluded"


def read_bound(x, dchi2, level: float = DCHI2_2SIGMA_1DOF, bound: str = DEFAULT_BOUND) -> float:
    """The bound of a 1-D Delta chi^2 scan in the named convention (BOUND_CONVENTIONS)."""
    if bound == "first-excluded":
        return first_excluded(x, dchi2, level)
    if bound == "last-allowed":
        return last_allowed(x, dchi2, level)
    raise ValueError(f"bound convention must be one of {sorted(BOUND_CONVENTIONS)}, not {bound!r}")


#: what Delta chi^2 is measured from: the minimum along the coupling (default) or the SM point g = 0
DCHI2_REFERENCES = ("minimum", "sm")


def bound_profile(name, dataset: str, regime: str = "low", configuration: str = "seed001", n: int = 600,
                  likelihood_options: dict | None = None, reference: str = "minimum"):
    """(x, Delta chi^2) along the coupling: g for M -> 0 ('low'), g/M in GeV^-1 for M^2 >> q^2 ('high').

    reference: Delta chi^2 from the minimum along the coupling ("minimum", the book's convention) or from the SM
    point g = 0 ("sm")."""
    if reference not in DCHI2_REFERENCES:
        raise ValueError(f"reference must be one of {DCHI2_REFERENCES}, not {reference!r}")
    if regime == "low":
        grid = np.concatenate([[0.0], np.logspace(-7, -1, n)])
        chi2 = chi2_grid(name, [LOW_MASS_MEV], grid, dataset, configuration,
                         likelihood_options=likelihood_options)[0]
        scale = 1.0
    elif regime == "high":
        grid = np.concatenate([[0.0], np.logspace(-9, -3, n)])  # g/M in MeV^-1
        chi2 = chi2_grid(name, [1.0], grid, dataset, configuration, high_mass=True,
                         likelihood_options=likelihood_options)[0]
        scale = 1e3  # GeV^-1
    else:
        raise ValueError(f"regime must be 'low' or 'high', not {regime!r}")
    ref = chi2.min() if reference == "minimum" else chi2[0]
    return scale * grid[1:], chi2[1:] - ref


def coupling_bound(name, dataset: str, regime: str = "low", configuration: str = "seed001",
                   level: float = DCHI2_2SIGMA_1DOF, n: int = 600, bound: str = DEFAULT_BOUND,
                   likelihood_options: dict | None = None) -> float:
    """2 sigma bound: on g for M -> 0 (regime 'low'), or on g/M in GeV^-1 for M^2 >> q^2 (regime 'high'),
    in the bound convention `bound` (BOUND_CONVENTIONS)."""
    if bound not in BOUND_CONVENTIONS:
        raise ValueError(f"bound convention must be one of {sorted(BOUND_CONVENTIONS)}, not {bound!r}")
    x, d = bound_profile(name, dataset, regime, configuration, n, likelihood_options)
    return read_bound(x, d, level, bound)


def bounds(name, dataset: str, configuration: str = "seed001", bound: str = DEFAULT_BOUND) -> dict:
    """The CLI's `limits`: 2 sigma bounds in the two regimes of seed 001 (a model name or ZPrimeCharges)."""
    _model_key(name)
    _check_dataset(dataset)
    if bound not in BOUND_CONVENTIONS:
        raise ValueError(f"bound convention must be one of {sorted(BOUND_CONVENTIONS)}, not {bound!r}")
    return {
        "model": name if isinstance(name, str) else name.name,
        "dataset": dataset,
        "g_low_mass": coupling_bound(name, dataset, "low", configuration, bound=bound),
        "g_over_m_high_mass_per_GeV": coupling_bound(name, dataset, "high", configuration, bound=bound),
        "configuration": configuration,
        "bound_convention": bound,
        "convention": "Delta chi^2 = 4 (2 sigma, one parameter) from the minimum along the coupling; "
                      + BOUND_CONVENTIONS[bound],
    }


def allowed_islands(x, dchi2, level: float) -> list[tuple[float, float]]:
    """Intervals of x above the first exclusion where Delta chi^2 falls back below `level`."""
    x, d = np.asarray(x), np.asarray(dchi2)
    excluded = d > level
    if not excluded.any():
        return []
    first = np.argmax(excluded)
    out, start = [], None
    for i in range(first, x.size):
        if not excluded[i] and start is None:
            start = x[i]
        if excluded[i] and start is not None:
            out.append((float(start), float(x[i - 1])))
            start = None
    if start is not None:
        out.append((float(start), float(x[-1])))
    return out


# --- models with several couplings and no mass axis (NSI, generalised interactions) --------------------------
def chi2_quadratic(model, x, dataset: str = "csi+lar", configuration: str = "seed000",
                   chunk: int = 20000) -> np.ndarray:
    """Profiled chi^2 at parameter points x (*shape, P) of a model without a batch axis (e.g. `VectorNSI`).

    The engine is called once per detector (`quadratic_counts`); the points are processed in chunks.
    """
    x = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(x)):
        raise ValueError("parameter values must be finite")
    flat = x.reshape(-1, x.shape[-1])
    total = np.zeros(flat.shape[0])
    for det in _check_dataset(dataset):
        quad = engine(det).quadratic_counts(model)
        if quad.batch_shape != ():
            raise ValueError("chi2_quadratic is for models without a batch axis; use chi2_grid for mass grids")
        lk = likelihood(det, configuration)
        for start in range(0, flat.shape[0], chunk):
            counts = quad.counts(flat[start:start + chunk])
            total[start:start + chunk] += lk.chi2_profiled(counts.reshape((-1,) + counts.shape[-3:]))
    return total.reshape(x.shape[:-1])


def allowed_pieces(x, dchi2, level: float) -> list[list[float]]:
    """Intervals [low, high] of a 1-D scan where Delta chi^2 <= level, edges linearly interpolated."""
    x, d = np.asarray(x, float), np.asarray(dchi2, float)
    ok = d <= level
    pieces, i = [], 0
    while i < x.size:
        if not ok[i]:
            i += 1
            continue
        j = i
        while j + 1 < x.size and ok[j + 1]:
            j += 1
        lo = x[i] if i == 0 else float(np.interp(level, [d[i], d[i - 1]], [x[i], x[i - 1]]))
        hi = x[j] if j == x.size - 1 else float(np.interp(level, [d[j], d[j + 1]], [x[j], x[j + 1]]))
        pieces.append([float(lo), float(hi)])
        i = j + 1
    return pieces


DCHI2_90_1DOF = 2.706
NSI_RANGE = (-2.0, 2.0)


def nsi_interval(dataset: str, name: str, configuration: str = "seed000", n: int = 4001) -> dict:
    """The CLI's `nsi`: best fit, 90% and 2 sigma intervals of one NSI coupling, the others at zero."""
    from .models.nsi import VectorNSI, parse

    parse(name)
    _check_dataset(dataset)
    grid = np.linspace(*NSI_RANGE, n)
    chi2 = chi2_quadratic(VectorNSI([name]), grid[:, None], dataset, configuration)
    d = chi2 - chi2.min()
    flat = np.nonzero(d < 1e-9)[0]  # among equal minima (a flat or symmetric chi^2) take the one nearest zero
    best = float(grid[flat[np.argmin(np.abs(grid[flat]))]])
    return {
        "dataset": dataset,
        "param": name,
        "best": best,
        "interval_90": allowed_pieces(grid, d, DCHI2_90_1DOF),
        "interval_2sigma": allowed_pieces(grid, d, DCHI2_2SIGMA_1DOF),
        "chi2_min": float(chi2.min()),
        "scan_range": list(NSI_RANGE),
        "configuration": configuration,
    }
