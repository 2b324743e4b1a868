"""Hypotheses given as linear combinations of fixed tables (issue 12): `QuadraticCounts.linear_form` and
`Likelihood.chi2_profiled_linear`, whose kernels form each hypothesis in place, and the scans' warm start
extrapolated from the two previous minima."""

import numpy as np
import pytest

from cevns_lib.fits import likelihood
from cevns_lib.likelihood import kernels
from cevns_lib.models.light_mediators import model as mediator
from cevns_lib.models.nsi import VectorNSI
from cevns_lib.rates import engine
from cevns_lib.scans import _quadratic, chi2_grid, chi2_quadratic

pytestmark = pytest.mark.skipif(not kernels.AVAILABLE, reason="numba not installed")
LIKELIHOODS = [("csi", "seed000"), ("csi", "seed001"), ("lar", "seed000"), ("lar", "seed001")]


def _nsi_grid(n=50, half=0.5):
    a = np.linspace(-half, half, n)
    return np.stack(np.meshgrid(a, a, indexing="ij"), -1).reshape(-1, 2)


def test_linear_form_reproduces_counts():
    # coefficients @ tables, written out pair by pair, is the form's counts (with its round-off rule)
    quad = engine("csi").quadratic_counts(VectorNSI(["uV_ee", "dV_ee"]))
    x = np.random.default_rng(2).uniform(-1, 1, (300, 2))
    coef, tables, tol = quad.linear_form(x)
    assert coef.shape == (300, len(quad.pairs)) and tables.shape == (len(quad.pairs), 3, 99)
    xs = np.concatenate([np.ones((300, 1)), x], axis=1)
    for t, (a, b) in enumerate(quad.pairs):  # coefficient of pair (a, b): (2 - delta_ab) x_a x_b
        np.testing.assert_allclose(coef[:, t], (1.0 if a == b else 2.0) * xs[:, a] * xs[:, b], rtol=1e-15)
        np.testing.assert_array_equal(tables[t], quad.pairs[(a, b)].reshape(3, -1))
    scale = np.abs(coef) @ np.abs(tables).reshape(len(quad.pairs), -1).max(axis=1)
    np.testing.assert_allclose(tol, 1e-12 * scale, rtol=1e-14)
    np.testing.assert_allclose(np.einsum("ht,tfb->hfb", coef, tables), quad.counts(x).reshape(300, 3, 99),
                               rtol=0, atol=1e-12 * scale.max())
    # with a batch axis (mediator masses): one set of tables per mass, the couplings of a mass consecutive
    qm = engine("lar").quadratic_counts(mediator("b-l", np.array([1.0, 10.0, 100.0])))
    g2 = np.random.default_rng(3).uniform(0, 1e-8, (3, 4, 1))
    coef, tables, tol = qm.linear_form(g2)
    n_t = len(qm.pairs)
    assert coef.shape == (12, n_t) and tables.shape == (3, n_t, 3, qm.counts(g2)[0, 0, 0].size)
    formed = np.einsum("mgt,mtfb->mgfb", coef.reshape(3, 4, n_t), tables)
    np.testing.assert_allclose(formed.reshape(qm.counts(g2).shape), qm.counts(g2), rtol=1e-13)


@pytest.mark.parametrize("det,config", LIKELIHOODS)
def test_chi2_profiled_linear_equals_formed_hypotheses(det, config):
    lk = likelihood(det, config)
    quad = engine(det).quadratic_counts(VectorNSI(["uV_ee", "dV_ee"]))
    x = _nsi_grid()
    formed = quad.counts(x).reshape(-1, 3, lk.n_bins)
    form = quad.linear_form(x)
    c_lin = lk.chi2_profiled_linear(*form)
    np.testing.assert_allclose(c_lin, lk.chi2_profiled(formed, backend="compiled"), rtol=0, atol=1e-9)
    # known non-negative (as the scans pass it): templates straight from the tables, or the Gaussian projections
    assert quad.positive_semidefinite
    np.testing.assert_allclose(lk.chi2_profiled_linear(*form, nonnegative=True), c_lin, rtol=0, atol=1e-9)
    ref = lk.chi2_profiled(formed, backend="numpy")  # the vectorised reference, cold starts
    near = ref - ref.min() < 100
    assert near.sum() > 1000
    np.testing.assert_allclose(c_lin[near], ref[near], rtol=0, atol=1e-8)


