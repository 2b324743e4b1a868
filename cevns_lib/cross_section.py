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
from . import electron_scattering as es
from .atomic import is_electron_target
from .nuclei import Nucleus, known_nuclei, nucleus as get_nucleus
from .validation import (PhysicsInputError, as_array_in_open_interval, as_nonnegative_array, as_positive_array,
                         known_keys, scalar_in_range)

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
    mass_mev = as_positive_array(mass_mev, "nuclear mass M (MeV)")
    e = as_nonnegative_array(e_nu_mev, "neutrino energy E (MeV)")
    return 2.0 * e**2 / (mass_mev + 2.0 * e)


def e_min(t_mev, mass_mev: float) -> np.ndarray:
    """Minimum neutrino energy (MeV) that can give recoil energy T (MeV): (T + sqrt(T^2 + 2MT))/2."""
    mass_mev = as_positive_array(mass_mev, "nuclear mass M (MeV)")
    t = as_nonnegative_array(t_mev, "recoil energy T (MeV)")
    return 0.5 * (t + np.sqrt(t * t + 2.0 * mass_mev * t))


def momentum_transfer(t_mev, mass_mev: float) -> np.ndarray:
    """|q| = sqrt(2 M T) in MeV."""
    mass_mev = as_positive_array(mass_mev, "nuclear mass M (MeV)")
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

    def __post_init__(self):
        s2 = as_array_in_open_interval(self.sin2_theta_w, "sin2_theta_w (weak mixing angle)", 0.0, 1.0)
        object.__setattr__(self, "sin2_theta_w", float(s2) if s2.ndim == 0 else s2)

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
        object.__setattr__(self, "alpha4", scalar_in_range(self.alpha4, "NuclearModel.alpha4 (R -> R (1 + alpha4))",
                                                           -1.0, math.inf, open_interval=True))
        if self.neutron_radius_fm is not None:  # exact nucleus names only: an override must never be ignored
            radii = known_keys(self.neutron_radius_fm, "NuclearModel.neutron_radius_fm (nucleus name -> R_n in fm)",
                               known_nuclei())
            for k, v in radii.items():
                as_positive_array(v, f"NuclearModel.neutron_radius_fm[{k!r}] (fm)")

    def radii_fm(self, nuc: Nucleus) -> tuple:
        """(R_p, R_n): rms radii in fm of the proton and neutron distributions (R_n may be an array)."""
        if self.radii == "coherent":
            r = ff.coherent_klein_nystrand_radius(nuc.A, self.alpha4)
            rp, rn = r, r
        else:
            rp, rn = nuc.proton_radius_fm, nuc.neutron_radius_fm * (1.0 + self.alpha4)
        if self.neutron_radius_fm and nuc.name in self.neutron_radius_fm:
            rn = np.asarray(self.neutron_radius_fm[nuc.name], dtype=float)  # a radius, or a grid of them
        return rp, rn

    def form_factors(self, nuc: Nucleus, q_mev) -> tuple[np.ndarray, np.ndarray]:
        """(F_Z(q), F_N(q)) at momentum transfer q (MeV).

        For scalar radii and a 1-d grid of at most 4096 points the pair is cached (read-only arrays) by (shape,
        radii, q): every model on a detector's recoil grid reuses the SM's form factors instead of recomputing
        them per amplitude, flavour and model."""
        f = ff.form_factor(self.form_factor)
        rp, rn = self.radii_fm(nuc)
        q = np.asarray(q_mev)
        if np.ndim(rp) or np.ndim(rn) or not 0 < q.ndim <= 1 or q.size > 4096 or q.dtype != np.float64:
            return f(q_mev, rp), f(q_mev, rn)
        key = (self.form_factor, float(rp), float(rn), q.shape, q.tobytes())
        hit = _FORM_FACTOR_CACHE.get(key)
        if hit is None:
            hit = (f(q, rp), f(q, rn))
            for arr in hit:
                arr.flags.writeable = False
            if len(_FORM_FACTOR_CACHE) >= _FORM_FACTOR_CACHE_SIZE:
                _FORM_FACTOR_CACHE.pop(next(iter(_FORM_FACTOR_CACHE)))  # the oldest entry
            _FORM_FACTOR_CACHE[key] = hit
        return hit


#: (form factor, R_p, R_n, q shape, q bytes) -> (F_Z, F_N): `NuclearModel.form_factors` on repeated grids
_FORM_FACTOR_CACHE: dict = {}
_FORM_FACTOR_CACHE_SIZE = 64


def weak_charge_vector(nuc, lepton: str, t_mev, nuclear: NuclearModel = NuclearModel(),
                       ew: ElectroweakInputs = ElectroweakInputs()) -> np.ndarray:
    """Q_V(T) = g_V^p Z F_Z(q) + g_V^n N F_N(q) for a neutrino of lepton flavour 'e', 'mu' or 'tau'."""
    nuc = get_nucleus(nuc)
    q = momentum_transfer(t_mev, nuc.mass_mev)
    fz, fn = nuclear.form_factors(nuc, q)
    return ew.g_v_proton(lepton) * nuc.Z * fz + ew.g_v_neutron(lepton) * nuc.N * fn


