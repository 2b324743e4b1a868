"""Feldman-Cousins benchmark: `python benchmarks/bench_fc.py [--toys N] [--skip-cli]`.

1. The CLI's 1-D construction `fit --dataset csi --param cevns --method fc --toys N` (default 2000 per tested
   value) in a cold process (goal < 150 s), in-process and with `--workers 2`; the two intervals must be identical.
2. Toy fits per second of the construction (warm: after the kernels are loaded), in-process and on a local Dask
   cluster of 2 workers (cluster start-up excluded). A toy fit is one profiled chi^2 of one toy data set at one
   parameter value: each toy costs (fit points + 2) of them (its tested value, the fit grid, the parabola's vertex).
Writes _build/benchmarks/results_fc.json (never a tracked file).
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def cli_run(toys: int, workers: int | None) -> tuple[float, dict]:
    cmd = [sys.executable, "-m", "cevns_lib", "fit", "--dataset", "csi", "--param", "cevns", "--method", "fc",
           "--toys", str(toys), "--seed", "1", "--json"] + ([] if workers is None else ["--workers", str(workers)])
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT, env=env).stdout
    return time.perf_counter() - t0, json.loads(out)


def fits_per_second(toys: int, workers: int | None) -> dict:
    import numpy as np

    from cevns_lib import fc_analyses as fa
    from cevns_lib import intervals as iv
    from cevns_lib.parallel import cluster

    prob, _ = fa.cevns_count_problem("csi")
    fit = iv.Problem(prob.name, prob.channels, np.linspace(0.3, 1.8, 26))
    theta = np.linspace(0.7, 1.2, 8)
    n_fits = toys * theta.size * (fit.fit_grid.size + 2)
    with cluster(workers) as client:
        iv.construct(fit, theta[:2], 20, 0, client)  # warm the kernels (every worker)
        t0 = time.perf_counter()
        res = iv.construct(fit, theta, toys, 0, client)
        dt = time.perf_counter() - t0
    return {"toys_per_point": toys, "points": int(theta.size), "toy_fits": int(n_fits), "seconds": dt,
            "toy_fits_per_second": n_fits / dt, "t_toys_sum": float(res.t_toys.sum())}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--toys", type=int, default=2000)
    ap.add_argument("--skip-cli", action="store_true")
    args = ap.parse_args()
    out = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
           "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    if not args.skip_cli:
        t1, r1 = cli_run(args.toys, None)
        t2, r2 = cli_run(args.toys, 2)
        out["cli_csi_count"] = {"toys": args.toys, "seconds_in_process": t1, "seconds_workers_2": t2,
                                "interval_68": r1["interval_68"], "interval_68_wilks": r1["interval_68_wilks"],
                                "identical_on_2_workers": r1["interval_68"] == r2["interval_68"]}
        print(f"CLI fit csi cevns --method fc --toys {args.toys}: {t1:.1f} s in-process, {t2:.1f} s on 2 workers; "
              f"FC {r1['interval_68']} vs Wilks {r1['interval_68_wilks']}; identical: "
              f"{out['cli_csi_count']['identical_on_2_workers']}", flush=True)
    warm = max(200, args.toys // 4)
    a = fits_per_second(warm, None)
    b = fits_per_second(warm, 2)
    a["identical_on_2_workers"] = a["t_toys_sum"] == b["t_toys_sum"]
    out["toy_fits_in_process"], out["toy_fits_2_workers"] = a, b
    print(f"toy fits per second (CsI, warm): {a['toy_fits_per_second']:.3g} in-process, "
          f"{b['toy_fits_per_second']:.3g} on 2 workers", flush=True)
    out_dir = ROOT / "_build" / "benchmarks"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results_fc.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
