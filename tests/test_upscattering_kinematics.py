"""Up-scattering kinematics and the engine's per-term threshold: exact 2 -> 2 against an independent centre-of-mass
construction, De Romeri et al.'s heavy-target inequality, the reach, zero rate above it, and the flux integral above
E_min(T; m) against a slow quadrature written from the formulas."""

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

from cevns_lib import cross_section as xs
from cevns_lib import kinematics as kin
from cevns_lib.flux import E_MICHEL_MAX_MEV, E_NU_MU_LINE_MEV, energy_spectrum
from cevns_lib.models.dipole_portal import DipolePortal
from cevns_lib.nuclei import nucleus
from cevns_lib.rates import engine

M_CS = nucleus("Cs133").mass_mev
M_E = 0.51099895  # electron mass, MeV (PDG), typed here independently of the library


def cm_recoil_range(e, m, mass):
    """Independent construction: in the centre-of-mass frame the target recoils with fixed momentum p*; boosting
    cos(theta*) = -1 .. 1 to the lab gives the kinetic-energy range of the target."""
    s = mass * mass + 2.0 * mass * e
    roots = math.sqrt(s)
    lam = (s - (m + mass) ** 2) * (s - (m - mass) ** 2)
    if lam < 0:
        return None
    p_star = math.sqrt(lam) / (2.0 * roots)
    e_star = (s + mass * mass - m * m) / (2.0 * roots)
    gamma, beta = (e + mass) / roots, e / (e + mass)
    return gamma * (e_star - beta * p_star) - mass, gamma * (e_star + beta * p_star) - mass


@settings(max_examples=60, deadline=None)
@given(e=st.floats(1.0, 60.0), frac=st.floats(0.0, 0.98), target=st.sampled_from([M_CS, 37_200.0, M_E]))
@example(e=45.0, frac=0.015625, target=M_E)  # a light final state: (p - root) / den lost 1.3e-7 to cancellation
def test_recoil_range_is_exact_two_body(e, frac, target):
    m = frac * float(kin.max_mass(e, target))
    lo, hi = kin.recoil_range(e, target, m)
    ref = cm_recoil_range(e, m, target)
    assert ref is not None
    np.testing.assert_allclose([lo, hi], ref, rtol=1e-7, atol=1e-13 * target)
    # E_min is the inverse: the end points of the range need exactly E (when the range is not degenerate)
    for t in (lo, hi):
        if t > 1e-9 * target:
            np.testing.assert_allclose(kin.e_min(t, target, m), e, rtol=1e-7)


@settings(max_examples=40, deadline=None)
@given(t_kev=st.floats(0.5, 40.0), e=st.floats(5.0, 52.8), target=st.sampled_from([M_CS, 37_200.0]))
def test_e_min_is_the_edge_of_the_allowed_angles(t_kev, e, target):
    """At E = E_min(T; m) the final state is collinear with the beam (cos theta = +-1): momenta by hand."""
    t = 1e-3 * t_kev
    m2 = float(kin.m_x_squared_max(e, t, target))
    if m2 <= 0:
        return
    m = math.sqrt(m2)
    np.testing.assert_allclose(kin.e_min(t, target, m), e, rtol=1e-9)
    q3 = math.sqrt(t * t + 2 * target * t)  # |q| of the target
    kp = math.sqrt((e - t) ** 2 - m2)  # |k'| of the final state
    # at the edge everything is collinear: E = q_z +- |k'| with q_z = |q| (final state forward or backward)
    assert min(abs(q3 + kp - e), abs(q3 - kp - e)) < 1e-7 * e


def test_massless_limit_is_the_library_threshold():
    t = np.linspace(1e-4, 0.05, 40)
    np.testing.assert_allclose(kin.e_min(t, M_CS, 0.0), xs.e_min(t, M_CS), rtol=1e-14)
    np.testing.assert_allclose(kin.e_min(t, M_CS, 1e-6), xs.e_min(t, M_CS), rtol=1e-9)


