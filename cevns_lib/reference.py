r"""Slow reference quadrature of the binned SM rates (scipy), independent of the fast code's physics.

It checks the rate engine (`rates`) with its own transcription of everything physical, so that a wrong factor,
sign or spectrum in the fast code shows up as a disagreement, not as two agreeing copies of one mistake:

* the SM cross section, written out from the textbook formula (e.g. D. Z. Freedman, PRD 9 (1974) 1389; the
  Barranco-Miranda-Rashba axial term), not through the Laurent coefficients of `cross_section`:

      dsigma/dT = G_F^2 M / pi [ (1 - T/E - M T/(2E^2)) (g_V^p Z F_p + g_V^n N F_n)^2
                                 + (1 - T/E + M T/(2E^2)) (J+1)/(3J) g_A^2 (<S_p> - <S_n>)^2 F_A^2 ],

  F_A = (F_p + F_n)/2, with the Helm form factor transcribed here (Helm 1956, s = 0.9 fm), the radiative g_V of
  `constants` (inputs, not physics code), T_max = 2E^2/(M + 2E);
* the pi-DAR spectra, written out from Michel's formulas: the nu_mu line at (m_pi^2 - m_mu^2)/(2 m_pi) and
  f_nu_e = 12 E^2 (m_mu/2 - E) / (m_mu/2)^4 ... normalised here by the formula, f_nu_mu_bar = 2 E^2 (3 m_mu/2 - 2E)
  / (m_mu/2)^4 ... (see `michel_spectrum`).

What it shares with the engine: the detector's response function and time fractions (passed in), its target
list and the fluence, and the nuclear inputs (Z, N, masses, radii, spins) and coupling constants.

N_{f i t} = tau_{f t} Phi (hbar c)^2 sum_n N_n int dT R_i(T) int dE f(E) dsigma/dT(E, T), with nested adaptive
quadrature (`scipy.integrate.quad`). Only for tests and the book: it takes seconds per bin where the engine takes
microseconds for all bins.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.integrate import quad

from .constants import (
    G_AXIAL_NUCLEON,
    G_FERMI_MEV2,
    G_V_NEUTRON_RADIATIVE,
    G_V_PROTON_RADIATIVE,
    HBARC2_MEV2_CM2,
    HBARC_MEV_FM,
    M_MUON_MEV,
    M_PION_CHARGED_MEV,
)
from .detectors.base import Detector

FLAVOURS = ("nu_e", "nu_mu", "nu_mu_bar")
_LEPTON = {"nu_e": "e", "nu_mu": "mu", "nu_mu_bar": "mu"}
LINE_MEV = (M_PION_CHARGED_MEV**2 - M_MUON_MEV**2) / (2.0 * M_PION_CHARGED_MEV)
E_MAX_MEV = 0.5 * M_MUON_MEV
HELM_S_FM = 0.9


def helm(q_mev: float, rms_fm: float) -> float:
    """Helm form factor 3 j1(q R0)/(q R0) exp(-q^2 s^2/2), R0^2 = 5/3 (R^2 - 3 s^2), written out here."""
    q = q_mev / HBARC_MEV_FM
    r0 = math.sqrt(5.0 / 3.0 * (rms_fm**2 - 3.0 * HELM_S_FM**2))
    x = q * r0
    box = 1.0 - x * x / 10.0 if x < 1e-3 else 3.0 * (math.sin(x) - x * math.cos(x)) / x**3
    return box * math.exp(-0.5 * (q * HELM_S_FM) ** 2)


def michel_spectrum(flavour: str, e_mev: float) -> float:
    """Normalised Michel spectra of mu+ decay at rest (V-A, massless e+), written with W = m_mu/2:
    f_nu_e = 12 E^2 (W - E) / W^4 and f_nu_mu_bar = 2 E^2 (3W - 2E) / W^4 on 0 <= E <= W."""
    w = E_MAX_MEV
    if not 0.0 <= e_mev <= w:
        return 0.0
    if flavour == "nu_e":
        return 12.0 * e_mev**2 * (w - e_mev) / w**4
    if flavour == "nu_mu_bar":
        return 2.0 * e_mev**2 * (3.0 * w - 2.0 * e_mev) / w**4
    raise ValueError(f"no Michel spectrum for {flavour!r}")


def sm_dsigma_dT(e_mev: float, t_mev: float, nuc, flavour: str) -> float:
    """SM dsigma/dT in MeV^-3 (see module docstring), measured charge radii (point-proton R_p, R_n = R_p + skin)."""
    m = nuc.mass_mev
    if e_mev <= 0 or t_mev > 2.0 * e_mev**2 / (m + 2.0 * e_mev):
        return 0.0
    q = math.sqrt(2.0 * m * t_mev)
    fp, fn = helm(q, nuc.proton_radius_fm), helm(q, nuc.neutron_radius_fm)
    qv = G_V_PROTON_RADIATIVE[_LEPTON[flavour]] * nuc.Z * fp + G_V_NEUTRON_RADIATIVE * nuc.N * fn
    vector = (1.0 - t_mev / e_mev - m * t_mev / (2.0 * e_mev**2)) * qv * qv
    axial = 0.0
    if nuc.spin_J > 0:
        fa = 0.5 * (fp + fn)
        qa2 = (nuc.spin_J + 1.0) / (3.0 * nuc.spin_J) * G_AXIAL_NUCLEON**2 * (nuc.spin_p - nuc.spin_n) ** 2
        axial = (1.0 - t_mev / e_mev + m * t_mev / (2.0 * e_mev**2)) * qa2 * fa * fa
    return G_FERMI_MEV2**2 * m / math.pi * (vector + axial)


def recoil_spectrum_reference(nuc, flavour: str, t_mev: float) -> float:
    """int dE f(E) dsigma/dT(E, T) in MeV^-3 by adaptive quadrature (delta function for the nu_mu line)."""
    if flavour == "nu_mu":
        return sm_dsigma_dT(LINE_MEV, t_mev, nuc, flavour)
    m = nuc.mass_mev
    lo = 0.5 * (t_mev + math.sqrt(t_mev * t_mev + 2.0 * m * t_mev))
    if lo >= E_MAX_MEV:
        return 0.0
    val, _ = quad(lambda e: michel_spectrum(flavour, e) * sm_dsigma_dT(e, t_mev, nuc, flavour),
                  lo, E_MAX_MEV, epsabs=0.0, epsrel=1e-10, limit=200)
    return val


def binned_counts_reference(detector: Detector, response_of_t, energy_bin: int, time_bin: int,
                            flavour: str) -> float:
    """Expected SM counts of one (energy bin, time bin, flavour) by nested quadrature.

    `response_of_t(T_array)` returns the (n_bins, n_T) response of the detector at arbitrary recoil energies.
    """
    t_lo = float(detector.settings["t_low_mev"])  # the same lower cut in T as the engine
    total = 0.0
    for nuc, n_targets in detector.targets:
        m = nuc.mass_mev
        t_hi = 2.0 * E_MAX_MEV**2 / (m + 2.0 * E_MAX_MEV)
        kinks = [2.0 * LINE_MEV**2 / (m + 2.0 * LINE_MEV)]

        def integrand(t):
            r = response_of_t(np.array([t]))[energy_bin, 0]
            return r * recoil_spectrum_reference(nuc, flavour, t) if r != 0 else 0.0

        val, _ = quad(integrand, t_lo, t_hi, points=kinks, epsabs=0.0, epsrel=1e-8, limit=400)
        total += n_targets * val
    tau = detector.time_fractions[flavour][time_bin]
    return tau * detector.source.fluence_per_cm2 * HBARC2_MEV2_CM2 * total


__all__ = ["recoil_spectrum_reference", "binned_counts_reference", "sm_dsigma_dT", "michel_spectrum", "helm",
           "FLAVOURS"]
