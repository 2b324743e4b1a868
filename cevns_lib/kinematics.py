r"""Up-scattering kinematics: a massless neutrino turns into a final state of mass m_X on a target at rest.

For nu(E) + A(M, at rest) -> X(m_X) + A(M, kinetic energy T), exact 2 -> 2 kinematics (no approximation) gives

    t = (p_A' - p_A)^2 = -2 M T,        k . q = -(m_X^2 + 2 M T)/2,

and the condition |cos theta| <= 1 on the angle of X becomes 8 M T E^2 - 4 T B E - B^2 >= 0 with B = m_X^2 + 2MT:

    E_min(T; m_X) = (m_X^2 + 2 M T) (T + sqrt(T^2 + 2 M T)) / (4 M T)                      (eq. E_min)

(for m_X = 0 the familiar (T + sqrt(T^2 + 2MT))/2). Solved instead for T at fixed E, the recoil range is

    T_pm(E; m_X) = (P +- sqrt(P^2 - m_X^4 M (2E + M))) / (2 M (2E + M)),   P = 2 M E^2 - m_X^2 (E + M),

and a final state is reachable at all iff m_X <= sqrt(M^2 + 2 M E) - M (the centre-of-mass energy). For a heavy
target (T << M) E_min reduces to E >= (m_X^2 + 2MT) / (2 sqrt(2MT)), i.e. De Romeri et al. (2023)'s condition
m_X^2 <~ 2 M T (sqrt(2/(M T)) E - 1). On an electron (M = m_e) that heavy-target limit fails and only the exact
formulas above are used; they hold for any target mass.

`MassiveFinalState` packages a cross-section term whose kinematic structure depends on m_X (a batch of masses):
its Laurent coefficients in E (see `cross_section`) and its threshold E_min(T; m_X), which the rate engine uses
in place of the massless one for that term.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .validation import as_nonnegative_array, as_positive_array


def e_min(t_mev, target_mass_mev: float, m_x_mev=0.0) -> np.ndarray:
    """Minimum neutrino energy (MeV) for recoil kinetic energy T (MeV) with a final state of mass m_X (MeV).

    Exact 2 -> 2 (eq. E_min of the module docstring); T, m_X broadcast. T = 0 needs m_X = 0 (else infinite)."""
    t = as_nonnegative_array(t_mev, "recoil energy T (MeV)")
    m = as_nonnegative_array(m_x_mev, "final-state mass m_X (MeV)")
    mass = float(target_mass_mev)
    root = t + np.sqrt(t * t + 2.0 * mass * t)
    with np.errstate(divide="ignore", invalid="ignore"):
        massive = (m * m + 2.0 * mass * t) * root / (4.0 * mass * t)
    return np.where(m > 0, massive, 0.5 * root)


def recoil_range(e_nu_mev, target_mass_mev: float, m_x_mev=0.0) -> tuple[np.ndarray, np.ndarray]:
    """(T_min, T_max) in MeV reachable at neutrino energy E with final-state mass m_X; NaN where unreachable."""
    e = as_nonnegative_array(e_nu_mev, "neutrino energy E (MeV)")
    m = as_nonnegative_array(m_x_mev, "final-state mass m_X (MeV)")
    mass = float(target_mass_mev)
    p = 2.0 * mass * e * e - m * m * (e + mass)
    q = m**4 * mass * (2.0 * e + mass)
    disc = p * p - q
    ok = (m <= max_mass(e, mass)) & (disc >= 0) & (p >= 0)
    root = np.sqrt(np.where(ok, disc, 0.0))
    den = 2.0 * mass * (2.0 * e + mass)
    hi = np.where(ok, (p + root) / den, np.nan)
    # the lower root from the product of the roots, T_min T_max = q / den^2: (p - root) / den loses digits to
    # cancellation when m_X is light (root ~ p)
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = np.where(ok, np.where(p + root > 0, q / (den * (p + root)), (p - root) / den), np.nan)
    return lo, hi


def max_mass(e_nu_mev, target_mass_mev: float) -> np.ndarray:
    """Largest final-state mass (MeV) reachable at neutrino energy E on a target of mass M: sqrt(M^2+2ME) - M."""
    e = as_nonnegative_array(e_nu_mev, "neutrino energy E (MeV)")
    mass = float(target_mass_mev)
    return np.sqrt(mass * mass + 2.0 * mass * e) - mass


def m_x_squared_max(e_nu_mev, t_mev, target_mass_mev: float) -> np.ndarray:
    """Largest m_X^2 (MeV^2) compatible with energy E and recoil T: E_min(T; m_X) = E solved for m_X^2."""
    e = as_nonnegative_array(e_nu_mev, "neutrino energy E (MeV)")
    t = as_positive_array(t_mev, "recoil energy T (MeV)")
    mass = float(target_mass_mev)
    return 4.0 * mass * t * e / (t + np.sqrt(t * t + 2.0 * mass * t)) - 2.0 * mass * t


def m_x_squared_max_heavy_target(e_nu_mev, t_mev, target_mass_mev: float) -> np.ndarray:
    """De Romeri et al. (2023)'s heavy-target form 2 M T (sqrt(2/(M T)) E - 1) of `m_x_squared_max` (T << M)."""
    e = as_nonnegative_array(e_nu_mev, "neutrino energy E (MeV)")
    t = as_positive_array(t_mev, "recoil energy T (MeV)")
    mass = float(target_mass_mev)
    return 2.0 * mass * t * (np.sqrt(2.0 / (mass * t)) * e - 1.0)


