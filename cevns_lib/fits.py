"""Standard Model fits to the CsI 2021 and LAr 2020 data: CEvNS normalisation, sin^2(theta_W), neutron radius.

Each fit scans its parameter of interest on a grid, builds the predictions of the whole grid in one call of the
rate engine (the charges carry a leading grid axis), profiles every nuisance for all grid points at once, and reads
the best fit and the Delta chi^2 = 1 interval off the profile (parabolic refinement of the minimum, linear
interpolation of the crossings). Nuisances degenerate with the parameter of interest are dropped: the signal
normalisations (a0, a5 / b0) for the CEvNS count, the radius nuisance a4 for the neutron radius.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

import numpy as np

from .constants import HBARC2_MEV2_CM2
from .cross_section import LAURENT_POWERS, ElectroweakInputs, NuclearModel, StandardModel, e_min, t_max
from .flux import E_MICHEL_MAX_MEV, FLAVOURS, energy_moments
from .likelihood import Likelihood, csi_likelihood, lar_likelihood
from .quadrature import gauss_legendre
from .rates import engine
from .validation import as_finite_array, choice, nonnegative_scalar, scan_grid

DATASETS = ("csi", "lar", "csi+lar")
PARAMS = ("cevns", "sin2thetaW", "rn")
DETECTORS = {"csi": ("csi",), "lar": ("lar",), "csi+lar": ("csi", "lar")}
CONFIGURATIONS = ("seed000", "seed001", "coherent")  # coherent: LAr only (CsI refuses, saying why)
#: default grid of the CEvNS signal strength (CEvNS / SM) of `profile_cevns`
CEVNS_SCALE_GRID = np.linspace(0.3, 2.0, 341)


def likelihood(detector: str, configuration: str = "seed000", **kwargs) -> Likelihood:
    """The likelihood of detector 'csi' or 'lar' in a named configuration (immutable; built once per process
    and argument set by `csi_likelihood` / `lar_likelihood`, which cache it)."""
    choice(detector, "detector", ("csi", "lar"))
    choice(configuration, "likelihood configuration", CONFIGURATIONS)
    if detector == "csi":
        return csi_likelihood(configuration, **kwargs)
    if detector == "lar":
        return lar_likelihood(configuration, **kwargs)
    raise ValueError(f"unknown detector {detector!r}; choose 'csi' or 'lar'")


def without(lk: Likelihood, *names: str) -> Likelihood:
    """A copy of the likelihood with the named nuisance parameters removed (fixed at zero); cached, as the
    likelihoods are immutable."""
    return _without(lk, tuple(sorted(set(names))))


@functools.lru_cache(maxsize=64)
def _without(lk: Likelihood, names: tuple) -> Likelihood:
    return dataclasses.replace(lk, nuisances=[n for n in lk.nuisances if n.name not in names])


# --- models with a grid axis -------------------------------------------------------------------------------
# The SM inputs broadcast: an array of sin^2(theta_W) or of neutron radii with a trailing axis gives charges of
# shape (n_grid, nT), and the engine returns the counts of the whole grid in one call.
def sin2_grid_model(values) -> StandardModel:
    """SM with sin^2(theta_W) on a grid (the radiative couplings shifted at tree level)."""
    return StandardModel(ew=ElectroweakInputs(sin2_theta_w=np.asarray(values, float)[:, None]))


def neutron_radius_grid_model(values, detector: str) -> StandardModel:
    """SM with a common point-neutron rms radius (fm, on a grid) for every target nucleus of the detector."""
    radii = np.asarray(values, float)[:, None]
    return StandardModel(nuclear=NuclearModel(neutron_radius_fm={nuc.name: radii
                                                                 for nuc, _ in engine(detector).detector.targets}))


# --- profile reading -----------------------------------------------------------------------------------------
@dataclass
class ProfileResult:
    param: str
    grid: np.ndarray
    chi2: np.ndarray
    best: float
    minus: float  # best - lower 1 sigma edge (>= 0), nan if open
    plus: float  # upper edge - best
    chi2_min: float
    ndof: int

    def as_dict(self) -> dict:
        return {"best": self.best, "minus": self.minus, "plus": self.plus, "chi2_min": self.chi2_min, "ndof": self.ndof}


def read_profile(grid, chi2, level: float = 1.0):
    """(best, lower, upper, chi2_min) from a profile on a grid: cubic spline through the profile, its minimum
    and its Delta chi^2 = level crossings (nan where the interval is open on the grid)."""
    from scipy.interpolate import CubicSpline
    from scipy.optimize import brentq, minimize_scalar

    grid = scan_grid(grid, "profile grid")
    chi2 = as_finite_array(chi2, "chi2 profile")
    if chi2.shape != grid.shape:
        raise ValueError(f"chi2 profile of shape {chi2.shape} does not match the grid of shape {grid.shape}")
    level = nonnegative_scalar(level, "level (Delta chi^2)")
    spline = CubicSpline(grid, chi2)
    i = int(np.argmin(chi2))
    best, cmin = grid[i], chi2[i]
    if 0 < i < grid.size - 1:
        res = minimize_scalar(spline, bounds=(grid[i - 1], grid[i + 1]), method="bounded",
                              options={"xatol": 1e-10 * max(1.0, abs(best))})
        best, cmin = float(res.x), float(res.fun)
    target = cmin + level
    upper = math.nan
    for j in range(i + 1, grid.size):
        if chi2[j] >= target:
            upper = brentq(lambda x: spline(x) - target, max(grid[j - 1], best), grid[j])
            break
    lower = math.nan
    for j in range(i - 1, -1, -1):
        if chi2[j] >= target:
            lower = brentq(lambda x: spline(x) - target, grid[j], min(grid[j + 1], best))
            break
    return float(best), float(lower), float(upper), float(cmin)


def _result(param, grid, chi2, ndof) -> ProfileResult:
    best, lo, hi, cmin = read_profile(grid, chi2)
    return ProfileResult(param, np.asarray(grid), np.asarray(chi2), best, best - lo, hi - best, cmin, ndof)


# --- the three fits ------------------------------------------------------------------------------------------
def profile_cevns(detector: str, configuration: str = "seed000", grid=None,
                  likelihood_options: dict | None = None) -> ProfileResult:
    """Profile of the number of CEvNS events (the SM prediction scaled by a free factor) for one detector.

    likelihood_options: keyword arguments of the detector's likelihood (e.g. {"a7_prior": "free"} for CsI)."""
    grid = CEVNS_SCALE_GRID if grid is None else scan_grid(grid, "grid (CEvNS / SM)", low=0.0,
                                                                     inclusive_low=True)
    lk = likelihood(detector, configuration, **(likelihood_options or {}))
    lk = without(lk, "a0", "a5", "b0", "eta_cevns")
    sm_total = float(lk._as_signal(lk.sm_signal[None])[0].sum())
    chi2, nuis = lk.chi2_profiled(grid[:, None, None] * lk.sm_signal[None], return_nuisances=True)
    # the fitted count includes the shape nuisances' effect on the total at the best fit
    i = int(np.argmin(chi2))
    ratio = lk.expected_at(grid[i] * lk.sm_signal[None], nuis[i])["signal"].sum() / (grid[i] * sm_total)
    res = _result("cevns", grid * sm_total * ratio, chi2, lk.n_bins - 1 - lk.n_free)
    return res


