"""Likelihoods: the vectorised profile equals iminuit's minimum; data bookkeeping; fits; bad input."""

import numpy as np
import pytest
from iminuit import Minuit

from cevns_lib.fits import fit, read_profile
from cevns_lib.likelihood import csi_likelihood, lar_likelihood, profile_poisson


def minuit_minimum(lk, signal) -> float:
    names = lk.names

    def f(*a):
        return lk.chi2_at(signal, a)

    m = Minuit(f, *np.zeros(len(names)), name=names)
    m.errordef = Minuit.LEAST_SQUARES
    m.strategy = 2
    m.tol = 1e-7
    m.migrad(ncall=20000)
    assert m.valid
    return m.fval


@pytest.mark.parametrize("factory", [lambda: csi_likelihood("seed000"), lambda: csi_likelihood("seed001"),
                                     lambda: lar_likelihood("seed000")])
def test_vectorised_profile_equals_minuit(factory):
    lk = factory()
    rng = np.random.default_rng(7)
    # random hypotheses: SM scaled per flavour and distorted bin by bin
    hyps = lk.sm_signal[None] * rng.uniform(0.3, 1.8, (4, 3, 1)) * rng.uniform(0.8, 1.2, (4, 1, lk.n_bins))
    fast = lk.chi2_profiled(hyps)
    for h in range(len(hyps)):
        assert fast[h] == pytest.approx(minuit_minimum(lk, hyps[h][None]), abs=1e-6, rel=1e-8)


def test_csi_data_bookkeeping():
    lk = csi_likelihood()
    assert lk.data.sum() == 1578 and lk.backgrounds["ssb"].sum() == 1295  # independent reproduction check
    assert lk.backgrounds["brn"].sum() == pytest.approx(18.4) and lk.backgrounds["nin"].sum() == pytest.approx(5.6)
    assert lk.n_bins == 99 and len(lk.nuisances) == 8


def test_lar_data_bookkeeping():
    lk = lar_likelihood()
    assert lk.data.sum() == pytest.approx(3752, abs=0.5)
    assert lk.backgrounds["ss"].sum() == pytest.approx(3152, abs=0.5)
    assert lk.n_bins == 120 and np.all(lk.variance > 0)


def test_poisson_profile_is_a_minimum():
    lk = csi_likelihood()
    chi2, a = lk.chi2_profiled(lk.sm_signal[None], return_nuisances=True)
    rng = np.random.default_rng(3)
    for _ in range(20):
        assert lk.chi2_at(lk.sm_signal[None], a[0] + rng.normal(0, 1e-3, a.shape[1])) >= chi2[0] - 1e-9


def test_fitted_counts_against_coherent():
    csi = fit("csi", "cevns")
    assert abs(csi["best"] - 306.0) < 0.3 * 20.0  # COHERENT: 306 +- 20
    lar = fit("lar", "cevns")
    assert 100 < lar["best"] < 250 and lar["minus"] > 0 and lar["plus"] > 0
    both = fit("csi+lar", "cevns")
    assert set(both["best"]) == {"csi", "lar"}


def test_sin2_fit():
    res = fit("csi+lar", "sin2thetaW")
    assert res["best"] - res["minus"] < 0.2387 < res["best"] + res["plus"] + 0.05
    assert set(res) >= {"dataset", "param", "best", "minus", "plus", "chi2_min", "ndof"}


def test_read_profile_on_a_parabola():
    x = np.linspace(-3, 5, 81)
    best, lo, hi, cmin = read_profile(x, 7.0 + ((x - 1.234) / 0.5) ** 2)
    assert best == pytest.approx(1.234, abs=1e-9) and cmin == pytest.approx(7.0)
    assert lo == pytest.approx(0.734, abs=1e-6) and hi == pytest.approx(1.734, abs=1e-6)


def test_bad_input():
    lk = csi_likelihood()
    with pytest.raises(ValueError, match="bins"):
        lk.chi2_profiled(np.ones(98))
    with pytest.raises(ValueError, match="negative"):
        lk.chi2_profiled(-lk.sm_signal[None])
    with pytest.raises(ValueError, match="NaN"):
        lk.chi2_profiled(np.full((2, 99), np.nan))
    with pytest.raises(ValueError, match="unknown data set"):
        fit("xenon", "cevns")
    with pytest.raises(ValueError, match="unknown fit parameter"):
        fit("csi", "mass")
    with pytest.raises(ValueError, match="configuration"):
        csi_likelihood("seed002")
    with pytest.raises(ValueError, match="templates"):
        profile_poisson(np.ones((2, 5)), np.ones((2, 3, 4)), np.ones(5), np.ones(3))


def test_no_nuisances_is_the_plain_deviance():
    from cevns_lib.fits import without
    from cevns_lib.likelihood import poisson_deviance

    lk = csi_likelihood()
    bare = without(lk, *lk.names)
    s = lk._as_signal(lk.sm_signal[None])
    expect = poisson_deviance(s.sum(axis=1) + lk.expected_background()[None], lk.data)
    np.testing.assert_allclose(bare.chi2_profiled(lk.sm_signal[None]), expect, rtol=1e-12)
    # profiling can only lower chi^2
    assert lk.chi2_profiled(lk.sm_signal[None])[0] <= expect[0] + 1e-9


def test_far_from_sm_profile_matches_minuit():
    # prompt flux doubled, delayed halved: the templates reach the empty bins; profile and iminuit still agree
    lk = csi_likelihood()
    hyp = lk.sm_signal[None] * np.array([1.17, 1.92, 0.55])[None, :, None]
    assert lk.chi2_profiled(hyp)[0] == pytest.approx(minuit_minimum(lk, hyp), abs=1e-6)


@pytest.mark.parametrize("factory", [lambda: csi_likelihood("seed000"), lambda: csi_likelihood("seed001"),
                                     lambda: lar_likelihood("seed000")])
def test_compiled_kernels_equal_numpy_reference(factory):
    from cevns_lib.likelihood import kernels

    if not kernels.AVAILABLE:
        pytest.skip("numba not installed")
    lk = factory()
    rng = np.random.default_rng(11)
    hyps = lk.sm_signal[None] * rng.uniform(0.3, 1.8, (300, 3, 1)) * rng.uniform(0.8, 1.2, (300, 1, lk.n_bins))
    es = 0.05 * lk.sm_signal[None] * rng.uniform(0.5, 1.5, (300, 3, 1))  # exercise the "+ES" slot too
    c1, a1 = lk.chi2_profiled(hyps, es, return_nuisances=True, backend="compiled")
    c2, a2 = lk.chi2_profiled(hyps, es, return_nuisances=True, backend="numpy")
    np.testing.assert_allclose(c1, c2, rtol=0, atol=1e-8)
    np.testing.assert_allclose(a1, a2, rtol=0, atol=1e-4)
    with pytest.raises(ValueError, match="backend"):
        lk.chi2_profiled(hyps[:1], backend="gpu")
