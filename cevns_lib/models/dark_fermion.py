r"""Dark-fermion up-scattering: nu + A -> chi + A through a light vector Z' or scalar phi (De Romeri, Munoz Candela,
Papoulias 2023, arXiv:2305.03341; the scalar case first in Brdar, Rodejohann, Xu 2018).

A neutral fermion chi of mass m_chi couples to the left-handed neutrino and a mediator of mass M_med, which couples
to quarks. The final state differs from the SM's, so there is no interference; the exact 2 -> 2 cross sections on a
spin-zero nucleus of mass M (coherent; the nuclear spin and the axial current neglected, nothing else) are

    vector: dsigma/dT = g^4 Q_V^2 M / (2 pi (2MT + M_V^2)^2) [ 1 - T/E - M T/(2E^2) - m_chi^2/(2 M E)
                        - m_chi^2/(4 E^2) + m_chi^4/(16 M^2 E^2) + m_chi^2 T/(8 M E^2) ],     Q_V = 3 (Z F_Z + N F_N),
    scalar: dsigma/dT = g^4 Q_S^2 M (2 M T + m_chi^2) / (8 pi E^2 (2MT + M_phi^2)^2),
                        Q_S = Z F_Z sum_q m_p f_q^p / m_q + N F_N sum_q m_n f_q^n / m_q,

above E_min(T; m_chi) (`cevns_lib.kinematics`). On the electrons of CsI (a spin-1/2 point target, M = m_e, exact,
per free electron times Z_eff(T_e)):

    vector: dsigma/dT = g^4 M / (2 pi (2MT + M_V^2)^2) [ 1 - T/E - MT/(2E^2) + T^2/(2E^2) - m_chi^2/(2ME)
                        + (T - M) m_chi^2 / (4 M E^2) ],
    scalar: dsigma/dT = g^4 M (2MT + m_chi^2)(1 + T/(2M)) / (8 pi E^2 (2MT + M_phi^2)^2),

with the electron coupling equal to the per-quark one (universal couplings, `ELECTRON_CHARGE`).
The coupling is g = sqrt(g_nu g_q): g_nu the chi-nu-mediator coupling, g_q the mediator's coupling to each of
the u and d quarks (vector; g_q to u, d, s for the scalar, with the sigma terms of `nucleon`). For m_chi -> 0 the
vector term is exactly the pure-Z' part |Q_Z'|^2 of the light universal vector of `light_mediators` (without its
interference with the SM), the scalar term the light scalar 'ls'.
These expressions were derived here from the Dirac traces (tests/test_upscattering_xsec.py repeats the traces
numerically), and their m_chi -> 0 limits are the light-mediator cross sections of the book (tested); all three
SNS flavours up-scatter with the same coupling.

The amplitudes are those of the light-mediator models (same charges, same propagators, same normalisation); only
the kinematic structure changes, through `kinematics.MassiveFinalState`.
"""

from __future__ import annotations

import math

import numpy as np

from ..constants import G_FERMI_MEV2
from ..cross_section import LAURENT_POWERS, StandardModel, lepton_of, prefactor
from ..kinematics import MassiveFinalState, UpscatteringModel
from ..validation import as_nonnegative_array, check_choice
from . import nucleon
from .light_mediators import ScalarMediator, VectorMediator, light_vector_charges

_K = {k: i for i, k in enumerate(LAURENT_POWERS)}
MEDIATORS = ("vector", "scalar")


def _empty(t, m):
    shape = np.broadcast_shapes(np.shape(m), np.shape(t))
    return np.zeros(shape[:-1] + (len(LAURENT_POWERS),) + shape[-1:])


def vector_laurent(t, target_mass, m_chi):
    """G_F^2 M/pi times the vector bracket of the module docstring, in powers of E (MeV^-3 per unit Q_V^2 in the
    SM-normalised amplitude of `VectorMediator`); at m_chi = 0 exactly `cross_section`'s 'vector' structure."""
    t = np.asarray(t, float)
    m2 = np.asarray(m_chi, float) ** 2
    mass = target_mass
    c = _empty(t, m2)
    c[..., _K[0], :] = 1.0
    c[..., _K[-1], :] = -t - m2 / (2.0 * mass)
    c[..., _K[-2], :] = -0.5 * mass * t - m2 / 4.0 + m2 * m2 / (16.0 * mass**2) + m2 * t / (8.0 * mass)
    return prefactor(mass) * c


def scalar_laurent(t, target_mass, m_chi):
    """M (2 M T + m_chi^2) / (8 pi E^2): at m_chi = 0 exactly `cross_section`'s 'scalar' structure M^2 T/(4 pi E^2)."""
    t = np.asarray(t, float)
    m2 = np.asarray(m_chi, float) ** 2
    c = _empty(t, m2)
    c[..., _K[-2], :] = target_mass * (2.0 * target_mass * t + m2) / (8.0 * math.pi)
    return c


