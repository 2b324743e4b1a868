#!/usr/bin/env python3
"""Build the book, executing only the chapters whose code or inputs changed since the last build (`make book`).

Usage: python tools/build_book.py [--jupyter-book PATH]

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
extensions (``tools/sphinx_ext``) either: when they change, every page is read again (outputs from the cache).  Exit status: the build's.
Standard library only.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jupyter-book", default=str(Path(sys.executable).with_name("jupyter-book")),
                    help="the jupyter-book executable (default: next to this interpreter)")
    args = ap.parse_args(argv)
    invalidate_if_inputs_changed()
    reread_if_extensions_changed()
    status = subprocess.call([args.jupyter_book, "build", str(ROOT), "-W", "-n", "--keep-going"])
    if status != 0:
        shutil.rmtree(BUILD / ".doctrees", ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
