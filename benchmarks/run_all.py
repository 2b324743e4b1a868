"""Benchmarks of cevns_lib on this machine: `python benchmarks/run_all.py [--book]`.

* one SM binned prediction per detector after set-up (the RateEngine built once; goal < 5 ms);
* the set-up itself (detector response, flux moments) per detector;
* with --book, the wall time of a full `jupyter-book build` (executes every chapter).
Prints a table and writes benchmarks/results.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cevns_lib.cross_section import StandardModel  # noqa: E402
from cevns_lib.rates import RateEngine, get_detector  # noqa: E402


def best_of(fn, repeat: int = 7, number: int = 20) -> float:
    """Best mean time per call (s) over `repeat` batches of `number` calls."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--book", action="store_true", help="also time a full jupyter-book build")
    args = ap.parse_args()
    results = {"machine": f"{platform.processor() or platform.machine()}, {platform.python_version()}"}
    for name in ("csi", "lar"):
        t0 = time.perf_counter()
        eng = RateEngine(get_detector(name))
        setup = time.perf_counter() - t0
        model = StandardModel()
        per_call = best_of(lambda: eng.counts(model))
        total = float(eng.counts(model).sum())
        results[name] = {"setup_s": setup, "sm_binned_prediction_s": per_call, "cevns_total": total}
        print(f"{name}: set-up {setup * 1e3:8.1f} ms   one SM binned prediction {per_call * 1e3:7.3f} ms "
              f"(total {total:.2f} events)")
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
