r"""Neutrino-electron elastic scattering (ES) on a free electron at rest, and the electromagnetic cross sections.

Standard Model (e.g. Vogel and Engel, Phys. Rev. D 39 (1989) 3378; Giunti and Studenikin, Rev. Mod. Phys. 87
(2015) 531, eq. (8.16)), for a neutrino of energy E giving the electron kinetic energy T:

    dsigma/dT = (2 G_F^2 m_e / pi) [ g_L^2 + g_R^2 (1 - T/E)^2 - g_L g_R m_e T / E^2 ],   T <= 2E^2/(m_e + 2E),

with g_L = -1/2 + s^2, g_R = s^2 (s^2 = sin^2 theta_W) for nu_mu; for nu_e the charged-current (W) diagram adds
+1 to g_L (Fierz-rearranged: g_L = 1/2 + s^2); for anti-neutrinos g_L and g_R are swapped. In terms of
g_V = g_L + g_R and g_A = g_L - g_R the normalisation is that of the nuclear cross section (G_F^2 M/pi) Q_V^2:
a new vector interaction shifts g_V exactly as it shifts the per-nucleon g_V^p, with the electron's charge -1.

Radiative corrections (option `radiative=True`, the default, as for the nucleon couplings of `cross_section`): the
flavour-dependent one-loop neutrino charge radius (`sm_charge_radius_cm2`; Bernabeu, Papavassiliou, Vidal,
Phys. Rev. Lett. 89 (2002) 101802) shifts g_V by +(sqrt2 pi alpha / 3 G_F) <r^2_nu_l> with s^2 the low-energy
MS-bar value. Neglected: the remaining vertex and box corrections and the QED final-state radiation
(Bahcall, Kamionkowski, Sirlin, Phys. Rev. D 51 (1995) 6146), below 2% on these cross sections.

The cross sections are written as Laurent polynomials in E (`cross_section.LAURENT_POWERS`) through four kinematic
structures, each multiplying the square of a coupling that is linear in the model parameters:

    'e_left'  : (2 G_F^2 m_e/pi)                       x g_L^2
    'e_right' : (2 G_F^2 m_e/pi) (1 - T/E)^2            x g_R^2
    'e_mix_v' : -(2 G_F^2 m_e/pi) m_e T / (4 E^2)       x g_V^2     } -g_L g_R m_e T/E^2 = -(g_V^2 - g_A^2) m_e T/(4E^2)
    'e_mix_a' : +(2 G_F^2 m_e/pi) m_e T / (4 E^2)       x g_A^2     }
    'magnetic': (pi alpha^2 / m_e^2) (1/T - 1/E)        x (mu_nu / mu_B)^2 [x Z^2 F_Z^2 on a nucleus]

The magnetic structure uses the electron mass of the Bohr magneton whatever the target (Vogel and Engel 1989).
"""

from __future__ import annotations

import math

import numpy as np

from .constants import (ALPHA_EM, G_FERMI_MEV2, HBARC2_MEV2_CM2, M_ELECTRON_MEV, M_MUON_MEV, M_TAU_MEV,
                        SIN2_THETA_W_LOW_ENERGY)
from .validation import as_nonnegative_array

_POWERS = (-2, -1, 0, 1, 2)  # = cross_section.LAURENT_POWERS (checked in the tests); no import, no cycle
_K = {k: i for i, k in enumerate(_POWERS)}

