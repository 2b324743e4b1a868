"""cevns_lib.brent.minimize_bounded against scipy.optimize.minimize_scalar(method="bounded") (an independent
implementation of the same algorithm and tolerance rule) and against analytic minima."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from cevns_lib.brent import minimize_bounded


def _scipy(f, lo, hi, xatol):
    return minimize_scalar(f, bounds=(lo, hi), method="bounded", options={"xatol": xatol}).x


@settings(max_examples=100, deadline=None)
@given(st.floats(-5, 5), st.floats(0.1, 10), st.floats(1e-8, 1e-3))
def test_quadratic_minimum_matches_scipy_and_the_analytic_one(c, width, xatol):
    f = lambda x: width * (x - c) ** 2 + math.cos(x) * 1e-3  # noqa: E731
    lo, hi = -6.0, 7.0
    x = minimize_bounded(f, lo, hi, xatol=xatol)
    assert x == pytest.approx(_scipy(f, lo, hi, xatol), abs=2 * xatol)
    assert abs(x - c) < 1e-2  # the cosine moves the minimum by < 1e-3 / width


@pytest.mark.parametrize("f, lo, hi, xmin", [
    (lambda x: (x - 0.3) ** 4 + 0.5 * (x - 0.3) ** 2, -1.0, 3.0, 0.3),
    (lambda x: math.exp(x) - 2 * x, -1.0, 3.0, math.log(2.0)),
    (lambda x: -math.sin(x), 0.0, 3.0, math.pi / 2),
    (lambda x: x, -1.0, 3.0, -1.0),  # minimum at the lower end: converges to within xatol of it
    (lambda x: -x, -1.0, 3.0, 3.0),
])
def test_same_iterates_as_scipy(f, lo, hi, xmin):
    x = minimize_bounded(f, lo, hi, xatol=1e-6)
    assert x == _scipy(f, lo, hi, 1e-6)  # same algorithm, same floating-point steps
    assert x == pytest.approx(xmin, abs=1e-5)


def test_library_calibrations_equal_scipy():
    """The two calibrations that use it give what scipy's minimiser gives on the same loss."""
    from cevns_lib import data
    from cevns_lib.detectors.csi import PULSE_SIGMA_US, pulse_mean_from_2017_pdfs
    from cevns_lib.flux import ProtonPulse, time_bin_fractions

    prompt = data.load_table("csi-2017/arrivalTimePDF_promptNeutrinos.txt")
    delayed = data.load_table("csi-2017/arrivalTimePDF_delayedNeutrinos.txt")
    centres = prompt[:, 0]
    edges = np.append(centres - 0.25, centres[-1] + 0.25)

    def loss(mu):
        pulse = ProtonPulse(mu, PULSE_SIGMA_US)
        return float(np.sum((time_bin_fractions("nu_mu", edges, pulse) - prompt[:, 1]) ** 2)
                     + np.sum((time_bin_fractions("nu_e", edges, pulse) - delayed[:, 1]) ** 2))

    assert pulse_mean_from_2017_pdfs() == _scipy(loss, -1.0, 3.0, 1e-6)


def test_bad_input():
    with pytest.raises(ValueError, match="lower bound"):
        minimize_bounded(lambda x: x * x, 1.0, 1.0)
    with pytest.raises(ValueError, match="NaN"):
        minimize_bounded(lambda x: math.nan, 0.0, 1.0)
    with pytest.raises(RuntimeError, match="no convergence"):
        minimize_bounded(lambda x: (x - 0.5) ** 2, 0.0, 1.0, xatol=1e-12, max_evaluations=3)
