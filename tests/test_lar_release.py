"""COHERENT's own LAr likelihood (configuration 'coherent') and the CsI refusal."""

import numpy as np
import pytest

from cevns_lib import fits
from cevns_lib.cli import main
from cevns_lib.likelihood import csi_likelihood, lar_likelihood
from cevns_lib.likelihood import lar_release as lr
from cevns_lib.rates import engine


def test_sm_hypothesis_is_the_release_pdf():
    lk = lar_likelihood("coherent")
    cube = lr.release_cubes()["cevns"]
    spread = lk._as_signal(engine("lar").counts()[None])[0].sum(axis=0)
    assert np.allclose(spread, cube.ravel(), rtol=1e-12, atol=1e-12)
    assert lk.n_bins == 960 and lk.statistic == "poisson"


def test_release_priors_pinned():
    pri = lr.release_priors()  # 17/128, 25/3154, 160/497, 33/33 from LArParametersAnlA.yaml
    assert pri["cevns"] == pytest.approx(17 / 128)
    assert pri["ss"] == pytest.approx(25 / 3154)
    assert pri["pbrn"] == pytest.approx(160 / 497)
    assert pri["dbrn"] == pytest.approx(1.0)
    names = [n.name for n in lar_likelihood("coherent").nuisances]
    assert names == ["b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8"]


def test_engine_signal_keeps_engine_normalisation():
    lk = lr.coherent_likelihood(signal="engine")  # above 60 keVee the release PDF (so its F90 shape) is empty
    assert lk.sm_signal.sum() == pytest.approx(engine("lar").counts().sum(), rel=1e-5)


def test_coherent_fit_reproduces_159_pm_43():
    res = fits.fit("lar", "cevns", "coherent")
    assert abs(res["best"] - 159.0) < 0.3 * 43.0
    assert 35 < 0.5 * (res["minus"] + res["plus"]) < 50


def test_csi_coherent_is_refused_with_reason(capsys):
    with pytest.raises(ValueError, match="does not contain COHERENT's likelihood"):
        csi_likelihood("coherent")
    with pytest.raises(SystemExit) as err:
        main(["fit", "--dataset", "csi", "--param", "cevns", "--config", "coherent"])
    assert err.value.code == 2
    assert "seed000" in capsys.readouterr().err


def test_a7_prior_is_a_stated_choice():
    unit = {n.name: n.sigma for n in csi_likelihood("seed000").nuisances}
    free = {n.name: n.sigma for n in csi_likelihood("seed000", a7_prior="free").nuisances}
    assert unit["a7"] == 1.0 and free["a7"] is None
    with pytest.raises(ValueError, match="a7_prior"):
        csi_likelihood("seed000", a7_prior="wide")
