r"""The LAr 2020 Gaussian chi^2 (seed 000; seed 001 states the same nuisances), 12 energy x 10 time bins.

    chi^2 = sum_ij [ (1 + b0 + b1 D^F90 + b2 D^t) N_CEvNS + (1 + b3) N_SS
                     + (1 + b4 + b5 D^E + b6 D^t + b7 D^w) N_pBRN + (1 + b8) N_dBRN - N_exp ]^2 / sigma_ij^2
            + sum_{k=0,3,4,8} (b_k/sigma_k)^2 + sum_{k=1,2,5,6,7} b_k^2,

sigma_0 = 13% (CEvNS), sigma_3 = 0.79% (SS), sigma_4 = 32% (prompt BRN), sigma_8 = 100% (delayed BRN). The shape
templates D come from the release's +-1 sigma PDFs (SystErrors/), F90-integrated as everything else here:
CEvNS F90 (half the difference of +1 and -1 sigma, relative to the CEvNS PDF), CEvNS timing mean (one-sided),
prompt-BRN energy and timing mean (two-sided), prompt-BRN timing width (one-sided). The CEvNS shape templates are
applied as relative changes to the signal hypothesis. sigma_ij^2 = N_exp + N_SS/5: the data's statistics plus
that of the steady-state sample, taken from a 5x longer window (release note section 2.4).
"""

from __future__ import annotations

import functools

import numpy as np

from ..detectors import lar as det
from ..rates import engine
from .base import Likelihood, Nuisance

CONFIGURATIONS = ("seed000", "seed001", "coherent")
SS_OVERSAMPLING = 5.0  # release note, section 2.4

#: the release tables the likelihoods read: data, backgrounds, CEvNS PDF and the systematic PDFs (E x F90 x t)
RELEASE_FILES = {
    "data": "datanobkgsub.txt", "ss": "bkgpdf.txt", "pbrn": "brnpdf.txt", "dbrn": "delbrnpdf.txt",
    "cevns": "cevnspdf.txt",
    "cevns_f90_plus": "SystErrors/cevnspdf+1sigF90.txt", "cevns_f90_minus": "SystErrors/cevnspdf-1sigF90.txt",
    "cevns_tmean": "SystErrors/cevnspdfCEvNSTimingMeanSyst.txt",
    "pbrn_e_plus": "SystErrors/brnpdf+1sigEnergy.txt", "pbrn_e_minus": "SystErrors/brnpdf-1sigEnergy.txt",
    "pbrn_t_plus": "SystErrors/brnpdf+1sigBRNTimingMean.txt", "pbrn_t_minus": "SystErrors/brnpdf-1sigBRNTimingMean.txt",
    "pbrn_width": "SystErrors/brnpdfBRNTimingWidthSyst.txt",
}


def _rel(num, den):
    return np.divide(num, den, out=np.zeros_like(num, dtype=float), where=den > 0)


@functools.lru_cache(maxsize=1)
def release_components() -> dict[str, np.ndarray]:
    """Data, backgrounds and systematic PDFs of the release, F90-integrated, (12, 10) each."""
    return {k: det.release_table(v) for k, v in RELEASE_FILES.items()}


def lar_likelihood(configuration: str = "seed000", free_normalisation: bool = False) -> Likelihood:
    """The LAr 2020 Gaussian likelihood; free_normalisation=True frees the CEvNS normalisation (drops b0's prior).
    Immutable and cached: repeated calls with the same arguments return the same object.

    configuration "coherent": COHERENT's own 3-D Poisson likelihood of the release (`lar_release`).
    """
    if configuration not in CONFIGURATIONS:
        raise ValueError(f"unknown LAr likelihood configuration {configuration!r}; choose from {CONFIGURATIONS}")
    if configuration == "coherent":
        from .lar_release import coherent_likelihood

        return coherent_likelihood(free_normalisation=free_normalisation)
    return _lar_likelihood(configuration, bool(free_normalisation))


@functools.lru_cache(maxsize=8)
def _lar_likelihood(configuration: str, free_normalisation: bool) -> Likelihood:
    r = release_components()
    sm = engine("lar").counts().reshape(3, -1)
    cv = r["cevns"].ravel()
    ones = np.ones_like(sm)
    d_f90 = np.broadcast_to(_rel(0.5 * (r["cevns_f90_plus"] - r["cevns_f90_minus"]).ravel(), cv), sm.shape)
    d_t = np.broadcast_to(_rel((r["cevns_tmean"]).ravel() - cv, cv), sm.shape)
    pb = r["pbrn"].ravel()
    nuis = [
        Nuisance("b0", None if free_normalisation else 0.13, "CEvNS normalisation", relative=ones),
        Nuisance("b1", 1.0, "CEvNS F90 energy dependence (shape)", relative=np.array(d_f90)),
        Nuisance("b2", 1.0, "CEvNS t_trig mean (shape)", relative=np.array(d_t)),
        Nuisance("b3", 0.0079, "steady-state normalisation", absolute={"ss": r["ss"].ravel()}),
        Nuisance("b4", 0.32, "prompt BRN normalisation", absolute={"pbrn": pb}),
        Nuisance("b5", 1.0, "prompt BRN energy distribution (shape)",
                 absolute={"pbrn": 0.5 * (r["pbrn_e_plus"] - r["pbrn_e_minus"]).ravel()}),
        Nuisance("b6", 1.0, "prompt BRN t_trig mean (shape)",
                 absolute={"pbrn": 0.5 * (r["pbrn_t_plus"] - r["pbrn_t_minus"]).ravel()}),
        Nuisance("b7", 1.0, "prompt BRN t_trig width (shape)", absolute={"pbrn": (r["pbrn_width"]).ravel() - pb}),
        Nuisance("b8", 1.0, "delayed BRN normalisation", absolute={"dbrn": r["dbrn"].ravel()}),
    ]
    data = r["data"].ravel()
    return Likelihood(
        name=f"lar[{configuration}]", statistic="gaussian", data=data,
        backgrounds={"ss": r["ss"].ravel(), "pbrn": pb, "dbrn": r["dbrn"].ravel()},
        nuisances=nuis, sm_signal=sm, shape=r["data"].shape,
        variance=data + r["ss"].ravel() / SS_OVERSAMPLING,
        description="COHERENT LAr 2020 Analysis A, 12 energy x 10 t_trig bins (F90 integrated), Gaussian chi^2",
        extra={"configuration": configuration},
    )