#: W boson mass (PDG 2024 world average), for the one-loop neutrino charge radius
M_W_MEV = 80369.2
#: pi alpha^2 / m_e^2 in MeV^-2 (= pi r_e^2 / (hbar c)^2): the magnetic-moment cross-section scale
MAGNETIC_SCALE_MEV2 = math.pi * ALPHA_EM**2 / M_ELECTRON_MEV**2
#: sqrt2 pi alpha / (3 G_F): the shift of a vector coupling per unit <r^2> (MeV^2 times <r^2> in MeV^-2)
RADIUS_SHIFT_MEV2 = math.sqrt(2.0) * math.pi * ALPHA_EM / (3.0 * G_FERMI_MEV2)
#: 2 sqrt2 pi alpha / G_F: the shift of a vector coupling per unit millicharge, times 1/|q|^2
CHARGE_SHIFT_MEV2 = 2.0 * math.sqrt(2.0) * math.pi * ALPHA_EM / G_FERMI_MEV2
#: units of the electromagnetic parameters, in the library's units
MU_UNIT = 1e-10  # magnetic moments in 1e-10 mu_B
R2_UNIT_CM2 = 1e-32  # charge radii in 1e-32 cm^2
R2_UNIT_MEV2 = R2_UNIT_CM2 / HBARC2_MEV2_CM2  # 1e-32 cm^2 in MeV^-2
Q_UNIT = 1e-8  # millicharges in 1e-8 e

_LEPTON_MASS = {"e": M_ELECTRON_MEV, "mu": M_MUON_MEV, "tau": M_TAU_MEV}


def sm_charge_radius_cm2(lepton: str) -> float:
    """One-loop SM charge radius <r^2_nu_l> = -(G_F / (2 sqrt2 pi^2)) [3 - 2 ln(m_l^2 / m_W^2)] in cm^2.

    Bernabeu, Papavassiliou, Vidal (2002); the convention of Cadeddu, Giunti et al. (negative for every flavour):
    about -0.83e-32 cm^2 (nu_e) and -0.48e-32 cm^2 (nu_mu).
    """
    m = _LEPTON_MASS[lepton]
    r2_mev2 = -G_FERMI_MEV2 / (2.0 * math.sqrt(2.0) * math.pi**2) * (3.0 - 2.0 * math.log(m * m / M_W_MEV**2))
    return r2_mev2 * HBARC2_MEV2_CM2


def radius_shift_per_unit() -> float:
    """Shift of a vector coupling of a unit-charge fermion per 1e-32 cm^2 of <r^2>: sqrt2 pi alpha/(3 G_F) x 1e-32 cm^2.

    The proton's g_V^p moves by minus this, the electron's g_V by plus this (charges +1 and -1).
    """
    return RADIUS_SHIFT_MEV2 * R2_UNIT_MEV2


def tree_couplings(flavour: str, sin2_theta_w: float = SIN2_THETA_W_LOW_ENERGY) -> tuple[float, float]:
    """(g_L, g_R) of nu-e elastic scattering at tree level, for 'nu_e', 'nu_mu', 'nu_tau' and their '_bar'."""
    s2 = sin2_theta_w
    lepton = flavour.replace("_bar", "").replace("nu_", "")
    if lepton not in _LEPTON_MASS:
        raise ValueError(f"unknown neutrino flavour {flavour!r}")
    g_l = (0.5 if lepton == "e" else -0.5) + s2  # the W exchange of nu_e e -> nu_e e adds +1 to g_L
    g_r = s2
    return (g_r, g_l) if flavour.endswith("_bar") else (g_l, g_r)


def couplings(flavour: str, radiative: bool = True, sin2_theta_w: float = SIN2_THETA_W_LOW_ENERGY):
    """(g_L, g_R) with, if `radiative`, the SM charge radius: g_V -> g_V + sqrt2 pi alpha/(3G_F) <r^2>_SM."""
    g_l, g_r = tree_couplings(flavour, sin2_theta_w)
    if radiative:
        half = 0.5 * radius_shift_per_unit() * sm_charge_radius_cm2(flavour.replace("_bar", "")[3:]) / R2_UNIT_CM2
        g_l, g_r = g_l + half, g_r + half  # a g_V shift moves g_L and g_R by half of it each (g_A unchanged)
    return g_l, g_r


# --- kinematic structures (Laurent coefficients in E; the `cross_section.kinematics` registry holds them) ---------
def _zeros(t):
    return np.zeros((len(_POWERS),) + np.shape(t))


