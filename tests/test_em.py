"""Neutrino-electron scattering in CsI and the neutrino electromagnetic properties (issue 8).

Every reference here is written from the formulas (or from scipy's CODATA and xraydb's tables directly), not by
calling the library function it checks.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

from cevns_lib import atomic
from cevns_lib import electron_scattering as es
from cevns_lib.cli import main
from cevns_lib.cross_section import LAURENT_POWERS, StandardModel
from cevns_lib.models.electromagnetic import PARAMETERS, Electromagnetic, dark_side_radius, sm_value
from cevns_lib.models.nsi import VectorNSI
from cevns_lib.rates import electron_engine, engine
from cevns_lib.scans import chi2_quadratic, em_interval
from cevns_lib.validation import PhysicsInputError

HBARC2_CM2_GEV2 = 0.3893793721e-27  # (hbar c)^2 = 0.3893793721 mb GeV^2 (PDG 2024 physical constants)
M_E = 0.51099895000  # MeV
M_MU = 105.6583755
G_F_GEV = 1.1663788e-5  # GeV^-2
ALPHA = 1 / 137.035999084


# --- constants against hand values ----------------------------------------------------------------------------
def test_magnetic_scale_is_pi_r_e_squared():
    """pi alpha^2/m_e^2 = pi r_e^2 = 2.4946e-25 cm^2 (r_e = 2.8179403e-13 cm, CODATA via scipy)."""
    from scipy.constants import physical_constants

    r_e_cm = physical_constants["classical electron radius"][0] * 100
    value_cm2 = es.MAGNETIC_SCALE_MEV2 * es.HBARC2_MEV2_CM2
    assert value_cm2 == pytest.approx(math.pi * r_e_cm**2, rel=1e-6)
    assert value_cm2 == pytest.approx(2.4946e-25, rel=1e-4)  # by hand: pi (2.81794e-13)^2


def test_radius_shift_per_1e32_cm2_hand_value():
    """Delta g_V^p = -sqrt2 pi alpha/(3 G_F) x 1e-32 cm^2: 0.0324207 / 3 / (1.16638e-5 GeV^-2) x 2.56824e-5 GeV^-2."""
    hand = math.sqrt(2) * math.pi * ALPHA / 3 / G_F_GEV * (1e-32 / HBARC2_CM2_GEV2)
    assert hand == pytest.approx(0.023796, rel=1e-4)
    from cevns_lib.models.electromagnetic import radius_shift_proton_per_unit

    assert radius_shift_proton_per_unit() == pytest.approx(-hand, rel=1e-6)
    assert es.radius_shift_per_unit() == pytest.approx(hand, rel=1e-6)


@pytest.mark.parametrize("lepton, mass, published", [("e", M_E, -0.83), ("mu", M_MU, -0.48)])
def test_sm_charge_radii_one_loop(lepton, mass, published):
    """<r^2> = -G_F/(2 sqrt2 pi^2) [3 - 2 ln(m_l^2/m_W^2)], in GeV units by hand; published -0.83, -0.48
    (1e-32 cm^2, Cadeddu et al. 2018)."""
    m_w_gev = 80.3692
    r2 = -G_F_GEV / (2 * math.sqrt(2) * math.pi**2) * (3 - 2 * math.log((mass * 1e-3) ** 2 / m_w_gev**2))
    r2_cm2 = r2 * HBARC2_CM2_GEV2
    assert es.sm_charge_radius_cm2(lepton) == pytest.approx(r2_cm2, rel=1e-6)
    assert r2_cm2 / 1e-32 == pytest.approx(published, abs=0.006)
    assert sm_value(f"r2_nu{lepton}") == pytest.approx(r2_cm2 / 1e-32, rel=1e-9)


# --- free-electron cross sections -------------------------------------------------------------------------------
def _total_over_e(flavour, e_mev, s2):
    """sigma/E in cm^2/GeV by quadrature of the library's engine structures (electron target, tree level)."""
    model = StandardModel(ew=__import__("cevns_lib.cross_section", fromlist=["ElectroweakInputs"])
                          .ElectroweakInputs(radiative=False, sin2_theta_w=s2))
    target = atomic.AtomicElectrons("Cs")
    tmax = 2 * e_mev**2 / (M_E + 2 * e_mev)
    val, _ = quad(lambda t: float(model.dsigma_dT(e_mev, t, target, flavour)), 0, tmax, limit=200)
    return val * es.HBARC2_MEV2_CM2 / (e_mev * 1e-3)


