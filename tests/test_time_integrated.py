"""likelihood.rebin: a likelihood summed over its time bins (the energy-only fit), and its scan option."""

import dataclasses

import numpy as np
import pytest

from cevns_lib import scans
from cevns_lib.fits import likelihood
from cevns_lib.likelihood.base import Likelihood, Nuisance
from cevns_lib.likelihood.profile import poisson_deviance
from cevns_lib.likelihood.rebin import integrate_signal, time_integrated
from cevns_lib.rates import engine


def test_sums_data_backgrounds_and_templates_over_time():
    lk = likelihood("csi", "seed001")
    ti = time_integrated(lk)
    n_e, n_t = lk.shape
    assert ti.shape == (n_e, 1) and ti.n_bins == n_e and ti.signal_factor is None
    np.testing.assert_array_equal(ti.data, lk.data.reshape(n_e, n_t).sum(axis=1))
    assert ti.data.sum() == lk.data.sum()
    for k, v in lk.backgrounds.items():
        np.testing.assert_allclose(ti.backgrounds[k], np.asarray(v).reshape(n_e, n_t).sum(axis=1))
    for a, b in zip(lk.nuisances, ti.nuisances):
        assert (a.name, a.sigma) == (b.name, b.sigma)
    assert time_integrated(lk) is ti  # cached


def test_signal_is_retimed_before_the_sum():
    lk = likelihood("csi", "seed001")
    s = engine("csi").counts()[None]  # (1, 3, nE, nt)
    got = integrate_signal(lk, s)
    want = (s.reshape(1, 3, -1) * lk.signal_factor).reshape(1, 3, *lk.shape).sum(axis=-1)
    np.testing.assert_allclose(got, want, rtol=1e-13)
    assert not np.allclose(got, s.sum(axis=-1))  # the re-timing matters (the in-situ time origin)


def test_time_integrated_poisson_chi2_by_hand():
    """Without nuisances the time-integrated Poisson chi^2 is the deviance of the PE projection."""
    lk = dataclasses.replace(likelihood("csi", "seed001"), nuisances=[])
    s = engine("csi").counts()[None]
    s_e = integrate_signal(lk, s)
    ti = time_integrated(lk)
    mu = s_e.sum(axis=1)[0] + sum(ti.backgrounds.values())
    data = lk.data.reshape(lk.shape).sum(axis=1)
    by_hand = 2 * np.sum(mu - data + np.where(data > 0, data * np.log(np.where(data > 0, data, 1) / mu), 0))
    assert ti.chi2_profiled(s_e)[0] == pytest.approx(by_hand, rel=1e-10)
    assert poisson_deviance(mu[None], data)[0] == pytest.approx(by_hand, rel=1e-10)


def test_time_dependent_relative_template_refused():
    with pytest.raises(ValueError, match="depends on time"):
        time_integrated(likelihood("csi", "seed000"))
    with pytest.raises(ValueError, match="Likelihood"):
        time_integrated("csi")


def test_scan_option_equals_the_integrated_likelihood():
    g = np.array([0.0, 3e-5, 6e-5])
    got = scans.chi2_grid("b-3le", [1.0], g, "csi", likelihood_options={"csi": {"time_integrated": True}})[0]
    lk = likelihood("csi", "seed001")
    c = scans._quadratic("csi", "b-3le", (1.0,), False, None).counts((g * g)[..., None])
    want = time_integrated(lk).chi2_profiled(integrate_signal(lk, c.reshape((-1,) + c.shape[-3:])))
    np.testing.assert_allclose(got, want, rtol=1e-10)
    full = scans.chi2_grid("b-3le", [1.0], g, "csi")[0]
    assert not np.allclose(got - got[0], full - full[0])  # the time information changes the profile


def test_gaussian_variances_add():
    """LAr without nuisances: the integrated Gaussian chi^2 is sum (mu - n)^2 / var over the energy projection."""
    lk = dataclasses.replace(likelihood("lar", "seed001"), nuisances=[])
    ti = time_integrated(lk)
    n_e, n_t = lk.shape
    np.testing.assert_allclose(ti.variance, lk.variance.reshape(n_e, n_t).sum(axis=1))
    s = engine("lar").counts()[None]
    s_e = integrate_signal(lk, s)
    mu = s_e.sum(axis=1)[0] + sum(ti.backgrounds.values())
    data = lk.data.reshape(n_e, n_t).sum(axis=1)
    var = lk.variance.reshape(n_e, n_t).sum(axis=1)
    assert ti.chi2_profiled(s_e)[0] == pytest.approx(np.sum((mu - data) ** 2 / var), rel=1e-10)
