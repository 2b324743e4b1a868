"""What every detector supplies to the rate engine: targets, exposure, recoil quadrature, binned responses.

A `Detector` is data, computed once: the rate engine contracts the cross section with it. Its response matrix
maps a nuclear recoil of kinetic energy T (MeV, at the quadrature nodes) to the probability of landing in each
reconstructed-energy bin after quenching, smearing and the energy-dependent efficiency; its time fractions give,
per flavour, the share of neutrinos in each time bin after any time-dependent efficiency.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..cross_section import t_max
from ..flux import FLAVOURS, E_MICHEL_MAX_MEV, E_NU_MU_LINE_MEV, ProtonPulse, SNSSource
from ..nuclei import Nucleus
from ..quadrature import gauss_legendre
from ..validation import PhysicsInputError, nonnegative_scalar, positive_scalar


@dataclass
class Detector:
    """A COHERENT detector in one analysis configuration (energies in MeV unless a name says otherwise)."""

    name: str
    targets: list[tuple[Nucleus, float]]  # (nucleus, number of such nuclei in the fiducial mass)
    source: SNSSource
    pulse: ProtonPulse
    recoil_nodes_mev: np.ndarray  # quadrature nodes in T (MeV)
    recoil_weights_mev: np.ndarray  # quadrature weights (MeV)
    energy_edges: np.ndarray  # reconstructed-energy bin edges
    energy_unit: str  # "PE" or "keVee"
    time_edges_us: np.ndarray
    response: np.ndarray  # (n_energy_bins, n_nodes): P(bin | T), efficiency included
    time_fractions: dict[str, np.ndarray]  # flavour -> (n_time_bins,)
    description: str = ""
    settings: dict = field(default_factory=dict)  # the options it was built with, for the record

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.energy_edges) - 1, len(self.time_edges_us) - 1)

    @property
    def flavours(self) -> tuple[str, ...]:
        return FLAVOURS

    def time_fraction_matrix(self) -> np.ndarray:
        """(n_flavours, n_time_bins) time fractions in FLAVOURS order."""
        return np.stack([self.time_fractions[f] for f in FLAVOURS])


def recoil_quadrature(t_low_mev: float, nuclei: list[Nucleus], panel_mev: float, order: int = 8):
    """Gauss-Legendre nodes and weights in T from t_low to the largest kinematic end point.

    Panels break at each nucleus's end points for the 29.8 MeV line and for the 52.8 MeV Michel end point,
    where the recoil spectrum has kinks or steps, so the quadrature converges fast.
    """
    t_low_mev = nonnegative_scalar(t_low_mev, "recoil threshold t_low (MeV)")
    panel_mev = positive_scalar(panel_mev, "quadrature panel width panel_kev")
    t_end = max(float(t_max(E_MICHEL_MAX_MEV, nuc.mass_mev)) for nuc in nuclei)
    if t_low_mev >= t_end:
        raise PhysicsInputError(f"recoil threshold t_low_kev = {1e3 * t_low_mev:g} keV is at or above the largest "
                                f"kinematic end point T_max = {1e3 * t_end:.4g} keV: no recoil can pass it")
    breaks = {t_low_mev}
    for nuc in nuclei:
        for e in (E_NU_MU_LINE_MEV, E_MICHEL_MAX_MEV):
            breaks.add(float(t_max(e, nuc.mass_mev)))
    breaks = np.array(sorted(b for b in breaks if b >= t_low_mev))
    return piecewise_gauss_legendre(breaks, panel_mev, order)


def piecewise_gauss_legendre(breaks, panel_mev, order: int = 8):
    """Gauss-Legendre nodes and weights on the panels between sorted `breaks`, each split into pieces of at most
    `panel_mev` (a number, or one width per interval between breaks)."""
    breaks = np.asarray(breaks, float)
    widths = np.broadcast_to(np.asarray(panel_mev, float), (breaks.size - 1,))
    x, w = gauss_legendre(order)
    nodes, weights = [], []
    for a, b, panel_mev in zip(breaks[:-1], breaks[1:], widths):
        n = max(1, int(np.ceil((b - a) / panel_mev)))
        sub = np.linspace(a, b, n + 1)
        for lo, hi in zip(sub[:-1], sub[1:]):
            half = 0.5 * (hi - lo)
            nodes.append(0.5 * (hi + lo) + half * x)
            weights.append(half * w)
    return np.concatenate(nodes), np.concatenate(weights)


def gauss_legendre_in_bins(edges: np.ndarray, order: int):
    """Nodes (n_bins, order) and weights (n_bins, order) of Gauss-Legendre quadrature within each bin."""
    x, w = gauss_legendre(order)
    half = 0.5 * np.diff(edges)[:, None]
    mid = 0.5 * (edges[1:] + edges[:-1])[:, None]
    return mid + half * x[None, :], half * w[None, :]