def vector_laurent_electron(t, target_mass, m_chi):
    """The vector bracket on a spin-1/2 point target (an electron): G_F^2 m/pi [1 - T/E - mT/(2E^2) + T^2/(2E^2)
    - m_chi^2/(2mE) + (T - m) m_chi^2/(4 m E^2)] (exact; derived from the traces, see the module docstring)."""
    t = np.asarray(t, float)
    m2 = np.asarray(m_chi, float) ** 2
    mass = target_mass
    c = _empty(t, m2)
    c[..., _K[0], :] = 1.0
    c[..., _K[-1], :] = -t - m2 / (2.0 * mass)
    c[..., _K[-2], :] = -0.5 * mass * t + 0.5 * t * t + (t - mass) * m2 / (4.0 * mass)
    return prefactor(mass) * c


def scalar_laurent_electron(t, target_mass, m_chi):
    """The scalar structure on a spin-1/2 point target: m (2 m T + m_chi^2)(1 + T/(2m)) / (8 pi E^2) (exact)."""
    return scalar_laurent(t, target_mass, m_chi) * (1.0 + np.asarray(t, float) / (2.0 * target_mass))


#: the Z' and scalar charge of the electron, in units of the per-quark coupling g_q (universal couplings)
ELECTRON_CHARGE = 1.0


class DarkFermionVector(UpscatteringModel, VectorMediator):
    """SM + nu -> chi through a Z' with universal quark couplings (charges u = d = 1 per quark, lepton 1).

    m_chi_mev and m_mediator_mev may be arrays that broadcast (batch axes); coupling g = sqrt(g_nu g_q) or None
    for scans (x = g^2)."""

    def __init__(self, m_chi_mev=0.0, m_mediator_mev=0.0, coupling=None, **sm_kwargs):
        super().__init__(light_vector_charges(1.0), m_mediator_mev, coupling, **sm_kwargs)
        self.m_chi_mev = as_nonnegative_array(m_chi_mev, "dark-fermion mass m_chi (MeV)")
        self.structure = MassiveFinalState("chi (vector)", self.m_chi_mev, vector_laurent)
        self.electron_structure = MassiveFinalState("chi e (vector)", self.m_chi_mev, vector_laurent_electron)
        self.name = "dark fermion (vector)"

    def amplitude_terms(self, nuc, flavour, t):
        terms = StandardModel.amplitude_terms(self, nuc, flavour, t)  # the SM, without the Z' interference
        return terms + [(self.structure, [None, self.mediator_amplitude(nuc, flavour, t)])]

    def electron_amplitude_terms(self, target, flavour, t):
        """Per free electron: the SM nu-e scattering and nu e -> chi e with the electron's Z' charge
        ELECTRON_CHARGE (amplitude g^2 Q'_e / (sqrt2 G_F (2 m_e T + M^2)) in the SM-normalised units)."""
        terms = [(n, list(a) + [None]) for n, a in StandardModel.electron_amplitude_terms(self, target, flavour, t)]
        t = np.asarray(t, float)
        prop = self._propagator(np.sqrt(2.0 * target.mass_mev * t))
        amp = self.charges.lepton(lepton_of(flavour)) * ELECTRON_CHARGE * prop / (math.sqrt(2.0) * G_FERMI_MEV2)
        return terms + [(self.electron_structure, [None, amp])]


class DarkFermionScalar(UpscatteringModel, ScalarMediator):
    """SM + nu -> chi through a scalar with sigma-term nucleon charges (seed 000's 'ls' charges); x = g^2."""

    def __init__(self, m_chi_mev=0.0, m_mediator_mev=0.0, coupling=None, **sm_kwargs):
        charges = tuple(nucleon.scalar_charge_all(n) for n in "pn")
        super().__init__(m_mediator_mev, coupling, nucleon_charges=charges, **sm_kwargs)
        self.m_chi_mev = as_nonnegative_array(m_chi_mev, "dark-fermion mass m_chi (MeV)")
        self.kinematics = MassiveFinalState("chi (scalar)", self.m_chi_mev, scalar_laurent)
        self.electron_structure = MassiveFinalState("chi e (scalar)", self.m_chi_mev, scalar_laurent_electron)
        self.name = "dark fermion (scalar)"

    def electron_amplitude_terms(self, target, flavour, t):
        """Per free electron: the SM nu-e scattering and nu e -> chi e, scalar charge ELECTRON_CHARGE per electron."""
        terms = [(n, list(a) + [None]) for n, a in StandardModel.electron_amplitude_terms(self, target, flavour, t)]
        t = np.asarray(t, float)
        q2 = 2.0 * target.mass_mev * t
        prop = np.ones(self.mass_mev.shape + t.shape) if self.high_mass else 1.0 / (q2 + self.mass_mev[..., None] ** 2)
        return terms + [(self.electron_structure, [None, ELECTRON_CHARGE * prop])]


def dark_fermion(mediator: str, m_chi_mev=0.0, m_mediator_mev=0.0, coupling=None, **kwargs) -> StandardModel:
    """The dark-fermion model with a 'vector' or 'scalar' mediator."""
    check_choice(mediator, MEDIATORS, "dark-fermion mediator")
    cls = DarkFermionVector if mediator == "vector" else DarkFermionScalar
    return cls(m_chi_mev, m_mediator_mev, coupling, **kwargs)
