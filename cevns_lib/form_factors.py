"""Nuclear form factors F(q) of a nucleon distribution, with q the three-momentum transfer in MeV.

All three are Fourier transforms of a spherical density normalised to F(0) = 1, parametrised here by the
rms radius R (fm) of the distribution, so that proton and neutron distributions are separate functions of
their own radii:

* Helm: a hard sphere of radius R0 folded with a Gaussian of width s (R. H. Helm, Phys. Rev. 104 (1956) 1466),
  F = 3 j1(qR0)/(qR0) exp(-q^2 s^2/2), R^2 = 3/5 R0^2 + 3 s^2, with s = 0.9 fm
  (J. D. Lewin and P. F. Smith, Astropart. Phys. 6 (1996) 87).
* Klein-Nystrand: a hard sphere of radius R_A folded with a Yukawa potential of range a_k = 0.7 fm
  (S. Klein and J. Nystrand, PRC 60 (1999) 014903), F = 3 j1(qR_A)/(qR_A) / (1 + q^2 a_k^2),
  R^2 = 3/5 R_A^2 + 6 a_k^2. COHERENT's CsI analyses use it with R_A = 1.23 A^(1/3) fm.
* Symmetrised Fermi: analytic transform of the symmetrised two-parameter Fermi density with diffuseness
  a = 0.52 fm (D. W. L. Sprung and J. Martorell, J. Phys. A 30 (1997) 6525; J. Piekarewicz et al.,
  PRC 94 (2016) 034316), R^2 = 3/5 c^2 + 7/5 pi^2 a^2.
"""

from __future__ import annotations

import math

import numpy as np

from .constants import HBARC_MEV_FM
from .validation import as_nonnegative_array, as_positive_array, positive_int, positive_scalar, scalar_in_range

HELM_SKIN_FM = 0.9  # Lewin & Smith 1996
KLEIN_NYSTRAND_RANGE_FM = 0.7  # Klein & Nystrand 1999
FERMI_DIFFUSENESS_FM = 0.52  # surface diffuseness t = 4 ln3 a ~ 2.3 fm (Lewin & Smith 1996)
KLEIN_NYSTRAND_R0_FM = 1.23  # R_A = 1.23 A^(1/3) fm (COHERENT CsI 2021, seed 000)


def _spherical_bessel_ratio(x: np.ndarray) -> np.ndarray:
    """3 j1(x)/x, with its Taylor series for |x| < 0.1 (no 0/0, no cancellation)."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    small = np.abs(x) < 0.1
    x2 = x[small] ** 2
    out[small] = 1.0 - x2 / 10.0 + x2**2 / 280.0 - x2**3 / 15120.0 + x2**4 / 1330560.0
    xl = x[~small]
    out[~small] = 3.0 * (np.sin(xl) - xl * np.cos(xl)) / xl**3
    return out


def _q_fm(q_mev) -> np.ndarray:
    return as_nonnegative_array(q_mev, "momentum transfer q (MeV)") / HBARC_MEV_FM


def _radius_term(rms_radius_fm, extra_sq: float, name: str) -> np.ndarray:
    """sqrt(5/3 (R^2 - extra_sq)) for a radius or an array of radii (broadcast against q)."""
    r = as_positive_array(rms_radius_fm, f"{name}: rms radius R (fm)")
    r_sq = 5.0 / 3.0 * (r**2 - extra_sq)
    if not np.all(r_sq > 0):
        raise ValueError(f"{name}: rms radius {np.min(r):g} fm is too small for this shape (R^2 > {extra_sq:g} fm^2)")
    return np.sqrt(r_sq)


def helm(q_mev, rms_radius_fm, s_fm: float = HELM_SKIN_FM) -> np.ndarray:
    """Helm form factor at momentum transfer q (MeV) for a distribution of rms radius R (fm; R broadcasts with q)."""
    s_fm = positive_scalar(s_fm, "Helm skin width s_fm (fm)")
    r0 = _radius_term(rms_radius_fm, 3.0 * s_fm**2, "Helm")
    q = _q_fm(q_mev)
    return _spherical_bessel_ratio(q * r0) * np.exp(-0.5 * (q * s_fm) ** 2)


def helm_rms_radius(r0_fm: float, s_fm: float = HELM_SKIN_FM) -> float:
    """rms radius of the Helm density with box radius R0 and folding width s (fm)."""
    return math.sqrt(0.6 * r0_fm**2 + 3.0 * s_fm**2)


def klein_nystrand(q_mev, rms_radius_fm, a_k_fm: float = KLEIN_NYSTRAND_RANGE_FM) -> np.ndarray:
    """Klein-Nystrand form factor at q (MeV) for a distribution of rms radius R (fm; R broadcasts with q)."""
    a_k_fm = positive_scalar(a_k_fm, "Klein-Nystrand range a_k_fm (fm)")
    ra = _radius_term(rms_radius_fm, 6.0 * a_k_fm**2, "Klein-Nystrand")
    q = _q_fm(q_mev)
    return _spherical_bessel_ratio(q * ra) / (1.0 + (q * a_k_fm) ** 2)


def klein_nystrand_rms_radius(r_a_fm: float, a_k_fm: float = KLEIN_NYSTRAND_RANGE_FM) -> float:
    """rms radius of the Klein-Nystrand density with hard-sphere radius R_A (fm)."""
    return math.sqrt(0.6 * r_a_fm**2 + 6.0 * a_k_fm**2)


def coherent_klein_nystrand_radius(mass_number: int, alpha4: float = 0.0) -> float:
    """rms radius (fm) of the Klein-Nystrand density with R_A = 1.23 A^(1/3) (1 + alpha4) fm (seed 000)."""
    mass_number = positive_int(mass_number, "mass number A")
    alpha4 = scalar_in_range(alpha4, "alpha4 (relative radius shift)", -1.0, np.inf, open_interval=True)
    return klein_nystrand_rms_radius(KLEIN_NYSTRAND_R0_FM * mass_number ** (1.0 / 3.0) * (1.0 + alpha4))


def symmetrized_fermi(q_mev, rms_radius_fm, a_fm: float = FERMI_DIFFUSENESS_FM) -> np.ndarray:
    """Symmetrised-Fermi form factor at q (MeV) for a distribution of rms radius R (fm; R broadcasts with q)."""
    a_fm = positive_scalar(a_fm, "symmetrised-Fermi diffuseness a_fm (fm)")
    c = _radius_term(rms_radius_fm, 7.0 / 5.0 * math.pi**2 * a_fm**2, "symmetrised Fermi")
    q, c = np.broadcast_arrays(_q_fm(q_mev), c)
    out = np.ones(q.shape)
    nz = q * c > 1e-4
    qc = q[nz] * c[nz]
    pqa = math.pi * q[nz] * a_fm
    out[nz] = (
        3.0
        / (qc * (qc**2 + pqa**2))
        * (pqa / np.sinh(pqa))
        * (pqa / np.tanh(pqa) * np.sin(qc) - qc * np.cos(qc))
    )
    return out


FORM_FACTORS = {"helm": helm, "klein_nystrand": klein_nystrand, "symmetrized_fermi": symmetrized_fermi}


def form_factor(name: str):
    """The form-factor function called `name` ('helm', 'klein_nystrand', 'symmetrized_fermi')."""
    try:
        return FORM_FACTORS[name]
    except KeyError:
        raise ValueError(f"unknown form factor {name!r}; choose one of {sorted(FORM_FACTORS)}") from None
