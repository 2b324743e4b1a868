"""Scalar leptoquarks (contact NSI) and the NGI in seed 000's C_X normalisation.

Independent references: explicit 4x4 Dirac matrices (Fierz and charge-conjugation identities, spin sums of the
scalar, pseudoscalar and tensor cross sections), SU(2) contractions of the leptoquark couplings written out by hand,
and the NSI chi^2 of `VectorNSI` through the stated map eps = c (|lam|/m)^2 / (4 sqrt2 G_F).
"""

import json
import math

import numpy as np
import pytest
from scipy.optimize import brentq

from cevns_lib.cli import main
from cevns_lib.cross_section import NuclearModel, StandardModel, evaluate_laurent, kinematics
from cevns_lib.models import leptoquarks as lq
from cevns_lib.models.generalized import GeneralizedInteractions, pseudoscalar_charge
from cevns_lib.models.nsi import VectorNSI
from cevns_lib.nuclei import Nucleus, nucleus
from cevns_lib.rates import engine
from cevns_lib.scans import chi2_quadratic, leptoquark_bound, leptoquark_chi2

G_F = 1.1663788e-11  # MeV^-2, PDG (hand copy, not the library's constant)

# --- explicit Dirac algebra (Dirac representation), written independently of the library -----------------------
_I2, _Z2 = np.eye(2), np.zeros((2, 2))
_SIG = [np.array([[0, 1], [1, 0]], complex), np.array([[0, -1j], [1j, 0]]), np.array([[1, 0], [0, -1]], complex)]
GAM = [np.block([[_I2, _Z2], [_Z2, -_I2]]).astype(complex)] + [np.block([[_Z2, s], [-s, _Z2]]) for s in _SIG]
G5 = 1j * GAM[0] @ GAM[1] @ GAM[2] @ GAM[3]
ETA = np.diag([1.0, -1.0, -1.0, -1.0])
PL, PR = (np.eye(4) - G5) / 2, (np.eye(4) + G5) / 2
CMAT = 1j * GAM[2] @ GAM[0]
I4 = np.eye(4)
SIGMA = [[0.5j * (GAM[m] @ GAM[n] - GAM[n] @ GAM[m]) for n in range(4)] for m in range(4)]


def _bar(x):
    return x.conj() @ GAM[0]


def _slash(p):
    return sum(ETA[m, m] * p[m] * GAM[m] for m in range(4))


def _fierz_factor():
    """f in (a P_L b)(c P_R d) = f (a g^mu P_R d)(c g_mu P_L b) for c-number spinors (fields: times -1)."""
    rng = np.random.default_rng(7)
    a, b, c, d = (rng.normal(size=4) + 1j * rng.normal(size=4) for _ in range(4))
    lhs = (_bar(a) @ PL @ b) * (_bar(c) @ PR @ d)
    rhs = sum(ETA[m, m] * (_bar(a) @ GAM[m] @ PR @ d) * (_bar(c) @ GAM[m] @ PL @ b) for m in range(4))
    return lhs / rhs


def _cparity_factor():
    """f in (psi^c-bar g^mu P_R chi^c) = f (chi-bar g^mu P_L psi) for c-number spinors (fields: times -1)."""
    rng = np.random.default_rng(8)
    psi, chi = (rng.normal(size=4) + 1j * rng.normal(size=4) for _ in range(2))
    conj = lambda x: CMAT @ _bar(x).T  # noqa: E731
    ratios = [(_bar(conj(psi)) @ GAM[m] @ PR @ conj(chi)) / (_bar(chi) @ GAM[m] @ PL @ psi) for m in range(4)]
    assert np.allclose(ratios, ratios[0])
    return ratios[0]


def test_dirac_identities():
    assert _fierz_factor() == pytest.approx(0.5, abs=1e-12)
    assert _cparity_factor() == pytest.approx(1.0, abs=1e-12)


