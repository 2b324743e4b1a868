"""NSI and generalised interactions (seed 000): dark side, sign symmetry of S and T, quadratic forms, CLI, bad input."""

import json

import numpy as np
import pytest

from cevns_lib.cli import main
from cevns_lib.models.generalized import GeneralizedInteractions
from cevns_lib.models.nsi import VectorNSI, dark_side, parse
from cevns_lib.rates import engine
from cevns_lib.scans import chi2_quadratic, nsi_interval


def _local_minima(x, y):
    i = np.nonzero((y[1:-1] < y[:-2]) & (y[1:-1] <= y[2:]))[0] + 1
    return x[i]


@pytest.mark.parametrize("name,nuc", [("uV_ee", "Ar40"), ("dV_mumu", "Ar40")])
def test_dark_side_minimum_where_the_weak_charge_cancels(name, nuc):
    # one flavour-diagonal coupling: chi^2 depends on Q(eps)^2 with Q linear in eps, so its two minima are
    # mirror images about the cancellation point Q = 0, i.e. they sum to the analytic dark side -2 Q_SM/K
    grid = np.linspace(-0.3, 0.8, 2201)
    chi2 = chi2_quadratic(VectorNSI([name]), grid[:, None], "lar")
    mins = _local_minima(grid, chi2)
    assert len(mins) == 2
    t_typ = 0.02  # MeV: a typical LAr recoil; the charge ratio varies with T only through F_Z/F_N
    assert mins.sum() == pytest.approx(dark_side(name, nuc, t_typ), rel=0.02)


def test_dark_side_rate_equals_sm():
    eps = dark_side("uV_ee", "Ar40", 0.0)
    eng = engine("lar")
    n_sm, n_dark = eng.counts(), eng.counts(VectorNSI(["uV_ee"], [eps]))
    # nu_e counts return to the SM up to the T dependence of F_Z/F_N and the other argon isotopes' own N/Z
    assert n_dark[0].sum() == pytest.approx(n_sm[0].sum(), rel=0.02)
    assert n_dark[0].sum() != pytest.approx(n_sm[0].sum(), rel=1e-6)  # it is a genuine second solution, not eps=0
    np.testing.assert_allclose(n_dark[1:], n_sm[1:], rtol=1e-12)


@pytest.mark.parametrize("name", ["S_u", "S_d", "T_u", "T_d"])
def test_scalar_and_tensor_do_not_interfere(name):
    g = np.linspace(-0.5, 0.5, 41)
    chi2 = chi2_quadratic(GeneralizedInteractions([name]), g[:, None], "csi")
    np.testing.assert_allclose(chi2, chi2[::-1], rtol=1e-7)  # the profile converges to ~1e-7 relative
    assert chi2[0] > chi2[20]


def test_vector_ngi_interferes():
    g = np.linspace(-0.2, 0.2, 41)
    chi2 = chi2_quadratic(GeneralizedInteractions(["V_u"]), g[:, None], "csi")
    assert not np.allclose(chi2, chi2[::-1], rtol=1e-3)
    # V_u is the seed's C_V^u = -2 eps^{uV}, flavour universal: the same rates as NSI in all diagonal flavours
    eng = engine("csi")
    ngi = eng.counts(GeneralizedInteractions(["V_u"], [-0.2]))
    nsi = eng.counts(VectorNSI(["uV_ee", "uV_mumu"], [0.1, 0.1]))
    np.testing.assert_allclose(ngi, nsi, rtol=1e-12)


def test_quadratic_form_matches_direct():
    eng = engine("csi")
    model = VectorNSI(["uV_ee", "dV_emu"])
    x = np.array([[0.05, -0.1], [0.3, 0.2]])
    q = eng.quadratic_counts(model).counts(x)
    for i in range(2):
        np.testing.assert_allclose(q[i], eng.counts(VectorNSI(["uV_ee", "dV_emu"], x[i])), rtol=1e-10)


def test_nsi_cli_json(capsys):
    assert main(["nsi", "--dataset", "csi", "--param", "uV_ee", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"dataset", "param", "best", "interval_90", "interval_2sigma"} <= set(out)
    assert all(len(p) == 2 and p[0] <= p[1] for p in out["interval_90"])
    # the 90% region lies inside the 2 sigma one
    lo90, hi90 = out["interval_90"][0][0], out["interval_90"][-1][1]
    assert out["interval_2sigma"][0][0] <= lo90 and hi90 <= out["interval_2sigma"][-1][1]


def test_flavour_changing_is_symmetric():
    res = nsi_interval("csi+lar", "uV_emu")
    (lo, hi), = res["interval_2sigma"]
    assert lo == pytest.approx(-hi, rel=1e-6)


def test_bad_input(capsys):
    with pytest.raises(ValueError, match="unknown NSI parameter"):
        parse("epsilon_ee")
    with pytest.raises(ValueError, match="wrong flavour index"):
        parse("uV_em")
    with pytest.raises(ValueError, match="no dark side"):
        dark_side("uV_emu", "Cs133")
    GeneralizedInteractions(["P_u"])  # the pseudoscalar is computed now (spin dependent), not refused
    with pytest.raises(ValueError, match="unknown NGI"):
        GeneralizedInteractions(["Q_u"])
    with pytest.raises(SystemExit):
        main(["nsi", "--dataset", "csi", "--param", "uV_xx"])
    assert "wrong flavour index" in capsys.readouterr().err