def axial_charge_squared(nuc) -> float:
    """Q_A^2 = 16/3 (J+1)/J (g_A/2)^2 (<S_p> - <S_n>)^2, zero for J = 0.

    Normalised so that a single free nucleon (J = 1/2, <S> = 1/2) has dsigma/dT(T -> 0) = G_F^2 M/pi (g_V^2 + g_A,N^2)
    with g_A,N = g_A/2 (the Barranco-Miranda-Rashba cross section); the kinematic factor (1 - T/E + MT/2E^2) then
    makes the total cross section the textbook g_V^2 + 3 g_A,N^2.
    """
    nuc = get_nucleus(nuc)
    if nuc.spin_J == 0:
        return 0.0
    ga = 0.5 * G_AXIAL_NUCLEON
    return 16.0 / 3.0 * (nuc.spin_J + 1.0) / nuc.spin_J * (ga * (nuc.spin_p - nuc.spin_n)) ** 2


def axial_amplitude_per_nucleon_coupling(nuc, ga_p: float, ga_n: float) -> float:
    """Signed axial amplitude 2 sqrt((J+1)/(3J)) (g_A^p <S_p> + g_A^n <S_n>) (zero for J = 0); squared it is Q_A^2/4
    for the SM couplings g_A^p = -g_A^n = g_A/2."""
    nuc = get_nucleus(nuc)
    if nuc.spin_J == 0:
        return 0.0
    return 2.0 * math.sqrt((nuc.spin_J + 1.0) / (3.0 * nuc.spin_J)) * (ga_p * nuc.spin_p + ga_n * nuc.spin_n)


def prefactor(mass_mev: float) -> float:
    """G_F^2 M / pi in MeV^-3."""
    return G_FERMI_MEV2**2 * mass_mev / math.pi


# --- kinematic structures ------------------------------------------------------------------------------------
# Each returns the Laurent coefficients (len(LAURENT_POWERS), nT) of K(E, T) in dsigma/dT = K(E, T) |A(T)|^2,
# prefactor included (MeV^-3 per unit amplitude^2 for the dimensionless SM-normalised amplitudes).
def _vector(t, m):
    return prefactor(m) * vector_kinematics(t, m)


def _axial(t, m):
    return prefactor(m) * axial_kinematics(t, m)


def _scalar(t, m):
    """M^2 T / (4 pi E^2): scalar exchange, no interference with the SM for massless neutrinos (seed 001, 000)."""
    c = np.zeros((len(LAURENT_POWERS),) + np.shape(t))
    c[_K[-2]] = m * m * np.asarray(t) / (4.0 * math.pi)
    return c


def _tensor(t, m):
    """M (4 E^2 - M T) / (2 pi E^2): tensor exchange (seed 000's light tensor mediator)."""
    c = np.zeros((len(LAURENT_POWERS),) + np.shape(t))
    c[_K[0]] = 2.0 * m / math.pi
    c[_K[-2]] = -m * m * np.asarray(t) / (2.0 * math.pi)
    return c


def _pseudoscalar(t, m):
    """M T^2 / (8 pi E^2): pseudoscalar exchange on a spin-1/2 target of mass M (u-bar' i gamma5 u, explicit traces);
    spin dependent and, next to `_scalar`, suppressed by T/(2M) = |q|^2/(4M^2) (models.generalized)."""
    c = np.zeros((len(LAURENT_POWERS),) + np.shape(t))
    c[_K[-2]] = m * np.asarray(t) ** 2 / (8.0 * math.pi)
    return c


KINEMATICS = {"vector": _vector, "axial": _axial, "scalar": _scalar, "tensor": _tensor,
              "pseudoscalar": _pseudoscalar}
# neutrino-electron elastic scattering and the magnetic-moment helicity flip (see `electron_scattering`)
KINEMATICS.update(es.KINEMATICS)


def kinematics(name: str, t_mev, mass_mev: float) -> np.ndarray:
    """Laurent coefficients of the kinematic structure `name` ('vector', 'axial', 'scalar', 'tensor',
    'pseudoscalar'), or of a structure object called as name(T, M) (e.g. `kinematics.MassiveFinalState`, whose
    coefficients depend on m_X)."""
    if callable(name):
        return name(np.asarray(t_mev, float), mass_mev)
    try:
        return KINEMATICS[name](np.asarray(t_mev, float), mass_mev)
    except KeyError:
        raise ValueError(f"unknown kinematic structure {name!r}; known: {sorted(KINEMATICS)}") from None


