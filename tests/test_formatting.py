"""The words that replace non-numbers in pages and command-line output."""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cevns_lib import formatting as f

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e30, max_value=1e30)


@given(finite)
def test_finite_numbers_are_formatted_as_asked(x):
    assert f.number(x, ".4g") == format(x, ".4g")
    assert f.bound(x, ".2e") == format(x, ".2e")


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, None])
def test_non_numbers_become_words(bad):
    assert f.number(bad) == "open"
    assert f.bound(bad) == "no bound at 2σ"
    for text in (f.number(bad), f.bound(bad), f.interval(bad, 1.0), f.interval(1.0, bad),
                 f.interval(bad, bad), f.asymmetric(1.0, bad, bad)):
        assert "nan" not in text.lower() and "inf" not in text.lower(), text


def test_intervals_and_open_edges():
    assert f.interval(0.1, 0.25, ".2f", "fm") == "[0.10, 0.25] fm"
    assert f.interval(math.nan, 4.99, ".2f", "fm") == "< 4.99 fm (open below)"
    assert f.interval(2.0, math.nan, ".1f") == "> 2.0 (open above)"
    assert f.asymmetric(2.0, math.nan, 1.54, ".2f", "fm") == "2.00 (open below) +1.54 fm"
    assert f.asymmetric(306.0, 20.0, 21.0, ".0f") == "306 −20 +21"


def test_a_string_is_refused():
    with pytest.raises(TypeError, match="value must be a number"):
        f.number("0.3")