def _neutrino_weights():
    """|coefficient|^2 of each (quark, chirality) in the neutrino component of the SU(2) contraction, and whether the
    quark enters charge conjugated. Doublet index 0 = up/nu, 1 = down/e; i tau2 = [[0, 1], [-1, 0]]."""
    eps = np.array([[0, 1], [-1, 0]])
    out = {}
    # S_1: Q^c-bar_a (i tau2)_ab L_b, neutrino b = 0
    out["s1"] = {("u", "L", True): abs(eps[0, 0]) ** 2, ("d", "L", True): abs(eps[1, 0]) ** 2}
    # R_2, R2~: q_R-bar R^a (i tau2)_ab L_b with the doublet's components of unit normalisation: sum_a |eps_a0|^2
    out["r2"] = {("u", "R", False): sum(abs(eps[a, 0]) ** 2 for a in range(2))}
    out["r2t"] = {("d", "R", False): sum(abs(eps[a, 0]) ** 2 for a in range(2))}
    # S_3: (i tau2 tau.S)_{a0}; the charge eigenstates S^{(1 +- i2)/sqrt2}, S^3 have unit normalisation, so the
    # weight of quark a is sum over charge eigenstates of |d(i tau2 tau.S)_{a0}/d S_charge|^2
    tau = [np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.array([[1, 0], [0, -1]])]
    basis = {"S+": np.array([1, 1j, 0]) / math.sqrt(2), "S-": np.array([1, -1j, 0]) / math.sqrt(2),
             "S3": np.array([0, 0, 1.0])}
    w = {0: 0.0, 1: 0.0}
    for vec in basis.values():  # S^k = sum_charge vec_k S_charge
        m = eps @ sum(vec[k] * tau[k] for k in range(3))
        for a in (0, 1):
            w[a] += abs(m[a, 0]) ** 2
    out["s3"] = {("u", "L", True): w[0], ("d", "L", True): w[1]}
    return out


def test_fierz_couplings_against_hand_derivation():
    # L_eff = |lam|^2/m^2 (q P_L nu)(nu P_R q) -> Fierz (field sign -1) -> C-parity (field sign -1) when q is q^c;
    # eps = -(coefficient of (nu g P_L nu)(q g P_X q)) / (2 sqrt2 G_F), so c = -2 x coefficient in |lam|^2/m^2
    fierz, cpar = -_fierz_factor().real, -_cparity_factor().real
    hand = {"s1": {("d", "L"): -1.0}, "r2": {("u", "R"): 1.0}, "r2t": {("d", "R"): 1.0},
            "s3": {("u", "L"): -2.0, ("d", "L"): -1.0}}
    for key, weights in _neutrino_weights().items():
        derived = {}
        for (q, chir, conjugated), w in weights.items():
            if w == 0:
                continue
            coeff = w * fierz * (cpar if conjugated else 1.0)
            derived[q, chir] = -2.0 * coeff
        assert derived == pytest.approx(hand[key]), key
        lib = {(q, p): c for q, p, c in lq.leptoquark(key).operators}
        assert lib == pytest.approx(hand[key]), key
    # vector eps^V = eps^L + eps^R and axial shift of g_A = g_L - g_R: eps^L - eps^R
    assert lq.chiral_couplings("s3") == {("u", "V"): -2.0, ("u", "A"): -2.0, ("d", "V"): -1.0, ("d", "A"): -1.0}
    assert lq.chiral_couplings("r2") == {("u", "V"): 1.0, ("u", "A"): -1.0}


def test_nsi_map_numbers():
    # eps per (|lam|/m)^2 = 1 TeV^-2: 1e-12 MeV^-2 / (4 sqrt2 G_F) = 0.01516
    assert lq.EPS_PER_INV_TEV2 == pytest.approx(1e-12 / (4 * math.sqrt(2) * G_F), rel=1e-12)
    eps = lq.nsi_couplings("s3", "mu", 1.0, 0.5)  # lam = 1, m = 0.5 TeV: (lam/m)^2 = 4 TeV^-2
    assert eps == pytest.approx({"uV_mumu": -2 * 4 * lq.EPS_PER_INV_TEV2, "dV_mumu": -4 * lq.EPS_PER_INV_TEV2})


