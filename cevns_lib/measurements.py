"""Published measurements that the book draws beside its own results (each with its source).

`LOW_ENERGY_SIN2`: determinations of the weak mixing angle below the Z pole, as published: the momentum
transfer Q (GeV) at which each applies, the value and its total 1σ uncertainty (statistical and systematic
added in quadrature where quoted separately), the scheme as the paper states it, and the citation key in
``references.bib``.
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