def test_chi2_grid_takes_the_linear_path_with_the_same_result():
    # a (M, g) grid: per-mass tables; the kernels' result is that of the formed counts (numpy reference)
    masses = np.logspace(0, 3, 21)
    g = np.concatenate([[0.0], np.logspace(-6, -3, 99)])
    lin = chi2_grid("b-l", masses, g, "csi+lar")
    ref = 0.0
    for det in ("csi", "lar"):
        lk = likelihood(det, "seed001")
        x = np.broadcast_to((g * g)[None, :, None], (masses.size, g.size, 1))
        counts = _quadratic(det, "b-l", tuple(masses.tolist()), False).counts(x)
        ref = ref + lk.chi2_profiled(counts.reshape(-1, 3, lk.n_bins), backend="numpy").reshape(lin.shape)
    near = ref - ref.min() < 100
    np.testing.assert_allclose(lin[near], ref[near], rtol=0, atol=1e-8)


def test_chi2_quadratic_takes_the_linear_path_with_the_same_result():
    x = _nsi_grid(45)  # 2025 points: the compiled path, each point's counts formed in the kernels
    fused = chi2_quadratic(VectorNSI(["uV_ee", "dV_ee"]), x, "csi+lar")
    chunked = chi2_quadratic(VectorNSI(["uV_ee", "dV_ee"]), x, "csi+lar", chunk=1000)  # 1000 < COMPILED_FROM
    np.testing.assert_allclose(fused, chunked, rtol=0, atol=1e-8)


@pytest.mark.parametrize("det", ["csi", "lar"])
def test_linear_roundoff_negatives_are_zero_real_negatives_raise(det):
    # two large tables that cancel (pair terms ~1e6 x the SM, as deep in a quadratic form's cancellation):
    # 1 x t0 - 1 x t1 = 1e-3 SM, except bin j, which comes out at -1e-6. That is round-off on the scale of the
    # pair terms (tolerance 1e-12 x 2e6 max SM), though far beyond the round-off of the small total: it must be
    # zeroed (the rule of `QuadraticCounts.counts`, written out here), not taken for a real negative
    lk = likelihood(det, "seed000")
    sm = np.array(lk.sm_signal)
    j = int(np.argmax(sm[0]))
    u = np.zeros_like(sm)
    u[0, j] = 1e-3 * sm[0, j] + 1e-6
    tables = np.stack([1e6 * sm + 1e-3 * sm, 1e6 * sm + u])
    n = kernels.COMPILED_FROM
    coef = np.tile([1.0, -1.0], (n, 1))
    tol = 1e-12 * np.abs(coef) @ np.abs(tables).reshape(2, -1).max(axis=1)
    formed = np.einsum("ht,tfb->hfb", coef, tables)
    assert formed[0, 0, j] < -1e-7
    formed[(formed < 0) & (formed >= -tol[:, None, None])] = 0.0
    c = lk.chi2_profiled_linear(coef, tables, tol)
    np.testing.assert_allclose(c, lk.chi2_profiled(formed, backend="numpy"), rtol=0, atol=1e-8)
    coef[7, 1] = -1.001  # a real negative: -1e-3 x 1e6 SM
    with pytest.raises(ValueError, match="negative"):
        lk.chi2_profiled_linear(coef, tables, tol)
    coef[7, 1] = np.nan
    with pytest.raises(ValueError, match="coefficients"):
        lk.chi2_profiled_linear(coef, tables, tol)