@pytest.mark.parametrize("key,names,c", [("s1", ["dV_ee"], [-1.0]), ("r2", ["uV_ee"], [1.0]),
                                         ("s3", ["uV_ee", "dV_ee"], [-2.0, -1.0])])
def test_leptoquark_chi2_is_the_nsi_chi2(key, names, c):
    # Ar-40 has spin zero: the leptoquark's chi^2 at |lam|/m = y is the NSI chi^2 at eps = c y^2 / (4 sqrt2 G_F)
    y = np.linspace(0.0, 6.0, 61)
    eps = np.outer(y**2 * 1e-12 / (4 * math.sqrt(2) * G_F), c)
    np.testing.assert_allclose(leptoquark_chi2(key, "e", y, "lar"), chi2_quadratic(VectorNSI(names), eps, "lar"),
                               rtol=1e-9)
    # CsI: equal once the leptoquark's (spin-dependent) axial part is switched off; with it, a small change
    x = (y**2)[:, None]
    vec_only = chi2_quadratic(lq.LeptoquarkModel(key, "e", lq_axial=False), x, "csi")
    np.testing.assert_allclose(vec_only, chi2_quadratic(VectorNSI(names), eps, "csi"), rtol=1e-9)
    full = chi2_quadratic(lq.LeptoquarkModel(key, "e"), x, "csi")
    assert 0 < np.max(np.abs(full - vec_only)) < 0.05 * np.ptp(vec_only)


def test_leptoquark_bound_equals_induced_nsi_bound():
    # S_1 on nu_mu, LAr: the bound on y = |lam|/m is the 2 sigma edge of eps^{dV}_{mumu} on the physical half-line
    # eps <= 0, found by root finding on the NSI chi^2, mapped back through eps = -y^2/(4 sqrt2 G_F)
    res = leptoquark_bound("s1", "mu", "lar")
    k = 1e-12 / (4 * math.sqrt(2) * G_F)

    def chi2(e):
        return float(chi2_quadratic(VectorNSI(["dV_mumu"]), np.array([[e]]), "lar")[0])

    grid = np.linspace(-0.5, 0.0, 201)
    ref = min(chi2_quadratic(VectorNSI(["dV_mumu"]), grid[:, None], "lar"))
    eps_edge = brentq(lambda e: chi2(e) - ref - 4.0, -0.5, 0.0, xtol=1e-7)
    assert res["lambda_over_m_bound_per_TeV"] == pytest.approx(math.sqrt(-eps_edge / k), rel=2e-3)


def test_dark_side_only_for_destructive_leptoquarks():
    # R_2 (eps^{uV} > 0) reduces |Q_V| and comes back (dark side); S_1 (eps^{dV} < 0) only grows the rate
    r2 = leptoquark_bound("r2", "e", "csi+lar")
    s1 = leptoquark_bound("s1", "e", "csi+lar")
    assert len(r2["allowed_islands_per_TeV"]) == 1 and r2["allowed_islands_per_TeV"][0][0] > \
        r2["lambda_over_m_bound_per_TeV"]
    assert s1["allowed_islands_per_TeV"] == []
    n = [engine("lar").total(lq.LeptoquarkModel("s1", "e", y, 1.0)) for y in (0.0, 1.0, 2.0, 3.0)]
    assert np.all(np.diff(n) > 0)


