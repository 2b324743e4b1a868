r"""Light vector (Z') and scalar mediators of seed 001 (Atzori Corona et al., JHEP 05 (2022) 109).

Vector. A U(1)' boson of mass M and coupling g with charges Q'_f adds to the weak charge seen by nu_l

    Q_V -> Q_V + g^2 Q'_l / (sqrt2 G_F (|q|^2 + M^2)) [ (2Q'_u + Q'_d) Z F_Z + (Q'_u + 2Q'_d) N F_N ],

and for leptophobic-quark (L_alpha - L_beta) models, through one-loop kinetic mixing with the photon,

    Q_V -> Q_V + g^2 Q'_l sqrt2 alpha eps(|q|) / (pi G_F (|q|^2 + M^2)) Z F_Z      (see `kinetic_mixing`).

The model's single parameter is x = g^2, so rates are a quadratic form in g^2 (`RateEngine.quadratic_counts`).
In the high-mass regime (M^2 >> |q|^2) the propagator is 1/M^2 and the parameter is x = (g/M)^2 (MeV^-2).

Scalar. A scalar phi coupling to neutrinos and quarks adds incoherently (seed 001)

    dsigma/dT += M^2 T/(4 pi E^2) g~^4 (sigma_piN/m_ud)_ref^2 [Z F_Z + N F_N]^2 / (|q|^2 + M_phi^2)^2,

with (sigma_piN/m_ud)_ref = 17.3 (Hoferichter et al., PRL 115 (2015) 092301) and
g~^2 = g_nu g_q (sigma_piN/m_ud)/(sigma_piN/m_ud)_ref; its parameter is x = g~^2.

Models are data: `ZPrimeCharges` holds a charge assignment; `U1_MODELS` the ten of seed 001's tables; any other
assignment is one line, e.g. ZPrimeCharges("b-3ltau", u=1/3, d=1/3, e=0, mu=0, tau=-3, baryon_generations=(1, 1, 1)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..constants import ALPHA_EM, G_FERMI_MEV2, M_ELECTRON_MEV
from ..cross_section import StandardModel, lepton_of, momentum_transfer
from ..validation import PhysicsInputError
from . import kinetic_mixing, nucleon

SIGMA_PIN_OVER_MUD_REF = 17.3  # (sigma_piN / m_ud)_ref, Hoferichter, Ruiz de Elvira, Kubis, Meissner 2015


@dataclass(frozen=True)
class ZPrimeCharges:
    """U(1)' charges of the first-generation quarks and of the three lepton doublets.

    `baryon_generations` (c_1, c_2, c_3) are the coefficients of the three generations' baryon numbers in seed 001's
    G = c_1 B_1 + c_2 B_2 + c_3 B_3 - c_e L_e - c_mu L_mu - c_tau L_tau, for the anomaly condition
    c_1 + c_2 + c_3 - c_e - c_mu - c_tau = 0 (None: not stated, e.g. the universal model).
    """

    name: str
    u: float
    d: float
    e: float
    mu: float
    tau: float
    baryon_generations: tuple | None = None

    def lepton(self, lepton: str) -> float:
        return {"e": self.e, "mu": self.mu, "tau": self.tau}[lepton]

    @property
    def leptons(self) -> dict:
        return {"e": self.e, "mu": self.mu, "tau": self.tau}

    @property
    def couples_to_quarks(self) -> bool:
        return self.u != 0 or self.d != 0

    def anomaly_sum(self) -> float | None:
        """c_1 + c_2 + c_3 - c_e - c_mu - c_tau (zero for an anomaly-free model), None if c_i are not given."""
        if self.baryon_generations is None:
            return None
        return sum(self.baryon_generations) + self.e + self.mu + self.tau  # c_l = -Q'_l


_B = (1.0, 1.0, 1.0)  # B = B_1 + B_2 + B_3: each generation's quarks have charge 1/3
U1_MODELS = {
    m.name: m
    for m in (
        ZPrimeCharges("universal", 1, 1, 1, 1, 1),
        ZPrimeCharges("b-l", 1 / 3, 1 / 3, -1, -1, -1, _B),
        ZPrimeCharges("by+lmu+ltau", 1 / 3, 1 / 3, 0, 1, 1),
        ZPrimeCharges("b-3le", 1 / 3, 1 / 3, -3, 0, 0, _B),
        ZPrimeCharges("b-3lmu", 1 / 3, 1 / 3, 0, -3, 0, _B),
        ZPrimeCharges("b-2le-lmu", 1 / 3, 1 / 3, -2, -1, 0, _B),
        ZPrimeCharges("b-le-2lmu", 1 / 3, 1 / 3, -1, -2, 0, _B),
        ZPrimeCharges("le-lmu", 0, 0, 1, -1, 0, (0.0, 0.0, 0.0)),
        ZPrimeCharges("le-ltau", 0, 0, 1, 0, -1, (0.0, 0.0, 0.0)),
        ZPrimeCharges("lmu-ltau", 0, 0, 0, 1, -1, (0.0, 0.0, 0.0)),
    )
}
MODEL_NAMES = tuple(U1_MODELS) + ("scalar",)


def u1_model(name: str) -> ZPrimeCharges:
    try:
        return U1_MODELS[name]
    except KeyError:
        raise ValueError(f"unknown U(1)' model {name!r}; choose from {sorted(U1_MODELS)}") from None


def _masses(mass_mev) -> np.ndarray:
    m = np.asarray(mass_mev, dtype=float)
    if not np.all(np.isfinite(m)):
        raise PhysicsInputError("mediator mass must be finite (MeV)")
    if np.any(m < 0):
        raise PhysicsInputError(f"mediator mass must be >= 0 MeV, got {m.min():g}")
    return m


def _coupling(coupling) -> float | None:
    if coupling is None:
        return None
    g = float(coupling)
    if not math.isfinite(g) or g < 0:
        raise PhysicsInputError(f"coupling must be a finite number >= 0, got {coupling!r}")
    return g


class VectorMediator(StandardModel):
    """SM + a light Z' with charges `charges`; mass (MeV) may be an array (a leading batch axis).

    coupling: g (or g/M in MeV^-1 when high_mass=True) for direct evaluation; None for quadratic-form scans.
    """

    def __init__(self, charges: ZPrimeCharges | str, mass_mev=0.0, coupling=None, high_mass: bool = False,
                 **sm_kwargs):
        super().__init__(**sm_kwargs)
        self.charges = u1_model(charges) if isinstance(charges, str) else charges
        self.mass_mev = _masses(mass_mev)
        self.high_mass = high_mass
        g = _coupling(coupling)
        self.parameter_values = () if g is None else (g * g,)
        self.name = f"Z' ({self.charges.name})"

    def _propagator(self, q):
        """1/(q^2 + M^2) with the mass grid as leading axes, or 1 in the high-mass regime (M absorbed in x)."""
        if self.high_mass:
            return np.ones(self.mass_mev.shape + q.shape)
        return 1.0 / (q * q + self.mass_mev[..., None] ** 2)

    def mediator_amplitude(self, nuc, flavour, t):
        """The Z' addition to Q_V per unit x (= g^2, or (g/M)^2 at high mass): shape (*mass_shape, nT)."""
        ql = self.charges.lepton(lepton_of(flavour))
        q = momentum_transfer(t, nuc.mass_mev)
        fz, fn = self.nuclear.form_factors(nuc, q)
        prop = self._propagator(q)
        if self.charges.couples_to_quarks:
            c = self.charges
            nucleus = (2 * c.u + c.d) * nuc.Z * fz + (c.u + 2 * c.d) * nuc.N * fn
            return ql * prop * nucleus / (math.sqrt(2.0) * G_FERMI_MEV2)
        eps = kinetic_mixing.epsilon(q, self.charges.leptons)
        return ql * prop * math.sqrt(2.0) * ALPHA_EM * eps * nuc.Z * fz / (math.pi * G_FERMI_MEV2)

    def amplitude_terms(self, nuc, flavour, t):
        terms = super().amplitude_terms(nuc, flavour, t)
        name, (q_sm,) = terms[0]
        terms[0] = (name, [q_sm, self.mediator_amplitude(nuc, flavour, t)])
        return terms

    def electron_charge(self, q_mev) -> np.ndarray:
        """The electron's effective U(1)' charge at |q|: Q'_e at tree level, plus for the models without quark
        couplings (where CEvNS sees the Z' only through kinetic mixing) the photon-mixing part -(2 alpha/pi) eps(|q|)
        of a charge -1 fermion, the same loop that gives the proton its 2 alpha eps/pi."""
        q = np.asarray(q_mev, float)
        charge = np.full(q.shape, float(self.charges.e))
        if not self.charges.couples_to_quarks:
            charge = charge - 2.0 * ALPHA_EM / math.pi * kinetic_mixing.epsilon(q, self.charges.leptons)
        return charge

    def electron_amplitude_terms(self, target, flavour, t):
        """nu-e scattering on one free electron: the Z' shifts g_V by g^2 Q'_l Q'_e / (sqrt2 G_F (2 m_e T + M^2)),
        as it shifts each nucleon's g_V in CEvNS; with |q|^2 = 2 m_e T ~ 1e-3 MeV^2 at keV recoils the propagator is
        far larger than on a nucleus."""
        from .. import electron_scattering as es

        t = np.asarray(t, float)
        q = np.sqrt(2.0 * M_ELECTRON_MEV * t)
        shift = self.charges.lepton(lepton_of(flavour)) * self.electron_charge(q) * self._propagator(q) \
            / (math.sqrt(2.0) * G_FERMI_MEV2)
        return es.sm_terms(flavour, t, self.ew.radiative, self.ew.sin2_theta_w, delta_g_v=[shift])


