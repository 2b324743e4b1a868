"""Up-scattering cross sections: Dirac traces done numerically here (gamma matrices by hand), the published dipole
formula transcribed independently, the m_4 -> 0 magnetic-moment limit with constants from scipy, the m_chi -> 0
limits against the light mediators, and bad input at the public boundary."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import constants as sc

from cevns_lib.cli import main
from cevns_lib.constants import G_FERMI_MEV2, HBARC2_MEV2_CM2
from cevns_lib.kinematics import upscattering_dsigma_dT
from cevns_lib.models.dark_fermion import DarkFermionScalar, DarkFermionVector, dark_fermion, scalar_laurent
from cevns_lib.models.dark_fermion import scalar_laurent_electron, vector_laurent, vector_laurent_electron
from cevns_lib.models.dipole_portal import MU_UNIT_PER_GEV, DipolePortal, dipole_laurent
from cevns_lib.models.light_mediators import model as mediator_model
from cevns_lib.nuclei import nucleus
from cevns_lib.rates import electron_engine, engine
from cevns_lib.upscattering_bounds import dark_fermion_bounds, dipole_bounds, reach_mev
from cevns_lib.validation import PhysicsInputError

# --- Dirac algebra by hand (Dirac representation), for squared amplitudes of nu_L(k) + A(p) -> X(k') + A(p') ---
_I2, _Z2 = np.eye(2), np.zeros((2, 2))
_PAULI = [np.array([[0, 1], [1, 0]], complex), np.array([[0, -1j], [1j, 0]]), np.array([[1, 0], [0, -1]], complex)]
GAMMA = [np.block([[_I2, _Z2], [_Z2, -_I2]]).astype(complex)] + [np.block([[_Z2, s], [-s, _Z2]]) for s in _PAULI]
G5 = 1j * GAMMA[0] @ GAMMA[1] @ GAMMA[2] @ GAMMA[3]
METRIC = np.diag([1.0, -1.0, -1.0, -1.0])
P_LEFT = (np.eye(4) - G5) / 2


def slash(p):
    return sum(METRIC[m, m] * p[m] * GAMMA[m] for m in range(4))


def sigma(a, b):
    return 0.5j * (GAMMA[a] @ GAMMA[b] - GAMMA[b] @ GAMMA[a])


def four_momenta(e, t, mass, m):
    """Lab frame, beam along z; the recoil's angle from k.q = -(m^2 + 2 M T)/2 (i.e. k'^2 = m^2)."""
    qz = t + (m * m + 2 * mass * t) / (2 * e)
    qperp = math.sqrt(t * t + 2 * mass * t - qz * qz)
    k, p, q = np.array([e, 0, 0, e]), np.array([mass, 0, 0, 0.0]), np.array([t, qperp, 0, qz])
    return k, p, p + q, k - q, q


def dsigma_dT_trace(e, t, mass, m, vertex):
    """|M|^2 / (32 pi M E^2) for a left-handed massless neutrino; the nucleus current is spin-zero, charge 1."""
    k, p, pp, kp, q = four_momenta(e, t, mass, m)
    big_p, q_low, p_low = p + pp, METRIC @ q, METRIC @ (p + pp)
    if vertex == "dipole":  # sigma^{ab} q_b between the leptons, photon 1/q^2 to the current (p + p')_a
        gam = sum(sigma(a, b) * q_low[b] * p_low[a] for a in range(4) for b in range(4)) / (2 * mass * t)
    elif vertex == "vector":  # gamma^a P_L, contracted with (p + p')_a (propagator stripped)
        gam = sum(GAMMA[a] * p_low[a] for a in range(4))
    else:  # scalar: P_R nu_L -> chi, nucleus scalar density 2M (propagator stripped)
        gam = 2 * mass * np.eye(4)
    gam = gam @ P_LEFT
    bar = GAMMA[0] @ gam.conj().T @ GAMMA[0]
    msq = np.trace((slash(kp) + m * np.eye(4)) @ gam @ slash(k) @ bar).real
    assert big_p[0] > 0
    return msq / (32 * math.pi * mass * e * e)


def dsigma_dT_trace_spin_half(e, t, mass, m, vertex):
    """As dsigma_dT_trace on a spin-1/2 point target (an electron), averaged over its spin: L^{ab} H_{ab} with
    H from Tr[(p'/ + M) gamma_a (p/ + M) gamma_b] / 2, or the scalar density Tr[(p'/ + M)(p/ + M)] / 2."""
    k, p, pp, kp, q = four_momenta(e, t, mass, m)
    q_low, one = METRIC @ q, np.eye(4)
    if vertex == "scalar":
        lep = np.trace((slash(kp) + m * one) @ P_LEFT @ slash(k) @ GAMMA[0] @ P_LEFT.conj().T @ GAMMA[0]).real
        return lep * 0.5 * np.trace((slash(pp) + mass * one) @ (slash(p) + mass * one)).real / (
            32 * math.pi * mass * e * e)
    if vertex == "dipole":
        gs = [sum(sigma(a, b) * q_low[b] for b in range(4)) @ P_LEFT / (2 * mass * t) for a in range(4)]
    else:
        gs = [GAMMA[a] @ P_LEFT for a in range(4)]
    lep = np.array([[np.trace((slash(kp) + m * one) @ gs[a] @ slash(k) @ GAMMA[0] @ gs[b].conj().T @ GAMMA[0])
                     for b in range(4)] for a in range(4)])
    had = np.array([[0.5 * np.trace((slash(pp) + mass * one) @ GAMMA[a] @ (slash(p) + mass * one) @ GAMMA[b])
                     for b in range(4)] for a in range(4)])
    return np.einsum("ab,cd,ac,bd->", lep, had, METRIC, METRIC).real / (32 * math.pi * mass * e * e)


def laurent_at(c, e):
    """sum_k c_k E^k for coefficients (5,) in the library's powers (-2, -1, 0, 1, 2)."""
    return sum(ck * e**k for ck, k in zip(c, (-2, -1, 0, 1, 2)))


