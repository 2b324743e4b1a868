r"""The CsI[Na] 2021 Poisson chi^2 (seed 000, "Statistical analysis") and seed 001's leaner variant.

Bins: 9 PE x 11 t_rec (`detectors.csi.PE_EDGES`, `TIME_EDGES_US`). Data: beam-on coincident events of the release;
steady-state background (SSB): the anti-coincident events of the same beam-on windows, bin by bin. BRN and NIN:
the release's PE and t_rec shapes (the PE shapes already contain the energy efficiency; the time shapes get the
time efficiency here), factorised, normalised to the second-hand priors of 18.4 BRN and 5.6 NIN events.

seed 000 (default):
  N_th = (1 + a0 + a5) N_CEvNS(a4, a6, a7) + (1 + a0) N_ES(a6, a7) + (1 + a1) N_BRN(a6) + (1 + a2) N_NIN(a6)
         + (1 + a3) N_SSB,
  priors a0 11% (efficiency + flux), a1 25% (BRN), a2 35% (NIN), a3 2.1% (SSB), a4 5% (nuclear radius:
  R_n -> R_n (1 + a4)), a5 3.8% (quenching, a normalisation as in the seed), a6 beam timing (free; a shift of the
  proton pulse in microseconds), a7 CEvNS efficiency (unit Gaussian between the release's -1 and +1 sigma
  efficiency curves). Shape nuisances enter through their first derivative (linear templates), the product
  terms a0*a4 etc. are dropped: both second order in small quantities.
seed 001: four normalisations, CEvNS 12%, BRN 25%, NIN 35%, SSB 2.1%.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from .. import data
from ..cross_section import NuclearModel, StandardModel
from ..detectors import csi as det
from ..flux import FLAVOURS, ProtonPulse, time_bin_fractions
from ..rates import RateEngine, engine
from ..validation import scalar_in_range
from .base import Likelihood, Nuisance

BRN_PRIOR_EVENTS = 18.4  # second-hand, CsI 2021 supplement
NIN_PRIOR_EVENTS = 5.6  # second-hand, CsI 2021 supplement
CONFIGURATIONS = ("seed000", "seed001")
#: why there is no CsI configuration "coherent" (COHERENT's own likelihood), as the error message says it
COHERENT_REFUSAL = (
    "no CsI configuration 'coherent': the CsI[Na] 2021 release does not contain COHERENT's likelihood. It has the "
    "event lists and the BRN/NIN shapes, but not COHERENT's CEvNS PDF, its systematic shape PDFs, its "
    "steady-state model or its priors (the supplement is missing; BRN and NIN priors are known only second-hand). "
    "The closest reconstruction the release allows is configuration 'seed000'")
_DT_US = 0.02  # finite-difference step of the pulse shift (us)
_DALPHA4 = 0.05
#: largest accepted CEvNS timing shift (us): the prompt nu_mu signal lies in the first microsecond of t_rec (the
#: 2017 pulse mean is ~0.1 us and the calibration searches +-0.4 us); a larger shift moves it out of its bins
MAX_TIMING_OFFSET_US = 0.5


def _histogram(events: np.ndarray) -> np.ndarray:
    h, _, _ = np.histogram2d(events[:, 0], events[:, 1], bins=(det.PE_EDGES, det.TIME_EDGES_US))
    return h


@functools.lru_cache(maxsize=1)
def observed() -> tuple[np.ndarray, np.ndarray]:
    """(coincident, anti-coincident) beam-on event counts in the 9 x 11 analysis bins."""
    c = data.load_table("csi-2021/dataBeamOnC.txt")
    ac = data.load_table("csi-2021/dataBeamOnAC.txt")
    return _histogram(c), _histogram(ac)


@functools.lru_cache(maxsize=8)
def _pe_shape(filename: str) -> np.ndarray:
    tab = data.load_table(f"csi-2021/{filename}")
    h, _ = np.histogram(tab[:, 0], bins=det.PE_EDGES, weights=tab[:, 1])
    return h


@functools.lru_cache(maxsize=8)
def _table(filename: str) -> np.ndarray:
    return data.load_table(f"csi-2021/{filename}")


def _time_shape(filename: str, shift_us: float = 0.0, step_us: float = 0.0005) -> np.ndarray:
    """Binned time shape x time efficiency, shifted by `shift_us`; the release's 0.01-us histogram is a step density."""
    tab = _table(filename)
    centres, counts = tab[:, 0], tab[:, 1]
    width = np.diff(centres).mean()
    lo = centres - 0.5 * width
    t = np.arange(det.TIME_EDGES_US[0] + 0.5 * step_us, det.TIME_EDGES_US[-1], step_us)
    idx = np.floor((t - shift_us - lo[0]) / width).astype(int)
    dens = np.where((idx >= 0) & (idx < counts.size), counts[np.clip(idx, 0, counts.size - 1)], 0.0) / width
    w = dens * det.time_efficiency(t) * step_us
    h, _ = np.histogram(t, bins=det.TIME_EDGES_US, weights=w)
    return h


