r"""Vector neutral-current non-standard interactions (seed 000 and seed 001).

    L = -2 sqrt2 G_F sum eps^{qV}_{alpha beta} (nu_alpha gamma^mu P_L nu_beta)(q gamma_mu q),   q = u, d,

change the weak charge seen by nu_alpha (J. Barranco et al., JHEP 0512 (2005) 021):

    Q_alpha^2 = [ (g_V^p + 2 eps^u_aa + eps^d_aa) Z F_Z + (g_V^n + eps^u_aa + 2 eps^d_aa) N F_N ]^2
              + sum_{beta != alpha} | (2 eps^u_ab + eps^d_ab) Z F_Z + (eps^u_ab + 2 eps^d_ab) N F_N |^2.

Flavour-preserving couplings interfere with the SM; flavour-changing ones (real, eps_ab = eps_ba) add
incoherently. A model is a list of parameter names like 'uV_ee', 'dV_mumu', 'uV_emu': each is one amplitude in the
engine's quadratic form, so a grid over any two of them costs one engine call.
The dark side: for one flavour-diagonal coupling, Q_alpha(eps) = -Q_alpha(0) at eps = -2 Q_SM / K, where K is
that coupling's nuclear charge (`dark_side`); the rate there equals the SM one.
"""

from __future__ import annotations

import re

import numpy as np

from ..cross_section import StandardModel, lepton_of, momentum_transfer
from ..nuclei import nucleus as get_nucleus
from ..validation import PhysicsInputError, as_real_array, name_list

LEPTONS = ("e", "mu", "tau")
_PAIR = {"ee": ("e", "e"), "mumu": ("mu", "mu"), "tautau": ("tau", "tau"), "emu": ("e", "mu"),
         "etau": ("e", "tau"), "mutau": ("mu", "tau")}
_NAME = re.compile(r"^([ud])V_([a-z]+)$")


def parse(name: str) -> tuple[str, str, str]:
    """'uV_emu' -> ('u', 'e', 'mu'). Raises ValueError naming the problem."""
    m = _NAME.match(str(name))
    if not m:
        raise ValueError(f"unknown NSI parameter {name!r}: expected '<q>V_<ab>' with q in u, d and ab a flavour pair "
                         f"among {sorted(_PAIR)} (e.g. 'uV_ee', 'dV_mumu', 'uV_emu')")
    q, pair = m.groups()
    if pair not in _PAIR:
        raise ValueError(f"wrong flavour index {pair!r} in NSI parameter {name!r}; use one of {sorted(_PAIR)}")
    return (q, *_PAIR[pair])


def parameter_names() -> list[str]:
    return [f"{q}V_{p}" for p in _PAIR for q in "ud"]


def quark_charge(q: str, nuc, fz, fn):
    """Nuclear charge multiplying eps^{qV}: (2Z F_Z + N F_N) for u, (Z F_Z + 2N F_N) for d."""
    return (2 * nuc.Z * fz + nuc.N * fn) if q == "u" else (nuc.Z * fz + 2 * nuc.N * fn)


class VectorNSI(StandardModel):
    """SM + vector NSI with the parameters `names` (values optional, for direct evaluation)."""

    def __init__(self, names, values=None, **sm_kwargs):
        super().__init__(**sm_kwargs)
        self.names = name_list(names, "VectorNSI names", "VectorNSI(['uV_ee', 'dV_ee'])")
        self.parsed = [parse(n) for n in self.names]
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"repeated NSI parameter in {self.names}")
        if values is not None:
            try:
                v = as_real_array(values, "NSI values")
            except PhysicsInputError as err:
                raise PhysicsInputError(f"need {len(self.names)} finite real NSI values: {err}") from None
            if v.shape != (len(self.names),) or not np.all(np.isfinite(v)):
                raise ValueError(f"need {len(self.names)} finite NSI values, got {values!r}")
            self.parameter_values = tuple(v)
        self.name = "NSI(" + ", ".join(self.names) + ")"

    def amplitude_terms(self, nuc, flavour, t):
        terms = super().amplitude_terms(nuc, flavour, t)
        alpha = lepton_of(flavour)
        q = momentum_transfer(t, nuc.mass_mev)
        fz, fn = self.nuclear.form_factors(nuc, q)
        name, (q_sm,) = terms[0]
        coherent = [q_sm] + [quark_charge(qk, nuc, fz, fn) if (a == alpha and b == alpha) else None
                             for qk, a, b in self.parsed]
        terms[0] = (name, coherent)
        for beta in LEPTONS:
            if beta == alpha:
                continue
            amps = [None] + [quark_charge(qk, nuc, fz, fn) if {a, b} == {alpha, beta} else None
                             for qk, a, b in self.parsed]
            if any(a is not None for a in amps):
                terms.append(("vector", amps))
        return terms


def dark_side(name: str, nucleus_name: str, t_mev: float = 0.0, model: StandardModel | None = None) -> float:
    """The flavour-diagonal coupling at which Q_alpha flips sign, eps = -2 Q_SM/K (at recoil energy T)."""
    q_, a, b = parse(name)
    if a != b:
        raise ValueError(f"{name} is flavour changing: it has no dark side (it adds incoherently)")
    nuc = get_nucleus(nucleus_name)
    model = model or StandardModel()
    t = np.atleast_1d(float(t_mev))
    fz, fn = model.nuclear.form_factors(nuc, momentum_transfer(t, nuc.mass_mev))
    flavour = {"e": "nu_e", "mu": "nu_mu", "tau": "nu_tau"}[a]
    qsm = model.vector_charge(nuc, flavour, t)
    return float(-2.0 * qsm[0] / quark_charge(q_, nuc, fz, fn)[0])
