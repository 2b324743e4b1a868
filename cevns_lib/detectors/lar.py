"""The COHERENT CENNS-10 liquid-argon detector, "Analysis A" of the 2020 data release (arXiv:2006.12659).

Chain, following section 5 of the release note: true nuclear recoil T (keVnr) -> quenching
QF(T) = a + b T (a = 0.246, b = 0.00078/keVnr) -> true E_ee = QF(T) T (keVee) -> Gaussian smearing with
sigma/E = 0.58/sqrt(E/keVee) -> efficiency of `CENNS10AnlAEfficiency.txt` in reconstructed keVee (0.5 keVee bins;
flat at the last value above the table, as the note prescribes) -> the release's 12 energy bins of 10 keVee.
Time: proton pulse Gaussian, mean 440 ns and width 150 ns in t_trig (release YAML), pi+ and mu+ lifetimes, and the
release's 10 bins of 0.5 us from -0.1 to 4.9 us. The F90 dimension is integrated over (its cut efficiency is in
the efficiency curve). Exposure: 13.8e22 POT, 0.09 nu per flavour per proton, 27.5 m, 24.4 kg of atmospheric argon.
"""

from __future__ import annotations

import functools

import numpy as np
from .. import data
from ..constants import AVOGADRO
from ..flux import FLAVOURS, ProtonPulse, SNSSource, time_bin_fractions
from ..nuclei import ARGON_MOLAR_MASS_G, ARGON_NATURAL_ABUNDANCE, nucleus
from ..special import ndtr
from ..validation import (PhysicsInputError, as_finite_array, as_nonnegative_array, finite_scalar,
                          increasing_edges, nonnegative_scalar, positive_scalar)
from .base import Detector, recoil_quadrature

RELEASE = "lar-2020"
ENERGY_EDGES_KEVEE = np.linspace(0.0, 120.0, 13)
F90_EDGES = np.linspace(0.5, 0.9, 9)
TIME_EDGES_US = np.linspace(-0.1, 4.9, 11)


@functools.lru_cache(maxsize=1)
def parameters() -> dict:
    """The release's scalar parameters (LArParametersAnlA.yaml)."""
    return data.load_yaml(f"{RELEASE}/LArParametersAnlA.yaml")


def _param(key: str, sub: str | None = None):
    p = parameters()[key]
    if sub is None:
        return float(p["value"])
    return {q["name"]: q for q in p["parameters"]}[sub]


def quenching_factor(t_kev, a: float | None = None, b_per_kev: float | None = None) -> np.ndarray:
    """QF(T) = a + b T, T in keVnr (release YAML larQF)."""
    a = float(_param("larQF", "a")["value"]) if a is None else a
    b = float(_param("larQF", "b")["value"]) if b_per_kev is None else b_per_kev
    return a + b * as_nonnegative_array(t_kev, "recoil energy T (keVnr)")


def resolution_coefficient() -> float:
    return float(_param("energyResolution", "a")["value"])


@functools.lru_cache(maxsize=1)
def efficiency_table() -> tuple[np.ndarray, np.ndarray]:
    """(edges in keVee, efficiency per bin) of CENNS10AnlAEfficiency.txt; bins of 0.5 keVee around the centres."""
    tab = data.load_table(f"{RELEASE}/CENNS10AnlAEfficiency.txt")
    centres, eff = tab[:, 0], tab[:, 2]
    width = np.diff(centres).mean()
    edges = np.append(centres - 0.5 * width, centres[-1] + 0.5 * width)
    return edges, eff


def efficiency(e_reco_kevee) -> np.ndarray:
    """Acceptance at reconstructed energy (keVee): step function of the table, flat above it, zero below 0."""
    edges, eff = efficiency_table()
    e = as_finite_array(e_reco_kevee, "reconstructed energy (keVee)")
    idx = np.clip(np.searchsorted(edges, e, side="right") - 1, 0, len(eff) - 1)
    return np.where(e < edges[0], 0.0, eff[idx])


def response_matrix(t_mev, energy_edges=ENERGY_EDGES_KEVEE, qf_a=None, qf_b=None, resolution=None,
                    efficiency_scale: float = 1.0) -> np.ndarray:
    """P(keVee bin | T) with efficiency, (n_bins, n_T), exact for the step-function efficiency."""
    energy_edges = increasing_edges(energy_edges, "energy_edges (keVee bin edges)")
    if resolution is not None:
        resolution = positive_scalar(resolution, "resolution (sigma/E = resolution/sqrt(E/keVee))")
    qf_a = None if qf_a is None else finite_scalar(qf_a, "qf_a (quenching QF = a + b T)")
    qf_b = None if qf_b is None else finite_scalar(qf_b, "qf_b (quenching QF = a + b T, per keVnr)")
    efficiency_scale = positive_scalar(efficiency_scale, "efficiency_scale")
    t_kev = 1e3 * np.asarray(t_mev, float)
    e_true = quenching_factor(t_kev, qf_a, qf_b) * t_kev
    if np.any(e_true < 0):
        raise PhysicsInputError("LAr quenching (qf_a, qf_b) gives a negative electron-equivalent energy")
    res = resolution_coefficient() if resolution is None else resolution
    sigma = res * np.sqrt(np.clip(e_true, 1e-12, None))
    eff_edges, eff = efficiency_table()
    # fine edges: the efficiency steps, then 0.5-keVee steps of the flat tail, cut at the analysis bins
    fine = np.union1d(eff_edges, np.arange(eff_edges[-1], energy_edges[-1] + 0.5, 0.5))
    fine = np.union1d(fine, energy_edges)
    fine = fine[(fine >= energy_edges[0]) & (fine <= energy_edges[-1])]
    cdf = ndtr((fine[:, None] - e_true[None, :]) / sigma[None, :])
    p_fine = np.diff(cdf, axis=0) * (efficiency(0.5 * (fine[1:] + fine[:-1])) * efficiency_scale)[:, None]
    which = np.searchsorted(energy_edges, 0.5 * (fine[1:] + fine[:-1]), side="right") - 1
    out = np.zeros((len(energy_edges) - 1, t_kev.size))
    np.add.at(out, which, p_fine)
    return out