def test_seed000_inequality_is_the_heavy_target_limit():
    """m^2 <~ 2 M T (sqrt(2/(M T)) E - 1) (De Romeri et al. 2023) from the exact condition, to O(sqrt(T/M))."""
    e = 40.0
    t = np.array([1e-4, 1e-3, 5e-3, 2e-2])
    exact = kin.m_x_squared_max(e, t, M_CS)
    seed = 2 * M_CS * t * (np.sqrt(2 / (M_CS * t)) * e - 1)  # transcribed from the talk
    np.testing.assert_allclose(kin.m_x_squared_max_heavy_target(e, t, M_CS), seed, rtol=1e-14)
    # expanding the exact form in T/sqrt(2MT): exact = seed - 2 T E + O(T^2 E / sqrt(2MT))
    np.testing.assert_allclose(seed - exact, 2 * t * e, rtol=1e-3)
    assert np.all(np.abs(exact / seed - 1) < 3e-3)
    # the inequality decides reachability: just inside it the exact threshold is below E, just outside above
    m_in, m_out = np.sqrt(exact * (1 - 1e-6)), np.sqrt(exact * (1 + 1e-6))
    assert np.all(kin.e_min(t, M_CS, m_in) < e) and np.all(kin.e_min(t, M_CS, m_out) > e)


def test_heavy_target_formula_fails_on_electrons():
    """On an electron the heavy-target form is badly wrong; the exact reach is sqrt(m_e^2 + 2 m_e E) - m_e."""
    e, t = E_MICHEL_MAX_MEV, np.array([0.05, 1.0, 10.0])
    exact = kin.m_x_squared_max(e, t, M_E)
    approx = kin.m_x_squared_max_heavy_target(e, t, M_E)
    assert np.max(np.abs(approx / exact - 1)) > 0.5
    t_fine = np.geomspace(1e-4, 50.0, 200001)
    m_reach = math.sqrt(kin.m_x_squared_max(e, t_fine, M_E).max())
    np.testing.assert_allclose(m_reach, math.sqrt(M_E**2 + 2 * M_E * e) - M_E, rtol=1e-6)
    assert 6.5 < m_reach < 7.0


@pytest.mark.parametrize("target", [M_CS, 37_200.0, M_E])
def test_reach_is_the_centre_of_mass_threshold(target):
    e = E_MICHEL_MAX_MEV
    t = np.geomspace(1e-7, 60.0, 400001)
    best = math.sqrt(kin.m_x_squared_max(e, t, target).max())
    np.testing.assert_allclose(best, math.sqrt(target**2 + 2 * target * e) - target, rtol=1e-6)


def test_zero_rate_above_the_reach_and_positive_below():
    eng = engine("csi")
    reach = max(float(kin.max_mass(E_MICHEL_MAX_MEV, n.mass_mev)) for n, _ in eng.detector.targets)
    quad_counts = eng.quadratic_counts(DipolePortal("e", np.array([reach * 0.999, reach * 1.0001, 60.0])))
    n11 = quad_counts.pairs[(1, 1)].sum(axis=(-3, -2, -1))
    assert n11[0] > 0 and n11[1] == 0.0 and n11[2] == 0.0
    # the prompt nu_mu line stops producing F_4 above its energy: for m4 > 29.79 MeV the mu-flavour signal is delayed
    q = eng.quadratic_counts(DipolePortal("mu", np.array([E_NU_MU_LINE_MEV * 1.001])))
    by_flavour = q.pairs[(1, 1)][0].sum(axis=(-2, -1))
    assert by_flavour[1] == 0.0 and by_flavour[2] > 0 and by_flavour[0] == 0.0


