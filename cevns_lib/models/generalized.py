r"""Generalised neutrino interactions (NGI) of De Romeri et al. (2023), in the contact limit, in their normalisation:

    L = G_F/sqrt2 sum_{X = S, P, V, A, T} [nu Gamma^X nu] [q Gamma_X (C_X^q + i gamma5 D_X^q) q],
    Gamma^X = 1, i gamma5, gamma^mu, gamma^mu gamma5, sigma^{mu nu}

(T. D. Lee and C. N. Yang, Phys. Rev. 104 (1956) 254; M. Lindner, W. Rodejohann, X.-J. Xu, JHEP 03 (2017) 097;
D. Aristizabal Sierra, V. De Romeri, N. Rojas, PRD 98 (2018) 075018). The model's parameters ARE their real,
flavour-universal C_X^q ('S_u' is C_S^u, ...); the D_X^q are not implemented. The neutrinos are left-handed, so
[nu gamma^mu nu] = [nu gamma^mu P_L nu] and [nu gamma^mu gamma5 nu] = -[nu gamma^mu P_L nu]. Each structure, and
its exact conversion to the library's other couplings (NSI-normalised eps, `EPS_PER_C`):

* V: a shift of the quark vector coupling g_V^q = g_L^q + g_R^q by eps_V = -C_V/2, exactly a flavour-diagonal NSI
  eps^{qV} of nsi.py (L_NSI = -2 sqrt2 G_F eps (nu gamma P_L nu)(q gamma P_X q), eps^V = eps^L + eps^R): the nuclear
  charge (2Z F_Z + N F_N) for u, (Z F_Z + 2N F_N) for d adds to Q_V. Interferes with the SM.
* A: a shift of the quark axial coupling g_A^q = g_L^q - g_R^q (g_A^u = +1/2 in the SM) by eps_A = -C_A/2 in the
  spin-dependent amplitude 2 sqrt((J+1)/(3J)) (g_A^p <S_p> + g_A^n <S_n>), g_A^p += eps^u Du + eps^d Dd,
  g_A^n += eps^u Dd + eps^d Du (spin fractions of `nucleon`). Interferes with the SM's small axial term; zero for
  J = 0 nuclei (Ar-40).
* S: dsigma/dT = (G_F C_S/sqrt2)^2 K_S^2 M^2 T/(4 pi E^2), K_S = Z m_p f_q^p/m_q F_Z + N m_n f_q^n/m_q F_N: the
  explicit-trace cross section of the operator, identical to the light-scalar (LS) formula of De Romeri et al.
  (2023) with C_S^LS/(|q|^2 + m^2) -> G_F C_S K_S/sqrt2 (eps_S = C_S/2 in the old sqrt2 G_F normalisation). No interference
  with the SM for massless neutrinos (chirality flip).
* T: explicit traces over [nu sigma^{mu nu} P_L nu][N sigma_{mu nu} N] give dsigma/dT = 2 (G_F C_T/sqrt2)^2 K_T^2
  M (4E^2 - MT)/(2 pi E^2), K_T = Z delta_q^p F_Z + N delta_q^n F_N: twice the light-tensor (LT) formula at
  the same coupling. tensor="traces" (default) uses the operator's cross section (eps_T = C_T/sqrt2), tensor="seed"
  their LT formula (eps_T = C_T/2). Approximation: the tensor charge is summed coherently over all nucleons with
  the nucleon tensor charges delta_q^N, although the nucleon tensor current sigma^{ij} is mostly a spin operator
  (its spin-independent part is suppressed by |q|/m_N); De Romeri et al. (2023) make the same approximation.
* P: [nu i gamma5 nu][q i gamma5 q]: chirality flipping like S, but the nucleon pseudoscalar density couples to
  its spin, u-bar' i gamma5 u -> sigma.q, so the term is spin dependent and suppressed by |q|^2/(4 m_N^2):
  dsigma/dT = (G_F C_P/sqrt2)^2 (M/m_N)^2 A_P^2 M T^2/(8 pi E^2), with A_P the spin amplitude above with the
  nucleon pseudoscalar charges g_P^{q,N} (`pseudoscalar_charge`) in place of g_A; zero for J = 0 (Ar-40).
  For a free nucleon (M = m_N, A_P = g_P) this is the explicit-trace result.
The contact S and T terms are the heavy-mediator limits of `ScalarMediator`/`TensorMediator` (T with
tensor='seed'; 'traces' doubles it): one mechanism.
"""

from __future__ import annotations

import math

import numpy as np

from ..constants import G_FERMI_MEV2, M_NEUTRON_MEV, M_PROTON_MEV
from ..cross_section import StandardModel, axial_amplitude_per_nucleon_coupling, momentum_transfer
from . import nucleon
from .nsi import quark_charge
from ..validation import finite_scalar, name_list

STRUCTURES = ("S", "P", "V", "A", "T")
TENSOR_CONVENTIONS = ("traces", "seed")
#: eps_X (the library's earlier sqrt2 G_F-normalised couplings) per unit of the seed's C_X
EPS_PER_C = {"S": 0.5, "P": 0.5, "V": -0.5, "A": -0.5, "T": {"traces": 1.0 / math.sqrt(2.0), "seed": 0.5}}
M_NUCLEON_MEV = 0.5 * (M_PROTON_MEV + M_NEUTRON_MEV)