@pytest.mark.parametrize("flavour, g_l, g_r, textbook", [
    ("nu_e", 0.5 + 0.23, 0.23, 9.5e-42), ("nu_mu", -0.5 + 0.23, 0.23, 1.6e-42),
    ("nu_mu_bar", 0.23, -0.5 + 0.23, 1.3e-42)])
def test_free_electron_total_cross_sections(flavour, g_l, g_r, textbook):
    """sigma = (2 G_F^2 m_e E/pi)(g_L^2 + g_R^2/3) for E >> m_e (hand formula, 0.1%); with sin^2 = 0.23 the textbook
    values sigma/E = 9.5, 1.6, 1.3 x 1e-42 cm^2/GeV (C. Giunti and C. W. Kim, Fundamentals of Neutrino Physics
    and Astrophysics, OUP 2007, neutrino-electron elastic scattering), to 4%."""
    e_mev = 1000.0
    hand = 2 * (G_F_GEV * 1e-6) ** 2 * M_E * e_mev / math.pi * (g_l**2 + g_r**2 / 3) * (HBARC2_CM2_GEV2 * 1e-6 / 1e-3
                                                                                         ) / (e_mev * 1e-3)
    got = _total_over_e(flavour, e_mev, 0.23)
    assert got == pytest.approx(hand, rel=2e-3)
    assert got == pytest.approx(textbook, rel=0.04)


def test_end_point_and_swap():
    e = 30.0
    tmax = 2 * e * e / (M_E + 2 * e)
    target = atomic.AtomicElectrons("I")
    sm = StandardModel()
    assert sm.dsigma_dT(e, tmax * (1 + 1e-9), target, "nu_mu") == 0.0
    assert sm.dsigma_dT(e, tmax * (1 - 1e-6), target, "nu_mu") > 0.0
    # anti-nu_mu = nu_mu with g_L <-> g_R
    gl, gr = es.tree_couplings("nu_mu")
    assert es.tree_couplings("nu_mu_bar") == (gr, gl)
    assert es.tree_couplings("nu_e")[0] - es.tree_couplings("nu_mu")[0] == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(e=st.floats(0.5, 52.8), frac=st.floats(1e-4, 0.999), fl=st.sampled_from(["nu_e", "nu_mu", "nu_mu_bar"]),
       mu=st.floats(0, 100))
def test_laurent_structures_match_the_formula(e, frac, fl, mu):
    """The engine's structures (e_left, e_right, e_mix_v, e_mix_a, magnetic) reproduce the textbook formula."""
    tmax = 2 * e * e / (M_E + 2 * e)
    t = frac * tmax
    gl, gr = es.couplings(fl)
    ref = (2 * (G_F_GEV * 1e-6) ** 2 * M_E / math.pi * (gl**2 + gr**2 * (1 - t / e) ** 2 - gl * gr * M_E * t / e**2)
           + math.pi * ALPHA**2 / M_E**2 * (mu * 1e-10) ** 2 * (1 / t - 1 / e))
    names = ["mu_nue"] if fl == "nu_e" else ["mu_numu"]
    model = Electromagnetic(names, [mu])
    got = float(model.dsigma_dT(e, t, atomic.AtomicElectrons("Cs"), fl))
    assert got == pytest.approx(ref, rel=1e-9)
    assert LAURENT_POWERS == es._POWERS


# --- atomic binding ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("element, z", [("Cs", 55), ("I", 53)])
def test_z_eff_steps_at_xraydb_edges(element, z):
    import xraydb

    edges = xraydb.xray_edges(element)
    k = edges["K"].energy * 1e-6
    l3 = edges["L3"].energy * 1e-6
    assert atomic.z_eff(element, k * 1.001) == z
    assert atomic.z_eff(element, k * 0.999) == z - 2  # the two K electrons
    assert atomic.z_eff(element, l3 * 1.001) - atomic.z_eff(element, l3 * 0.999) == 4  # 2p3/2
    m5 = edges["M5"].energy * 1e-6
    assert atomic.z_eff(element, m5 * 1.001) - atomic.z_eff(element, m5 * 0.999) == 6  # 3d5/2
    assert atomic.z_eff(element, 1.0) == z and atomic.z_eff(element, 0.0) == 0


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0, 0.05), b=st.floats(0, 0.05))
def test_z_eff_monotone_integer(a, b):
    lo, hi = sorted((a, b))
    for el in ("Cs", "I"):
        za, zb = atomic.z_eff(el, lo), atomic.z_eff(el, hi)
        assert za <= zb and float(za).is_integer() and 0 <= za <= atomic.ELEMENT_Z[el]


# --- rates against a slow, independent quadrature ------------------------------------------------------------------
def _michel(flavour, e):
    x = e / M_MU
    return 192 / M_MU * x * x * (0.5 - x) if flavour == "nu_e" else 64 / M_MU * x * x * (0.75 - x)


