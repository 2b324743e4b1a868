r"""Binned expected CEvNS counts as a contraction over precomputed grids.

For a detector with targets n (N_n nuclei each), fluence Phi per flavour f, recoil quadrature (T_j, w_j),
response R_{i j} = P(energy bin i | T_j) and time fractions tau_{f t}, the expected counts are

    N_{f i t} = tau_{f t} sum_j R_{i j} w_j Phi sum_n N_n sum_k c^{(n, f)}_k(T_j) M^{(n, f)}_k(T_j),

where dsigma/dT = sum_k c_k(T) E^k is the model's cross section (see `cross_section`) and
M_k(T) = int_{E_min(T)} f(E) E^k dE are the flux moments, computed exactly once per detector.
`RateEngine.counts` evaluates this with one einsum; a model whose charges carry leading batch dimensions
(a grid of couplings) gives a batch of predictions in the same call.
"""

from __future__ import annotations

import functools

import numpy as np

from .constants import HBARC2_MEV2_CM2
from .cross_section import LAURENT_POWERS, StandardModel, e_min, kinematics
from .detectors.base import Detector
from .flux import FLAVOURS, energy_moments


class RateEngine:
    """Precomputes flux moments on a detector's recoil grid; contracts any model with them."""

    def __init__(self, detector: Detector):
        self.detector = detector
        t = detector.recoil_nodes_mev
        scale = detector.source.fluence_per_cm2 * HBARC2_MEV2_CM2
        # W[n, f, k, j] = N_n Phi (hbar c)^2 w_j M_k^{(n,f)}(T_j): everything but the model's c_k(T_j)
        self.weights = np.stack([
            np.stack([n_targets * scale * detector.recoil_weights_mev
                      * energy_moments(f, e_min(t, nuc.mass_mev), LAURENT_POWERS) for f in FLAVOURS])
            for nuc, n_targets in detector.targets
        ])
        self.response = detector.response
        self.time_fractions = detector.time_fraction_matrix()

    def coefficients(self, model) -> np.ndarray:
        """c[..., n, f, k, j]: the model's Laurent coefficients at every (nucleus, flavour, node)."""
        t = self.detector.recoil_nodes_mev
        per_nucleus = [np.stack([model.coefficients(nuc, f, t) for f in FLAVOURS], axis=-3)
                       for nuc, _ in self.detector.targets]
        return np.stack(per_nucleus, axis=-4)

    def recoil_spectrum(self, model=None) -> np.ndarray:
        """Expected events per quadrature node, (..., n_flavours, n_nodes) (sum over nodes = total before cuts)."""
        c = self.coefficients(model or StandardModel())
        return np.einsum("...nfkj,nfkj->...fj", c, self.weights)

    def counts(self, model=None) -> np.ndarray:
        """Expected counts (..., n_flavours, n_energy_bins, n_time_bins)."""
        spec = self.recoil_spectrum(model)
        return np.einsum("ij,...fj,ft->...fit", self.response, spec, self.time_fractions)

    def total(self, model=None) -> float | np.ndarray:
        return self.counts(model).sum(axis=(-3, -2, -1))

    def _contract(self, coeff: np.ndarray) -> np.ndarray:
        """Counts (..., 3, n_E, n_t) for Laurent coefficients (..., n, f, k, j)."""
        spec = np.einsum("...nfkj,nfkj->...fj", coeff, self.weights)
        return np.einsum("ij,...fj,ft->...fit", self.response, spec, self.time_fractions)

    def quadratic_counts(self, model) -> "QuadraticCounts":
        """Counts as a quadratic form in the model's parameters x = (1, x_1..x_P): one contraction per pair.

        Uses `model.amplitude_terms`: dsigma/dT = sum_terms K (sum_a x_a A_a)^2, so
        N(x) = sum_{a,b} x_a x_b N_ab with N_ab the counts of K A_a A_b. Any grid of parameter values then costs
        one multiply-add per pair, without the engine. Amplitudes may carry leading batch axes (e.g. a mediator
        mass grid); they broadcast against each other.
        """
        t = self.detector.recoil_nodes_mev
        per_nf = [[model.amplitude_terms(nuc, f, t) for f in FLAVOURS] for nuc, _ in self.detector.targets]
        n_amp = max(len(amps) for nf in per_nf for terms in nf for _, amps in terms)
        pairs = {}
        for a in range(n_amp):
            for b in range(a, n_amp):
                blocks, any_term = [], False
                for (nuc, _), nf in zip(self.detector.targets, per_nf):
                    row = []
                    for terms in nf:
                        c = np.zeros((len(LAURENT_POWERS), t.size))
                        for name, amps in terms:
                            if a < len(amps) and b < len(amps) and amps[a] is not None and amps[b] is not None:
                                prod = np.asarray(amps[a]) * np.asarray(amps[b])
                                c = c + prod[..., None, :] * kinematics(name, t, nuc.mass_mev)
                                any_term = True
                        row.append(c)
                    blocks.append(np.stack(np.broadcast_arrays(*row), axis=-3))
                if any_term:
                    pairs[(a, b)] = self._contract(np.stack(np.broadcast_arrays(*blocks), axis=-4))
        return QuadraticCounts(n_amp - 1, pairs)


