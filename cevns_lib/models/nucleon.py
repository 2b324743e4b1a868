"""Nucleon-level charges of the quark operators: what a quark coupling becomes inside a proton or neutron.

* scalar: <N| m_q qbar q |N> = m_N f_q^N, so a coupling to qbar q gives m_N f_q^N / m_q per nucleon. Light-quark
  sigma terms f_u^p = 0.0208, f_d^p = 0.0411, f_u^n = 0.0189, f_d^n = 0.0451 (from sigma_piN = 59.1 MeV,
  Hoferichter et al., PRL 115 (2015) 092301, as tabulated in the CEvNS literature), strange f_s = 0.043 (FLAG lattice
  average), heavy quarks neglected; MS-bar quark masses at 2 GeV m_u = 2.16, m_d = 4.70, m_s = 93.5 MeV (PDG 2024).
  Their sum over u, d reproduces seed 001's isospin value sigma_piN / m_ud = 17.3 to 0.5%.
* tensor: proton tensor charges g_T^u = 0.784, g_T^d = -0.204 (R. Gupta et al., PRD 98 (2018) 034503); neutron by
  isospin (u <-> d).
* axial: proton quark spin fractions Delta u = 0.842, Delta d = -0.427 (so that g_A = Delta u - Delta d = 1.27);
  neutron by isospin.
"""

from __future__ import annotations

from ..constants import M_NEUTRON_MEV, M_PROTON_MEV

QUARK_MASS_MEV = {"u": 2.16, "d": 4.70, "s": 93.5}
SIGMA_TERM_FRACTION = {"p": {"u": 0.0208, "d": 0.0411, "s": 0.043}, "n": {"u": 0.0189, "d": 0.0451, "s": 0.043}}
TENSOR_CHARGE = {"p": {"u": 0.784, "d": -0.204}, "n": {"u": -0.204, "d": 0.784}}
SPIN_FRACTION = {"p": {"u": 0.842, "d": -0.427}, "n": {"u": -0.427, "d": 0.842}}
NUCLEON_MASS_MEV = {"p": M_PROTON_MEV, "n": M_NEUTRON_MEV}


def scalar_charge(nucleon: str, quark: str) -> float:
    """m_N f_q^N / m_q: the nucleon matrix element of qbar q."""
    return NUCLEON_MASS_MEV[nucleon] * SIGMA_TERM_FRACTION[nucleon][quark] / QUARK_MASS_MEV[quark]


def scalar_charge_all(nucleon: str, quarks=("u", "d", "s")) -> float:
    """sum_q m_N f_q^N / m_q for a flavour-universal quark coupling."""
    return sum(scalar_charge(nucleon, q) for q in quarks)


def tensor_charge(nucleon: str, quark: str) -> float:
    return TENSOR_CHARGE[nucleon][quark]


def spin_fraction(nucleon: str, quark: str) -> float:
    return SPIN_FRACTION[nucleon][quark]