def profile_sin2(detectors, configuration: str = "seed000", grid=None,
                 likelihood_options: dict | None = None) -> ProfileResult:
    """Profile of sin^2(theta_W); likelihood_options apply to every detector's likelihood."""
    grid = np.linspace(0.10, 0.40, 301) if grid is None else scan_grid(grid, "grid (sin2_theta_w)", low=0.0,
                                                                       high=1.0)
    detectors = [choice(d, "detector", ("csi", "lar")) for d in ([detectors] if isinstance(detectors, str)
                                                                  else detectors)]
    choice(configuration, "likelihood configuration", CONFIGURATIONS)
    model = sin2_grid_model(grid)
    chi2, nbins, nfree = 0.0, 0, 0
    for d in detectors:
        lk = likelihood(d, configuration, **(likelihood_options or {}))
        chi2 = chi2 + lk.chi2_profiled(engine(d).counts(model))
        nbins, nfree = nbins + lk.n_bins, nfree + lk.n_free
    return _result("sin2thetaW", grid, chi2, nbins - 1 - nfree)


def profile_rn(detector: str, configuration: str = "seed000", grid=None,
               likelihood_options: dict | None = None) -> ProfileResult:
    """Profile of the common point-neutron rms radius (fm) of the detector's nuclei (Cs and I, or Ar)."""
    grid = np.linspace(2.0, 7.0, 251) if grid is None else scan_grid(grid, "grid (neutron radius, fm)", low=0.0)
    lk = without(likelihood(detector, configuration, **(likelihood_options or {})), "a4")
    chi2 = lk.chi2_profiled(engine(detector).counts(neutron_radius_grid_model(grid, detector)))
    return _result("rn", grid, chi2, lk.n_bins - 1 - lk.n_free)