@functools.lru_cache(maxsize=16)
def background_template(kind: str, shift_us: float = 0.0) -> np.ndarray:
    """BRN or NIN expected counts (9 x 11), normalised to the prior in the analysis region at zero shift."""
    prior = {"brn": BRN_PRIOR_EVENTS, "nin": NIN_PRIOR_EVENTS}[kind]
    pe = _pe_shape(f"{kind}PE.txt")
    t0 = _time_shape(f"{kind}Trec.txt")
    ts = _time_shape(f"{kind}Trec.txt", shift_us)
    out = prior * np.outer(pe, ts) / (pe.sum() * t0.sum())
    out.setflags(write=False)
    return out


def _relative(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


@functools.lru_cache(maxsize=64)
def time_fractions(shift_us: float = 0.0) -> np.ndarray:
    """(3, n_t) flavour time fractions (with the time efficiency) for the pulse shifted by `shift_us`."""
    d = engine("csi").detector
    pulse = ProtonPulse(d.pulse.mean_us + shift_us, d.pulse.sigma_us)
    out = np.stack([time_bin_fractions(f, d.time_edges_us, pulse, efficiency=det.time_efficiency) for f in FLAVOURS])
    out.setflags(write=False)
    return out


def retiming_factor(shift_us: float) -> np.ndarray:
    """(3, B) exact factor that moves any CsI prediction from the nominal pulse to one shifted by `shift_us`.

    Arrival times depend on the flavour only, so N_{f i t} = E_{f i} tau_{f t} for every interaction and the
    shift multiplies bin (i, t) of flavour f by tau_{f t}(shift) / tau_{f t}(0), whatever the physics model.
    """
    ratio = _relative(time_fractions(shift_us), time_fractions(0.0))
    n_e = len(det.PE_EDGES) - 1
    return np.repeat(ratio[:, None, :], n_e, axis=1).reshape(3, -1)


@functools.lru_cache(maxsize=4)
def _shift_free_templates(nuclear: NuclearModel) -> dict:
    """The templates that do not depend on the time origin: SM CEvNS (3, B), relative a4 and a7 templates."""
    base = engine("csi")
    sm = StandardModel(nuclear=nuclear)
    n0 = base.counts(sm).reshape(3, -1)

    def model_with(alpha4):
        return StandardModel(nuclear=NuclearModel(nuclear.form_factor, nuclear.radii, nuclear.alpha4 + alpha4,
                                                  nuclear.neutron_radius_fm))

    r4 = _relative(base.counts(model_with(_DALPHA4)).reshape(3, -1)
                   - base.counts(model_with(-_DALPHA4)).reshape(3, -1), 2 * _DALPHA4 * n0)
    plus = RateEngine(det.csi_2021(efficiency="plus")).counts(sm).reshape(3, -1)
    minus = RateEngine(det.csi_2021(efficiency="minus")).counts(sm).reshape(3, -1)
    r7 = _relative(plus - minus, 2 * n0)
    out = {"sm": n0, "alpha4": r4, "alpha7": r7}
    for v in out.values():
        v.setflags(write=False)
    return out


@functools.lru_cache(maxsize=16)
def _timing_template(timing_offset_us: float) -> np.ndarray:
    up, down = retiming_factor(timing_offset_us + _DT_US), retiming_factor(timing_offset_us - _DT_US)
    out = _relative(up - down, 2 * _DT_US * retiming_factor(timing_offset_us))
    out.setflags(write=False)
    return out


def signal_templates(nuclear: NuclearModel = NuclearModel(), timing_offset_us: float = 0.0) -> dict:
    """Nominal SM CEvNS (3, B) and relative derivative templates (3, B) for a4 (radius), a6 (per us), a7."""
    return {**_cached(_shift_free_templates, nuclear), "alpha6": _timing_template(float(timing_offset_us))}


def _cached(fn, *args, **kwargs):
    """fn's cached result where the arguments are hashable, else a fresh one (e.g. radii given as a dict)."""
    try:
        hash((args, tuple(sorted(kwargs.items()))))
    except TypeError:
        return fn.__wrapped__(*args, **kwargs)
    return fn(*args, **kwargs)


@functools.lru_cache(maxsize=1)
def _brn_nin() -> tuple:
    brn, nin = background_template("brn"), background_template("nin")
    dbrn = (background_template("brn", _DT_US) - background_template("brn", -_DT_US)) / (2 * _DT_US)
    dnin = (background_template("nin", _DT_US) - background_template("nin", -_DT_US)) / (2 * _DT_US)
    return brn, nin, dbrn, dnin


#: the a7 (efficiency-curve) prior choices: "unit" = a unit Gaussian between the release's -1 and +1 sigma curves
#: (the default: the release states those curves as its 1 sigma band); "free" = no penalty, the literal reading of
#: seed 000's chi^2, whose penalty sum runs over k = 0..4(5) only
A7_PRIORS = {"unit": 1.0, "free": None}


def csi_likelihood(configuration: str = "seed000", nuclear: NuclearModel = NuclearModel(),
                   free_normalisation: bool = False, timing_offset_us: float | None = None,
                   a7_prior: str = "unit") -> Likelihood:
    """The CsI 2021 Poisson likelihood in a named configuration ('seed000' or 'seed001').

    free_normalisation=True replaces the signal-normalisation nuisances (a0, a5 or seed 001's 12%) by one free
    parameter: the fit of the number of CEvNS events.
    timing_offset_us: shift of the CEvNS arrival times relative to the detector's nominal pulse (2017 PDFs),
    applied exactly to every hypothesis; None = the in-situ calibration on the 2021 data (`timing_calibration`).
    The beam-timing nuisance a6 of seed 000 is linearised around this point.
    The result is immutable and cached: repeated calls with the same arguments return the same object.
    a7_prior: "unit" (default) or "free": the prior of seed 000's efficiency nuisance a7 (`A7_PRIORS`).
    """
    if a7_prior not in A7_PRIORS:
        raise ValueError(f"a7_prior must be one of {sorted(A7_PRIORS)}, not {a7_prior!r}")
    if configuration == "coherent":
        raise ValueError(COHERENT_REFUSAL)
    if configuration not in CONFIGURATIONS:
        raise ValueError(f"unknown CsI likelihood configuration {configuration!r}; choose from {CONFIGURATIONS}")
    if timing_offset_us is not None:  # beyond +-MAX_TIMING_OFFSET_US the prompt CEvNS leaves its first microsecond
        timing_offset_us = scalar_in_range(timing_offset_us, "timing_offset_us (us)", -MAX_TIMING_OFFSET_US,
                                           MAX_TIMING_OFFSET_US)
    offset = timing_calibration() if timing_offset_us is None else float(timing_offset_us)
    return _cached(_csi_likelihood, configuration, nuclear, bool(free_normalisation), offset, a7_prior)


@functools.lru_cache(maxsize=32)
def _csi_likelihood(configuration: str, nuclear: NuclearModel, free_normalisation: bool,
                    offset: float, a7_prior: str = "unit") -> Likelihood:
    """`csi_likelihood` with the time origin resolved (cached)."""
    c, ac = observed()
    brn, nin, dbrn, dnin = _brn_nin()
    tm = signal_templates(nuclear, offset)
    ones = np.ones_like(tm["sm"])
    bkg = {"brn": brn.ravel(), "nin": nin.ravel(), "ssb": ac.ravel()}
    if configuration == "seed000":
        if free_normalisation:
            norm = [Nuisance("norm", None, "free CEvNS normalisation", relative=ones)]
        else:
            norm = [Nuisance("a0", 0.11, "efficiency + flux normalisation", relative=ones, applies_to_es=True),
                    Nuisance("a5", 0.038, "quenching factor (a normalisation, as in seed 000)", relative=ones)]
        nuis = norm[:1] + [
            Nuisance("a1", 0.25, "BRN normalisation", absolute={"brn": brn.ravel()}),
            Nuisance("a2", 0.35, "NIN normalisation", absolute={"nin": nin.ravel()}),
            Nuisance("a3", 0.021, "steady-state background normalisation", absolute={"ssb": ac.ravel()}),
            Nuisance("a4", 0.05, "neutron radius R_n -> R_n (1 + a4)", relative=tm["alpha4"]),
        ] + norm[1:] + [
            Nuisance("a6", None, "beam timing: proton-pulse shift in us (signal, BRN and NIN together)",
                     relative=tm["alpha6"], absolute={"brn": dbrn.ravel(), "nin": dnin.ravel()},
                     applies_to_es=True),
            Nuisance("a7", A7_PRIORS[a7_prior], "CEvNS efficiency curve (units of its 1 sigma)", relative=tm["alpha7"],
                     applies_to_es=True),
        ]
    else:
        nuis = [
            Nuisance("eta_cevns", None if free_normalisation else 0.12, "CEvNS normalisation", relative=ones,
                     applies_to_es=True),
            Nuisance("eta_brn", 0.25, "BRN normalisation", absolute={"brn": brn.ravel()}),
            Nuisance("eta_nin", 0.35, "NIN normalisation", absolute={"nin": nin.ravel()}),
            Nuisance("eta_ss", 0.021, "steady-state normalisation", absolute={"ssb": ac.ravel()}),
        ]
    return Likelihood(name=f"csi[{configuration}]", statistic="poisson", data=c.ravel(), backgrounds=bkg,
                      nuisances=nuis, sm_signal=tm["sm"], shape=c.shape, signal_factor=retiming_factor(offset),
                      description="COHERENT CsI[Na] 2021, 9 PE x 11 t_rec bins, Poisson chi^2",
                      extra={"timing_offset_us": offset, "configuration": configuration, "a7_prior": a7_prior})


@functools.lru_cache(maxsize=1)
def timing_calibration() -> float:
    """In-situ time origin: the CEvNS arrival-time shift (us) that the 2021 data prefer.

    The release does not give the proton pulse in its t_rec; the detector's nominal pulse comes from the 2017
    PDFs. Here the SM CEvNS is re-timed by s and the CsI chi^2 (seed 000, free CEvNS normalisation, BRN and NIN in
    the release's own time frame, no a6) is minimised over s. Cost: ~0.1 s, once per process.
    """
    from ..brent import minimize_bounded

    # one likelihood; a shift only changes the exact re-timing factor (a6, the only shift-dependent template,
    # is left out), so each step is one time-fraction evaluation and one profile
    base = csi_likelihood("seed000", free_normalisation=True, timing_offset_us=0.0)
    base = dataclasses.replace(base, nuisances=[n for n in base.nuisances if n.name != "a6"])

    def chi2(shift):
        lk = dataclasses.replace(base, signal_factor=retiming_factor(float(shift)))
        return float(lk.chi2_profiled(lk.sm_signal[None], backend="numpy")[0])

    return minimize_bounded(chi2, -0.4, 0.4, xatol=1e-4)
