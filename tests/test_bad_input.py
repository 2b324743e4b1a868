"""Bad input at every public boundary: each case must raise a clear `ValueError` whose message names the problem.

`CASES` is the suite: (id, call, match, accepted) with `call` a zero-argument callable, `match` a regex the error
message must contain (the parameter's name), and `accepted` what the outcome would be if the call returned instead
('absurd', 'plausible' = a wrong but plausible number, or
'nan' = accepted, and NaN follows downstream). `tools/bad_input_probe.py` runs the same cases and counts
the outcomes by class (clear error / obscure error / silent NaN-inf / absurd / wrong but plausible).
The expensive cases (detectors, likelihoods) are refused before anything is built.
"""

from __future__ import annotations

import contextlib
import io
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cevns_lib import cross_section as xs
from cevns_lib import data, fits, flux, form_factors as ff, nuclei, rates, scans
from cevns_lib.detectors import csi as csi_det, lar as lar_det
from cevns_lib.likelihood import Likelihood, Nuisance, profile_gaussian, profile_poisson
from cevns_lib.models import generalized, kinetic_mixing, light_mediators as lm, muon_g2, nsi


class CLIError(ValueError):
    """The command line exited with code 2 and a one-line message."""


def cli(*argv):
    """Run the CLI in-process: a one-line error with exit 2 becomes CLIError; success returns stdout."""
    from cevns_lib.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = exc.code
    text = err.getvalue().strip()
    if code == 2 and text and "\n" not in text and "Traceback" not in text:
        raise CLIError(text)
    if code not in (0, None):
        raise RuntimeError(f"exit {code}: {text}")
    return out.getvalue()


def tiny_likelihood(statistic="poisson"):
    """A 2 x 2-bin likelihood with a signal normalisation and a background normalisation (cheap to build)."""
    b = 4
    return Likelihood("tiny", statistic, data=np.array([5.0, 6.0, 7.0, 8.0]), backgrounds={"bkg": np.ones(b)},
                      nuisances=[Nuisance("norm", 0.1, "signal normalisation", relative=np.ones((3, b))),
                                 Nuisance("bnorm", 0.2, "background normalisation", absolute={"bkg": np.ones(b)})],
                      sm_signal=np.full((3, b), 2.0), shape=(2, 2), variance=np.array([5.0, 6.0, 7.0, 8.0]))


def _quad_mediator():
    """The quadratic form of a B-L mediator at two masses on a tiny fake detector-free grid: via the CsI engine."""
    return rates.engine("csi").quadratic_counts(lm.model("b-l", mass_mev=[1.0, 10.0]))


Q = np.array([10.0, 50.0])  # MeV
CASES = []


def case(id_, call, match, accepted="plausible"):
    CASES.append(pytest.param(call, match, accepted, id=id_))


# --- form factors: momentum transfer and radii ------------------------------------------------------------------
for fname in ("helm", "klein_nystrand", "symmetrized_fermi"):
    f = getattr(ff, fname)
    for label, q in (("neg", -1.0), ("nan", math.nan), ("inf", math.inf), ("str", "10"), ("complex", 10 + 1j),
                     ("none", None)):
        case(f"{fname}-q-{label}", lambda f=f, q=q: f(q, 4.8), r"momentum transfer q", "absurd")
    for label, r in (("neg", -4.8), ("zero", 0.0), ("nan", math.nan), ("inf", math.inf), ("str", "4.8"),
                     ("complex", 4.8 + 0.1j), ("too-small", 0.5), ("neg-array", [4.8, -4.8])):
        case(f"{fname}-R-{label}", lambda f=f, r=r: f(Q, r), r"radius", "plausible" if label == "neg" else "absurd")
case("form_factor-unknown-name", lambda: ff.form_factor("gauss"), r"unknown form factor")
case("helm-skin-neg", lambda: ff.helm(Q, 4.8, s_fm=-0.9), r"s_fm|skin|width", "plausible")
case("coherent_radius-alpha4-neg", lambda: ff.coherent_klein_nystrand_radius(133, alpha4=-2.0), r"alpha4")
case("coherent_radius-A-zero", lambda: ff.coherent_klein_nystrand_radius(0), r"mass number")