def _zeff_ref(element, t):
    import xraydb

    cap = {"K": 2, "1": 2, "2": 2, "3": 4, "4": 4, "5": 6, "6": 6, "7": 8}
    left, n = atomic.ELEMENT_Z[element], 0
    for name, edge in sorted(xraydb.xray_edges(element).items(), key=lambda kv: -kv[1].energy):
        c = min(cap["K" if name == "K" else name[1:]], left)
        left -= c
        n += c * (t > edge.energy * 1e-6)
    return n + left  # untabulated outer electrons are free


def _slow_es_events(flavour, t_lo, t_hi, mu):
    """Events between T_e = t_lo and t_hi: N_mol Phi int dT sum_atoms Z_eff(T) int dE f(E) dsigma/dT (no response)."""
    det = electron_engine("csi").detector
    n_mol = 14.6e3 / (132.90545196 + 126.90447) * 6.02214076e23  # 14.6 kg of CsI (atomic masses, CODATA N_A)
    n_mol_phi = n_mol * 0.0848 * 3.198e23 / (4 * math.pi * 1930.0**2)  # r POT / (4 pi L^2)
    gl, gr = es.couplings(flavour)

    def dsig(e, t):
        if t > 2 * e * e / (M_E + 2 * e):
            return 0.0
        w = 2 * (G_F_GEV * 1e-6) ** 2 * M_E / math.pi * (gl**2 + gr**2 * (1 - t / e) ** 2 - gl * gr * M_E * t / e**2)
        return (w + math.pi * ALPHA**2 / M_E**2 * (mu * 1e-10) ** 2 * (1 / t - 1 / e)) * es.HBARC2_MEV2_CM2

    def per_t(t):
        z = _zeff_ref("Cs", t) + _zeff_ref("I", t)
        if flavour == "nu_mu":
            return z * dsig((139.57039**2 - M_MU**2) / (2 * 139.57039), t)
        emin = 0.5 * (t + math.sqrt(t * t + 2 * M_E * t))
        return z * quad(lambda e: _michel(flavour, e) * dsig(e, t), emin, M_MU / 2)[0]

    import xraydb

    pts = sorted(e.energy * 1e-6 for el in ("Cs", "I") for e in xraydb.xray_edges(el).values()
                 if t_lo < e.energy * 1e-6 < t_hi)
    return n_mol_phi * quad(per_t, t_lo, t_hi, points=pts, limit=400)[0]


@pytest.mark.parametrize("mu", [0.0, 40.0])
def test_es_recoil_spectrum_against_slow_quadrature(mu):
    eng = electron_engine("csi")
    t = eng.detector.recoil_nodes_mev
    model = Electromagnetic(["mu_nue", "mu_numu"], [mu, mu])
    spec = eng.recoil_spectrum(model)  # (3, nodes)
    lo, hi = eng.detector.settings["t_low_mev"], eng.detector.settings["t_high_mev"]
    for i, fl in enumerate(("nu_e", "nu_mu", "nu_mu_bar")):
        assert spec[i].sum() == pytest.approx(_slow_es_events(fl, lo, hi, mu), rel=2e-4), fl
    assert t.min() > 0


def test_nuclear_magnetic_rate_against_slow_quadrature():
    """The magnetic part of the CsI recoil spectrum: N Phi int dT Z^2 F_Z^2 (pi alpha^2 mu^2/m_e^2) int f(E)(1/T - 1/E)."""
    eng = engine("csi")
    mu = 30.0
    extra = eng.recoil_spectrum(Electromagnetic(["mu_numu"], [mu])) - eng.recoil_spectrum(StandardModel())
    det = eng.detector
    sm = StandardModel()
    t_lo = det.settings["t_low_mev"]
    total = 0.0
    for nuc, n in det.targets:
        def per_t(t, nuc=nuc):
            q = math.sqrt(2 * nuc.mass_mev * t)
            fz = float(sm.nuclear.form_factors(nuc, np.array([q]))[0][0])  # the form factor is an input here
            k = math.pi * ALPHA**2 / M_E**2 * (mu * 1e-10) ** 2 * nuc.Z**2 * fz**2 * es.HBARC2_MEV2_CM2
            emin = 0.5 * (t + math.sqrt(t * t + 2 * nuc.mass_mev * t))
            line = (139.57039**2 - M_MU**2) / (2 * 139.57039)
            michel = quad(lambda e: _michel("nu_mu_bar", e) * (1 / t - 1 / e), emin, M_MU / 2)[0] \
                if emin < M_MU / 2 else 0.0
            return k * ((1 / t - 1 / line) * (emin < line) + michel)
        tmax = 2 * (M_MU / 2) ** 2 / (nuc.mass_mev + M_MU)
        tline = 2 * 29.792**2 / (nuc.mass_mev + 2 * 29.792)
        total += n * det.source.fluence_per_cm2 * quad(per_t, t_lo, tmax, points=[tline], limit=400)[0]
    assert extra[1:].sum() == pytest.approx(total, rel=1e-3)
    assert extra[0].sum() == pytest.approx(0.0, abs=1e-9)  # nu_e has no moment here


