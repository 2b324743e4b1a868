"""The COHERENT CsI[Na] detector of the 2021 full data set (PRL 129 (2022) 081801), from its data release.

Chain from a nuclear recoil of kinetic energy T to a count in a (PE, t_rec) bin:

1. quenching: electron-equivalent energy E_ee(T) = a T + b T^2 + c T^3 + d T^4 (T in MeVnr, E_ee in MeVee),
   coefficients from `scintRespCoefficients.txt` (nominal and four systematic variants);
2. light yield 13.35 PE/keVee and Gamma-distributed photoelectron count x,
   P(x | E_ee) = (a(1+b))^(1+b) / Gamma(1+b) x^b exp(-a(1+b)x), a = 0.0749/E_ee, b = 9.56 E_ee (E_ee in keVee),
   whose mean is 13.35 PE/keVee x E_ee (second-hand: from the release's missing supplement, see data README);
3. energy efficiency eps_E(x) = a/(1 + exp(-b(x - c))) + d from `effCoefficients.txt`, clipped at zero;
4. time efficiency eps_T(t) = 1 for t < 0.52 us, exp(-0.0494/us (t - 0.52 us)) after (second-hand);
5. exposure 3.198e23 POT, 0.0848 nu per flavour per proton, L = 19.3 m, 14.6 kg of CsI (second-hand).

The time origin of t_rec: the proton pulse is a Gaussian of width 150 ns (the SNS trace of the LAr release)
whose mean is fitted to COHERENT's own 2017 CsI prompt and delayed arrival-time PDFs (same detector and DAQ).
No time resolution is applied (the 2017 PDFs show none beyond the pulse).
"""

from __future__ import annotations

import functools

import numpy as np
from .. import data
from ..constants import AVOGADRO
from ..flux import FLAVOURS, ProtonPulse, SNSSource, fit_pulse_mean, time_bin_fractions
from ..nuclei import nucleus
from ..special import gammaln
from ..validation import (PhysicsInputError, as_finite_array, as_nonnegative_array, as_positive_array, choice,
                          increasing_edges, nonnegative_scalar, positive_scalar)
from .base import Detector, gauss_legendre_in_bins, piecewise_gauss_legendre, recoil_quadrature

RELEASE = "csi-2021"
# Analysis binning: 9 PE x 11 t_rec bins. Source: COHERENT member group's fit code (BarbeauGroup/chi2_pull_test,
# config/csi.json); seeds 000/001 state 9 x 11 bins.
PE_EDGES = np.array([0, 8, 12, 16, 20, 24, 32, 40, 50, 60], dtype=float)
TIME_EDGES_US = np.array([0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1, 2, 4, 6], dtype=float)

LIGHT_YIELD_PE_PER_KEVEE = 13.35  # second-hand (CsI 2021 supplement)
GAMMA_A_COEFF = 0.0749  # a = 0.0749/E_ee[keVee]
GAMMA_B_COEFF = 9.56  # b = 9.56 E_ee[keVee]
TIME_EFF_KNEE_US = 0.52
TIME_EFF_SLOPE_PER_US = 0.0494
PROTONS_ON_TARGET = 3.198e23  # 13.99 GWhr
NU_PER_PROTON = 0.0848
BASELINE_M = 19.3
DETECTOR_MASS_KG = 14.6
PULSE_SIGMA_US = 0.150  # LAr 2020 release, snsPOTTraceTiming b (same SNS proton beam)

QUENCHING_VARIANTS = ("nominal", "model0+", "model0-", "model1+", "model1-")
EFFICIENCY_VARIANTS = ("nominal", "plus", "minus")


def quenching_coefficients(variant: str = "nominal") -> np.ndarray:
    """(a, b, c, d) of E_ee(T) = aT + bT^2 + cT^3 + dT^4, T in MeVnr, E_ee in MeVee."""
    rows = data.coefficient_rows(f"{RELEASE}/scintRespCoefficients.txt")
    if variant not in QUENCHING_VARIANTS:
        raise ValueError(f"unknown CsI quenching variant {variant!r}; choose from {QUENCHING_VARIANTS}")
    return rows[QUENCHING_VARIANTS.index(variant)]


