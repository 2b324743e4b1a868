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
from .validation import check_model, check_quadratic_parameters


class RateEngine:
    """Precomputes flux moments on a detector's recoil grid; contracts any model with them."""

    def __init__(self, detector: Detector):
        self.detector = detector
        t = detector.recoil_nodes_mev
        scale = detector.source.fluence_per_cm2 * HBARC2_MEV2_CM2
        # W[n, f, k, j] = N_n Phi (hbar c)^2 w_j M_k^{(n,f)}(T_j): everything but the model's c_k(T_j); N_n is a
        # number of nuclei, or per node (n_nodes,) for atomic electrons: N_atoms Z_eff(T_j) (stepping approximation)
        self.weights = np.stack([
            np.stack([n_targets * scale * detector.recoil_weights_mev
                      * energy_moments(f, e_min(t, nuc.mass_mev), LAURENT_POWERS) for f in FLAVOURS])
            for nuc, n_targets in detector.targets
        ])
        self.response = detector.response
        self.time_fractions = detector.time_fraction_matrix()

    def coefficients(self, model) -> np.ndarray:
        """c[..., n, f, k, j]: the model's Laurent coefficients at every (nucleus, flavour, node)."""
        check_model(model)
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
        if getattr(model, "has_own_threshold", False):  # up-scattering terms: through their thresholds
            quad = self.quadratic_counts(model)
            x = np.broadcast_to(np.asarray(model.parameter_values, float), quad.batch_shape + (quad.n_params,))
            return quad.counts(x)
        spec = self.recoil_spectrum(model)
        return np.einsum("ij,...fj,ft->...fit", self.response, spec, self.time_fractions)

    def total(self, model=None) -> float | np.ndarray:
        return self.counts(model).sum(axis=(-3, -2, -1))

    def threshold_weights(self, structure) -> np.ndarray:
        """W[..., n, f, k, j] as `weights` but with the flux integrated above structure.threshold(T, M), the
        minimum neutrino energy of a massive final state (shape (*batch, nT): one threshold per m_X)."""
        t = self.detector.recoil_nodes_mev
        scale = self.detector.source.fluence_per_cm2 * HBARC2_MEV2_CM2
        per_nucleus = []
        for nuc, n_targets in self.detector.targets:
            e0 = np.asarray(structure.threshold(t, nuc.mass_mev), float)
            mom = [np.moveaxis(energy_moments(f, e0, LAURENT_POWERS), 0, -2) for f in FLAVOURS]  # (*b, k, nT)
            per_nucleus.append(n_targets * scale * self.detector.recoil_weights_mev * np.stack(mom, axis=-3))
        return np.stack(np.broadcast_arrays(*per_nucleus), axis=-4)

    def quadratic_counts(self, model, n_params: int | None = None) -> "QuadraticCounts":
        """Counts as a quadratic form in the model's parameters x = (1, x_1..x_P), all pairs in one pass.

        Uses `model.amplitude_terms`: dsigma/dT = sum_terms K (sum_a x_a A_a)^2, so
        N(x) = sum_{a,b} x_a x_b N_ab with N_ab the counts of K A_a A_b. Any grid of parameter values then costs
        one multiply-add per pair, without the engine. Amplitudes may carry leading batch axes (e.g. a mediator
        mass grid); they broadcast against each other.
        Targets may be nuclei or atomic electrons (`model.terms_for` picks the model's terms for each);
        n_params: the model's number of parameters P when this detector's targets see fewer of them (e.g. the
        electrons of CsI for a model that changes only the nuclear couplings), so that counts(x) takes the same x.

        Each term's kinematics is folded with the flux weights once, G[n, f, j] = sum_k K_k(T_j) W[n, f, k, j]
        (`kinematic_weights`, cached per structure for the massless final state); a pair's recoil spectrum is
        then sum_{n, terms} A_a A_b G, and the response and time fractions are applied to all pairs at once.
        """
        check_model(model)
        t = self.detector.recoil_nodes_mev
        terms_of = getattr(model, "terms_for", model.amplitude_terms)
        per_nf = [[terms_of(nuc, f, t) for f in FLAVOURS] for nuc, _ in self.detector.targets]
        n_amp = max(len(amps) for nf in per_nf for terms in nf for _, amps in terms)
        n_amp = max(n_amp, 1 + (n_params or 0))
        # terms are grouped by their flux threshold: None (massless final state, the precomputed weights) or a
        # structure with its own threshold E_min(T; m_X) (up-scattering, `kinematics.MassiveFinalState`)
        threshold_weights = {}
        spectra = {}  # (a, b) -> {flavour index: recoil spectrum (..., nT)}
        for n, ((nuc, _), nf) in enumerate(zip(self.detector.targets, per_nf)):
            for fi, terms in enumerate(nf):
                for name, amps in terms:
                    present = [i for i, amp in enumerate(amps) if amp is not None]
                    if not present:
                        continue
                    if hasattr(name, "threshold"):
                        if name not in threshold_weights:
                            threshold_weights[name] = self.threshold_weights(name)
                        g = _fold(kinematics(name, t, nuc.mass_mev), threshold_weights[name][..., n, fi, :, :])
                    else:
                        g = self.kinematic_weights(name)[n, fi]
                    for ia, a in enumerate(present):
                        amp_a = np.asarray(amps[a])
                        for b in present[ia:]:
                            part = amp_a * np.asarray(amps[b]) * g
                            row = spectra.setdefault((a, b), {})
                            row[fi] = part if fi not in row else row[fi] + part
        keys = sorted(spectra)
        if not keys:
            raise ValueError(f"model {getattr(model, 'name', model)!r} has no amplitude on {self.detector.name}")
        zero = np.zeros(t.size)
        pairs = {}
        for k in keys:  # each pair keeps its own batch shape (the SM pair (0, 0) none)
            spec = np.stack(np.broadcast_arrays(*[spectra[k].get(fi, zero) for fi in range(len(FLAVOURS))]), axis=-2)
            pairs[k] = np.matmul(spec, self.response.T)[..., None] * self.time_fractions[:, None, :]
        return QuadraticCounts(n_amp - 1, pairs, nonnegative=getattr(model, "squared_couplings", False))

    def kinematic_weights(self, name) -> np.ndarray:
        """G[n, f, j] = sum_k K_k(T_j; M_n) W[n, f, k, j]: the flux weights folded with the Laurent coefficients
        of the kinematic structure `name` (massless final state), computed once per structure and engine."""
        cache = self.__dict__.setdefault("_kinematic_weights", {})
        if name not in cache:
            t = self.detector.recoil_nodes_mev
            g = np.stack([_fold(kinematics(name, t, nuc.mass_mev), self.weights[n])
                          for n, (nuc, _) in enumerate(self.detector.targets)])
            g.flags.writeable = False
            cache[name] = g
        return cache[name]


