"""Benchmarks of the electromagnetic properties and of nu-e scattering in CsI (issue 8).

* one 400 x 400 profiled (mu_nue, mu_numu) grid on CsI+LAr, with nu-e scattering in CsI (goal < 5 s);
* the cost of adding ES to one CsI prediction: the electron engine's set-up, one ES binned prediction, and one
  CEvNS + ES profiled chi^2 against CEvNS alone.
Run alone (`python benchmarks/bench_em.py [--quick]`) or from run_all.py; returns a dict for results.json.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import best_of  # noqa: E402


def bench_em(results: dict, n: int = 400) -> dict:
    from cevns_lib.cross_section import StandardModel
    from cevns_lib.detectors.csi import csi_2021_electrons
    from cevns_lib.likelihood import csi_likelihood
    from cevns_lib.models.electromagnetic import Electromagnetic
    from cevns_lib.rates import RateEngine, electron_engine, engine
    from cevns_lib.scans import chi2_quadratic

    out = {}
    t0 = time.perf_counter()
    eng = RateEngine(csi_2021_electrons())
    out["es_engine_setup_ms"] = 1e3 * (time.perf_counter() - t0)
    sm = StandardModel()
    out["es_prediction_ms"] = 1e3 * best_of(lambda: eng.counts(sm), repeat=5, number=20)
    out["cevns_prediction_ms"] = 1e3 * best_of(lambda: engine("csi").counts(sm), repeat=5, number=20)
    lk = csi_likelihood()
    s = engine("csi").counts(sm).reshape(1, 3, -1)
    e = electron_engine("csi").counts(sm).reshape(1, 3, -1)
    lk.chi2_profiled(s, electron_scattering=e)  # warm-up
    out["chi2_one_cevns_ms"] = 1e3 * best_of(lambda: lk.chi2_profiled(s), repeat=5, number=20)
    out["chi2_one_cevns_plus_es_ms"] = 1e3 * best_of(lambda: lk.chi2_profiled(s, electron_scattering=e), repeat=5,
                                                   number=20)
    print(f"ES in CsI: electron-engine set-up {out['es_engine_setup_ms']:.1f} ms; one ES prediction "
          f"{out['es_prediction_ms']:.3f} ms (CEvNS {out['cevns_prediction_ms']:.3f} ms); one profiled chi2 "
          f"{out['chi2_one_cevns_ms']:.3f} ms CEvNS, {out['chi2_one_cevns_plus_es_ms']:.3f} ms CEvNS + ES")

    mu = np.linspace(0.0, 60.0, n)
    grid = np.stack(np.meshgrid(mu, mu, indexing="ij"), axis=-1)
    model = Electromagnetic(["mu_nue", "mu_numu"])
    chi2_quadratic(model, grid[:2, :2], "csi+lar", electron_scattering=True)  # warm-up (engines, kernels)
    t0 = time.perf_counter()
    chi2_quadratic(model, grid, "csi+lar", electron_scattering=True)
    first = time.perf_counter() - t0
    again = best_of(lambda: chi2_quadratic(model, grid, "csi+lar", electron_scattering=True), repeat=2)
    out[f"mu_grid_{n}x{n}_s"] = {"first": first, "repeat": again}
    print(f"{n} x {n} profiled (mu_nue, mu_numu) grid, CsI(+ES)+LAr: {first:.2f} s first, {again:.2f} s repeated")
    results["em"] = out
    return out


if __name__ == "__main__":
    bench_em({}, 100 if "--quick" in sys.argv else 400)