POINTS = [(40.0, 2e-3, 0.0), (40.0, 5e-3, 5.0), (50.0, 8e-3, 20.0), (30.0, 4e-3, 12.0), (52.0, 1.2e-2, 35.0)]


@pytest.mark.parametrize("e,t,m", POINTS)
def test_dipole_structure_against_dirac_trace(e, t, m):
    mass = nucleus("Cs133").mass_mev
    alpha = sc.fine_structure
    trace = 4 * math.pi * alpha * dsigma_dT_trace(e, t, mass, m, "dipole")  # e^2 per unit (mu Z F)^2
    lib = laurent_at(dipole_laurent(np.array([t]), mass, np.array([m]))[..., 0], e)
    np.testing.assert_allclose(lib, trace, rtol=2e-7)  # the library is exact up to O(T/M) ~ 1e-7


@pytest.mark.parametrize("e,t,m", POINTS)
def test_dipole_against_published_formula(e, t, m):
    """Miranda et al. (2021) / Brdar et al. (2021) grouping: 1/T - 1/E - m^2/(2 E T M)(1 - T/(2E) + M/(2E))
    + m^4 (T - M)/(8 E^2 T^2 M^2), times alpha mu^2 Z^2 F^2."""
    nuc = nucleus("I127")
    mass = nuc.mass_mev
    mu_nat = 30 * MU_UNIT_PER_GEV * 1e-3  # 30e-10 mu_B in MeV^-1
    model = DipolePortal("e", np.array([m]), mu=30.0)
    lib = upscattering_dsigma_dT(model, [e], [t], nuc, "nu_e")[0, 0, 0]
    fz, _ = model.nuclear.form_factors(nuc, math.sqrt(2 * mass * t))
    bracket = (1 / t - 1 / e - m * m / (2 * e * t * mass) * (1 - t / (2 * e) + mass / (2 * e))
               + m**4 * (t - mass) / (8 * e * e * t * t * mass * mass))
    np.testing.assert_allclose(lib, (1 / 137.035999084) * mu_nat**2 * nuc.Z**2 * fz**2 * bracket, rtol=1e-10)
    # flavours without the transition moment do not up-scatter
    assert upscattering_dsigma_dT(model, [e], [t], nuc, "nu_mu").sum() == 0


