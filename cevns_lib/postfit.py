"""Post-fit spectra: the data beside the fitted signal and backgrounds, projected on each observable.

The fit is that of the SM hypothesis with every nuisance parameter profiled (`Likelihood.chi2_profiled`); the
components at the best nuisances come from `Likelihood.expected_at`, so they include the signal's calibrated
re-timing (CsI) and every normalisation and shape parameter.

- CsI[Na] 2021: projections of the 9 PE x 11 t_rec fit on PE and on t_rec.
- LAr 2020: projections of the 12 energy x 10 t_trig fit on energy and time, and on F90, which the chi^2 integrates
  over. **Approximation (F90):** each fitted component is shared among the 8 F90 bins of each (energy, time) bin in
  the proportions of the release's own 3D table of that component (`cevnspdf`, `bkgpdf`, `brnpdf`, `delbrnpdf`);
  the data are the release's 3D data table.
"""
from __future__ import annotations

import numpy as np

from .detectors import csi as csi_det
from .detectors import lar as lar_det
from .likelihood import csi_likelihood, lar_likelihood

CSI_LABELS = {"ssb": "steady state", "brn": "BRN", "nin": "NIN", "signal": "CEvNS"}
LAR_LABELS = {"ss": "steady state", "pbrn": "prompt BRN", "dbrn": "delayed BRN", "signal": "CEvNS"}
LAR_F90_TABLES = {"signal": "cevnspdf.txt", "ss": "bkgpdf.txt", "pbrn": "brnpdf.txt", "dbrn": "delbrnpdf.txt"}


def best_fit(lk, signal=None) -> tuple[float, np.ndarray, dict]:
    """(chi2_min, nuisances (K,), components {name: (n_energy, n_time)}) of one signal hypothesis (SM default)."""
    s = lk.sm_signal if signal is None else np.asarray(signal, float)
    chi2, a = lk.chi2_profiled(s[None], return_nuisances=True)
    comps = lk.expected_at(s[None], a[0])  # one hypothesis (1, 3, B): a 2D array would read as 3
    return float(chi2[0]), a[0], {k: v.reshape(lk.shape) for k, v in comps.items()}


def _projection(edges, data, comps, labels, axis):
    return {"edges": np.asarray(edges, float), "data": data.sum(axis=axis),
            "components": {labels[k]: comps[k].sum(axis=axis) for k in labels}}


def csi_projections(configuration: str = "seed000") -> dict:
    """{"pe": ..., "t_rec": ...}, each {"edges", "data", "components" (bottom of the stack first)}, and "chi2"."""
    lk = csi_likelihood(configuration)
    chi2, a, comps = best_fit(lk)
    data = lk.data.reshape(lk.shape)
    return {"pe": _projection(csi_det.PE_EDGES, data, comps, CSI_LABELS, axis=1),
            "t_rec": _projection(csi_det.TIME_EDGES_US, data, comps, CSI_LABELS, axis=0),
            "chi2": chi2, "nuisances": dict(zip(lk.names, a))}


def _f90_split(component_et: np.ndarray, table: str) -> np.ndarray:
    """(12, 10) fitted counts -> (12, 8, 10) with the F90 fractions of the release's 3D table."""
    cube = lar_det.release_table(table, integrate_f90=False)
    tot = cube.sum(axis=1, keepdims=True)
    n_f90 = cube.shape[1]
    frac = np.divide(cube, tot, out=np.full_like(cube, 1.0 / n_f90), where=tot > 0)
    return component_et[:, None, :] * frac


def lar_projections(configuration: str = "seed000") -> dict:
    """{"energy", "f90", "time"} projections of the LAr fit (see the module's F90 approximation), and "chi2"."""
    lk = lar_likelihood(configuration)
    chi2, a, comps = best_fit(lk)
    data = lk.data.reshape(lk.shape)
    data3 = lar_det.release_table("datanobkgsub.txt", integrate_f90=False)
    if not np.allclose(data3.sum(axis=1), data):
        raise ValueError("the LAr 3D data table does not integrate to the likelihood's data")
    f90 = {"edges": lar_det.F90_EDGES.astype(float), "data": data3.sum(axis=(0, 2)),
           "components": {label: _f90_split(comps[k], LAR_F90_TABLES[k]).sum(axis=(0, 2))
                          for k, label in LAR_LABELS.items()}}
    return {"energy": _projection(lar_det.ENERGY_EDGES_KEVEE, data, comps, LAR_LABELS, axis=1),
            "f90": f90,
            "time": _projection(lar_det.TIME_EDGES_US, data, comps, LAR_LABELS, axis=0),
            "chi2": chi2, "nuisances": dict(zip(lk.names, a))}
