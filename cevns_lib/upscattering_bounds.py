r"""Exclusions for the up-scattering models: the dipole portal in (m_4, mu_nu4), the dark fermion in (m_chi, g), (M, g).

Each model's counts are N_SM + x^2 N_11(m) for a whole grid of masses m at once (`RateEngine.quadratic_counts`,
with the flux integrated above E_min(T; m)); the (mass, coupling) grid is profiled over every nuisance in one call
of each detector's likelihood (seed 000's chi^2 by default) and the chi^2 of CsI and LAr add. In CsI the
up-scattering on the atomic electrons (nu e -> F_4 e, nu e -> chi e, with the SM nu-e scattering) fills the
likelihood's ES slot by default (`electron_scattering=True`, as the CLI `em` does); LAr's F90 selection removes
electron recoils.

Convention (a raster scan, as for the one-parameter bounds of `em`, `nsi` and `limits`): at each mass, Delta chi^2
is taken from the minimum along the coupling at that mass, and the bound is the smallest excluded coupling at
Delta chi^2 = 2.706 (90% C.L.) or 4 (2 sigma), log-interpolated between grid points; NaN (JSON null) where the
coupling grid holds no excluded point (at and beyond the kinematic reach). The coupling enters squared and does not
interfere with the SM, so Delta chi^2 rises monotonically with |x| beyond its minimum and the bound is one number.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .fits import DATASETS, DETECTORS, likelihood
from .flux import E_MICHEL_MAX_MEV
from .kinematics import m_x_squared_max
from .models.dark_fermion import MEDIATORS, dark_fermion
from .models.dipole_portal import DIPOLE_FLAVOURS, MU_UNIT, DipolePortal
from .rates import electron_engine, engine
from .scans import DCHI2_2SIGMA_1DOF, DCHI2_90_1DOF, first_excluded
from .validation import as_mass_grid, as_nonnegative_array, check_choice

#: transition moments scanned (1e-10 mu_B): zero (the SM) and a log grid up to 1e-4 mu_B
MU_GRID = np.concatenate([[0.0], np.logspace(-1, 6, 1401)])
#: couplings g = sqrt(g_nu g_q) scanned: zero and a log grid
G_GRID = np.concatenate([[0.0], np.logspace(-7, 0, 701)])
DEFAULT_M4_MEV = (0.01, 0.1, 1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0, 45.0, 50.0, 52.0)
DEFAULT_M_CHI_MEV = (0.01, 1.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0, 45.0, 50.0)
DEFAULT_M_MEDIATOR_MEV = 10.0


def _detectors(dataset: str):
    return DETECTORS[check_choice(dataset, DATASETS, "data set")]


@functools.lru_cache(maxsize=8)
def reach_mev(dataset: str) -> float:
    """Largest final-state mass (MeV) that the SNS flux (E <= m_mu/2) can produce at any recoil node of the
    data set's detectors (exact kinematics; the nuclear recoil thresholds of the quadrature included)."""
    best = 0.0
    for det in _detectors(dataset):
        d = engine(det).detector
        for nuc, _ in d.targets:
            m2 = m_x_squared_max(E_MICHEL_MAX_MEV, d.recoil_nodes_mev, nuc.mass_mev)
            best = max(best, float(np.sqrt(max(m2.max(), 0.0))))
    return best


def _masses(values, what, dataset):
    return as_mass_grid(values, what, maximum=reach_mev(dataset))


def _couplings(values, what):
    g = np.atleast_1d(as_nonnegative_array(values, what))
    if g.ndim != 1 or g.size < 2 or np.any(np.diff(g) <= 0):
        raise ValueError(f"{what} must be a strictly increasing 1-d grid of at least two values")
    return g


def _model(kind: str, key: tuple, masses: np.ndarray):
    if kind == "dipole":
        return DipolePortal(key[0], masses)
    mediator, axis, fixed = key  # ("vector"|"scalar", axis, fixed mass): the mass grid is m_chi or the mediator's
    return dark_fermion(mediator, masses, fixed) if axis == "m_chi" else dark_fermion(mediator, fixed, masses)


@functools.lru_cache(maxsize=64)
def _quadratic(detector: str, kind: str, key: tuple, masses: tuple, electrons: bool = False):
    """The model's quadratic counts on a detector's nuclei, or (electrons=True) on its atomic electrons (None
    where the analysis removes electron recoils: LAr)."""
    model = _model(kind, key, np.array(masses))
    if electrons:
        eng = electron_engine(detector)
        return None if eng is None else eng.quadratic_counts(model, n_params=1)
    return engine(detector).quadratic_counts(model)


def _chi2(kind, key, masses, x, dataset, configuration, electron_scattering=True):
    """Profiled chi^2 (n_masses, n_x) for amplitude parameters x (the same grid at every mass); with
    electron_scattering, CsI's nu-e channel (SM + up-scattering) fills the likelihood's ES slot."""
    total = 0.0
    xs = np.broadcast_to(np.asarray(x, float)[None, :, None], (masses.size, x.size, 1))
    for det in _detectors(dataset):
        counts = _quadratic(det, kind, key, tuple(masses.tolist())).counts(xs)
        lk = likelihood(det, configuration)
        es_quad = _quadratic(det, kind, key, tuple(masses.tolist()), True) if electron_scattering else None
        es = None if es_quad is None else es_quad.counts(xs).reshape(-1, 3, lk.n_bins)
        chi2 = lk.chi2_profiled(counts.reshape(-1, 3, lk.n_bins), electron_scattering=es)
        total = total + chi2.reshape(masses.size, x.size)
    return total