def pseudoscalar_charge(nucleon_name: str, quark: str) -> float:
    """g_P^{q,N} of <N'| q-bar i gamma5 q |N> = g_P^{q,N} u-bar' i gamma5 u at |q|^2 -> 0:

    g_P^{q,N} = (m_N/m_q) (Delta q^N - m-bar sum_{q'=u,d} Delta q'^N / m_q'),  1/m-bar = sum_{q'=u,d} 1/m_q'
    (H.-Y. Cheng, Phys. Lett. B 219 (1989) 347; K. R. Dienes et al., PRD 90 (2014) 015012). Approximations named:
    strange quark neglected (no Delta s in `nucleon`), and the pion/eta poles not resolved: the isovector part
    carries m_pi^2/(m_pi^2 + |q|^2), between 1 and 0.65 over the SNS recoils; it is taken at |q| = 0.
    """
    m = nucleon.NUCLEON_MASS_MEV[nucleon_name]
    mbar = 1.0 / sum(1.0 / nucleon.QUARK_MASS_MEV[q] for q in "ud")
    anomaly = mbar * sum(nucleon.spin_fraction(nucleon_name, q) / nucleon.QUARK_MASS_MEV[q] for q in "ud")
    return m / nucleon.QUARK_MASS_MEV[quark] * (nucleon.spin_fraction(nucleon_name, quark) - anomaly)


def parse(name: str) -> tuple[str, str]:
    """'S_u' -> ('S', 'u')."""
    parts = str(name).split("_")
    if len(parts) != 2 or parts[1] not in ("u", "d"):
        raise ValueError(f"unknown NGI parameter {name!r}: expected '<X>_<q>' with X in S, P, V, A, T and q in u, d")
    x, q = parts
    if x not in STRUCTURES:
        raise ValueError(f"unknown NGI Lorentz structure {x!r} in {name!r}; choose from S, P, V, A, T")
    return x, q


def axial_quark_amplitude(nuc, quark: str, fz, fn):
    """Spin-dependent amplitude of a unit shift of the quark axial coupling g_A^q (times F_A = (F_Z + F_N)/2)."""
    return axial_amplitude_per_nucleon_coupling(
        nuc, nucleon.spin_fraction("p", quark), nucleon.spin_fraction("n", quark)) * 0.5 * (fz + fn)


class GeneralizedInteractions(StandardModel):
    """SM + contact NGI with parameters the seed's C_X^q, e.g. ('S_u', 'T_d', 'V_u'); values optional.

    tensor: 'traces' (the operator's explicit-trace cross section, default) or 'seed' (seed 000's LT formula,
    half of it at the same C_T).
    """

    def __init__(self, names, values=None, tensor: str = "traces", **sm_kwargs):
        super().__init__(**sm_kwargs)
        if tensor not in TENSOR_CONVENTIONS:
            raise ValueError(f"tensor must be one of {TENSOR_CONVENTIONS}, not {tensor!r}")
        self.tensor = tensor
        self.names = name_list(names, "GeneralizedInteractions names", "GeneralizedInteractions(['S_u', 'T_d'])")
        self.parsed = [parse(n) for n in self.names]
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"repeated NGI parameter in {self.names}")
        if values is not None:
            if isinstance(values, str) or len(values) != len(self.names):
                raise ValueError(f"need {len(self.names)} NGI values, got {values!r}")
            self.parameter_values = tuple(finite_scalar(v, f"NGI values[{j}] ({self.names[j]})")
                                          for j, v in enumerate(values))
        self.name = "NGI(" + ", ".join(self.names) + ")"

    def amplitude_terms(self, nuc, flavour, t):
        terms = super().amplitude_terms(nuc, flavour, t)
        q = momentum_transfer(t, nuc.mass_mev)
        fz, fn = self.nuclear.form_factors(nuc, q)
        g = G_FERMI_MEV2 / math.sqrt(2.0)  # the seed's G_F/sqrt2: amplitude of the S, T kinematic structures
        g_tensor = g * (math.sqrt(2.0) if self.tensor == "traces" else 1.0)
        n = len(self.parsed)
        extra = {"scalar": [None] * n, "tensor": [None] * n, "pseudoscalar": [None] * n}
        vec, ax = [None] * n, [None] * n
        for j, (x, qk) in enumerate(self.parsed):
            if x == "V":
                vec[j] = EPS_PER_C["V"] * quark_charge(qk, nuc, fz, fn)
            elif x == "A":
                ax[j] = EPS_PER_C["A"] * axial_quark_amplitude(nuc, qk, fz, fn)
            elif x == "S":
                extra["scalar"][j] = g * (nuc.Z * nucleon.scalar_charge("p", qk) * fz
                                          + nuc.N * nucleon.scalar_charge("n", qk) * fn)
            elif x == "T":
                extra["tensor"][j] = g_tensor * (nuc.Z * nucleon.tensor_charge("p", qk) * fz
                                                 + nuc.N * nucleon.tensor_charge("n", qk) * fn)
            elif x == "P" and nuc.spin_J > 0:
                spin = axial_amplitude_per_nucleon_coupling(nuc, pseudoscalar_charge("p", qk),
                                                            pseudoscalar_charge("n", qk))
                extra["pseudoscalar"][j] = g * (nuc.mass_mev / M_NUCLEON_MEV) * spin * 0.5 * (fz + fn)
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
