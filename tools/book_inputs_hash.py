#!/usr/bin/env python3
"""Print one SHA-256 over everything an executed chapter can read besides its own code cells.

Usage: python tools/book_inputs_hash.py [--list]

`make book` executes the chapters through jupyter-cache (``execute_notebooks: cache`` in ``_config.yml``),
which keys a chapter on its code cells only.  A change of the library or of the data changes outputs without
changing any code cell, so ``tools/build_book.py`` keeps this hash in ``_build/.book-inputs.sha256`` and, when it
differs, removes the jupyter cache and Sphinx's environment: every chapter is then read and executed again.  The hash
covers, by content (file names relative to the repository, then bytes):

- every file of the package ``cevns_lib/`` (modules, the published tables under ``cevns_lib/published/``),
  except byte-code and numba's caches (``__pycache__``), which are derived from the sources;
- every file of the data folder (``$CEVNS_DATA_DIR`` when set, as the library reads it, else ``data/``);
- ``requirements.lock``, ``requirements.txt``, ``pyproject.toml`` and ``_config.yml`` (its ``execute:`` options);
- the interpreter that runs it (the one whose kernel executes the chapters): its version and the name and
  version of every installed distribution, so a package upgraded in the venv without a new lock counts too;
- the environment variables that the library or numba read (``CEVNS_*``, ``NUMBA_*``) and ``PYTHONPATH``.

The chapters have no helper files of their own (they import ``cevns_lib`` and read data only through it), and
``references.bib`` enters the pages through Sphinx, not through any executed cell, so neither is hashed.
With ``--list`` the script prints each input and its digest instead (one per line).  Standard library only.
"""

from __future__ import annotations

import hashlib
import os
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ("requirements.lock", "requirements.txt", "pyproject.toml", "_config.yml")
ENV_PREFIXES = ("CEVNS_", "NUMBA_")
SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".hypothesis"}


def _tree(folder: Path):
    """Every file below `folder`, sorted, skipping derived caches."""
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            if not name.endswith((".pyc", ".nbi", ".nbc")):
                yield Path(dirpath) / name


def _data_dir(root: Path) -> Path:
    env = os.environ.get("CEVNS_DATA_DIR")
    return Path(env) if env else root / "data"


def _distributions() -> list[str]:
    """name==version of every distribution installed for this interpreter, sorted."""
    return sorted({f"{d.metadata['Name']}=={d.version}".lower() for d in metadata.distributions()
                   if d.metadata['Name']})


def file_digests(folder: Path, relative_to: Path, prefix: str = ""):
    """(label, sha256 hex digest) of every file below `folder`, labelled by its path relative to `relative_to`."""
    return [(prefix + path.relative_to(relative_to).as_posix(), hashlib.sha256(path.read_bytes()).hexdigest())
            for path in _tree(Path(folder))]


def inputs(root: Path = ROOT):
    """(label, sha256 hex digest) of every input of the repository at `root`, in a fixed order."""
    root = Path(root)
    data = _data_dir(root)
    items = file_digests(root / "cevns_lib", root) + file_digests(data, data, "data/")
    for name in FILES:
        path = root / name
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "absent"
        items.append((name, digest))
    dists = _distributions()
    env = sorted(f"{k}={v}" for k, v in os.environ.items() if k.startswith(ENV_PREFIXES) or k == "PYTHONPATH")
    for label, text in (("python", sys.version), ("distributions", "\n".join(dists)), ("environment", "\n".join(env))):
        items.append((label, hashlib.sha256(text.encode()).hexdigest()))
    return items


def inputs_hash(root: Path = ROOT) -> str:
    """One SHA-256 (hex) over `inputs(root)`."""
    total = hashlib.sha256()
    for label, digest in inputs(root):
        total.update(f"{digest}  {label}\n".encode())
    return total.hexdigest()


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--list" in argv:
        for label, digest in inputs():
            print(digest, label)
        return 0
    print(inputs_hash())
    return 0


if __name__ == "__main__":
    sys.exit(main())