def efficiency_coefficients(variant: str = "nominal") -> np.ndarray:
    """(a, b, c, d) of eps_E(x) = a/(1 + exp(-b(x-c))) + d. The release labels both variants '+1 sigma';
    the one with c = 9.85 behaves as +1 sigma ('plus'), the one with c = 11.88 as -1 sigma ('minus')."""
    rows = data.coefficient_rows(f"{RELEASE}/effCoefficients.txt")
    if variant not in EFFICIENCY_VARIANTS:
        raise ValueError(f"unknown CsI efficiency variant {variant!r}; choose from {EFFICIENCY_VARIANTS}")
    return rows[EFFICIENCY_VARIANTS.index(variant)]


def electron_equivalent_mev(t_mev, coeffs) -> np.ndarray:
    """E_ee (MeVee) for recoil T (MeVnr), clipped at zero."""
    t = as_nonnegative_array(t_mev, "recoil energy T (MeV)")
    a, b, c, d = coeffs
    return np.clip(t * (a + t * (b + t * (c + t * d))), 0.0, None)


def energy_efficiency(pe, coeffs) -> np.ndarray:
    """Detection efficiency at reconstructed x photoelectrons, clipped at zero where the fit goes negative."""
    a, b, c, d = coeffs
    return np.clip(a / (1.0 + np.exp(-b * (np.asarray(pe, float) - c))) + d, 0.0, None)


def time_efficiency(t_us) -> np.ndarray:
    t = np.asarray(t_us, dtype=float)
    return np.where(t < TIME_EFF_KNEE_US, 1.0, np.exp(-TIME_EFF_SLOPE_PER_US * (t - TIME_EFF_KNEE_US)))


def pe_density(x_pe, e_ee_kev) -> np.ndarray:
    """Gamma density of the photoelectron count x (PE^-1) for electron-equivalent energy E_ee (keVee)."""
    x = as_finite_array(x_pe, "photoelectron count x (PE)")
    e = as_positive_array(e_ee_kev, "electron-equivalent energy E_ee (keVee)")
    a = GAMMA_A_COEFF / e
    b = GAMMA_B_COEFF * e
    rate = a * (1.0 + b)
    with np.errstate(divide="ignore"):
        logp = (1.0 + b) * np.log(rate) - gammaln(1.0 + b) + b * np.log(x) - rate * x
    return np.where(x > 0, np.exp(logp), 0.0)


def response_matrix(t_mev, pe_edges=PE_EDGES, quenching="nominal", efficiency="nominal",
                    quenching_scale: float = 1.0, nodes_per_bin: int = 24) -> np.ndarray:
    """P(PE bin | T) with efficiency: (n_pe_bins, n_T). `quenching_scale` multiplies E_ee (a QF nuisance)."""
    quenching_scale = positive_scalar(quenching_scale, "quenching_scale (multiplies E_ee)")
    pe_edges = increasing_edges(pe_edges, "pe_edges (PE bin edges)")
    e_ee_kev = 1e3 * quenching_scale * electron_equivalent_mev(t_mev, quenching_coefficients(quenching))
    return response_matrix_ee(e_ee_kev, pe_edges, efficiency, nodes_per_bin)


