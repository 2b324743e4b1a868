"""Benchmark of the book build (`make book`): `python benchmarks/bench_book.py [--fresh-clone] [--keep]`.

Builds a copy of the working tree (its files that git does not ignore, as they are on disk, and numba's kernel
caches, so that no chapter waits for the compiler; with --fresh-clone no cache is copied) in a scratch folder, with
the same command as `make book` (`tools/build_book.py`, which compiles the kernels while the chapters execute when
they are not compiled yet), five times (six with --fresh-clone):

0. fresh (--fresh-clone only): no `_build` and no numba cache, as in a fresh clone: every chapter executes while
   the kernels compile; then `_build` is removed, and the difference of this build and the next is what a fresh
   clone's compilation adds to a cold build;
1. cold: no `_build` (a fresh clone, or `make clean`): every chapter executes;
2. warm: nothing changed: no chapter executes;
3. prose: one paragraph added to the text of `chapters/intro.md` (no code cell changed): no chapter executes;
4. code: a comment added to a code cell of `chapters/intro.md`: that chapter alone executes;
5. library: one comment line added to `cevns_lib/formatting.py`: the inputs' hash changes and every chapter
   executes again (`tools/book_inputs_hash.py`).

For each build: the wall time, the CPU time of the build's processes (steadier than the wall time on a shared
machine), the number of chapters executed and the load average before and after. Each build must succeed and
execute the expected chapters, else the benchmark fails. Writes _build/benchmarks/book.json (never a tracked file).
The scratch copy is removed at the end unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
KERNEL_SOURCES = ("_compiled.py", "_compiled_constants.py", "kernels.py")  # the Makefile's KSRC


def copy_tree(dst: Path, numba_caches: bool = True) -> int:
    """Copy the files that git does not ignore (as they are on disk) and (numba_caches) numba's caches, preserving
    modification times (numba's cache index checks its source file's); returns the number of files copied."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           check=True, capture_output=True).stdout
    paths = [p for p in files.decode().split("\0") if p]
    if numba_caches:
        paths += [str(p.relative_to(ROOT)) for p in (ROOT / "cevns_lib").rglob("__pycache__/*.nb[ic]")]
    for rel in paths:
        src, out = ROOT / rel, dst / rel
        if src.is_file():
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, out)
    return len(paths)


def build(tree: Path, env: dict) -> dict:
    """One `make book` of the copy: wall and CPU seconds, chapters executed, load averages, exit status."""
    load0 = os.getloadavg()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    sources = [str(tree / "cevns_lib" / "likelihood" / name) for name in KERNEL_SOURCES]
    proc = subprocess.run([str(BIN / "python"), str(tree / "tools" / "build_book.py"),
                           "--jupyter-book", str(BIN / "jupyter-book"), "--kernels-stamp", str(tree / ".kernels-stamp"),
                           "--kernel-sources", *sources],
                          cwd=tree, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = proc.stdout + proc.stderr
    return {"wall_s": round(wall, 2),
            "cpu_s": round(ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime, 2),
            "executed": out.count("Executed notebook"),
            "from_cache": out.count("Using cached notebook"),
            "load_before": [round(x, 2) for x in load0], "load_after": [round(x, 2) for x in os.getloadavg()],
            "status": proc.returncode, "_log": out}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", help="scratch folder (default: a new temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch copy")
    ap.add_argument("--fresh-clone", action="store_true",
                    help="copy no numba cache: time a first build that compiles the kernels meanwhile, then the rest")
    ap.add_argument("--out", default=str(ROOT / "_build" / "benchmarks" / "book.json"))
    args = ap.parse_args(argv)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench_book_")).resolve()
    tree = work / "tree"
    shutil.rmtree(tree, ignore_errors=True)
    copy_tree(tree, numba_caches=not args.fresh_clone)
    n_chapters = sum(1 for p in (tree / "chapters").glob("*.md") if "\nkernelspec:" in p.read_text())
    env = dict(os.environ, PYTHONPATH=str(tree), JUPYTER_PATH=str(BIN.parent / "share" / "jupyter"),
               JUPYTER_PLATFORM_DIRS="1", PYDEVD_DISABLE_FILE_VALIDATION="1")
    env.pop("CEVNS_DATA_DIR", None)

    def prose_edit():
        with open(tree / "chapters" / "intro.md", "a") as f:
            f.write("\nA paragraph of prose added by the build benchmark.\n")

    def code_edit():
        path = tree / "chapters" / "intro.md"
        text = path.read_text()
        cell = "```{code-cell} python\n"
        if cell not in text:
            raise SystemExit("error: chapters/intro.md has no code cell to edit")
        path.write_text(text.replace(cell, cell + "# a comment added by the build benchmark\n", 1))

    def library_edit():
        with open(tree / "cevns_lib" / "formatting.py", "a") as f:
            f.write("# a comment added by the build benchmark\n")

    def clean():
        shutil.rmtree(tree / "_build")

    steps = (("cold", clean if args.fresh_clone else None, n_chapters), ("warm", None, 0), ("prose", prose_edit, 0),
             ("code", code_edit, 1), ("library", library_edit, n_chapters))
    if args.fresh_clone:  # a fresh clone's build: no numba cache, the kernels compile while the chapters execute
        steps = (("fresh", None, n_chapters),) + steps
    results = {"machine": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version(),
               "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()), "chapters": n_chapters, "builds": {}}
    if not args.fresh_clone:  # the copied caches are compiled: no compilation in the builds
        (tree / ".kernels-stamp").touch()
    failed = False
    for name, edit, expected in steps:
        if edit is not None:
            edit()
        r = build(tree, env)
        log = r.pop("_log")
        results["builds"][name] = r
        print(f"{name:8s} {r['wall_s']:7.1f} s wall, {r['cpu_s']:7.1f} s CPU, {r['executed']:2d} chapters executed, "
              f"load {r['load_before'][0]:.2f} -> {r['load_after'][0]:.2f}", flush=True)
        if r["status"] != 0 or r["executed"] != expected:
            print(f"error: the {name} build exited {r['status']} and executed {r['executed']} chapters "
                  f"(expected {expected}); its log ends:\n" + log[-3000:], file=sys.stderr)
            failed = True
            break
    b = results["builds"]
    if "fresh" in b and "cold" in b:
        results["fresh_minus_cold_s"] = round(b["fresh"]["wall_s"] - b["cold"]["wall_s"], 2)
        print(f"a fresh clone's build minus a cold one: {results['fresh_minus_cold_s']:+.1f} s "
              "(the kernels' compilation, overlapped with the first chapters)")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results written to {out}")
    if not args.keep:
        shutil.rmtree(work if not args.workdir else tree, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
