"""Form factors: normalisation, rms radius, Helm against its analytic form, SF against its density."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.special import spherical_jn

from cevns_lib import form_factors as ff
from cevns_lib.constants import HBARC_MEV_FM
from cevns_lib.validation import PhysicsInputError

SHAPES = ["helm", "klein_nystrand", "symmetrized_fermi"]


@pytest.mark.parametrize("name", SHAPES)
@given(radius=st.floats(3.0, 6.0))
@settings(max_examples=25, deadline=None)
def test_full_coherence_at_zero_momentum(name, radius):
    f = ff.form_factor(name)
    assert f(np.array([0.0, 1e-6]), radius) == pytest.approx([1.0, 1.0], abs=1e-10)


@pytest.mark.parametrize("name", SHAPES)
def test_slope_at_origin_gives_the_rms_radius(name):
    # F(q) = 1 - q^2 R^2/6 + ...: the parametrisation by rms radius must be exact
    radius = 4.8
    q_fm = 1e-3
    f = ff.form_factor(name)(np.array([q_fm * HBARC_MEV_FM]), radius)[0]
    r2 = 6.0 * (1.0 - f) / q_fm**2
    assert math.sqrt(r2) == pytest.approx(radius, rel=1e-4)


def test_helm_against_its_analytic_form():
    r_rms, s = 4.87, ff.HELM_SKIN_FM
    r0 = math.sqrt(5.0 / 3.0 * (r_rms**2 - 3 * s**2))
    q_mev = np.linspace(0.5, 120.0, 50)
    qf = q_mev / HBARC_MEV_FM
    analytic = 3.0 * spherical_jn(1, qf * r0) / (qf * r0) * np.exp(-0.5 * (qf * s) ** 2)
    np.testing.assert_allclose(ff.helm(q_mev, r_rms), analytic, rtol=1e-11, atol=1e-14)
    assert ff.helm_rms_radius(r0, s) == pytest.approx(r_rms)


def test_symmetrized_fermi_against_numerical_fourier_transform():
    r_rms, a = 4.8, ff.FERMI_DIFFUSENESS_FM
    c = math.sqrt(5.0 / 3.0 * (r_rms**2 - 7.0 / 5.0 * math.pi**2 * a**2))

    def rho(r):  # symmetrised Fermi density, unnormalised
        return math.sinh(c / a) / (math.cosh(r / a) + math.cosh(c / a))

    norm = quad(lambda r: 4 * math.pi * r**2 * rho(r), 0, 40)[0]
    for q_mev in (10.0, 40.0, 80.0):
        qf = q_mev / HBARC_MEV_FM
        num = quad(lambda r: 4 * math.pi * r**2 * rho(r) * math.sin(qf * r) / (qf * r), 0, 40, limit=200)[0] / norm
        assert ff.symmetrized_fermi(np.array([q_mev]), r_rms)[0] == pytest.approx(num, rel=1e-6, abs=1e-9)


def test_klein_nystrand_radius_convention():
    # R_A = 1.23 A^(1/3): rms^2 = 3/5 R_A^2 + 6 a_k^2
    ra = 1.23 * 133 ** (1 / 3)
    assert ff.coherent_klein_nystrand_radius(133) == pytest.approx(math.sqrt(0.6 * ra**2 + 6 * 0.7**2))


def test_bad_input():
    with pytest.raises(PhysicsInputError, match="momentum transfer"):
        ff.helm(np.array([-1.0]), 4.8)
    with pytest.raises(PhysicsInputError, match="NaN"):
        ff.klein_nystrand(np.array([np.nan]), 4.8)
    with pytest.raises(ValueError, match="unknown form factor"):
        ff.form_factor("gaussian-ish")
    with pytest.raises(ValueError, match="too small"):
        ff.helm(np.array([1.0]), 1.0)