def response_matrix_ee(e_ee_kev, pe_edges=PE_EDGES, efficiency="nominal", nodes_per_bin: int = 24) -> np.ndarray:
    """P(PE bin | E_ee) with efficiency, (n_pe_bins, n_E), for electron-equivalent energies E_ee (keVee): light
    yield, Gamma-distributed PE count and energy efficiency, shared by nuclear recoils (after quenching) and
    electron recoils (E_ee = T_e)."""
    e_ee_kev = np.asarray(e_ee_kev, float)
    x, w = gauss_legendre_in_bins(np.asarray(pe_edges, float), nodes_per_bin)  # (nb, m)
    eff = energy_efficiency(x, efficiency_coefficients(efficiency)) * w  # (nb, m)
    safe = np.where(e_ee_kev > 0, e_ee_kev, 1.0)
    dens = pe_density(x[:, :, None], safe[None, None, :])  # (nb, m, nT)
    resp = np.einsum("bm,bmt->bt", eff, dens)
    return np.where(e_ee_kev[None, :] > 0, resp, 0.0)


@functools.lru_cache(maxsize=1)
def pulse_mean_from_2017_pdfs() -> float:
    """Proton-pulse mean (us, in CsI t_rec) fitted to COHERENT's 2017 CsI arrival-time PDFs."""
    prompt = data.load_table("csi-2017/arrivalTimePDF_promptNeutrinos.txt")
    delayed = data.load_table("csi-2017/arrivalTimePDF_delayedNeutrinos.txt")
    return fit_pulse_mean(prompt, delayed, bin_width_us=0.5, sigma_us=PULSE_SIGMA_US)


def number_of_molecules(mass_kg: float = DETECTOR_MASS_KG) -> float:
    mass_kg = positive_scalar(mass_kg, "detector mass mass_kg (kg)")
    molar_mass_g = nucleus("Cs133").atomic_mass_u + nucleus("I127").atomic_mass_u
    return mass_kg * 1e3 / molar_mass_g * AVOGADRO


def csi_2021(quenching: str = "nominal", efficiency: str = "nominal", quenching_scale: float = 1.0,
             pulse_mean_us: float | None = None, pulse_sigma_us: float = PULSE_SIGMA_US,
             pe_edges=PE_EDGES, time_edges_us=TIME_EDGES_US, t_low_kev: float = 1.0,
             panel_kev: float = 2.0) -> Detector:
    """The CsI[Na] 2021 detector in its analysis binning (PE x t_rec), ready for the rate engine.

    panel_kev: width of the 8-point Gauss-Legendre panels of the recoil quadrature (breaks at the kinematic end
    points). 2 keV (208 nodes) keeps every binned count of every elastic model within 1e-6 of the largest bin
    against a 16x finer rule, light mediators at M -> 0 included (tests/test_profiler_numerics.py). 4 keV would
    do for those, but not for up-scattering into a massive state, whose threshold E_min(T; m_X) crosses the
    nu_mu line inside a panel: 2 keV keeps those totals within 0.4% of a 10x finer rule, as 1 keV did, where
    4 keV leaves 1.5% (tests/test_upscattering_kinematics.py).
    """
    choice(quenching, "CsI quenching variant", QUENCHING_VARIANTS)
    choice(efficiency, "CsI efficiency variant", EFFICIENCY_VARIANTS)
    quenching_scale = positive_scalar(quenching_scale, "quenching_scale (multiplies E_ee)")
    t_low_kev = nonnegative_scalar(t_low_kev, "t_low_kev (recoil threshold, keV)")
    panel_kev = positive_scalar(panel_kev, "panel_kev (quadrature panel width, keV)")
    pe_edges = increasing_edges(pe_edges, "pe_edges (PE bin edges)")
    time_edges_us = increasing_edges(time_edges_us, "time_edges_us (time bin edges)")
    nuclei = [nucleus("Cs133"), nucleus("I127")]
    n_mol = number_of_molecules()
    nodes, weights = recoil_quadrature(t_low_kev * 1e-3, nuclei, panel_kev * 1e-3)
    return _csi_detector("csi", [(nuc, n_mol) for nuc in nuclei], nodes, weights, pe_edges, time_edges_us,
                         response_matrix(nodes, pe_edges, quenching, efficiency, quenching_scale),
                         pulse_mean_us, pulse_sigma_us, "COHERENT CsI[Na] 2021 (14.6 kg, 19.3 m, 3.198e23 POT)",
                         dict(t_low_mev=t_low_kev * 1e-3, quenching=quenching, efficiency=efficiency,
                              quenching_scale=quenching_scale))


