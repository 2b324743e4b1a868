r"""The SNS pion-decay-at-rest neutrino flux, in energy (MeV) and in arrival time (microseconds).

Energy. Stopped pi+ decay to mu+ nu_mu gives a line at E = (m_pi^2 - m_mu^2)/(2 m_pi) = 29.79 MeV ("prompt");
the mu+ then decays at rest to e+ nu_e anti-nu_mu with the Michel spectra (L. Michel, Proc. Phys. Soc. A 63
(1950) 514; V-A, no radiative corrections, massless electron) ("delayed"):

    f_nu_e(E)      = 192/m_mu (E/m_mu)^2 (1/2 - E/m_mu),     0 <= E <= m_mu/2,
    f_nu_mu_bar(E) =  64/m_mu (E/m_mu)^2 (3/4 - E/m_mu),

each normalised to one neutrino. The fluence per flavour at a detector is r * POT / (4 pi L^2) with r neutrinos
per flavour per proton on target; the decay-in-flight and mu- capture components (< 1e-3) are neglected.

Time. The proton pulse is a Gaussian of mean mu and width sigma (LAr 2020 release: mu = 440 ns, sigma = 150 ns
in the LAr trigger time); the prompt nu_mu follow it with the pi+ lifetime, the delayed flavours with the pi+
and mu+ lifetimes in sequence. Both are closed-form exponentially modified Gaussians.

Every spectrum is a polynomial in E, so the moments int f(E) E^k dE above the threshold E_min(T) that the rate
engine needs are computed exactly (`energy_moments`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .constants import E_MICHEL_MAX_MEV, E_NU_MU_LINE_MEV, M_MUON_MEV, TAU_MUON_NS, TAU_PION_NS, US_NS
from .quadrature import gauss_legendre
from .special import log_ndtr, ndtr
from .validation import PhysicsInputError, as_finite_array, finite_scalar, positive_scalar

FLAVOURS = ("nu_e", "nu_mu", "nu_mu_bar")
PROMPT_FLAVOURS = ("nu_mu",)
DELAYED_FLAVOURS = ("nu_e", "nu_mu_bar")
#: polynomial coefficients {power j: a_j} of the normalised Michel spectra in E (MeV), E^j
MICHEL_POLYNOMIALS = {
    "nu_e": {2: 96.0 / M_MUON_MEV**3, 3: -192.0 / M_MUON_MEV**4},
    "nu_mu_bar": {2: 48.0 / M_MUON_MEV**3, 3: -64.0 / M_MUON_MEV**4},
}
TAU_PION_US = TAU_PION_NS / US_NS
TAU_MUON_US = TAU_MUON_NS / US_NS


def _check_flavour(flavour: str) -> str:
    if flavour not in FLAVOURS:
        raise ValueError(f"unknown SNS neutrino flavour {flavour!r}; the pi-DAR flux has {FLAVOURS}")
    return flavour


# --- energy ------------------------------------------------------------------------------------------------
def energy_spectrum(flavour: str, e_nu_mev) -> np.ndarray:
    """Normalised energy spectrum f(E) in MeV^-1 of a Michel flavour ('nu_e' or 'nu_mu_bar').

    Raises for energies outside the flux range [0, m_mu/2] or NaN. The nu_mu line has no density: see
    `E_NU_MU_LINE_MEV`.
    """
    _check_flavour(flavour)
    if flavour == "nu_mu":
        raise ValueError("nu_mu from pi+ decay at rest is monochromatic (E = 29.79 MeV): it has no density")
    e = as_finite_array(e_nu_mev, "neutrino energy E (MeV)")
    if np.any((e < 0) | (e > E_MICHEL_MAX_MEV)):
        raise PhysicsInputError(
            f"neutrino energy outside the pi-DAR flux range [0, {E_MICHEL_MAX_MEV:.4f}] MeV: "
            f"got [{e.min():g}, {e.max():g}] MeV")
    return sum(a * e**j for j, a in MICHEL_POLYNOMIALS[flavour].items())


def energy_moments(flavour: str, e_threshold_mev, powers) -> np.ndarray:
    """int_{E_thr}^{E_max} f(E) E^k dE for each k in `powers` (rows) and threshold (columns), exactly.

    For 'nu_mu' f is the delta function at the line energy. Thresholds are E_min(T) >= 0 in MeV.
    """
    _check_flavour(flavour)
    e0 = np.clip(as_finite_array(e_threshold_mev, "threshold energy (MeV)"), 0.0, None)
    out = np.zeros((len(powers),) + e0.shape)
    if flavour == "nu_mu":
        above = e0 <= E_NU_MU_LINE_MEV
        for i, k in enumerate(powers):
            out[i] = np.where(above, E_NU_MU_LINE_MEV**k, 0.0)
        return out
    emax = E_MICHEL_MAX_MEV
    lo = np.minimum(e0, emax)
    for i, k in enumerate(powers):
        for j, a in MICHEL_POLYNOMIALS[flavour].items():
            n = j + k + 1  # >= 1 for the powers k >= -2 used here
            if n <= 0:
                raise ValueError(f"moment of power {k} diverges for the Michel spectrum")
            out[i] += a * (emax**n - lo**n) / n
    return out


@dataclass(frozen=True)
class SNSSource:
    """Neutrino production and geometry of one exposure: r, protons on target, baseline."""

    nu_per_proton_per_flavour: float
    protons_on_target: float
    baseline_m: float

    def __post_init__(self):
        for name in ("nu_per_proton_per_flavour", "protons_on_target", "baseline_m"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise PhysicsInputError(f"SNSSource.{name} must be a positive number, got {v!r}")

    @property
    def neutrinos_per_flavour(self) -> float:
        return self.nu_per_proton_per_flavour * self.protons_on_target

    @property
    def fluence_per_cm2(self) -> float:
        """Time-integrated neutrinos per cm^2 per flavour at the detector: r POT / (4 pi L^2)."""
        return self.neutrinos_per_flavour / (4.0 * math.pi * (self.baseline_m * 100.0) ** 2)


# --- time ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProtonPulse:
    """Gaussian proton-on-target time profile, mean and width in microseconds."""

    mean_us: float
    sigma_us: float

    def __post_init__(self):
        object.__setattr__(self, "mean_us", finite_scalar(self.mean_us, "ProtonPulse.mean_us (us)"))
        object.__setattr__(self, "sigma_us", positive_scalar(self.sigma_us, "ProtonPulse.sigma_us (us)"))


def _emg_logpdf_tail(t, mu, sigma, tau):
    z = (t - mu) / sigma
    return -math.log(tau) + 0.5 * (sigma / tau) ** 2 - (t - mu) / tau + log_ndtr(z - sigma / tau)


def _emg_pdf(t, mu, sigma, tau):
    return np.exp(_emg_logpdf_tail(t, mu, sigma, tau))


def _emg_cdf(t, mu, sigma, tau):
    z = (t - mu) / sigma
    return ndtr(z) - tau * np.exp(_emg_logpdf_tail(t, mu, sigma, tau))


def time_pdf(flavour: str, t_us, pulse: ProtonPulse) -> np.ndarray:
    """Arrival-time density (per microsecond) of `flavour` for the given proton pulse."""
    _check_flavour(flavour)
    t = as_finite_array(t_us, "time t (us)")
    mu, s = pulse.mean_us, pulse.sigma_us
    if flavour in PROMPT_FLAVOURS:
        return _emg_pdf(t, mu, s, TAU_PION_US)
    tp, tm = TAU_PION_US, TAU_MUON_US
    return (tm * _emg_pdf(t, mu, s, tm) - tp * _emg_pdf(t, mu, s, tp)) / (tm - tp)


def time_cdf(flavour: str, t_us, pulse: ProtonPulse) -> np.ndarray:
    """Probability that a `flavour` neutrino arrives before t (us)."""
    _check_flavour(flavour)
    t = as_finite_array(t_us, "time t (us)")
    mu, s = pulse.mean_us, pulse.sigma_us
    if flavour in PROMPT_FLAVOURS:
        return _emg_cdf(t, mu, s, TAU_PION_US)
    tp, tm = TAU_PION_US, TAU_MUON_US
    return (tm * _emg_cdf(t, mu, s, tm) - tp * _emg_cdf(t, mu, s, tp)) / (tm - tp)


def time_bin_fractions(flavour: str, edges_us, pulse: ProtonPulse, efficiency=None, nodes_per_bin: int = 48):
    """Fraction of `flavour` neutrinos in each time bin, optionally weighted by a time efficiency eps(t).

    Without efficiency this is a difference of exact CDFs; with one, Gauss-Legendre quadrature per bin.
    """
    edges = as_finite_array(edges_us, "time bin edges (us)")
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise PhysicsInputError("time bin edges must be a strictly increasing 1-d array")
    if efficiency is None:
        return np.diff(time_cdf(flavour, edges, pulse))
    x, w = gauss_legendre(nodes_per_bin)
    half = 0.5 * np.diff(edges)[:, None]
    mid = 0.5 * (edges[1:] + edges[:-1])[:, None]
    t = mid + half * x[None, :]
    return np.sum(half * w[None, :] * time_pdf(flavour, t, pulse) * efficiency(t), axis=1)


def fit_pulse_mean(prompt_pdf, delayed_pdf, bin_width_us: float, sigma_us: float) -> float:
    """Pulse mean (us) whose prompt and delayed bin fractions best match given PDFs (least squares).

    `prompt_pdf`, `delayed_pdf`: arrays of (bin centre in us, fraction per bin), e.g. the COHERENT 2017 CsI
    arrival-time PDFs, which fix the time origin of the CsI reconstructed time.
    """
    from .brent import minimize_bounded

    centres = np.asarray(prompt_pdf)[:, 0]
    edges = np.append(centres - 0.5 * bin_width_us, centres[-1] + 0.5 * bin_width_us)

    def loss(mu):
        pulse = ProtonPulse(mu, sigma_us)
        rp = time_bin_fractions("nu_mu", edges, pulse) - np.asarray(prompt_pdf)[:, 1]
        rd = time_bin_fractions("nu_e", edges, pulse) - np.asarray(delayed_pdf)[:, 1]
        return float(np.sum(rp**2) + np.sum(rd**2))

    return minimize_bounded(loss, -1.0, 3.0, xatol=1e-6)
