r"""The sterile-neutrino dipole portal: nu_alpha + A -> F_4 + A through a transition magnetic moment mu_nu4.

An active neutrino of flavour alpha turns into a sterile fermion F_4 of mass m_4 by exchanging a photon with the
nucleus (charge Z e F_Z(q)) or with an atomic electron of CsI. With the effective vertex mu_nu4 sigma^{mu nu} q_nu
between nu_alpha and F_4 (mu_nu4 in natural units, MeV^-1), the coherent cross section on a spin-zero nucleus of
mass M is, in exact 2 -> 2 kinematics up to O(T/M) (Brdar, Greljo, Kopp, Opferkuch 2021; Miranda, Papoulias,
Sanders, Tortola, Valle 2021; used by De Romeri et al. 2023),

    dsigma/dT = alpha mu_nu4^2 Z^2 F_Z(q)^2 [ 1/T - 1/E + m_4^2 (T - 2E - M) / (4 E^2 T M)
                                              + m_4^4 (T - M) / (8 E^2 T^2 M^2) ],

zero below E_min(T; m_4) (`cevns_lib.kinematics`). On a free electron (M = m_e, Z = F = 1) the same formula is
exact (a spin-1/2 point target); the engine multiplies it by Z_eff(T_e) (stepping approximation, `atomic`).
For m_4 -> 0 it is the magnetic-moment cross section (pi alpha^2 mu^2 / m_e^2)(1/T - 1/E) Z^2 F^2 with
mu = mu_nu4 in Bohr magnetons, since mu_B = e/(2 m_e) and alpha (e/2m_e)^2 = pi alpha^2/m_e^2. The transition
moment is quoted in units of 1e-10 mu_B; the dipole coupling in natural units is d = mu_nu4 e/(2 m_e), i.e.
1e-10 mu_B = 2.96e-8 GeV^-1 (`MU_UNIT_PER_GEV`). Conventions for d differ by factors of 2 in the literature (a
Lagrangian d nubar sigma^{mu nu} F_4 F_{mu nu} gives the vertex 2 d sigma^{mu nu} q_nu); ours is fixed by the vertex.

Assumptions: F_4 leaves the detector without a trace (its decay F_4 -> nu gamma and any photon it might leave in
the detector are ignored); only the active flavour alpha (e: nu_e; mu: nu_mu and anti-nu_mu, which share mu_nu4)
has a transition moment; the dipole does not interfere with the SM (the helicity flips). The amplitude is linear
in mu_nu4 (the model's parameter x = mu_nu4 in 1e-10 mu_B), so the rates are N_SM + x^2 N_11.
"""

from __future__ import annotations

import math

import numpy as np

from ..constants import ALPHA_EM, M_ELECTRON_MEV
from ..cross_section import LAURENT_POWERS, StandardModel, momentum_transfer
from ..flux import E_MICHEL_MAX_MEV
from ..kinematics import MassiveFinalState, UpscatteringModel, max_mass
from ..validation import PhysicsInputError, as_finite_array, as_nonnegative_array, check_choice

_K = {k: i for i, k in enumerate(LAURENT_POWERS)}
#: 1e-10 Bohr magnetons in natural units (MeV^-1): 1e-10 e / (2 m_e), e = sqrt(4 pi alpha)
MU_UNIT_PER_MEV = 1e-10 * math.sqrt(4.0 * math.pi * ALPHA_EM) / (2.0 * M_ELECTRON_MEV)
MU_UNIT_PER_GEV = 1e3 * MU_UNIT_PER_MEV
MU_UNIT = "1e-10 mu_B"
#: the SNS flavours that carry each transition moment (mu: nu_mu and anti-nu_mu share mu_nu4, as mu_numu in `em`)
DIPOLE_FLAVOURS = {"e": ("nu_e",), "mu": ("nu_mu", "nu_mu_bar")}


