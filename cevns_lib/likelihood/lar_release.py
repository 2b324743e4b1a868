r"""COHERENT's own LAr likelihood ("Analysis A", arXiv:2006.12659): binned Poisson in E_ee x F90 x t_trig.

The configuration `coherent` of `lar_likelihood`. The release gives every ingredient of COHERENT's 3-D fit as a
binned table of 12 energy (0-120 keVee) x 8 F90 (0.5-0.9) x 10 t_trig (-0.1-4.9 us) bins: the data, the CEvNS PDF
(normalised to the SM prediction 128 +- 17), the prompt and delayed BRN PDFs (497 +- 160, 33 +- 33), the steady-state
PDF (3154 +- 25, measured off beam) and the +-1 sigma PDFs of five shape systematics (release note, Table 3). Here

    chi^2 = 2 sum_{e,p,t} [ mu - n + n ln(n / mu) ] + sum_k (b_k / sigma_k)^2,
    mu = (1 + b0 + b1 D^F90 + b2 D^t) N_CEvNS + (1 + b3) N_SS + (1 + b4) N_pBRN + b5 dE + b6 dt + b7 dw
         + (1 + b8) N_dBRN,

with the priors of the release: b0 13% (CEvNS, 17/128; free when the count is fitted), b3 0.79% (SS, 25/3154),
b4 32% (prompt BRN, 160/497), b8 100% (delayed BRN, 33/33), and unit-Gaussian shape parameters b1, b2 (CEvNS F90
energy dependence, t_trig mean) and b5, b6, b7 (prompt-BRN energy, t_trig mean and width), whose templates are
the differences of the release's +-1 sigma PDFs from the central ones (half the +1 minus -1 difference where both
exist, the one-sided difference otherwise), in all three dimensions.

**Approximation named.** COHERENT propagated the shape systematics by refits with the alternative PDFs (an
envelope, release note section 3); here they are profiled as linear nuisance parameters. The steady-state PDF,
taken from a 5x longer off-beam window, is treated as exactly known in the Poisson statistic (its 0.79%
normalisation prior remains).

Signal hypotheses come from the rate engine in energy x time, (..., 3, 12, 10). They are spread over F90 by a
fixed weight map w(e, p, t):

* signal = "release" (default): w = N_release(e, p, t) / N_SM,engine(e, t). The SM hypothesis becomes exactly the
  release's CEvNS PDF; any other hypothesis is the release PDF times the engine's ratio hypothesis / SM in each
  (energy, time) bin. This is what COHERENT's likelihood fits, and what the release note (section 5, step f)
  prescribes for an alternative hypothesis: its own energy distribution, with the release's F90 and timing
  distributions.
* signal = "engine": w = the release PDF's F90 fractions in each (energy, time) bin: the engine's own prediction
  (its own normalisation), distributed in F90 like the release's CEvNS.

Options for the book's ladder of likelihoods: f90=False sums the F90 axis (12 x 10 bins), statistic="gaussian"
uses sigma^2 = n + N_SS/5 (seed 000's), systematics=False keeps only the three background normalisations.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from ..detectors import lar as det
from ..rates import engine
from .base import N_FLAVOURS, Likelihood, Nuisance
from .lar import RELEASE_FILES, SS_OVERSAMPLING, _rel

N_E, N_F90, N_T = 12, 8, 10
SIGNALS = ("release", "engine")
STATISTICS = ("poisson", "gaussian")


def _param(key: str):
    """(value, uncertainty) of a normalisation in the release YAML."""
    p = det.parameters()[key]
    return float(p["value"]), float(p["uncertainty"])


def release_priors() -> dict[str, float]:
    """Relative prior widths of the normalisations, from the release's predictions (LArParametersAnlA.yaml)."""
    out = {}
    for name, key in (("cevns", "cevnsPredictionNormalization"), ("ss", "ssBackgroundPredictionNormalization"),
                      ("pbrn", "promptBeamRelatedNeutronPredictionNormalization"),
                      ("dbrn", "delayedBeamRelatedNeutronPredictionNormalization")):
        value, err = _param(key)
        out[name] = err / value
    return out


@functools.lru_cache(maxsize=1)
def release_cubes() -> dict[str, np.ndarray]:
    """Every 3-D table of the release as (12 E, 8 F90, 10 t) arrays."""
    return {k: det.release_table(f, integrate_f90=False) for k, f in RELEASE_FILES.items()}