def _es_prefactor(m):
    return 2.0 * G_FERMI_MEV2**2 * m / math.pi


def e_left(t, m):
    c = _zeros(t)
    c[_K[0]] = _es_prefactor(m)
    return c


def e_right(t, m):
    t = np.asarray(t, float)
    c = _zeros(t)
    c[_K[0]] = _es_prefactor(m)
    c[_K[-1]] = -2.0 * _es_prefactor(m) * t
    c[_K[-2]] = _es_prefactor(m) * t * t
    return c


def e_mix_v(t, m):
    c = _zeros(t)
    c[_K[-2]] = -_es_prefactor(m) * m * np.asarray(t, float) / 4.0
    return c


def e_mix_a(t, m):
    return -e_mix_v(t, m)


def magnetic(t, m):
    """(pi alpha^2/m_e^2)(1/T - 1/E) per unit (mu/mu_B)^2; T > 0 (the quadrature never reaches T = 0)."""
    t = np.asarray(t, float)
    c = _zeros(t)
    with np.errstate(divide="ignore"):
        c[_K[0]] = np.where(t > 0, MAGNETIC_SCALE_MEV2 / np.where(t > 0, t, 1.0), 0.0)
    c[_K[-1]] = -MAGNETIC_SCALE_MEV2
    return c


KINEMATICS = {"e_left": e_left, "e_right": e_right, "e_mix_v": e_mix_v, "e_mix_a": e_mix_a, "magnetic": magnetic}


def sm_terms(flavour: str, t_mev, radiative: bool = True, sin2_theta_w: float = SIN2_THETA_W_LOW_ENERGY,
             delta_g_v=None) -> list:
    """The SM free-electron cross section as [(structure, [amplitude]), ...] for the engine's quadratic forms.

    delta_g_v: optional list [d_1, ..., d_P] of g_V shifts per unit of each model parameter (arrays over T or
    None), appended as amplitudes 1..P: g_L and g_R each move by d/2, g_V by d, g_A not at all.
    """
    g_l, g_r = couplings(flavour, radiative, sin2_theta_w)
    t = np.asarray(t_mev, float)
    one = np.ones_like(t)
    d = list(delta_g_v or [])
    half = [None if x is None else 0.5 * np.asarray(x) for x in d]
    return [
        ("e_left", [g_l * one] + half),
        ("e_right", [g_r * one] + half),
        ("e_mix_v", [(g_l + g_r) * one] + [None if x is None else np.asarray(x) for x in d]),
        ("e_mix_a", [(g_l - g_r) * one] + [None] * len(d)),
    ]


def dsigma_dT_free(e_nu_mev, t_mev, flavour: str, radiative: bool = True,
                   sin2_theta_w: float = SIN2_THETA_W_LOW_ENERGY, mu_over_mu_b: float = 0.0) -> np.ndarray:
    """SM (+ magnetic moment) nu-e cross section on one free electron, MeV^-3, zero above the end point.

    Written directly from the formula of the module docstring (not through the Laurent structures), as the
    reference the engine is tested against.
    """
    e = as_nonnegative_array(e_nu_mev, "neutrino energy E (MeV)")
    t = as_nonnegative_array(t_mev, "electron recoil energy T_e (MeV)")
    g_l, g_r = couplings(flavour, radiative, sin2_theta_w)
    me = M_ELECTRON_MEV
    with np.errstate(divide="ignore", invalid="ignore"):
        weak = 2 * G_FERMI_MEV2**2 * me / math.pi * (g_l**2 + g_r**2 * (1 - t / e) ** 2 - g_l * g_r * me * t / e**2)
        mag = MAGNETIC_SCALE_MEV2 * mu_over_mu_b**2 * (1.0 / t - 1.0 / e)
        out = weak + mag
    allowed = (e > 0) & (t > 0) & (t <= 2 * e * e / (me + 2 * e))
    return np.where(allowed, out, 0.0)
