"""Post-fit projections: the components add up to the fitted expectation and the projections conserve counts."""
import numpy as np
import pytest

from cevns_lib import postfit
from cevns_lib.likelihood import csi_likelihood, lar_likelihood
from cevns_lib.likelihood.profile import poisson_deviance


def test_csi_components_reproduce_the_profiled_chi2():
    lk = csi_likelihood()
    chi2, a, comps = postfit.best_fit(lk)
    mu = sum(c.ravel() for c in comps.values())
    prior = sum((x / nu.sigma) ** 2 for x, nu in zip(a, lk.nuisances) if nu.sigma is not None)
    # recomputed from the components alone, independently of the profiler's internals
    assert float(poisson_deviance(mu[None], lk.data)[0]) + prior == pytest.approx(chi2, rel=1e-6)


def test_lar_components_reproduce_the_profiled_chi2():
    lk = lar_likelihood()
    chi2, a, comps = postfit.best_fit(lk)
    mu = sum(c.ravel() for c in comps.values())
    prior = sum((x / nu.sigma) ** 2 for x, nu in zip(a, lk.nuisances) if nu.sigma is not None)
    assert float(np.sum((mu - lk.data) ** 2 / lk.variance)) + prior == pytest.approx(chi2, rel=1e-6)


@pytest.mark.parametrize("build, keys", [(postfit.csi_projections, ("pe", "t_rec")),
                                         (postfit.lar_projections, ("energy", "f90", "time"))])
def test_projections_conserve_counts(build, keys):
    proj = build()
    totals = {k: sum(c.sum() for c in proj[k]["components"].values()) for k in keys}
    data = {k: proj[k]["data"].sum() for k in keys}
    for k in keys:
        assert proj[k]["edges"].size == proj[k]["data"].size + 1
        assert totals[k] == pytest.approx(totals[keys[0]], rel=1e-9)  # every projection holds the same fit
        assert data[k] == pytest.approx(data[keys[0]], rel=1e-9)
    for k in keys:  # the same stack in every panel, the signal on top
        assert list(proj[k]["components"]) == list(proj[keys[0]]["components"])
    assert list(proj[keys[0]]["components"])[-1] == "CEvNS"
    # each component keeps its fitted total in every projection
    for label in proj[keys[0]]["components"]:
        for k in keys:
            assert proj[k]["components"][label].sum() == pytest.approx(
                proj[keys[0]]["components"][label].sum(), rel=1e-9)
