"""Benchmark of the up-scattering exclusions: `python benchmarks/bench_new_particles.py`.

* a 100 x 200 (m_4, mu_nu4) profiled exclusion of the dipole portal (mu flavour) on CsI+LAr, with the CsI electrons
  (goal < 10 s): engine calls for the 100 thresholds (nuclei and electrons) plus 2 x 20000 profiled chi^2;
* a 100 x 200 (m_chi, g) dark-fermion scan (vector mediator, M = 10 MeV) of the same size.
Times the first call (the quadratic forms built, in a process whose engines and likelihoods are already set up)
and a repeat (forms cached). Writes _build/benchmarks/new_particles.json (never a tracked file).
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cevns_lib import upscattering_bounds as ub  # noqa: E402
from cevns_lib.fits import likelihood  # noqa: E402
from cevns_lib.rates import electron_engine, engine  # noqa: E402


def timed(fn):
    """(wall s, process CPU s, result): on a shared machine the CPU time is the steadier figure."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return (time.perf_counter() - t0, time.process_time() - c0), out


def main():
    # set-up outside the timing: engines, likelihoods, compiled kernels (a first tiny scan)
    for det in ("csi", "lar"):
        engine(det), likelihood(det)
    electron_engine("csi")
    ub.dipole_chi2("mu", [1.0], np.array([0.0, 10.0]), "csi+lar")
    results = {"machine": f"{platform.machine()}, Python {platform.python_version()}"}

    m4 = np.linspace(0.01, 52.0, 100)
    mu = np.concatenate([[0.0], np.logspace(0, 3, 199)])
    first, chi2 = timed(lambda: ub.dipole_chi2("mu", m4, mu, "csi+lar"))
    repeat, _ = timed(lambda: ub.dipole_chi2("mu", m4, mu, "csi+lar"))
    results["dipole_100x200_csi+lar_s"] = {"first_wall": first[0], "first_cpu": first[1],
                                           "repeat_wall": repeat[0], "repeat_cpu": repeat[1],
                                           "excluded_fraction_2sigma": float(np.mean(
                                               chi2 - chi2.min(axis=1, keepdims=True) > 4.0))}
    print(f"dipole 100 x 200 (m4, mu) CsI+LAr (with CsI electrons): first {first[0]:.2f} s wall "
          f"({first[1]:.2f} s CPU), repeat {repeat[0]:.2f} s ({repeat[1]:.2f} s CPU)")

    m_chi = np.linspace(0.01, 52.0, 100)
    g = np.concatenate([[0.0], np.logspace(-6, -2, 199)])
    first, _ = timed(lambda: ub.dark_fermion_chi2("vector", m_chi, 10.0, "m_chi", g, "csi+lar"))
    repeat, _ = timed(lambda: ub.dark_fermion_chi2("vector", m_chi, 10.0, "m_chi", g, "csi+lar"))
    results["dark_fermion_100x200_csi+lar_s"] = {"first_wall": first[0], "first_cpu": first[1],
                                                 "repeat_wall": repeat[0], "repeat_cpu": repeat[1]}
    print(f"dark fermion 100 x 200 (m_chi, g) CsI+LAr (with CsI electrons): first {first[0]:.2f} s wall "
          f"({first[1]:.2f} s CPU), repeat {repeat[0]:.2f} s ({repeat[1]:.2f} s CPU)")
    out_dir = Path(__file__).resolve().parents[1] / "_build" / "benchmarks"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "new_particles.json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
