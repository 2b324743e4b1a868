r"""Generalised neutrino interactions (NGI) of De Romeri et al. (2023), the seed000 configuration, in the contact limit:

    L = G_F/sqrt2 sum_{X = S, P, V, A, T} [nu Gamma^X nu] [q Gamma_X (C_X^q + i gamma5 D_X^q) q]

(T. D. Lee and C. N. Yang, Phys. Rev. 104 (1956) 254; M. Lindner, W. Rodejohann, X.-J. Xu, JHEP 03 (2017) 097;
D. Aristizabal Sierra, V. De Romeri, N. Rojas, PRD 98 (2018) 075018). Normalisation used here, stated once so that
every coupling is a dimensionless number in units of G_F, flavour-universal and real:

* V: eps_V^q shifts the quark vector couplings exactly as a flavour-diagonal NSI eps^{qV} (nsi.py): the nuclear
  charge (2Z F_Z + N F_N) for u, (Z F_Z + 2N F_N) for d adds to Q_V. Interferes with the SM.
* A: eps_A^q shifts the quark axial couplings: the axial amplitude 2 sqrt((J+1)/(3J)) (g_A^p <S_p> + g_A^n <S_n>)
  gets g_A^p += eps^u Du + eps^d Dd, g_A^n += eps^u Dd + eps^d Du (spin fractions of `nucleon`). Interferes with the
  SM's small axial term; zero for J = 0 nuclei (Ar-40).
* S: dsigma/dT = G_F^2 M/pi (M T/(2 E^2)) Q_S^2, Q_S = sum_q eps_S^q (Z m_p f_q^p/m_q F_Z + N m_n f_q^n/m_q F_N):
  the light-scalar formula of De Romeri et al. with C_S/(|q|^2 + m^2) -> sqrt2 G_F Q_S. Chirality flipping: no interference
  with the SM for massless neutrinos.
* T: dsigma/dT = G_F^2 M/pi (4 - M T/E^2) Q_T^2, Q_T = sum_q eps_T^q (Z delta_q^p F_Z + N delta_q^n F_N): the
  light-tensor formula of De Romeri et al. in the same limit. No interference.
* P: the pseudoscalar nucleon current is spin dependent and suppressed by |q|^2/(4 m_N^2) < 1e-3; it is neglected
  (asking for it raises).
The contact S and T terms are the heavy-mediator limits of `ScalarMediator`/`TensorMediator`: one mechanism.
"""

from __future__ import annotations

import math

from ..constants import G_FERMI_MEV2
from ..cross_section import StandardModel, axial_amplitude_per_nucleon_coupling, momentum_transfer
from . import nucleon
from .nsi import quark_charge

STRUCTURES = ("S", "V", "A", "T")


def parse(name: str) -> tuple[str, str]:
    """'S_u' -> ('S', 'u')."""
    parts = str(name).split("_")
    if len(parts) != 2 or parts[1] not in ("u", "d"):
        raise ValueError(f"unknown NGI parameter {name!r}: expected '<X>_<q>' with X in S, P, V, A, T and q in u, d")
    x, q = parts
    if x == "P":
        raise ValueError("the pseudoscalar NGI is spin dependent and suppressed by |q|^2/(4 m_N^2) < 1e-3: "
                         "it is neglected here")
    if x not in STRUCTURES:
        raise ValueError(f"unknown NGI Lorentz structure {x!r} in {name!r}; choose from S, P, V, A, T")
    return x, q


class GeneralizedInteractions(StandardModel):
    """SM + contact NGI with parameters like ('S_u', 'T_d', 'V_u'); values optional (direct evaluation)."""

    def __init__(self, names, values=None, **sm_kwargs):
        super().__init__(**sm_kwargs)
        self.names = tuple(names)
        self.parsed = [parse(n) for n in self.names]
        if values is not None:
            if len(values) != len(self.names):
                raise ValueError(f"need {len(self.names)} NGI values, got {values!r}")
            self.parameter_values = tuple(float(v) for v in values)
        self.name = "NGI(" + ", ".join(self.names) + ")"

    def amplitude_terms(self, nuc, flavour, t):
        terms = super().amplitude_terms(nuc, flavour, t)
        q = momentum_transfer(t, nuc.mass_mev)
        fz, fn = self.nuclear.form_factors(nuc, q)
        g = math.sqrt(2.0) * G_FERMI_MEV2  # contact limit of C_X/(|q|^2 + m^2) -> sqrt2 G_F Q_X
        extra = {"scalar": [None] * len(self.parsed), "tensor": [None] * len(self.parsed)}
        vec, ax = [None] * len(self.parsed), [None] * len(self.parsed)
        for j, (x, qk) in enumerate(self.parsed):
            if x == "V":
                vec[j] = quark_charge(qk, nuc, fz, fn)
            elif x == "A":
                ax[j] = axial_amplitude_per_nucleon_coupling(
                    nuc, nucleon.spin_fraction("p", qk), nucleon.spin_fraction("n", qk)) * 0.5 * (fz + fn)
            elif x == "S":
                extra["scalar"][j] = g * (nuc.Z * nucleon.scalar_charge("p", qk) * fz
                                          + nuc.N * nucleon.scalar_charge("n", qk) * fn)
            elif x == "T":
                extra["tensor"][j] = g * (nuc.Z * nucleon.tensor_charge("p", qk) * fz
                                          + nuc.N * nucleon.tensor_charge("n", qk) * fn)
        out = []
        for name, amps in terms:
            if name == "vector":
                amps = list(amps) + vec
            elif name == "axial":
                amps = list(amps) + ax
            out.append((name, amps))
        if not any(name == "axial" for name, _ in terms) and any(a is not None for a in ax) and nuc.spin_J > 0:
            out.append(("axial", [None] + ax))
        for name, amps in extra.items():
            if any(a is not None for a in amps):
                out.append((name, [None] + amps))
        return out
