r"""Scalar leptoquarks that couple neutrinos to first-generation quarks (De Romeri, Martin Lozano, Sanchez Garcia,
arXiv:2307.13790), as the NSI they induce at low energy.

The four leptoquarks and their neutrino couplings (I. Dorsner et al., Phys. Rept. 641 (2016) 1 conventions;
L = (nu_L, e_L), Q = (u_L, d_L); only the neutrino component of each SU(2) product is written):

    S_1    (3bar, 1, 1/3):  lam Q-bar^c i tau2 L S_1            = ... - lam d-bar^c_L nu_L S_1
    R_2    (3,    2, 7/6):  lam u-bar_R R_2 i tau2 L            = ... - lam u-bar_R nu_L R_2^{2/3}
    R2~    (3,    2, 1/6):  lam d-bar_R R2~ i tau2 L            = ... - lam d-bar_R nu_L R2~^{-1/3}
    S_3    (3bar, 3, 1/3):  lam Q-bar^c i tau2 (tau.S_3) L      = ... + sqrt2 lam u-bar^c_L nu_L S_3^{-2/3}
                                                                      - lam d-bar^c_L nu_L S_3^{1/3}

Integrating out a complex scalar of mass m with L = J S + h.c. leaves L_eff = J J^dagger / m^2 (contact limit,
valid for m^2 >> |q|^2; |q| < 0.11 GeV at the SNS). Two identities for anticommuting fields, both checked
numerically with explicit Dirac matrices in tests/test_leptoquarks.py (up to the fermionic sign -1 each):

    Fierz:     (a-bar P_L b)(c-bar P_R d) = -1/2 (a-bar gamma^mu P_R d)(c-bar gamma_mu P_L b),
    C-parity:  (psi-bar^c gamma^mu P_R chi^c) = -(chi-bar gamma^mu P_L psi).

Hence, with |lam|^2 summed over the components coupling to the neutrino (the triplet members degenerate):

    S_1:  + |lam|^2/(2 m^2) (nu-bar gamma^mu P_L nu)(d-bar gamma_mu P_L d)       (Fierz -1/2, C-parity -1)
    R_2:  - |lam|^2/(2 m^2) (nu-bar gamma^mu P_L nu)(u-bar gamma_mu P_R u)       (Fierz -1/2)
    R2~:  - |lam|^2/(2 m^2) (nu-bar gamma^mu P_L nu)(d-bar gamma_mu P_R d)
    S_3:  + |lam|^2/(2 m^2) (nu-bar gamma^mu P_L nu)[2 (u-bar gamma_mu P_L u) + (d-bar gamma_mu P_L d)]

and against seed 000's NSI Lagrangian L = -2 sqrt2 G_F eps^{qP}_{aa} (nu_a gamma P_L nu_a)(q gamma P_P q):

    eps^{qP}_{aa} = c_{qP} |lam|^2 / (4 sqrt2 G_F m^2),   c = {S_1: d_L -1; R_2: u_R +1; R2~: d_R +1; S_3: u_L -2, d_L -1}.

The vector coupling that enters Q_V coherently is eps^{qV} = eps^{qL} + eps^{qR} (nsi.py); the axial one, a shift
of g_A^q = g_L^q - g_R^q in the spin-dependent term, is eps^{qL} - eps^{qR} (generalized.axial_quark_amplitude).
S_1 and S_3 (eps^V < 0) add to |Q_V|; R_2 and R2~ (eps^V > 0) interfere destructively and have a dark side.

The model's single parameter is x = (|lam|/m)^2 in TeV^-2; the rates are a quadratic form in x.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..constants import G_FERMI_MEV2
from ..cross_section import StandardModel, lepton_of, momentum_transfer
from ..validation import as_finite_array, as_positive_array
from .generalized import axial_quark_amplitude
from .nsi import VectorNSI

FLAVOURS = ("e", "mu")
#: eps per unit (|lam|/m)^2 = 1 TeV^-2 and unit c: 1/(4 sqrt2 G_F) in TeV^2 (1 TeV^-2 = 1e-12 MeV^-2)
EPS_PER_INV_TEV2 = 1e-12 / (4.0 * math.sqrt(2.0) * G_FERMI_MEV2)


@dataclass(frozen=True)
class Leptoquark:
    key: str
    symbol: str
    representation: str  # (SU(3)_c, SU(2)_L, U(1)_Y)
    interaction: str
    #: (quark, chirality, c): eps^{q chirality}_{aa} = c |lam|^2 / (4 sqrt2 G_F m^2)
    operators: tuple


LEPTOQUARKS = {
    lq.key: lq for lq in (
        Leptoquark("s1", "S_1", "(3bar, 1, 1/3)", "Q-bar^c i tau2 L S_1", (("d", "L", -1.0),)),
        Leptoquark("r2", "R_2", "(3, 2, 7/6)", "u-bar_R R_2 i tau2 L", (("u", "R", 1.0),)),
        Leptoquark("r2t", "R2~", "(3, 2, 1/6)", "d-bar_R R2~ i tau2 L", (("d", "R", 1.0),)),
        Leptoquark("s3", "S_3", "(3bar, 3, 1/3)", "Q-bar^c i tau2 tau.S_3 L", (("u", "L", -2.0), ("d", "L", -1.0))),
    )
}


def leptoquark(key: str) -> Leptoquark:
    try:
        return LEPTOQUARKS[key]
    except KeyError:
        raise ValueError(f"unknown leptoquark {key!r}; choose from {sorted(LEPTOQUARKS)}") from None


def check_flavour(flavour: str) -> str:
    if flavour not in FLAVOURS:
        raise ValueError(f"unknown leptoquark lepton flavour {flavour!r}; choose from {FLAVOURS}")
    return flavour


def operators(key: str, flavour: str) -> list[dict]:
    """The induced operators: quark, chirality and eps^{q chirality}_{aa} per (|lam|/m)^2 = 1 TeV^-2."""
    check_flavour(flavour)
    return [{"quark": q, "chirality": p, "coefficient": c * EPS_PER_INV_TEV2}
            for q, p, c in leptoquark(key).operators]


def chiral_couplings(key: str) -> dict:
    """{(quark, 'V'|'A'): c}: vector eps^V = eps^L + eps^R and axial shift eps^L - eps^R, in units of
    |lam|^2/(4 sqrt2 G_F m^2)."""
    out = {}
    for q, p, c in leptoquark(key).operators:
        out[q, "V"] = out.get((q, "V"), 0.0) + c
        out[q, "A"] = out.get((q, "A"), 0.0) + (c if p == "L" else -c)
    return out


def x_of(coupling, mass_tev) -> np.ndarray:
    """x = (|lam|/m)^2 in TeV^-2 from a coupling and a mass in TeV (> 0)."""
    lam = as_finite_array(coupling, "leptoquark coupling lambda")
    m = as_positive_array(mass_tev, "leptoquark mass m_LQ (TeV)")
    return (np.abs(lam) / m) ** 2


def nsi_couplings(key: str, flavour: str, coupling, mass_tev) -> dict:
    """The NSI of nsi.py that the leptoquark induces: {'dV_ee': eps, ...} (vector couplings only)."""
    check_flavour(flavour)
    x = x_of(coupling, mass_tev)
    pair = flavour + flavour
    return {f"{q}V_{pair}": c * EPS_PER_INV_TEV2 * x for (q, s), c in chiral_couplings(key).items() if s == "V"}


class LeptoquarkModel(StandardModel):
    """SM + the contact NSI of one leptoquark coupled to the `flavour` ('e', 'mu') doublet; parameter
    x = (|lam|/m)^2 in TeV^-2. The vector amplitudes are VectorNSI's, weighted by the Fierz couplings; the axial
    shift uses the spin-dependent amplitude of the generalised interactions. coupling and mass_tev (both or
    neither) fix x for direct evaluation. lq_axial=False drops the leptoquark's axial part (a cross-check)."""

    def __init__(self, key: str, flavour: str, coupling=None, mass_tev=None, lq_axial: bool = True, **sm_kwargs):
        super().__init__(**sm_kwargs)
        self.leptoquark = leptoquark(key)
        self.flavour = check_flavour(flavour)
        couplings = chiral_couplings(key)
        self.quarks = tuple(sorted({q for q, _ in couplings}))
        self.vector_weights = np.array([couplings[q, "V"] * EPS_PER_INV_TEV2 for q in self.quarks])
        self.axial_weights = {q: couplings[q, "A"] * EPS_PER_INV_TEV2 for q in self.quarks}
        self.lq_axial = lq_axial
        self._nsi = VectorNSI([f"{q}V_{flavour}{flavour}" for q in self.quarks], **sm_kwargs)
        if (coupling is None) != (mass_tev is None):
            raise ValueError("give both the leptoquark coupling and its mass (TeV), or neither")
        if coupling is not None:
            self.parameter_values = (float(x_of(coupling, mass_tev)),)
        self.name = f"leptoquark {self.leptoquark.symbol} (nu_{flavour})"

    def amplitude_terms(self, nuc, flavour, t):
        terms = []
        for name, amps in self._nsi.amplitude_terms(nuc, flavour, t):
            parts = [w * np.asarray(a) for w, a in zip(self.vector_weights, amps[1:]) if a is not None]
            terms.append((name, [amps[0], sum(parts) if parts else None]))
        if self.lq_axial and nuc.spin_J > 0 and lepton_of(flavour) == self.flavour:
            fz, fn = self.nuclear.form_factors(nuc, momentum_transfer(t, nuc.mass_mev))
            amp = sum(w * axial_quark_amplitude(nuc, q, fz, fn) for q, w in self.axial_weights.items())
            for i, (name, amps) in enumerate(terms):
                if name == "axial":
                    terms[i] = (name, [amps[0], amp])
                    break
            else:
                terms.append(("axial", [None, amp]))
        return terms