def test_chi2_profiled_linear_bad_input():
    lk = likelihood("csi", "seed000")
    tables = np.array(lk.sm_signal[None])
    n = kernels.COMPILED_FROM
    with pytest.raises(ValueError, match="tables must have shape"):
        lk.chi2_profiled_linear(np.ones((n, 1)), tables[:, :2], np.zeros(n))
    with pytest.raises(ValueError, match="coefficients must be"):
        lk.chi2_profiled_linear(np.ones((n, 2)), tables, np.zeros(n))
    with pytest.raises(ValueError, match="coefficients must be"):
        lk.chi2_profiled_linear(np.ones((n, 1)), tables, np.zeros(n - 1))
    with pytest.raises(ValueError, match="at least"):
        lk.chi2_profiled_linear(np.ones((10, 1)), tables, np.zeros(10))
    assert lk.takes_linear(n) and not lk.takes_linear(n - 1)


def test_scan_warm_start_is_extrapolated():
    # along a smooth line the start extrapolated quadratically from the three previous minima is third-order
    # accurate: one Newton step per point from the fourth of each block on (the linear extrapolation from two
    # minima needs ~1.4 on the NSI grid, the previous minimum alone two; a wrong weight or sign more)
    lk = likelihood("csi", "seed000")
    quad = engine("csi").quadratic_counts(VectorNSI(["uV_ee", "dV_ee"]))
    line = np.stack([np.linspace(-0.3, 0.4, 4096), np.full(4096, 0.1)], axis=1)
    factor = lk._kernel_factor
    chi2, _, it = kernels.profile_compiled("poisson", None, None, factor, lk._setup, linear=quad.linear_form(line))
    assert np.all(it >= 1)
    assert it.mean() < 1.3
    # rows of the 400 x 400 NSI grid (spacing 0.0035): the linear extrapolation needs 1.29 steps per point from
    # the fourth of each block on, the quadratic one 1.01-1.02
    a = np.linspace(-0.6, 0.8, 400)
    rows = np.stack(np.meshgrid(np.linspace(0.7, 0.72, 8), a, indexing="ij"), -1).reshape(-1, 2)
    _, _, it_rows = kernels.profile_compiled("poisson", None, None, factor, lk._setup, linear=quad.linear_form(rows),
                                             nonnegative=True)
    assert it_rows.reshape(-1, kernels._module()._BLOCK)[:, 3:].mean() < 1.1
    # the same from the template rows (the scans' path), whose total signals come from the tables
    chi2_rows, _, it_rows = kernels.profile_compiled("poisson", None, None, factor, lk._setup,
                                                     linear=quad.linear_form(line), nonnegative=True)
    assert it_rows.mean() < 1.3
    np.testing.assert_allclose(chi2_rows, chi2, rtol=0, atol=1e-9)
    formed = quad.counts(line).reshape(-1, 3, lk.n_bins)
    ref = lk.chi2_profiled(formed, backend="numpy")
    np.testing.assert_allclose(chi2, ref, rtol=0, atol=1e-8)


def test_unordered_batch_is_profiled_in_locality_order(monkeypatch):
    # random hypotheses: processed in the Morton order of their flavour totals, each warm start is a neighbour's
    # minimum (~2 Newton steps instead of ~3.5); the results, written back in the input's order, are the same
    lk = likelihood("csi", "seed000")
    hyps = lk.sm_signal[None] * np.random.default_rng(5).uniform(0.5, 1.5, (3000, 3, 1))
    factor = lk._kernel_factor
    feats = kernels._features(hyps, lk._setup.data[None])
    order = kernels.locality_order(feats)
    assert order is not None and np.array_equal(np.sort(order), np.arange(3000))
    chi2, nuis, it = kernels.profile_compiled("poisson", hyps, None, factor, lk._setup)
    monkeypatch.setattr(kernels, "LOCALITY_ORDER", False)
    chi2_given, _, it_given = kernels.profile_compiled("poisson", hyps, None, factor, lk._setup)
    assert it.mean() < it_given.mean() - 0.5  # ~2.6 against ~3.5 Newton steps
    np.testing.assert_allclose(chi2, chi2_given, rtol=0, atol=1e-9)
    ref = lk.chi2_profiled(hyps, backend="numpy")
    np.testing.assert_allclose(chi2, ref, rtol=0, atol=1e-8)
    # hypothesis by hypothesis, the same minimum as one profiled alone
    for j in (0, 1234, 2999):
        one = lk.chi2_profiled(hyps[j:j + 1], backend="numpy", return_nuisances=True)
        assert chi2[j] == pytest.approx(one[0][0], abs=1e-8)