# --- kinematics -----------------------------------------------------------------------------------------------
for fname, arg in (("t_max", "neutrino energy E"), ("e_min", "recoil energy T"),
                   ("momentum_transfer", "recoil energy T")):
    f = getattr(xs, fname)
    for label, v in (("neg", -1.0), ("nan", math.nan), ("str", "x"), ("complex", 1j)):
        case(f"{fname}-x-{label}", lambda f=f, v=v: f(v, 1e5), arg, "absurd")
    for label, m in (("neg", -1e5), ("zero", 0.0), ("nan", math.nan), ("inf", math.inf), ("str", "M")):
        case(f"{fname}-mass-{label}", lambda f=f, m=m: f(10.0, m), r"mass", "plausible" if label == "neg" else "absurd")

# --- nuclear and electroweak inputs ---------------------------------------------------------------------------
case("NuclearModel-alpha4-neg2", lambda: xs.NuclearModel(alpha4=-2.0), r"alpha4")
case("NuclearModel-alpha4-minus1", lambda: xs.NuclearModel(alpha4=-1.0), r"alpha4", "absurd")
case("NuclearModel-alpha4-nan", lambda: xs.NuclearModel(alpha4=math.nan), r"alpha4", "nan")
case("NuclearModel-alpha4-str", lambda: xs.NuclearModel(alpha4="0.1"), r"alpha4", "absurd")
case("NuclearModel-rn-key-case", lambda: xs.NuclearModel(neutron_radius_fm={"cs133": 5.0}), r"cs133")
case("NuclearModel-rn-key-unknown", lambda: xs.NuclearModel(neutron_radius_fm={"Pb208": 5.0}), r"Pb208")
case("NuclearModel-rn-neg", lambda: xs.NuclearModel(neutron_radius_fm={"Cs133": -5.0}), r"neutron_radius_fm")
case("NuclearModel-rn-nan", lambda: xs.NuclearModel(neutron_radius_fm={"Cs133": math.nan}), r"neutron_radius_fm",
     "nan")
case("NuclearModel-rn-not-dict", lambda: xs.NuclearModel(neutron_radius_fm=5.0), r"neutron_radius_fm", "absurd")
case("NuclearModel-form-factor", lambda: xs.NuclearModel(form_factor="gauss"), r"form factor")
case("NuclearModel-radii", lambda: xs.NuclearModel(radii="liquid-drop"), r"radii")
for label, s2 in (("above-1", 1.5), ("neg", -0.1), ("zero", 0.0), ("one", 1.0), ("nan", math.nan), ("str", "0.23"),
                  ("grid-out", [0.2, 1.2])):
    case(f"ElectroweakInputs-sin2-{label}", lambda s2=s2: xs.ElectroweakInputs(sin2_theta_w=s2), r"sin2_theta_w",
         "absurd")
for label, e in (("neg", -10.0), ("nan", math.nan), ("str", "30"), ("complex", 30 + 1j)):
    case(f"dsigma_dT-E-{label}", lambda e=e: xs.dsigma_dT_sm(e, 1e-3, "Cs133"), r"neutrino energy E", "absurd")
for label, t in (("neg", -1e-3), ("nan", math.nan), ("inf", math.inf), ("complex", 1e-3 + 1e-4j)):
    case(f"dsigma_dT-T-{label}", lambda t=t: xs.dsigma_dT_sm(30.0, t, "Cs133"), r"recoil energy T", "absurd")
case("dsigma_dT-flavour", lambda: xs.dsigma_dT_sm(30.0, 1e-3, "Cs133", flavour="nu_x"), r"flavour")
case("dsigma_dT-nucleus", lambda: xs.dsigma_dT_sm(30.0, 1e-3, "Pb208"), r"Pb208")
case("total_xs-E-zero", lambda: xs.total_cross_section_check(0.0, "Ar40"), r"neutrino energy")
case("kinematics-unknown", lambda: xs.kinematics("pseudo", [1e-3], 1e5), r"kinematic structure")
case("nucleus-unknown", lambda: nuclei.nucleus("Pb208"), r"Pb208")
case("nucleus-number", lambda: nuclei.nucleus(55), r"55")
case("Nucleus-mass-nan", lambda: nuclei.Nucleus("X1", 1, 1, math.nan, 1.0).mass_mev, r"atomic_mass_u", "nan")
case("Nucleus-Z-gt-A", lambda: nuclei.Nucleus("X1", 5, 3, 3.0, 1.0), r"Z", "absurd")
case("Nucleus-with_skin-nan", lambda: nuclei.nucleus("Cs133").with_skin(math.nan), r"skin", "nan")
case("Nucleus-with_skin-str", lambda: nuclei.nucleus("Cs133").with_skin("0.2"), r"skin", "absurd")

