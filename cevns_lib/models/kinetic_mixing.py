r"""One-loop kinetic mixing of a leptophilic Z' with the photon (seed 001, L_alpha - L_beta models).

A Z' that couples to charged leptons l with charges Q'_l mixes with the photon through lepton loops. At momentum
transfer |q| the mixing seen by a neutrino of flavour l is Q'_l eps(|q|) with

    eps(|q|) = - sum_l' Q'_l' int_0^1 x(1-x) ln(m_l'^2 + x(1-x) |q|^2) dx,

finite and scale independent when sum_l' Q'_l' = 0 (every L_alpha - L_beta model). For L_alpha - L_beta and
nu_alpha it equals seed 001's eps_{beta alpha}(|q|) = int x(1-x) ln[(m_beta^2 + x(1-x)q^2)/(m_alpha^2 + x(1-x)q^2)] dx.
The integral is done in closed form (`loop_integral`), with z = q^2/m^2 and beta = sqrt(1 + 4/z):

    int_0^1 x(1-x) ln(1 + x(1-x) z) dx = 1/6 [ -5/3 + 4/z + (1 - 2/z) beta ln((beta+1)/(beta-1)) ],

and its Taylor series sum_n (-1)^(n+1) z^n B(n+2, n+2)/n for z < 0.1 (no cancellation).
"""

from __future__ import annotations

import math

import numpy as np

from ..constants import M_ELECTRON_MEV, M_MUON_MEV, M_TAU_MEV
from ..validation import as_nonnegative_array, choice, finite_scalar, known_keys

LEPTON_MASSES_MEV = {"e": M_ELECTRON_MEV, "mu": M_MUON_MEV, "tau": M_TAU_MEV}
_SERIES = [(-1) ** (n + 1) * math.factorial(n + 1) ** 2 / math.factorial(2 * n + 3) / n for n in range(1, 12)]


def loop_integral(z) -> np.ndarray:
    """J(z) = int_0^1 x(1-x) ln(1 + x(1-x) z) dx for z = q^2/m^2 >= 0 (closed form, series at small z)."""
    z = as_nonnegative_array(z, "z = q^2/m^2")
    out = np.empty_like(z)
    small = z < 0.1
    zs = z[small]
    out[small] = sum(c * zs ** (n + 1) for n, c in enumerate(_SERIES))
    zl = z[~small]
    beta = np.sqrt(1.0 + 4.0 / zl)
    beta_minus_1 = 4.0 / (zl * (beta + 1.0))  # no cancellation at large z
    log_ratio = np.log1p(2.0 / beta_minus_1)  # ln((beta + 1)/(beta - 1))
    out[~small] = (-5.0 / 3.0 + 4.0 / zl + (1.0 - 2.0 / zl) * beta * log_ratio) / 6.0
    return out


def lepton_loop(q_mev, lepton: str) -> np.ndarray:
    """int_0^1 x(1-x) ln(m_l^2 + x(1-x) q^2) dx with masses in MeV (so the log is of MeV^2)."""
    m = LEPTON_MASSES_MEV[choice(lepton, "charged lepton", LEPTON_MASSES_MEV)]
    q = as_nonnegative_array(q_mev, "momentum transfer q (MeV)")
    return math.log(m * m) / 6.0 + loop_integral((q / m) ** 2)


def epsilon(q_mev, lepton_charges: dict) -> np.ndarray:
    """eps(|q|) = -sum_l Q'_l int x(1-x) ln(m_l^2 + x(1-x) q^2) dx for charges {'e':..,'mu':..,'tau':..}."""
    lepton_charges = {k: finite_scalar(v, f"lepton charge {k!r}") for k, v in
                      known_keys(lepton_charges, "lepton_charges", LEPTON_MASSES_MEV).items()}
    total = sum(lepton_charges.get(l, 0.0) for l in LEPTON_MASSES_MEV)
    if abs(total) > 1e-12:
        raise ValueError(f"kinetic mixing is divergent unless the lepton charges sum to zero (got {total:g})")
    q = as_nonnegative_array(q_mev, "momentum transfer q (MeV)")
    return -sum(lepton_charges.get(l, 0.0) * lepton_loop(q, l) for l in LEPTON_MASSES_MEV)


def epsilon_seed(q_mev, beta: str, alpha: str) -> np.ndarray:
    """Seed 001's eps_{beta alpha}(|q|) = int x(1-x) ln[(m_beta^2 + x(1-x)q^2)/(m_alpha^2 + x(1-x)q^2)] dx."""
    return lepton_loop(q_mev, beta) - lepton_loop(q_mev, alpha)