@dataclasses.dataclass(frozen=True, eq=False)
class ReleaseLikelihood(Likelihood):
    """A Likelihood whose bins are E x F90 x t (or E x t): engine hypotheses (..., 3, 12, 10) are spread over F90
    by the weight map `f90_weights` (12, 8, 10) before the common profiler sees them. Immutable, as every
    Likelihood."""

    f90_weights: np.ndarray | None = None  # (12, 8, 10) or (12, 1, 10); a dataclass field, so copies keep it

    def __post_init__(self):
        super().__post_init__()
        if self.f90_weights is not None:
            w = np.array(self.f90_weights, dtype=float)
            w.setflags(write=False)
            object.__setattr__(self, "f90_weights", w)

    def _spread(self, signal):
        s = np.asarray(signal, dtype=float)
        if self.f90_weights is not None and s.shape[-1] != self.n_bins:
            if s.shape[-2:] == (N_E, N_T):
                s = s.reshape(s.shape[:-2] + (N_E * N_T,))
            if s.shape[-1:] == (N_E * N_T,):  # an engine hypothesis in E x t: spread over F90
                s = (s.reshape(s.shape[:-1] + (N_E, 1, N_T)) * self.f90_weights).reshape(s.shape[:-1] + (-1,))
        return s

    def _signal_view(self, signal, what="signal"):
        return super()._signal_view(self._spread(signal), what)


def coherent_likelihood(free_normalisation: bool = False, signal: str = "release", f90: bool = True,
                        statistic: str = "poisson", systematics: bool = True) -> Likelihood:
    """COHERENT's Analysis A likelihood of the LAr 2020 release (see the module docstring for every option)."""
    if signal not in SIGNALS:
        raise ValueError(f"signal must be one of {SIGNALS}, not {signal!r}")
    if statistic not in STATISTICS:
        raise ValueError(f"statistic must be one of {STATISTICS}, not {statistic!r}")
    c = release_cubes()
    sm_et = engine("lar").counts()  # (3, 12, 10) engine SM per flavour
    sm_tot = sm_et.sum(axis=0)
    cev = c["cevns"]
    if signal == "release":
        weights = _rel(cev, sm_tot[:, None, :])
    else:
        weights = _rel(cev, cev.sum(axis=1, keepdims=True))
    if not f90:  # integrate the F90 axis of every table (the weights then sum over it)
        c = {k: v.sum(axis=1, keepdims=True) for k, v in c.items()}
        weights = weights.sum(axis=1, keepdims=True)
    shape = c["data"].shape
    flat = {k: v.ravel() for k, v in c.items()}
    sm = (sm_et[:, :, None, :] * weights[None]).reshape(N_FLAVOURS, -1)
    cv = flat["cevns"]
    pri = release_priors()
    ones = np.ones_like(sm)
    nuis = [Nuisance("b0", None if free_normalisation else pri["cevns"], "CEvNS normalisation", relative=ones)]
    if systematics:
        d_f90 = np.broadcast_to(_rel(0.5 * (flat["cevns_f90_plus"] - flat["cevns_f90_minus"]), cv), sm.shape)
        d_t = np.broadcast_to(_rel(flat["cevns_tmean"] - cv, cv), sm.shape)
        nuis += [Nuisance("b1", 1.0, "CEvNS F90 energy dependence (shape)", relative=np.array(d_f90)),
                 Nuisance("b2", 1.0, "CEvNS t_trig mean (shape)", relative=np.array(d_t))]
    pb = flat["pbrn"]
    nuis += [Nuisance("b3", pri["ss"], "steady-state normalisation", absolute={"ss": flat["ss"]}),
             Nuisance("b4", pri["pbrn"], "prompt BRN normalisation", absolute={"pbrn": pb})]
    if systematics:
        nuis += [
            Nuisance("b5", 1.0, "prompt BRN energy distribution (shape)",
                     absolute={"pbrn": 0.5 * (flat["pbrn_e_plus"] - flat["pbrn_e_minus"])}),
            Nuisance("b6", 1.0, "prompt BRN t_trig mean (shape)",
                     absolute={"pbrn": 0.5 * (flat["pbrn_t_plus"] - flat["pbrn_t_minus"])}),
            Nuisance("b7", 1.0, "prompt BRN t_trig width (shape)", absolute={"pbrn": flat["pbrn_width"] - pb})]
    nuis += [Nuisance("b8", pri["dbrn"], "delayed BRN normalisation", absolute={"dbrn": flat["dbrn"]})]
    data = flat["data"]
    dims = "12 E x 8 F90 x 10 t_trig" if f90 else "12 E x 10 t_trig (F90 integrated)"
    lk = ReleaseLikelihood(
        name="lar[coherent]", statistic=statistic, data=data,
        backgrounds={"ss": flat["ss"], "pbrn": pb, "dbrn": flat["dbrn"]},
        nuisances=nuis, sm_signal=sm, shape=shape,
        variance=(data + flat["ss"] / SS_OVERSAMPLING) if statistic == "gaussian" else None,
        description=f"COHERENT LAr 2020 Analysis A, {dims} bins, {statistic} chi^2, signal shape '{signal}'",
        extra={"configuration": "coherent", "signal": signal, "f90": f90, "systematics": systematics},
        f90_weights=weights)
    return lk


__all__ = ["coherent_likelihood", "release_cubes", "release_priors", "ReleaseLikelihood", "SIGNALS"]