def number_of_argon_atoms(mass_kg: float | None = None) -> float:
    mass_kg = _param("fiducialMass") if mass_kg is None else positive_scalar(mass_kg, "detector mass mass_kg (kg)")
    return mass_kg * 1e3 / ARGON_MOLAR_MASS_G * AVOGADRO


def lar_2020(pulse_mean_us: float | None = None, pulse_sigma_us: float | None = None,
             energy_edges=ENERGY_EDGES_KEVEE, time_edges_us=TIME_EDGES_US, isotopes: bool = True,
             qf_a=None, qf_b=None, resolution=None, t_low_kev: float = 0.5, panel_kev: float = 3.0) -> Detector:
    """The CENNS-10 LAr 2020 detector in the release's energy x time binning (F90 integrated).

    panel_kev: width of the 8-point Gauss-Legendre recoil panels; 3 keV keeps every binned count of every model
    within 1e-6 of the largest bin against a 6x finer rule (tests/test_profiler_numerics.py; measured ~1e-7).
    """
    t_low_kev = nonnegative_scalar(t_low_kev, "t_low_kev (recoil threshold, keV)")
    panel_kev = positive_scalar(panel_kev, "panel_kev (quadrature panel width, keV)")
    energy_edges = increasing_edges(energy_edges, "energy_edges (keVee bin edges)")
    time_edges_us = increasing_edges(time_edges_us, "time_edges_us (time bin edges)")
    if resolution is not None:
        resolution = positive_scalar(resolution, "resolution (sigma/E = resolution/sqrt(E/keVee))")
    qf_a = None if qf_a is None else finite_scalar(qf_a, "qf_a (quenching QF = a + b T)")
    qf_b = None if qf_b is None else finite_scalar(qf_b, "qf_b (quenching QF = a + b T, per keVnr)")
    n_ar = number_of_argon_atoms()
    if isotopes:
        targets = [(nucleus(k), n_ar * x) for k, x in ARGON_NATURAL_ABUNDANCE.items()]
    else:
        targets = [(nucleus("Ar40"), n_ar)]
    nodes, weights = recoil_quadrature(t_low_kev * 1e-3, [n for n, _ in targets], panel_kev * 1e-3)
    timing = {q["name"]: float(q["value"]) for q in parameters()["snsPOTTraceTiming"]["parameters"]}
    pulse = ProtonPulse(timing["a"] * 1e-3 if pulse_mean_us is None else pulse_mean_us,
                        timing["b"] * 1e-3 if pulse_sigma_us is None else pulse_sigma_us)
    fractions = {f: time_bin_fractions(f, time_edges_us, pulse) for f in FLAVOURS}
    pot = _param("beamExposure") * 1e22
    return Detector(
        name="lar",
        targets=targets,
        source=SNSSource(_param("neutrinosPerProton"), pot, _param("distanceToTarget")),
        pulse=pulse,
        recoil_nodes_mev=nodes,
        recoil_weights_mev=weights,
        energy_edges=np.asarray(energy_edges, float),
        energy_unit="keVee",
        time_edges_us=np.asarray(time_edges_us, float),
        response=response_matrix(nodes, energy_edges, qf_a, qf_b, resolution),
        time_fractions=fractions,
        description="COHERENT CENNS-10 LAr 2020 Analysis A (24.4 kg, 27.5 m, 13.8e22 POT)",
        settings=dict(t_low_mev=t_low_kev * 1e-3, pulse_mean_us=pulse.mean_us, pulse_sigma_us=pulse.sigma_us,
                      isotopes=isotopes,
                      qf_a=qf_a, qf_b=qf_b, resolution=resolution),
    )


def release_table(filename: str = "cevnspdf.txt", integrate_f90: bool = True) -> np.ndarray:
    """A 3D table of the release as an array (12 energy, 8 F90, 10 time) or, F90-integrated, (12, 10)."""
    tab = data.load_table(f"{RELEASE}/{filename}")
    if tab.shape != (960, 4):
        raise data.DataIntegrityError(f"{filename}: expected 960 rows of 4 columns, got {tab.shape}")
    ie = np.searchsorted(ENERGY_EDGES_KEVEE, tab[:, 0]) - 1
    iff = np.searchsorted(F90_EDGES, tab[:, 1]) - 1
    it = np.searchsorted(TIME_EDGES_US, tab[:, 2]) - 1
    cube = np.zeros((12, 8, 10))
    np.add.at(cube, (ie, iff, it), tab[:, 3])
    return cube.sum(axis=1) if integrate_f90 else cube