def test_massless_structure_through_the_threshold_path_is_the_sm():
    """A MassiveFinalState at m = 0 carrying the SM's vector structure reproduces the precomputed-weight path."""
    from cevns_lib.cross_section import StandardModel

    class SMThroughThreshold(StandardModel):
        has_own_threshold = True

        def amplitude_terms(self, nuc, flavour, t):
            terms = super().amplitude_terms(nuc, flavour, t)
            name, amps = terms[0]
            structure = kin.MassiveFinalState("vector m=0", np.array([0.0]), lambda tt, mm, m: xs.kinematics(
                "vector", tt, mm)[None])
            terms[0] = (structure, amps)
            return terms

    for det in ("csi", "lar"):
        eng = engine(det)
        np.testing.assert_allclose(eng.counts(SMThroughThreshold())[0], eng.counts(), rtol=1e-12)


def test_flux_above_the_massive_threshold_against_slow_quadrature():
    """Recoil spectrum of the dipole term at m4 = 20 MeV per node: the engine's exact moments above E_min(T; m)
    against scipy quadrature of f(E) dsigma/dT with the formula and the threshold typed here."""
    eng = engine("csi")
    det = eng.detector
    m4 = 20.0
    model = DipolePortal("mu", np.array([m4]), mu=1.0)
    w = eng.threshold_weights(model.structure)[0]  # (n, f, k, j)
    coeff = np.stack([np.stack([model.structure(det.recoil_nodes_mev, nuc.mass_mev)[0] for _ in range(3)])
                      for nuc, _ in det.targets])
    spec = np.einsum("nfkj,nfkj->nfj", coeff, w)  # per unit amplitude^2
    alpha = 1 / 137.035999084
    scale = det.source.fluence_per_cm2 * (197.3269804e-13) ** 2
    for n, (nuc, n_targets) in enumerate(det.targets):
        mass = nuc.mass_mev
        n_nodes = det.recoil_nodes_mev.size
        for j in (n_nodes // 6, n_nodes // 2, 5 * n_nodes // 6):  # low, middle and high recoil nodes
            t = det.recoil_nodes_mev[j]

            def dsig(e):
                return alpha * (1 / t - 1 / e + m4**2 * (t - 2 * e - mass) / (4 * e * e * t * mass)
                                + m4**4 * (t - mass) / (8 * e * e * t * t * mass * mass))

            lo = (m4**2 + 2 * mass * t) * (t + math.sqrt(t * t + 2 * mass * t)) / (4 * mass * t)
            delayed = quad(lambda e: energy_spectrum("nu_mu_bar", e) * dsig(e), min(lo, E_MICHEL_MAX_MEV),
                           E_MICHEL_MAX_MEV)[0] if lo < E_MICHEL_MAX_MEV else 0.0
            prompt = dsig(E_NU_MU_LINE_MEV) if lo <= E_NU_MU_LINE_MEV else 0.0
            per_node = n_targets * scale * det.recoil_weights_mev[j]
            np.testing.assert_allclose(spec[n, 2, j], per_node * delayed, rtol=1e-9, atol=1e-300)
            np.testing.assert_allclose(spec[n, 1, j], per_node * prompt, rtol=1e-9, atol=1e-300)


def test_recoil_quadrature_is_converged_for_massive_final_states():
    """The detectors' recoil panels break at the massless end points, not where E_min(T; m_X) crosses the nu_mu
    line: against panels 10x (CsI) and 8x (LAr) finer the up-scattering counts move by well under 1%."""
    from cevns_lib.models.dark_fermion import dark_fermion
    from cevns_lib.rates import RateEngine, get_detector

    m = np.array([0.01, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 52.0])
    for det, panel in (("csi", 0.1), ("lar", 0.25)):
        fine = RateEngine(get_detector(det, panel_kev=panel))
        for model in (DipolePortal("mu", m), dark_fermion("vector", m, 10.0)):
            a = engine(det).quadratic_counts(model).pairs[(1, 1)].sum(axis=(-3, -2, -1))
            b = fine.quadratic_counts(model).pairs[(1, 1)].sum(axis=(-3, -2, -1))
            np.testing.assert_allclose(a, b, rtol=1e-2)