def test_quadratic_form_equals_direct_evaluation():
    names = ["mu_nue", "r2_numu", "r2_nuenumu", "q_nue"]
    values = np.array([20.0, -3.0, 5.0, 0.01])
    for eng in (engine("csi"), electron_engine("csi")):
        direct = eng.counts(Electromagnetic(names, values))
        q = eng.quadratic_counts(Electromagnetic(names)).counts(values)
        np.testing.assert_allclose(q, direct, rtol=1e-10, atol=1e-14)


def test_radius_at_sm_value_is_the_sm():
    names = ["r2_nue", "r2_numu"]
    m = Electromagnetic(names, [sm_value(n) for n in names])
    for eng in (engine("csi"), engine("lar"), electron_engine("csi")):
        np.testing.assert_allclose(eng.counts(m), eng.counts(StandardModel()), rtol=1e-12, atol=1e-15)
    assert electron_engine("lar") is None


def test_dark_side_of_the_nu_e_radius():
    """N_nu_e(r^2) = N_SM again at the analytic r^2 = r^2_SM - 2 Q_SM/(Z dg), Q_SM = 0.0401 Z - 0.5094 N.

    With equal proton and neutron radii (F_Z = F_N) the point does not depend on the recoil energy: on LAr (one
    nucleus) the engine's root sits on it (0.1%); on CsI between the Cs and I points (2% of their mean)."""
    from scipy.optimize import brentq

    from cevns_lib.cross_section import NuclearModel

    def hand(z, n):
        return sm_value("r2_nue") - 2 * (0.0401 * z - 0.5094 * n) / (z * -0.023796)

    assert dark_side_radius("e", "Cs133") == pytest.approx(hand(55, 78), rel=1e-3)
    same = NuclearModel(radii="coherent")
    for det, point in (("lar", hand(18, 22)), ("csi", 0.5 * (hand(55, 78) + hand(53, 74)))):
        qc = engine(det).quadratic_counts(Electromagnetic(["r2_nue"], nuclear=same))
        n_sm = engine(det).counts(StandardModel(nuclear=same))[0].sum()
        root = brentq(lambda r: qc.counts(np.array([r]))[0].sum() - n_sm, -90.0, -30.0)
        assert root == pytest.approx(point, rel=1e-3 if det == "lar" else 0.02), det


def test_es_option_in_scans():
    """ES changes the CsI chi^2 only through the ES slot: tiny for a quark-only NSI, large for a millicharge."""
    x = np.array([[0.0], [0.05]])
    nsi = VectorNSI(["uV_ee"])
    a = chi2_quadratic(nsi, x, "csi")
    b = chi2_quadratic(nsi, x, "csi", electron_scattering=True)
    assert np.all(np.abs(a - b) < 0.01) and np.all(a != b)
    q = Electromagnetic(["q_nue"])
    qa = chi2_quadratic(q, np.array([[0.0], [0.05]]), "csi")
    qb = chi2_quadratic(q, np.array([[0.0], [0.05]]), "csi", electron_scattering=True)
    assert (qb[1] - qb[0]) > 3.0 > abs(qa[1] - qa[0])


# --- bad input and the CLI contract ---------------------------------------------------------------------------------
def test_bad_input_names_the_parameter():
    with pytest.raises(PhysicsInputError, match="mu_nutau"):
        Electromagnetic(["mu_nutau"])
    with pytest.raises(PhysicsInputError, match="repeated"):
        Electromagnetic(["mu_nue", "mu_nue"])
    with pytest.raises(ValueError, match="finite"):
        Electromagnetic(["q_nue"], [float("nan")])
    with pytest.raises(PhysicsInputError, match="scan grid of r2_nue"):
        em_interval("csi", "r2_nue", grid=[])
    with pytest.raises(PhysicsInputError, match="increasing"):
        em_interval("csi", "r2_nue", grid=[1.0, 0.0, 2.0])
    with pytest.raises(PhysicsInputError, match="finite"):
        em_interval("csi", "mu_numu", grid=[0.0, float("inf")])
    with pytest.raises(ValueError, match="data set"):
        em_interval("xe", "mu_numu")
    with pytest.raises(PhysicsInputError, match="element"):
        atomic.z_eff("Xx", 1e-3)
    with pytest.raises(PhysicsInputError, match="T_e"):
        atomic.z_eff("Cs", float("nan"))


