"""cevns_lib.special (the normal CDF, its logarithm and ln Gamma without scipy) against scipy.special, which
computes them independently (cephes / xsf), and against hand-checkable values."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special as sp

from cevns_lib.special import LOG_NDTR_ASYMPTOTIC_BELOW, gammaln, log_ndtr, ndtr


def test_hand_values():
    assert ndtr(0.0) == 0.5
    assert ndtr(1.959963984540054) == pytest.approx(0.975, rel=1e-15)
    assert log_ndtr(0.0) == pytest.approx(math.log(0.5), rel=1e-15)
    assert gammaln(5.0) == pytest.approx(math.log(24.0), rel=1e-15)
    assert gammaln(0.5) == pytest.approx(0.5 * math.log(math.pi), rel=1e-15)


def test_shapes_and_scalars():
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    for f in (ndtr, log_ndtr):
        assert f(x).shape == (3, 4) and f(1.0).shape == ()
    assert gammaln(x + 4).shape == (3, 4)


def test_against_scipy_on_a_wide_grid():
    x = np.concatenate([np.linspace(-45, 12, 20001), np.random.default_rng(0).normal(0, 3, 5000)])
    np.testing.assert_allclose(ndtr(x), sp.ndtr(x), rtol=1e-13, atol=1e-300)  # subnormals
    np.testing.assert_allclose(log_ndtr(x), sp.log_ndtr(x), rtol=1e-13, atol=1e-300)
    y = np.concatenate([np.linspace(1e-3, 300, 20001), [1.0, 2.0]])  # near the zeros of ln Gamma: absolute
    np.testing.assert_allclose(gammaln(y), sp.gammaln(y), rtol=1e-13, atol=1e-14)


@settings(max_examples=200, deadline=None)
@given(st.floats(-60.0, LOG_NDTR_ASYMPTOTIC_BELOW + 5.0))
def test_log_ndtr_continuous_across_the_asymptotic_switch(x):
    assert log_ndtr(x) == pytest.approx(sp.log_ndtr(x), rel=1e-13)


def test_upper_tail_keeps_its_small_complement():
    # ln Phi(x) ~ -Phi(-x) for large x: log1p keeps it where log(1 - q) would give 0
    assert log_ndtr(9.0) == pytest.approx(-sp.ndtr(-9.0), rel=1e-12) and log_ndtr(9.0) < 0


def test_gammaln_refuses_nonpositive():
    with pytest.raises(ValueError, match="x must be > 0"):
        gammaln(np.array([1.0, 0.0]))