def test_scans_keep_their_order():
    lk = likelihood("csi", "seed000")
    quad = engine("csi").quadratic_counts(VectorNSI(["uV_ee", "uV_mumu"]))
    grid = quad.counts(_nsi_grid(60)).reshape(-1, 3, lk.n_bins)
    assert kernels.locality_order(kernels._features(grid, lk._setup.data[None])) is None
    rng = np.random.default_rng(0)
    assert kernels.locality_order(rng.random((kernels.ORDER_FROM - 1, 3))) is None  # too few to reorder
    assert kernels.locality_order(rng.random((kernels.ORDER_FROM, 3))) is not None
    assert kernels.locality_order(np.ones((5000, 3))) is None  # nothing to order by


def test_chi2_quadratic_on_dask_is_identical(monkeypatch):
    # a grid split into Dask tasks (here of 4096 points: 3 tasks, the last joining the one before it when too
    # small for the compiled path) gives the in-process chi^2 bit for bit
    import cevns_lib.scans as scans
    from cevns_lib.parallel import cluster

    x = _nsi_grid(95)  # 9025 points
    here = chi2_quadratic(VectorNSI(["uV_ee", "dV_ee"]), x, "csi+lar")
    monkeypatch.setattr(scans, "DASK_POINTS", 4096)
    with cluster(workers=2) as client:
        there = chi2_quadratic(VectorNSI(["uV_ee", "dV_ee"]), x.reshape(95, 95, 2), "csi+lar", client=client)
    assert there.shape == (95, 95)
    np.testing.assert_array_equal(there.reshape(-1), here)


def test_chi2_quadratic_refuses_a_client_that_is_not_one():
    with pytest.raises(ValueError, match="client must be a dask.distributed.Client"):
        chi2_quadratic(VectorNSI(["uV_ee"]), np.zeros((10, 1)), "csi", client="tcp://127.0.0.1:8786")


@pytest.mark.parametrize("config", ["seed000", "seed001"])
def test_reduced_gaussian_profile_equals_formed_hypotheses(config):
    # LAr with nonnegative=True profiles from the tables' projections (no counts formed): the same chi^2 as the
    # numpy reference of the formed counts, on an NSI grid (one set of tables) and an (M, g) grid (one per mass)
    lk = likelihood("lar", config)
    quad = engine("lar").quadratic_counts(VectorNSI(["uV_ee", "dV_ee"]))
    assert quad.positive_semidefinite
    x = _nsi_grid()
    form = quad.linear_form(x)
    ref = lk.chi2_profiled(quad.counts(x).reshape(-1, 3, lk.n_bins), backend="numpy")
    red = lk.chi2_profiled_linear(*form, nonnegative=True)
    np.testing.assert_allclose(red, lk.chi2_profiled_linear(*form), rtol=1e-13, atol=0)
    near = ref - ref.min() < 100
    np.testing.assert_allclose(red[near], ref[near], rtol=0, atol=1e-8)
    masses, g = np.logspace(0, 3, 21), np.concatenate([[0.0], np.logspace(-6, -3, 99)])
    qm = _quadratic("lar", "b-l", tuple(masses.tolist()), False)
    assert qm.positive_semidefinite
    xg = np.broadcast_to((g * g)[None, :, None], (masses.size, g.size, 1))
    ref = lk.chi2_profiled(qm.counts(xg).reshape(-1, 3, lk.n_bins), backend="numpy")
    red = lk.chi2_profiled_linear(*qm.linear_form(xg), nonnegative=True)
    near = ref - ref.min() < 100
    np.testing.assert_allclose(red[near], ref[near], rtol=0, atol=1e-8)


