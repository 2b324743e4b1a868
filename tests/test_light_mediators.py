"""Light mediators (seed 001): limits of the Z' amplitude, kinetic mixing, anomaly freedom, g-2, CLI, bad input."""

import json
import math

import numpy as np
import pytest
from scipy.integrate import quad

from cevns_lib.cli import main
from cevns_lib.constants import M_MUON_MEV
from cevns_lib.models import U1_MODELS, VectorMediator, ZPrimeCharges, model
from cevns_lib.models import kinetic_mixing as km
from cevns_lib.models import muon_g2
from cevns_lib.nuclei import nucleus
from cevns_lib.rates import engine
from cevns_lib.scans import allowed_islands, bounds, chi2_grid
from cevns_lib.validation import PhysicsInputError

T = np.linspace(1e-3, 0.04, 50)


@pytest.mark.parametrize("name", ["universal", "b-l", "lmu-ltau", "scalar"])
def test_no_coupling_is_the_standard_model(name):
    eng = engine("csi")
    np.testing.assert_allclose(eng.counts(model(name, 10.0, coupling=0.0)), eng.counts(), rtol=1e-12)
    np.testing.assert_allclose(eng.counts(model(name, 10.0, coupling=1e-9)), eng.counts(), rtol=1e-6)


def test_heavy_mediator_is_a_contact_interaction():
    cs = nucleus("Cs133")
    m = 1e5  # 100 GeV >> |q|
    light = VectorMediator("b-l", m).mediator_amplitude(cs, "nu_mu", T)
    contact = VectorMediator("b-l", m, high_mass=True).mediator_amplitude(cs, "nu_mu", T)
    np.testing.assert_allclose(light * m**2, contact, rtol=1e-5)
    # and the contact term has the NSI structure: constant times the SM-like nuclear charge
    q = np.sqrt(2 * cs.mass_mev * T)
    fz, fn = VectorMediator("b-l").nuclear.form_factors(cs, q)
    ratio = contact / (cs.Z * fz + cs.N * fn)
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-12)


def test_quadratic_form_equals_direct_evaluation():
    eng = engine("lar")
    g, masses = 3e-5, np.array([1.0, 30.0, 500.0])
    quad_counts = eng.quadratic_counts(model("universal", masses)).counts(np.full((3, 1), g * g))
    for i, m in enumerate(masses):
        np.testing.assert_allclose(quad_counts[i], eng.counts(model("universal", m, coupling=g)), rtol=1e-10)


def test_kinetic_mixing_against_quadrature():
    for q in (0.0, 5.0, 30.0, 120.0):
        for a, b in (("e", "mu"), ("mu", "tau"), ("e", "tau")):
            ref = quad(lambda x: x * (1 - x) * math.log((km.LEPTON_MASSES_MEV[b] ** 2 + x * (1 - x) * q * q)
                                                        / (km.LEPTON_MASSES_MEV[a] ** 2 + x * (1 - x) * q * q)),
                       0, 1, epsabs=0, epsrel=1e-12)[0]
            assert km.epsilon_seed(np.array([q]), b, a)[0] == pytest.approx(ref, rel=1e-10)
            assert km.epsilon(np.array([q]), {a: 1, b: -1})[0] == pytest.approx(ref, rel=1e-12)
    # q -> 0: eps_{mu e} = ln(m_mu/m_e)/3
    assert km.epsilon_seed(np.array([0.0]), "mu", "e")[0] == pytest.approx(math.log(M_MUON_MEV / 0.51099895) / 3)
    with pytest.raises(ValueError, match="sum to zero"):
        km.epsilon(np.array([1.0]), {"e": 1})


def test_anomaly_free_charges():
    for name in ("b-l", "b-3le", "b-3lmu", "b-2le-lmu", "b-le-2lmu", "le-lmu", "le-ltau", "lmu-ltau"):
        assert U1_MODELS[name].anomaly_sum() == pytest.approx(0.0, abs=1e-12), name
    assert U1_MODELS["universal"].anomaly_sum() is None
    assert ZPrimeCharges("b+l", 1 / 3, 1 / 3, 1, 1, 1, (1, 1, 1)).anomaly_sum() == pytest.approx(6.0)


def test_destructive_interference_dip():
    # universal Z' heavier than |q|: the new amplitude is opposite to the SM weak charge and nearly constant in T,
    # so at g^2 ~ -2 Q_SM / K the weak charge flips sign and the SM rate returns: an allowed island
    g = np.logspace(-6, -1, 500)
    d = chi2_grid("universal", [1000.0], np.concatenate([[0], g]), "csi")[0]
    islands = allowed_islands(g, d[1:] - d.min(), 4.0)
    assert len(islands) >= 1
    lo, hi = islands[0]
    cs = nucleus("Cs133")
    m = VectorMediator("universal", 1000.0)
    t = np.array([0.01])
    flip = np.sqrt(-2 * m.vector_charge(cs, "nu_mu", t)[0] / m.mediator_amplitude(cs, "nu_mu", t)[0])
    assert 0.8 * lo < flip < 1.25 * hi
    # a B-L Z' adds with the same sign as the SM charge: no island
    d = chi2_grid("b-l", [1000.0], np.concatenate([[0], g]), "csi")[0]
    assert allowed_islands(g, d[1:] - d.min(), 4.0) == []


def test_g_minus_2():
    # massless vector: a = g^2/(8 pi^2) (the QED Schwinger term with g = e)
    assert muon_g2.delta_a_mu(1.0, 0.0, "vector") == pytest.approx(1 / (8 * math.pi**2), rel=1e-10)
    for kind, qf in (("vector", lambda x: 2 * x * x * (1 - x)), ("scalar", lambda x: x * x * (2 - x))):
        for m in (10.0, 300.0, 3000.0):
            r = (m / M_MUON_MEV) ** 2
            ref = quad(lambda x: qf(x) / (x * x + (1 - x) * r), 0, 1, epsabs=0, epsrel=1e-12)[0] / (8 * math.pi**2)
            assert muon_g2.delta_a_mu(1.0, m, kind) == pytest.approx(ref, rel=1e-8, abs=0)
    g = muon_g2.coupling_for_delta_a(251e-11, np.array([10.0, 100.0]))
    np.testing.assert_allclose(muon_g2.delta_a_mu(g, np.array([10.0, 100.0])), 251e-11, rtol=1e-12)


def test_bad_input():
    with pytest.raises(PhysicsInputError, match="mass"):
        model("b-l", -1.0)
    with pytest.raises(PhysicsInputError, match="coupling"):
        model("b-l", 1.0, coupling=-1e-5)
    with pytest.raises(ValueError, match="unknown U\\(1\\)' model"):
        model("b-2l", 1.0)
    with pytest.raises(ValueError, match="unknown model"):
        bounds("x-y", "csi")
    with pytest.raises(ValueError, match="unknown data set"):
        bounds("b-l", "xenon")
    with pytest.raises(PhysicsInputError):
        muon_g2.delta_a_mu(1.0, -5.0)


def test_limits_cli(capsys):
    assert main(["limits", "--model", "lmu-ltau", "--dataset", "csi", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"model", "dataset", "g_low_mass", "g_over_m_high_mass_per_GeV"} <= set(out)
    assert 1e-4 < out["g_low_mass"] < 1e-2
    assert main(["limits", "--model", "all", "--dataset", "lar", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert isinstance(rows, list) and len(rows) == 11
    # hadrophilic couplings are bounded far more strongly than loop-induced L_a - L_b ones
    by = {r["model"]: r for r in rows}
    assert by["b-l"]["g_low_mass"] < 0.1 * by["le-lmu"]["g_low_mass"]
