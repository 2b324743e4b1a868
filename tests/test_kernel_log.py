"""The compiled kernels' vectorised logarithm (`_compiled._log`, fdlibm's algorithm), which the Poisson kernel's
final chi^2 takes: within 2 ulp of the C library's log everywhere on positive normal numbers, and the C
library's own value (inf, NaN, -inf) on anything else."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cevns_lib.likelihood import kernels

pytestmark = pytest.mark.skipif(not kernels.AVAILABLE, reason="numba not installed")


def _log(x):
    from cevns_lib.likelihood import _compiled

    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty_like(x)
    _compiled._log(x, out, np.empty(x.size, dtype=np.int64))
    return out


def _ulps(out, ref):
    return np.abs(out - ref) / np.spacing(np.abs(ref))


def test_log_within_two_ulp_over_the_exponent_range():
    rng = np.random.default_rng(0)
    x = np.concatenate([np.exp(rng.uniform(-708.0, 709.7, 200_000)),  # every binade
                        1.0 + rng.uniform(-1e-6, 1e-6, 20_000),  # near 1, where ln x ~ x - 1 must not cancel
                        np.sqrt(0.5) * (1.0 + rng.uniform(-1e-12, 1e-12, 2000)),  # the reduction's boundaries
                        np.sqrt(2.0) * (1.0 + rng.uniform(-1e-12, 1e-12, 2000))])
    out, ref = _log(x), np.log(x)
    nonzero = ref != 0
    assert _ulps(out[nonzero], ref[nonzero]).max() <= 2.0
    np.testing.assert_array_equal(_log([1.0, 2.0, 0.5]), [0.0, np.log(2.0), -np.log(2.0)])


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=2.2250738585072014e-308, max_value=1.7976931348623157e308))
def test_log_property(x):
    ref = np.log(x)
    out = _log([x])[0]
    assert out == ref or abs(out - ref) <= 2.0 * np.spacing(abs(ref))


def test_log_outside_the_normal_range_is_the_c_library_s():
    x = np.array([0.0, -1.0, np.inf, np.nan, 5e-324, 1e-310, -np.inf, 3.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        ref = np.log(x)
    out = _log(x)
    np.testing.assert_array_equal(out[:-1], ref[:-1])
    assert abs(out[-1] - ref[-1]) <= 2.0 * np.spacing(ref[-1])  # a regular value of the same call