# --- flux ------------------------------------------------------------------------------------------------------
for label, e in (("neg", -1.0), ("above", 60.0), ("nan", math.nan), ("str", "x"), ("complex", 10 + 1j)):
    case(f"energy_spectrum-E-{label}", lambda e=e: flux.energy_spectrum("nu_e", e), r"neutrino energy", "absurd")
case("energy_spectrum-flavour", lambda: flux.energy_spectrum("nu_tau", 10.0), r"flavour")
case("energy_moments-nan", lambda: flux.energy_moments("nu_e", math.nan, (0,)), r"threshold")
case("energy_moments-str", lambda: flux.energy_moments("nu_e", "x", (0,)), r"threshold")
case("time_pdf-nan", lambda: flux.time_pdf("nu_e", math.nan, flux.ProtonPulse(0.44, 0.15)), r"time t")
case("time_pdf-complex", lambda: flux.time_pdf("nu_e", 1 + 1j, flux.ProtonPulse(0.44, 0.15)), r"time t")
case("ProtonPulse-sigma-zero", lambda: flux.ProtonPulse(0.44, 0.0), r"ProtonPulse")
case("ProtonPulse-mean-nan", lambda: flux.ProtonPulse(math.nan, 0.15), r"ProtonPulse")
case("ProtonPulse-str", lambda: flux.ProtonPulse("0.44", 0.15), r"ProtonPulse|mean_us")
case("SNSSource-neg", lambda: flux.SNSSource(-0.08, 3e23, 19.3), r"nu_per_proton")
case("SNSSource-nan", lambda: flux.SNSSource(0.08, math.nan, 19.3), r"protons_on_target")
case("time_bin_fractions-decreasing", lambda: flux.time_bin_fractions("nu_e", [0, 2, 1], flux.ProtonPulse(0.4, 0.15)),
     r"time bin edges")
case("time_bin_fractions-one-edge", lambda: flux.time_bin_fractions("nu_e", [1.0], flux.ProtonPulse(0.4, 0.15)),
     r"time bin edges")

# --- detectors -------------------------------------------------------------------------------------------------
case("csi-quenching_scale-nan", lambda: rates.get_detector("csi", quenching_scale=math.nan), r"quenching_scale")
case("csi-quenching_scale-neg", lambda: rates.get_detector("csi", quenching_scale=-1.0), r"quenching_scale")
case("csi-quenching_scale-str", lambda: rates.get_detector("csi", quenching_scale="1"), r"quenching_scale", "absurd")
case("csi-quenching-variant", lambda: rates.get_detector("csi", quenching="model9"), r"quenching")
case("csi-efficiency-variant", lambda: rates.get_detector("csi", efficiency="best"), r"efficiency")
case("csi-threshold-above-Tmax", lambda: rates.get_detector("csi", t_low_kev=1e4), r"t_low_kev", "absurd")
case("csi-threshold-neg", lambda: rates.get_detector("csi", t_low_kev=-1.0), r"t_low_kev", "absurd")
case("csi-panel-zero", lambda: rates.get_detector("csi", panel_kev=0.0), r"panel_kev")
case("csi-panel-nan", lambda: rates.get_detector("csi", panel_kev=math.nan), r"panel_kev")
case("csi-pe-edges-decreasing", lambda: rates.get_detector("csi", pe_edges=[0, 20, 10, 60]), r"pe_edges", "absurd")
case("csi-time-edges-decreasing", lambda: rates.get_detector("csi", time_edges_us=[0, 2, 1, 6]), r"time")
case("csi-pulse-sigma-neg", lambda: rates.get_detector("csi", pulse_sigma_us=-0.15), r"ProtonPulse|pulse_sigma")
case("lar-resolution-neg", lambda: rates.get_detector("lar", resolution=-0.58), r"resolution", "absurd")
case("lar-resolution-nan", lambda: rates.get_detector("lar", resolution=math.nan), r"resolution")
case("lar-qf_a-nan", lambda: rates.get_detector("lar", qf_a=math.nan), r"qf_a")
case("lar-qf_a-neg", lambda: rates.get_detector("lar", qf_a=-0.5), r"qf_a|quenching")
case("lar-energy-edges-decreasing", lambda: rates.get_detector("lar", energy_edges=[0, 50, 20, 120]), r"energy_edges",
     "absurd")