def _csi_detector(name, targets, nodes, weights, pe_edges, time_edges_us, response, pulse_mean_us, pulse_sigma_us,
                  description, settings) -> Detector:
    """The parts every CsI[Na] 2021 target shares: the SNS source and exposure, the proton pulse (its mean from the
    2017 arrival-time PDFs unless given), the PE x t_rec binning and the flavour time fractions."""
    pulse = ProtonPulse(pulse_mean_from_2017_pdfs() if pulse_mean_us is None else pulse_mean_us, pulse_sigma_us)
    fractions = {f: time_bin_fractions(f, time_edges_us, pulse, efficiency=time_efficiency) for f in FLAVOURS}
    return Detector(
        name=name,
        targets=targets,
        source=SNSSource(NU_PER_PROTON, PROTONS_ON_TARGET, BASELINE_M),
        pulse=pulse,
        recoil_nodes_mev=nodes,
        recoil_weights_mev=weights,
        energy_edges=np.asarray(pe_edges, float),
        energy_unit="PE",
        time_edges_us=np.asarray(time_edges_us, float),
        response=response,
        time_fractions=fractions,
        description=description,
        settings=dict(settings, pulse_mean_us=pulse.mean_us, pulse_sigma_us=pulse_sigma_us),
    )


#: electron recoils above this energy land above the last PE bin (60 PE = 4.5 keVee) with probability < 1e-12
ELECTRON_T_MAX_KEV = 20.0


def csi_2021_electrons(efficiency: str = "nominal", t_low_kev: float = 0.05, t_high_kev: float = ELECTRON_T_MAX_KEV,
                       pe_edges=PE_EDGES, time_edges_us=TIME_EDGES_US, pulse_mean_us: float | None = None,
                       pulse_sigma_us: float = PULSE_SIGMA_US, order: int = 8) -> Detector:
    """The 55 + 53 electrons of each CsI molecule as a detector for the rate engine (neutrino-electron scattering).

    CsI[Na] has no pulse-shape discrimination in this analysis, so electron recoils land in the same PE x t_rec
    bins as nuclear recoils. Chain: E_ee = T_e (no quenching), then the light yield, Gamma PE smearing and energy
    efficiency of `response_matrix_ee`, and the same flavour time fractions as CEvNS. Targets: `AtomicElectrons`
    of Cs and of I, N_molecules Z_eff(T_e) of each at every recoil node (stepping approximation, `atomic`).
    Quadrature in T_e: panels that break at every shell edge (where Z_eff steps), 0.05 keV wide below 2 keV
    (the 1/T_e magnetic cross section) and 0.5 keV above, up to `t_high_kev`.
    """
    from ..atomic import AtomicElectrons, binding_energies_mev

    atoms = [AtomicElectrons("Cs"), AtomicElectrons("I")]
    lo, hi = t_low_kev * 1e-3, t_high_kev * 1e-3
    edges = {b for a in atoms for b in binding_energies_mev(a.element) if lo < b < hi}
    breaks = np.array(sorted(edges | {lo, 2e-3, hi}))
    nodes, weights = piecewise_gauss_legendre(breaks, np.where(breaks[:-1] < 2e-3, 0.05e-3, 0.5e-3), order)
    n_mol = number_of_molecules()
    return _csi_detector("csi-electrons", [(a, n_mol * a.z_eff(nodes)) for a in atoms], nodes, weights, pe_edges,
                         time_edges_us, response_matrix_ee(1e3 * nodes, pe_edges, efficiency), pulse_mean_us,
                         pulse_sigma_us, "electrons of COHERENT CsI[Na] 2021 (stepping approximation), E_ee = T_e",
                         dict(t_low_mev=lo, t_high_mev=hi, efficiency=efficiency))