def dipole_laurent(t, target_mass, m4):
    """Laurent coefficients in E of alpha [1/T - 1/E + m4^2 (T-2E-M)/(4E^2 T M) + m4^4 (T-M)/(8E^2 T^2 M^2)],
    shape (*m4_batch, len(LAURENT_POWERS), nT), in MeV^-1 (times mu^2 Z^2 F^2 it is dsigma/dT)."""
    t = np.asarray(t, float)
    m2 = np.asarray(m4, float) ** 2
    mass = target_mass
    shape = np.broadcast_shapes(m2.shape, t.shape)
    c = np.zeros(shape[:-1] + (len(LAURENT_POWERS),) + shape[-1:])
    c[..., _K[0], :] = ALPHA_EM / t
    c[..., _K[-1], :] = ALPHA_EM * (-1.0 - m2 / (2.0 * t * mass))
    c[..., _K[-2], :] = ALPHA_EM * (m2 * (t - mass) / (4.0 * t * mass) + m2 * m2 * (t - mass) / (8.0 * t * t * mass**2))
    return c


def dipole_reach_mev(target_mass_mev: float) -> float:
    """Largest m_4 (MeV) an SNS neutrino (E <= m_mu/2) can produce on a target of mass M."""
    return float(max_mass(E_MICHEL_MAX_MEV, target_mass_mev))


class DipolePortal(UpscatteringModel, StandardModel):
    """SM + nu_alpha -> F_4 up-scattering through a transition moment; m_4 (MeV) may be an array (batch axis).

    flavour: 'e' or 'mu'. mu: |mu_nu4| in 1e-10 mu_B for direct evaluation, or None for quadratic-form scans
    (then x = mu_nu4 in the same unit).
    """

    def __init__(self, flavour: str, m4_mev=0.0, mu=None, **sm_kwargs):
        super().__init__(**sm_kwargs)
        self.flavour = check_choice(flavour, tuple(DIPOLE_FLAVOURS), "dipole flavour")
        self.m4_mev = as_nonnegative_array(m4_mev, "sterile-neutrino mass m_4 (MeV)")
        self.structure = MassiveFinalState(f"dipole m4 ({flavour})", self.m4_mev, dipole_laurent)
        if mu is not None:
            mu = float(as_finite_array(mu, "transition moment mu_nu4 (1e-10 mu_B)"))
            if mu < 0:
                raise PhysicsInputError(f"transition moment |mu_nu4| must be >= 0, got {mu}")
        self.parameter_values = () if mu is None else (mu,)
        self.name = f"dipole portal ({flavour})"

    def dipole_amplitude(self, nuc, t):
        """mu_nu4 Z F_Z(q) per unit x (1e-10 mu_B), in MeV^-1."""
        fz, _ = self.nuclear.form_factors(nuc, momentum_transfer(t, nuc.mass_mev))
        return MU_UNIT_PER_MEV * nuc.Z * np.asarray(fz, float)

    def amplitude_terms(self, nuc, flavour, t):
        terms = super().amplitude_terms(nuc, flavour, t)
        if flavour in DIPOLE_FLAVOURS[self.flavour]:
            terms.append((self.structure, [None, self.dipole_amplitude(nuc, t)]))
        return terms

    def electron_amplitude_terms(self, target, flavour, t):
        """Per free electron of CsI (the engine multiplies by Z_eff): the SM nu-e scattering and nu e -> F_4 e, whose
        cross section is the formula above with M = m_e, Z = F = 1 -- exact for a spin-1/2 point target (the trace
        test checks it), so no heavy-target approximation enters; the threshold is the exact E_min(T_e; m_4)."""
        terms = super().electron_amplitude_terms(target, flavour, t)
        terms = [(name, list(amps) + [None]) for name, amps in terms]
        if flavour in DIPOLE_FLAVOURS[self.flavour]:
            terms.append((self.structure, [None, MU_UNIT_PER_MEV * np.ones(np.shape(t))]))
        return terms
