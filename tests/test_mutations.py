"""Tests that pin the physics none pinned before (issue 11, part 5): each names the wrong formula it catches.

Independent transcriptions of the seeds' formulas (written out here, not by calling the code under test), pinned
priors and thresholds typed from the seeds and the releases, and hand-computed values. The mutation audit
(`tools/mutation_audit.py`) applies each listed mistake alone and checks that these tests fail.
"""

import math

import numpy as np
import pytest
from scipy import stats
from scipy.integrate import quad

from cevns_lib import data, scans
from cevns_lib.constants import (
    ALPHA_EM,
    G_FERMI_MEV2,
    G_V_NEUTRON_RADIATIVE,
    G_V_PROTON_RADIATIVE,
    M_MUON_MEV,
    M_TAU_MEV,
    SIN2_THETA_W_LOW_ENERGY,
)
from cevns_lib.cross_section import ElectroweakInputs, NuclearModel, StandardModel, momentum_transfer
from cevns_lib.likelihood import csi_likelihood, lar_likelihood
from cevns_lib.models import light_mediators as lm
from cevns_lib.models.generalized import GeneralizedInteractions
from cevns_lib.models.nsi import VectorNSI, dark_side, quark_charge
from cevns_lib.nuclei import nucleus
from cevns_lib.reference import helm, michel_spectrum, sm_dsigma_dT

AR = nucleus("Ar40")  # J = 0: no axial term, so the vector structure is tested alone
CS = nucleus("Cs133")
E_MEV = np.array([20.0, 35.0, 50.0])
T_MEV = np.array([5e-3, 12e-3, 25e-3])  # 5-25 keV recoils


def _form_factors(nuc, t):
    q = momentum_transfer(t, nuc.mass_mev)
    return NuclearModel().form_factors(nuc, q)


# --- cross sections ---------------------------------------------------------------------------------------------
def test_sm_cross_section_against_written_out_formula():
    """Catches any overall factor of the SM cross section (e.g. every cross section doubled)."""
    model = StandardModel()
    for nuc in (AR, CS):
        for flavour in ("nu_e", "nu_mu", "nu_mu_bar"):
            fast = model.dsigma_dT(E_MEV[:, None], T_MEV[None, :], nuc, flavour)
            slow = np.array([[sm_dsigma_dT(e, t, nuc, flavour) for t in T_MEV] for e in E_MEV])
            np.testing.assert_allclose(fast, slow, rtol=1e-9)


def test_sm_cross_section_hand_value_at_zero_recoil():
    """dsigma/dT(T -> 0) = G_F^2 M/pi Q_V^2, Q_V = 18 g_V^p(mu) + 22 g_V^n for Ar-40: a number by hand."""
    qv = 18 * 0.0318 + 22 * (-0.5094)
    hand = (1.1663788e-11) ** 2 * AR.mass_mev / math.pi * qv**2
    got = StandardModel().dsigma_dT(30.0, 1e-9, AR, "nu_mu")
    assert float(got) == pytest.approx(hand, rel=1e-6, abs=0)  # abs=0: the default 1e-12 would swamp 1e-16


def test_michel_spectra_written_out():
    """The pi-DAR spectra as Michel wrote them: normalised, and equal to the flux module's."""
    from cevns_lib.flux import energy_spectrum

    for f in ("nu_e", "nu_mu_bar"):
        norm, _ = quad(lambda e: michel_spectrum(f, e), 0.0, M_MUON_MEV / 2)
        assert norm == pytest.approx(1.0, rel=1e-12)
        e = np.linspace(1.0, 52.0, 7)
        np.testing.assert_allclose(energy_spectrum(f, e), [michel_spectrum(f, x) for x in e], rtol=1e-12)


def test_scalar_cross_section_seed001():
    """Seed 001: dsigma/dT = M^2 T/(4 pi E^2) g~^4 (17.3)^2 [Z F_Z + N F_N]^2 / (q^2 + M_phi^2)^2 (incoherent)."""
    g, m_phi = 3e-5, 10.0
    fz, fn = _form_factors(AR, T_MEV)
    q2 = 2 * AR.mass_mev * T_MEV
    for e in E_MEV:
        hand = AR.mass_mev**2 * T_MEV / (4 * math.pi * e**2) * g**4 * 17.3**2 * (18 * fz + 22 * fn) ** 2 \
            / (q2 + m_phi**2) ** 2
        hand = np.where(T_MEV <= 2 * e**2 / (AR.mass_mev + 2 * e), hand, 0.0)
        new = lm.ScalarMediator(m_phi, g).dsigma_dT(e, T_MEV, AR, "nu_mu") - StandardModel().dsigma_dT(
            e, T_MEV, AR, "nu_mu")
        np.testing.assert_allclose(new, hand, rtol=1e-7)