case("lar-time-edges-str", lambda: rates.get_detector("lar", time_edges_us="0 1 2"), r"time")
case("lar-threshold-above-Tmax", lambda: rates.get_detector("lar", t_low_kev=1e3), r"t_low_kev", "absurd")
case("lar-panel-neg", lambda: rates.get_detector("lar", panel_kev=-2.0), r"panel_kev")
case("csi-molecules-neg-mass", lambda: csi_det.number_of_molecules(-14.6), r"mass_kg", "absurd")
case("lar-atoms-neg-mass", lambda: lar_det.number_of_argon_atoms(-24.4), r"mass_kg", "absurd")
case("csi-pe_density-energy-zero", lambda: csi_det.pe_density([5.0], 0.0), r"E_ee", "nan")
case("csi-quenching-T-nan", lambda: csi_det.electron_equivalent_mev(math.nan, (0.05, 0, 0, 0)), r"recoil energy",
     "nan")
case("lar-efficiency-nan", lambda: lar_det.efficiency([math.nan]), r"reconstructed energy", "plausible")
case("lar-qf-T-neg", lambda: lar_det.quenching_factor(-5.0), r"recoil energy", "absurd")
case("detector-unknown", lambda: rates.get_detector("xenon"), r"xenon")
case("engine-unknown", lambda: rates.engine("ge"), r"'ge'")
case("predict-unknown", lambda: rates.predict("csi2"), r"csi2")

# --- rate engine -----------------------------------------------------------------------------------------------
case("counts-model-name", lambda: rates.engine("csi").counts("b-l"), r"model")
case("counts-model-number", lambda: rates.engine("csi").counts(5), r"model")
case("quadratic-model-name", lambda: rates.engine("csi").quadratic_counts("b-l"), r"model")
case("counts-model-without-coupling", lambda: rates.engine("csi").counts(lm.model("b-l", mass_mev=10.0)),
     r"coupling|parameter")
case("counts-nsi-without-values", lambda: rates.engine("csi").counts(nsi.VectorNSI(["uV_ee"])), r"value|parameter")
case("quadratic-negative-g2", lambda: _quad_mediator().counts(np.array([[[-1e-10]], [[1e-10]]])), r"squared coupl|>= 0")
case("quadratic-nan", lambda: _quad_mediator().counts(np.full((2, 1, 1), math.nan)), r"parameter values")
case("quadratic-complex", lambda: _quad_mediator().counts(np.full((2, 1, 1), 1e-10 + 1e-10j)), r"parameter values")
case("quadratic-str", lambda: _quad_mediator().counts("1e-10"), r"parameter values")
case("quadratic-last-axis", lambda: _quad_mediator().counts(np.zeros((2, 1, 2))), r"parameter values")

# --- models ----------------------------------------------------------------------------------------------------
for label, m in (("neg", -1.0), ("nan", math.nan), ("inf", math.inf), ("str", "10"), ("complex", 10 + 1j)):
    case(f"VectorMediator-mass-{label}", lambda m=m: lm.model("b-l", mass_mev=m, coupling=1e-5), r"mass",
         "plausible" if label == "neg" else "absurd")
for label, g in (("neg", -1e-5), ("nan", math.nan), ("str", "1e-5"), ("complex", 1e-5 + 1j), ("list", [1e-5, 2e-5])):
    case(f"VectorMediator-coupling-{label}", lambda g=g: lm.model("b-l", mass_mev=10.0, coupling=g), r"coupling")
case("ScalarMediator-mass-neg", lambda: lm.ScalarMediator(mass_mev=-5.0, coupling=1e-6), r"mass")
case("ScalarMediator-nucleon-nan", lambda: lm.ScalarMediator(nucleon_charges=(math.nan, 1.0)), r"nucleon_charges",
     "nan")