class QuadraticCounts:
    """N(x) = sum_{a <= b} (2 - delta_ab) x_a x_b N_ab with x_0 = 1: expected counts for any parameter values."""

    def __init__(self, n_params: int, pairs: dict):
        self.n_params = n_params
        self.pairs = pairs
        self.batch_shape = np.broadcast_shapes(*(c.shape[:-3] for c in pairs.values()))
        self._bins = next(iter(pairs.values())).shape[-3:]

    def counts(self, x) -> np.ndarray:
        """x: (*batch, *extra, P) with `batch` the amplitudes' batch shape (e.g. masses) and any extra axes
        (e.g. couplings); returns (*batch, *extra, 3, n_E, n_t)."""
        x = np.asarray(x, dtype=float)
        if x.shape[-1:] != (self.n_params,):
            raise ValueError(f"expected {self.n_params} parameter values in the last axis, got shape {x.shape}")
        nb = len(self.batch_shape)
        if x.ndim - 1 < nb:
            raise ValueError(f"parameter array of shape {x.shape} lacks the model's batch axes {self.batch_shape}")
        extra_shape = x.shape[nb:-1]
        xs = np.concatenate([np.ones(x.shape[:-1] + (1,)), x], axis=-1)
        ia, ib, mult, table, bound = self._stacked
        w = xs[..., ia] * xs[..., ib] * mult  # (*batch, *extra, n_pairs)
        n_e = int(np.prod(extra_shape, dtype=int))
        w = w.reshape(x.shape[:nb] + (n_e, ia.size))
        out = np.matmul(w, table)  # (*batch, n_extra, 3 n_E n_t): one matrix product
        # round-off: a count that is a cancelling sum of pair terms can come out a few ulp below zero
        tol = 1e-12 * (np.abs(w) @ bound)
        out[(out < 0) & (out >= -tol)] = 0.0
        return out.reshape(out.shape[:nb] + extra_shape + self._bins)

    @functools.cached_property
    def _stacked(self):
        """Pair indices, multiplicities (2 - delta_ab), the pair counts stacked (*batch, n_pairs, 3 n_E n_t)
        and each pair's largest |count| (for the round-off scale)."""
        keys = list(self.pairs)
        ia = np.array([a for a, _ in keys], dtype=int)
        ib = np.array([b for _, b in keys], dtype=int)
        mult = np.where(ia == ib, 1.0, 2.0)
        blocks = [np.broadcast_to(c, self.batch_shape + c.shape[-3:]) for c in self.pairs.values()]
        table = np.stack(blocks, axis=len(self.batch_shape))
        table = np.ascontiguousarray(table.reshape(table.shape[:-3] + (-1,)))
        bound = np.abs(table).max(axis=-1)[..., None]
        return ia, ib, mult, table, bound


_ENGINES: dict[str, RateEngine] = {}


def get_detector(name: str, **options) -> Detector:
    """'csi' (CsI[Na] 2021) or 'lar' (LAr 2020), built with optional detector options."""
    from .detectors import csi_2021, lar_2020

    builders = {"csi": csi_2021, "lar": lar_2020}
    if name not in builders:
        raise ValueError(f"unknown detector {name!r}; choose from {sorted(builders)}")
    return builders[name](**options)


def engine(name: str) -> RateEngine:
    """The cached nominal RateEngine of detector 'csi' or 'lar'."""
    if name not in _ENGINES:
        _ENGINES[name] = RateEngine(get_detector(name))
    return _ENGINES[name]


def predict(detector: str = "csi", model=None) -> dict:
    """SM (or `model`) expected CEvNS counts of a detector: total, by flavour, binned table (flavour-summed)."""
    eng = engine(detector)
    n = eng.counts(model)
    return {
        "detector": detector,
        "cevns_total": float(n.sum()),
        "by_flavour": {f: float(n[i].sum()) for i, f in enumerate(FLAVOURS)},
        "binned": n.sum(axis=0),
        "energy_edges": eng.detector.energy_edges,
        "energy_unit": eng.detector.energy_unit,
        "time_edges_us": eng.detector.time_edges_us,
    }