def test_tensor_cross_section_seed000_both_energy_terms():
    """Seed 000's light tensor: dsigma/dT = M (4E^2 - M T) C_T^2 / (2 pi E^2 (q^2 + m^2)^2); two energies pin the
    E^0 and E^-2 terms separately."""
    g, m_t = 1e-4, 20.0
    fz, fn = _form_factors(AR, T_MEV)
    ct = (18 * (0.784 - 0.204) * fz + 22 * (-0.204 + 0.784) * fn)  # Gupta et al. tensor charges, isospin
    q2 = 2 * AR.mass_mev * T_MEV
    m = AR.mass_mev
    for e in (15.0, 45.0):
        hand = m * (4 * e**2 - m * T_MEV) / (2 * math.pi * e**2) * g**4 * ct**2 / (q2 + m_t**2) ** 2
        hand = np.where(T_MEV <= 2 * e**2 / (m + 2 * e), hand, 0.0)
        new = lm.TensorMediator(m_t, g).dsigma_dT(e, T_MEV, AR, "nu_mu") - StandardModel().dsigma_dT(
            e, T_MEV, AR, "nu_mu")
        np.testing.assert_allclose(new, hand, rtol=1e-7)


def _eps_seed(q, beta_mass, alpha_mass):
    """Seed 001's eps_{beta alpha}(|q|) = int x(1-x) ln[(m_b^2 + x(1-x)q^2)/(m_a^2 + x(1-x)q^2)] dx, by quadrature."""
    return quad(lambda x: x * (1 - x) * math.log((beta_mass**2 + x * (1 - x) * q * q)
                                                 / (alpha_mass**2 + x * (1 - x) * q * q)), 0.0, 1.0)[0]


@pytest.mark.parametrize("flavour", ["nu_mu", "nu_mu_bar"])
def test_kinetic_mixing_amplitude_seed001(flavour):
    """L_mu - L_tau for nu_mu (alpha = mu, beta = tau): Q = [g_V^p + sqrt2 alpha g^2 eps_{tau mu}(q) /
    (pi G_F (q^2 + M^2))] Z F_Z + g_V^n N F_N (seed 001). Catches the sign of the kinetic-mixing amplitude."""
    g, m_z = 1e-3, 5.0
    fz, fn = _form_factors(AR, T_MEV)
    q = momentum_transfer(T_MEV, AR.mass_mev)
    eps = np.array([_eps_seed(x, M_TAU_MEV, M_MUON_MEV) for x in q])
    assert np.all(eps > 0)  # the heavier tau in the numerator
    gvp = G_V_PROTON_RADIATIVE["mu"] + math.sqrt(2) * ALPHA_EM * g * g * eps / (
        math.pi * G_FERMI_MEV2 * (q * q + m_z**2))
    qv = gvp * 18 * fz + G_V_NEUTRON_RADIATIVE * 22 * fn
    e = 30.0
    m = AR.mass_mev
    hand = G_FERMI_MEV2**2 * m / math.pi * (1 - T_MEV / e - m * T_MEV / (2 * e * e)) * qv**2
    got = lm.model("lmu-ltau", m_z, g).dsigma_dT(e, T_MEV, AR, flavour)
    np.testing.assert_allclose(got, hand, rtol=1e-6)


def test_sin2_slope_of_proton_coupling():
    """g_V^p = 1/2 - 2 sin^2(theta_W) at tree level: a shift of sin^2 moves g_V^p by -2 times it (not -4)."""
    for radiative in (True, False):
        base = ElectroweakInputs(radiative=radiative)
        moved = ElectroweakInputs(radiative=radiative, sin2_theta_w=SIN2_THETA_W_LOW_ENERGY + 0.01)
        for lepton in ("e", "mu"):
            assert moved.g_v_proton(lepton) - base.g_v_proton(lepton) == pytest.approx(-0.02, rel=1e-9)
    assert ElectroweakInputs(radiative=False, sin2_theta_w=0.25).g_v_proton("e") == pytest.approx(0.0)


# --- NSI and NGI --------------------------------------------------------------------------------------------
def test_nsi_nuclear_charges_by_hand():
    """eps^u counts 2 u quarks per proton and 1 per neutron: Ar-40 charges 2*18 + 22 = 58 (u), 18 + 44 = 62 (d)."""
    assert quark_charge("u", AR, 1.0, 1.0) == 58
    assert quark_charge("d", AR, 1.0, 1.0) == 62
    # through the model: Q_mu(eps) - Q_mu(0) = eps * charge at T -> 0
    t = np.array([1e-9])
    for q, charge in (("u", 58), ("d", 62)):
        amps = dict(VectorNSI([f"{q}V_mumu"]).amplitude_terms(AR, "nu_mu", t))["vector"]
        assert float(amps[1][0]) == pytest.approx(charge, rel=1e-6)
    # dark side of eps^u_ee on argon: eps = -2 Q_SM / 58 with Q_SM = 18 * 0.0401 - 22 * 0.5094
    assert dark_side("uV_ee", "Ar40", 1e-9) == pytest.approx(-2 * (18 * 0.0401 - 22 * 0.5094) / 58, rel=1e-6)