def _fold(kin: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """sum_k K_k(T_j) W[..., k, j] over the Laurent powers: (..., nT) (or (..., 3, nT) for weights (..., 3, k, nT))."""
    return np.einsum("...kj,...kj->...j", kin, weights)


#: QuadraticCounts.counts makes outputs of up to this many counts with numpy's einsum loop, larger ones with BLAS
SMALL_PRODUCT = 2**18
#: a count below zero by at most this fraction of sum_ab |w_ab| max|N_ab| (its pair terms' scale) is round-off
PAIR_ROUNDOFF = 1e-12


class QuadraticCounts:
    """N(x) = sum_{a <= b} (2 - delta_ab) x_a x_b N_ab with x_0 = 1: expected counts for any parameter values."""

    def __init__(self, n_params: int, pairs: dict, nonnegative: bool = False):
        self.n_params = n_params
        self.nonnegative = nonnegative  # the parameters are squared couplings (g^2, (g/M)^2): x >= 0
        self.pairs = pairs
        self.batch_shape = np.broadcast_shapes(*(c.shape[:-3] for c in pairs.values()))
        self._bins = next(iter(pairs.values())).shape[-3:]

    def _weights(self, x):
        """The pair weights w (*batch, n_extra, n_pairs) = x_a x_b (2 - delta_ab) of parameter values x, and the
        extra shape."""
        x = check_quadratic_parameters(x, self.n_params, self.nonnegative)
        if x.shape[-1:] != (self.n_params,):
            raise ValueError(f"expected {self.n_params} parameter values in the last axis, got shape {x.shape}")
        nb = len(self.batch_shape)
        if x.ndim - 1 < nb:
            raise ValueError(f"parameter array of shape {x.shape} lacks the model's batch axes {self.batch_shape}")
        extra_shape = x.shape[nb:-1]
        xs = np.concatenate([np.ones(x.shape[:-1] + (1,)), x], axis=-1)
        ia, ib, mult, _, _ = self._stacked
        w = xs[..., ia] * xs[..., ib] * mult  # (*batch, *extra, n_pairs)
        n_e = int(np.prod(extra_shape, dtype=int))
        return w.reshape(x.shape[:nb] + (n_e, ia.size)), extra_shape

    def counts(self, x) -> np.ndarray:
        """x: (*batch, *extra, P) with `batch` the amplitudes' batch shape (e.g. masses) and any extra axes
        (e.g. couplings); returns (*batch, *extra, 3, n_E, n_t)."""
        w, extra_shape = self._weights(x)
        nb = len(self.batch_shape)
        _, _, _, table, bound = self._stacked
        # (*batch, n_extra, 3 n_E n_t): one matrix product. Small products (a 601-point coupling scan) take
        # numpy's own loop: as fast as BLAS there, and unlike BLAS's threads not slowed 10x when other processes
        # hold the cores (benchmarks/README.md); large ones take BLAS (2x faster than the loop)
        if w.shape[-2] * table.shape[-1] * max(1, int(np.prod(w.shape[:-2], dtype=int))) <= SMALL_PRODUCT:
            out = np.einsum("...ep,...pf->...ef", w, table)
        else:
            out = np.matmul(w, table)
        # round-off: a count that is a cancelling sum of pair terms can come out a few ulp below zero (checked
        # with one reduction first: most grids have no negative count, and the masks cost 4 passes over `out`)
        if out.size and out.min() < 0:
            tol = self._roundoff(w, bound)[..., None]
            out[(out < 0) & (out >= -tol)] = 0.0
        return out.reshape(out.shape[:nb] + extra_shape + self._bins)

    @staticmethod
    def _roundoff(w, bound):
        """The round-off scale of each point's counts: PAIR_ROUNDOFF x sum_ab |w_ab| max|N_ab|."""
        return PAIR_ROUNDOFF * (np.abs(w) @ bound)[..., 0]

    def linear_form(self, x):
        """The counts as linear combinations of the pair tables: coefficients (n, n_pairs), tables and the
        round-off tolerance (n,), such that the counts of point h are coefficients[h] @ tables (of its batch
        entry), a negative within the tolerance of zero being set to zero (as `counts` does).

        x as for `counts`; n = the points of x flattened, batch-major. tables: (n_pairs, 3, n_E n_t) for a form
        without batch axes, else (n_batch, n_pairs, 3, n_E n_t) with the batch axes flattened (the n / n_batch
        consecutive points of a batch entry share its tables). `Likelihood.chi2_profiled_linear` takes the three
        as they are (its kernels form each point's counts in place)."""
        w, _ = self._weights(x)
        _, _, _, table, bound = self._stacked
        tol = self._roundoff(w, bound)
        tables = table.reshape(table.shape[:-1] + (self._bins[0], -1))
        if self.batch_shape != ():
            tables = tables.reshape((-1,) + tables.shape[-3:])
        return w.reshape(-1, w.shape[-1]), tables, tol.reshape(-1)

    @functools.cached_property
    def positive_semidefinite(self) -> bool:
        """Whether N(x) >= 0 in every bin for every real x, to round-off: in every bin (and batch entry) the
        (P + 1) x (P + 1) matrix of the pair counts N_ab is positive semi-definite. Tested on the Jacobi-scaled
        matrix N_ab / sqrt(N_aa N_bb) (unit diagonal), whose smallest eigenvalue must lie above -PAIR_ROUNDOFF:
        then N(x) >= -PAIR_ROUNDOFF sum_a x_a^2 N_aa, within the round-off tolerance of `counts`, however
        differently the pairs are scaled (a mediator's N_11 can exceed the SM's N_00 by 1e17). A parameter whose
        N_aa vanishes in a bin must have N_ab = 0 there. True for counts that are sums of squared amplitudes
        (every model here: the flux, cross-section and response weights are >= 0); the counts of any parameter
        values, and so of `linear_form`'s coefficients, then need no check
        (`Likelihood.chi2_profiled_linear(..., nonnegative=True)`)."""
        ia, ib, _, table, _ = self._stacked
        n = self.n_params + 1
        mat = np.zeros(table.shape[:-2] + (table.shape[-1], n, n))
        for t, (a, b) in enumerate(zip(ia, ib)):
            mat[..., a, b] = mat[..., b, a] = table[..., t, :]
        if not np.all(np.isfinite(mat)):
            return False
        diag = np.diagonal(mat, axis1=-2, axis2=-1)
        if np.any(diag < -PAIR_ROUNDOFF * np.abs(diag).max(axis=tuple(range(diag.ndim - 1)))):
            return False
        root = np.sqrt(np.maximum(diag, 0.0))
        denom = root[..., :, None] * root[..., None, :]
        if np.any((denom == 0) & (mat != 0) & ~np.eye(n, dtype=bool)):
            return False
        scaled = np.divide(mat, denom, out=np.zeros_like(mat), where=denom > 0)
        return bool(np.all(np.linalg.eigvalsh(scaled)[..., 0] >= -PAIR_ROUNDOFF))

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


#: detectors whose electron recoils enter the analysis: CsI has no pulse-shape selection; the LAr analysis's F90
#: selection keeps nuclear recoils only, so its electron recoils (F90 ~ 0.3) are removed with the ER background
ELECTRON_DETECTORS = ("csi",)
_ELECTRON_ENGINES: dict[str, RateEngine] = {}


def electron_engine(name: str) -> RateEngine | None:
    """The cached RateEngine of the atomic electrons of detector `name` ('csi'), or None where the analysis
    removes electron recoils ('lar')."""
    if name not in ("csi", "lar"):
        raise ValueError(f"unknown detector {name!r}; choose from ['csi', 'lar']")
    if name not in ELECTRON_DETECTORS:
        return None
    if name not in _ELECTRON_ENGINES:
        from .detectors.csi import csi_2021_electrons

        _ELECTRON_ENGINES[name] = RateEngine(csi_2021_electrons())
    return _ELECTRON_ENGINES[name]


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
