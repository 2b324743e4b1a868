r"""The Standard Model CEvNS cross section dsigma/dT (MeV^-3: cm^2 per MeV after times HBARC2_MEV2_CM2).

For a neutrino of flavour l and energy E scattering on a nucleus of mass M with recoil kinetic energy T,

    dsigma/dT = G_F^2 M / pi * [ (1 - T/E - M T / (2 E^2)) Q_V,l(q)^2
                                 + 1/4 (1 + M T / (2 E^2) - T/E) Q_A^2 F_A(q)^2 ],      q^2 = 2 M T,

with the vector weak charge Q_V,l = g_V^p(nu_l) Z F_Z(q) + g_V^n N F_N(q) (= Q_W/2 in the convention of seed 000)
and zero rate above the kinematic end point T_max = 2E^2/(M + 2E). Approximations named: q^2 = 2MT drops T^2
(a T/2M ~ 1e-7 relative effect); the axial form factor F_A is taken equal to the average of F_Z and F_N; the
axial-vector interference term, which is suppressed by T/E and flips sign for antineutrinos, is neglected.

Every cross section in this package is written as a Laurent polynomial in the neutrino energy,
dsigma/dT = sum_k c_k(T) E^k with k in LAURENT_POWERS. The rate engine integrates E^k against the flux
analytically, so a model only supplies its coefficient array c_k(T): the SM supplies the two kinematic
structures below times its charges; a new-physics model changes Q_V or adds terms without copying this code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import form_factors as ff
from .constants import (
    G_AXIAL_NUCLEON,
    G_FERMI_MEV2,
    G_V_NEUTRON_RADIATIVE,
    G_V_PROTON_RADIATIVE,
    SIN2_THETA_W_LOW_ENERGY,
)
from .nuclei import Nucleus, nucleus as get_nucleus
from .validation import PhysicsInputError, as_nonnegative_array

#: powers k of E in the Laurent representation dsigma/dT = sum_k c_k(T) E^k
LAURENT_POWERS = (-2, -1, 0, 1, 2)
_K = {k: i for i, k in enumerate(LAURENT_POWERS)}

#: SNS neutrino species and the charged lepton whose flavour they carry
FLAVOURS = ("nu_e", "nu_mu", "nu_mu_bar")
LEPTON_OF = {"nu_e": "e", "nu_e_bar": "e", "nu_mu": "mu", "nu_mu_bar": "mu", "nu_tau": "tau", "nu_tau_bar": "tau"}


def lepton_of(flavour: str) -> str:
    try:
        return LEPTON_OF[flavour]
    except KeyError:
        raise ValueError(f"unknown neutrino flavour {flavour!r}; known: {sorted(LEPTON_OF)}") from None


# --- kinematics --------------------------------------------------------------------------------------------
def t_max(e_nu_mev, mass_mev: float) -> np.ndarray:
    """Maximum recoil energy T_max = 2E^2/(M + 2E) in MeV for neutrino energy E (MeV) on mass M (MeV)."""
    e = as_nonnegative_array(e_nu_mev, "neutrino energy E (MeV)")
    return 2.0 * e**2 / (mass_mev + 2.0 * e)


def e_min(t_mev, mass_mev: float) -> np.ndarray:
    """Minimum neutrino energy (MeV) that can give recoil energy T (MeV): (T + sqrt(T^2 + 2MT))/2."""
    t = as_nonnegative_array(t_mev, "recoil energy T (MeV)")
    return 0.5 * (t + np.sqrt(t * t + 2.0 * mass_mev * t))


def momentum_transfer(t_mev, mass_mev: float) -> np.ndarray:
    """|q| = sqrt(2 M T) in MeV."""
    t = as_nonnegative_array(t_mev, "recoil energy T (MeV)")
    return np.sqrt(2.0 * mass_mev * t)


def vector_kinematics(t_mev: np.ndarray, mass_mev: float) -> np.ndarray:
    """Coefficients (len(LAURENT_POWERS), nT) of 1 - T/E - MT/(2E^2) in powers of E."""
    t = np.asarray(t_mev, dtype=float)
    c = np.zeros((len(LAURENT_POWERS),) + t.shape)
    c[_K[0]] = 1.0
    c[_K[-1]] = -t
    c[_K[-2]] = -0.5 * mass_mev * t
    return c


def axial_kinematics(t_mev: np.ndarray, mass_mev: float) -> np.ndarray:
    """Coefficients of 1 - T/E + MT/(2E^2) in powers of E."""
    c = vector_kinematics(t_mev, mass_mev)
    c[_K[-2]] *= -1.0
    return c


def evaluate_laurent(coefficients: np.ndarray, e_nu_mev, t_mev, mass_mev: float) -> np.ndarray:
    """sum_k c_k(T) E^k, set to zero above the kinematic end point; E and T broadcast against each other.

    `coefficients` has shape (len(LAURENT_POWERS),) + broadcast(E, T).shape or (len(LAURENT_POWERS),) + T.shape.
    """
    e = as_nonnegative_array(e_nu_mev, "neutrino energy E (MeV)")
    t = as_nonnegative_array(t_mev, "recoil energy T (MeV)")
    with np.errstate(divide="ignore", invalid="ignore"):
        total = sum(coefficients[i] * np.power(e, k, where=e > 0, out=np.zeros(np.broadcast(e, t).shape))
                    for i, k in enumerate(LAURENT_POWERS))
    allowed = (t <= t_max(e, mass_mev)) & (e > 0)
    return np.where(allowed, total, 0.0)


# --- couplings and charges -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ElectroweakInputs:
    """Neutrino-nucleon vector couplings: radiatively corrected per flavour (default) or tree level."""

    radiative: bool = True
    sin2_theta_w: float = SIN2_THETA_W_LOW_ENERGY

    def g_v_proton(self, lepton: str) -> float:
        if self.radiative:
            # the radiative values belong to the PDG sin^2 theta_W; a shifted sin^2 moves them at tree level
            return G_V_PROTON_RADIATIVE[lepton] - 2.0 * (self.sin2_theta_w - SIN2_THETA_W_LOW_ENERGY)
        return 0.5 - 2.0 * self.sin2_theta_w

    def g_v_neutron(self, lepton: str) -> float:
        return G_V_NEUTRON_RADIATIVE if self.radiative else -0.5


@dataclass(frozen=True)
class NuclearModel:
    """How the proton and neutron distributions of a nucleus are modelled.

    radii = "coherent": both distributions have the Klein-Nystrand radius R_A = 1.23 A^(1/3) (1 + alpha4) fm
    of COHERENT's CsI analysis (and seed 000's chi^2), whatever the form factor shape.
    radii = "measured": protons have the point-proton radius from the measured charge radius, neutrons
    R_p + skin (Nucleus.neutron_radius_fm), each scaled by (1 + alpha4) for the neutrons only.
    """

    form_factor: str = "helm"
    radii: str = "measured"
    alpha4: float = 0.0
    neutron_radius_fm: dict | None = None  # optional explicit R_n per nucleus name

    def __post_init__(self):
        ff.form_factor(self.form_factor)  # validates the name
        if self.radii not in ("coherent", "measured"):
            raise ValueError(f"NuclearModel.radii must be 'coherent' or 'measured', not {self.radii!r}")

    def radii_fm(self, nuc: Nucleus) -> tuple[float, float]:
        """(R_p, R_n): rms radii in fm of the proton and neutron distributions."""
        if self.radii == "coherent":
            r = ff.coherent_klein_nystrand_radius(nuc.A, self.alpha4)
            rp, rn = r, r
        else:
            rp, rn = nuc.proton_radius_fm, nuc.neutron_radius_fm * (1.0 + self.alpha4)
        if self.neutron_radius_fm and nuc.name in self.neutron_radius_fm:
            rn = float(self.neutron_radius_fm[nuc.name])
        return rp, rn

    def form_factors(self, nuc: Nucleus, q_mev) -> tuple[np.ndarray, np.ndarray]:
        """(F_Z(q), F_N(q)) at momentum transfer q (MeV)."""
        f = ff.form_factor(self.form_factor)
        rp, rn = self.radii_fm(nuc)
        return f(q_mev, rp), f(q_mev, rn)


def weak_charge_vector(nuc, lepton: str, t_mev, nuclear: NuclearModel = NuclearModel(),
                       ew: ElectroweakInputs = ElectroweakInputs()) -> np.ndarray:
    """Q_V(T) = g_V^p Z F_Z(q) + g_V^n N F_N(q) for a neutrino of lepton flavour 'e', 'mu' or 'tau'."""
    nuc = get_nucleus(nuc)
    q = momentum_transfer(t_mev, nuc.mass_mev)
    fz, fn = nuclear.form_factors(nuc, q)
    return ew.g_v_proton(lepton) * nuc.Z * fz + ew.g_v_neutron(lepton) * nuc.N * fn


def axial_charge_squared(nuc) -> float:
    """Q_A^2 = 16 (J+1)/J (g_A/2)^2 (<S_p> - <S_n>)^2, zero for J = 0.

    Normalised so that a single free nucleon (J = 1/2, <S> = 1/2) gives the textbook 3 g_A^2 term.
    """
    nuc = get_nucleus(nuc)
    if nuc.spin_J == 0:
        return 0.0
    ga = 0.5 * G_AXIAL_NUCLEON
    return 16.0 * (nuc.spin_J + 1.0) / nuc.spin_J * (ga * (nuc.spin_p - nuc.spin_n)) ** 2


def prefactor(mass_mev: float) -> float:
    """G_F^2 M / pi in MeV^-3."""
    return G_FERMI_MEV2**2 * mass_mev / math.pi


class StandardModel:
    """The SM cross section, in the coefficient form the rate engine contracts.

    New-physics models subclass it and override `vector_charge` (coherent, interferes with the SM) and/or
    `extra_coefficients` (incoherent terms added to dsigma/dT).
    """

    name = "SM"

    def __init__(self, nuclear: NuclearModel = NuclearModel(), ew: ElectroweakInputs = ElectroweakInputs(),
                 include_axial: bool = True):
        self.nuclear = nuclear
        self.ew = ew
        self.include_axial = include_axial

    def vector_charge(self, nuc: Nucleus, flavour: str, t_mev: np.ndarray) -> np.ndarray:
        """Q_V for `flavour` at recoil energies T (MeV); shape (..., nT) for batched models."""
        return weak_charge_vector(nuc, lepton_of(flavour), t_mev, self.nuclear, self.ew)

    def extra_coefficients(self, nuc: Nucleus, flavour: str, t_mev: np.ndarray):
        """Additional incoherent terms of dsigma/dT as Laurent coefficients (MeV^-3), or None."""
        return None

    def coefficients(self, nuc, flavour: str, t_mev) -> np.ndarray:
        """Laurent coefficients c_k(T) of dsigma/dT in MeV^-3 (times E^k); shape (..., n_k, nT)."""
        nuc = get_nucleus(nuc)
        t = as_nonnegative_array(t_mev, "recoil energy T (MeV)")
        pref = prefactor(nuc.mass_mev)
        qv = np.asarray(self.vector_charge(nuc, flavour, t))
        c = pref * qv[..., None, :] ** 2 * vector_kinematics(t, nuc.mass_mev)
        if self.include_axial and nuc.spin_J > 0:
            fz, fn = self.nuclear.form_factors(nuc, momentum_transfer(t, nuc.mass_mev))
            fa2 = (0.5 * (fz + fn)) ** 2
            c = c + 0.25 * pref * axial_charge_squared(nuc) * fa2 * axial_kinematics(t, nuc.mass_mev)
        extra = self.extra_coefficients(nuc, flavour, t)
        if extra is not None:
            c = c + extra
        return c

    def dsigma_dT(self, e_nu_mev, t_mev, nuc, flavour: str) -> np.ndarray:
        """dsigma/dT in MeV^-3 at (E, T) (broadcast), zero above T_max. Multiply by HBARC2_MEV2_CM2 for cm^2/MeV."""
        nuc = get_nucleus(nuc)
        e = as_nonnegative_array(e_nu_mev, "neutrino energy E (MeV)")
        t = as_nonnegative_array(t_mev, "recoil energy T (MeV)")
        e_b, t_b = np.broadcast_arrays(e, t)
        coeff = self.coefficients(nuc, flavour, t_b.ravel()).reshape((len(LAURENT_POWERS),) + t_b.shape)
        return evaluate_laurent(coeff, e_b, t_b, nuc.mass_mev)


def dsigma_dT_sm(e_nu_mev, t_mev, nucleus_name, flavour: str = "nu_mu", **kwargs) -> np.ndarray:
    """Convenience: SM dsigma/dT in MeV^-3 (see StandardModel for keyword arguments)."""
    return StandardModel(**kwargs).dsigma_dT(e_nu_mev, t_mev, nucleus_name, flavour)


def total_cross_section_check(e_nu_mev: float, nuc, flavour="nu_mu", model: StandardModel | None = None) -> float:
    """Total cross section (MeV^-2) by quadrature over T, for a single energy (a reference, not a kernel)."""
    from scipy.integrate import quad

    model = model or StandardModel()
    nuc = get_nucleus(nuc)
    if not e_nu_mev > 0:
        raise PhysicsInputError(f"neutrino energy must be > 0 MeV, got {e_nu_mev}")
    tm = float(t_max(e_nu_mev, nuc.mass_mev))
    val, _ = quad(lambda t: float(model.dsigma_dT(e_nu_mev, t, nuc, flavour)), 0.0, tm, limit=200)
    return val