def test_ngi_axial_uses_proton_and_neutron_spin_fractions():
    """Axial NGI on Cs-133 (odd proton): amplitude 2 sqrt((J+1)/(3J)) (Du^p <S_p> + Du^n <S_n>) F_A per eps_A^u,
    Du^p = 0.842, Du^n = Dd^p = -0.427 (isospin). Catches proton and neutron spin fractions swapped."""
    t = np.array([2e-3, 1e-2])
    fz, fn = _form_factors(CS, t)
    j, sp, sn = CS.spin_J, CS.spin_p, CS.spin_n
    for q, (dp, dn) in (("u", (0.842, -0.427)), ("d", (-0.427, 0.842))):
        hand = 2 * math.sqrt((j + 1) / (3 * j)) * (dp * sp + dn * sn) * 0.5 * (fz + fn)
        hand = -0.5 * hand  # the parameter is De Romeri et al.'s C_A, with eps_A = -C_A / 2 (models.generalized)
        amps = dict(GeneralizedInteractions([f"A_{q}"]).amplitude_terms(CS, "nu_mu", t))["axial"]
        np.testing.assert_allclose(amps[1], hand, rtol=1e-12)


# --- statistics: pinned priors and thresholds ---------------------------------------------------------------
def test_two_sigma_threshold_one_parameter():
    """2 sigma for one parameter is Delta chi^2 = 4 (the 95.45% quantile), not the 95% value 3.84."""
    p2 = stats.norm.cdf(2) - stats.norm.cdf(-2)
    assert scans.DCHI2_2SIGMA_1DOF == pytest.approx(stats.chi2.ppf(p2, 1), rel=1e-9)
    assert scans.DCHI2_2SIGMA_2DOF == pytest.approx(stats.chi2.ppf(p2, 2), abs=1e-3)
    assert scans.DCHI2_90_1DOF == pytest.approx(stats.chi2.ppf(0.90, 1), abs=1e-3)


def test_first_excluded_reads_the_threshold():
    """A parabola Delta chi^2 = (x/x0)^2 crosses the 2 sigma threshold at x = 2 x0."""
    x = np.logspace(-3, 1, 4001)
    assert scans.first_excluded(x, x**2, scans.DCHI2_2SIGMA_1DOF) == pytest.approx(2.0, rel=1e-5)


# priors typed from the seeds: seed 000 (CsI a0..a5; LAr b0, b3, b4, b8) and seed 001 (CsI and LAr eta_z)
CSI_SEED000 = {"a0": 0.11, "a1": 0.25, "a2": 0.35, "a3": 0.021, "a4": 0.05, "a5": 0.038, "a6": None, "a7": 1.0}
CSI_SEED001 = {"eta_cevns": 0.12, "eta_brn": 0.25, "eta_nin": 0.35, "eta_ss": 0.021}
LAR_SEED = {"b0": 0.13, "b1": 1.0, "b2": 1.0, "b3": 0.0079, "b4": 0.32, "b5": 1.0, "b6": 1.0, "b7": 1.0, "b8": 1.0}


def test_csi_priors_pinned():
    for conf, want in (("seed000", CSI_SEED000), ("seed001", CSI_SEED001)):
        got = {n.name: n.sigma for n in csi_likelihood(conf).nuisances}
        assert got == want, conf


def test_lar_priors_pinned():
    for conf in ("seed000", "seed001"):
        assert {n.name: n.sigma for n in lar_likelihood(conf).nuisances} == LAR_SEED


def test_lar_variance_counts_the_steady_state_oversampling():
    """sigma_ij^2 = N_exp + N_SS/5 (release note 2.4: the SS sample comes from a 5x longer window), summed over
    F90 from the release's own tables, read here directly."""
    def table(name):
        tab = data.load_table(f"lar-2020/{name}")
        cube = np.zeros((12, 8, 10))
        ie = np.floor(tab[:, 0] / 10.0).astype(int)
        ip = np.floor((tab[:, 1] - 0.5) / 0.05 + 1e-9).astype(int)
        it = np.floor((tab[:, 2] + 0.1) / 0.5 + 1e-9).astype(int)
        np.add.at(cube, (ie, ip, it), tab[:, 3])
        return cube.sum(axis=1).ravel()

    n, ss = table("datanobkgsub.txt"), table("bkgpdf.txt")
    for conf in ("seed000", "seed001"):
        np.testing.assert_allclose(lar_likelihood(conf).variance, n + ss / 5.0, rtol=1e-12)


def test_reference_helm_is_the_library_helm():
    """The reference's own Helm transcription against the library's form factor (radius of Cs-133 neutrons)."""
    from cevns_lib.form_factors import helm as lib_helm

    for q in (1.0, 30.0, 80.0):
        assert helm(q, CS.neutron_radius_fm) == pytest.approx(float(lib_helm(q, CS.neutron_radius_fm)), rel=1e-9)