@dataclass(frozen=True, eq=False)
class MassiveFinalState:
    """The kinematic structure of a cross-section term nu + A -> X + A with m_X on a grid (a leading batch axis).

    laurent(t (nT,), M, m (*batch, 1)) returns the Laurent coefficients (*batch, len(LAURENT_POWERS), nT) of K(E, T)
    in dsigma/dT = K(E, T) |A(T)|^2 (MeV^-3 per unit amplitude^2), as the named structures of `cross_section`.
    An instance is passed where a term names its kinematics; the engine also takes its `threshold`.
    """

    label: str
    mass_mev: np.ndarray
    laurent: Callable

    def __call__(self, t_mev, target_mass_mev: float) -> np.ndarray:
        return self.laurent(np.asarray(t_mev, float), float(target_mass_mev), np.asarray(self.mass_mev)[..., None])

    def threshold(self, t_mev, target_mass_mev: float) -> np.ndarray:
        """E_min(T; m_X) in MeV, shape (*batch, nT)."""
        return e_min(t_mev, target_mass_mev, np.asarray(self.mass_mev)[..., None])


class UpscatteringModel:
    """Mixin for models with up-scattering terms: the engine routes them through the terms' own thresholds
    (`RateEngine.counts` -> `quadratic_counts`). Their cross section is not a plain Laurent polynomial above the
    massless threshold, so the threshold-blind `coefficients` / `dsigma_dT` of `StandardModel` refuse them instead
    of returning a plausible wrong number; `upscattering_dsigma_dT` evaluates the new terms."""

    has_own_threshold = True

    def coefficients(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} has a massive final state: its rate needs E_min(T; m_X); use "
                        "RateEngine.counts / quadratic_counts, or kinematics.upscattering_dsigma_dT for dsigma/dT")

    def dsigma_dT(self, *args, **kwargs):
        return self.coefficients()


def upscattering_dsigma_dT(model, e_nu_mev, t_mev, nuc, flavour: str) -> np.ndarray:
    """dsigma/dT (MeV^-3) of a model's up-scattering terms alone (those whose kinematics carry a threshold) at
    neutrino energies E (MeV, shape (nE,)) and recoils T (MeV, (nT,)): shape (*batch, nE, nT), zero below
    E_min(T; m_X). A reference evaluation (plots, tests); rates go through the engine."""
    from .cross_section import LAURENT_POWERS
    from .nuclei import nucleus as get_nucleus

    nuc = get_nucleus(nuc)
    e = np.atleast_1d(as_positive_array(e_nu_mev, "neutrino energy E (MeV)"))
    t = np.atleast_1d(as_positive_array(t_mev, "recoil energy T (MeV)"))
    x = (1.0,) + tuple(model.parameter_values)
    total = 0.0
    for kin, amps in model.amplitude_terms(nuc, flavour, t):
        if not hasattr(kin, "threshold"):
            continue
        amp = sum(xa * np.asarray(a) for xa, a in zip(x, amps) if a is not None)
        c = kin(t, nuc.mass_mev) * np.asarray(amp)[..., None, :] ** 2  # (*batch, k, nT)
        powers = np.stack([e**k for k in LAURENT_POWERS])  # (k, nE)
        val = np.einsum("...kj,ki->...ij", c, powers)
        allowed = e[:, None] >= kin.threshold(t, nuc.mass_mev)[..., None, :]
        total = total + np.where(allowed, val, 0.0)
    return np.asarray(total, float)