case("ScalarMediator-nucleon-len", lambda: lm.ScalarMediator(nucleon_charges=(1.0,)), r"nucleon_charges")
case("TensorMediator-coupling-neg", lambda: lm.TensorMediator(coupling=-1.0), r"coupling")
case("model-unknown", lambda: lm.model("b-2l"), r"b-2l")
case("model-not-a-name", lambda: lm.model(5), r"model")
case("u1_model-unknown", lambda: lm.u1_model("L_e"), r"L_e")
case("ZPrimeCharges-nan", lambda: lm.ZPrimeCharges("x", math.nan, 0, 1, -1, 0), r"ZPrimeCharges\.u", "nan")
case("ZPrimeCharges-str", lambda: lm.ZPrimeCharges("x", "1", 0, 1, -1, 0), r"ZPrimeCharges\.u", "absurd")
case("ZPrimeCharges-lepton", lambda: lm.ZPrimeCharges("x", 0, 0, 1, -1, 0).lepton("nu"), r"lepton")
case("epsilon-unknown-lepton", lambda: kinetic_mixing.epsilon(Q, {"e": 1.0, "mu": -1.0, "tauon": 2.0}), r"tauon")
case("epsilon-nan-charge", lambda: kinetic_mixing.epsilon(Q, {"e": math.nan, "mu": -1.0}), r"charge", "absurd")
case("epsilon-not-dict", lambda: kinetic_mixing.epsilon(Q, [1.0, -1.0, 0.0]), r"lepton_charges")
case("epsilon-q-neg", lambda: kinetic_mixing.epsilon(-Q, {"e": 1.0, "mu": -1.0}), r"momentum transfer")
case("lepton_loop-unknown", lambda: kinetic_mixing.lepton_loop(Q, "nu"), r"lepton")
case("loop_integral-neg", lambda: kinetic_mixing.loop_integral(-1.0), r"z")
case("epsilon_seed-unknown", lambda: kinetic_mixing.epsilon_seed(Q, "e", "x"), r"lepton")
case("delta_a_mu-g-nan", lambda: muon_g2.delta_a_mu(math.nan, 10.0), r"coupling")
case("delta_a_mu-g-str", lambda: muon_g2.delta_a_mu("1e-4", 10.0), r"coupling")
case("delta_a_mu-mass-neg", lambda: muon_g2.delta_a_mu(1e-4, -10.0), r"mass")
case("delta_a_mu-kind", lambda: muon_g2.delta_a_mu(1e-4, 10.0, kind="axial"), r"kind")
case("coupling_for_delta_a-neg", lambda: muon_g2.coupling_for_delta_a(-1e-9, 10.0), r"delta_a")
case("coupling_for_delta_a-nan", lambda: muon_g2.coupling_for_delta_a(math.nan, 10.0), r"delta_a")
case("VectorNSI-string", lambda: nsi.VectorNSI("uV_ee"), r"list")
case("VectorNSI-unknown", lambda: nsi.VectorNSI(["uV_xx"]), r"uV_xx")
case("VectorNSI-repeated", lambda: nsi.VectorNSI(["uV_ee", "uV_ee"]), r"repeated")
case("VectorNSI-values-nan", lambda: nsi.VectorNSI(["uV_ee"], [math.nan]), r"NSI values")
case("VectorNSI-values-len", lambda: nsi.VectorNSI(["uV_ee"], [0.1, 0.2]), r"NSI values")
case("VectorNSI-values-str", lambda: nsi.VectorNSI(["uV_ee"], ["a"]), r"NSI values|values")
case("VectorNSI-values-complex", lambda: nsi.VectorNSI(["uV_ee"], [0.1 + 0.1j]), r"values")
case("VectorNSI-empty", lambda: nsi.VectorNSI([]), r"at least one")
case("NGI-string", lambda: generalized.GeneralizedInteractions("S_u"), r"list")
case("NGI-tensor-convention", lambda: generalized.GeneralizedInteractions(["T_u"], tensor="bogus"), r"tensor")
case("NGI-unknown", lambda: generalized.GeneralizedInteractions(["Q_u"]), r"Q_u|structure")
case("NGI-values-nan", lambda: generalized.GeneralizedInteractions(["S_u"], [math.nan]), r"NGI values", "nan")
case("NGI-values-len", lambda: generalized.GeneralizedInteractions(["S_u"], [1.0, 2.0]), r"NGI values")
case("dark_side-flavour-changing", lambda: nsi.dark_side("uV_emu", "Cs133"), r"flavour changing")
case("dark_side-nucleus", lambda: nsi.dark_side("uV_ee", "Pb208"), r"Pb208")
case("dark_side-T-neg", lambda: nsi.dark_side("uV_ee", "Cs133", t_mev=-1.0), r"recoil energy")

