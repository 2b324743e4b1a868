"""Slow reference quadrature of the binned rates (scipy), to check the fast contraction of `rates`.

N_{f i t} = tau_{f t} Phi (hbar c)^2 sum_n N_n int dT R_i(T) int dE f(E) dsigma/dT(E, T), with nested adaptive
quadrature (`scipy.integrate.quad`) in T and E and no precomputed grid. Only for tests and the book: it takes
seconds per bin where the engine takes microseconds for all bins.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import quad

from .constants import E_MICHEL_MAX_MEV, E_NU_MU_LINE_MEV, HBARC2_MEV2_CM2
from .cross_section import StandardModel, e_min, t_max
from .detectors.base import Detector
from .flux import FLAVOURS, energy_spectrum


def recoil_spectrum_reference(model, nuc, flavour: str, t_mev: float) -> float:
    """int dE f(E) dsigma/dT(E, T) in MeV^-3 by adaptive quadrature (delta function for the nu_mu line)."""
    if flavour == "nu_mu":
        return float(model.dsigma_dT(E_NU_MU_LINE_MEV, t_mev, nuc, flavour))
    lo = float(e_min(t_mev, nuc.mass_mev))
    if lo >= E_MICHEL_MAX_MEV:
        return 0.0
    val, _ = quad(lambda e: float(energy_spectrum(flavour, e) * model.dsigma_dT(e, t_mev, nuc, flavour)),
                  lo, E_MICHEL_MAX_MEV, epsabs=0.0, epsrel=1e-10, limit=200)
    return val


def binned_counts_reference(detector: Detector, response_of_t, energy_bin: int, time_bin: int,
                            flavour: str, model=None) -> float:
    """Expected counts of one (energy bin, time bin, flavour) by nested quadrature.

    `response_of_t(T_array)` returns the (n_bins, n_T) response of the detector at arbitrary recoil energies.
    """
    model = model or StandardModel()
    t_lo = float(detector.settings["t_low_mev"])  # the same lower cut in T as the engine
    total = 0.0
    for nuc, n_targets in detector.targets:
        t_hi = float(t_max(E_MICHEL_MAX_MEV, nuc.mass_mev))
        kinks = [float(t_max(E_NU_MU_LINE_MEV, nuc.mass_mev))]

        def integrand(t):
            r = response_of_t(np.array([t]))[energy_bin, 0]
            return r * recoil_spectrum_reference(model, nuc, flavour, t) if r != 0 else 0.0

        val, _ = quad(integrand, t_lo, t_hi, points=kinks, epsabs=0.0, epsrel=1e-8, limit=400)
        total += n_targets * val
    tau = detector.time_fractions[flavour][time_bin]
    return tau * detector.source.fluence_per_cm2 * HBARC2_MEV2_CM2 * total


__all__ = ["recoil_spectrum_reference", "binned_counts_reference", "FLAVOURS"]