def test_dipole_massless_limit_is_the_magnetic_moment_cross_section():
    """(pi alpha^2 mu^2 / m_e^2)(1/T - 1/E) Z^2 F^2 in cm^2/MeV with alpha, m_e, hbar c from scipy.constants."""
    nuc = nucleus("Cs133")
    alpha = sc.fine_structure
    m_e = sc.physical_constants["electron mass energy equivalent in MeV"][0]
    hbarc_cm = sc.physical_constants["reduced Planck constant times c in MeV fm"][0] * 1e-13
    mu = 25.0  # 1e-10 mu_B
    e, t = np.array([20.0, 35.0, 50.0]), np.array([2e-3, 6e-3, 1.5e-2])
    model = DipolePortal("mu", np.array([1e-7]), mu=mu)
    lib_cm2 = upscattering_dsigma_dT(model, e, t, nuc, "nu_mu_bar")[0] * HBARC2_MEV2_CM2
    fz, _ = model.nuclear.form_factors(nuc, np.sqrt(2 * nuc.mass_mev * t))
    ref = (math.pi * alpha**2 * (mu * 1e-10) ** 2 / m_e**2 * hbarc_cm**2
           * (1 / t[None, :] - 1 / e[:, None]) * nuc.Z**2 * fz[None, :] ** 2)
    ref = np.where(e[:, None] >= 0.5 * (t + np.sqrt(t * t + 2 * nuc.mass_mev * t)), ref, 0.0)
    np.testing.assert_allclose(lib_cm2, ref, rtol=1e-6)
    # pi alpha^2 / m_e^2 = 2.49e-25 cm^2 (hand value: 3.1416 * (1/137.036)^2 / 0.511^2 * (1.9733e-11 cm MeV)^2)
    np.testing.assert_allclose(math.pi * alpha**2 / m_e**2 * hbarc_cm**2, 2.4946e-25, rtol=1e-3)
    # the unit conversion: 1e-10 mu_B = 1e-10 e/(2 m_e) = 2.963e-8 GeV^-1
    np.testing.assert_allclose(MU_UNIT_PER_GEV, 1e-10 * math.sqrt(4 * math.pi * alpha) / (2 * m_e * 1e-3), rtol=1e-7)


@pytest.mark.parametrize("e,t,m", POINTS)
def test_dark_fermion_structures_against_dirac_trace(e, t, m):
    mass = nucleus("Ar40").mass_mev
    # vector: the library's amplitude is g^2 Q / (sqrt2 G_F (q^2 + M^2)), so dsigma = K A^2 = K/(2 G_F^2) g^4 Q^2 / D^2
    vec = laurent_at(vector_laurent(np.array([t]), mass, np.array([m]))[..., 0], e) / (2 * G_FERMI_MEV2**2)
    np.testing.assert_allclose(vec, dsigma_dT_trace(e, t, mass, m, "vector"), rtol=2e-7)
    sca = laurent_at(scalar_laurent(np.array([t]), mass, np.array([m]))[..., 0], e)
    np.testing.assert_allclose(sca, dsigma_dT_trace(e, t, mass, m, "scalar"), rtol=1e-9)


E_POINTS = [(30.0, 0.5, 0.0), (30.0, 2.0, 1.0), (50.0, 8.0, 3.0), (20.0, 0.01, 0.5)]


@pytest.mark.parametrize("e,t,m", E_POINTS)
def test_electron_structures_against_spin_half_traces(e, t, m):
    """On an electron no heavy-target approximation: the dipole formula is exact for a spin-1/2 target; the
    dark-fermion brackets have their own spin-1/2 forms."""
    me = sc.physical_constants["electron mass energy equivalent in MeV"][0]
    alpha = sc.fine_structure
    dip = laurent_at(dipole_laurent(np.array([t]), me, np.array([m]))[..., 0], e)
    np.testing.assert_allclose(dip, 4 * math.pi * alpha * dsigma_dT_trace_spin_half(e, t, me, m, "dipole"),
                               rtol=1e-9)
    vec = laurent_at(vector_laurent_electron(np.array([t]), me, np.array([m]))[..., 0], e) / (2 * G_FERMI_MEV2**2)
    np.testing.assert_allclose(vec, dsigma_dT_trace_spin_half(e, t, me, m, "vector"), rtol=1e-9)
    sca = laurent_at(scalar_laurent_electron(np.array([t]), me, np.array([m]))[..., 0], e)
    np.testing.assert_allclose(sca, dsigma_dT_trace_spin_half(e, t, me, m, "scalar"), rtol=1e-9)
    # and the nuclear (spin-zero) forms would be wrong here by O(T/m_e): the distinction matters
    if m > 0 and t > 0.1:
        vec0 = laurent_at(vector_laurent(np.array([t]), me, np.array([m]))[..., 0], e) / (2 * G_FERMI_MEV2**2)
        assert abs(vec0 / vec - 1) > 1e-3


def test_electron_channel_massless_limit_is_the_magnetic_moment_on_electrons():
    from cevns_lib.models.electromagnetic import Electromagnetic

    ee = electron_engine("csi")
    dip = ee.quadratic_counts(DipolePortal("mu", np.array([0.0])), n_params=1)
    em = ee.quadratic_counts(Electromagnetic(["mu_numu"]), n_params=1)
    np.testing.assert_allclose(dip.pairs[(1, 1)][0], em.pairs[(1, 1)], rtol=1e-10)
    np.testing.assert_allclose(dip.pairs[(0, 0)], em.pairs[(0, 0)], rtol=1e-12)
    # above the electron reach of the CsI electron window nothing is produced on electrons; nuclei still see it
    far = ee.quadratic_counts(DipolePortal("mu", np.array([8.0])), n_params=1)
    assert far.pairs[(1, 1)].sum() == 0.0
    assert engine("csi").quadratic_counts(DipolePortal("mu", np.array([8.0]))).pairs[(1, 1)].sum() > 0