# --- likelihood (a tiny synthetic one: the checks are the same code for CsI and LAr) ---------------------------
lk_signal = np.full((1, 3, 4), 2.0)
case("chi2-chunk-neg", lambda: tiny_likelihood().chi2_profiled(lk_signal, chunk=-1, backend="numpy"), r"chunk")
case("chi2-chunk-zero", lambda: tiny_likelihood().chi2_profiled(lk_signal, chunk=0, backend="numpy"), r"chunk")
case("chi2-chunk-float", lambda: tiny_likelihood().chi2_profiled(lk_signal, chunk=2.5, backend="numpy"), r"chunk")
case("chi2-ambiguous-3xnExnt", lambda: tiny_likelihood().chi2_profiled(np.full((3, 2, 2), 2.0)), r"ambiguous")
case("chi2-ambiguous-3xB", lambda: tiny_likelihood().chi2_profiled(np.full((3, 4), 2.0)), r"ambiguous")
case("chi2-signal-nan", lambda: tiny_likelihood().chi2_profiled(np.full((1, 3, 4), math.nan)), r"signal")
case("chi2-signal-neg", lambda: tiny_likelihood().chi2_profiled(np.full((1, 3, 4), -1.0)), r"signal")
case("chi2-signal-bins", lambda: tiny_likelihood().chi2_profiled(np.full((1, 3, 5), 1.0)), r"signal")
case("chi2-signal-str", lambda: tiny_likelihood().chi2_profiled("signal"), r"signal")
case("chi2-signal-complex", lambda: tiny_likelihood().chi2_profiled(np.full((1, 3, 4), 2.0 + 1j)), r"signal")
case("chi2-backend", lambda: tiny_likelihood().chi2_profiled(lk_signal, backend="gpu"), r"backend")
case("chi2-es-shape", lambda: tiny_likelihood().chi2_profiled(np.full((2, 3, 4), 2.0),
                                                              electron_scattering=np.full((3, 3, 4), 1.0)),
     r"electron.scattering")
case("chi2-gauss-nan", lambda: tiny_likelihood("gaussian").chi2_profiled(np.full((1, 3, 4), math.inf)), r"signal")
case("chi2_at-nuisances-nan", lambda: tiny_likelihood().chi2_at(lk_signal, [math.nan, 0.0]), r"nuisances")
case("chi2_at-nuisances-len", lambda: tiny_likelihood().chi2_at(lk_signal, [0.0]), r"nuisances")
case("chi2_at-ambiguous", lambda: tiny_likelihood().chi2_at(np.full((3, 4), 2.0), [0.0, 0.0]), r"ambiguous")
case("expected_at-nuisances-str", lambda: tiny_likelihood().expected_at(lk_signal, "0"), r"nuisances")
case("profile_poisson-shapes", lambda: profile_poisson(np.ones((2, 4)), np.ones((2, 1, 3)), np.ones(4), np.ones(1)),
     r"templates")
case("profile_gaussian-nan", lambda: profile_gaussian(np.full((1, 4), math.nan), np.ones((1, 1, 4)), np.ones(4),
                                                      np.ones(4), np.ones(1)), r"expected counts|mu0", "absurd")
case("profile_gaussian-variance-zero", lambda: profile_gaussian(np.ones((1, 4)), np.ones((1, 1, 4)), np.ones(4),
                                                                np.zeros(4), np.ones(1)), r"variance", "absurd")
case("Nuisance-sigma-neg", lambda: Nuisance("x", -0.1, "bad prior"), r"sigma")
case("Nuisance-sigma-nan", lambda: Nuisance("x", math.nan, "bad prior"), r"sigma", "nan")

# --- fits -----------------------------------------------------------------------------------------------------
case("fit-dataset", lambda: fits.fit("xenon"), r"xenon")
case("fit-param", lambda: fits.fit("csi", "mass"), r"mass")
case("fit-config", lambda: fits.fit("csi", "cevns", "seed002"), r"seed002")
case("likelihood-detector", lambda: fits.likelihood("ge"), r"'ge'")
case("likelihood-config", lambda: fits.likelihood("lar", "seed003"), r"seed003")
case("profile_rn-negative-grid", lambda: fits.profile_rn("lar", grid=np.linspace(-3.0, 3.0, 61)), r"grid", "absurd")
case("profile_rn-one-point", lambda: fits.profile_rn("lar", grid=[3.4]), r"grid")
case("profile_rn-decreasing", lambda: fits.profile_rn("lar", grid=[4.0, 3.5, 3.0]), r"grid")
case("profile_sin2-outside", lambda: fits.profile_sin2(["lar"], grid=np.linspace(0.5, 1.5, 11)), r"grid|sin2",
     "absurd")
case("profile_sin2-detector", lambda: fits.profile_sin2(["xe"]), r"'xe'")
case("profile_cevns-negative-grid", lambda: fits.profile_cevns("lar", grid=np.linspace(-1.0, 1.0, 21)), r"grid",
     "absurd")
