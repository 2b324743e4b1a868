"""Bound conventions by name and the published table's data file (issue 11, part 1)."""

import json
import math

import numpy as np
import pytest

from cevns_lib import published, scans
from cevns_lib.cli import main
from cevns_lib.models.light_mediators import MODEL_NAMES


def test_published_file_complete_and_typed_values():
    b = published.light_mediator_bounds()
    assert len(b) == 66
    assert {m for m, _, _ in b} == set(MODEL_NAMES)
    # spot checks against the talk's table (slide 21)
    assert b["universal", "lar", "g_low_mass"] == 3.91e-5
    assert b["lmu-ltau", "lar", "g_over_m_high_mass_per_GeV"] == 80.9e-3
    assert b["scalar", "csi+lar", "g_over_m_high_mass_per_GeV"] == 0.30e-3
    assert "Atzori Corona" in published.light_mediator_source()


def _island_profile():
    """Delta chi^2 with an exclusion band [1, 2], an allowed island (2, 5] and exclusion above 5."""
    x = np.logspace(-1, 1, 2001)
    d = np.where((x > 1) & (x < 2), 10.0, 0.0) + np.where(x > 5, 10.0 * (x - 5), 0.0)
    return x, d


def test_first_excluded_and_last_allowed_on_an_island():
    x, d = _island_profile()
    assert scans.read_bound(x, d, 4.0, "first-excluded") == pytest.approx(1.0, rel=2e-3)
    assert scans.read_bound(x, d, 4.0, "last-allowed") == pytest.approx(5.4, rel=2e-3)
    # without an island the two conventions agree
    xs = np.logspace(-3, 1, 4001)
    assert scans.read_bound(xs, xs**2, 4.0, "last-allowed") == pytest.approx(
        scans.read_bound(xs, xs**2, 4.0, "first-excluded"), rel=1e-9)
    assert math.isnan(scans.last_allowed(xs, 0 * xs, 4.0))
    with pytest.raises(ValueError, match="bound convention"):
        scans.read_bound(x, d, 4.0, "middle")


def test_default_convention_is_first_excluded_for_every_model():
    assert scans.DEFAULT_BOUND == "first-excluded"
    assert set(scans.BOUND_CONVENTIONS) == {"first-excluded", "last-allowed"}


def test_limits_cli_bound_option(capsys):
    assert main(["limits", "--model", "lmu-ltau", "--dataset", "lar", "--bound", "last-allowed", "--json"]) == 0
    la = json.loads(capsys.readouterr().out)
    assert la["bound_convention"] == "last-allowed"
    assert main(["limits", "--model", "lmu-ltau", "--dataset", "lar", "--json"]) == 0
    fe = json.loads(capsys.readouterr().out)
    assert fe["bound_convention"] == "first-excluded"
    # L_mu - L_tau at high mass in LAr has an island beyond the dip: the upper edge lies well above the lower
    assert la["g_over_m_high_mass_per_GeV"] > 2 * fe["g_over_m_high_mass_per_GeV"]
    assert la["g_low_mass"] == pytest.approx(fe["g_low_mass"], rel=1e-9, abs=0)


def test_dchi2_reference_option():
    # L_e - L_tau is destructive for nu_e and the CsI data lie below the SM: the minimum is not at g = 0
    x, d_min = scans.bound_profile("le-ltau", "csi", "low")
    _, d_sm = scans.bound_profile("le-ltau", "csi", "low", reference="sm")
    shift = d_min - d_sm  # = chi2(SM) - chi2_min, the same at every x
    assert np.allclose(shift, shift[0]) and shift[0] > 0
    with pytest.raises(ValueError, match="reference"):
        scans.bound_profile("b-l", "csi", "low", reference="max")