def test_smallest_m4_reproduces_em():
    from cevns_lib.scans import em_interval

    em = em_interval("csi", "mu_numu")
    d = dipole_bounds("csi", "mu", [0.001])
    np.testing.assert_allclose(d["mu_bound_90"][0], em["interval_90"][-1][1], rtol=2e-3)
    np.testing.assert_allclose(d["mu_bound_2sigma"][0], em["interval_2sigma"][-1][1], rtol=2e-3)


def test_dark_fermion_massless_limits_are_the_light_mediators():
    """m_chi -> 0: vector = the pure-Z' part of the universal light vector, scalar = the light scalar 'ls'."""
    masses = np.array([1.0, 10.0, 100.0])
    for det in ("csi", "lar"):
        eng = engine(det)
        v = eng.quadratic_counts(DarkFermionVector(0.0, masses)).pairs[(1, 1)]
        lv = eng.quadratic_counts(mediator_model("lv-universal", masses)).pairs[(1, 1)]
        np.testing.assert_allclose(v, lv, rtol=1e-9)
        s = eng.quadratic_counts(DarkFermionScalar(0.0, masses)).pairs[(1, 1)]
        ls = eng.quadratic_counts(mediator_model("ls", masses)).pairs[(1, 1)]
        np.testing.assert_allclose(s, ls, rtol=1e-9)
        # and continuously so: a tiny but non-zero m_chi moves the rates by O(m_chi^2)
        v_small = eng.quadratic_counts(DarkFermionVector(1e-3, masses)).pairs[(1, 1)]
        np.testing.assert_allclose(v_small, lv, rtol=1e-5)
        # no interference with the SM: no (0, 1) pair, and the SM pair is the SM
        q = eng.quadratic_counts(DarkFermionVector(5.0, masses))
        assert (0, 1) not in q.pairs
        np.testing.assert_allclose(q.pairs[(0, 0)], eng.counts(), rtol=1e-12)


def test_a_heavier_final_state_never_raises_the_vector_rate():
    eng = engine("csi")
    n = eng.quadratic_counts(DarkFermionVector(np.array([0.0, 5.0, 15.0, 30.0, 45.0, 52.0]), 10.0)).pairs[(1, 1)]
    tot = n.sum(axis=(-3, -2, -1))
    assert np.all(np.diff(tot) < 0) and tot[-1] > 0


def test_direct_evaluation_matches_the_quadratic_form():
    eng = engine("csi")
    m4 = np.array([1.0, 20.0])
    direct = eng.counts(DipolePortal("mu", m4, mu=30.0))
    q = eng.quadratic_counts(DipolePortal("mu", m4))
    np.testing.assert_allclose(direct, q.pairs[(0, 0)] + 900.0 * q.pairs[(1, 1)], rtol=1e-12)
    direct = eng.counts(dark_fermion("scalar", 10.0, m4, coupling=1e-4))
    q = eng.quadratic_counts(dark_fermion("scalar", 10.0, m4))
    np.testing.assert_allclose(direct, q.pairs[(0, 0)] + 1e-16 * q.pairs[(1, 1)], rtol=1e-12)


# --- bounds, CLI, bad input -----------------------------------------------------------------------------------------
def test_dipole_bounds_continuous_to_zero_mass_and_growing_with_mass():
    r = dipole_bounds("csi", "mu", [0.001, 0.01, 10.0, 30.0, 50.0])
    b90, b2 = np.array(r["mu_bound_90"]), np.array(r["mu_bound_2sigma"])
    np.testing.assert_allclose(b90[0], b90[1], rtol=2e-3)  # the magnetic-moment limit
    assert np.all(np.diff(b90[1:]) > 0) and np.all(b2 > b90)
    assert 5.0 < b90[0] < 100.0  # a transition moment of tens of 1e-10 mu_B, as for the magnetic moment


