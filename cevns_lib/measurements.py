"""Published measurements that the book draws beside its own results (each with its source).

`LOW_ENERGY_SIN2`: determinations of the weak mixing angle below the Z pole, as published: the momentum
transfer Q (GeV) at which each applies, the value and its total 1σ uncertainty (statistical and systematic
added in quadrature where quoted separately), the scheme as the paper states it, and the citation key in
``references.bib``. Atomic parity violation in ¹³³Cs enters through the weak charge Q_W that each atomic-theory
evaluation extracts from the measured amplitude (`APV_CS_WEAK_CHARGES`), converted to sin²θ_W by
`sin2_from_weak_charge`.

`NEUTRON_RADII`: published point-neutron rms radii R_n (fm) of the CsI and Ar nuclei from other analyses, with
asymmetric 1σ errors, the nucleus (or the Cs/I average) each applies to, how it was obtained, the source as the
book names it, and the citation key.

`MEDIATOR_BOUNDS`: bounds of other experiments on the coupling of a light U(1)' boson, as far as a number was read
in the cited source: the book's model name, the mass range (MeV) the bound covers, the coupling, what the number
is (e.g. the strongest limit over the range), the confidence level, the source as the book names it, and the
citation key.

`G2_BAND_EXCLUSIONS`: mass ranges (MeV) in which another experiment states that it excludes the couplings that
explain the muon g-2 anomaly, for a model of the book, with the source and the citation key.

Only values read in the cited source are stored; nuclear-theory predictions (mean-field, shell-model,
coupled-cluster) are not, because no tabulated value was at hand in a source read for this book (see the text of
the chapter on the Standard-Model fits).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .constants import SIN2_THETA_W_LOW_ENERGY

CS133_Z = 55  # protons in 133Cs


@dataclass(frozen=True)
class Sin2Measurement:
    name: str
    q_gev: float
    value: float
    error: float
    scheme: str
    cite: str
    group: str = ""  # results of one measurement with different theory inputs share a group (drawn together)


@dataclass(frozen=True)
class APVWeakCharge:
    """The weak charge of ¹³³Cs extracted from the measured 6S-7S parity-violating amplitude with one atomic theory.

    q_w: the extracted weak charge; exp_error / theory_error: its experimental and atomic-theory 1σ errors;
    q_w_sm: the Standard-Model weak charge quoted in the same paper (the reference the shift is taken from);
    atomic_theory: the many-body method of the paper; q_gev: the momentum-transfer scale (GeV) at which the result
    is drawn.
    """

    name: str
    q_w: float
    exp_error: float
    theory_error: float
    q_w_sm: float
    atomic_theory: str
    q_gev: float
    cite: str

    @property
    def error(self) -> float:
        return math.hypot(self.exp_error, self.theory_error)


def sin2_from_weak_charge(q_w: float, q_w_sm: float, sin2_sm: float = SIN2_THETA_W_LOW_ENERGY,
                          z: int = CS133_Z) -> float:
    """sin²θ_W implied by a nuclear weak charge, linearised about the Standard Model.

    Q_W = Z (1 - 4 sin²θ_W) - N at tree level, so dQ_W / d sin²θ_W = -4 Z and
    sin²θ_W = sin²θ_W(SM) - (Q_W - Q_W(SM)) / (4 Z). The shift is taken from the Standard-Model Q_W that the same
    paper quotes (its radiative corrections cancel in the difference); the slope is the tree-level one.
    """
    return sin2_sm - (q_w - q_w_sm) / (4.0 * z)


def rescale_weak_charge(q_w: float, amplitude_old: float, amplitude_new: float) -> float:
    """The weak charge extracted from the same measured amplitude with another calculated amplitude per unit Q_W.

    The measurement fixes Q_W x k_PNC (k_PNC: the calculated parity-violating amplitude per unit -Q_W/N), so
    Q_W(new) = Q_W(old) k_old / k_new.
    """
    return q_w * amplitude_old / amplitude_new


# E_PNC of the Cs 6s-7s transition in units of 10^-11 i |e| a_B (-Q_W/N): 0.8906(24) (Porsev et al. 2010) and its
# re-evaluation 0.8977(40) with corrected core and tail contributions (Dzuba, Berengut, Flambaum & Roberts,
# PRL 109 (2012) 203003, abstract; arXiv:1207.5864)
K_PNC_PORSEV, K_PNC_DZUBA, K_PNC_DZUBA_ERROR = 0.8906, 0.8977, 0.0040
_QW_PORSEV, _QW_PORSEV_EXP = -73.16, 0.29

# Q of the APV point: Porsev et al. (2009) describe their result as confirming the running "from ~10 MeV to
# ~100 GeV", i.e. they place Cs APV at ~10 MeV; both APV entries are drawn there.
_APV_Q_GEV = 0.010

APV_CS_WEAK_CHARGES: tuple[APVWeakCharge, ...] = (
    # Q_W(133Cs) = -73.16(29)_exp(20)_th, SM -73.16(3): Porsev, Beloy & Derevianko, PRL 102 (2009) 181601
    # (abstract, arXiv:0902.0335; SM value from the abstract of the long paper, PRD 82 (2010) 036008,
    # arXiv:1006.4193); coupled-cluster singles, doubles and valence triples (CCSDvT)
    APVWeakCharge("APV Cs (Porsev et al.)", _QW_PORSEV, _QW_PORSEV_EXP, 0.20, -73.16,
                  "relativistic coupled-cluster (singles, doubles, valence triples)", _APV_Q_GEV, "Porsev2009"),
    # Dzuba et al. (2012): the measured amplitude of the Porsev et al. analysis with E_PNC = 0.8977(40) instead of
    # 0.8906(24): Q_W = -73.16 x 0.8906 / 0.8977 = -72.58, the experimental error scaled alike and the theory error
    # 0.0040 / 0.8977 of |Q_W|; the abstract quotes no SM value, that of Porsev et al. (-73.16) is used
    APVWeakCharge("APV Cs (Dzuba et al.)", rescale_weak_charge(_QW_PORSEV, K_PNC_PORSEV, K_PNC_DZUBA),
                  _QW_PORSEV_EXP * K_PNC_PORSEV / K_PNC_DZUBA,
                  abs(rescale_weak_charge(_QW_PORSEV, K_PNC_PORSEV, K_PNC_DZUBA)) * K_PNC_DZUBA_ERROR / K_PNC_DZUBA,
                  -73.16, "sum over states (Porsev et al.) with corrected core and tail terms", _APV_Q_GEV,
                  "Dzuba2012"),
    # Q_W(133Cs) = -73.71(26)_ex(23)_th, SM -73.23(1): Sahoo, Das & Spiesberger, PRD 103 (2021) L111303
    # (abstract, arXiv:2101.10095); perturbed relativistic coupled-cluster theory
    APVWeakCharge("APV Cs (Sahoo et al.)", -73.71, 0.26, 0.23, -73.23,
                  "perturbed relativistic coupled-cluster", _APV_Q_GEV, "Sahoo2021"),
)

LOW_ENERGY_SIN2: tuple[Sin2Measurement, ...] = (
    # SLAC E158, parity violation in Moller scattering: 0.2397 +- 0.0010 (stat) +- 0.0008 (syst) at
    # Q^2 = 0.026 GeV^2 (Anthony et al., PRL 95 (2005) 081601); the paper's effective angle
    Sin2Measurement("E158 (Møller)", math.sqrt(0.026), 0.2397, math.hypot(0.0010, 0.0008), "effective", "E158_2005"),
    # JLab Qweak, weak charge of the proton: sin^2 theta_W = 0.2383 +- 0.0011 at Q^2 = 0.0248 GeV^2
    # (Androic et al., Nature 557 (2018) 207)
    Sin2Measurement("Qweak (e p)", math.sqrt(0.0248), 0.2383, 0.0011, "MS-bar", "Qweak2018"),
    # atomic parity violation in 133Cs, each atomic theory's Q_W converted by sin2_from_weak_charge (slope
    # 1 / (4 Z), so the 1σ error is the Q_W error over 4 Z)
    *(Sin2Measurement(a.name, a.q_gev, sin2_from_weak_charge(a.q_w, a.q_w_sm), a.error / (4.0 * CS133_Z),
                      "shift from the SM (MS-bar at q -> 0)", a.cite, "APV Cs") for a in APV_CS_WEAK_CHARGES),
)


@dataclass(frozen=True)
class NeutronRadius:
    nucleus: str
    value_fm: float
    minus_fm: float
    plus_fm: float
    method: str
    source: str
    cite: str


NEUTRON_RADII: tuple[NeutronRadius, ...] = (
    # CEvNS, COHERENT CsI 2017 data, average of 133Cs and 127I: R_n = 5.5 +0.9 -1.1 fm
    # (Cadeddu et al., PRL 120 (2018) 072501, abstract; arXiv:1710.02730)
    NeutronRadius("Cs/I average", 5.5, 1.1, 0.9, "CEvNS, COHERENT CsI 2017", "Cadeddu et al. (2018)",
                  "Cadeddu2018"),
    # proton-133Cs elastic scattering at 199.4 MeV/u (HIRFL-CSR), Glauber model, with the adopted proton
    # radius: point-neutron radius 4.86(21) fm (Huang et al., arXiv:2403.03566, abstract)
    NeutronRadius("¹³³Cs", 4.86, 0.21, 0.21, "p + ¹³³Cs elastic scattering, Glauber model",
                  "Huang et al. (2024)", "Huang2024"),
    # atomic parity violation in Cs combined with the COHERENT CsI 2017 radius, assuming the SM weak mixing angle:
    # R_n = 5.42 +- 0.31 fm (Cadeddu & Dordei, PRD 99 (2019) 033010, abstract; arXiv:1808.10202)
    NeutronRadius("¹³³Cs", 5.42, 0.31, 0.31, "APV Cs + CEvNS (COHERENT CsI 2017), SM sin²θ_W assumed",
                  "Cadeddu & Dordei (2019)", "CadedduDordei2019"),
)


@dataclass(frozen=True)
class MediatorBound:
    model: str
    mass_min_mev: float
    mass_max_mev: float
    coupling: float
    kind: str
    cl: str
    source: str
    cite: str


MEDIATOR_BOUNDS: tuple[MediatorBound, ...] = (
    # BaBar, e+ e- -> mu+ mu- Z', Z' -> mu+ mu- with 514 fb^-1, for a Z' coupling only to the second and third
    # lepton generations (L_mu - L_tau, coupling g' to mu, tau, nu_mu, nu_tau): no signal for Z' masses 0.212-10 GeV,
    # "limits on the coupling parameter g' as low as 7x10^-4" (Lees et al., PRD 94 (2016) 011102(R), abstract;
    # arXiv:1606.03501); 90 % CL upper limits on the cross section
    MediatorBound("lmu-ltau", 212.0, 10000.0, 7e-4, "strongest limit over the mass range (the bound lies at or "
                  "above it)", "90 %", "BaBar (2016)", "BaBar2016"),
)


@dataclass(frozen=True)
class G2BandExclusion:
    model: str
    mass_min_mev: float
    mass_max_mev: float
    statement: str
    source: str
    cite: str


G2_BAND_EXCLUSIONS: tuple[G2BandExclusion, ...] = (
    # NA64-e, 100 GeV electrons on an active thick target (~9e11 electrons), L_mu - L_tau Z' produced through its
    # loop coupling to electrons: "excluding the g-2 preferred band of the Z' parameter space in the
    # 1 keV < m_Z' <~ 2 MeV range" (Andreev et al., arXiv:2404.06982, abstract)
    G2BandExclusion("lmu-ltau", 1e-3, 2.0, "excludes the (g-2)_mu preferred band", "NA64-e (2024)", "NA64e2024"),
)
