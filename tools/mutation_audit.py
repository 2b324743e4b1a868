"""Mutation audit of the unit tests: apply one physics mistake at a time to a copy of the library, run the tests.

Usage (from the repository root; never touches the working tree):

    PYTHONPATH=$PWD /work/main/.venv/bin/python tools/mutation_audit.py [--only NAME ...] [--tests tests/...]
                                                                        [--json out.json]

For each mutation of MUTATIONS the script copies `cevns_lib/` and `tests/` into a temporary directory, replaces
exactly the stated text once (it refuses if the text is not found exactly `count` times, so a stale mutation
cannot pass silently), runs pytest there with the copy first on the path and the project's data folder, and
records the failing tests. A mutation is killed when at least one test fails. The result is a kill table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: (name, file, original text, mutated text, occurrences replaced)
MUTATIONS = [
    ("csi-brn-prior-25-to-52", "cevns_lib/likelihood/csi.py",
     'Nuisance("a1", 0.25,', 'Nuisance("a1", 0.52,', 1),
    ("kinetic-mixing-sign", "cevns_lib/models/light_mediators.py",
     "return ql * prop * math.sqrt(2.0) * ALPHA_EM", "return -ql * prop * math.sqrt(2.0) * ALPHA_EM", 1),
    ("dchi2-4-to-3.84", "cevns_lib/scans.py",
     "DCHI2_2SIGMA_1DOF = 4.0", "DCHI2_2SIGMA_1DOF = 3.84", 1),
    ("sin2-slope-gvp-2-to-4", "cevns_lib/cross_section.py",
     "G_V_PROTON_RADIATIVE[lepton] - 2.0 * (self.sin2_theta_w",
     "G_V_PROTON_RADIATIVE[lepton] - 4.0 * (self.sin2_theta_w", 1),
    ("nsi-u-d-charges-swapped", "cevns_lib/models/nsi.py",
     'if q == "u" else', 'if q == "d" else', 1),
    ("scalar-dsigma-doubled", "cevns_lib/cross_section.py",
     "c[_K[-2]] = m * m * np.asarray(t) / (4.0 * math.pi)", "c[_K[-2]] = m * m * np.asarray(t) / (2.0 * math.pi)", 1),
    ("tensor-E0-term-doubled", "cevns_lib/cross_section.py",
     "c[_K[0]] = 2.0 * m / math.pi", "c[_K[0]] = 4.0 * m / math.pi", 1),
    ("lar-ss-oversampling-5-to-1", "cevns_lib/likelihood/lar.py",
     'variance=data + r["ss"].ravel() / SS_OVERSAMPLING', 'variance=data + r["ss"].ravel() / 1.0', 1),
    ("ngi-axial-spin-fractions-p-n-swapped", "cevns_lib/models/generalized.py",
     'nucleon.spin_fraction("p", qk), nucleon.spin_fraction("n", qk)',
     'nucleon.spin_fraction("n", qk), nucleon.spin_fraction("p", qk)', 1),
    ("every-cross-section-doubled", "cevns_lib/cross_section.py",
     "return KINEMATICS[name](np.asarray(t_mev, float), mass_mev)",
     "return 2.0 * KINEMATICS[name](np.asarray(t_mev, float), mass_mev)", 1),
]


def apply(tree: Path, path: str, old: str, new: str, count: int) -> None:
    f = tree / path
    text = f.read_text()
    found = text.count(old)
    if found != count:
        raise SystemExit(f"mutation text found {found} times (expected {count}) in {path}: {old!r}")
    f.write_text(text.replace(old, new))


def run_tests(tree: Path, tests: list[str]) -> tuple[list[str], str, float]:
    env = dict(os.environ, PYTHONPATH=str(tree), CEVNS_DATA_DIR=str(ROOT / "data"), NUMBA_CACHE_DIR=str(tree / ".nb"))
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rf", "--tb=no",
                           *tests], cwd=tree, env=env, capture_output=True, text=True)
    failed = sorted(set(re.findall(r"^FAILED (\S+)", proc.stdout, flags=re.M)))
    summary = (proc.stdout.strip().splitlines() or [""])[-1]
    return failed, summary, time.perf_counter() - t0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="*", help="names of the mutations to run (default: all)")
    p.add_argument("--tests", nargs="*", default=["tests"], help="test paths (relative to the repository)")
    p.add_argument("--json", help="write the kill table to this JSON file")
    args = p.parse_args(argv)
    chosen = [m for m in MUTATIONS if not args.only or m[0] in args.only]
    table = []
    for name, path, old, new, count in chosen:
        with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
            tree = Path(tmp)
            shutil.copytree(ROOT / "cevns_lib", tree / "cevns_lib", ignore=shutil.ignore_patterns("__pycache__"))
            shutil.copytree(ROOT / "tests", tree / "tests", ignore=shutil.ignore_patterns("__pycache__"))
            shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
            apply(tree, path, old, new, count)
            failed, summary, secs = run_tests(tree, args.tests)
        table.append({"mutation": name, "file": path, "killed": bool(failed), "n_failed": len(failed),
                      "failed": failed, "summary": summary, "seconds": round(secs, 1)})
        print(f"{name:40s} {'KILLED' if failed else 'SURVIVED':9s} {len(failed):3d} failing  ({summary})",
              flush=True)
        for t in failed:
            print(f"    {t}", flush=True)
    killed = sum(r["killed"] for r in table)
    print(f"\n{killed} of {len(table)} mutations killed")
    if args.json:
        Path(args.json).write_text(json.dumps(table, indent=1))
    return 0 if killed == len(table) else 1


if __name__ == "__main__":
    sys.exit(main())