case("read_profile-one-point", lambda: fits.read_profile([1.0], [0.0]), r"grid")
case("read_profile-shape", lambda: fits.read_profile([1.0, 2.0, 3.0], [0.0, 1.0]), r"chi2")
case("read_profile-nan", lambda: fits.read_profile([1.0, 2.0, 3.0], [1.0, math.nan, 1.0]), r"chi2")
case("read_profile-level-neg", lambda: fits.read_profile([1.0, 2.0, 3.0], [1.0, 0.0, 1.0], level=-1.0), r"level")
case("likelihood-timing-offset", lambda: fits.likelihood("csi", timing_offset_us=5.0), r"timing_offset_us")
case("likelihood-timing-offset-nan", lambda: fits.likelihood("csi", timing_offset_us=math.nan), r"timing_offset_us",
     "nan")

# --- scans ----------------------------------------------------------------------------------------------------
case("chi2_grid-mass-neg", lambda: scans.chi2_grid("b-l", [-1.0], [1e-5], "lar"), r"mass")
case("chi2_grid-coupling-nan", lambda: scans.chi2_grid("b-l", [1.0], [math.nan], "lar"), r"coupling")
case("chi2_grid-coupling-rows", lambda: scans.chi2_grid("b-l", [1.0, 2.0], np.ones((3, 2)) * 1e-5, "lar"), r"rows")
case("chi2_grid-model-type", lambda: scans.chi2_grid(5, [1.0], [1e-5], "lar"), r"model")
case("chi2_grid-model-name", lambda: scans.chi2_grid("b-2l", [1.0], [1e-5], "lar"), r"b-2l")
case("chi2_grid-nuclear-type", lambda: scans.chi2_grid("b-l", [1.0], [1e-5], "lar", nuclear="helm"), r"nuclear")
case("chi2_grid-time-integrated-str", lambda: scans.chi2_grid("b-l", [1.0], [1e-5], "csi",
                                                               likelihood_options={"csi": {"time_integrated": "yes"}}),
     r"time_integrated")
case("chi2_grid-dataset", lambda: scans.chi2_grid("b-l", [1.0], [1e-5], "csi+xe"), r"csi\+xe")
case("chi2_grid-config", lambda: scans.chi2_grid("b-l", [1.0], [1e-5], "lar", "seed9"), r"seed9")
case("coupling_bound-regime", lambda: scans.coupling_bound("b-l", "lar", regime="mid"), r"regime")
case("bounds-model", lambda: scans.bounds("b-2l", "lar"), r"b-2l")
case("bounds-dataset", lambda: scans.bounds("b-l", "xe"), r"'xe'")
case("nsi_interval-param", lambda: scans.nsi_interval("lar", "uV_xx"), r"uV_xx")
case("nsi_interval-n-one", lambda: scans.nsi_interval("lar", "uV_ee", n=1), r"\bn\b")
case("nsi_interval-dataset", lambda: scans.nsi_interval("xe", "uV_ee"), r"'xe'")
case("chi2_quadratic-nan", lambda: scans.chi2_quadratic(nsi.VectorNSI(["uV_ee"]), [[math.nan]], "lar"), r"parameter")
case("chi2_quadratic-chunk", lambda: scans.chi2_quadratic(nsi.VectorNSI(["uV_ee"]), [[0.1]], "lar", chunk=0),
     r"chunk")
case("first_excluded-level-nan", lambda: scans.first_excluded([1.0, 2.0], [0.0, 5.0], math.nan), r"level", "nan")
case("exclusion_scan-one-coupling", lambda: scans.exclusion_scan("b-l", [1.0], [1e-5], "lar"), r"coupling")

# --- command line ----------------------------------------------------------------------------------------------
case("cli-nsi-unknown-param", lambda: cli("nsi", "--dataset", "lar", "--param", "uV_xx"), r"uV_xx")
case("cli-fit-bad-dataset", lambda: cli("fit", "--dataset", "xe"), r"dataset")
case("cli-limits-mass-neg", lambda: cli("limits", "--model", "b-l", "--dataset", "lar", "--mass", "-5"), r"mass")
case("cli-limits-mass-nan", lambda: cli("limits", "--model", "b-l", "--dataset", "lar", "--mass", "nan"), r"mass")
case("cli-limits-mass-str", lambda: cli("limits", "--model", "b-l", "--dataset", "lar", "--mass", "ten"), r"mass")
case("cli-no-command", lambda: cli(), r"(?i)command")
case("cli-unknown-command", lambda: cli("exclude"), r"exclude")
case("cli-unknown-option", lambda: cli("predict", "--detector", "csi", "--colour"), r"colour")


@pytest.mark.parametrize("call, match, accepted", CASES)
def test_bad_input_is_a_clear_error(call, match, accepted):
    with pytest.raises(ValueError, match=match):
        call()


def test_suite_size():
    assert len(CASES) >= 150


# --- the data: verify-data and every command on altered, missing or unlisted files -----------------------------