@pytest.mark.parametrize("statistic", ["gaussian", "poisson"])
def test_nonnegative_paths_every_term(statistic):
    # LAr's kept signal share kappa and the relative parameters' background parts are zero, as is CsI's kept
    # share: a synthetic flavour-blind likelihood that has them (kappa = 1: r.W.r depends on the coefficients
    # through cl and cq; the Poisson base gets the kept-share row), hypotheses from a Gram (positive
    # semi-definite) form of two amplitudes per bin, with a re-timing factor, against the numpy profile of the
    # formed counts
    import dataclasses

    from test_profiler_numerics import _flavour_blind_gaussian

    lk = _flavour_blind_gaussian()
    # a re-timing factor that differs per flavour and bin (LAr has none): the tables' projections must apply it
    lk = dataclasses.replace(lk, signal_factor=np.random.default_rng(12).uniform(0.6, 1.4, (3, lk.n_bins)))
    pr = lk._setup.projection
    assert pr is not None and np.any(pr.kappa != 0)
    if statistic == "poisson":
        lk = dataclasses.replace(lk, statistic="poisson", variance=None, data=np.round(lk.data))
        assert np.any(lk._setup.keep != 0)
    rng = np.random.default_rng(11)
    amp = rng.uniform(0.5, 2.0, (2, 3, lk.n_bins)) * np.sqrt(lk.sm_signal)[None]
    tables = np.stack([amp[0] ** 2, amp[0] * amp[1], amp[1] ** 2])  # pairs (0, 0), (0, 1), (1, 1)
    n = kernels.COMPILED_FROM
    xv = rng.uniform(-1.5, 1.5, n)
    coef = np.stack([np.ones(n), 2.0 * xv, xv * xv], axis=1)
    formed = np.einsum("ht,tfb->hfb", coef, tables)
    assert formed.min() >= 0
    red = lk.chi2_profiled_linear(coef, tables, np.zeros(n), nonnegative=True)
    ref = lk.chi2_profiled(formed, backend="numpy")
    np.testing.assert_allclose(red, ref, rtol=1e-11, atol=0)
    np.testing.assert_allclose(lk.chi2_profiled_linear(coef, tables, np.zeros(n)), ref, rtol=1e-11, atol=0)


def test_positive_semidefinite_forms():
    # physical forms are sums of squared amplitudes; a form with a negative eigenvalue in one bin is not, be it
    # through a diagonal (a negative N_11) or only through an off-diagonal term (N_01^2 > N_00 N_11)
    from cevns_lib.rates import QuadraticCounts

    for det in ("csi", "lar"):
        assert engine(det).quadratic_counts(VectorNSI(["uV_ee", "dV_ee", "uV_mumu"])).positive_semidefinite
    q = engine("csi").quadratic_counts(mediator("b-l", np.array([1.0, 30.0])))
    assert q.positive_semidefinite
    pairs = {k: np.array(v) for k, v in q.pairs.items()}
    assert QuadraticCounts(q.n_params, pairs).positive_semidefinite
    bad = dict(pairs)
    bad[(1, 1)] = bad[(1, 1)].copy()
    bad[(1, 1)][1, 0, 3, 2] *= -1.0
    assert not QuadraticCounts(q.n_params, bad).positive_semidefinite
    full = pairs[(1, 1)].shape  # (masses, 3, n_E, n_t); the SM table has no mass axis
    bad = dict(pairs)
    bad[(0, 1)] = np.broadcast_to(pairs[(0, 1)], full).copy()
    j = (0, 0, 3, 2)
    bad[(0, 1)][j] = -1.01 * np.sqrt(np.broadcast_to(pairs[(0, 0)], full)[j] * pairs[(1, 1)][j])
    assert not QuadraticCounts(q.n_params, bad).positive_semidefinite


def test_compile_all_refuses_an_unknown_part():
    with pytest.raises(ValueError, match="part must be"):
        kernels.compile_all("lar")
