"""pi-DAR flux: line energy, spectrum normalisation, exact moments, time PDFs."""

import math

import numpy as np
import pytest
from scipy.integrate import quad

from cevns_lib import flux
from cevns_lib.constants import M_MUON_MEV, M_PION_CHARGED_MEV
from cevns_lib.validation import PhysicsInputError


def test_line_energy():
    expect = (M_PION_CHARGED_MEV**2 - M_MUON_MEV**2) / (2 * M_PION_CHARGED_MEV)
    assert flux.E_NU_MU_LINE_MEV == pytest.approx(expect)
    assert flux.E_NU_MU_LINE_MEV == pytest.approx(29.79, abs=0.01)


@pytest.mark.parametrize("flavour", ["nu_e", "nu_mu_bar"])
def test_michel_spectra_normalised(flavour):
    total, _ = quad(lambda e: float(flux.energy_spectrum(flavour, e)), 0, M_MUON_MEV / 2)
    assert total == pytest.approx(1.0, rel=1e-12)
    assert flux.energy_spectrum(flavour, 0.0) == 0.0  # both vanish at E = 0 (phase space)


def test_michel_shapes():
    # nu_e vanishes at the end point, anti-nu_mu does not; mean energies 3/10 and 7/20 m_mu
    emax = M_MUON_MEV / 2
    assert flux.energy_spectrum("nu_e", emax) == pytest.approx(0, abs=1e-15)
    assert flux.energy_spectrum("nu_mu_bar", emax) > 0
    mean_e = quad(lambda e: e * float(flux.energy_spectrum("nu_e", e)), 0, emax)[0]
    mean_mub = quad(lambda e: e * float(flux.energy_spectrum("nu_mu_bar", e)), 0, emax)[0]
    assert mean_e == pytest.approx(0.6 * emax) and mean_mub == pytest.approx(0.7 * emax)


@pytest.mark.parametrize("flavour", ["nu_e", "nu_mu_bar"])
def test_exact_moments_against_quadrature(flavour):
    thr = np.array([0.0, 10.0, 33.3, 52.0, 60.0])
    got = flux.energy_moments(flavour, thr, (-2, -1, 0, 1, 2))
    for i, k in enumerate((-2, -1, 0, 1, 2)):
        for j, e0 in enumerate(thr):
            lo = min(e0, M_MUON_MEV / 2)
            ref = quad(lambda e: float(flux.energy_spectrum(flavour, e)) * e**k, lo, M_MUON_MEV / 2)[0]
            assert got[i, j] == pytest.approx(ref, rel=1e-10, abs=1e-14)


def test_line_moments():
    m = flux.energy_moments("nu_mu", np.array([10.0, 40.0]), (0, 1))
    np.testing.assert_allclose(m, [[1.0, 0.0], [flux.E_NU_MU_LINE_MEV, 0.0]])


@pytest.mark.parametrize("flavour", flux.FLAVOURS)
def test_time_pdfs_normalised_and_consistent(flavour):
    pulse = flux.ProtonPulse(0.44, 0.15)
    total = quad(lambda t: float(flux.time_pdf(flavour, t, pulse)), -2, 60, limit=400, points=[0.44, 1, 5])[0]
    assert total == pytest.approx(1.0, abs=1e-7)
    assert flux.time_cdf(flavour, np.array([60.0]), pulse)[0] == pytest.approx(1.0, abs=1e-9)
    part = quad(lambda t: float(flux.time_pdf(flavour, t, pulse)), -2, 1.3, points=[0.44])[0]
    assert flux.time_cdf(flavour, np.array([1.3]), pulse)[0] == pytest.approx(part, abs=1e-9)


def test_delayed_mean_time():
    # mean arrival = pulse mean + tau_pi (+ tau_mu for the delayed flavours)
    pulse = flux.ProtonPulse(0.5, 0.15)
    mean_p = quad(lambda t: t * float(flux.time_pdf("nu_mu", t, pulse)), -2, 30, limit=400)[0]
    mean_d = quad(lambda t: t * float(flux.time_pdf("nu_e", t, pulse)), -2, 80, limit=400)[0]
    assert mean_p == pytest.approx(0.5 + flux.TAU_PION_US, abs=1e-6)
    assert mean_d == pytest.approx(0.5 + flux.TAU_PION_US + flux.TAU_MUON_US, abs=1e-5)


def test_source_normalisation():
    src = flux.SNSSource(0.0848, 3.198e23, 19.3)
    assert src.fluence_per_cm2 == pytest.approx(0.0848 * 3.198e23 / (4 * math.pi * 1930.0**2))
    with pytest.raises(PhysicsInputError, match="baseline_m"):
        flux.SNSSource(0.08, 1e23, -3.0)


def test_bad_input():
    with pytest.raises(PhysicsInputError, match="outside the pi-DAR flux range"):
        flux.energy_spectrum("nu_e", 60.0)
    with pytest.raises(PhysicsInputError, match="NaN"):
        flux.energy_spectrum("nu_e", float("nan"))
    with pytest.raises(ValueError, match="monochromatic"):
        flux.energy_spectrum("nu_mu", 29.8)
    with pytest.raises(ValueError, match="unknown SNS neutrino flavour"):
        flux.time_pdf("nu_tau", 1.0, flux.ProtonPulse(0.4, 0.15))
    with pytest.raises(PhysicsInputError, match="increasing"):
        flux.time_bin_fractions("nu_e", [1.0, 0.5], flux.ProtonPulse(0.4, 0.15))
