"""SM cross section: kinematics, full-coherence limit, end point, couplings, bad input."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cevns_lib import cross_section as xs
from cevns_lib.constants import G_FERMI_MEV2, SIN2_THETA_W_LOW_ENERGY
from cevns_lib.nuclei import UnknownNucleusError, nucleus
from cevns_lib.validation import PhysicsInputError


class PointLike(xs.StandardModel):
    """F = 1: full coherence."""

    def vector_charge(self, nuc, flavour, t):
        lep = xs.lepton_of(flavour)
        return (self.ew.g_v_proton(lep) * nuc.Z + self.ew.g_v_neutron(lep) * nuc.N) * np.ones_like(t)


@given(e=st.floats(1.0, 60.0), name=st.sampled_from(["Cs133", "I127", "Ar40", "Na23"]))
@settings(max_examples=50, deadline=None)
def test_end_point_and_threshold_are_inverse(e, name):
    m = nucleus(name).mass_mev
    tm = xs.t_max(e, m)
    assert tm == pytest.approx(2 * e**2 / (m + 2 * e), rel=1e-14)
    assert xs.e_min(tm, m) == pytest.approx(e, rel=1e-9)


def test_zero_rate_above_end_point():
    model = xs.StandardModel()
    for name in ("Cs133", "Ar40"):
        m = nucleus(name).mass_mev
        e = 29.79
        tm = float(xs.t_max(e, m))
        t = np.array([0.5 * tm, 0.999 * tm, 1.0001 * tm, 2 * tm])
        val = model.dsigma_dT(e, t, name, "nu_mu")
        assert np.all(val[:2] > 0) and np.all(val[2:] == 0)


def test_full_coherence_limit_at_zero_recoil():
    nuc = nucleus("Cs133")
    ew = xs.ElectroweakInputs(radiative=False)
    model = PointLike(ew=ew, include_axial=False)
    qw = nuc.Z * (1 - 4 * SIN2_THETA_W_LOW_ENERGY) - nuc.N  # seed 000's weak charge
    expect = G_FERMI_MEV2**2 * nuc.mass_mev / (4 * math.pi) * qw**2
    assert model.dsigma_dT(30.0, 1e-12, nuc, "nu_e") == pytest.approx(expect, rel=1e-8, abs=0)
    # and the form factor can only lower it
    assert xs.StandardModel(ew=ew, include_axial=False).dsigma_dT(30.0, 0.01, nuc, "nu_e") < \
        model.dsigma_dT(30.0, 0.01, nuc, "nu_e")


def test_total_cross_section_full_coherence_closed_form():
    # int_0^Tmax (1 - T/E - MT/2E^2) dT in closed form, times G_F^2 M Q_V^2 / pi
    nuc = nucleus("Ar40")
    model = PointLike(include_axial=False)
    e, m = 30.0, nuc.mass_mev
    tm = 2 * e**2 / (m + 2 * e)
    qv = model.vector_charge(nuc, "nu_mu", np.array([0.0]))[0]
    closed = G_FERMI_MEV2**2 * m / math.pi * qv**2 * (tm - tm**2 / (2 * e) - m * tm**2 / (4 * e**2))
    assert xs.total_cross_section_check(e, nuc, "nu_mu", model) == pytest.approx(closed, rel=1e-8, abs=0)


def test_laurent_form_equals_direct_formula():
    nuc = nucleus("I127")
    model = xs.StandardModel()
    e = np.array([[20.0], [35.0], [50.0]])
    t = np.linspace(1e-4, 0.03, 7)[None, :]
    q = xs.momentum_transfer(t, nuc.mass_mev)
    fz, fn = model.nuclear.form_factors(nuc, q)
    qv = model.ew.g_v_proton("e") * nuc.Z * fz + model.ew.g_v_neutron("e") * nuc.N * fn
    m = nuc.mass_mev
    pref = G_FERMI_MEV2**2 * m / math.pi
    direct = pref * ((1 - t / e - m * t / (2 * e**2)) * qv**2
                     + 0.25 * (1 - t / e + m * t / (2 * e**2)) * xs.axial_charge_squared(nuc) * (0.5 * (fz + fn)) ** 2)
    direct = np.where(t <= xs.t_max(e, m), direct, 0.0)
    np.testing.assert_allclose(model.dsigma_dT(e, t, nuc, "nu_e"), direct, rtol=1e-12)


def test_couplings():
    ew = xs.ElectroweakInputs()
    assert ew.g_v_proton("e") == pytest.approx(0.0401)
    assert ew.g_v_proton("mu") == pytest.approx(0.0318)
    assert ew.g_v_neutron("mu") == pytest.approx(-0.5094)
    tree = xs.ElectroweakInputs(radiative=False, sin2_theta_w=0.25)
    assert tree.g_v_proton("e") == pytest.approx(0.0)
    assert xs.axial_charge_squared("Ar40") == 0.0
    # free-nucleon normalisation: dsigma/dT(T->0) = G_F^2 M/pi (g_V^2 + g_A,N^2), g_A,N = g_A/2 (Barranco et al.)
    from cevns_lib.nuclei import Nucleus
    proton_like = Nucleus("p", 1, 1, 1.007276, 0.84, spin_J=0.5, spin_p=0.5)
    assert 0.25 * xs.axial_charge_squared(proton_like) == pytest.approx((1.2754 / 2) ** 2)


def test_bad_input():
    model = xs.StandardModel()
    with pytest.raises(UnknownNucleusError, match="unknown nucleus 'Xx999'"):
        model.dsigma_dT(30.0, 0.01, "Xx999", "nu_e")
    with pytest.raises(PhysicsInputError, match="neutrino energy"):
        model.dsigma_dT(-1.0, 0.01, "Cs133", "nu_e")
    with pytest.raises(PhysicsInputError, match="NaN"):
        model.dsigma_dT(float("nan"), 0.01, "Cs133", "nu_e")
    with pytest.raises(PhysicsInputError, match="recoil energy"):
        model.dsigma_dT(30.0, -0.01, "Cs133", "nu_e")
    with pytest.raises(ValueError, match="unknown neutrino flavour"):
        model.dsigma_dT(30.0, 0.01, "Cs133", "nu_x")
    with pytest.raises(ValueError, match="radii"):
        xs.NuclearModel(radii="guessed")


def test_form_factor_cache_is_keyed_by_radii_and_grid_and_read_only():
    """NuclearModel.form_factors caches per (shape, radii, q): a repeated call returns the same values, another
    radius or another grid is computed afresh (never a stale hit), and the cached arrays cannot be modified."""
    from cevns_lib import form_factors as ff
    from cevns_lib.cross_section import NuclearModel
    from cevns_lib.nuclei import nucleus

    cs = nucleus("Cs133")
    q = np.linspace(1.0, 80.0, 57)
    nominal, bigger = NuclearModel(), NuclearModel(alpha4=0.05)
    fz, fn = nominal.form_factors(cs, q)
    assert nominal.form_factors(cs, q)[1] is fn  # the cached pair
    rp, rn = nominal.radii_fm(cs)
    np.testing.assert_array_equal(fn, ff.helm(q, rn))
    np.testing.assert_array_equal(fz, ff.helm(q, rp))
    np.testing.assert_array_equal(bigger.form_factors(cs, q)[1], ff.helm(q, rn * 1.05))
    np.testing.assert_array_equal(nominal.form_factors(cs, q[:-1])[1], ff.helm(q[:-1], rn))
    with pytest.raises(ValueError):
        fn[0] = 0.0
    grid = NuclearModel(neutron_radius_fm={"Cs133": np.array([[4.0], [5.0]])})  # an array of radii: no cache
    np.testing.assert_array_equal(grid.form_factors(cs, q)[1], ff.helm(q, np.array([[4.0], [5.0]])))
