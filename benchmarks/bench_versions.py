"""The headline timings of one checkout of cevns-book, for comparing versions in interleaved runs on one machine:
`python benchmarks/bench_versions.py CHECKOUT [CHECKOUT ...]` (each a path to a clone whose numba kernels are
compiled: `python -m cevns_lib.likelihood.kernels` there; a fresh process per checkout, in the order given).

Per checkout, one JSON line: profiled chi^2 per second for random batches of 1e5 (CsI, LAr, combined), the 400 x 400
NSI grid (uV_ee, dV_ee) on CsI+LAr, the 200 x 200 (M, g) B-L scan (first in the process after a small one, and
repeated) and the 800 x 800 NSI grid, in seconds. Minimum of 3 repeats where repeated.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CHILD = r'''
import sys, time, json
import numpy as np
root = sys.argv[1]
sys.path[:0] = [root, root + "/benchmarks"]
from timing import best_of
from cevns_lib.likelihood import csi_likelihood, lar_likelihood
from cevns_lib.models.nsi import VectorNSI
from cevns_lib.scans import chi2_quadratic, exclusion_scan
out = {"checkout": root}
for d, lk in (("csi", csi_likelihood()), ("lar", lar_likelihood())):
    hyps = lk.sm_signal[None] * np.random.default_rng(0).uniform(0.5, 1.5, (100000, 3, 1))
    lk.chi2_profiled(hyps[:3000])
    out[d + "_per_s"] = 1e5 / best_of(lambda: lk.chi2_profiled(hyps), repeat=3)
out["csi+lar_per_s"] = 1 / (1 / out["csi_per_s"] + 1 / out["lar_per_s"])
model = VectorNSI(["uV_ee", "dV_ee"])
a = np.linspace(-0.6, 0.8, 400)
grid = np.stack(np.meshgrid(a, a, indexing="ij"), -1)
chi2_quadratic(model, grid[:2, :2])
out["nsi_400_s"] = best_of(lambda: chi2_quadratic(model, grid, "csi+lar"), repeat=3)
masses, g = np.logspace(-1, 4, 200), np.concatenate([[0.0], np.logspace(-6, -1, 199)])
exclusion_scan("b-l", masses[:2], g[:2])
t0 = time.perf_counter()
exclusion_scan("b-l", masses, g, "csi+lar")
out["zprime_200_first_s"] = time.perf_counter() - t0
out["zprime_200_repeat_s"] = best_of(lambda: exclusion_scan("b-l", masses, g, "csi+lar"), repeat=3)
a = np.linspace(-2.0, 2.0, 800)
grid = np.stack(np.meshgrid(a, a, indexing="ij"), -1)
t0 = time.perf_counter()
chi2_quadratic(model, grid, "csi+lar")
out["nsi_800_s"] = time.perf_counter() - t0
print(json.dumps(out))
'''


def main() -> int:
    if len(sys.argv) < 2:
        print("usage: python benchmarks/bench_versions.py CHECKOUT [CHECKOUT ...]", file=sys.stderr)
        return 2
    for root in sys.argv[1:]:
        path = Path(root).resolve()
        if not (path / "cevns_lib").is_dir():
            print(f"error: {root} is not a cevns-book checkout (no cevns_lib/)", file=sys.stderr)
            return 2
        env_path = {"PYTHONPATH": str(path)}
        res = subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=path, capture_output=True, text=True,
                             env={**__import__("os").environ, **env_path})
        if res.returncode:
            print(res.stderr, file=sys.stderr)
            return res.returncode
        print(res.stdout.strip().splitlines()[-1], flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