def test_verify_data_passes_on_clean_checkout():
    assert "verified" in cli("verify-data")


@pytest.mark.parametrize("mutation", ["altered", "missing", "unlisted", "no-sums"])
def test_verify_data_refuses(data_copy, mutation):
    target = data_copy / "lar-2020" / "systerrors1dpsd.txt"  # a file no analysis command reads
    if mutation == "altered":
        target.write_text(target.read_text() + "\n1 2 3\n")
    elif mutation == "missing":
        target.unlink()
    elif mutation == "unlisted":
        (data_copy / "csi-2021" / "extra.txt").write_text("1 2\n")
    else:
        (data_copy / "SHA256SUMS").unlink()
    with pytest.raises(CLIError, match=r"altered|missing|unlisted|SHA256SUMS"):
        cli("verify-data")


def test_commands_on_altered_data_give_one_line(data_copy):
    target = data_copy / "csi-2021" / "scintRespCoefficients.txt"
    target.write_text(target.read_text().replace("0.0", "0.1", 1))
    rates._ENGINES.pop("csi", None)
    try:
        with pytest.raises(CLIError, match=r"scintRespCoefficients.txt has been altered"):
            cli("predict", "--detector", "csi")
    finally:
        rates._ENGINES.pop("csi", None)


# --- properties ------------------------------------------------------------------------------------------------
bad_reals = st.one_of(st.just(math.nan), st.just(math.inf), st.just(-math.inf),
                      st.floats(max_value=-1e-12, allow_nan=False, allow_infinity=False))


@settings(max_examples=40, deadline=None)
@given(r=bad_reals, fname=st.sampled_from(["helm", "klein_nystrand", "symmetrized_fermi"]))
def test_form_factors_refuse_any_nonphysical_radius(r, fname):
    with pytest.raises(ValueError, match="radius"):
        getattr(ff, fname)(Q, r)


@settings(max_examples=40, deadline=None)
@given(s2=st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0), st.just(math.nan)))
def test_sin2_outside_unit_interval_refused(s2):
    with pytest.raises(ValueError, match="sin2_theta_w"):
        xs.ElectroweakInputs(sin2_theta_w=s2)


@settings(max_examples=40, deadline=None)
@given(re=st.floats(-1e3, 1e3), im=st.floats(1e-6, 1e3))
def test_complex_input_never_silently_dropped(re, im):
    with pytest.raises(ValueError, match="real"):
        xs.t_max(complex(re, im), 1e5)


@settings(max_examples=40, deadline=None)
@given(m=bad_reals)
def test_mediator_masses_refused(m):
    with pytest.raises(ValueError, match="mass"):
        lm.model("b-l", mass_mev=m, coupling=1e-5)


@settings(max_examples=30, deadline=None)
@given(chunk=st.integers(max_value=0))
def test_nonpositive_chunks_refused(chunk):
    with pytest.raises(ValueError, match="chunk"):
        tiny_likelihood().chi2_profiled(lk_signal, chunk=chunk, backend="numpy")


@settings(max_examples=30, deadline=None)
@given(x=st.floats(max_value=-1e-30, min_value=-1e3))
def test_negative_squared_coupling_refused(x):
    from cevns_lib.rates import QuadraticCounts

    quad = QuadraticCounts(1, {(0, 0): np.ones((3, 2, 2)), (0, 1): np.ones((3, 2, 2)), (1, 1): np.ones((3, 2, 2))},
                           nonnegative=True)
    with pytest.raises(ValueError, match="squared coupl"):
        quad.counts([x])


def test_valid_inputs_still_work():
    """The checks do not refuse the physical domain: a few valid calls and their simplest properties."""
    assert ff.helm(0.0, 4.8) == pytest.approx(1.0)
    assert xs.ElectroweakInputs(sin2_theta_w=np.array([0.2, 0.3])).sin2_theta_w.shape == (2,)
    assert xs.NuclearModel(neutron_radius_fm={"Cs133": np.array([4.5, 5.0])}).neutron_radius_fm["Cs133"].shape == (2,)
    lk = tiny_likelihood()
    one = lk.chi2_profiled(np.full((3, 4), 2.0), per_flavour=True)
    three = lk.chi2_profiled(np.full((3, 4), 2.0), per_flavour=False)
    assert one.shape == (1,) and three.shape == (3,)
    assert lk.chi2_profiled(np.full((2, 2), 6.0)).shape == (1,)
    assert muon_g2.coupling_for_delta_a(0.0, 10.0) == 0.0
