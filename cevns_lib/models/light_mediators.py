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

from ..constants import ALPHA_EM, G_FERMI_MEV2
from ..cross_section import StandardModel, lepton_of, momentum_transfer
from ..validation import PhysicsInputError
from . import kinetic_mixing

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


class ScalarMediator(StandardModel):
    """SM + seed 001's light scalar (incoherent); parameter x = g~^2, mass (MeV) may be an array."""

    def __init__(self, mass_mev=0.0, coupling=None, high_mass: bool = False,
                 sigma_over_mud: float = SIGMA_PIN_OVER_MUD_REF, **sm_kwargs):
        super().__init__(**sm_kwargs)
        self.mass_mev = _masses(mass_mev)
        self.high_mass = high_mass
        self.sigma_over_mud = sigma_over_mud
        g = _coupling(coupling)
        self.parameter_values = () if g is None else (g * g,)
        self.name = "scalar"

    def scalar_amplitude(self, nuc, flavour, t):
        q = momentum_transfer(t, nuc.mass_mev)
        fz, fn = self.nuclear.form_factors(nuc, q)
        prop = np.ones(self.mass_mev.shape + q.shape) if self.high_mass else \
            1.0 / (q * q + self.mass_mev[..., None] ** 2)
        return self.sigma_over_mud * (nuc.Z * fz + nuc.N * fn) * prop

    def amplitude_terms(self, nuc, flavour, t):
        return super().amplitude_terms(nuc, flavour, t) + [("scalar", [None, self.scalar_amplitude(nuc, flavour, t)])]


def model(name: str, mass_mev=0.0, coupling=None, high_mass: bool = False, **kwargs) -> StandardModel:
    """The mediator model called `name` (one of MODEL_NAMES)."""
    if name == "scalar":
        return ScalarMediator(mass_mev, coupling, high_mass, **kwargs)
    return VectorMediator(u1_model(name), mass_mev, coupling, high_mass, **kwargs)


__all__ = ["ZPrimeCharges", "U1_MODELS", "MODEL_NAMES", "VectorMediator", "ScalarMediator", "model", "u1_model",
           "SIGMA_PIN_OVER_MUD_REF"]
