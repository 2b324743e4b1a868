"""Benchmarks of cevns_lib on this machine: `python benchmarks/run_all.py [--book] [--quick] [--out PATH]`.

* machine: the dense matmul rate (float64 GEMM, all threads), the yardstick of the profiler;
* SM: one binned prediction per detector after set-up, and the set-up itself;
* profiler: profiled chi^2 hypotheses per second at batches of 1e5 and 1e6 (CsI, LAr, combined), the peak
  memory growth per hypothesis beyond the input (tracemalloc), the flops per hypothesis counted from the
  kernels' operations with the measured iteration counts, and the fraction of the matmul rate they reach;
  also the numpy path against the compiled one at small batches (the crossover of `kernels.COMPILED_FROM`);
* cold start: `python -m cevns_lib limits --model all --dataset csi+lar` in a fresh clone of the repository with
  an empty numba cache, wall and CPU time;
* scans: a 400 x 400 profiled NSI grid and an 800 x 800 one on CsI+LAr, a 200 x 200 (M, g) Z' scan;
* leptoquarks: the bound table (4 leptoquarks x 2 flavours x 3 data sets);
* EM (`bench_em.py`): one 400 x 400 profiled (mu_nue, mu_numu) grid, CsI(+ES)+LAr (goal < 5 s), and the cost of
  adding nu-e scattering to one CsI prediction;
* with --book, the wall time of `make book`'s build (`tools/build_book.py`: only the chapters whose code or
  inputs changed execute; `benchmarks/bench_book.py` times cold, warm and edited rebuilds).

Prints a table and writes `_build/benchmarks/results.json` (never a tracked file). Timings are the minimum of a
few repeats (wall clock); on a shared machine also compare the CPU times printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from cevns_lib.cross_section import StandardModel  # noqa: E402
from cevns_lib.rates import RateEngine, get_detector  # noqa: E402
from timing import best_of  # noqa: E402


def bench_matmul(results):
    n = 1500
    a, b = np.random.default_rng(0).random((n, n)), np.random.default_rng(1).random((n, n))
    dt = best_of(lambda: a @ b, repeat=5)
    rate = 2 * n**3 / dt
    results["matmul_gflops"] = rate / 1e9
    print(f"dense matmul {n} x {n}, float64: {rate / 1e9:.1f} GFLOP/s")
    return rate


def bench_sm(results):
    for name in ("csi", "lar"):
        t0 = time.perf_counter()
        eng = RateEngine(get_detector(name))
        setup = time.perf_counter() - t0
        model = StandardModel()
        per_call = best_of(lambda: eng.counts(model), repeat=7, number=20)
        results[f"sm_{name}"] = {"setup_s": setup, "binned_prediction_ms": 1e3 * per_call,
                                 "recoil_nodes": int(eng.detector.recoil_nodes_mev.size),
                                 "cevns_total": float(eng.counts(model).sum())}
        print(f"SM {name}: set-up {setup * 1e3:7.1f} ms, one binned prediction {per_call * 1e3:6.3f} ms "
              f"({eng.detector.recoil_nodes_mev.size} recoil nodes)")


def flops_per_hypothesis(lk, iterations: np.ndarray) -> float:
    """Floating-point operations per hypothesis of the compiled kernels, counted from their loops (a Poisson
    iteration: weights, gradient, Hessian, Cholesky solve, step; every one has a fresh Hessian)."""
    st = lk._setup
    k, ks, b = st.fixed.shape[0], st.js.size, lk.n_bins
    load = 2 * 3 * b + 2 * ks * 3 * b + 2 * 3 * b  # re-timing, templates S = sum_f s_f r_f, base
    chol = k**3 / 3 + 2 * k**2 + 2 * k * k
    if lk.statistic == "gaussian" and st.projection is not None:  # dot products with the flavour-summed signal
        pr = st.projection
        return 3 * 3 * b + b + 2 * (pr.lin.shape[0] + pr.quad.shape[0]) * b + chol \
            + 2 * (pr.fnz.size + 2 * ks + 1) * b + 3 * b
    if lk.statistic == "gaussian":
        return load + b + 2 * k * b + 2 * ks * b + 2 * ks * k * b + 3 * ks * (ks + 1) / 2 * b + chol \
            + 2 * k * b + 3 * b
    per_iter = 4 * b + 2 * k * b + k * b + k * (k + 1) * b + chol + 2 * k * b + 3 * b + b  # ..., step, mu += dmu
    return load + 2 * k * b + float(np.mean(iterations)) * per_iter + 2 * k * b + 6 * b  # + final mu, chi^2


def bench_profiler(results, sizes, matmul_rate):
    from cevns_lib.likelihood import csi_likelihood, kernels, lar_likelihood

    lks = {"csi": csi_likelihood(), "lar": lar_likelihood()}
    out = {}
    for n in sizes:
        rates, mem = {}, {}
        for d, lk in lks.items():
            rng = np.random.default_rng(0)
            hyps = lk.sm_signal[None] * rng.uniform(0.5, 1.5, (n, 3, 1))
            lk.chi2_profiled(hyps[:3000])  # warm-up (compiles or loads the kernels)
            repeat = 3 if n <= 100_000 else 2
            t0 = time.process_time()
            dt = best_of(lambda: lk.chi2_profiled(hyps), repeat=repeat)
            cpu = (time.process_time() - t0) / repeat
            tracemalloc.start()
            lk.chi2_profiled(hyps)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            factor = lk._kernel_factor
            _, _, it = kernels.profile_compiled(lk.statistic, hyps[:20000], None, factor, lk._setup)
            fl = flops_per_hypothesis(lk, it)
            rates[d] = n / dt
            mem[d] = peak / n
            frac = fl * n / dt / matmul_rate
            out.setdefault(d, {})[str(n)] = {"per_s": n / dt, "cpu_s_per_batch": cpu, "wall_s": dt,
                                             "peak_bytes_per_hypothesis": peak / n, "flops_per_hypothesis": fl,
                                             "mean_iterations": float(np.mean(it)),
                                             "fraction_of_matmul_rate": frac,
                                             "limit_per_s": matmul_rate / fl}
            print(f"profiled chi2 {d}, batch {n:.0e}: {n / dt:,.0f} per s (wall {dt:.2f} s, CPU {cpu:.2f} s); "
                  f"peak memory +{peak / n:.0f} B per hypothesis; {fl / 1e3:.1f} kflop per hypothesis "
                  f"({np.mean(it):.1f} iterations) = {100 * frac:.0f}% of the matmul rate "
                  f"(limit {matmul_rate / fl:,.0f} per s)")
            del hyps
        both = 1.0 / (1.0 / rates["csi"] + 1.0 / rates["lar"])
        out.setdefault("csi+lar", {})[str(n)] = {"per_s": both, "peak_bytes_per_hypothesis": mem["csi"] + mem["lar"]}
        print(f"profiled chi2 csi+lar, batch {n:.0e}: {both:,.0f} per s")
    # the numpy path against the compiled one at small batches: where `auto` switches
    cross = {}
    for n in (100, 300, 1000, 3000):
        for d, lk in lks.items():
            hyps = lk.sm_signal[None] * np.random.default_rng(1).uniform(0.5, 1.5, (n, 3, 1))
            tn = best_of(lambda: lk.chi2_profiled(hyps, backend="numpy"), repeat=3)
            tc = best_of(lambda: lk.chi2_profiled(hyps, backend="compiled"), repeat=3)
            cross[f"{d}_{n}"] = {"numpy_ms": 1e3 * tn, "compiled_ms": 1e3 * tc}
            print(f"batch {n:5d} {d}: numpy {1e3 * tn:7.2f} ms, compiled {1e3 * tc:7.2f} ms")
    out["numpy_vs_compiled"] = cross
    out["compiled_from"] = kernels.COMPILED_FROM
    results["profiler"] = out


def bench_cold_limits(results):
    """`limits --model all --dataset csi+lar` in a fresh clone (committed state) with an empty numba cache."""
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        env = {**os.environ, "PYTHONPATH": str(clone), "NUMBA_CACHE_DIR": str(Path(tmp) / "numba-cache")}
        env.pop("CEVNS_DATA_DIR", None)
        runs = []
        for _ in range(3):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "cevns_lib", "limits", "--model", "all", "--dataset", "csi+lar"],
                           cwd=clone, env=env, check=True, stdout=subprocess.DEVNULL)
            wall = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            runs.append({"wall_s": wall, "cpu_s": cpu})
        numba_cache = sum(1 for _ in (Path(tmp) / "numba-cache").rglob("*")) if (Path(tmp) / "numba-cache").exists() \
            else 0
    results["limits_all_csi+lar_cold"] = {"first": runs[0], "repeats": runs[1:],
                                          "numba_cache_files_written": numba_cache}
    print(f"cold `limits --model all --dataset csi+lar` in a fresh clone: {runs[0]['wall_s']:.2f} s wall, "
          f"{runs[0]['cpu_s']:.2f} s CPU (repeats: {min(r['wall_s'] for r in runs[1:]):.2f} s wall); "
          f"numba cache files written: {numba_cache}")


def bench_mediators(results):
    from cevns_lib.scans import exclusion_scan

    masses = np.logspace(-1, 4, 200)
    g = np.concatenate([[0.0], np.logspace(-6, -1, 199)])
    exclusion_scan("b-l", masses[:2], g[:2])  # warm the likelihoods
    t0 = time.perf_counter()
    exclusion_scan("b-l", masses, g, "csi+lar")
    first = time.perf_counter() - t0
    again = best_of(lambda: exclusion_scan("b-l", masses, g, "csi+lar"), repeat=3)
    split = _split_mediators(masses, g)
    results["scan_200x200_s"] = {"first": first, "repeat": again, "split_repeat": split}
    print(f"200 x 200 (M, g) scan, CsI+LAr: {first:.2f} s first (engine + profile), {again:.2f} s repeated "
          f"(of which pair weights {split['linear_form_s']:.2f} s, kernels {split['kernels_s']:.2f} s; "
          f"engine set-up of the mass grid {split['quadratic_counts_s']:.2f} s)")


def _split_mediators(masses, g):
    """The scan's parts, timed one by one: the engine's quadratic form on the mass grid (what a first scan
    adds), the pair weights of every (M, g) point (`linear_form`), and the kernels that form each point's counts
    and profile it (`chi2_profiled_linear`)."""
    from cevns_lib.fits import likelihood
    from cevns_lib.models.light_mediators import model
    from cevns_lib.rates import engine

    out = {"quadratic_counts_s": 0.0, "linear_form_s": 0.0, "kernels_s": 0.0}
    x = np.broadcast_to((g * g)[None, :, None], (masses.size, g.size, 1))
    for det in ("csi", "lar"):
        lk = likelihood(det, "seed001")
        out["quadratic_counts_s"] += best_of(lambda: engine(det).quadratic_counts(model("b-l", masses)), repeat=3)
        quad = engine(det).quadratic_counts(model("b-l", masses))
        out["linear_form_s"] += best_of(lambda: quad.linear_form(x), repeat=3)
        form = quad.linear_form(x)
        psd = quad.positive_semidefinite  # as the scans pass it: no counts formed
        out["kernels_s"] += best_of(lambda: lk.chi2_profiled_linear(*form, nonnegative=psd), repeat=3)
    return out


def bench_nsi(results, sizes):
    from cevns_lib.models.nsi import VectorNSI
    from cevns_lib.scans import chi2_quadratic

    model = VectorNSI(["uV_ee", "dV_ee"])
    for n in sizes:
        a = np.linspace(-0.6, 0.8, n) if n <= 400 else np.linspace(-2.0, 2.0, n)
        grid = np.stack(np.meshgrid(a, a, indexing="ij"), axis=-1)
        chi2_quadratic(model, grid[:2, :2])  # warm-up
        chi2 = chi2_quadratic(model, grid, "csi+lar")
        dt = best_of(lambda: chi2_quadratic(model, grid, "csi+lar"), repeat=3 if n <= 400 else 1)
        split = _split_nsi(model, grid) if n <= 400 else {}
        results[f"nsi_grid_{n}x{n}_s"] = {"s": dt, "all_finite": bool(np.all(np.isfinite(chi2))),
                                          "range": [float(a[0]), float(a[-1])], "split": split}
        parts = f"; of which pair weights {split['linear_form_s']:.2f} s, kernels (templates from the pair " \
            f"tables + profiling) {split['kernels_s']:.2f} s; the counts materialised in chunks instead: prediction " \
            f"{split['chunked']['prediction_s']:.2f} s + profiling {split['chunked']['chi2_profiled_s']:.2f} s" \
            if split else ""
        print(f"{n} x {n} profiled NSI grid (uV_ee, dV_ee) in [{a[0]}, {a[-1]}]^2, CsI+LAr: {dt:.2f} s "
              f"(all finite: {np.all(np.isfinite(chi2))}{parts})")


def _split_nsi(model, grid, chunk: int = 8192):
    """`chi2_quadratic`'s parts timed apart: the pair weights of every point (`QuadraticCounts.linear_form`)
    and the kernels that form each point's counts and profile it (`Likelihood.chi2_profiled_linear`); and, for
    comparison, the path that materialises the counts chunk by chunk (QuadraticCounts.counts, then
    `chi2_profiled`), as `chi2_quadratic` did before."""
    from cevns_lib.fits import likelihood
    from cevns_lib.rates import engine

    flat = grid.reshape(-1, grid.shape[-1])
    runs = []
    for _ in range(2):
        out = {"linear_form_s": 0.0, "kernels_s": 0.0, "chunked": {"prediction_s": 0.0, "chi2_profiled_s": 0.0}}
        for det in ("csi", "lar"):
            quad, lk = engine(det).quadratic_counts(model), likelihood(det, "seed000")
            t0 = time.perf_counter()
            form = quad.linear_form(flat)
            t1 = time.perf_counter()
            lk.chi2_profiled_linear(*form, nonnegative=quad.positive_semidefinite)  # as chi2_quadratic does
            out["linear_form_s"] += t1 - t0
            out["kernels_s"] += time.perf_counter() - t1
            for start in range(0, flat.shape[0], chunk):
                t0 = time.perf_counter()
                counts = quad.counts(flat[start:start + chunk])
                t1 = time.perf_counter()
                lk.chi2_profiled(counts.reshape((-1,) + counts.shape[-3:]))
                out["chunked"]["prediction_s"] += t1 - t0
                out["chunked"]["chi2_profiled_s"] += time.perf_counter() - t1
        runs.append(out)
    best = {k: min(r[k] for r in runs) for k in ("linear_form_s", "kernels_s")}
    best["chunked"] = {k: min(r["chunked"][k] for r in runs) for k in runs[0]["chunked"]}
    return best


def bench_leptoquarks(results):
    from cevns_lib.models.leptoquarks import FLAVOURS, LEPTOQUARKS
    from cevns_lib.scans import leptoquark_bound

    t0 = time.perf_counter()
    for key in LEPTOQUARKS:
        for flavour in FLAVOURS:
            for ds in ("csi", "lar", "csi+lar"):
                leptoquark_bound(key, flavour, ds)
    wall = time.perf_counter() - t0
    results["leptoquark_bound_table_s"] = wall
    print(f"leptoquark bound table, 4 x 2 flavours x 3 data sets (2401 couplings each): {wall:.1f} s")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--book", action="store_true", help="also time make book's build (tools/build_book.py)")
    ap.add_argument("--quick", action="store_true", help="batches of 1e4 and 1e5 only, no 800 x 800 grid")
    ap.add_argument("--out", default=str(ROOT / "_build" / "benchmarks" / "results.json"))
    args = ap.parse_args()
    results = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "load_average_at_start": os.getloadavg()}
    rate = bench_matmul(results)
    bench_sm(results)
    bench_profiler(results, (10_000, 100_000) if args.quick else (100_000, 1_000_000), rate)
    bench_cold_limits(results)
    bench_mediators(results)
    bench_nsi(results, (100,) if args.quick else (400, 800))
    bench_leptoquarks(results)
    from bench_em import bench_em  # electromagnetic properties and nu-e scattering (issue 8)

    bench_em(results, 100 if args.quick else 400)
    if args.book:
        t0 = time.perf_counter()
        # make book's build: executes only what changed (benchmarks/bench_book.py times cold and warm builds)
        subprocess.run([sys.executable, str(ROOT / "tools/build_book.py"),
                        "--jupyter-book", str(ROOT / ".venv/bin/jupyter-book")], check=True, stdout=subprocess.DEVNULL)
        results["book_build_s"] = time.perf_counter() - t0
        print(f"book build: {results['book_build_s']:.1f} s")
    results["load_average_at_end"] = os.getloadavg()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
