r"""One-loop contribution of a neutral boson to the muon anomalous magnetic moment (seed 001).

    delta a_mu = g_mu^2 / (8 pi^2) int_0^1 dx Q(x) / (x^2 + (1 - x) M^2/m_mu^2),
    Q(x) = 2 x^2 (1 - x) (vector), x^2 (2 - x) (scalar)   (S. J. Brodsky and E. de Rafael, Phys. Rev. 168 (1968) 1620)

computed by Gauss-Legendre quadrature, vectorised over masses. Experimental status used in the book:
* 2021 world average, as in seed 001: Delta a_mu = a_mu(exp) - a_mu(SM, WP2020) = 251(59) x 1e-11
  (Muon g-2 Collaboration, PRL 126 (2021) 141801; T. Aoyama et al., Phys. Rept. 887 (2020) 1);
* 2025: final Fermilab world average a_mu(exp) = 116 592 071.5(14.5) x 1e-11 (Muon g-2 Collaboration, 2025) against
  the 2025 Theory Initiative prediction a_mu(SM) = 116 592 033(62) x 1e-11 (R. Aliberti et al., 2025):
  Delta a_mu = 38(63) x 1e-11, no significant deviation.
"""

from __future__ import annotations

import math

import numpy as np

from ..constants import M_MUON_MEV
from ..validation import as_finite_array, as_nonnegative_array, choice

DELTA_A_MU_2021 = (251e-11, 59e-11)  # seed 001
A_MU_EXP_2025 = (116_592_071.5e-11, 14.5e-11)
A_MU_SM_WP2025 = (116_592_033e-11, 62e-11)
DELTA_A_MU_2025 = (A_MU_EXP_2025[0] - A_MU_SM_WP2025[0], math.hypot(A_MU_EXP_2025[1], A_MU_SM_WP2025[1]))

_X, _W = np.polynomial.legendre.leggauss(200)
_X, _W = 0.5 * (_X + 1.0), 0.5 * _W


def delta_a_mu(coupling_mu, mass_mev, kind: str = "vector") -> np.ndarray:
    """delta a_mu for a boson of mass M (MeV, array) coupling to muons with strength g_mu (broadcast)."""
    m = as_nonnegative_array(mass_mev, "boson mass mass_mev (MeV)")
    g = as_finite_array(coupling_mu, "muon coupling coupling_mu")
    choice(kind, "kind (of boson)", ("vector", "scalar"))
    if kind == "vector":
        q = 2.0 * _X**2 * (1.0 - _X)
    elif kind == "scalar":
        q = _X**2 * (2.0 - _X)
    else:
        raise ValueError(f"kind must be 'vector' or 'scalar', not {kind!r}")
    r = (m / M_MUON_MEV)[..., None] ** 2
    integral = np.sum(_W * q / (_X**2 + (1.0 - _X) * r), axis=-1)
    return g**2 / (8.0 * math.pi**2) * integral


def coupling_for_delta_a(delta_a, mass_mev, kind: str = "vector") -> np.ndarray:
    """g_mu that gives delta a_mu = delta_a at each mass (delta a_mu is quadratic in g_mu)."""
    delta_a = as_nonnegative_array(delta_a, "delta_a (a one-boson loop gives delta a_mu >= 0)")
    unit = delta_a_mu(1.0, mass_mev, kind)
    return np.sqrt(delta_a / unit)
