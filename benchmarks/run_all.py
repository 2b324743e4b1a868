"""Benchmarks of cevns_lib on this machine: `python benchmarks/run_all.py [--book] [--quick]`.

* SM: one binned prediction per detector after set-up (goal < 5 ms), and the set-up itself;
* likelihoods: profiled chi^2 evaluations per second for a batch of 1e5 hypotheses, CsI, LAr and combined
  (goal >= 1e5 per second combined);
* light mediators: the whole bound table (11 models x 3 data sets x 2 regimes) from a cold start, in a fresh
  process (goal < 30 s), and one 200 x 200 (M, g) exclusion scan (goal < 2 s);
* NSI: one 400 x 400 profiled grid of two couplings, CsI+LAr (goal < 5 s);
* EM (`bench_em.py`): one 400 x 400 profiled (mu_nue, mu_numu) grid, CsI(+ES)+LAr (goal < 5 s), and the cost of
  adding nu-e scattering to one CsI prediction;
* with --book, the wall time of a full `jupyter-book build` (executes every chapter).
Prints a table and writes benchmarks/results.json. Timings are best of a few repeats (wall clock).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from cevns_lib.cross_section import StandardModel  # noqa: E402
from cevns_lib.rates import RateEngine, get_detector  # noqa: E402


def best_of(fn, repeat: int = 5, number: int = 1) -> float:
    """Best mean time per call (s) over `repeat` batches of `number` calls."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return min(times)


def bench_sm(results):
    for name in ("csi", "lar"):
        t0 = time.perf_counter()
        eng = RateEngine(get_detector(name))
        setup = time.perf_counter() - t0
        model = StandardModel()
        per_call = best_of(lambda: eng.counts(model), repeat=7, number=20)
        results[f"sm_{name}"] = {"setup_s": setup, "binned_prediction_ms": 1e3 * per_call,
                                 "cevns_total": float(eng.counts(model).sum())}
        print(f"SM {name}: set-up {setup * 1e3:7.1f} ms, one binned prediction {per_call * 1e3:6.3f} ms")


def bench_likelihood(results, n):
    from cevns_lib.likelihood import csi_likelihood, lar_likelihood

    rng = np.random.default_rng(0)
    lks = {"csi": csi_likelihood(), "lar": lar_likelihood()}
    hyps = {d: lk.sm_signal[None] * rng.uniform(0.5, 1.5, (n, 3, 1)) for d, lk in lks.items()}
    for d, lk in lks.items():
        lk.chi2_profiled(hyps[d][:100])  # warm-up
    out = {}
    for d, lk in lks.items():
        dt = best_of(lambda: lk.chi2_profiled(hyps[d]), repeat=3)
        out[d] = n / dt
        print(f"profiled chi2 {d}: {n} hypotheses in {dt:.2f} s = {n / dt:,.0f} per second")
    both = 1.0 / (1.0 / out["csi"] + 1.0 / out["lar"])
    out["csi+lar"] = both
    print(f"profiled chi2 csi+lar: {both:,.0f} hypotheses per second")
    results["profiled_chi2_per_second"] = out


def bench_mediators(results):
    code = ("import time; t=time.perf_counter();"
            "from cevns_lib.models.light_mediators import MODEL_NAMES; from cevns_lib.scans import bounds;"
            "rows=[bounds(m, d) for d in ('csi','lar','csi+lar') for m in MODEL_NAMES];"
            "print(len(rows), time.perf_counter()-t)")
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - t0
    n_rows, inner = out.stdout.split()
    results["bound_table_cold_s"] = wall
    print(f"bound table ({n_rows} rows x 2 regimes) from a cold start: {wall:.1f} s (in-process {float(inner):.1f} s)")

    from cevns_lib.scans import exclusion_scan

    masses = np.logspace(-1, 4, 200)
    g = np.concatenate([[0.0], np.logspace(-6, -1, 199)])
    exclusion_scan("b-l", masses[:2], g[:2])  # warm the likelihoods
    t0 = time.perf_counter()
    exclusion_scan("b-l", masses, g, "csi+lar")
    first = time.perf_counter() - t0
    again = best_of(lambda: exclusion_scan("b-l", masses, g, "csi+lar"), repeat=2)
    results["scan_200x200_s"] = {"first": first, "repeat": again}
    print(f"200 x 200 (M, g) scan, CsI+LAr: {first:.2f} s first (engine + profile), {again:.2f} s repeated")


def bench_nsi(results, n):
    from cevns_lib.models.nsi import VectorNSI
    from cevns_lib.scans import chi2_quadratic

    a = np.linspace(-0.6, 0.8, n)
    grid = np.stack(np.meshgrid(a, a, indexing="ij"), axis=-1)
    model = VectorNSI(["uV_ee", "dV_ee"])
    chi2_quadratic(model, grid[:2, :2])  # warm-up
    dt = best_of(lambda: chi2_quadratic(model, grid, "csi+lar"), repeat=2)
    results[f"nsi_grid_{n}x{n}_s"] = dt
    print(f"{n} x {n} profiled NSI grid (uV_ee, dV_ee), CsI+LAr: {dt:.2f} s")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--book", action="store_true", help="also time a full jupyter-book build")
    ap.add_argument("--quick", action="store_true", help="smaller batches (1e4 hypotheses, 100 x 100 NSI grid)")
    args = ap.parse_args()
    results = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"}
    bench_sm(results)
    bench_likelihood(results, 10_000 if args.quick else 100_000)
    bench_mediators(results)
    bench_nsi(results, 100 if args.quick else 400)
    from bench_em import bench_em  # electromagnetic properties and nu-e scattering (issue 8)

    bench_em(results, 100 if args.quick else 400)
    if args.book:
        t0 = time.perf_counter()
        subprocess.run([str(ROOT / ".venv/bin/jupyter-book"), "build", str(ROOT), "-W", "-n", "--keep-going"],
                       check=True, stdout=subprocess.DEVNULL)
        results["book_build_s"] = time.perf_counter() - t0
        print(f"book build: {results['book_build_s']:.1f} s")
    (ROOT / "benchmarks" / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