class _IncoherentMediator(StandardModel):
    """SM + a mediator whose exchange does not interfere with the SM (scalar or tensor Lorentz structure).

    Its term is K(E, T) x^2 [Z c_p F_Z + N c_n F_N]^2 / (|q|^2 + M^2)^2 with per-nucleon charges (c_p, c_n) and
    x the product of couplings; subclasses set the kinematic structure and the charges.
    """

    kinematics = "scalar"

    def __init__(self, mass_mev=0.0, coupling=None, high_mass: bool = False, nucleon_charges=(1.0, 1.0),
                 **sm_kwargs):
        super().__init__(**sm_kwargs)
        self.mass_mev = _masses(mass_mev)
        self.high_mass = high_mass
        self.nucleon_charges = tuple(float(c) for c in nucleon_charges)
        g = _coupling(coupling)
        self.parameter_values = () if g is None else (g * g,)

    def mediator_amplitude(self, nuc, flavour, t):
        q = momentum_transfer(t, nuc.mass_mev)
        fz, fn = self.nuclear.form_factors(nuc, q)
        prop = np.ones(self.mass_mev.shape + q.shape) if self.high_mass else \
            1.0 / (q * q + self.mass_mev[..., None] ** 2)
        cp, cn = self.nucleon_charges
        return (nuc.Z * cp * fz + nuc.N * cn * fn) * prop

    def amplitude_terms(self, nuc, flavour, t):
        return super().amplitude_terms(nuc, flavour, t) + [
            (self.kinematics, [None, self.mediator_amplitude(nuc, flavour, t)])]


