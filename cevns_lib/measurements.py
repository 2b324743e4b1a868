"""Published measurements that the book draws beside its own results (each with its source).

`LOW_ENERGY_SIN2`: determinations of the weak mixing angle below the Z pole, as published: the momentum
transfer Q (GeV) at which each applies, the value and its total 1σ uncertainty (statistical and systematic
added in quadrature where quoted separately), the scheme as the paper states it, and the citation key in
``references.bib``.

`NEUTRON_RADII`: published point-neutron rms radii R_n (fm) of the CsI and Ar nuclei from other analyses, with
asymmetric 1σ errors, the nucleus (or the Cs/I average) each applies to, how it was obtained, the source as the
book names it, and the citation key.
Only values read in the cited source are stored; nuclear-theory predictions (mean-field, shell-model,
coupled-cluster) are not, because no tabulated value was at hand in a source read for this book (see the text of
the chapter on the Standard-Model fits).
"""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Sin2Measurement:
    name: str
    q_gev: float
    value: float
    error: float
    scheme: str
    cite: str


LOW_ENERGY_SIN2: tuple[Sin2Measurement, ...] = (
    # SLAC E158, parity violation in Moller scattering: 0.2397 +- 0.0010 (stat) +- 0.0008 (syst) at
    # Q^2 = 0.026 GeV^2 (Anthony et al., PRL 95 (2005) 081601); the paper's effective angle
    Sin2Measurement("E158 (Møller)", math.sqrt(0.026), 0.2397, math.hypot(0.0010, 0.0008), "effective", "E158_2005"),
    # JLab Qweak, weak charge of the proton: sin^2 theta_W = 0.2383 +- 0.0011 at Q^2 = 0.0248 GeV^2
    # (Androic et al., Nature 557 (2018) 207)
    Sin2Measurement("Qweak (e p)", math.sqrt(0.0248), 0.2383, 0.0011, "MS-bar", "Qweak2018"),
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
)