def test_cli_json_keys(capsys):
    assert main(["dipole", "--dataset", "lar", "--flavour", "e", "--m4", "1", "40", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"dataset", "flavour", "unit", "m4_mev", "mu_bound_90", "mu_bound_2sigma"} <= set(out)
    assert out["unit"] == "1e-10 mu_B" and out["m4_mev"] == [1.0, 40.0] and len(out["mu_bound_90"]) == 2
    assert main(["dark-fermion", "--mediator", "scalar", "--dataset", "csi", "--m-mediator", "5",
                 "--m-chi", "1", "10", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"dataset", "mediator", "m_mediator_mev", "m_chi_mev", "g_bound"} <= set(out)
    assert out["m_mediator_mev"] == 5.0 and len(out["g_bound"]) == 2 and all(g > 0 for g in out["g_bound"])


def test_no_bound_beyond_the_reach_is_null(capsys):
    near = 0.99999 * reach_mev("csi")
    r = dipole_bounds("csi", "e", [near])
    assert r["mu_bound_90"] == [None] or r["mu_bound_90"][0] > 1e4
    assert main(["dipole", "--dataset", "csi", "--flavour", "e", "--m4", f"{near}", "--json"]) == 0
    json.loads(capsys.readouterr().out)  # valid JSON (null, not NaN)


@pytest.mark.parametrize("bad", [
    lambda: DipolePortal("tau", 1.0),
    lambda: DipolePortal("e", -1.0),
    lambda: DipolePortal("e", math.nan),
    lambda: DipolePortal("e", 1.0, mu=math.inf),
    lambda: dark_fermion("tensor", 1.0, 1.0),
    lambda: dark_fermion("vector", -2.0, 1.0),
    lambda: dark_fermion("scalar", 1.0, math.nan),
    lambda: dipole_bounds("csi", "e", [60.0]),
    lambda: dipole_bounds("csi+lar", "e", [1.0, math.nan]),
    lambda: dark_fermion_bounds("lar", "vector", 10.0, [53.0]),
    lambda: dark_fermion_bounds("lar", "vector", -10.0, [1.0]),
    lambda: dipole_bounds("xenon", "e", [1.0]),
])
def test_bad_input_raises_a_clear_error(bad):
    with pytest.raises(ValueError):
        bad()


def test_threshold_blind_paths_refuse_upscattering_models():
    """The SM's coefficients / dsigma_dT know only the massless threshold: they must not give a number here."""
    cs = nucleus("Cs133")
    for m in (DipolePortal("e", 20.0, mu=1.0), dark_fermion("vector", 20.0, 10.0, coupling=1e-4)):
        with pytest.raises(TypeError, match="E_min"):
            m.dsigma_dT(40.0, 0.005, cs, "nu_e")
        with pytest.raises(TypeError, match="E_min"):
            engine("csi").recoil_spectrum(m)


def test_bad_input_names_the_parameter():
    with pytest.raises(PhysicsInputError, match="m_4.*reach"):
        dipole_bounds("csi", "mu", [55.0])
    with pytest.raises(PhysicsInputError, match="flavour"):
        DipolePortal("tau", 1.0)
    with pytest.raises(PhysicsInputError, match="m_chi"):
        dark_fermion("vector", -1.0, 1.0)


def test_cli_bad_input_is_one_line_exit_2(capsys):
    with pytest.raises(SystemExit) as err:
        main(["dipole", "--dataset", "csi", "--flavour", "mu", "--m4", "70"])
    assert err.value.code == 2
    msg = capsys.readouterr().err.strip()
    assert "reach" in msg and len(msg.splitlines()) == 1


@settings(max_examples=80, deadline=None)
@given(e=st.floats(2.0, 52.8), frac_m=st.floats(0.0, 0.99), frac_t=st.floats(0.0, 1.0),
       target=st.sampled_from(["Cs133", "Ar40", "electron"]))
def test_cross_sections_are_positive_inside_the_kinematic_window(e, frac_m, frac_t, target):
    """|M|^2 >= 0: every bracket is non-negative wherever the kinematics allow the recoil (a sign error in any
    m^2 or m^4 term would show up near the edges of the window)."""
    from cevns_lib.kinematics import max_mass, recoil_range

    mass = 0.51099895 if target == "electron" else nucleus(target).mass_mev
    m = frac_m * float(max_mass(e, mass))
    lo, hi = recoil_range(e, mass, m)
    t = float(lo + frac_t * (hi - lo))
    if not t > 1e-9:  # below 1 meV of recoil (no detector sees it) 1/T^2 overflows in double precision
        return
    structures = [dipole_laurent, scalar_laurent] + ([vector_laurent_electron, scalar_laurent_electron]
                                                     if target == "electron" else [vector_laurent])
    for f in structures:
        val = laurent_at(f(np.array([t]), mass, np.array([m]))[..., 0], e)
        scale = abs(laurent_at(np.abs(f(np.array([t]), mass, np.array([m]))[..., 0]), e))
        assert val >= -1e-9 * scale, (f.__name__, e, t, m, val)