class ScalarMediator(_IncoherentMediator):
    """Light scalar: seed 001's (x = g~^2, isospin charge 17.3 per nucleon) by default; seed 000's with
    nucleon_charges from the sigma terms (`nucleon.scalar_charge_all`), x = g_nu g_q."""

    kinematics = "scalar"

    def __init__(self, mass_mev=0.0, coupling=None, high_mass: bool = False,
                 nucleon_charges=(SIGMA_PIN_OVER_MUD_REF, SIGMA_PIN_OVER_MUD_REF), **sm_kwargs):
        super().__init__(mass_mev, coupling, high_mass, nucleon_charges, **sm_kwargs)
        self.name = "scalar"


class TensorMediator(_IncoherentMediator):
    """Light tensor of seed 000: dsigma/dT = M (4E^2 - M T) C_T^2 F^2 / (2 pi E^2 (|q|^2 + m_T^2)^2),
    C_T = g^2 (Z sum_q delta_q^p + N sum_q delta_q^n) for universal quark couplings; x = g_nu g_q."""

    kinematics = "tensor"

    def __init__(self, mass_mev=0.0, coupling=None, high_mass: bool = False, nucleon_charges=None, **sm_kwargs):
        if nucleon_charges is None:
            nucleon_charges = tuple(sum(nucleon.tensor_charge(n, q) for q in "ud") for n in "pn")
        super().__init__(mass_mev, coupling, high_mass, nucleon_charges, **sm_kwargs)
        self.name = "tensor"


def light_vector_charges(kappa: float) -> ZPrimeCharges:
    """Seed 000's light vector: C_V = g^2 [3Z + 3N] scaled by kappa (1 universal, -1/3 B-L) is seed 001's weak
    charge with Q'_u = Q'_d = 1 and Q'_l = kappa: the same mechanism, so the same model class."""
    return ZPrimeCharges(f"kappa={kappa:g}", 1.0, 1.0, kappa, kappa, kappa)


#: seed 000's light mediators (De Romeri et al.): vector with kappa = 1 and -1/3, scalar with sigma terms, tensor
SEED000_MEDIATORS = ("lv-universal", "lv-b-l", "ls", "lt")


def model(name: str, mass_mev=0.0, coupling=None, high_mass: bool = False, **kwargs) -> StandardModel:
    """The mediator model called `name` (one of MODEL_NAMES or SEED000_MEDIATORS)."""
    if name == "scalar":
        return ScalarMediator(mass_mev, coupling, high_mass, **kwargs)
    if name == "lv-universal":
        return VectorMediator(light_vector_charges(1.0), mass_mev, coupling, high_mass, **kwargs)
    if name == "lv-b-l":
        return VectorMediator(light_vector_charges(-1.0 / 3.0), mass_mev, coupling, high_mass, **kwargs)
    if name == "ls":
        charges = tuple(nucleon.scalar_charge_all(n) for n in "pn")
        return ScalarMediator(mass_mev, coupling, high_mass, nucleon_charges=charges, **kwargs)
    if name == "lt":
        return TensorMediator(mass_mev, coupling, high_mass, **kwargs)
    return VectorMediator(u1_model(name), mass_mev, coupling, high_mass, **kwargs)


__all__ = ["ZPrimeCharges", "U1_MODELS", "MODEL_NAMES", "SEED000_MEDIATORS", "VectorMediator", "ScalarMediator",
           "TensorMediator", "light_vector_charges", "model", "u1_model",
           "SIGMA_PIN_OVER_MUD_REF"]