class StandardModel:
    """The SM cross section, in the form the rate engine contracts.

    The cross section is a sum of terms, each a kinematic structure times the square of an amplitude that is
    linear in the model's parameters x = (1, x_1, ..., x_P):

        dsigma/dT = sum_terms K_term(E, T) (sum_a x_a A_term,a(T))^2.

    The SM has P = 0: a vector term with amplitude Q_V (`vector_charge`) and an axial term with Q_A F_A / 2.
    New-physics models (cevns_lib.models) add amplitudes to these terms or add terms; the engine then computes
    rates for any x as a quadratic form (`RateEngine.quadratic_counts`). `extra_coefficients` remains for terms
    that fit no such form.
    """

    name = "SM"

    def __init__(self, nuclear: NuclearModel = NuclearModel(), ew: ElectroweakInputs = ElectroweakInputs(),
                 include_axial: bool = True):
        self.nuclear = nuclear
        self.ew = ew
        self.include_axial = include_axial

    #: values of the parameters x_1..x_P at which `coefficients` evaluates the model
    parameter_values: tuple = ()

    def vector_charge(self, nuc: Nucleus, flavour: str, t_mev: np.ndarray) -> np.ndarray:
        """Q_V for `flavour` at recoil energies T (MeV); shape (..., nT) for batched models."""
        return weak_charge_vector(nuc, lepton_of(flavour), t_mev, self.nuclear, self.ew)

    def amplitude_terms(self, nuc: Nucleus, flavour: str, t_mev: np.ndarray) -> list:
        """[(kinematics name, [A_0, A_1, ..., A_P]), ...]; an amplitude may be None (zero)."""
        terms = [("vector", [self.vector_charge(nuc, flavour, t_mev)])]
        if self.include_axial and nuc.spin_J > 0:
            fz, fn = self.nuclear.form_factors(nuc, momentum_transfer(t_mev, nuc.mass_mev))
            ga = 0.5 * G_AXIAL_NUCLEON
            terms.append(("axial", [axial_amplitude_per_nucleon_coupling(nuc, ga, -ga) * 0.5 * (fz + fn)]))
        return terms

    def electron_amplitude_terms(self, target, flavour: str, t_mev: np.ndarray) -> list:
        """The terms on one free electron of an `atomic.AtomicElectrons` target (the engine multiplies by Z_eff):
        the SM nu-e elastic scattering, radiatively corrected as the nucleon couplings are (`ew.radiative`).
        Models that change nu-e scattering override this (as they override `amplitude_terms` for nuclei)."""
        return es.sm_terms(flavour, t_mev, self.ew.radiative, self.ew.sin2_theta_w)

    def terms_for(self, target, flavour: str, t_mev: np.ndarray) -> list:
        """`amplitude_terms` for a nucleus, `electron_amplitude_terms` for atomic electrons: the engine's entry."""
        if is_electron_target(target):
            return self.electron_amplitude_terms(target, flavour, t_mev)
        return self.amplitude_terms(target, flavour, t_mev)

    def extra_coefficients(self, nuc: Nucleus, flavour: str, t_mev: np.ndarray):
        """Additional terms of dsigma/dT as Laurent coefficients (MeV^-3), or None."""
        return None

    def coefficients(self, nuc, flavour: str, t_mev) -> np.ndarray:
        """Laurent coefficients c_k(T) of dsigma/dT in MeV^-3 (times E^k); shape (..., n_k, nT)."""
        nuc = nuc if is_electron_target(nuc) else get_nucleus(nuc)
        t = as_nonnegative_array(t_mev, "recoil energy T (MeV)")
        x = (1.0,) + tuple(self.parameter_values)
        c = 0.0
        for name, amps in self.terms_for(nuc, flavour, t):
            if any(a is not None for a in amps[len(x):]):
                raise PhysicsInputError(
                    f"model {self.name!r} has {len(amps) - 1} parameter(s) but {len(x) - 1} value(s): give its "
                    f"coupling / values to evaluate it directly, or use RateEngine.quadratic_counts(model) for scans")
            amp = sum(xa * np.asarray(a) for xa, a in zip(x, amps) if a is not None)
            c = c + np.asarray(amp)[..., None, :] ** 2 * kinematics(name, t, nuc.mass_mev)
        extra = None if is_electron_target(nuc) else self.extra_coefficients(nuc, flavour, t)
        if extra is not None:
            c = c + extra
        return c

    def dsigma_dT(self, e_nu_mev, t_mev, nuc, flavour: str) -> np.ndarray:
        """dsigma/dT in MeV^-3 at (E, T) (broadcast), zero above T_max. Multiply by HBARC2_MEV2_CM2 for cm^2/MeV.
        For an `atomic.AtomicElectrons` target: per free electron (no Z_eff)."""
        nuc = nuc if is_electron_target(nuc) else get_nucleus(nuc)
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
