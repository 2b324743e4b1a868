"""The `nuclear` option of the mediator scans (scans.chi2_grid / bound_profile): the nuclear model of the
predicted CEvNS counts, for the alternatives set beside the published light-mediator bounds."""

import numpy as np
import pytest

from cevns_lib import scans
from cevns_lib.cross_section import NuclearModel
from cevns_lib.fits import likelihood
from cevns_lib.models import model as mediator
from cevns_lib.rates import engine

G = np.array([0.0, 2e-5, 5e-5])
LARGE = NuclearModel(neutron_radius_fm={"Cs133": 5.5, "I127": 5.5, "Ar40": 3.7})


def test_default_nuclear_model_is_the_library_default():
    a = scans.chi2_grid("b-l", [1.0], G, "csi+lar")
    b = scans.chi2_grid("b-l", [1.0], G, "csi+lar", nuclear=NuclearModel())
    np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("det", ["csi", "lar"])
def test_nuclear_model_reaches_the_counts(det):
    """chi^2 with R_n overridden equals the profile of counts built directly with that nuclear model."""
    m = mediator("b-3le", np.array([1.0]), nuclear=LARGE)
    counts = engine(det).quadratic_counts(m).counts((G * G)[..., None])
    direct = likelihood(det, "seed001").chi2_profiled(counts.reshape((-1,) + counts.shape[-3:]))
    np.testing.assert_allclose(scans.chi2_grid("b-3le", [1.0], G, det, nuclear=LARGE)[0], direct, rtol=1e-10)


def test_larger_neutron_radius_fewer_sm_events_and_distinct_cache_entries():
    """A larger R_n suppresses F_N(q): fewer SM events in both detectors; two radii are two cache entries."""
    for det in ("csi", "lar"):
        n0 = scans._quadratic(det, "b-l", (1.0,), False, None).counts(np.zeros((1, 1))).sum()
        n1 = scans._quadratic(det, "b-l", (1.0,), False, scans._nuclear_key(LARGE)).counts(np.zeros((1, 1))).sum()
        assert n1 < 0.99 * n0
    a = scans.chi2_grid("b-l", [1.0], G, "csi", nuclear=LARGE)
    b = scans.chi2_grid("b-l", [1.0], G, "csi", nuclear=NuclearModel(neutron_radius_fm={"Cs133": 4.6, "I127": 4.6}))
    assert not np.allclose(a, b)


def test_bound_profile_passes_the_nuclear_model():
    x0, d0 = scans.bound_profile("b-l", "csi", "high", n=200)
    x1, d1 = scans.bound_profile("b-l", "csi", "high", n=200, nuclear=LARGE)
    np.testing.assert_array_equal(x0, x1)
    # fewer SM events with the larger radius: a constructive Z' has more room, the bound is weaker
    assert scans.read_bound(x1, d1) > 1.02 * scans.read_bound(x0, d0)


def test_bad_nuclear_inputs():
    with pytest.raises(ValueError, match="nuclear"):
        scans.chi2_grid("b-l", [1.0], G, "csi", nuclear={"Cs133": 5.0})
    with pytest.raises(ValueError, match="neutron_radius_fm"):
        scans.chi2_grid("b-l", [1.0], G, "csi", nuclear=NuclearModel(neutron_radius_fm={"Cs133": np.array([5.0, 5.1])}))
