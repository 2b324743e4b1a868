#!/usr/bin/env python3
"""Build the book, executing only the chapters whose code or inputs changed since the last build (`make book`).

Usage: python tools/build_book.py [--jupyter-book PATH] [--kernels-stamp STAMP --kernel-sources FILE ...]

The chapters execute through jupyter-cache (``execute_notebooks: cache`` in ``_config.yml``), which keys a
chapter on its code cells only, and Sphinx re-reads only the pages whose source changed.  Everything else that an
executed chapter reads (the library, the data, the lock, the config, the installed packages) is hashed by
``tools/book_inputs_hash.py`` into ``_build/.book-inputs.sha256``; when the hash differs from the stored one, the
jupyter cache (``_build/.jupyter_cache``), Sphinx's environment (``_build/.doctrees``) and the executed notebooks
(``_build/jupyter_execute``) are removed, so every chapter is read and executed again.  A fresh clone has no
``_build``: everything executes.  So a page never shows outputs of another library, data set or environment.

The build is ``jupyter-book build ROOT -W -n --keep-going`` (warnings are errors, all of them reported).  When it
fails, Sphinx's environment is removed as well: the next build reads every page again (from the cache, which never
holds a failed execution), so a failing chapter fails every build until it is fixed, instead of passing the
second time because Sphinx would not read its unchanged source again.  Sphinx does not track the project's own
extensions (``tools/sphinx_ext``) either: when they change, every page is read again (outputs from the cache).

With ``--kernels-stamp``, the numba profiling kernels are compiled (``python -m cevns_lib.likelihood.kernels``,
~17 s, at a lower priority: ``nice``) while the chapters execute, when STAMP is missing or older than one of the
kernel sources: the first six chapters (~35 s) do not use them, and a chapter's first use of them waits for the
compilation in progress (its lock, ``kernels.lock_path``) and loads the result from numba's cache instead of
compiling again.  STAMP is touched
once the compilation succeeded.  Exit status: the build's, or the compilation's if that failed.
Standard library only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from book_inputs_hash import ROOT, file_digests, inputs_hash  # noqa: E402

BUILD = ROOT / "_build"
STAMP = BUILD / ".book-inputs.sha256"
#: what a change of the inputs invalidates: the executed outputs and the pages Sphinx read from them
DERIVED = (BUILD / ".jupyter_cache", BUILD / ".doctrees", BUILD / "jupyter_execute")
#: the project's own Sphinx extensions: Sphinx does not notice when they change, so the pages are read again
RENDER_STAMP = BUILD / ".book-extensions.sha256"
EXTENSIONS = ROOT / "tools" / "sphinx_ext"


def invalidate_if_inputs_changed() -> bool:
    """Remove the cached executions when the inputs' hash changed (True then); store the new hash."""
    new = inputs_hash()
    old = STAMP.read_text().strip() if STAMP.is_file() else None
    if old == new:
        return False
    if old is not None:
        print("book inputs changed (tools/book_inputs_hash.py): every chapter executes again", flush=True)
    for path in DERIVED:
        shutil.rmtree(path, ignore_errors=True)
    BUILD.mkdir(parents=True, exist_ok=True)
    STAMP.write_text(new + "\n")
    return True


def reread_if_extensions_changed() -> bool:
    """Remove Sphinx's environment (every page is read again, the executed outputs come from the cache) when the
    project's Sphinx extensions changed (True then); store their new hash."""
    new = "\n".join(f"{digest}  {label}" for label, digest in file_digests(EXTENSIONS, ROOT))
    old = RENDER_STAMP.read_text() if RENDER_STAMP.is_file() else None
    if old == new:
        return False
    shutil.rmtree(BUILD / ".doctrees", ignore_errors=True)
    BUILD.mkdir(parents=True, exist_ok=True)
    RENDER_STAMP.write_text(new)
    return True


def start_kernel_compilation(stamp: Path, sources: list[Path]):
    """Start compiling the profiling kernels in the background when `stamp` is missing or older than one of
    `sources`; returns (process, thread forwarding its output) once it holds the compile lock, or None."""
    missing = [str(src) for src in sources if not src.is_file()]
    if missing:
        raise SystemExit(f"error: --kernel-sources: no such file: {', '.join(missing)}")
    if stamp.is_file() and all(src.stat().st_mtime <= stamp.stat().st_mtime for src in sources):
        return None
    proc = subprocess.Popen([sys.executable, "-m", "cevns_lib.likelihood.kernels", "--announce"], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True, preexec_fn=lambda: os.nice(10))  # chapters first
    sys.stdout.write(proc.stdout.readline())  # the lock is held once this line is printed (or the process died)
    sys.stdout.flush()

    def forward():
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()

    thread = threading.Thread(target=forward, daemon=True)
    thread.start()
    return proc, thread


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jupyter-book", default=str(Path(sys.executable).with_name("jupyter-book")),
                    help="the jupyter-book executable (default: next to this interpreter)")
    ap.add_argument("--kernels-stamp", type=Path,
                    help="compile the numba kernels meanwhile unless this file is newer than --kernel-sources")
    ap.add_argument("--kernel-sources", type=Path, nargs="+", default=[], help="the files the kernels depend on")
    args = ap.parse_args(argv)
    compiling = None if args.kernels_stamp is None else start_kernel_compilation(args.kernels_stamp,
                                                                                 args.kernel_sources)
    invalidate_if_inputs_changed()
    reread_if_extensions_changed()
    status = subprocess.call([args.jupyter_book, "build", str(ROOT), "-W", "-n", "--keep-going"])
    if status != 0:
        shutil.rmtree(BUILD / ".doctrees", ignore_errors=True)
    if compiling is not None:
        proc, thread = compiling
        code = proc.wait()
        thread.join()
        if code != 0:
            print(f"error: compiling the profiling kernels failed (exit status {code})", file=sys.stderr)
            return status or code
        args.kernels_stamp.touch()
    return status


if __name__ == "__main__":
    sys.exit(main())