def test_leptoquark_cli_json(capsys):
    assert main(["leptoquark", "--lq", "s3", "--flavour", "mu", "--dataset", "csi", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"lq", "flavour", "dataset", "lambda_over_m_bound_per_TeV", "operators"}
    assert (out["lq"], out["flavour"], out["dataset"]) == ("s3", "mu", "csi")
    assert 0.1 < out["lambda_over_m_bound_per_TeV"] < 10
    assert [(o["quark"], o["chirality"]) for o in out["operators"]] == [("u", "L"), ("d", "L")]
    assert out["operators"][0]["coefficient"] == pytest.approx(2 * out["operators"][1]["coefficient"])


def test_leptoquark_bad_input(capsys):
    with pytest.raises(ValueError, match="unknown leptoquark"):
        lq.LeptoquarkModel("s2", "e")
    with pytest.raises(ValueError, match="flavour"):
        lq.LeptoquarkModel("s1", "tau")
    with pytest.raises(ValueError, match="mass"):
        lq.LeptoquarkModel("s1", "e", coupling=1.0, mass_tev=-1.0)
    with pytest.raises(ValueError, match="both"):
        lq.LeptoquarkModel("s1", "e", coupling=1.0)
    with pytest.raises(ValueError, match="lambda"):
        lq.x_of(float("nan"), 1.0)
    with pytest.raises(ValueError, match="lambda"):
        leptoquark_chi2("s1", "e", [-1.0], "lar")
    with pytest.raises(SystemExit) as exc:
        main(["leptoquark", "--lq", "x1", "--flavour", "e", "--dataset", "csi"])
    assert exc.value.code == 2


# --- NGI in seed 000's normalisation ----------------------------------------------------------------------------
def _lab(e, t, m):
    k, p = np.array([e, 0, 0, e]), np.array([m, 0, 0, 0.0])
    c = 1 - t * m / (e * (e - t))
    kp = (e - t) * np.array([1, math.sqrt(1 - c * c), 0, c])
    return k, kp, p, k + p - kp


def _explicit_dsigma(structure, e, t, m):
    """dsigma/dT (MeV^-3) of G [nu-bar Gamma P_L nu][N-bar Gamma N] with G = 1 MeV^-2, spin sums by traces."""
    k, kp, p, pp = _lab(e, t, m)
    nu = lambda a, b: np.trace(_slash(kp) @ a @ PL @ _slash(k) @ PR @ b)  # noqa: E731
    nuc = lambda a, b: 0.5 * np.trace((_slash(pp) + m * I4) @ a @ (_slash(p) + m * I4) @ b)  # noqa: E731
    if structure == "S":
        msq = nu(I4, I4) * nuc(I4, I4)
    elif structure == "P":
        msq = nu(I4, I4) * nuc(1j * G5, 1j * G5)
    else:
        msq = sum(ETA[a, a] * ETA[b, b] * ETA[c, c] * ETA[d, d] * nu(SIGMA[a][b], SIGMA[c][d])
                  * nuc(SIGMA[a][b], SIGMA[c][d]) for a in range(4) for b in range(4) for c in range(4)
                  for d in range(4))
    return msq.real / (32 * math.pi * m * e**2)


@pytest.mark.parametrize("e,t", [(30.0, 0.01), (50.0, 0.05)])
def test_kinematic_structures_against_explicit_traces(e, t):
    m = 1000.0
    lap = {s: float(evaluate_laurent(kinematics(s, np.array([t]), m), e, t, m)[0])
           for s in ("scalar", "pseudoscalar", "tensor")}
    assert _explicit_dsigma("S", e, t, m) == pytest.approx(lap["scalar"], rel=1e-4)
    assert _explicit_dsigma("P", e, t, m) == pytest.approx(lap["pseudoscalar"], rel=1e-9)
    # the operator's tensor cross section is TWICE seed 000's light-tensor formula (up to O(T/E) terms)
    assert _explicit_dsigma("T", e, t, m) == pytest.approx(2 * lap["tensor"], rel=2e-3)


def _excess(model, nuc, e, t):
    sm = StandardModel(nuclear=model.nuclear, ew=model.ew)  # the SM with the same inputs
    return float(model.dsigma_dT(e, t, nuc, "nu_mu") - sm.dsigma_dT(e, t, nuc, "nu_mu"))


def test_ngi_scalar_is_seed_ls_formula_in_contact_limit():
    # seed 000's LS: M^2 T C_S^2 F^2 / (4 pi E^2 (2MT + m^2)^2) with the contact limit C_S^LS/m^2 = G_F C_S K/sqrt2
    from cevns_lib.models import nucleon

    nuc = nucleus("Ar40")
    e, t, c_s = 30.0, 0.02, 0.01
    model = GeneralizedInteractions(["S_d"], [c_s])
    fz, fn = model.nuclear.form_factors(nuc, np.sqrt(2 * nuc.mass_mev * t))
    k = nuc.Z * 938.27208816 * 0.0411 / 4.70 * fz + nuc.N * 939.56542052 * 0.0451 / 4.70 * fn
    assert nucleon.scalar_charge("p", "d") == pytest.approx(938.27208816 * 0.0411 / 4.70)
    ls = nuc.mass_mev**2 * t * (G_F * c_s * k / math.sqrt(2)) ** 2 / (4 * math.pi * e**2)
    assert _excess(model, nuc, e, t) == pytest.approx(float(ls), rel=1e-9)


def test_ngi_vector_conversion_to_nsi():
    # eps_V = -C_V/2: C_V^u = -0.2 is eps^{uV} = +0.1 in every flavour
    eng = engine("csi")
    np.testing.assert_allclose(eng.counts(GeneralizedInteractions(["V_u"], [-0.2])),
                               eng.counts(VectorNSI(["uV_ee", "uV_mumu"], [0.1, 0.1])), rtol=1e-12)


def test_tensor_conventions_and_pseudoscalar():
    cs = nucleus("Cs133")
    e, t = 40.0, 0.01
    traces = _excess(GeneralizedInteractions(["T_d"], [0.3]), cs, e, t)
    seed = _excess(GeneralizedInteractions(["T_d"], [0.3], tensor="seed"), cs, e, t)
    assert traces == pytest.approx(2 * seed, rel=1e-12)
    # P on a free proton (spin 1/2, <S_p> = 1/2) is the explicit-trace result with g_P^{u,p} of Cheng's formula
    proton = Nucleus("p", 1, 1, 1.00782503207, 0.8409, spin_J=0.5, spin_p=0.5, spin_n=0.0)
    mbar = 1 / (1 / 2.16 + 1 / 4.70)
    g_p = 938.27208816 / 2.16 * (0.842 - mbar * (0.842 / 2.16 - 0.427 / 4.70))
    assert pseudoscalar_charge("p", "u") == pytest.approx(g_p, rel=1e-12)
    e, t, c_p = 30.0, 1e-4, 5.0
    expect = (G_F * c_p / math.sqrt(2)) ** 2 * g_p**2 * _explicit_dsigma("P", e, t, proton.mass_mev)
    point_like = NuclearModel("klein_nystrand", "coherent")  # any shape: F = 1 - 1e-6 at |q| = 0.4 MeV
    model = GeneralizedInteractions(["P_u"], [c_p], nuclear=point_like)
    assert _excess(model, proton, e, t) == pytest.approx(expect, rel=2e-3)
    # spin dependent: nothing on Ar-40; on Cs-133 far below the scalar at the same coupling
    assert _excess(GeneralizedInteractions(["P_u"], [1.0]), nucleus("Ar40"), 30.0, 0.02) == 0.0
    p_cs = _excess(GeneralizedInteractions(["P_u"], [1.0]), cs, 30.0, 0.01)
    s_cs = _excess(GeneralizedInteractions(["S_u"], [1.0]), cs, 30.0, 0.01)
    assert 0 < p_cs < 1e-4 * s_cs


def test_ngi_bad_input():
    with pytest.raises(ValueError, match="tensor"):
        GeneralizedInteractions(["T_u"], tensor="half")
    with pytest.raises(ValueError, match="unknown NGI"):
        GeneralizedInteractions(["X_u"])
    with pytest.raises(ValueError, match="finite"):
        GeneralizedInteractions(["S_u"], [float("nan")])