def flux_averaged_cross_section_cm2(detector: str = "csi", model=None) -> float:
    """SM cross section averaged over the three pi-DAR flavours' spectra and the detector's nuclei (cm^2)."""
    model = model or StandardModel()
    det = engine(detector).detector
    total_targets = sum(n for _, n in det.targets)
    sigma = 0.0
    for nuc, n in det.targets:
        tm = float(t_max(E_MICHEL_MAX_MEV, nuc.mass_mev))
        x, w = gauss_legendre(400)
        t = 0.5 * tm * (x + 1)
        wt = 0.5 * tm * w
        for f in FLAVOURS:
            c = model.coefficients(nuc, f, t)
            m = energy_moments(f, e_min(t, nuc.mass_mev), LAURENT_POWERS)
            sigma += n / total_targets * np.sum(wt * np.sum(c * m, axis=0)) / len(FLAVOURS)
    return float(sigma * HBARC2_MEV2_CM2)


def fit(dataset: str, param: str = "cevns", configuration: str = "seed000") -> dict:
    """The CLI's fit: best fit, 1 sigma interval (Delta chi^2 = 1) and chi^2_min of one parameter.

    With dataset "csi+lar": sin2thetaW is one combined fit; cevns and rn give one result per detector (different
    quantities: counts, radii of different nuclei) and cevns adds "combined", the fit of one signal strength
    CEvNS / SM common to both detectors.
    """
    choice(dataset, "data set", DATASETS)
    choice(param, "fit parameter", PARAMS)
    choice(configuration, "likelihood configuration", CONFIGURATIONS)
    out = {"dataset": dataset, "param": param, "configuration": configuration}
    dets = DETECTORS[dataset]
    if param == "sin2thetaW":
        out.update(profile_sin2(dets, configuration).as_dict())
        return out
    profiles = {d: profile_cevns(d, configuration) if param == "cevns" else profile_rn(d, configuration)
                for d in dets}
    per = {d: r.as_dict() for d, r in profiles.items()}
    if param == "cevns" and len(dets) > 1:  # the combined fit: one signal strength CEvNS / SM for both detectors
        chi2 = sum(r.chi2 for r in profiles.values())
        comb = _result("cevns_over_sm", CEVNS_SCALE_GRID, chi2, sum(r.ndof for r in profiles.values()) + 1)
        out["combined"] = {"param": "CEvNS / SM (one signal strength for both detectors)", **comb.as_dict()}
    if len(dets) == 1:
        out.update(per[dets[0]])
    else:  # different quantities per detector (counts, or radii of different nuclei): a key per detector
        for key in ("best", "minus", "plus", "chi2_min", "ndof"):
            out[key] = {d: per[d][key] for d in dets}
    return out