def dipole_chi2(flavour: str, m4_mev, mu_grid=MU_GRID, dataset: str = "csi+lar",
                configuration: str = "seed000", electron_scattering: bool = True) -> np.ndarray:
    """Profiled chi^2 on the (m_4, mu_nu4) grid; mu_nu4 in 1e-10 mu_B (>= 0, increasing). electron_scattering:
    include nu e -> F_4 e (and the SM nu-e scattering) in CsI, as `em` does by default."""
    check_choice(flavour, tuple(DIPOLE_FLAVOURS), "dipole flavour")
    m4 = _masses(m4_mev, "sterile-neutrino mass m_4", dataset)
    mu = _couplings(mu_grid, "transition-moment grid mu_nu4")
    return _chi2("dipole", (flavour,), m4, mu, dataset, configuration, electron_scattering)


def dark_fermion_chi2(mediator: str, masses_mev, fixed_mev: float, axis: str = "m_chi", g_grid=G_GRID,
                      dataset: str = "csi+lar", configuration: str = "seed000",
                      electron_scattering: bool = True) -> np.ndarray:
    """Profiled chi^2 on a (mass, g) grid: axis 'm_chi' (mediator mass fixed at `fixed_mev`) or 'm_mediator'
    (m_chi fixed). x = g^2 is the amplitude parameter. electron_scattering: include nu e -> chi e in CsI."""
    check_choice(mediator, MEDIATORS, "dark-fermion mediator")
    check_choice(axis, ("m_chi", "m_mediator"), "scan axis")
    if axis == "m_chi":
        masses = _masses(masses_mev, "dark-fermion mass m_chi", dataset)
        fixed = float(as_nonnegative_array(fixed_mev, "mediator mass (MeV)"))
    else:
        masses = as_mass_grid(masses_mev, "mediator mass")
        fixed = float(_masses(fixed_mev, "dark-fermion mass m_chi", dataset)[0])
    g = _couplings(g_grid, "coupling grid g")
    return _chi2("dark", (mediator, axis, fixed), masses, g * g, dataset, configuration, electron_scattering)


def raster_bounds(grid, chi2, level: float) -> np.ndarray:
    """Per row (mass) of chi2 (n_m, n_g): the smallest grid value above the row's minimum with Delta chi^2 > level
    (NaN if none). The grid starts at 0 (the SM); the interpolation is in log of the coupling."""
    grid = np.asarray(grid, float)
    out = np.empty(chi2.shape[0])
    for i, row in enumerate(chi2):  # one interpolation per mass (cheap; the chi^2 grid is already computed)
        j0 = max(int(np.argmin(row)), 1)
        out[i] = first_excluded(grid[j0:], row[j0:] - row.min(), level)
    return out


def _nullable(values):
    return [None if not math.isfinite(v) else float(v) for v in values]


def dipole_bounds(dataset: str, flavour: str, m4_mev=None, configuration: str = "seed000",
                  electron_scattering: bool = True) -> dict:
    """The CLI's `dipole`: 90% and 2 sigma upper bounds on |mu_nu4| (1e-10 mu_B) at each m_4 (MeV); with
    electron_scattering (default, as `em`) CsI's electrons contribute, so the smallest m_4 reproduces `em`."""
    _detectors(dataset)
    check_choice(flavour, tuple(DIPOLE_FLAVOURS), "dipole flavour")
    m4 = _masses(DEFAULT_M4_MEV if m4_mev is None else m4_mev, "sterile-neutrino mass m_4", dataset)
    chi2 = dipole_chi2(flavour, m4, MU_GRID, dataset, configuration, electron_scattering)
    return {
        "dataset": dataset,
        "flavour": flavour,
        "unit": MU_UNIT,
        "m4_mev": [float(v) for v in m4],
        "mu_bound_90": _nullable(raster_bounds(MU_GRID, chi2, DCHI2_90_1DOF)),
        "mu_bound_2sigma": _nullable(raster_bounds(MU_GRID, chi2, DCHI2_2SIGMA_1DOF)),
        "reach_mev": reach_mev(dataset),
        "electron_scattering": bool(electron_scattering and "csi" in _detectors(dataset)),
        "configuration": configuration,
        "convention": "Delta chi^2 = 2.706 (90%) and 4 (2 sigma) from the minimum along mu_nu4 at each m_4",
    }


def dark_fermion_bounds(dataset: str, mediator: str, m_mediator_mev: float | None = None, m_chi_mev=None,
                        configuration: str = "seed000", electron_scattering: bool = True) -> dict:
    """The CLI's `dark-fermion`: 2 sigma upper bound on g = sqrt(g_nu g_q) at each m_chi, fixed mediator mass."""
    _detectors(dataset)
    check_choice(mediator, MEDIATORS, "dark-fermion mediator")
    m_med = DEFAULT_M_MEDIATOR_MEV if m_mediator_mev is None else m_mediator_mev
    m_med = float(as_nonnegative_array(m_med, "mediator mass (MeV)"))
    m_chi = _masses(DEFAULT_M_CHI_MEV if m_chi_mev is None else m_chi_mev, "dark-fermion mass m_chi", dataset)
    chi2 = dark_fermion_chi2(mediator, m_chi, m_med, "m_chi", G_GRID, dataset, configuration, electron_scattering)
    return {
        "dataset": dataset,
        "mediator": mediator,
        "m_mediator_mev": m_med,
        "m_chi_mev": [float(v) for v in m_chi],
        "g_bound": _nullable(raster_bounds(G_GRID, chi2, DCHI2_2SIGMA_1DOF)),
        "coupling": "g = sqrt(g_nu g_q), g_q per u and d quark (vector) or per u, d, s quark (scalar)",
        "reach_mev": reach_mev(dataset),
        "electron_scattering": bool(electron_scattering and "csi" in _detectors(dataset)),
        "configuration": configuration,
        "convention": "Delta chi^2 = 4 (2 sigma) from the minimum along g at each m_chi",
    }