def test_cli_em_json_contract(capsys):
    assert main(["em", "--dataset", "csi+lar", "--param", "mu_numu", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("dataset", "param", "unit", "best", "interval_90", "interval_2sigma"):
        assert key in out
    assert out["unit"] == "1e-10 mu_B" and out["dataset"] == "csi+lar" and out["param"] == "mu_numu"
    (lo, hi), = out["interval_90"]
    assert lo == 0.0 and 0 < hi < out["interval_2sigma"][0][1]
    with pytest.raises(SystemExit) as err:
        main(["em", "--dataset", "csi", "--param", "mu_tau"])
    assert err.value.code == 2
    assert set(PARAMETERS) == {"mu_nue", "mu_numu", "r2_nue", "r2_numu", "r2_nuenumu", "q_nue", "q_numu"}


# --- light mediators on electrons ------------------------------------------------------------------------------
def test_mediator_electron_shift_hand_value_and_loop_sign():
    """Universal Z' at M = 10 MeV: delta g_V = g^2 / (sqrt2 G_F (2 m_e T + M^2)) per unit g^2 (hand formula);
    L_mu - L_tau: the electron's loop charge is minus the proton's (charges -1 and +1)."""
    from cevns_lib.models.light_mediators import VectorMediator
    from cevns_lib.nuclei import nucleus

    t = np.array([2e-3])
    m = VectorMediator("universal", np.array([10.0]))
    terms = dict((name, amps) for name, amps in m.electron_amplitude_terms(atomic.AtomicElectrons("Cs"), "nu_mu", t))
    hand = 1.0 / (math.sqrt(2) * G_F_GEV * 1e-6 * (2 * M_E * 2e-3 + 100.0))
    assert float(np.ravel(terms["e_mix_v"][1])[0]) == pytest.approx(hand, rel=1e-9)
    assert float(np.ravel(terms["e_left"][1])[0]) == pytest.approx(hand / 2, rel=1e-9)
    lt = VectorMediator("lmu-ltau", np.array([1.0]))
    q = np.sqrt(2 * M_E * t)
    cs = nucleus("Cs133")
    t_nuc = q**2 / (2 * cs.mass_mev)  # the nuclear recoil with the same |q|
    fz = lt.nuclear.form_factors(cs, np.sqrt(2 * cs.mass_mev * t_nuc))[0]
    per_proton = lt.mediator_amplitude(cs, "nu_mu", t_nuc)[0] / (cs.Z * fz)
    shift = lt.charges.mu * lt.electron_charge(q) / (math.sqrt(2) * G_F_GEV * 1e-6 * (q**2 + 1.0))
    assert float(shift[0]) == pytest.approx(-float(per_proton[0]), rel=1e-9)


def test_mediator_bounds_with_electron_scattering():
    from cevns_lib.scans import coupling_bound

    assert coupling_bound("le-lmu", "csi", "low", electron_scattering=True) < \
        0.1 * coupling_bound("le-lmu", "csi", "low")
    a, b = (coupling_bound("b-3lmu", "csi", "low", electron_scattering=e) for e in (False, True))
    assert b == pytest.approx(a, rel=0.01)  # no electron charge: ES only adds its tiny SM rate


def test_es_enters_the_csi_likelihood_as_seed000_writes_it():
    """(1 + a0) N_ES(a6, a7): the normalisation a0, the timing a6 and the efficiency a7 act on ES, the quenching a5,
    the radius a4 and the backgrounds do not."""
    from cevns_lib.likelihood import csi_likelihood

    flags = {n.name: n.applies_to_es for n in csi_likelihood("seed000").nuisances}
    assert {k for k, v in flags.items() if v} == {"a0", "a6", "a7"}


def test_electron_quadrature_converged():
    """Halving the panels (order 16 instead of 8) and doubling the T_e cut-off moves the magnetic ES counts < 1e-4."""
    from cevns_lib.detectors.csi import csi_2021_electrons
    from cevns_lib.rates import RateEngine

    model = Electromagnetic(["mu_nue", "mu_numu"], [30.0, 30.0])
    nominal = electron_engine("csi").counts(model)
    fine = RateEngine(csi_2021_electrons(t_high_kev=40.0, order=16)).counts(model)
    np.testing.assert_allclose(fine, nominal, rtol=1e-4, atol=1e-8)
